/*
 * synth-rules.c - write a synthetic rules file that multiplies the number
 * of text patterns of a rule base, for the scaling benchmark.
 *
 *   synth-rules PATTERNS FACTOR SEED > 90-synthetic.rules
 *
 * PATTERNS is the output of "reboundc --export-patterns" for the real
 * rule base (N patterns).  The file written holds (FACTOR - 1) * N new
 * phrases, so that the real rules plus these have FACTOR times as many
 * text patterns.  The phrases are three words long and made of the words
 * of the real phrases, each next word drawn from the words that follow
 * it in a real phrase when there are any ("mailbox quota exceeded",
 * "relay access denied"...), so they look like the text of real rules and
 * give the automaton the same kind of shape.
 *
 * Rules hold four phrases each and all belong to one provider, "synth",
 * which the real replies never name.  That keeps the real rule base's
 * decisions (and every one of its examples) unchanged, while the
 * automaton, the atom bit set and the per-match candidate checks grow as
 * they would with a real rule base of that size.  Every rule gets one
 * example that only it decides: one of its phrases, checked not to
 * contain any other synthetic phrase (rules that decide the same way are
 * tried in the order they were written, so such an example would be
 * decided by the earlier rule).  A rule none of whose phrases passes the
 * check is left out.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PER_RULE 4
#define WORDS_PER_PHRASE 3

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static size_t below(size_t n)
{
	return (size_t)((rnd() >> 33) % n);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fputs("synth-rules: out of memory\n", stderr);
		exit(3);
	}
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("synth-rules: out of memory\n", stderr);
		exit(3);
	}
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* ---- a set of strings (open addressing) ---- */

struct set {
	char **slot;
	size_t cap, n;
};

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static size_t set_find(const struct set *st, const char *s, size_t n)
{
	size_t i = (size_t)hash(s, n) & (st->cap - 1);
	while (st->slot[i] && !(strlen(st->slot[i]) == n && memcmp(st->slot[i], s, n) == 0))
		i = (i + 1) & (st->cap - 1);
	return i;
}

static int set_has(const struct set *st, const char *s, size_t n)
{
	return st->cap && st->slot[set_find(st, s, n)] != NULL;
}

/* Adds S (taking ownership); returns 0 if it was there already. */
static int set_add(struct set *st, char *s)
{
	size_t i;
	if ((st->n + 1) * 2 > st->cap) {
		struct set big;
		size_t k;
		big.cap = st->cap ? st->cap * 2 : 1024;
		big.n = st->n;
		big.slot = xmalloc(big.cap * sizeof *big.slot);
		memset(big.slot, 0, big.cap * sizeof *big.slot);
		for (k = 0; k < st->cap; k++)
			if (st->slot[k])
				big.slot[set_find(&big, st->slot[k], strlen(st->slot[k]))] = st->slot[k];
		free(st->slot);
		*st = big;
	}
	i = set_find(st, s, strlen(s));
	if (st->slot[i])
		return 0;
	st->slot[i] = s;
	st->n++;
	return 1;
}

/* ---- the vocabulary ---- */

struct word {
	char *s;
	size_t *next; /* indexes of words seen right after this one */
	size_t nnext;
};

static struct word *words;
static size_t nwords;
static struct set wordset;

static size_t word_index(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < nwords; i++)
		if (strlen(words[i].s) == n && memcmp(words[i].s, s, n) == 0)
			return i;
	words = xrealloc(words, (nwords + 1) * sizeof *words);
	words[nwords].s = xstrndup(s, n);
	words[nwords].next = NULL;
	words[nwords].nnext = 0;
	set_add(&wordset, xstrndup(s, n));
	return nwords++;
}

/* A plain phrase of the export: lowercase words separated by "\s+".
 * Its words join the vocabulary; the phrase itself joins SEEN, so that no
 * synthetic phrase repeats a real one. */
static void learn(const char *line, struct set *seen)
{
	char buf[256];
	size_t n = 0;
	const char *p = line;
	size_t prev = (size_t)-1;
	for (;;) {
		const char *e = p;
		size_t w;
		while ((*e >= 'a' && *e <= 'z'))
			e++;
		if (e - p < 2 || (*e != '\0' && strncmp(e, "\\s+", 3) != 0))
			return; /* not a plain phrase from here on */
		w = word_index(p, (size_t)(e - p));
		if (n + (size_t)(e - p) + 2 < sizeof buf) {
			if (n)
				buf[n++] = ' ';
			memcpy(buf + n, p, (size_t)(e - p));
			n += (size_t)(e - p);
		}
		if (prev != (size_t)-1) {
			struct word *pw = &words[prev];
			pw->next = xrealloc(pw->next, (pw->nnext + 1) * sizeof *pw->next);
			pw->next[pw->nnext++] = w;
		}
		prev = w;
		if (*e == '\0') {
			set_add(seen, xstrndup(buf, n));
			return;
		}
		p = e + 3;
	}
}

