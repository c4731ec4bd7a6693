/*
 * internal.h - the layout of rebound's rule tables.
 *
 * The same structures are filled in two ways: statically by the C code
 * reboundc writes into generated/, and in memory by reboundc itself,
 * which runs the runtime's classifier on its tables to check every
 * example before writing anything.  One classifier, two table sources.
 *
 * Indexes into arrays are uint16_t; RB_NONE marks "none" and ends lists.
 */
#ifndef REBOUND_INTERNAL_H
#define REBOUND_INTERNAL_H

#include <stdint.h>
#include "rebound.h"

#ifdef REBOUND_AMALGAMATION
#  define REBOUND_PRIVATE static
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define REBOUND_PRIVATE __attribute__((visibility("hidden"))) extern
#else
#  define REBOUND_PRIVATE extern
#endif

/* Objects defined in one file and used in another: static in the
 * amalgamation, ordinary definitions otherwise. */
#ifdef REBOUND_AMALGAMATION
#  define RB_OBJECT static
#else
#  define RB_OBJECT
#endif

#define RB_NONE 0xffffu
#define RB_NO_TYPE 0xffu

/* Hard limits the compiler enforces, so the runtime can size its stack
 * buffers without looking. */
#define RB_MAX_ATOMS 32768u
#define RB_MAX_RULES 65000u
#define RB_MAX_STATES 250000u /* past 65,536 a state number takes 32 bits */
#define RB_MAX_PROFILES 250u

/* An inclusive range of reply codes: 550 is [550,550], 5xx is [500,599]. */
struct rb_reply_pat {
	uint16_t lo, hi;
};

/* An enhanced status pattern; cls 0 and subject RB_NONE mean "any". */
struct rb_status_pat {
	uint8_t cls;
	uint16_t subject;
	uint16_t lo, hi; /* detail range; [0, RB_NONE] means any */
};

/* A run of atoms (text patterns) of one rule: the group holds when any
 * of atoms [first, first + count) matched. */
struct rb_group {
	uint16_t first, count;
};

/* A rule's public record (id, file, line, profile) is kept apart, in
 * rb_tables.rule_pub, and its lists are found by offset in the table
 * set's pools: the only pointers left are the public record's, so these
 * records need no relocation at start and stay in read-only pages. */
struct rb_rule {
	uint16_t cls;         /* index into the class table */
	uint8_t type;         /* enum rebound_type override, or RB_NO_TYPE */
	uint8_t profile;      /* 0: default profile; otherwise profile index + 1 */
	uint16_t nreply, nstatus, ngroups, nproviders;
	uint32_t reply;       /* from reply_pool[reply] */
	uint32_t status;      /* from status_pool[status] */
	uint32_t groups;      /* from group_pool[groups]: all must hold; the
	                         rule is tried when an atom of the first (its
	                         rarest, by the compiler's guess) matched */
	uint32_t providers;   /* provider indexes, from provider_pool[providers] */
	struct rb_group unless; /* none may match; count 0 if unused */
	uint32_t retry_after; /* seconds */
};

/* Retypes change the type of a decision after a rule has made it. */
struct rb_retype {
	uint8_t type;
	uint8_t profile;
	uint16_t nreply, nstatus, nproviders, nclasses;
	/* offsets into the rules' pools (rb_tables), as a rule's; the class
	   indexes too are in provider_pool */
	uint32_t reply, status, providers, classes;
};

/* What an atom belongs to: a rule's group (group RB_UNLESS_GROUP for
 * its unless list) or a provider's markers.  The first two fields are
 * what the classifier reads for every matched atom, ready to use: the
 * rule the atom makes a candidate (its rule when in group 0, else
 * RB_NONE), and the provider it marks. */
#define RB_UNLESS_GROUP 0xffu
struct rb_atom {
	uint16_t lead;     /* RB_NONE unless group is 0 (and for a text rule
	                      filed under its codes) */
	uint16_t provider; /* RB_NONE for rule atoms */
	uint16_t rule;     /* RB_NONE for provider markers */
	uint8_t group;
};

/* Rules indexed by code: those without text, and the text rules whose
 * codes are rarer than their words (their atoms make no candidates).
 * Each list is sorted strongest first and ends with RB_NONE. */
