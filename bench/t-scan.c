/*
 * t-scan.c - the classifier's DFA scan in two, three or four chains
 * finds what one chain from the start finds: the same atoms in the same
 * order and the same code marks, on every text of tests/replies.tsv and
 * on texts made at random from pieces of them (phrases cut across the
 * cuts, many matches, lengths around the points where a text is cut in
 * two, three or four, and where a long one is taken in pieces), for
 * 16-bit state numbers and, with the same automaton widened, for 32-bit
 * ones.  Texts with bytes of 128 and up (the rule files' own phrases, and
 * replies with such bytes put in) take the loop that reads the rare
 * classes' rows; every state's step on every byte is checked against the
 * table as struct rb_dfa describes it.
 *
 * The scan functions are private to classify.c, so this file includes
 * it; the rest comes from the library.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classify.c"
#include "tap.h"

/* The next state on class C, read as struct rb_dfa describes the
 * table, without the scan's byte columns. */
static size_t step_ref(const struct rb_dfa *d, size_t s, unsigned c)
{
	size_t nrare = d->nclasses - d->ndense;
	if (c < d->ndense)
		return d->trans32 ? d->trans32[(size_t)c * d->nstates + s]
		                  : d->trans[(size_t)c * d->nstates + s];
	return d->rare32 ? d->rare32[d->rare_row[s] * nrare + c - d->ndense]
	                 : d->rare[d->rare_row[s] * nrare + c - d->ndense];
}

/* One chain from the start, a step at a time. */
static void scan_one(struct state *st, const unsigned char *text, size_t n)
{
	const struct rb_dfa *d = st->t->dfa;
	size_t s = d->start, acc = d->first_accept, i;
	for (i = 0; i < n; i++) {
		s = step_ref(d, s, d->byte_class[text[i]]);
		if (s >= acc)
			hit(st, rb_accept_list(d, s), i);
	}
	if (d->eof_class != RB_NONE) {
		s = step_ref(d, s, d->eof_class);
		if (s >= acc)
			hit(st, rb_accept_list(d, s), n);
	}
}

/* Every state's step on every byte, as the loop for texts with bytes of
 * 128 and up takes it, and the byte columns of the classes that have one. */
static void check_cells(const struct rb_tables *t, const char *what)
{
	static struct state st;
	const struct rb_dfa *d = t->dfa;
	size_t s, bad = 0, rare = 0;
	unsigned c;
	st.t = t;
	for (s = 0; s < d->nstates; s++)
		for (c = 0; c < 256; c++) {
			unsigned char byte = (unsigned char)c;
			size_t want = step_ref(d, s, d->byte_class[c]), got;
			int has_col = d->byte_col32 ? d->byte_col32[c] != NULL : d->byte_col[c] != NULL;
			st.nlisted = st.ncodes = 0;
			got = d->byte_col32 ? scan32_mixed_run(&st, &byte, 0, 1, s)
			                     : scan16_mixed_run(&st, &byte, 0, 1, s);
			if (has_col != (d->byte_class[c] < d->ndense))
				bad++;
			else if (has_col && want != (d->byte_col32 ? d->byte_col32[c][s] : d->byte_col[c][s]))
				bad++;
			rare += !has_col;
			bad += got != want;
		}
	ok(bad == 0, "%s: %lu states x 256 bytes (%lu on rare classes) step as the table says", what,
	   (unsigned long)d->nstates, (unsigned long)rare);
}

static int same_state(const struct state *a, const struct state *b)
{
	unsigned i, nw = (a->t->natoms + 63u) / 64u;
	if (a->nlisted != b->nlisted || a->ncodes != b->ncodes)
		return 0;
	if (a->nlisted <= MAX_LISTED) {
		for (i = 0; i < a->nlisted; i++)
			if (a->listed[i] != b->listed[i])
				return 0;
	} else {
		for (i = 0; i < nw; i++)
			if (a->bits[i] != b->bits[i])
				return 0;
	}
	for (i = 0; i < a->ncodes && i < MAX_CODES; i++)
		if (a->code_at[i] != b->code_at[i])
			return 0;
	return 1;
}

static unsigned long checked, failed, split, by_chains[5], pieces;

