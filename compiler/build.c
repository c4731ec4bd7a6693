/*
 * build.c - lay out a checked rule base as the runtime's tables.
 *
 * Atoms (text patterns) are numbered rule by rule in rank order, so each
 * rule's atoms are consecutive and a text condition is a range; provider
 * markers come last.  Code-only rules are filed under the status or
 * reply ranges they cover, each list strongest first, and so are the
 * text rules whose codes are rarer than their words (choose_by_code).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "build.h"
#include "diag.h"

static void add_atom(struct built *b, const struct pat *p, int rule, int group, int provider, int k)
{
	struct atom_info a;
	a.pat = p;
	a.rule = rule;
	a.group = group;
	a.provider = provider;
	a.k = k;
	vec_push(&b->atoms, a);
}

/* How rare a text the pattern needs, roughly: the bytes it must match
 * (for a regex, its letters, digits, blanks and bytes of 128 and up that
 * are not escapes).  A longer phrase occurs in fewer texts. */
static size_t pattern_weight(const struct pat *p)
{
	size_t i, n = 0;
	if (!p->is_regex)
		return p->len;
	for (i = 0; i < p->len; i++) {
		unsigned char c = (unsigned char)p->src[i];
		if (c == '\\') {
			i++;
			continue;
		}
		n += (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == ' ' || c >= 128;
	}
	return n;
}

/* The lightest pattern of group G of R (see pattern_weight). */
static size_t group_weight(const struct rule *R, int g)
{
	size_t w = (size_t)-1;
	int i;
	for (i = 0; i < R->groups.v[g].n; i++) {
		size_t x = pattern_weight(&R->groups.v[g].v[i]);
		w = x < w ? x : w;
	}
	return w;
}

/* Group G of R as the tables number it: the lead first (see
 * choose_leads), the rest in their order. */
static int table_group(const struct rule *R, int g)
{
	int lead = R->lead_group;
	return g == lead ? 0 : g < lead ? g + 1 : g;
}

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;
	return (a > b) - (a < b);
}

static void sort_unique(intvec *v)
{
	int i, n = 0;
	if (v->n < 2)
		return;
	qsort(v->v, (size_t)v->n, sizeof *v->v, cmp_int);
	for (i = 0; i < v->n; i++)
		if (n == 0 || v->v[n - 1] != v->v[i])
			v->v[n++] = v->v[i];
	v->n = n;
}

/* The DFA states atoms A[0, n) need together, as the limit counts
 * them, or MAX when they need more. */
static int states_of(const struct atom_info *a, int n, int max)
{
	struct nfa nfa;
	char err[200];
	size_t pos;
	int i, states = max;
	memset(&nfa, 0, sizeof nfa);
	for (i = 0; i < n; i++)
		if (nfa_add_pattern(&nfa, a[i].pat, i, err, sizeof err, &pos) < 0)
			break;
	if (i == n && (states = dfa_count_states(&nfa, max)) < 0)
		states = max;
	free(nfa.st.v);
	free(nfa.sets.v);
	free(nfa.floating.v);
	free(nfa.anchored.v);
	return states;
}

/* Keep the TOP largest values in SIZE (falling) with their atoms. */
static void keep_top(long *size, int *who, int top, long n, int atom)
{
	int j;
	for (j = 0; j < top; j++)
		if (n > size[j]) {
			memmove(&size[j + 1], &size[j], (size_t)(top - 1 - j) * sizeof *size);
			memmove(&who[j + 1], &who[j], (size_t)(top - 1 - j) * sizeof *who);
			size[j] = n;
			who[j] = atom;
			return;
		}
}

/*
 * Report which patterns make the automaton too big, at a cost bounded by
 * a few builds of the refused size (a rule base ten times today's takes
 * minutes for one):
 * - from the refused build itself, the patterns part-way matched in the
 *   most of its states: those multiply the others' states;
 * - the regexes too big on their own (a phrase alone needs a state a
 *   byte), each counted alone, until the counts add up to a few limits;
 * - when the builds of a bisection would be cheap (visiting at most
 *   BISECT_WORK NFA states in all, some seconds), the pattern at which
 *   the patterns in rank order first pass the limit, since a sum of
 *   modest patterns can be too big as well.
 * ATOM_END[i] is where the NFA states of atom i end.
 */