static size_t pick_after(size_t w)
{
	if (w != (size_t)-1 && words[w].nnext && below(10) < 7)
		return words[w].next[below(words[w].nnext)];
	return below(nwords);
}

/* ---- does phrase S contain another phrase of the set? ---- */

/* All phrases have three words, so another phrase inside S (a b c) can
 * only be (end of a) b (start of c). */
static int contains_other(const struct set *phrases, const char *s)
{
	const char *sp1 = strchr(s, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	size_t la, lc, i, j, mid;
	char buf[256];
	if (!sp1 || !sp2)
		return 1;
	la = (size_t)(sp1 - s);
	mid = (size_t)(sp2 - sp1) + 1; /* " b " */
	lc = strlen(sp2 + 1);
	if (la + mid + lc >= sizeof buf)
		return 1;
	for (i = 0; i < la; i++)
		for (j = 1; j <= lc; j++) {
			size_t n = la - i;
			if (i == 0 && j == lc)
				continue; /* S itself */
			memcpy(buf, s + i, n);
			memcpy(buf + n, sp1, mid);
			memcpy(buf + n + mid, sp2 + 1, j);
			n += mid + j;
			if (set_has(phrases, buf, n))
				return 1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	FILE *f;
	char line[4096];
	size_t nreal = 0, want, i, made = 0, rules = 0, dropped = 0, tries = 0;
	double factor;
	char **phr;
	struct set phrases = {NULL, 0, 0};

	if (argc != 4) {
		fputs("usage: synth-rules PATTERNS FACTOR SEED > FILE.rules\n", stderr);
		return 2;
	}
	factor = strtod(argv[2], NULL);
	rng ^= strtoull(argv[3], NULL, 10) * 0x9E3779B97F4A7C15ull;
	if (!rng)
		rng = 1;
	f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		nreal++;
		learn(line, &phrases);
	}
	fclose(f);
	if (factor < 1 || nwords < 10) {
		fprintf(stderr, "synth-rules: need FACTOR >= 1 and a vocabulary (have %zu words)\n",
		        nwords);
		return 2;
	}
	want = (size_t)((factor - 1.0) * (double)nreal + 0.5);
	want = (want + PER_RULE - 1) / PER_RULE * PER_RULE;
	phr = xmalloc((want ? want : 1) * sizeof *phr);

	/* draw distinct three-word phrases */
	while (made < want) {
		size_t w1 = below(nwords), w2 = pick_after(w1), w3 = pick_after(w2);
		char buf[256];
		int n = snprintf(buf, sizeof buf, "%s %s %s", words[w1].s, words[w2].s, words[w3].s);
		if (n <= 0 || (size_t)n >= sizeof buf)
			continue;
		if (++tries > want * 50 + 100000) {
			fprintf(stderr, "synth-rules: the vocabulary of %zu words gives too few phrases\n",
			        nwords);
			return 1;
		}
		if (set_add(&phrases, xstrndup(buf, (size_t)n)))
			phr[made++] = xstrndup(buf, (size_t)n);
	}

	printf("# Synthetic rules for the scaling benchmark; written by bench/synth-rules.\n"
	       "# %zu real patterns, factor %g: %zu extra phrases, %d per rule.\n\n"
	       "provider synth {\n    name \"Synthetic provider\"\n"
	       "    domain \"synth.invalid\"\n}\n",
	       nreal, factor, want, PER_RULE);
	for (i = 0; i < want; i += PER_RULE) {
		size_t k, ex = (size_t)-1;
		for (k = 0; k < PER_RULE && ex == (size_t)-1; k++)
			if (!contains_other(&phrases, phr[i + k]))
				ex = i + k;
		if (ex == (size_t)-1) {
			dropped++;
			continue;
		}
		printf("\nrule synth-%06zu {\n    provider synth\n    text", rules);
		for (k = 0; k < PER_RULE; k++)
			printf("%s\"%s\"", k ? " | " : " ", phr[i + k]);
		printf("\n    class user_unknown\n"
		       "    example \"%s\" provider synth => user_unknown\n}\n", phr[ex]);
		rules++;
	}
	if (fflush(stdout) != 0)
		return 1;
	fprintf(stderr, "synth-rules: %zu real patterns, %zu words; %zu rules with %zu phrases "
	        "(%zu rules left out)\n", nreal, nwords, rules, rules * PER_RULE, dropped);
	return 0;
}
