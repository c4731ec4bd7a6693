/*
 * bench-patterns.h - load the pattern file that the contenders share
 * (the output of "reboundc --export-patterns": one regex per line), and
 * the per-line report they all write.
 *
 * Report, one line per input line: the number of patterns that matched
 * and the lowest matching pattern index (-1 if none); with -a, the
 * sorted list of every matching index instead, for cross-checking the
 * engines against each other.
 */
#ifndef BENCH_PATTERNS_H
#define BENCH_PATTERNS_H

#include "bench-lines.h"

struct bpatterns {
	char **v;
	size_t n;
};

/* Read FILE; exits with a message on failure. */
static inline void bpatterns_load(struct bpatterns *p, const char *path, const char *prog)
{
	FILE *f = fopen(path, "rb");
	struct lines l;
	const char *text;
	size_t len, cap = 0;
	p->v = NULL;
	p->n = 0;
	if (!f || blines_init(&l, f) < 0) {
		fprintf(stderr, "%s: cannot read %s\n", prog, path);
		exit(2);
	}
	while (lines_next(&l, &text, &len)) {
		if (len == 0)
			continue;
		if (p->n == cap) {
			cap = cap ? cap * 2 : 1024;
			p->v = (char **)realloc(p->v, cap * sizeof *p->v);
			if (!p->v)
				exit(3);
		}
		p->v[p->n] = (char *)malloc(len + 1);
		if (!p->v[p->n])
			exit(3);
		memcpy(p->v[p->n], text, len);
		p->v[p->n][len] = '\0';
		p->n++;
	}
	lines_free(&l);
	fclose(f);
	if (p->n == 0) {
		fprintf(stderr, "%s: no patterns in %s\n", prog, path);
		exit(2);
	}
}

static int bench_cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

/* Report one line: IDS[0..n) in any order (sorted in place). */
static inline void breport(struct bout *o, unsigned *ids, size_t n, int all)
{
	size_t i;
	if (all) {
		qsort(ids, n, sizeof *ids, bench_cmp_uint);
		for (i = 0; i < n; i++) {
			if (i)
				bout_char(o, ' ');
			bout_int(o, (long)ids[i]);
		}
	} else {
		long first = -1;
		for (i = 0; i < n; i++)
			if (first < 0 || (long)ids[i] < first)
				first = (long)ids[i];
		bout_int(o, (long)n);
		bout_char(o, ' ');
		bout_int(o, first);
	}
	bout_char(o, '\n');
}

#endif /* BENCH_PATTERNS_H */