#define REPORT_TOP 5
#define BISECT_WORK 64000000L
static void report_big_patterns(struct built *b, const int *atom_end, const struct dfa_refusal *why,
                                int max)
{
	int i, k, worst[REPORT_TOP], held_by[REPORT_TOP], lo, hi, steps;
	long size[REPORT_TOP], held[REPORT_TOP], budget = 4L * max;
	for (i = 0; i < REPORT_TOP; i++) {
		worst[i] = held_by[i] = -1;
		size[i] = held[i] = 0;
	}
	diag_plain("the text patterns need more than %d automaton states", max);
	for (i = 0, k = 0; i < b->atoms.n; i++) {
		long most = 0;
		for (; k < atom_end[i]; k++)
			most = why->held[k] > most ? why->held[k] : most;
		keep_top(held, held_by, REPORT_TOP, most, i);
	}
	for (i = 0; i < REPORT_TOP && held_by[i] >= 0 && held[i] >= max / 100 && held[i] > 1; i++)
		diag_note(b->atoms.v[held_by[i]].pat->loc, "this pattern is part-way matched in %ld "
		          "of the %d states built", held[i], max);
	for (i = 0; i < b->atoms.n && budget > 0; i++)
		if (b->atoms.v[i].pat->is_regex) {
			int n = states_of(&b->atoms.v[i], 1, max);
			budget -= n;
			if (n >= max / 100)
				keep_top(size, worst, REPORT_TOP, n, i);
		}
	for (i = 0; i < REPORT_TOP && worst[i] >= 0; i++)
		diag_note(b->atoms.v[worst[i]].pat->loc, size[i] >= max
		          ? "this pattern alone needs more than %ld states"
		          : "this pattern alone needs %ld states", size[i]);
	for (steps = 0; (1L << steps) < b->atoms.n; steps++)
		;
	if (why->work * steps <= BISECT_WORK) {
		/* all atoms are too many and none is; the first k + 1 are too many */
		lo = 0;
		hi = b->atoms.n;
		while (hi - lo > 1) {
			int mid = lo + (hi - lo) / 2;
			if (states_of(b->atoms.v, mid, max) >= max)
				hi = mid;
			else
				lo = mid;
		}
		if (hi > 1) /* hi == 1: the first pattern alone, named above */
			diag_note(b->atoms.v[hi - 1].pat->loc, "this pattern takes the automaton past "
			          "the limit when added to the %d before it (strongest rules first)", hi - 1);
	}
	diag_note(b->atoms.v[0].pat->loc, "patterns multiply each other's states; prefer phrases, "
	          "and split wide repetitions into separate 'text' lines (reboundc --max-states "
	          "raises the limit, for large synthetic rule bases)");
}

/*
 * The code marks: patterns that end where a reply code or an enhanced
 * status may have started, at the start of the text or after a byte that
 * cannot be part of a word (\b): "550" followed by what may follow a
 * reply code or by the end, and "5.1".  They accept as two atoms past the
 * last real one, which the runtime's tables write as the flags RB_ACC_REPLY
 * and RB_ACC_STATUS of an accept list's head; the code finder (runtime/codes.c) then looks only at
 * those places.  The lead-in is \b so that the start of the text and the
 * byte before share one automaton for what follows.
 */
static void add_code_marks(struct built *b)
{
	/* After a code any non-word byte, which takes in a backslash ("550\n"
	 * in JSON or a bytes literal) without giving it a byte class of its
	 * own: wider than the code finder takes, which is allowed. */
	static const char *const marks[] = {
		"\\b[2-5][0-9][0-9]\\W", "\\b[2-5][0-9][0-9]$", "\\b[245]\\.[0-9]"
	};
	size_t i, pos;
	char err[200];
	for (i = 0; i < sizeof marks / sizeof marks[0]; i++) {
		struct pat p;
		memset(&p, 0, sizeof p);
		p.is_regex = 1;
		p.src = (char *)marks[i];
		p.len = strlen(marks[i]);
		p.loc.file = "(code marks)";
		if (nfa_add_pattern(&b->nfa, &p, b->atoms.n + (i >= 2), err, sizeof err, &pos) < 0)
			diag_plain("internal error: code mark /%s/: %s", marks[i], err);
	}
}

/* The next state as the runtime finds it (the layout in internal.h). */
static size_t rdfa_step(const struct rb_dfa *r, size_t s, unsigned sym)
{
	unsigned c = sym < 256 ? r->byte_class[sym] : r->eof_class;
	size_t nrare = r->nclasses - r->ndense;
	if (c < r->ndense)
		return r->trans ? r->trans[(size_t)c * r->nstates + s]
		                : r->trans32[(size_t)c * r->nstates + s];
	if (sym < 256 && (r->byte_col ? (const void *)r->byte_col[sym]
	                              : (const void *)r->byte_col32[sym]))
		return (size_t)-1; /* a rare class must have no column */
	return r->rare ? r->rare[r->rare_row[s] * nrare + c - r->ndense]
	               : r->rare32[r->rare_row[s] * nrare + c - r->ndense];
}

/*
 * The transitions as the runtime reads them: the dense classes column by
 * column, the rare ones as rows for the few states that need one (see
 * dfa_rare_rows), in 16-bit state numbers while they fit, else 32-bit
 * ones.  Checked cell by cell against the automaton.
 */
