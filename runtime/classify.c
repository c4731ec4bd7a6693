/*
 * classify.c - decide the class of a reply from the rule tables.
 *
 * Steps: run the DFA once over the text, noting every atom (text
 * pattern) that occurs and where the reply code and status may start;
 * read the codes there; work out the provider; then take the strongest
 * rule whose conditions hold.  Rules are stored strongest
 * first, so "strongest" is "lowest index", and candidates come only from
 * the atoms that matched and from the lists filed under the codes found:
 * the cost does not grow with the size of the rule base.
 */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include "internal.h"

#define WORDS (RB_MAX_ATOMS / 64u)

/* Index of the lowest set bit of a non-zero word. */
static unsigned lowest_bit(uint64_t m)
{
#if defined(__GNUC__)
	return (unsigned)__builtin_ctzll(m);
#else
	unsigned n = 0;
	while (!(m & 1u)) {
		m >>= 1;
		n++;
	}
	return n;
#endif
}

/*
 * Matched atoms are kept in a short list: a reply matches a handful, so
 * "did atom a match" is a scan of a few entries and nothing needs
 * clearing per call.  Past MAX_LISTED the list turns into a bit set over
 * all atoms (cleared then, once).
 */
#define MAX_LISTED 64
/* Where the DFA saw a possible code; past MAX_CODES the text is scanned. */
#define MAX_CODES 32
#define CODE_SLOTS 64 /* a power of two above MAX_CODES */

struct state {
	const struct rb_tables *t;
	unsigned nlisted; /* MAX_LISTED + 1 once the bit set is in use */
	unsigned profile;  /* 0 default, else index + 1 */
	unsigned provider; /* RB_NONE if none */
	/* not next to nlisted: GCC would pack the two counts of hits() into
	 * one vector register, and unpack them on every hit */
	unsigned ncodes;  /* all marks seen, even past MAX_CODES */
	struct rb_codes codes;
	uint16_t listed[MAX_LISTED + 8]; /* room to copy eight past the end */
	uint32_t code_at[CODE_SLOTS];
	uint64_t bits[WORDS]; /* only once nlisted > MAX_LISTED */
};

static int group_holds(const struct state *st, struct rb_group g)
{
	unsigned a;
	if (st->nlisted <= MAX_LISTED) {
		for (a = 0; a < st->nlisted; a++)
			if ((unsigned)(st->listed[a] - g.first) < g.count)
				return 1;
		return 0;
	}
	for (a = g.first; a < (unsigned)g.first + g.count; a++)
		if ((st->bits[a >> 6] >> (a & 63u)) & 1u)
			return 1;
	return 0;
}

static int reply_matches(const struct rb_reply_pat *p, unsigned n, unsigned reply)
{
	unsigned i;
	if (reply == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (reply >= p[i].lo && reply <= p[i].hi)
			return 1;
	return 0;
}

static int status_matches(const struct rb_status_pat *p, unsigned n, const struct rb_codes *c)
{
	unsigned i;
	if (c->cls == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i].cls && p[i].cls != c->cls)
			continue;
		if (p[i].subject != RB_NONE && p[i].subject != c->subject)
			continue;
		if (c->detail < p[i].lo || c->detail > p[i].hi)
			continue;
		return 1;
	}
	return 0;
}

