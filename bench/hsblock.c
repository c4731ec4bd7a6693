/*
 * hsblock.c - contender: Hyperscan (or Vectorscan) in block mode over
 * the exported patterns.
 *
 *   hsblock [-a] PATTERNS < lines
 *
 * One database of all patterns (HS_FLAG_CASELESS; HS_FLAG_SINGLEMATCH
 * so each pattern reports at most once per line), one hs_scan per line.
 * The callback collects the ids of the patterns that occur: the same
 * question rebound's DFA answers.  Without HS_FLAG_UTF8 Hyperscan works
 * on bytes, as rebound does.
 */
#include <hs/hs.h>
#include "bench-patterns.h"

struct found {
	unsigned *ids;
	size_t n, cap;
};

static int on_match(unsigned id, unsigned long long from, unsigned long long to,
                    unsigned flags, void *ctx)
{
	struct found *f = ctx;
	(void)from;
	(void)to;
	(void)flags;
	if (f->n < f->cap)
		f->ids[f->n++] = id;
	return 0;
}

int main(int argc, char **argv)
{
	int all = 0, a = 1;
	struct bpatterns pats;
	unsigned *flags, *idv;
	hs_database_t *db = NULL;
	hs_compile_error_t *err = NULL;
	hs_scratch_t *scratch = NULL;
	struct lines in;
	static struct bout out;
	struct found f;
	const char *text;
	size_t len, i;
	unsigned long long lines = 0, matched = 0, hits = 0;

	if (a < argc && strcmp(argv[a], "-a") == 0) {
		all = 1;
		a++;
	}
	if (a + 1 != argc) {
		fprintf(stderr, "usage: hsblock [-a] PATTERNS < lines\n");
		return 2;
	}
	bpatterns_load(&pats, argv[a], "hsblock");
	flags = malloc(pats.n * sizeof *flags);
	idv = malloc(pats.n * sizeof *idv);
	f.ids = malloc(pats.n * sizeof *f.ids);
	if (!flags || !idv || !f.ids)
		return 3;
	for (i = 0; i < pats.n; i++) {
		flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
		idv[i] = (unsigned)i;
	}
	if (hs_compile_multi((const char *const *)pats.v, flags, idv, (unsigned)pats.n,
	                     HS_MODE_BLOCK, NULL, &db, &err) != HS_SUCCESS) {
		fprintf(stderr, "hsblock: pattern %d /%s/: %s\n", err->expression,
		        err->expression >= 0 ? pats.v[err->expression] : "", err->message);
		hs_free_compile_error(err);
		return 2;
	}
	if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
		fprintf(stderr, "hsblock: cannot allocate scratch space\n");
		return 2;
	}
	f.cap = pats.n;
	if (blines_init(&in, stdin) < 0)
		return 1;
	while (lines_next(&in, &text, &len)) {
		f.n = 0;
		if (hs_scan(db, text, (unsigned)len, 0, scratch, on_match, &f) != HS_SUCCESS) {
			fprintf(stderr, "hsblock: hs_scan failed at line %llu\n", lines + 1);
			return 1;
		}
		lines++;
		matched += f.n > 0;
		hits += f.n;
		breport(&out, f.ids, f.n, all);
	}
	bout_flush(&out);
	fprintf(stderr, "hsblock: %zu patterns, %llu lines, %llu with a match, %llu matches\n",
	        pats.n, lines, matched, hits);
	hs_free_scratch(scratch);
	hs_free_database(db);
	return in.error || out.failed ? 1 : 0;
}