static void lay_out_dfa(struct built *b)
{
	const struct dfa *d = &b->dfa;
	size_t n = (size_t)d->nstates, k, i, nc = (size_t)d->nclasses, nd, nrare;
	int *deflt = xcalloc(nc + 1, sizeof *deflt), *row_of = xcalloc(n + 1, sizeof *row_of);
	int nrows = dfa_rare_rows(d, deflt, row_of);
	uint32_t *t, *rare = NULL;
	uint16_t *rows = NULL;
	nd = nrows ? (size_t)d->ndense : nc;
	nrare = nc - nd;
	t = xcalloc(n * nd + 1, sizeof *t);
	for (i = 0; i < n; i++)
		for (k = 0; k < nd; k++)
			t[k * n + i] = (uint32_t)d->trans[i * nc + k];
	if (nrows) {
		rows = xcalloc(n, sizeof *rows);
		rare = xcalloc((size_t)nrows * nrare, sizeof *rare);
		for (k = 0; k < nrare; k++)
			rare[k] = (uint32_t)deflt[k];
		for (i = 0; i < n; i++) {
			rows[i] = (uint16_t)row_of[i];
			for (k = 0; k < nrare; k++)
				rare[(size_t)row_of[i] * nrare + k] = (uint32_t)d->trans[i * nc + nd + k];
		}
	}
	b->rdfa.nclasses = (unsigned)nc;
	b->rdfa.nstates = (unsigned)n;
	b->rdfa.ndense = (unsigned)nd;
	b->rdfa.byte_class = d->byte_class;
	b->rdfa.eof_class = d->eof_class >= 0 ? (unsigned)d->eof_class : RB_NONE;
	b->rdfa.rare_row = rows;
	if (n <= 65536) {
		uint16_t *narrow = xcalloc(n * nd + 1, sizeof *narrow);
		const uint16_t **cols = xcalloc(256, sizeof *cols);
		for (i = 0; i < n * nd; i++)
			narrow[i] = (uint16_t)t[i];
		free(t);
		for (i = 0; i < 256; i++)
			if (d->byte_class[i] < nd)
				cols[i] = narrow + (size_t)d->byte_class[i] * n;
		b->rdfa.trans = narrow;
		b->rdfa.byte_col = (const uint16_t *const *)cols;
		if (rare) {
			uint16_t *r16 = xcalloc((size_t)nrows * nrare, sizeof *r16);
			for (i = 0; i < (size_t)nrows * nrare; i++)
				r16[i] = (uint16_t)rare[i];
			free(rare);
			b->rdfa.rare = r16;
		}
	} else {
		const uint32_t **cols = xcalloc(256, sizeof *cols);
		for (i = 0; i < 256; i++)
			if (d->byte_class[i] < nd)
				cols[i] = t + (size_t)d->byte_class[i] * n;
		b->rdfa.trans32 = t;
		b->rdfa.byte_col32 = (const uint32_t *const *)cols;
		b->rdfa.rare32 = rare;
	}
	/* every cell, the end mark's included, as the automaton has it */
	for (i = 0; i < n; i++)
		for (k = 0; k < NSYM; k++) {
			int c = k < 256 ? d->byte_class[k] : d->eof_class;
			if (c < 0)
				continue;
			if (rdfa_step(&b->rdfa, i, (unsigned)k) != (size_t)d->trans[i * nc + (size_t)c]) {
				diag_plain("internal error: the laid-out table differs from the automaton "
				           "(state %zu, symbol %zu)", i, k);
				i = n;
				break;
			}
		}
	free(deflt);
	free(row_of);
}

/*
 * Number the states the examples visit most first.  The examples stand
 * for the replies the rules are written for, so these are the states
 * real texts keep to; with them together at the head of every column,
 * the steps over a line touch fewer cache lines of the table.
 */
static void order_dfa_by_examples(const struct ruleset *rs, struct built *b)
{
	const struct dfa *d = &b->dfa;
	long *visits = xcalloc((size_t)d->nstates, sizeof *visits);
	int i;
	for (i = 0; i < rs->examples.n; i++) {
		const struct example *ex = &rs->examples.v[i];
		size_t k, n = ex->len < REBOUND_MAX_TEXT ? ex->len : REBOUND_MAX_TEXT;
		int s = d->start;
		for (k = 0; k < n; k++) {
			visits[s]++;
			s = d->trans[s * d->nclasses + d->byte_class[(unsigned char)ex->text[k]]];
		}
	}
	dfa_order_by_use(&b->dfa, visits);
	free(visits);
}

/*
 * The group through which each rule becomes a candidate: the classifier
 * tries a rule only when an atom of that group matched, so it should be
 * the group that matches the fewest texts.  The examples of the whole
 * rule base stand for the texts: a group's count is how often its atoms
 * match in them (a word as common as "mailbox" matches in many rules'
 * examples, a whole phrase in a few).  The fewest wins; on a tie the
 * group whose lightest pattern is heaviest, then the first.  The tables
 * put the lead first (group 0); which group leads changes no answer,
 * since all groups must hold.
 */
static long lead_count(const struct rule *R, const long *count)
{
	long c = 0;
	int g, k, a = R->first_atom;
	for (g = 0; g < R->groups.n; g++)
		for (k = 0; k < R->groups.v[g].n; k++, a++)
			c += g == R->lead_group ? count[a] : 0;
	return c;
}

/* Do the codes C meet the reply and status conditions of R (each that
 * it has)? */
static int codes_meet(const struct rule *R, const struct rb_codes *c)
{
	int i, ok = !R->reply.n;
	for (i = 0; i < R->reply.n && !ok; i++)
		ok = c->reply && c->reply >= R->reply.v[i].lo && c->reply <= R->reply.v[i].hi;
	if (!ok)
		return 0;
	ok = !R->status.n;
	for (i = 0; i < R->status.n && !ok; i++) {
		const struct codepat *p = &R->status.v[i];
		ok = c->cls && (!p->cls || p->cls == c->cls) &&
		     (p->subject == 0xffff || p->subject == c->subject) && c->detail >= p->lo &&
		     c->detail <= p->hi;
	}
	return ok;
}

/*
 * A text rule with reply or status conditions can be tried through
 * either: when an atom of its lead group matched, or when the text's
 * codes are those it is filed under (index_codes).  Either way gives the
 * same answers (it holds only when both are met); what differs is how
 * often it is tried and fails.  So it goes by code when fewer of the
 * rule base's examples meet its codes than match its lead group: "542"
 * with "rejected", or 5.7.512 with "from", is tried on the few texts
 * with that code, not on every text that says "rejected".
 */
