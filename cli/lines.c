/* lines.c - block reads and memchr: fast, and no limit on line length. */
#include <stdlib.h>
#include <string.h>
#include "lines.h"

void lines_init(struct lines *l, FILE *f)
{
	memset(l, 0, sizeof *l);
	l->f = f;
	l->cap = 1 << 20;
	l->buf = malloc(l->cap);
	if (!l->buf)
		l->error = 1;
}

int lines_next(struct lines *l, const char **text, size_t *len)
{
	for (;;) {
		char *nl = l->end > l->start ? memchr(l->buf + l->start, '\n', l->end - l->start) : NULL;
		if (nl || (l->eof && l->end > l->start)) {
			size_t n = nl ? (size_t)(nl - (l->buf + l->start)) : l->end - l->start;
			*text = l->buf + l->start;
			l->start += n + (nl != NULL);
			if (n && (*text)[n - 1] == '\r')
				n--;
			*len = n;
			l->lineno++;
			return 1;
		}
		if (l->eof || l->error)
			return 0;
		/* make room: move the partial line down, or grow the buffer */
		if (l->start > 0) {
			memmove(l->buf, l->buf + l->start, l->end - l->start);
			l->end -= l->start;
			l->start = 0;
		}
		if (l->end == l->cap) {
			char *p = realloc(l->buf, l->cap * 2);
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

void lines_free(struct lines *l)
{
	free(l->buf);
	l->buf = NULL;
}
