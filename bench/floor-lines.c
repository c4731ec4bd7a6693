/*
 * floor-lines.c - the first floor: read standard input and find every
 * line, nothing else.  No classifier can be faster than this whole
 * process, since every one of them has to do at least this much.
 *
 * Prints the number of lines and bytes to standard error.
 */
#include "bench-lines.h"

int main(void)
{
	struct lines in;
	const char *text;
	size_t len;
	unsigned long long lines = 0, bytes = 0;

	if (blines_init(&in, stdin) < 0)
		return 1;
	while (lines_next(&in, &text, &len)) {
		lines++;
		bytes += len;
	}
	if (in.error) {
		perror("floor-lines: standard input");
		return 1;
	}
	fprintf(stderr, "floor-lines: %llu lines, %llu bytes\n", lines, bytes);
	lines_free(&in);
	return 0;
}