static void choose_by_code(struct ruleset *rs, const long *count)
{
	struct rb_codes *codes = xcalloc((size_t)rs->examples.n + 1, sizeof *codes);
	int i, r;
	for (i = 0; i < rs->examples.n; i++) {
		const struct example *ex = &rs->examples.v[i];
		size_t n = ex->len < REBOUND_MAX_TEXT ? ex->len : REBOUND_MAX_TEXT;
		rb_find_codes(ex->text, n, &codes[i]);
	}
	for (r = 0; r < rs->ranked.n; r++) {
		struct rule *R = &rs->rules.v[rs->ranked.v[r]];
		long met = 0;
		R->by_code = 0;
		if (!R->groups.n || (!R->reply.n && !R->status.n))
			continue;
		for (i = 0; i < rs->examples.n; i++)
			met += codes_meet(R, &codes[i]);
		R->by_code = met < lead_count(R, count);
	}
	free(codes);
}

static void choose_leads(struct ruleset *rs, struct built *b)
{
	const struct dfa *d = &b->dfa;
	long *count = xcalloc((size_t)b->atoms.n + 1, sizeof *count);
	int *seen = xcalloc((size_t)b->atoms.n + 1, sizeof *seen);
	int i, r, g, k;
	for (i = 0; i < rs->examples.n; i++) {
		const struct example *ex = &rs->examples.v[i];
		size_t j, n = ex->len < REBOUND_MAX_TEXT ? ex->len : REBOUND_MAX_TEXT;
		int s = d->start, last = 0;
		for (j = 0; j <= n && !last; j++) {
			if (j < n)
				s = d->trans[s * d->nclasses + d->byte_class[(unsigned char)ex->text[j]]];
			else if (d->eof_class >= 0)
				s = d->trans[s * d->nclasses + d->eof_class];
			last = j == n;
			for (k = 0; s >= d->first_accept && d->accept[s][k] >= 0; k++) {
				int a = d->accept[s][k];
				/* an atom counts once an example (seen holds i + 1) */
				if (a < b->atoms.n && seen[a] != i + 1) {
					seen[a] = i + 1;
					count[a]++;
				}
			}
		}
	}
	for (r = 0; r < rs->ranked.n; r++) {
		struct rule *R = &rs->rules.v[rs->ranked.v[r]];
		long best = 0;
		size_t best_w = 0;
		int a = R->first_atom;
		R->lead_group = 0;
		for (g = 0; g < R->groups.n; g++) {
			long c = 0;
			size_t w = group_weight(R, g);
			for (k = 0; k < R->groups.v[g].n; k++)
				c += count[a++];
			if (g == 0 || c < best || (c == best && w > best_w)) {
				best = c;
				best_w = w;
				R->lead_group = g;
			}
		}
		/* the atoms' group numbers as the tables have them */
		for (k = R->first_atom; k < a; k++)
			b->atoms.v[k].group = table_group(R, b->atoms.v[k].group);
	}
	choose_by_code(rs, count);
	free(count);
	free(seen);
}

static void fill_codes(const codevec *v, struct rb_reply_pat **rp, uint16_t *nr,
                       struct rb_status_pat **sp, uint16_t *ns)
{
	int i;
	if (rp) {
		struct rb_reply_pat *a = xcalloc((size_t)v->n + 1, sizeof *a);
		for (i = 0; i < v->n; i++) {
			a[i].lo = v->v[i].lo;
			a[i].hi = v->v[i].hi;
		}
		*rp = a;
		*nr = (uint16_t)v->n;
	} else {
		struct rb_status_pat *a = xcalloc((size_t)v->n + 1, sizeof *a);
		for (i = 0; i < v->n; i++) {
			a[i].cls = v->v[i].cls;
			a[i].subject = v->v[i].subject == 0xffff ? RB_NONE : v->v[i].subject;
			a[i].lo = v->v[i].lo;
			a[i].hi = v->v[i].hi;
		}
		*sp = a;
		*ns = (uint16_t)v->n;
	}
}

static uint16_t *int_list(const intvec *v)
{
	uint16_t *a = xcalloc((size_t)v->n + 1, sizeof *a);
	int i;
	for (i = 0; i < v->n; i++)
		a[i] = (uint16_t)v->v[i];
	a[v->n] = RB_NONE;
	return a;
}

/* One entry of a code index before it is cut into buckets. */
struct entry {
	int cls, subject, lo, hi, rank;
};

static int cmp_entry_key(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;
	if (a->cls != b->cls)
		return a->cls < b->cls ? -1 : 1;
	if (a->subject != b->subject)
		return a->subject < b->subject ? -1 : 1;
	return 0;
}

/* Cut entries of one (cls, subject) into disjoint buckets. */
static void make_buckets(struct entry *e, int n, void *out_vec)
{
	VEC(struct bucket) *out = out_vec;
	intvec cuts;
	int i, j, k;
	memset(&cuts, 0, sizeof cuts);
	for (i = 0; i < n; i++) {
		vec_push(&cuts, e[i].lo);
		vec_push(&cuts, e[i].hi + 1);
	}
	sort_unique(&cuts);
	for (k = 0; k + 1 < cuts.n; k++) {
		struct bucket bk;
		int lo = cuts.v[k], hi = cuts.v[k + 1] - 1;
		memset(&bk, 0, sizeof bk);
		bk.cls = e[0].cls;
		bk.subject = e[0].subject;
		bk.lo = lo;
		bk.hi = hi;
		for (i = 0; i < n; i++)
			if (e[i].lo <= lo && e[i].hi >= hi)
				vec_push(&bk.rules, e[i].rank);
		if (!bk.rules.n)
			continue;
		sort_unique(&bk.rules);
		/* merge with the previous bucket when it continues it unchanged */
		if (out->n) {
			struct bucket *prev = &out->v[out->n - 1];
			if (prev->cls == bk.cls && prev->subject == bk.subject && prev->hi + 1 == lo &&
			    prev->rules.n == bk.rules.n &&
			    memcmp(prev->rules.v, bk.rules.v, (size_t)bk.rules.n * sizeof(int)) == 0) {
				prev->hi = hi;
				free(bk.rules.v);
				continue;
			}
		}
		vec_push(out, bk);
	}
	free(cuts.v);
	(void)j;
}