static int in_list(const uint16_t *v, unsigned n, unsigned x)
{
	unsigned i;
	for (i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

/* Do the conditions of rule R hold?  Groups before FIRST_GROUP are known
 * to hold already (a candidate found through an atom of its group 0). */
static int rule_holds(const struct state *st, unsigned r, unsigned first_group)
{
	const struct rb_tables *t = st->t;
	const struct rb_rule *R = &t->rules[r];
	unsigned g;

	if (R->profile && R->profile != st->profile)
		return 0;
	if (R->nproviders && (st->provider == RB_NONE ||
	                      !in_list(t->provider_pool + R->providers, R->nproviders, st->provider)))
		return 0;
	if (R->nreply && !reply_matches(t->reply_pool + R->reply, R->nreply, st->codes.reply))
		return 0;
	if (R->nstatus && !status_matches(t->status_pool + R->status, R->nstatus, &st->codes))
		return 0;
	for (g = first_group; g < R->ngroups; g++)
		if (!group_holds(st, t->group_pool[R->groups + g]))
			return 0;
	if (R->unless.count && group_holds(st, R->unless))
		return 0;
	return 1;
}

/* The first rule of a strongest-first list that holds and beats BEST. */
static unsigned scan_list(const struct state *st, const uint16_t *list, unsigned best)
{
	if (!list)
		return best;
	for (; *list < best; list++)
		if (rule_holds(st, *list, 0))
			return *list;
	return best;
}

static const uint16_t *status_bucket(const struct rb_tables *t, const struct rb_codes *c)
{
	unsigned lo = 0, hi = t->nstatus_buckets;
	if (c->cls < 6 && c->subject < RB_STATUS_SUBJECTS - 1) {
		/* the class and subject's few buckets, from the index */
		const uint16_t *f = &t->status_first[c->cls * RB_STATUS_SUBJECTS + c->subject];
		for (lo = f[0]; lo < f[1]; lo++)
			if (t->status_buckets[lo].hi >= c->detail)
				return t->status_buckets[lo].lo <= c->detail
				               ? t->bucket_rules + t->status_buckets[lo].rules
				               : NULL;
		return NULL;
	}
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct rb_status_bucket *b = &t->status_buckets[mid];
		int cmp;
		if (b->cls != c->cls)
			cmp = b->cls < c->cls ? -1 : 1;
		else if (b->subject != c->subject)
			cmp = b->subject < c->subject ? -1 : 1;
		else if (b->hi < c->detail)
			cmp = -1;
		else if (b->lo > c->detail)
			cmp = 1;
		else
			return t->bucket_rules + b->rules;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const uint16_t *reply_bucket(const struct rb_tables *t, unsigned reply)
{
	unsigned lo = 0, hi = t->nreply_buckets;
	if (reply - RB_REPLY_LOW < RB_REPLY_SPAN) {
		unsigned k = t->reply_index[reply - RB_REPLY_LOW];
		return k ? t->bucket_rules + t->reply_buckets[k - 1].rules : NULL;
	}
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct rb_reply_bucket *b = &t->reply_buckets[mid];
		if (b->hi < reply)
			lo = mid + 1;
		else if (b->lo > reply)
			hi = mid;
		else
			return t->bucket_rules + b->rules;
	}
	return NULL;
}

/* From the short list to the bit set: more atoms matched than it holds. */
static void to_bits(struct state *st)
{
	unsigned i, nwords = (st->t->natoms + 63u) / 64u;
	memset(st->bits, 0, nwords * sizeof st->bits[0]);
	for (i = 0; i < MAX_LISTED; i++)
		st->bits[st->listed[i] >> 6] |= (uint64_t)1 << (st->listed[i] & 63u);
	st->nlisted = MAX_LISTED + 1;
}

/*
 * The DFA reached an accepting state after the byte at POS (POS is the
 * length for the step on the end): note the atoms it ends (an atom seen
 * twice is listed twice, which costs less than looking for it), and where
 * the codes its marks stand for start.
 */
#if defined(__GNUC__)
#define ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define ALWAYS_INLINE inline
#endif
static ALWAYS_INLINE void note_hit(struct state *st, const uint16_t *a, size_t pos)
{
	unsigned head = *a++, n = head & RB_ACC_ATOMS, c = st->ncodes, i;
	if (n <= 8 && st->nlisted + n <= MAX_LISTED) {
		/* the usual case: copy eight without looking how many there
		 * are (the pool and the list have room), count the right ones */
		memcpy(&st->listed[st->nlisted], a, 8 * sizeof *a);
		st->nlisted += n;
	} else
		for (i = 0; i < n; i++) {
			if (st->nlisted < MAX_LISTED) {
				st->listed[st->nlisted++] = a[i];
				continue;
			}
			if (st->nlisted == MAX_LISTED)
				to_bits(st);
			st->bits[a[i] >> 6] |= (uint64_t)1 << (a[i] & 63u);
		}
	/* the marks, without a branch: the place is written in any case
	 * and counted only when marked; past MAX_CODES the places wrap
	 * round in code_at (the count says they are not used then) */
	st->code_at[c & (CODE_SLOTS - 1)] = (uint32_t)(pos - 3);
	c += head / RB_ACC_REPLY & 1u;
	st->code_at[c & (CODE_SLOTS - 1)] = (uint32_t)(pos - 2);
	c += head / RB_ACC_STATUS;
	st->ncodes = c;
}

/* The same, as a call of its own: the scan loops keep their registers. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void hit(struct state *st, const uint16_t *a, size_t pos)
{
	note_hit(st, a, pos);
}

/* hit() for each of N accepting steps held as place << 32 | state, from
 * the first at or after FROM (a list is in order of place): one call for
 * a whole list keeps the call's cost out of the per-hit work.  The usual
 * case is note_hit's, with the two counts in locals: the compiler must
 * otherwise reload them after every store into the lists. */
#if defined(__GNUC__)
__attribute__((noinline)) /* out of the scan loops' register work */
#endif
static void hits(struct state *st, const uint64_t *h, size_t n, size_t from)
{
	const struct rb_dfa *d = st->t->dfa;
	const uint16_t *pool = d->accept;
	const uint32_t *at = d->accept_at;
	size_t k = 0, acc = d->first_accept;
	unsigned nl = st->nlisted, c = st->ncodes;
	while (k < n && (size_t)(h[k] >> 32) < from)
		k++;
	for (; k < n; k++) {
		const uint16_t *a = pool + at[(uint32_t)h[k] - acc];
		size_t pos = (size_t)(h[k] >> 32);
		unsigned head = *a, na = head & RB_ACC_ATOMS;
		if (na > 8 || nl + na > MAX_LISTED) {
			st->nlisted = nl;
			st->ncodes = c;
			hit(st, a, pos);
			nl = st->nlisted;
			c = st->ncodes;
			continue;
		}
		memcpy(&st->listed[nl], a + 1, 8 * sizeof *a);
		nl += na;
		st->code_at[c & (CODE_SLOTS - 1)] = (uint32_t)(pos - 3);
		c += head / RB_ACC_REPLY & 1u;
		st->code_at[c & (CODE_SLOTS - 1)] = (uint32_t)(pos - 2);
		c += head / RB_ACC_STATUS;
	}
	st->nlisted = nl;
	st->ncodes = c;
}

/* The next matched atom after *cursor, or RB_NONE: from the list while it
 * held them all, else from the bit set. */
static unsigned next_atom(const struct state *st, unsigned *cursor)
{
	unsigned nwords;
	if (st->nlisted <= MAX_LISTED)
		return *cursor < st->nlisted ? st->listed[(*cursor)++] : RB_NONE;
	nwords = (st->t->natoms + 63u) / 64u;
	while (*cursor < nwords * 64u) {
		unsigned w = *cursor >> 6;
		uint64_t m = st->bits[w] >> (*cursor & 63u);
		if (m) {
			unsigned a = *cursor + lowest_bit(m);
			*cursor = a + 1;
			return a;
		}
		*cursor = (w + 1) * 64u;
	}
	return RB_NONE;
}

/*
 * The hot loop: one load per byte, from the column of the byte's class
 * at the row of the state (the column pointer does not depend on the
 * state, so it is fetched ahead), eight bytes a round, and nothing else:
 * it leaves the loop for the rare accepting states, so that everything
 * it needs stays in registers.  One copy for 16-bit state numbers, one
 * for 32-bit ones.
 *
 * Each step waits for the load before it, and with a table larger than
 * the first-level cache many of those loads miss.  So a text of some
 * length is cut in two after a blank and both halves are stepped in one
 * loop: two independent chains of loads, whose waits overlap.  That loop
 * has no branch on the states (a mispredicted one would throw away the
 * work of both chains): every step writes its state and place to a list
 * and moves the end of the list on only when the state accepts.
 *
 * The second half starts (at the blank's cut, or up to seven bytes
 * before it, so that both halves are whole eights) in the state a blank
 * leads to from the start, which may not be the true one.  Its first
 * states are kept; the first half, which the loop takes a few bytes
 * past the cut, is then carried on until it reaches the state the
 * second had at the same place.  The automaton is deterministic, so from
 * there on both have the same states, and the second half's matches
 * from there on stand; those before are dropped for the first half's.
 * When the two do not meet within SPLIT_TRAIL bytes, or the second half
 * has more matches than it holds, the first half carries on to the end:
 * at most half of the text is stepped twice.
 *
 * Longer texts are cut in three or four (a quarter of replies are over
 * 120 bytes), and there the chains keep no list: each step only writes
 * its state to the chain's trail, at a place that does not depend on a
 * state.  A store whose place depends on the chain (the end of a list)
 * holds back the loads after it, and with four chains that cost a
 * fifth of the loop's time.  The meetings and the accepting steps are
 * then found in the trails, eight states at a time (see DEFINE_MULTI).
 */
#define SPLIT_MIN 32   /* shorter texts are stepped in one chain */
#define SPLIT_THREE 96 /* from here three chains, from their trails */
#define SPLIT_FOUR 160 /* from here four */
#define SPLIT_PIECE 800 /* longer texts are taken a piece at a time */
#define SPLIT_CAP 320  /* the most bytes a chain of three or four takes */
#define SPLIT_TRAIL 32 /* states of the second half kept for the meeting
                       * (a multiple of 8, at most SPLIT_HELD - 8) */
#define SPLIT_HELD 64  /* accepting steps held per half (a multiple of 8) */
#define SPLIT_AHEAD 6  /* bytes the first chain takes past the cut */
#define SPLIT_NEAR 12  /* how far from that point a blank is looked for
                        * (SPLIT_AHEAD + 2 * SPLIT_NEAR < SPLIT_TRAIL) */
/* a chain of four over the longest piece, or of three, within its trail */
_Static_assert(SPLIT_CAP >= (SPLIT_PIECE + SPLIT_FOUR + 3 * SPLIT_AHEAD + 3) / 4 + SPLIT_NEAR + 7 &&
                       SPLIT_CAP >= (SPLIT_FOUR + 2 * SPLIT_AHEAD + 2) / 3 + SPLIT_NEAR + 7,
               "SPLIT_CAP too small");

/* the next state on byte X: from its column, or, in the loops for texts
 * with bytes of 128 and up (mixed), from the rare classes' rows for a
 * byte without one (a constant test the others compile away) */
#define NEXT(X, S)                                                            \
	(mixed && !col[X] ? rare_next(S, X) : (size_t)col[X][S])
/* Most states (all but the few with a row of their own) go to the rare
 * class's usual state: a branch, not a select, so that on a run of such
 * bytes the next step need not wait for the state's row to be read. */
#if defined(__GNUC__)
#define RB_LIKELY(X) __builtin_expect(!!(X), 1)
#else
#define RB_LIKELY(X) (X)
#endif
#define rare_next(S, X)                                                       \
	(RB_LIKELY(rare_row[S] == 0) ? (size_t)rare[rare_class[X] - ndense]   \
	                             : (size_t)rare[rare_row[S] * nrare + rare_class[X] - ndense])
#define DFA_STEP(K)                                                           \
	s = NEXT(p[K], s);                                                    \
	if (s >= acc) {                                                       \
		p += (K) + 1;                                                 \
		goto accepting;                                               \
	}
/* one step of each chain, noting accepting states without a branch */
#define DFA_PAIR(K)                                                           \
	a = NEXT(text[i + (K)], a);                                           \
	b = NEXT(q[i + (K)], b);                                              \
	ha[na] = (uint64_t)(i + (K)) << 32 | a;                               \
	na += a >= acc;                                                       \
	hb[nb] = (uint64_t)(m + i + (K)) << 32 | b;                           \
	nb += b >= acc;
/* the same, keeping the second chain's state (I + K < SPLIT_TRAIL) */
#define DFA_PAIR_KEPT(K, T)                                                   \
	trail[i + (K)] = (T)b;                                                \
	DFA_PAIR(K)
/* Step K of a round of chain J (when there is one: kch is the number of
 * chains, chain_t the type of a state): the state goes to the chain's
 * trail at its place, and nothing else is on the chain of loads (no
 * test, and no store to a place that depends on a state). */
#define CHAIN_STEP(J, K)                                                      \
	if (kch > (J)) {                                                      \
		s##J = NEXT(q##J[i + (K)], s##J);                             \
		tr[J][i + (K)] = (chain_t)s##J;                               \
	}
#define CHAINS_STEP(K) CHAIN_STEP(0, K) CHAIN_STEP(1, K) CHAIN_STEP(2, K) CHAIN_STEP(3, K)
#if defined(__SSE2__) && SPLIT_NEAR <= 16
/* Index of the highest set bit of a non-zero word. */
static unsigned highest_bit(unsigned m)
{
#if defined(__GNUC__)
	return 31u - (unsigned)__builtin_clz(m);
#else
	unsigned n = 0;
	while (m >>= 1)
		n++;
	return n;
#endif
}
#endif

/*
 * Where to cut a text of N >= SPLIT_MIN bytes near the point M: after
 * the blank nearest M within SPLIT_NEAR bytes either way, the later one
 * on a tie; M itself when there is none (M is first moved, if need be,
 * so that the window lies within the text).  With SSE2 the blanks of
 * both sides are found at once, without a branch on each byte (where
 * the blanks are is anyone's guess).
 */
static size_t cut_near(const unsigned char *text, size_t n, size_t m)
{
	size_t k;
	/* the window must lie within the text */
	m = m < SPLIT_NEAR ? SPLIT_NEAR : m;
	m = m + 15 > n ? n - 15 : m;
#if defined(__SSE2__) && SPLIT_NEAR <= 16
	/* bit j of before: text[m - SPLIT_NEAR + j] is a blank (cut at
	 * m - (SPLIT_NEAR - 1 - j)); bit j of after: text[m - 1 + j] is (cut
	 * at m + j); both loads stay within the text (m >= 12, m + 15 <= n) */
	const __m128i blank = _mm_set1_epi8(' ');
	unsigned before = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
	        _mm_loadu_si128((const __m128i *)(const void *)(text + m - SPLIT_NEAR)), blank));
	unsigned after = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
	        _mm_loadu_si128((const __m128i *)(const void *)(text + m - 1)), blank));
	size_t back, ahead, none, take;
	before &= (1u << SPLIT_NEAR) - 1;
	after &= (1u << SPLIT_NEAR) - 1;
	/* how far back the nearest blank before is, and ahead the one after,
	 * SPLIT_NEAR for none (a bit added below or above the window) */
	back = SPLIT_NEAR - highest_bit(before << 1 | 1u);
	ahead = lowest_bit(after | 1u << SPLIT_NEAR);
	/* the nearer, the one ahead on a tie, M itself for none: selected by
	 * masks, not branches */
	none = 0 - (size_t)(ahead == SPLIT_NEAR);
	take = 0 - (size_t)(ahead <= back);
	k = m + ((ahead & ~none) & take) - (back & ~take);
	return k;
