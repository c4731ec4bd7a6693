/*
 * bench-lines.h - the line reader every benchmark program shares, and a
 * small output buffer.
 *
 * The reader is rebound's own (cli/lines.c, linked in by bench/run.sh):
 * fread into a 1 MiB buffer that doubles for longer lines, the ends of
 * many lines found at a time, a CR before the LF dropped.  With the same reader
 * everywhere, differences between the programs come from the matching,
 * not from the input handling, and peak RSS reflects the engine rather
 * than a whole file held in memory.
 *
 * C and C++.
 */
#ifndef BENCH_LINES_H
#define BENCH_LINES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lines.h"

/* lines_init, saying whether the buffer could be had */
static inline int blines_init(struct lines *l, FILE *f)
{
	lines_init(l, f);
	return l->error ? -1 : 0;
}

/* Buffered output of small per-line reports (stdout is usually
 * /dev/null during timing, but the formatting work is still done). */
struct bout {
	char buf[1 << 16];
	size_t n;
	int failed;
};

static inline void bout_flush(struct bout *o)
{
	if (o->n && fwrite(o->buf, 1, o->n, stdout) != o->n)
		o->failed = 1;
	o->n = 0;
}

static inline void bout_bytes(struct bout *o, const char *s, size_t n)
{
	if (o->n + n > sizeof o->buf)
		bout_flush(o);
	if (n > sizeof o->buf) {
		if (fwrite(s, 1, n, stdout) != n)
			o->failed = 1;
		return;
	}
	memcpy(o->buf + o->n, s, n);
	o->n += n;
}

static inline void bout_int(struct bout *o, long v)
{
	char tmp[24];
	int n = 0;
	unsigned long u = v < 0 ? (unsigned long)-v : (unsigned long)v;
	do {
		tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[sizeof tmp - 1 - n++] = '-';
	bout_bytes(o, tmp + sizeof tmp - n, (size_t)n);
}

static inline void bout_char(struct bout *o, char c)
{
	bout_bytes(o, &c, 1);
}

#endif /* BENCH_LINES_H */