static void index_codes(struct ruleset *rs, struct built *b)
{
	VEC(struct entry) st, rp;
	int r, i, c, start;
	memset(&st, 0, sizeof st);
	memset(&rp, 0, sizeof rp);
	for (r = 0; r < rs->ranked.n; r++) {
		struct rule *R = &rs->rules.v[rs->ranked.v[r]];
		if (R->groups.n && !R->by_code)
			continue; /* found through their atoms (choose_by_code) */
		if (R->status.n) {
			for (i = 0; i < R->status.n; i++) {
				const struct codepat *p = &R->status.v[i];
				for (c = 2; c <= 5; c++) {
					if (c == 3 || (p->cls && p->cls != c))
						continue;
					if (p->subject == 0xffff)
						vec_push(&b->any_subject[c], r);
					else {
						struct entry e;
						e.cls = c;
						e.subject = p->subject;
						e.lo = p->lo;
						e.hi = p->hi;
						e.rank = r;
						vec_push(&st, e);
					}
				}
			}
		} else if (R->reply.n) {
			for (i = 0; i < R->reply.n; i++) {
				struct entry e;
				e.cls = e.subject = 0;
				e.lo = R->reply.v[i].lo;
				e.hi = R->reply.v[i].hi;
				e.rank = r;
				vec_push(&rp, e);
			}
		} else if (!R->providers.n && !R->unless.n)
			vec_push(&b->catchall, r);
	}
	for (c = 0; c < 6; c++)
		sort_unique(&b->any_subject[c]);
	if (st.n) {
		qsort(st.v, (size_t)st.n, sizeof *st.v, cmp_entry_key);
		for (start = 0; start < st.n;) {
			int end = start + 1;
			while (end < st.n && cmp_entry_key(&st.v[start], &st.v[end]) == 0)
				end++;
			make_buckets(st.v + start, end - start, &b->status_buckets);
			start = end;
		}
	}
	if (rp.n)
		make_buckets(rp.v, rp.n, &b->reply_buckets);
	free(st.v);
	free(rp.v);
}

/* Where the buckets of each status class and subject begin (sorted by
 * class, subject, detail), so the classifier need not search for them. */
static const uint16_t *index_status(const struct rb_status_bucket *sb, unsigned n)
{
	uint16_t *v = xcalloc(6 * RB_STATUS_SUBJECTS, sizeof *v);
	unsigned c, s, i = 0;
	for (c = 0; c < 6; c++)
		for (s = 0; s < RB_STATUS_SUBJECTS; s++) {
			while (i < n && (sb[i].cls < c || (sb[i].cls == c && sb[i].subject < s)))
				i++;
			v[c * RB_STATUS_SUBJECTS + s] = (uint16_t)i;
		}
	return v;
}

/* The bucket of every reply from RB_REPLY_LOW on, plus one (0 for none). */
static const uint16_t *index_replies(const struct rb_reply_bucket *rb, unsigned n)
{
	uint16_t *v = xcalloc(RB_REPLY_SPAN, sizeof *v);
	unsigned i, r;
	for (i = 0; i < n; i++)
		for (r = rb[i].lo; r <= rb[i].hi; r++)
			if (r >= RB_REPLY_LOW && r - RB_REPLY_LOW < RB_REPLY_SPAN)
				v[r - RB_REPLY_LOW] = (uint16_t)(i + 1);
	return v;
}

static void split_ses(const char *ses, const char **type, const char **sub)
{
	const char *slash;
	*type = "";
	*sub = "";
	if (!ses)
		return;
	slash = strchr(ses, '/');
	if (!slash) {
		*sub = ses;
		return;
	}
	*type = xmemdup(ses, (size_t)(slash - ses));
	*sub = slash + 1;
}

/* The rules' lists, one after another (rb_rule holds offsets into them). */
struct pools {
	VEC(struct rb_reply_pat) reply;
	VEC(struct rb_status_pat) status;
	VEC(struct rb_group) groups;
	VEC(uint16_t) providers;
};

/* Append V's codes or indexes to a pool; where they start. */
static uint32_t add_replies(struct pools *pl, const codevec *v, uint16_t *n)
{
	uint32_t at = (uint32_t)pl->reply.n;
	struct rb_reply_pat *a;
	int i;
	fill_codes(v, &a, n, NULL, NULL);
	for (i = 0; i < *n; i++)
		vec_push(&pl->reply, a[i]);
	free(a);
	return at;
}

static uint32_t add_statuses(struct pools *pl, const codevec *v, uint16_t *n)
{
	uint32_t at = (uint32_t)pl->status.n;
	struct rb_status_pat *a;
	int i;
	fill_codes(v, NULL, NULL, &a, n);
	for (i = 0; i < *n; i++)
		vec_push(&pl->status, a[i]);
	free(a);
	return at;
}

static uint32_t add_list(struct pools *pl, const intvec *v, uint16_t *n)
{
	uint32_t at = (uint32_t)pl->providers.n;
	int i;
	for (i = 0; i < v->n; i++)
		vec_push(&pl->providers, (uint16_t)v->v[i]);
	*n = (uint16_t)v->n;
	return at;
}

