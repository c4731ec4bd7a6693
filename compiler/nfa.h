/*
 * nfa.h - text patterns as one nondeterministic automaton over 257
 * symbols: the 256 byte values and an end-of-text mark.
 */
#ifndef REBOUNDC_NFA_H
#define REBOUNDC_NFA_H

#include "ast.h"

#define NSYM 257
#define SYM_EOF 256

struct charset {
	uint64_t w[5];
};

/* A state either reads one symbol of a set (set >= 0), moves without
 * reading (eps1/eps2, -1 when absent), or accepts an atom (atom >= 0). */
struct nfa_state {
	int set;
	int next;
	int eps1, eps2;
	int atom;
};

struct nfa {
	VEC(struct nfa_state) st;
	VEC(struct charset) sets;
	VEC(int) floating; /* starts of patterns that may begin anywhere */
	VEC(int) anchored; /* starts of patterns that must begin the text */
	int uses_eof;
};

void charset_add(struct charset *c, int sym);
int charset_has(const struct charset *c, int sym);

/*
 * Add pattern P, accepting ATOM, to the automaton.  Returns 0, or -1
 * after writing a message to ERR and the offending offset in the
 * pattern's text to *ERRPOS.
 */
int nfa_add_pattern(struct nfa *n, const struct pat *p, int atom,
                    char *err, size_t errlen, size_t *errpos);

#endif
