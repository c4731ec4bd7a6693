/*
 * bench-lines.h - the line reader every benchmark program shares.
 *
 * It works the way rebound's own CLI reads standard input (cli/lines.c):
 * fread into a 1 MiB buffer that doubles for longer lines, memchr for the
 * end of each line, a CR before the LF dropped.  Using the same reader
 * everywhere means that differences between the programs come from the
 * matching, not from the input handling, and that peak RSS reflects the
 * engine rather than a whole file held in memory.
 *
 * Header-only (static functions) so each program is one file; C and C++.
 */
#ifndef BENCH_LINES_H
#define BENCH_LINES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct blines {
	FILE *f;
	char *buf;
	size_t cap, start, end;
	int eof, error;
};

static inline int blines_init(struct blines *l, FILE *f)
{
	memset(l, 0, sizeof *l);
	l->f = f;
	l->cap = (size_t)1 << 20;
	l->buf = (char *)malloc(l->cap);
	return l->buf ? 0 : -1;
}

/* The next line (without LF, and without a CR before it) in *TEXT and
 * *LEN; 0 at the end of input or on a read error (then l->error is set). */
static inline int blines_next(struct blines *l, const char **text, size_t *len)
{
	for (;;) {
		char *nl = l->end > l->start
		               ? (char *)memchr(l->buf + l->start, '\n', l->end - l->start)
		               : NULL;
		if (nl || (l->eof && l->end > l->start)) {
			size_t n = nl ? (size_t)(nl - (l->buf + l->start)) : l->end - l->start;
			*text = l->buf + l->start;
			l->start += n + (nl != NULL);
			if (n && (*text)[n - 1] == '\r')
				n--;
			*len = n;
			return 1;
		}
		if (l->eof || l->error)
			return 0;
		if (l->start > 0) {
			memmove(l->buf, l->buf + l->start, l->end - l->start);
			l->end -= l->start;
			l->start = 0;
		}
		if (l->end == l->cap) {
			char *p = (char *)realloc(l->buf, l->cap * 2);
			if (!p) {
				l->error = 1;
				return 0;
			}
			l->buf = p;
			l->cap *= 2;
		}
		{
			size_t got = fread(l->buf + l->end, 1, l->cap - l->end, l->f);
			l->end += got;
			if (got == 0) {
				if (ferror(l->f))
					l->error = 1;
				l->eof = 1;
			}
		}
	}
}

static inline void blines_free(struct blines *l)
{
	free(l->buf);
	l->buf = NULL;
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