static void fill_rule(struct ruleset *rs, const struct rule *R, struct rb_rule *o,
                      struct rebound_rule *pub, struct pools *pl)
{
	int i;
	pub->id = R->id.s;
	pub->file = R->id.loc.file;
	pub->line = (unsigned)R->id.loc.line;
	pub->profile = R->profile >= 0 ? rs->profiles.v[R->profile].name.s : NULL;
	o->cls = (uint16_t)(R->class_idx.n ? R->class_idx.v[0] : 0);
	o->type = R->type_v >= 0 ? (uint8_t)R->type_v : (uint8_t)RB_NO_TYPE;
	o->profile = (uint8_t)(R->profile + 1);
	o->reply = add_replies(pl, &R->reply, &o->nreply);
	o->status = add_statuses(pl, &R->status, &o->nstatus);
	o->providers = add_list(pl, &R->provider_idx, &o->nproviders);
	o->retry_after = R->retry_after;
	{
		struct rb_group *g = xcalloc((size_t)R->groups.n + 1, sizeof *g);
		int a = R->first_atom;
		for (i = 0; i < R->groups.n; i++) {
			int k = table_group(R, i);
			g[k].first = (uint16_t)a;
			g[k].count = (uint16_t)R->groups.v[i].n;
			a += R->groups.v[i].n;
		}
		o->groups = (uint32_t)pl->groups.n;
		for (i = 0; i < R->groups.n; i++)
			vec_push(&pl->groups, g[i]);
		free(g);
		o->ngroups = (uint16_t)R->groups.n;
		o->unless.first = (uint16_t)a;
		o->unless.count = (uint16_t)R->unless.n;
	}
}

/* A retype's codes, providers and classes, in the same pools. */
static void fill_retype(const struct rule *R, struct rb_retype *x, struct pools *pl)
{
	x->type = R->type_v >= 0 ? (uint8_t)R->type_v : (uint8_t)RB_NO_TYPE;
	x->profile = (uint8_t)(R->profile + 1);
	x->reply = add_replies(pl, &R->reply, &x->nreply);
	x->status = add_statuses(pl, &R->status, &x->nstatus);
	x->providers = add_list(pl, &R->provider_idx, &x->nproviders);
	x->classes = add_list(pl, &R->class_idx, &x->nclasses);
}

/* Sort the N suffixes of V by length, keeping the order of those of one
 * length (the first of them wins a tie), and return where each length's
 * group starts: the runtime then tries only the lengths a name allows. */
static const uint16_t *suffixes_by_len(struct rb_suffix *v, unsigned n)
{
	uint16_t *first = xcalloc(RB_SUFFIX_LONG + 1, sizeof *first);
	unsigned i, j, l;
	for (i = 1; i < n; i++) {
		struct rb_suffix s = v[i];
		for (j = i; j > 0 && v[j - 1].len > s.len; j--)
			v[j] = v[j - 1];
		v[j] = s;
	}
	for (l = 0, i = 0; l <= RB_SUFFIX_LONG; l++) {
		while (i < n && v[i].len < l)
			i++;
		first[l] = (uint16_t)i;
	}
	return first;
}