static void check(const struct rb_tables *t, const char *text, size_t n)
{
	static struct state a, b;
	a.t = b.t = t;
	a.nlisted = b.nlisted = 0;
	a.ncodes = b.ncodes = 0;
	run_dfa(&a, (const unsigned char *)text, n);
	scan_one(&b, (const unsigned char *)text, n);
	checked++;
	split += n >= SPLIT_MIN;
	by_chains[n >= SPLIT_FOUR ? 4 : n >= SPLIT_THREE ? 3 : n >= SPLIT_MIN ? 2 : 1]++;
	pieces += n > SPLIT_PIECE + SPLIT_FOUR;
	if (!same_state(&a, &b)) {
		if (failed++ < 5)
			diag("differs (%u/%u atoms, %u/%u marks): %.*s", a.nlisted, b.nlisted, a.ncodes,
			     b.ncodes, (int)(n < 200 ? n : 200), text);
	}
}

struct texts {
	char **v;
	size_t *len;
	size_t n, cap;
};

static void add(struct texts *t, const char *s, size_t n)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->v = realloc(t->v, t->cap * sizeof *t->v);
		t->len = realloc(t->len, t->cap * sizeof *t->len);
		if (!t->v || !t->len)
			exit(99);
	}
	t->v[t->n] = malloc(n + 1);
	if (!t->v[t->n])
		exit(99);
	memcpy(t->v[t->n], s, n);
	t->v[t->n][n] = '\0';
	t->len[t->n++] = n;
}

/* The quoted texts of the rule files' text and example lines: the only
 * texts at hand that walk the phrases of bytes of 128 and up. */
static void read_rule_texts(struct texts *t)
{
	static const char *const files[] = {"37-japanese.rules", "47-provider-europe.rules",
	                                    "48-provider-russia.rules", "49-provider-asia.rules",
	                                    "30-recipient.rules"};
	const char *srcdir = getenv("srcdir");
	char path[4096], line[8192];
	size_t f;
	for (f = 0; f < sizeof files / sizeof *files; f++) {
		FILE *in;
		snprintf(path, sizeof path, "%s/rules.d/%s", srcdir ? srcdir : ".", files[f]);
		in = fopen(path, "r");
		if (!in)
			continue;
		while (fgets(line, sizeof line, in)) {
			char *p = line + strspn(line, " \t"), *q;
			if (strncmp(p, "text ", 5) != 0 && strncmp(p, "example ", 8) != 0)
				continue;
			while ((p = strchr(p, '"')) != NULL && (q = strchr(p + 1, '"')) != NULL) {
				if (q > p + 1)
					add(t, p + 1, (size_t)(q - p - 1));
				p = q + 1;
			}
		}
		fclose(in);
	}
}

/* The text column of tests/replies.tsv. */
static void read_replies(struct texts *t)
{
	const char *srcdir = getenv("srcdir");
	char path[4096], line[8192];
	FILE *f;
	snprintf(path, sizeof path, "%s/tests/replies.tsv", srcdir ? srcdir : ".");
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		size_t n = strcspn(line, "\t\n");
		if (line[0] != '#' && n > 0)
			add(t, line, n);
	}
	fclose(f);
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void check_all(const struct rb_tables *t, const struct texts *r, const char *what)
{
	static char buf[REBOUND_MAX_TEXT];
	uint64_t x = 0x2545F4914F6CDD1Dull;
	size_t i, k;
	unsigned long before = failed;

	checked = split = pieces = 0;
	memset(by_chains, 0, sizeof by_chains);
	for (i = 0; i < r->n; i++) {
		check(t, r->v[i], r->len[i]);
		/* every prefix near the lengths at which texts are cut in
		 * two, three and four */
		for (k = SPLIT_MIN - 2; k <= SPLIT_MIN + 2 && k <= r->len[i]; k++)
			check(t, r->v[i], k);
		for (k = SPLIT_THREE - 2; k <= SPLIT_THREE + 2 && k <= r->len[i]; k++)
			check(t, r->v[i], k);
		for (k = SPLIT_FOUR - 2; k <= SPLIT_FOUR + 2 && k <= r->len[i]; k++)
			check(t, r->v[i], k);
	}
	/* pieces of replies joined: phrases across the cut, long texts */
	for (i = 0; i < 20000; i++) {
		size_t n = 0, want = (size_t)(rnd(&x) % (i % 10 == 0 ? 4000 : 300));
		while (n < want) {
			const char *s = r->v[rnd(&x) % r->n];
			size_t len = strlen(s), from = (size_t)(rnd(&x) % (len + 1));
			size_t m = (size_t)(rnd(&x) % (len - from + 1));
			if (n + m + 1 > sizeof buf)
				break;
			memcpy(buf + n, s + from, m);
			n += m;
			if (rnd(&x) % 2)
				buf[n++] = ' ';
		}
		check(t, buf, n);
		/* and where a long text is taken a piece at a time */
		for (k = SPLIT_PIECE + SPLIT_FOUR - 1; k <= SPLIT_PIECE + SPLIT_FOUR + 1 && k <= n; k++)
			check(t, buf, k);
	}
	/* replies with bytes of 128 and up put in at random (the loop for
	 * such texts, with the defaults of the rare classes) */
	for (i = 0; i < 20000; i++) {
		size_t n = r->len[i % r->n], j;
		memcpy(buf, r->v[i % r->n], n);
		for (j = 0; j < 1 + i % 4 && n > 0; j++)
			buf[rnd(&x) % n] = (char)(0x80 | rnd(&x) % 128);
		check(t, buf, n);
	}
	/* one reply over and over: more matches than either half holds */
	for (i = 0; i < r->n && i < 200; i++) {
		size_t n = 0, len = r->len[i], reps = 1 + (size_t)(rnd(&x) % 60);
		for (k = 0; k < reps && n + len + 1 <= sizeof buf; k++) {
			memcpy(buf + n, r->v[i], len);
			n += len;
			buf[n++] = ' ';
		}
		check(t, buf, n);
	}
	ok(failed == before && by_chains[2] > 0 && by_chains[3] > 0 && by_chains[4] > 0 && pieces > 0,
	   "%s: the scan in chains equals one chain on %lu texts (%lu in two chains, %lu in three, "
	   "%lu in four, %lu of them in pieces)",
	   what, checked, by_chains[2], by_chains[3], by_chains[4], pieces);
}

