/*
 * pcre2loop.c - contender: PCRE2 with the JIT, one pattern after another.
 *
 *   pcre2loop [-a | -f] PATTERNS < lines
 *
 * Each pattern is compiled on its own (PCRE2_CASELESS, no UTF, so it
 * works on bytes as rebound does) and JIT-compiled.  For every line, each
 * pattern is asked for its first match with pcre2_jit_match, and the
 * line reports every pattern that matched: the same answer the set
 * engines give, found the way a program that keeps a list of regexes
 * finds it.  -f stops at the first pattern that matches instead (the
 * cheapest thing such a program can do when only "any rule?" matters;
 * not the same work as the others).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include "bench-patterns.h"

int main(int argc, char **argv)
{
	int all = 0, first_only = 0, a = 1;
	struct bpatterns pats;
	pcre2_code **code;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *stack;
	struct lines in;
	static struct bout out;
	const char *text;
	size_t len, i;
	unsigned *ids;
	unsigned long long lines = 0, matched = 0, hits = 0, errors = 0;

	for (; a < argc && argv[a][0] == '-'; a++) {
		if (strcmp(argv[a], "-a") == 0)
			all = 1;
		else if (strcmp(argv[a], "-f") == 0)
			first_only = 1;
		else
			break;
	}
	if (a + 1 != argc) {
		fprintf(stderr, "usage: pcre2loop [-a | -f] PATTERNS < lines\n");
		return 2;
	}
	bpatterns_load(&pats, argv[a], "pcre2loop");
	code = malloc(pats.n * sizeof *code);
	ids = malloc(pats.n * sizeof *ids);
	if (!code || !ids)
		return 3;
	for (i = 0; i < pats.n; i++) {
		int ec;
		PCRE2_SIZE off;
		code[i] = pcre2_compile((PCRE2_SPTR)pats.v[i], PCRE2_ZERO_TERMINATED, PCRE2_CASELESS,
		                        &ec, &off, NULL);
		if (!code[i]) {
			PCRE2_UCHAR msg[256];
			pcre2_get_error_message(ec, msg, sizeof msg);
			fprintf(stderr, "pcre2loop: pattern %zu /%s/ at %zu: %s\n", i, pats.v[i],
			        (size_t)off, (char *)msg);
			return 2;
		}
		if (pcre2_jit_compile(code[i], PCRE2_JIT_COMPLETE) != 0) {
			fprintf(stderr, "pcre2loop: no JIT for pattern %zu (is the JIT available?)\n", i);
			return 2;
		}
	}
	md = pcre2_match_data_create(1, NULL);
	mctx = pcre2_match_context_create(NULL);
	stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	if (!md || !mctx || !stack)
		return 3;
	pcre2_jit_stack_assign(mctx, NULL, stack);

	if (blines_init(&in, stdin) < 0)
		return 1;
	while (lines_next(&in, &text, &len)) {
		size_t n = 0;
		for (i = 0; i < pats.n; i++) {
			int rc = pcre2_jit_match(code[i], (PCRE2_SPTR)text, len, 0, 0, md, mctx);
			if (rc >= 0) {
				ids[n++] = (unsigned)i;
				if (first_only)
					break;
			} else if (rc != PCRE2_ERROR_NOMATCH)
				errors++;
		}
		lines++;
		matched += n > 0;
		hits += n;
		breport(&out, ids, n, all);
	}
	bout_flush(&out);
	fprintf(stderr, "pcre2loop: %zu patterns, %llu lines, %llu with a match, %llu matches, %llu errors\n",
	        pats.n, lines, matched, hits, errors);
	for (i = 0; i < pats.n; i++)
		pcre2_code_free(code[i]);
	pcre2_match_data_free(md);
	pcre2_match_context_free(mctx);
	pcre2_jit_stack_free(stack);
	return in.error || out.failed || errors ? 1 : 0;
}