struct rb_status_bucket {
	uint8_t cls;
	uint16_t subject;
	uint16_t lo, hi;
	uint32_t rules; /* from rb_tables.bucket_rules[rules] (no relocation) */
};
#define RB_STATUS_SUBJECTS 9 /* subjects 0-7 indexed, one past for the end */
#define RB_REPLY_LOW 200     /* the replies a text or query may give */
#define RB_REPLY_SPAN 400
struct rb_reply_bucket {
	uint16_t lo, hi;
	uint32_t rules; /* from rb_tables.bucket_rules[rules] */
};

/* Suffixes of this many bytes and more share one group (rb_tables) */
#define RB_SUFFIX_LONG 64

/* Host-name and domain suffixes that identify a provider. */
struct rb_suffix {
	uint32_t at;      /* the text, lowercase (e.g. "google.com"), from
	                     rb_tables.suffix_text[at]: no pointer to relocate */
	uint16_t len;
	uint16_t provider;
};

/*
 * The text matcher: one DFA over byte classes.  trans holds nclasses
 * columns of nstates entries each, one column after the other, and
 * byte_col[b] points at the column of byte b's class, so a step is one
 * load, byte_col[b][s], with nothing to compute from the state first.
 * State numbers are 16 bits wide (trans, byte_col) while they fit, else
 * 32 bits (trans32, byte_col32); the other pair is NULL.
 * States >= first_accept end at least one atom or mark.  What state S
 * ends is a list in one pool, from accept[accept_at[s - first_accept]]
 * (offsets rather than pointers, which a position-independent program
 * would have to relocate at every start; rb_accept_list gives it): a head
 * (RB_ACC_HEAD) with the number of atoms and the marks, then the atoms.
 * The pool has RB_ACC_SLACK more entries after the last list, so that the
 * first eight atoms of any list can be copied without looking at the
 * count.  When eof_class is not RB_NONE, one more step on that class
 * follows the last byte (for patterns anchored at the end).
 *
 * When codes_marked is set, the head may carry code marks: RB_ACC_REPLY
 * when the three bytes before the current one may be a reply code ("550"
 * then a blank, a dash, ')' ']' ',' or the end), RB_ACC_STATUS when the
 * two bytes before it and it may open an enhanced status ("5.1"); either
 * only at the start of the text or after a byte that cannot be part of a
 * word.  The code finder then looks only there instead of scanning the
 * text again.
 */
#define RB_ACC_ATOMS 0x3fffu  /* the head's count of atoms */
#define RB_ACC_REPLY 0x4000u  /* a reply code may end before this byte */
#define RB_ACC_STATUS 0x8000u /* an enhanced status may start 2 bytes back */
#define RB_ACC_HEAD(NATOMS, REPLY, STATUS)                                    \
	((NATOMS) | ((REPLY) ? RB_ACC_REPLY : 0u) | ((STATUS) ? RB_ACC_STATUS : 0u))
#define RB_ACC_SLACK 8
/*
 * The transitions.  Classes below ndense (those with an ASCII byte, and
 * the end mark's) have a column each: byte_col[b][s] is the next state.
 * The "rare" classes from ndense on hold only bytes of 128 and up, their
 * byte_col entries are NULL, and the next state on one, C, is
 * rare[rare_row[s] * (nclasses - ndense) + C - ndense]: row 0 holds each
 * rare class's most common next state, and only the few states that go
 * elsewhere on some rare class have another, one row for all those that
 * go to the same states (most are repeats, so the rows are few).  So a
 * run over
 * ASCII text never touches them, and the pages of the table a run brings
 * in are those of the dense columns.
 */
struct rb_dfa {
	const uint8_t *byte_class;         /* [256] */
	const uint16_t *const *byte_col;   /* [256] */
	const uint32_t *const *byte_col32; /* [256] */
	const uint16_t *trans;             /* [ndense][nstates] */
	const uint32_t *trans32;           /* [ndense][nstates] */
	unsigned nclasses, nstates, start, first_accept;
	unsigned eof_class;
	const uint16_t *accept;    /* the lists, one after another */
	const uint32_t *accept_at; /* [nstates - first_accept + 1] */
	unsigned codes_marked;
	unsigned ndense;           /* nclasses when there are no rare classes */
	const uint16_t *rare_row;  /* [nstates], or NULL with no rare classes */
	const uint16_t *rare;      /* [rows][nclasses - ndense] */
	const uint32_t *rare32;    /* the same with 32-bit state numbers */
};