#else
	for (k = 0; k < SPLIT_NEAR; k++)
		if (text[m + k - 1] == ' ' || text[m - k - 1] == ' ')
			return text[m + k - 1] == ' ' ? m + k : m - k;
	return m;
#endif
}

/* Where to cut a text in two: near the point that lets the first half
 * go SPLIT_AHEAD bytes past the cut in the loop, where the two chains
 * mostly meet. */
static size_t cut_point(const unsigned char *text, size_t n)
{
	return cut_near(text, n, (n - SPLIT_AHEAD) / 2);
}

/*
 * Where the K chains of a text of N bytes start (M[0] = 0), and how many
 * bytes each steps (the same for all, whole eights): the last chain ends
 * at the end of the text and starts up to seven bytes before a blank,
 * the ones between start at the blanks nearest to even shares of the
 * text before it, and each chain but the last is taken about SPLIT_AHEAD
 * bytes past the start of the next, where the two mostly meet.  A chain
 * may start before the one before it ends or after it (the meeting makes
 * either good): every chain lies within the text.
 */
static ALWAYS_INLINE size_t place_chains(const unsigned char *text, size_t n, size_t k, size_t *m)
{
	/* a chain's length before the rounding */
	const size_t share = (n + (k - 1) * SPLIT_AHEAD + k - 1) / k;
	size_t len = (n - cut_near(text, n, n - share) + 7) & ~(size_t)7, j, c;
	len -= len > n ? 8 : 0;
	m[0] = 0;
	m[k - 1] = n - len;
	for (j = 1; j + 1 < k; j++) {
		c = cut_near(text, n, j * m[k - 1] / (k - 1));
		m[j] = c < m[k - 1] ? c : m[k - 1];
	}
	return len;
}

/*
 * Does the text hold a byte of 128 or more?  Only such a text can step on
 * a rare class (see struct rb_dfa), so the others take the loops below,
 * which read every step from a column.  With SSE2, 32 bytes a round;
 * else a word of eight at a time.
 */
static ALWAYS_INLINE int has_high_byte(const unsigned char *text, size_t n)
{
	size_t i;
	uint64_t w, v;
#if defined(__SSE2__)
	if (n >= 16) {
		const unsigned char *p = text, *last = text + n - 16;
		__m128i any = _mm_loadu_si128((const __m128i *)(const void *)last);
		if (n <= 128) {
			/* most replies: eight blocks of 16, each where it starts
			 * or at the last one, whichever is first; no loop whose
			 * end depends on the length */
#define HIGH_BLOCK(K)                                                         \
	any = _mm_or_si128(any, _mm_loadu_si128((const __m128i *)(const void *)(  \
	                                text + ((K) * 16 < n - 16 ? (K) * 16 : n - 16))))
			HIGH_BLOCK(0);
			HIGH_BLOCK(1);
			HIGH_BLOCK(2);
			HIGH_BLOCK(3);
			HIGH_BLOCK(4);
			HIGH_BLOCK(5);
			HIGH_BLOCK(6);
#undef HIGH_BLOCK
			return _mm_movemask_epi8(any) != 0;
		}
		/* 32 bytes a round; the last 16 and at most one block of 16
		 * before them are left, read whole, overlapping */
		for (; p + 32 <= text + n; p += 32)
			any = _mm_or_si128(any, _mm_or_si128(
			        _mm_loadu_si128((const __m128i *)(const void *)p),
			        _mm_loadu_si128((const __m128i *)(const void *)(p + 16))));
		any = _mm_or_si128(any, _mm_loadu_si128((const __m128i *)(const void *)(p < last ? p : last)));
		return _mm_movemask_epi8(any) != 0;
	}
#else
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, text + i, 8);
		if (w & 0x8080808080808080u)
			return 1;
	}
	text += i;
	n -= i;
