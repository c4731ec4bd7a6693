/*
 * build.h - from a checked rule base to the runtime's tables, in memory.
 * reboundc classifies the examples with these tables and then writes
 * them out as C.
 */
#ifndef REBOUNDC_BUILD_H
#define REBOUNDC_BUILD_H

#include "ast.h"
#include "dfa.h"
#include "internal.h"

struct atom_info {
	const struct pat *pat;
	int rule;      /* rank of the owning rule, or -1 for a provider marker */
	int group;     /* group index, or RB_UNLESS_GROUP */
	int provider;  /* provider index for markers, else -1 */
	int k;         /* number of this atom within its owner */
};

/* A list of rule ranks filed under a code range (for emission). */
struct bucket {
	int cls, subject; /* status buckets; cls 0 for reply buckets */
	int lo, hi;
	intvec rules;
};

struct built {
	struct rb_tables t;
	struct rb_dfa rdfa;
	struct dfa dfa;
	struct nfa nfa;
	VEC(struct atom_info) atoms;
	VEC(struct bucket) status_buckets;
	intvec any_subject[6];
	VEC(struct bucket) reply_buckets;
	intvec catchall;
	struct rb_suffix *hosts, *domains;
};

/* Returns the number of errors.  MAX_STATES bounds the automaton
 * (RB_MAX_STATES unless reboundc --max-states says otherwise). */
int build_tables(struct ruleset *rs, struct built *b, int max_states);

#endif
