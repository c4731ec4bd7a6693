/*
 * floor-dfa.c - the second floor: read and split lines as floor-lines
 * does, and take one step of a table-driven automaton per byte.
 *
 * The automaton is a small one, built at start-up: it finds the word
 * "mailbox" in any case (a KMP automaton over all 256 bytes, 8 states,
 * 16-bit entries, one row of 256 per state).  Every byte costs exactly
 * one dependent load, which is the least a byte-at-a-time DFA can do; the
 * count of hits is printed so the compiler cannot drop the loop.  The
 * real matcher does more per byte (a byte-class lookup and a wider
 * table), so the gap between this floor and rebound is the price of the
 * rest of classification.
 */
#include <ctype.h>
#include <stdint.h>
#include "bench-lines.h"

#define WORD "mailbox"
#define NSTATES (sizeof WORD) /* states 0..7; 7 = the word was just seen */

static uint16_t table[NSTATES * 256];

/* KMP: state s means the last s bytes equal the first s of the word. */
static void build(void)
{
	const char *w = WORD;
	size_t n = sizeof WORD - 1, s, k;
	int c;
	for (s = 0; s <= n; s++)
		for (c = 0; c < 256; c++) {
			/* the longest prefix of w that is a suffix of w[0..s) + c */
			size_t best = 0;
			for (k = s + 1 < n ? s + 1 : n; k > 0; k--) {
				size_t i, ok = tolower(c) == w[k - 1];
				for (i = 0; ok && i + 1 < k; i++)
					ok = w[i] == w[s - (k - 1) + i];
				if (ok && k - 1 <= s) {
					best = k;
					break;
				}
			}
			table[s * 256 + (size_t)c] = (uint16_t)best;
		}
}

int main(void)
{
	struct lines in;
	const char *text;
	size_t len, i;
	unsigned long long lines = 0, hits = 0;

	build();
	if (blines_init(&in, stdin) < 0)
		return 1;
	while (lines_next(&in, &text, &len)) {
		const unsigned char *p = (const unsigned char *)text;
		unsigned s = 0;
		for (i = 0; i < len; i++) {
			s = table[(s << 8) | p[i]];
			if (s == NSTATES - 1)
				hits++;
		}
		lines++;
	}
	if (in.error) {
		perror("floor-dfa: standard input");
		return 1;
	}
	fprintf(stderr, "floor-dfa: %llu lines, %llu hits\n", lines, hits);
	lines_free(&in);
	return 0;
}