int main(void)
{
	struct texts r = {NULL, NULL, 0, 0};
	const struct rb_tables *t = &rb_builtin_tables;
	const struct rb_dfa *d = t->dfa;
	struct rb_dfa wide;
	struct rb_tables t32;
	uint32_t *trans32, *rare32;
	const uint32_t **col32;
	size_t i, cells = (size_t)d->ndense * d->nstates, nrows = 0, rcells;

	read_replies(&r);
	if (r.n == 0) {
		plan_skip("tests/replies.tsv not found (set srcdir)");
		return 0;
	}
	read_rule_texts(&r);
	{
		/* the test for bytes of 128 and up, every length to 100 with
		 * such a byte at every place, and none */
		unsigned char buf[128];
		size_t n, at, wrong = 0;
		memset(buf, 'a', sizeof buf);
		for (n = 0; n <= 100; n++) {
			wrong += has_high_byte(buf, n) != 0;
			for (at = 0; at < n; at++) {
				buf[at] = (unsigned char)(0x80 + at);
				wrong += has_high_byte(buf, n) != 1;
				buf[at] = 'a';
			}
			buf[n] = 0xff; /* past the end: must not count */
			wrong += has_high_byte(buf, n) != 0;
			buf[n] = 'a';
		}
		ok(wrong == 0, "a byte of 128 or more is found at every place of texts up to 100 bytes");
	}
	ok(d->ndense == d->nclasses || d->rare_row, "classes without a column (%u of %u) have rows",
	   d->nclasses - d->ndense, d->nclasses);
	if (d->byte_col) {
		check_cells(t, "16-bit states");
		check_all(t, &r, "16-bit states");
	}

	/* the same automaton with 32-bit state numbers */
	for (i = 0; d->rare_row && i < d->nstates; i++)
		if (d->rare_row[i] >= nrows)
			nrows = (size_t)d->rare_row[i] + 1;
	rcells = nrows * (d->nclasses - d->ndense);
	trans32 = malloc(cells * sizeof *trans32);
	rare32 = malloc((rcells + 1) * sizeof *rare32);
	col32 = malloc(256 * sizeof *col32);
	if (!trans32 || !col32 || !rare32)
		return 99;
	for (i = 0; i < cells; i++)
		trans32[i] = d->trans ? d->trans[i] : d->trans32[i];
	for (i = 0; i < rcells; i++)
		rare32[i] = d->rare ? d->rare[i] : d->rare32[i];
	for (i = 0; i < 256; i++)
		col32[i] = d->byte_class[i] < d->ndense ? trans32 + (size_t)d->byte_class[i] * d->nstates
		                                        : NULL;
	wide = *d;
	wide.trans = NULL;
	wide.byte_col = NULL;
	wide.rare = NULL;
	wide.trans32 = trans32;
	wide.byte_col32 = col32;
	wide.rare32 = d->rare_row ? rare32 : NULL;
	t32 = *t;
	t32.dfa = &wide;
	check_cells(&t32, "32-bit states");
	check_all(&t32, &r, "32-bit states");

	free(trans32);
	free(rare32);
	free(col32);
	for (i = 0; i < r.n; i++)
		free(r.v[i]);
	free(r.v);
	free(r.len);
	return done_testing();
}
