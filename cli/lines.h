/* lines.h - read a stream line by line, any line length, any bytes. */
#ifndef REBOUND_CLI_LINES_H
#define REBOUND_CLI_LINES_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" { /* the benchmarks' C++ contender reads lines with it too */
#endif

#define LINES_AHEAD 128 /* line ends found ahead, at most */

struct lines {
	FILE *f;
	char *buf;
	size_t cap, start, end;
	size_t seen;          /* [start, seen) has been searched for LFs */
	unsigned qi, nq;      /* the LFs found and not yet used: q[qi..nq) */
	size_t q[LINES_AHEAD]; /* their places in buf */
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
