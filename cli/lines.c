/* lines.c - block reads, line ends found many at a time: fast, and no
 * limit on line length. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
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

/*
 * Find the LFs of [seen, end) ahead, for many lines at once, until the
 * queue is nearly full.  With SSE2 64 bytes are tested a round and the
 * first two LFs of a round are queued without a branch (a line's end
 * is anywhere, so a loop that stops at each, like memchr's, mispredicts
 * about once a line); a third in the same 64 bytes takes a loop.
 */
#if defined(__SSE2__) && defined(__GNUC__)
/* bit K of the result: B[K] is a LF, for K < 16 */
static uint64_t lf_bits(const char *b)
{
	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
	        _mm_loadu_si128((const __m128i *)(const void *)b), _mm_set1_epi8('\n')));
}
#endif

static void find_ahead(struct lines *l)
{
	const char *b = l->buf;
	size_t i = l->seen, end = l->end, *q = l->q;
	unsigned n = 0;
	l->qi = 0;
#if defined(__SSE2__) && defined(__GNUC__)
	for (; i + 64 <= end && n <= LINES_AHEAD - 64; i += 64) {
		uint64_t m = lf_bits(b + i) | lf_bits(b + i + 16) << 16 | lf_bits(b + i + 32) << 32 |
		             lf_bits(b + i + 48) << 48;
		/* with no LF left, the place written (from the top bit,
		 * added) is not counted */
		q[n] = i + (unsigned)__builtin_ctzll(m | (uint64_t)1 << 63);
		n += m != 0;
		m &= m - 1;
		q[n] = i + (unsigned)__builtin_ctzll(m | (uint64_t)1 << 63);
		n += m != 0;
		m &= m - 1;
		for (; m; m &= m - 1)
			q[n++] = i + (unsigned)__builtin_ctzll(m);
	}
	if (i + 64 <= end) { /* stopped for room in the queue */
		l->seen = i;
		l->nq = n;
		return;
	}
#endif
	/* the rest (fewer than 64 bytes with SSE2) */
	for (; i < end && n < LINES_AHEAD; i++) {
		const char *nl = memchr(b + i, '\n', end - i);
		if (!nl) {
			i = end;
			break;
		}
		i = (size_t)(nl - b);
		q[n++] = i;
	}
	l->seen = i;
	l->nq = n;
}

int lines_next(struct lines *l, const char **text, size_t *len)
{
	for (;;) {
		size_t nl;
		int lf = 1;
		if (l->qi < l->nq)
			nl = l->q[l->qi++];
		else if (l->seen < l->end) {
			find_ahead(l);
			continue;
		} else if (l->eof && l->end > l->start) {
			nl = l->end; /* the last line, without a LF */
			lf = 0;
		} else
			nl = (size_t)-1;
		if (nl != (size_t)-1) {
			size_t n = nl - l->start;
			*text = l->buf + l->start;
			l->start = nl + (size_t)lf;
			if (n && (*text)[n - 1] == '\r')
				n--;
			*len = n;
			l->lineno++;
			return 1;
		}
		if (l->eof || l->error)
			return 0;
		/* make room: move the partial line down (it has no LF: it was
		 * searched whole), or grow the buffer */
		if (l->start > 0) {
			memmove(l->buf, l->buf + l->start, l->end - l->start);
			l->end -= l->start;
			l->start = 0;
			l->seen = l->end;
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