/* The head of what accepting state S (>= first_accept) ends. */
static inline const uint16_t *rb_accept_list(const struct rb_dfa *d, size_t s)
{
	return d->accept + d->accept_at[s - d->first_accept];
}

struct rb_tables {
	const struct rb_dfa *dfa;
	const struct rb_atom *atoms;
	unsigned natoms;
	const struct rb_rule *rules; /* sorted strongest first */
	unsigned nrules;
	const struct rebound_rule *rule_pub; /* [nrules]: rules[i]'s public record */
	/* the rules' lists, one after another (rb_rule's offsets) */
	const struct rb_reply_pat *reply_pool;
	const struct rb_status_pat *status_pool;
	const struct rb_group *group_pool;
	const uint16_t *provider_pool; /* and the retypes' class indexes */
	const struct rebound_class *classes;
	unsigned nclasses;
	const struct rebound_provider *providers;
	unsigned nproviders;
	const struct rb_suffix *hosts;
	unsigned nhosts;
	const struct rb_suffix *domains;
	unsigned ndomains;
	/* hosts and domains are sorted by length (stably); entry [L] of each
	   is the first suffix of L bytes or more (L <= RB_SUFFIX_LONG) */
	const uint16_t *hosts_by_len, *domains_by_len;
	const char *suffix_text; /* the suffixes' text, one after another */
	const char *const *profile_names;
	const char *const *profile_descriptions;
	unsigned nprofiles;
	const struct rb_status_bucket *status_buckets; /* sorted by cls, subject, lo */
	unsigned nstatus_buckets;
	/* [6 * RB_STATUS_SUBJECTS]: the buckets of class C and subject S (S <
	 * RB_STATUS_SUBJECTS - 1) are those from [C * RB_STATUS_SUBJECTS + S]
	 * up to the next entry, found without a search */
	const uint16_t *status_first;
	const uint16_t *status_any_subject[6]; /* by class digit; NULL if none */
	const struct rb_reply_bucket *reply_buckets;  /* sorted, disjoint */
	unsigned nreply_buckets;
	const uint16_t *bucket_rules; /* the buckets' rule lists, one after another */
	/* [RB_REPLY_SPAN]: one more than the bucket of reply RB_REPLY_LOW + i,
	 * 0 for none (numbers, not pointers: nothing to relocate at start) */
	const uint16_t *reply_index;
	const uint16_t *catchall;      /* rules without conditions */
	const struct rb_retype *retypes; /* sorted strongest first */
	unsigned nretypes;
	/* [nprofiles + 1]: for the default profile (0) and each profile (index
	 * + 1), the retypes that may apply, strongest first, ended by RB_NONE */
	const uint16_t *const *profile_retypes;
	const char *fingerprint;
};

/* The tables compiled in from generated/. */
REBOUND_PRIVATE const struct rb_tables rb_builtin_tables;

/* Codes found in a reply text (codes.c). */
struct rb_codes {
	unsigned reply;
	unsigned cls, subject, detail; /* cls 0: no status */
};
REBOUND_PRIVATE void rb_find_codes(const char *text, size_t len, struct rb_codes *out);
/* The same answer from where the DFA's code marks say codes may start, in
 * increasing order: every place where one can start is among them. */
REBOUND_PRIVATE void rb_codes_at(const char *text, size_t len, const uint32_t *at, unsigned n,
                                 struct rb_codes *out);
REBOUND_PRIVATE int rb_parse_status(const char *s, size_t len, struct rb_codes *out);
/* "5.1.1" into BUF (at least 12 bytes), or "" when C has no class. */
REBOUND_PRIVATE void rb_format_status(char *buf, const struct rb_codes *c);

/* The classifier over any table set (classify.c). */
REBOUND_PRIVATE int rb_classify(const struct rb_tables *t, const char *text, size_t len,
                                const struct rebound_query *q, struct rebound_result *out,
                                rebound_explain_fn fn, void *ctx);

/* Lookups by name over a table set (classify.c). */
REBOUND_PRIVATE int rb_profile_index(const struct rb_tables *t, const char *name);
REBOUND_PRIVATE int rb_provider_index(const struct rb_tables *t, const char *id);

#endif /* REBOUND_INTERNAL_H */