#endif
	if (n >= 8) { /* 8 to 15 bytes: the first eight and the last eight */
		memcpy(&w, text, 8);
		memcpy(&v, text + n - 8, 8);
		return ((w | v) & 0x8080808080808080u) != 0;
	}
	for (i = 0; i < n; i++)
		if (text[i] & 0x80)
			return 1;
	return 0;
}

/*
 * The trails of the chains: which of 64 states accept (bit k for
 * V[k] >= ACC, ACC > 0), and the first place where two trails hold the
 * same state.  With SSE2, eight or four states at once, without a
 * branch on each.
 */
static uint64_t accepting16(const uint16_t *v, size_t acc)
{
	uint64_t m = 0;
	unsigned k;
#if defined(__SSE2__)
	/* ACC - V saturates to 0 where V >= ACC (ACC < 65,536 in every
	 * lane) */
	const __m128i a = _mm_shuffle_epi32(_mm_shufflelo_epi16(_mm_cvtsi32_si128((int)acc), 0), 0);
	const __m128i zero = _mm_setzero_si128();
	for (k = 0; k < 64; k += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(v + k));
		__m128i y = _mm_loadu_si128((const __m128i *)(const void *)(v + k + 8));
		x = _mm_cmpeq_epi16(_mm_subs_epu16(a, x), zero);
		y = _mm_cmpeq_epi16(_mm_subs_epu16(a, y), zero);
		m |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_packs_epi16(x, y)) << k;
	}
#else
	for (k = 0; k < 64; k++)
		m |= (uint64_t)(v[k] >= acc) << k;
#endif
	return m;
}

static uint64_t accepting32(const uint32_t *v, size_t acc)
{
	uint64_t m = 0;
	unsigned k;
#if defined(__SSE2__)
	/* V > ACC - 1, compared as signed: no table has 2^31 states */
	const __m128i a = _mm_set1_epi32((int)(acc - 1));
	for (k = 0; k < 64; k += 16) {
		__m128i w[4], x, y;
		unsigned b;
		for (b = 0; b < 4; b++)
			w[b] = _mm_cmpgt_epi32(_mm_loadu_si128((const __m128i *)(const void *)(v + k + 4 * b)), a);
		x = _mm_packs_epi32(w[0], w[1]);
		y = _mm_packs_epi32(w[2], w[3]);
		m |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_packs_epi16(x, y)) << k;
	}
#else
	for (k = 0; k < 64; k++)
		m |= (uint64_t)(v[k] >= acc) << k;
#endif
	return m;
}

/* The first K < N with A[K] == B[K], else N, for entries of W bytes
 * (2 or 4); A and B hold N rounded up to a multiple of 16 / W.  With
 * SSE2 the bytes are compared 16 at a time, and an entry is the same
 * where all its W bytes are. */
static ALWAYS_INLINE size_t first_same(const void *pa, const void *pb, size_t n, size_t w)
{
	const unsigned char *a = pa, *b = pb;
	size_t k;
#if defined(__SSE2__)
	const size_t per = 16 / w;
	for (k = 0; k < n; k += per) {
		unsigned eq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
		        _mm_loadu_si128((const __m128i *)(const void *)(a + k * w)),
		        _mm_loadu_si128((const __m128i *)(const void *)(b + k * w))));
		eq &= eq >> 1;
		eq &= w == 4 ? (eq >> 2) & 0x1111u : 0x5555u;
		eq &= (1u << w * (n - k < per ? n - k : per)) - 1;
		if (eq)
			return k + lowest_bit(eq) / w;
	}
	return n;
#else
	for (k = 0; k < n && memcmp(a + k * w, b + k * w, w) != 0; k++)
		;
	return k;
#endif
}

/* The hits of trail entries [X, XE) of a chain, entry K at place
 * BASE + K: the accepting ones found 64 at a time, then noted one by
 * one (the trail holds 64 entries past XE). */
#define DEFINE_NOTE_TRAIL(NAME, T, ACCEPTING)                                 \
	static void NAME(struct state *st, const T *tr, size_t x, size_t xe, size_t base) \
	{                                                                     \
		const struct rb_dfa *d = st->t->dfa;                          \
		for (; x < xe; x += 64) {                                     \
			uint64_t m = ACCEPTING(tr + x, d->first_accept);      \
			m &= ~(uint64_t)0 >> (64 - (xe - x < 64 ? xe - x : 64)); \
			for (; m; m &= m - 1) {                               \
				size_t k = x + lowest_bit(m);                 \
				note_hit(st, rb_accept_list(d, tr[k]), base + k); \
			}                                                     \
		}                                                             \
	}
DEFINE_NOTE_TRAIL(note_trail16, uint16_t, accepting16)
DEFINE_NOTE_TRAIL(note_trail32, uint32_t, accepting32)

#if defined(__GNUC__) && !defined(__clang__)
/* a function of its own in profiles; and GCC would otherwise pack the
 * second chain's kept states into a vector, through the stack, on the
 * chain of loads */
#define SCAN_ATTR __attribute__((noinline, optimize("no-tree-slp-vectorize")))
#elif defined(__GNUC__)
#define SCAN_ATTR __attribute__((noinline))
#else
#define SCAN_ATTR
#endif
/* what NEXT needs, in every scan loop */
#define SCAN_LOCALS(T, COLS, RARE, MIXED)                                     \
	const struct rb_dfa *d = st->t->dfa;                                  \
	const T *const *col = d->COLS;                                        \
	const T *rare = d->RARE;                                              \
	size_t nrare = d->nclasses - d->ndense, ndense = d->ndense;           \
	const uint16_t *rare_row = d->rare_row;                               \
	const uint8_t *rare_class = d->byte_class;                            \
	const int mixed = MIXED;