int build_tables(struct ruleset *rs, struct built *b, int max_states)
{
	int before = diag_errors, r, i, g, k, p;
	struct rebound_class *classes;
	struct rb_rule *rules;
	struct rebound_rule *rule_pub;
	struct pools pl;
	struct rb_retype *retypes;
	struct rb_atom *atoms;
	struct rebound_provider *providers;
	const char **pnames, **pdescs;
	uint16_t *accept;
	uint32_t *accept_at;
	size_t npool;
	unsigned nh = 0, nd = 0;
	int *atom_end;

	memset(b, 0, sizeof *b);

	/* atoms, in rank order of their rules, then provider markers */
	for (r = 0; r < rs->ranked.n; r++) {
		struct rule *R = &rs->rules.v[rs->ranked.v[r]];
		R->first_atom = b->atoms.n;
		k = 0;
		for (g = 0; g < R->groups.n; g++)
			for (i = 0; i < R->groups.v[g].n; i++)
				add_atom(b, &R->groups.v[g].v[i], r, g, -1, k++);
		for (i = 0; i < R->unless.n; i++)
			add_atom(b, &R->unless.v[i], r, RB_UNLESS_GROUP, -1, k++);
	}
	for (p = 0; p < rs->providers.n; p++)
		for (i = 0; i < rs->providers.v[p].markers.n; i++)
			add_atom(b, &rs->providers.v[p].markers.v[i], -1, 0, p, i);
	if ((unsigned)b->atoms.n > RB_MAX_ATOMS) {
		diag_plain("%d text patterns, more than the limit of %u", b->atoms.n, RB_MAX_ATOMS);
		return diag_errors - before;
	}

	atom_end = xcalloc((size_t)b->atoms.n + 1, sizeof *atom_end);
	for (i = 0; i < b->atoms.n; i++) {
		char err[200];
		size_t pos;
		const struct pat *pt = b->atoms.v[i].pat;
		if (nfa_add_pattern(&b->nfa, pt, i, err, sizeof err, &pos) < 0) {
			struct loc l = pt->loc;
			l.col += 1 + (int)pos;
			diag_error(l, "%s", err);
		}
		atom_end[i] = b->nfa.st.n;
	}
	if (diag_errors == before) {
		struct dfa_refusal why;
		add_code_marks(b);
		why.held = xcalloc((size_t)b->nfa.st.n + 1, sizeof *why.held);
		why.work = 0;
		if (dfa_build(&b->nfa, max_states, &b->dfa, &why) < 0)
			report_big_patterns(b, atom_end, &why, max_states);
		free(why.held);
	}
	free(atom_end);
	if (diag_errors != before)
		return diag_errors - before;

	order_dfa_by_examples(rs, b);
	choose_leads(rs, b);
	lay_out_dfa(b);
	if (diag_errors != before)
		return diag_errors - before;
	/* the accept lists one after another in one pool, found by offset:
	 * a head (how many atoms, which marks), then the atoms */
	accept_at = xcalloc((size_t)(b->dfa.nstates - b->dfa.first_accept) + 1, sizeof *accept_at);
	npool = 0;
	for (i = b->dfa.first_accept; i < b->dfa.nstates; i++) {
		int n = 0;
		for (k = 0; b->dfa.accept[i][k] >= 0; k++)
			n += b->dfa.accept[i][k] < b->atoms.n;
		accept_at[i - b->dfa.first_accept] = (uint32_t)npool;
		npool += (size_t)n + 1;
	}
	accept = xcalloc(npool + RB_ACC_SLACK, sizeof *accept);
	for (i = b->dfa.first_accept; i < b->dfa.nstates; i++) {
		uint16_t *v = accept + accept_at[i - b->dfa.first_accept];
		unsigned head = 0, n = 0;
		for (k = 0; b->dfa.accept[i][k] >= 0; k++) {
			int x = b->dfa.accept[i][k];
			if (x == b->atoms.n)
				head |= RB_ACC_REPLY;
			else if (x == b->atoms.n + 1)
				head |= RB_ACC_STATUS;
			else
				v[1 + n++] = (uint16_t)x;
		}
		v[0] = (uint16_t)(head | n);
	}
	b->rdfa.codes_marked = 1;
	b->rdfa.start = (unsigned)b->dfa.start;
	b->rdfa.first_accept = (unsigned)b->dfa.first_accept;
	b->rdfa.accept = accept;
	b->rdfa.accept_at = accept_at;
	b->t.dfa = &b->rdfa;

	atoms = xcalloc((size_t)b->atoms.n + 1, sizeof *atoms);
	for (i = 0; i < b->atoms.n; i++) {
		atoms[i].rule = b->atoms.v[i].rule >= 0 ? (uint16_t)b->atoms.v[i].rule : RB_NONE;
		atoms[i].group = (uint8_t)b->atoms.v[i].group;
		atoms[i].lead = b->atoms.v[i].group == 0 && b->atoms.v[i].rule >= 0 &&
		                                !rs->rules.v[rs->ranked.v[b->atoms.v[i].rule]].by_code
		                        ? atoms[i].rule
		                        : RB_NONE;
		atoms[i].provider = b->atoms.v[i].provider >= 0 ? (uint16_t)b->atoms.v[i].provider
		                                                 : RB_NONE;
	}
	b->t.atoms = atoms;
	b->t.natoms = (unsigned)b->atoms.n;

	classes = xcalloc((size_t)rs->classes.n + 1, sizeof *classes);
	for (i = 0; i < rs->classes.n; i++) {
		const struct class_def *c = &rs->classes.v[i];
		classes[i].name = c->name.s;
		classes[i].description = c->description ? c->description : "";
		classes[i].advice = c->advice ? c->advice : "";
		classes[i].sisimai = c->sisimai.s ? c->sisimai.s : "";
		classes[i].powermta = c->powermta.s ? c->powermta.s : "";
		split_ses(c->ses, &classes[i].ses_type, &classes[i].ses_subtype);
		classes[i].bounce_code = c->bounce_code >= 0 ? c->bounce_code : 0;
		classes[i].type = (enum rebound_type)c->type_v;
		classes[i].blame = (enum rebound_blame)c->blame_v;
		classes[i].action = (enum rebound_action)c->action_v;
		classes[i].category = (enum rebound_category)c->category_v;
	}
	b->t.classes = classes;
	b->t.nclasses = (unsigned)rs->classes.n;

	rules = xcalloc((size_t)rs->ranked.n + 1, sizeof *rules);
	rule_pub = xcalloc((size_t)rs->ranked.n + 1, sizeof *rule_pub);
	memset(&pl, 0, sizeof pl);
	for (r = 0; r < rs->ranked.n; r++)
		fill_rule(rs, &rs->rules.v[rs->ranked.v[r]], &rules[r], &rule_pub[r], &pl);
	retypes = xcalloc((size_t)rs->retypes_ranked.n + 1, sizeof *retypes);
	for (r = 0; r < rs->retypes_ranked.n; r++)
		fill_retype(&rs->retypes.v[rs->retypes_ranked.v[r]], &retypes[r], &pl);
	{
		/* one zero entry closes each pool, so none is empty */
		struct rb_reply_pat rz = {0, 0};
		struct rb_status_pat sz = {0, 0, 0, 0};
		struct rb_group gz = {0, 0};
		vec_push(&pl.reply, rz);
		vec_push(&pl.status, sz);
		vec_push(&pl.groups, gz);
		vec_push(&pl.providers, 0);
	}
	b->t.rules = rules;
	b->t.nrules = (unsigned)rs->ranked.n;
	b->t.rule_pub = rule_pub;
	b->t.reply_pool = pl.reply.v;
	b->t.status_pool = pl.status.v;
	b->t.group_pool = pl.groups.v;
	b->t.provider_pool = pl.providers.v;
	b->t.retypes = retypes;
	b->t.nretypes = (unsigned)rs->retypes_ranked.n;
	{
		uint16_t **lists = xcalloc((size_t)rs->profiles.n + 2, sizeof *lists);
		for (p = 0; p <= rs->profiles.n; p++) {
			int n = 0;
			lists[p] = xcalloc((size_t)rs->retypes_ranked.n + 1, sizeof **lists);
			for (r = 0; r < rs->retypes_ranked.n; r++)
				if (retypes[r].profile == 0 || retypes[r].profile == p)
					lists[p][n++] = (uint16_t)r;
			lists[p][n] = RB_NONE;
		}
		b->t.profile_retypes = (const uint16_t *const *)lists;
	}

	providers = xcalloc((size_t)rs->providers.n + 1, sizeof *providers);
	for (p = 0; p < rs->providers.n; p++) {
		providers[p].id = rs->providers.v[p].name.s;
		providers[p].name = rs->providers.v[p].display ? rs->providers.v[p].display : "";
		nh += (unsigned)rs->providers.v[p].hosts.n;
		nd += (unsigned)rs->providers.v[p].domains.n;
	}
	b->t.providers = providers;
	b->t.nproviders = (unsigned)rs->providers.n;
	b->hosts = xcalloc(nh + 1, sizeof *b->hosts);
	b->domains = xcalloc(nd + 1, sizeof *b->domains);
	nh = nd = 0;
	{
		/* the text of every suffix, provider by provider, its hosts then
		   its domains, each ended by a NUL (emit.c writes them so) */
		VEC(char) text = {NULL, 0, 0};
		for (p = 0; p < rs->providers.n; p++) {
			const struct provider_def *P = &rs->providers.v[p];
			for (i = 0; i < P->hosts.n + P->domains.n; i++) {
				const char *sx = i < P->hosts.n ? P->hosts.v[i].s : P->domains.v[i - P->hosts.n].s;
				struct rb_suffix *o = i < P->hosts.n ? &b->hosts[nh++] : &b->domains[nd++];
				size_t j, l = strlen(sx);
				o->at = (uint32_t)text.n;
				o->len = (uint16_t)l;
				o->provider = (uint16_t)p;
				for (j = 0; j <= l; j++)
					vec_push(&text, sx[j]);
			}
		}
		vec_push(&text, '\0'); /* never empty */
		b->t.suffix_text = text.v;
	}
	b->t.hosts = b->hosts;
	b->t.nhosts = nh;
	b->t.domains = b->domains;
	b->t.ndomains = nd;
	b->t.hosts_by_len = suffixes_by_len(b->hosts, nh);
	b->t.domains_by_len = suffixes_by_len(b->domains, nd);

	pnames = xcalloc((size_t)rs->profiles.n + 1, sizeof *pnames);
	pdescs = xcalloc((size_t)rs->profiles.n + 1, sizeof *pdescs);
	for (p = 0; p < rs->profiles.n; p++) {
		pnames[p] = rs->profiles.v[p].name.s;
		pdescs[p] = rs->profiles.v[p].description ? rs->profiles.v[p].description : "";
	}
	b->t.profile_names = pnames;
	b->t.profile_descriptions = pdescs;
	b->t.nprofiles = (unsigned)rs->profiles.n;

	index_codes(rs, b);
	{
		struct rb_status_bucket *sb = xcalloc((size_t)b->status_buckets.n + 1, sizeof *sb);
		struct rb_reply_bucket *rb = xcalloc((size_t)b->reply_buckets.n + 1, sizeof *rb);
		VEC(uint16_t) lists = {NULL, 0, 0};
		for (i = 0; i < b->status_buckets.n; i++) {
			const struct bucket *x = &b->status_buckets.v[i];
			sb[i].cls = (uint8_t)x->cls;
			sb[i].subject = (uint16_t)x->subject;
			sb[i].lo = (uint16_t)x->lo;
			sb[i].hi = (uint16_t)x->hi;
			sb[i].rules = (uint32_t)lists.n;
			for (k = 0; k < x->rules.n; k++)
				vec_push(&lists, (uint16_t)x->rules.v[k]);
			vec_push(&lists, RB_NONE);
		}
		for (i = 0; i < b->reply_buckets.n; i++) {
			const struct bucket *x = &b->reply_buckets.v[i];
			rb[i].lo = (uint16_t)x->lo;
			rb[i].hi = (uint16_t)x->hi;
			rb[i].rules = (uint32_t)lists.n;
			for (k = 0; k < x->rules.n; k++)
				vec_push(&lists, (uint16_t)x->rules.v[k]);
			vec_push(&lists, RB_NONE);
		}
		vec_push(&lists, RB_NONE); /* never empty */
		b->t.bucket_rules = lists.v;
		b->t.status_buckets = sb;
		b->t.nstatus_buckets = (unsigned)b->status_buckets.n;
		b->t.reply_buckets = rb;
		b->t.nreply_buckets = (unsigned)b->reply_buckets.n;
		b->t.status_first = index_status(sb, b->t.nstatus_buckets);
		b->t.reply_index = index_replies(rb, b->t.nreply_buckets);
		for (i = 0; i < 6; i++)
			b->t.status_any_subject[i] = b->any_subject[i].n ? int_list(&b->any_subject[i]) : NULL;
		b->t.catchall = b->catchall.n ? int_list(&b->catchall) : NULL;
	}
	b->t.fingerprint = "(not yet written)";
	return diag_errors - before;
}
