/*
 * dfa.h - the automaton for all text patterns of a rule base: built by
 * subset construction, minimised, and numbered canonically so that the
 * same patterns and examples always give the same tables.
 */
#ifndef REBOUNDC_DFA_H
#define REBOUNDC_DFA_H

#include "nfa.h"

struct dfa {
	int nclasses;            /* symbol classes, the end mark's included */
	int ndense;              /* classes below it hold an ASCII byte or the
	                          * end mark; those from it, only bytes of 128
	                          * and up */
	uint8_t byte_class[256];
	int eof_class;           /* -1 when no pattern looks at the end */
	int class_rep[NSYM];     /* smallest symbol of each class */
	int nstates;
	int start;
	int idle;                /* the state with no pattern in progress, or -1 */
	int first_accept;        /* states >= first_accept end some atom */
	int *trans;              /* [nstates * nclasses] */
	int **accept;            /* per state: atoms ending there, -1 ended */
	char **names;            /* per state: a C identifier suffix */
	int **path;              /* per state: the classes of its shortest text */
	int *depth;              /* per state: the length of that text */
};

/* What a refused build saw, for the compiler's message.  HELD is the
 * caller's, one count for each NFA state. */
struct dfa_refusal {
	long *held; /* how many of the states built hold each NFA state,
	             * 0 for the first steps of floating patterns, which
	             * are in many states without multiplying any */
	long work;  /* the NFA states of all the states built, summed: how
	             * much another build of the same size would cost */
};

/*
 * Build the DFA.  Returns 0, or -1 when it would need more than
 * MAX_STATES states (nothing is allocated then, and WHY, unless NULL,
 * is filled in).
 */
int dfa_build(const struct nfa *n, int max_states, struct dfa *out, struct dfa_refusal *why);

/* The states of the automaton before minimisation (which is what
 * MAX_STATES limits), or -1 when there would be more. */
int dfa_count_states(const struct nfa *n, int max_states);

/*
 * Renumber the states by how often texts visit them, VISITS[s] times for
 * state s (the rule base's examples), most visited first, accepting
 * states still last, breadth-first order within a tier.  The runtime's
 * table is column by column, so the states most texts keep to share
 * cache lines.
 */
void dfa_order_by_use(struct dfa *d, const long *visits);

/*
 * The classes from d->ndense on are "rare": the runtime has no column for
 * them but, for each, the state most states go to (DEFAULT[c - ndense])
 * and, for the few states that go elsewhere on any of them, a row, one
 * for all the states that go to the same states on all of them.  Sets
 * ROW_OF[s] to the row of state s (0, the row of the defaults, for the
 * rest; rows in the order of the first state that has each, so a state
 * whose row number is above all before it is the row's first) and
 * returns the number of rows with the defaults' row; 0 when there are no
 * rare classes or too many rows for 16-bit row numbers (then every class
 * has a column).
 */
int dfa_rare_rows(const struct dfa *d, int *deflt, int *row_of);

void dfa_free(struct dfa *d);

#endif