#define DEFINE_CHAINS(NAME, T, COLS, RARE, MIXED, NOTE)                       \
	/* one chain over bytes [from, to) from state S; the state after */    \
	SCAN_ATTR static size_t NAME##_run(struct state *st, const unsigned char *text, \
	                                   size_t from, size_t to, size_t s)   \
	{                                                                     \
		SCAN_LOCALS(T, COLS, RARE, MIXED)                             \
		const unsigned char *p = text + from, *end = text + to;       \
		const unsigned char *last8 = to - from >= 7 ? end - 7 : p;    \
		size_t acc = d->first_accept;                                 \
		for (;;) {                                                    \
			while (p < last8) {                                   \
				DFA_STEP(0)                                   \
				DFA_STEP(1)                                   \
				DFA_STEP(2)                                   \
				DFA_STEP(3)                                   \
				DFA_STEP(4)                                   \
				DFA_STEP(5)                                   \
				DFA_STEP(6)                                   \
				DFA_STEP(7)                                   \
				p += 8;                                       \
			}                                                     \
			while (p < end) {                                     \
				DFA_STEP(0)                                   \
				p++;                                          \
			}                                                     \
			return s;                                             \
		accepting:                                                    \
			hit(st, rb_accept_list(d, s), (size_t)(p - 1 - text)); \
		}                                                             \
	}                                                                     \
	/* two chains, over [0, n - m) and [m, n), side by side, then the    \
	 * meeting; the state after the text.  M is the blank's cut moved    \
	 * back so that the halves are whole eights (forward when back is    \
	 * before the text): the second chain then starts a few bytes off,   \
	 * which the meeting makes good, and no loop of single pair steps    \
	 * (with its end mispredicted) is left. */                           \
	SCAN_ATTR static size_t NAME##_two(struct state *st, const unsigned char *text, \
	                                   size_t cut, size_t n)               \
	{                                                                     \
		const size_t whole = (n - cut + 7) & ~(size_t)7;              \
		const size_t m = n - (whole <= n ? whole : whole - 8);        \
		SCAN_LOCALS(T, COLS, RARE, MIXED)                             \
		const unsigned char *q = text + m;                            \
		size_t acc = d->first_accept, i = 0, k;                       \
		size_t half = n - m;                                          \
		size_t ntrail = n - m < SPLIT_TRAIL ? n - m : SPLIT_TRAIL;    \
		size_t a = d->start, b = col[' '][d->start], na = 0, nb = 0;  \
		int b_lost = 0;                                               \
		uint64_t ha[SPLIT_HELD + 8], hb[SPLIT_HELD + 8];              \
		T trail[SPLIT_TRAIL + 1]; /* the last one takes the rest */   \
		/* no list fills up in the first SPLIT_TRAIL bytes */         \
		for (; i < SPLIT_TRAIL && i + 8 <= half; i += 8) {            \
			DFA_PAIR_KEPT(0, T)                                   \
			DFA_PAIR_KEPT(1, T)                                   \
			DFA_PAIR_KEPT(2, T)                                   \
			DFA_PAIR_KEPT(3, T)                                   \
			DFA_PAIR_KEPT(4, T)                                   \
			DFA_PAIR_KEPT(5, T)                                   \
			DFA_PAIR_KEPT(6, T)                                   \
			DFA_PAIR_KEPT(7, T)                                   \
		}                                                             \
		for (;;) {                                                    \
			if (na > SPLIT_HELD - 8) {                            \
				hits(st, ha, na, 0);                          \
				na = 0;                                       \
			}                                                     \
			if (nb > SPLIT_HELD - 8) {                            \
				b_lost = 1;                                   \
				nb = 0;                                       \
			}                                                     \
			if (i + 8 > half)                                     \
				break;                                        \
			DFA_PAIR(0)                                              \
			DFA_PAIR(1)                                              \
			DFA_PAIR(2)                                              \
			DFA_PAIR(3)                                              \
			DFA_PAIR(4)                                              \
			DFA_PAIR(5)                                              \
			DFA_PAIR(6)                                              \
			DFA_PAIR(7)                                              \
			i += 8;                                               \
		}                                                             \
		hits(st, ha, na, 0);                                          \
		/* the first half on to the cut, if it stopped short of it,  \
		 * and on until it meets the second: K is its place, A its    \
		 * state (when it went past the cut in the loop, the two may  \
		 * have met already) */                                       \
		for (k = half; k < n; k++) {                                  \
			if (k >= m) {                                         \
				if (b_lost || k - m >= ntrail)                \
					break;                                \
				if (a == trail[k - m]) {                      \
					hits(st, hb, nb, k);                  \
					return b;                             \
				}                                             \
			}                                                     \
			a = NEXT(text[k], a);                                 \
			if (a >= acc)                                         \
				hit(st, rb_accept_list(d, a), k);             \
		}                                                             \
		return NAME##_run(st, text, k, n, a);                         \
	}                                                                     \
	DEFINE_MULTI(NAME, T, COLS, RARE, MIXED, 3, NOTE)                     \
	DEFINE_MULTI(NAME, T, COLS, RARE, MIXED, 4, NOTE)
/* KCH chains side by side over bytes [FROM, TO) of the text, the first
 * from state S (see place_chains), then the meetings; the state after
 * TO.  NOTE is note_trail for type T. */
#define DEFINE_MULTI(NAME, T, COLS, RARE, MIXED, KCH, NOTE)                   \
	SCAN_ATTR static size_t NAME##_k##KCH(struct state *st, const unsigned char *text, \
	                                      size_t from, size_t to, size_t s) \
	{                                                                     \
		SCAN_LOCALS(T, COLS, RARE, MIXED)                             \
		typedef T chain_t;                                            \
		enum { kch = KCH };                                           \
		const unsigned char *t = text + from;                         \
		const size_t n = to - from;                                   \
		size_t m[KCH];                                                \
		const size_t len = place_chains(t, n, KCH, m);                \
		const unsigned char *q0 = t, *q1 = t + m[1 % KCH],            \
		                    *q2 = t + m[2 % KCH], *q3 = t + m[3 % KCH]; \
		size_t acc = d->first_accept, i, j, pos = 0, cur = s, at = 0; \
		size_t s0 = s, s1 = col[' '][d->start], s2 = s1, s3 = s1;     \
		int src = 0;                                                  \
		/* each chain's states, and room for the SIMD reads past them \
		 * (what they read there is masked off) */                \
		T tr[KCH][SPLIT_CAP + 64];                                    \
		for (i = 0; i < len; i += 8) {                                \
			CHAINS_STEP(0)                                        \
			CHAINS_STEP(1)                                        \
			CHAINS_STEP(2)                                        \
			CHAINS_STEP(3)                                        \
			CHAINS_STEP(4)                                        \
			CHAINS_STEP(5)                                        \
			CHAINS_STEP(6)                                        \
			CHAINS_STEP(7)                                        \
		}                                                             \
		/* Chain SRC holds the true states from byte AT on (the      \
		 * first from the start); the next takes over after the     \
		 * first byte where the two have the same state (from there \
		 * on they are the same: the automaton is deterministic).   \
		 * When they do not meet where both ran, SRC's hits are     \
		 * noted and its last state (CUR, after POS bytes) is       \
		 * stepped on alone (SRC < 0) until it meets a later chain  \
		 * or the end: each byte is stepped at most twice. */        \
		for (j = 1; j < KCH; j++) {                                   \
			if (src >= 0) {                                       \
				const size_t ms = m[src];                     \
				size_t lo = at > m[j] ? at : m[j];            \
				size_t hi = (ms < m[j] ? ms : m[j]) + len, b; \
				b = lo < hi ? lo + first_same(&tr[src][lo - ms], &tr[j][lo - m[j]], hi - lo, sizeof(T)) : hi; \
				if (b < hi) {                                 \
					NOTE(st, tr[src], at - ms, b + 1 - ms, from + ms); \
					at = b + 1;                           \
					src = (int)j;                         \
					continue;                             \
				}                                             \
				NOTE(st, tr[src], at - ms, len, from + ms);   \
				cur = tr[src][len - 1];                       \
				pos = ms + len;                               \
				src = -1;                                     \
			}                                                     \
			for (; pos < m[j] + len; pos++) {                     \
				cur = NEXT(t[pos], cur);                      \
				if (cur >= acc)                               \
					hit(st, rb_accept_list(d, cur), from + pos); \
				if (pos >= m[j] && cur == tr[j][pos - m[j]]) { \
					at = pos + 1;                         \
					src = (int)j;                         \
					break;                                \
				}                                             \
			}                                                     \
		}                                                             \
		if (src < 0)                                                  \
			return cur;                                           \
		NOTE(st, tr[src], at - m[src], len, from + m[src]);           \
		return tr[src][len - 1];                                      \
	}

