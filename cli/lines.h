/* lines.h - read a stream line by line, any line length, any bytes. */
#ifndef REBOUND_CLI_LINES_H
#define REBOUND_CLI_LINES_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" { /* the benchmarks' C++ contender reads lines with it too */
#endif

struct lines {
	FILE *f;
	char *buf;
	size_t cap, start, end;
	int eof, error;
	unsigned long lineno;
};

void lines_init(struct lines *l, FILE *f);
/* The next line without its LF (and without a CR before it); returns 0 at
 * the end of input.  The text stays valid until the next call. */
int lines_next(struct lines *l, const char **text, size_t *len);
void lines_free(struct lines *l);

#ifdef __cplusplus
}
#endif

#endif
