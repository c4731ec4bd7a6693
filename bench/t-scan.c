/*
 * t-scan.c - the classifier's two-chain DFA scan finds what one chain
 * from the start finds: the same atoms in the same order and the same
 * code marks, on every text of tests/replies.tsv and on texts made at
 * random from pieces of them (phrases cut across the middle, many
 * matches, lengths around the point where a text is cut in two), for
 * 16-bit state numbers and, with the same automaton widened, for 32-bit
 * ones.
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

/* The single chain, as the scan takes it on short texts. */
static void scan_one(struct state *st, const unsigned char *text, size_t n)
{
	const struct rb_dfa *d = st->t->dfa;
	size_t s, acc = d->first_accept;
	if (d->byte_col32)
		s = scan32_run(st, text, 0, n, d->start);
	else
		s = scan16_run(st, text, 0, n, d->start);
	if (d->eof_class != RB_NONE) {
		s = d->trans32 ? d->trans32[(size_t)d->eof_class * d->nstates + s]
		               : d->trans[(size_t)d->eof_class * d->nstates + s];
		if (s >= acc)
			hit(st, rb_accept_list(d, s), n);
	}
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

static unsigned long checked, failed, split;

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

	checked = split = 0;
	for (i = 0; i < r->n; i++) {
		check(t, r->v[i], r->len[i]);
		/* every prefix near the length at which texts are cut in two */
		for (k = SPLIT_MIN - 2; k <= SPLIT_MIN + 2 && k <= r->len[i]; k++)
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
	ok(failed == before && split > 0, "%s: two-chain scan equals one chain on %lu texts (%lu cut in two)",
	   what, checked, split);
}

int main(void)
{
	struct texts r = {NULL, NULL, 0, 0};
	const struct rb_tables *t = &rb_builtin_tables;
	const struct rb_dfa *d = t->dfa;
	struct rb_dfa wide;
	struct rb_tables t32;
	uint32_t *trans32;
	const uint32_t **col32;
	size_t i, cells = (size_t)d->nclasses * d->nstates;

	read_replies(&r);
	if (r.n == 0) {
		plan_skip("tests/replies.tsv not found (set srcdir)");
		return 0;
	}
	if (d->byte_col)
		check_all(t, &r, "16-bit states");

	/* the same automaton with 32-bit state numbers */
	trans32 = malloc(cells * sizeof *trans32);
	col32 = malloc(256 * sizeof *col32);
	if (!trans32 || !col32)
		return 99;
	for (i = 0; i < cells; i++)
		trans32[i] = d->trans ? d->trans[i] : d->trans32[i];
	for (i = 0; i < 256; i++)
		col32[i] = trans32 + (size_t)d->byte_class[i] * d->nstates;
	wide = *d;
	wide.trans = NULL;
	wide.byte_col = NULL;
	wide.trans32 = trans32;
	wide.byte_col32 = col32;
	t32 = *t;
	t32.dfa = &wide;
	check_all(&t32, &r, "32-bit states");

	free(trans32);
	free(col32);
	for (i = 0; i < r.n; i++)
		free(r.v[i]);
	free(r.v);
	free(r.len);
	return done_testing();
}