/* Texts of SPLIT_THREE bytes and more in three or four chains, a piece
 * of SPLIT_PIECE bytes at a time while more than SPLIT_PIECE +
 * SPLIT_FOUR are left (so the last piece has four chains too); shorter
 * ones in two, or in one below SPLIT_MIN. */
#define DEFINE_SCAN(NAME, T, COLS, TRANS, RARE, NOTE)                         \
	DEFINE_CHAINS(NAME, T, COLS, RARE, 0, NOTE)                           \
	DEFINE_CHAINS(NAME##_mixed, T, COLS, RARE, 1, NOTE)                   \
	static void NAME(struct state *st, const unsigned char *text, size_t n) \
	{                                                                     \
		const struct rb_dfa *d = st->t->dfa;                          \
		size_t s = d->start, acc = d->first_accept, from = 0;         \
		if (d->rare_row && has_high_byte(text, n)) {                  \
			if (n >= SPLIT_THREE) {                               \
				for (; n - from > SPLIT_PIECE + SPLIT_FOUR; from += SPLIT_PIECE) \
					s = NAME##_mixed_k4(st, text, from, from + SPLIT_PIECE, s); \
				s = n - from >= SPLIT_FOUR ? NAME##_mixed_k4(st, text, from, n, s) \
				                           : NAME##_mixed_k3(st, text, from, n, s); \
			} else if (n >= SPLIT_MIN)                            \
				s = NAME##_mixed_two(st, text, cut_point(text, n), n); \
			else                                                  \
				s = NAME##_mixed_run(st, text, 0, n, s);      \
		} else if (n >= SPLIT_THREE) {                                \
			for (; n - from > SPLIT_PIECE + SPLIT_FOUR; from += SPLIT_PIECE) \
				s = NAME##_k4(st, text, from, from + SPLIT_PIECE, s); \
			s = n - from >= SPLIT_FOUR ? NAME##_k4(st, text, from, n, s) \
			                           : NAME##_k3(st, text, from, n, s); \
		} else if (n >= SPLIT_MIN)                                    \
			s = NAME##_two(st, text, cut_point(text, n), n);      \
		else                                                          \
			s = NAME##_run(st, text, 0, n, s);                    \
		if (d->eof_class != RB_NONE) {                                \
			s = d->TRANS[(size_t)d->eof_class * d->nstates + s];  \
			if (s >= acc)                                         \
				hit(st, rb_accept_list(d, s), n);             \
		}                                                             \
	}

DEFINE_SCAN(scan16, uint16_t, byte_col, trans, rare, note_trail16)
DEFINE_SCAN(scan32, uint32_t, byte_col32, trans32, rare32, note_trail32)

static void run_dfa(struct state *st, const unsigned char *text, size_t n)
{
	if (st->t->dfa->byte_col32)
		scan32(st, text, n);
	else
		scan16(st, text, n);
}

/* Does NAME end with the suffix S (its text in TEXT), at a label boundary? */
static int has_suffix(const char *text, const char *name, size_t len, const struct rb_suffix *s)
{
	size_t i;
	if (len < s->len)
		return 0;
	if (len > s->len && name[len - s->len - 1] != '.' && name[len - s->len - 1] != '@')
		return 0;
	for (i = 0; i < s->len; i++) {
		unsigned char c = (unsigned char)name[len - s->len + i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		if (c != (unsigned char)text[s->at + i])
			return 0;
	}
	return 1;
}

/* The first suffix of L bytes (0 < L < RB_SUFFIX_LONG) in V that NAME
 * ends with, or NULL. */
static const struct rb_suffix *suffix_of_len(const char *text, const struct rb_suffix *v,
                                             const uint16_t *by_len, const char *name, size_t len,
                                             size_t l)
{
	unsigned i;
	/* every suffix tried here starts at the same byte of NAME: most
	   differ from it there */
	unsigned char c0 = (unsigned char)name[len - l];
	if (c0 >= 'A' && c0 <= 'Z')
		c0 = (unsigned char)(c0 + 32);
	for (i = by_len[l]; i < by_len[l + 1]; i++)
		if ((unsigned char)text[v[i].at] == c0 && has_suffix(text, name, len, &v[i]))
			return &v[i];
	return NULL;
}

static unsigned provider_by_suffix(const char *text, const struct rb_suffix *v, unsigned n,
                                   const uint16_t *by_len, const char *name)
{
	size_t len, j;
	unsigned i, best = RB_NONE, best_len = 0;
	const struct rb_suffix *s;
	if (!name || !*name)
		return RB_NONE;
	len = strlen(name);
	while (len > 0 && (name[len - 1] == '.' || name[len - 1] == '>' || name[len - 1] == ' '))
		len--;
	/* the longest suffix wins, so "mail.yahoo.co.jp" can differ from
	   "yahoo.com"; of one length, the first.  The long ones first */
	for (i = by_len[RB_SUFFIX_LONG]; i < n; i++)
		if (v[i].len > best_len && v[i].len <= len && has_suffix(text, name, len, &v[i])) {
			best = v[i].provider;
			best_len = v[i].len;
		}
	if (best != RB_NONE)
		return best;
	/* a suffix is the whole name or follows a '.' or '@' (has_suffix):
	   only those lengths are tried, longest first */
	if (len < RB_SUFFIX_LONG && (s = suffix_of_len(text, v, by_len, name, len, len)) != NULL)
		return s->provider;
	for (j = 0; j < len; j++)
		if ((name[j] == '.' || name[j] == '@') && len - 1 - j > 0 &&
		    len - 1 - j < RB_SUFFIX_LONG &&
		    (s = suffix_of_len(text, v, by_len, name, len, len - 1 - j)) != NULL)
			return s->provider;
	return RB_NONE;
}

int rb_profile_index(const struct rb_tables *t, const char *name)
{
	unsigned i;
	if (!name || !*name || strcmp(name, "default") == 0)
		return -1;
	for (i = 0; i < t->nprofiles; i++)
		if (strcmp(t->profile_names[i], name) == 0)
			return (int)i;
	return -2;
}

int rb_provider_index(const struct rb_tables *t, const char *id)
{
	unsigned i;
	for (i = 0; i < t->nproviders; i++)
		if (strcmp(t->providers[i].id, id) == 0)
			return (int)i;
	return -1;
}

static const struct rebound_class undetermined_class = {
	"undetermined", "No rule of the rule base applied.",
	"Keep the message and read its text.", "undefined", "other", "Undetermined",
	"Undetermined", 1, REBOUND_TYPE_UNDETERMINED, REBOUND_BLAME_NONE,
	REBOUND_ACTION_REVIEW, REBOUND_CATEGORY_NONE
};
static const struct rebound_rule no_rule = {"(none)", "", 0, NULL};

/* The type a class of type "by code" takes, by the first digit of the
 * reply code, else of the status: a table, so that the result can be
 * selected without a branch. */
static const unsigned char type_by_digit[10] = {
	REBOUND_TYPE_SOFT, REBOUND_TYPE_SOFT, REBOUND_TYPE_SUCCESS, REBOUND_TYPE_INFO,
	REBOUND_TYPE_SOFT, REBOUND_TYPE_HARD, REBOUND_TYPE_SOFT, REBOUND_TYPE_SOFT,
	REBOUND_TYPE_SOFT, REBOUND_TYPE_SOFT
};
/* A if MASK is all ones, B if it is zero: a select written so that the
 * compiler keeps it one (a branch on which texts name a provider, or
 * have a code, is mispredicted often). */
static unsigned mask_pick(unsigned mask, unsigned a, unsigned b)
{
	return (a & mask) | (b & ~mask);
}

static enum rebound_type type_from_code(const struct rb_codes *c)
{
	unsigned digit = c->reply / 100 | mask_pick(0u - (unsigned)(c->reply == 0), c->cls, 0);
	return (enum rebound_type)type_by_digit[digit % 10];
}

static int retype_holds(const struct state *st, const struct rb_retype *x, unsigned cls)
{
	const struct rb_tables *t = st->t;
	if (x->profile && x->profile != st->profile)
		return 0;
	if (x->nproviders && (st->provider == RB_NONE ||
	                      !in_list(t->provider_pool + x->providers, x->nproviders, st->provider)))
		return 0;
	if (x->nreply && !reply_matches(t->reply_pool + x->reply, x->nreply, st->codes.reply))
		return 0;
	if (x->nstatus && !status_matches(t->status_pool + x->status, x->nstatus, &st->codes))
		return 0;
	if (x->nclasses && !in_list(t->provider_pool + x->classes, x->nclasses, cls))
		return 0;
	return 1;
}

static void merge_query_codes(struct rb_codes *c, const struct rebound_query *q, unsigned *flags)
{
	struct rb_codes qs = {0, 0, 0, 0};
	if (!q)
		return;
	if (c->reply == 0 && q->reply >= 200 && q->reply <= 599) {
		c->reply = q->reply;
		*flags |= REBOUND_F_REPLY_FROM_QUERY;
	}
	if (q->status && rb_parse_status(q->status, strlen(q->status), &qs)) {
		/* a bare X.0.0 in the text says less than a real status outside it */
		if (c->cls == 0 || (c->subject == 0 && c->detail == 0 &&
		                    (qs.subject != 0 || qs.detail != 0))) {
			c->cls = qs.cls;
			c->subject = qs.subject;
			c->detail = qs.detail;
			*flags |= REBOUND_F_STATUS_FROM_QUERY;
		}
	}
}

/* "00" to "99", two bytes each. */
static const char two_digits[200] = "00010203040506070809101112131415161718192021222324"
                                    "25262728293031323334353637383940414243444546474849"
                                    "50515253545556575859606162636465666768697071727374"
                                    "75767778798081828384858687888990919293949596979899";

/* The last three decimal digits of X, without leading zeros.  Below 100
 * (nearly every part of a status) the digits come from a table, two
 * bytes copied from the units' pair or from one byte later, without a
 * branch on whether there are one or two. */
static char *put_number(char *o, unsigned x)
{
	unsigned two;
	if (x >= 100) {
		*o++ = (char)('0' + x / 100 % 10);
		x %= 100;
		memcpy(o, two_digits + 2 * x, 2);
		return o + 2;
	}
	two = x >= 10;
	memcpy(o, two_digits + 2 * x + 1 - two, 2);
	return o + 1 + two;
}

void rb_format_status(char *buf, const struct rb_codes *c)
{
	char *o = buf;
	if (c->cls) {
		o = put_number(o, c->cls);
		*o++ = '.';
		o = put_number(o, c->subject);
		*o++ = '.';
		o = put_number(o, c->detail);
	}
	*o = '\0';
}

/* Put A before B if it is less, without a branch. */
#define ORDER(A, B)                                                           \
	do {                                                                  \
		unsigned d_ = ((A) ^ (B)) & (0u - ((B) < (A)));               \
		(A) ^= d_;                                                    \
		(B) ^= d_;                                                    \
	} while (0)

/* The less of A and B, without a branch. */
static unsigned less_of(unsigned a, unsigned b)
{
	return b ^ ((a ^ b) & (0u - (a < b)));
}

/* V[0..3] = A, B, C, D. */
static void put4(uint16_t *v, unsigned a, unsigned b, unsigned c, unsigned d)
{
	v[0] = (uint16_t)a;
	v[1] = (uint16_t)b;
	v[2] = (uint16_t)c;
	v[3] = (uint16_t)d;
}

/* Sort V[0..7]: nineteen exchanges, in six rounds of independent ones. */
static void sort8(uint16_t *v)
{
	unsigned a = v[0], b = v[1], c = v[2], d = v[3];
	unsigned e = v[4], f = v[5], g = v[6], h = v[7];
	ORDER(a, c);
	ORDER(b, d);
	ORDER(e, g);
	ORDER(f, h);
	ORDER(a, e);
	ORDER(b, f);
	ORDER(c, g);
	ORDER(d, h);
	ORDER(a, b);
	ORDER(c, d);
	ORDER(e, f);
	ORDER(g, h);
	ORDER(c, e);
	ORDER(d, f);
	ORDER(b, e);
	ORDER(d, g);
	ORDER(b, c);
	ORDER(d, e);
	ORDER(f, g);
	put4(v, a, b, c, d);
	put4(v + 4, e, f, g, h);
}

/* V[0..7] and V[8..15] each sorted: merge them (Batcher's odd-even
 * merge, 25 exchanges, in registers). */
static void merge16(uint16_t *v)
{
	unsigned x[16], i;
	for (i = 0; i < 16; i++)
		x[i] = v[i];
	ORDER(x[0], x[8]);
	ORDER(x[4], x[12]);
	ORDER(x[4], x[8]);
	ORDER(x[2], x[10]);
	ORDER(x[6], x[14]);
	ORDER(x[6], x[10]);
	ORDER(x[2], x[4]);
	ORDER(x[6], x[8]);
	ORDER(x[10], x[12]);
	ORDER(x[1], x[9]);
	ORDER(x[5], x[13]);
	ORDER(x[5], x[9]);
	ORDER(x[3], x[11]);
	ORDER(x[7], x[15]);
	ORDER(x[7], x[11]);
	ORDER(x[3], x[5]);
	ORDER(x[7], x[9]);
	ORDER(x[11], x[13]);
	ORDER(x[1], x[2]);
	ORDER(x[3], x[4]);
	ORDER(x[5], x[6]);
	ORDER(x[7], x[8]);
	ORDER(x[9], x[10]);
	ORDER(x[11], x[12]);
	ORDER(x[13], x[14]);
	for (i = 0; i < 16; i++)
		v[i] = (uint16_t)x[i];
}

/*
 * Sort the N rule numbers of V (V has room for whole eights, the rest
 * RB_NONE).  A reply names a few: up to sixteen are sorted by fixed
 * networks of exchanges, whose outcome is not a branch to mispredict.
 */
static void sort_rules(uint16_t *v, unsigned n)
{
	unsigned i, k;
	if (n <= 4) {
		unsigned a = v[0], b = v[1], c = v[2], d = v[3];
		ORDER(a, b);
		ORDER(c, d);
		ORDER(a, c);
		ORDER(b, d);
		ORDER(b, c);
		put4(v, a, b, c, d);
		return;
	}
	if (n <= 16) {
		sort8(v);
		if (n > 8) {
			sort8(v + 8);
			merge16(v);
		}
		return;
	}
	for (i = 1; i < n; i++) {
		uint16_t x = v[i];
		for (k = i; k > 0 && v[k - 1] > x; k--)
			v[k] = v[k - 1];
		v[k] = x;
	}
}

static const uint16_t no_rules[8] = {RB_NONE, RB_NONE, RB_NONE, RB_NONE,
                                      RB_NONE, RB_NONE, RB_NONE, RB_NONE};

int rb_classify(const struct rb_tables *t, const char *text, size_t len,
                const struct rebound_query *q, struct rebound_result *out,
                rebound_explain_fn fn, void *ctx)
{
	struct state st;
	unsigned best = RB_NONE, flags = 0, r, i, ncand = 0, marker = RB_NONE;
	uint16_t cand[MAX_LISTED + 8];
	int err = REBOUND_OK;
	const struct rb_rule *R;
	enum rebound_type type;

	if (!out)
		return REBOUND_EINVAL;
	memset(out, 0, sizeof *out);
	out->cls = &undetermined_class;
	out->rule = &no_rule;
	out->type = REBOUND_TYPE_UNDETERMINED;
	if (!t || (!text && len))
		return REBOUND_EINVAL;
	if (!text)
		text = "";

	st.t = t;
	st.profile = 0;
	st.provider = RB_NONE;
	if (q && q->profile) {
		int p = rb_profile_index(t, q->profile);
		if (p == -2)
			err = REBOUND_EPROFILE;
		else if (p >= 0)
			st.profile = (unsigned)p + 1;
	}
	if (len > REBOUND_MAX_TEXT) {
		len = REBOUND_MAX_TEXT;
		flags |= REBOUND_F_TRUNCATED;
	}

	st.nlisted = 0;
	st.ncodes = 0;
	run_dfa(&st, (const unsigned char *)text, len);
	if (t->dfa->codes_marked && st.ncodes <= MAX_CODES)
		rb_codes_at(text, len, st.code_at, st.ncodes, &st.codes);
	else
		rb_find_codes(text, len, &st.codes);
	merge_query_codes(&st.codes, q, &flags);

	/*
	 * One pass over the matched atoms: the provider their markers name
	 * (the lowest index), and the rules they may decide for.  Both are
	 * gathered without a branch on the atom (which atoms a text matches
	 * is anyone's guess, so such branches are mispredicted often).
	 */
	if (st.nlisted <= MAX_LISTED) {
		for (i = 0; i < st.nlisted; i++) {
			const struct rb_atom *A = &t->atoms[st.listed[i]];
			unsigned rule = A->lead;
			marker = A->provider < marker ? A->provider : marker;
			cand[ncand] = (uint16_t)rule;
			ncand += rule != RB_NONE;
		}
		/* whole fours for the loops below, eight for sort_rules: one
		 * copy of eight, not a loop of seven */
		memcpy(&cand[ncand], no_rules, sizeof no_rules);
	} else {
		unsigned cur = 0, a;
		while ((a = next_atom(&st, &cur)) != RB_NONE)
			if (t->atoms[a].provider < marker)
				marker = t->atoms[a].provider;
	}

	/* provider: named by the caller, else a marker, else host, else domain */
	if (q && q->provider && *q->provider) {
		int p = rb_provider_index(t, q->provider);
		if (p < 0)
			err = REBOUND_EPROVIDER;
		else {
			st.provider = (unsigned)p;
			out->provider_source = REBOUND_PROVIDER_FROM_QUERY;
		}
	}
	{
		unsigned by_marker = 0u - (unsigned)((st.provider == RB_NONE) & (marker != RB_NONE));
		st.provider = mask_pick(by_marker, marker, st.provider);
		out->provider_source = (enum rebound_provider_source)mask_pick(
		        by_marker, REBOUND_PROVIDER_FROM_MARKER, (unsigned)out->provider_source);
	}
	if (q && (q->remote_host || q->recipient_domain) && st.provider == RB_NONE) {
		st.provider = provider_by_suffix(t->suffix_text, t->hosts, t->nhosts, t->hosts_by_len,
		                                 q->remote_host);
		if (st.provider != RB_NONE)
			out->provider_source = REBOUND_PROVIDER_FROM_HOST;
		else {
			st.provider = provider_by_suffix(t->suffix_text, t->domains, t->ndomains,
			                                 t->domains_by_len, q->recipient_domain);
			if (st.provider != RB_NONE)
				out->provider_source = REBOUND_PROVIDER_FROM_DOMAIN;
		}
	}

	/*
	 * Candidates from text, strongest first: the first that holds is the
	 * strongest (a rule named twice is tried once).  The strongest of all
	 * is found without a branch and tried first: when it holds (about a
	 * third of the time on the bench corpus) nothing needs sorting.
	 */
	if (st.nlisted > MAX_LISTED) {
		/* atoms are numbered in rank order of their rules, so the bit
		 * set gives them strongest first already */
		unsigned cur = 0, a;
		while ((a = next_atom(&st, &cur)) != RB_NONE) {
			const struct rb_atom *A = &t->atoms[a];
			if (A->lead < best && rule_holds(&st, A->lead, 1)) {
				best = A->rule;
				break;
			}
		}
	} else if (ncand) {
		unsigned least = RB_NONE;
		/* the first eight in any case (the padding is RB_NONE), so
		 * that the loop's end is a branch only past eight */
		for (i = 0; i < 8; i++)
			least = less_of(cand[i], least);
		for (; i < ncand; i += 4) {
			least = less_of(cand[i], least);
			least = less_of(cand[i + 1], least);
			least = less_of(cand[i + 2], least);
			least = less_of(cand[i + 3], least);
		}
		if (rule_holds(&st, least, 1))
			best = least;
		else {
			sort_rules(cand, ncand);
			for (i = 0; i < ncand; i++)
				if (cand[i] > least && cand[i] != cand[i - 1] &&
				    rule_holds(&st, cand[i], 1)) {
					best = cand[i];
					break;
				}
		}
	}
	/* candidates from codes */
	if (st.codes.cls) {
		best = scan_list(&st, status_bucket(t, &st.codes), best);
		if (st.codes.cls < 6)
			best = scan_list(&st, t->status_any_subject[st.codes.cls], best);
	}
	if (st.codes.reply)
		best = scan_list(&st, reply_bucket(t, st.codes.reply), best);
	r = best;
	best = scan_list(&st, t->catchall, best);
	if (best != r)
		flags |= REBOUND_F_FALLBACK;

	if (fn) {
		for (r = 0; r < t->nrules; r++)
			if (rule_holds(&st, r, 0))
				fn(ctx, &t->rule_pub[r], &t->classes[t->rules[r].cls], r == best);
	}

	out->reply = st.codes.reply;
	out->status_class = st.codes.cls;
	out->status_subject = st.codes.subject;
	out->status_detail = st.codes.detail;
	rb_format_status(out->status, &st.codes);
	{
		/* (the source is still NONE when no provider was found) */
		unsigned found = st.provider != RB_NONE;
		const struct rebound_provider *p[2];
		p[0] = NULL;
		p[1] = t->providers + mask_pick(0u - found, st.provider, 0);
		out->provider = p[found];
	}
	if (len == 0 && st.codes.reply == 0 && st.codes.cls == 0)
		flags |= REBOUND_F_EMPTY;
	out->flags = flags;
	if (best == RB_NONE)
		return err;

	R = &t->rules[best];
	out->rule = &t->rule_pub[best];
	out->cls = &t->classes[R->cls];
	out->retry_after = R->retry_after;
	type = R->type != RB_NO_TYPE ? (enum rebound_type)R->type : out->cls->type;
	{
		const uint16_t *x = t->profile_retypes[st.profile];
		for (; *x != RB_NONE; x++)
			if (retype_holds(&st, &t->retypes[*x], R->cls)) {
				type = (enum rebound_type)t->retypes[*x].type;
				break;
			}
	}
	out->type = (enum rebound_type)mask_pick(0u - (unsigned)(type == REBOUND_TYPE_BY_CODE),
	                                    (unsigned)type_from_code(&st.codes), (unsigned)type);
	return err;
}
