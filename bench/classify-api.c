/*
 * classify-api.c - rebound_classify() on every line of standard input,
 * in one process, with nothing printed per line.
 *
 * This is the library's own cost: the CLI's cost minus output
 * formatting and writing.  What was decided (the rule's line, the class's
 * bounce code, the type, the reply code) is folded into a checksum that is
 * printed at the end, so that the calls cannot be optimised away and two
 * builds can be compared: the same rules and input give the same sum.
 * The scaling benchmark links this same file against synthetic tables.
 *
 *   classify-api [-v]     -v: print "type<TAB>class<TAB>rule" per line
 */
#include <stdint.h>
#include "bench-lines.h"
#include "rebound.h"

int main(int argc, char **argv)
{
	struct lines in;
	const char *text;
	size_t len;
	unsigned long long lines = 0, fallback = 0, undetermined = 0;
	uint64_t sum = 0;
	int verbose = argc > 1 && strcmp(argv[1], "-v") == 0;

	if (blines_init(&in, stdin) < 0)
		return 1;
	while (lines_next(&in, &text, &len)) {
		struct rebound_result r;
		rebound_classify(text, len, NULL, &r);
		lines++;
		fallback += (r.flags & REBOUND_F_FALLBACK) != 0;
		undetermined += r.type == REBOUND_TYPE_UNDETERMINED;
		sum = (sum ^ ((uint64_t)r.rule->line << 32 ^ (uint64_t)r.cls->bounce_code << 16 ^
		              (uint64_t)r.type << 12 ^ r.reply)) * 1099511628211ull;
		if (verbose)
			printf("%s\t%s\t%s\n", rebound_type_name(r.type), r.cls->name, r.rule->id);
	}
	if (in.error) {
		perror("classify-api: standard input");
		return 1;
	}
	fprintf(stderr, "classify-api: %llu lines, %llu by the catch-all, %llu undetermined, sum %016llx\n",
	        lines, fallback, undetermined, (unsigned long long)sum);
	lines_free(&in);
	return fflush(stdout) == 0 ? 0 : 1;
}
