/*
 * ast.h - the rule base as reboundc reads it: classes, providers,
 * profiles, rules, retypes, orders and examples, with where each was
 * written.
 */
#ifndef REBOUNDC_AST_H
#define REBOUNDC_AST_H

#include <stddef.h>
#include <stdint.h>

/* Limits of the compiler's input (those of the tables it writes are in
 * runtime/internal.h, RB_MAX_*).  Past each the compiler stops with an
 * error; tests/t-rule-limits.sh tests them at and past the edge. */
#define RB_MAX_RULE_FILE (16u * 1024u * 1024u) /* bytes in one rule file */
#define RB_MAX_GROUP_DEPTH 32                  /* nested ( ) in a regex */
#define RB_MAX_REPEAT 64                       /* n and m in {n,m} */
#define RB_MAX_NAME 100 /* characters in a class name or a rule or provider id */

struct loc {
	const char *file;
	int line, col;
};

/* A growable array: VEC(int) v; vec_push(&v, 3); v.v[0], v.n */
#define VEC(T) struct { T *v; int n, cap; }
void *vec_grow(void *v, int *cap, int need, size_t elem);
#define vec_push(vp, x) \
	((vp)->v = vec_grow((vp)->v, &(vp)->cap, (vp)->n + 1, sizeof *(vp)->v), \
	 (vp)->v[(vp)->n++] = (x))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);
char *xmemdup(const char *s, size_t n); /* adds a NUL */

/* A text pattern: a phrase or a regular expression. */
struct pat {
	int is_regex;
	char *src; /* phrase text (escapes resolved) or regex body */
	size_t len;
	struct loc loc;
	int atom; /* atom number, assigned when tables are built */
};
typedef VEC(struct pat) patvec;
typedef VEC(int) intvec;
typedef VEC(char *) strvec;

/* A reply-code or status pattern as written. */
struct codepat {
	int is_status;
	uint16_t lo, hi;   /* reply range, or status detail range */
	uint8_t cls;       /* status class digit, 0 = any */
	uint16_t subject;  /* status subject, 0xffff = any */
	int spec;          /* specificity, see check.c */
	struct loc loc;
};
typedef VEC(struct codepat) codevec;

struct name {
	char *s;
	struct loc loc;
};
typedef VEC(struct name) namevec;

struct example {
	char *text;
	size_t len;
	struct loc loc;
	char *host, *domain, *provider, *status;
	unsigned reply;
	struct name profile;      /* profile named in the example */
	struct name expect_class;
	struct name expect_type;  /* s == NULL when not given */
	int owner;                /* rule index, or -1 */
	int owner_is_retype;
	int owner_profile;        /* profile the example sits in, -1 default */
};
typedef VEC(struct example) examplevec;

struct class_def {
	struct name name;
	struct name type, blame, action, category, sisimai, powermta;
	char *description, *advice, *ses;
	struct loc description_loc, ses_loc;
	int bounce_code;
	int used;
	/* resolved */
	int type_v, blame_v, action_v, category_v;
};

struct provider_def {
	struct name name;
	char *display;
	patvec markers;
	namevec hosts, domains;
};

struct profile_def {
	struct name name;
	char *description;
};

/* A rule, or a retype when is_retype is set. */
struct rule {
	struct name id;
	int is_retype;
	int profile;        /* -1 default */
	codevec reply, status;
	VEC(patvec) groups; /* text lines; all must hold */
	patvec unless;
	namevec providers;
	namevec classes;    /* one for a rule, a list for a retype */
	struct name type;
	namevec over;
	unsigned retry_after;
	struct loc retry_loc;
	int file_index;
	int broken;         /* a syntax error cut it short: no follow-on errors */
	/* resolved */
	intvec provider_idx;
	intvec class_idx;
	int type_v;         /* -1 none */
	int key[5];
	int rank;
	int first_atom;     /* atoms of this rule are consecutive */
	int lead_group;     /* the group it is tried through (build.c) */
	int by_code;        /* a text rule tried through its codes instead */
};

struct ruleset {
	VEC(struct class_def) classes;
	VEC(struct provider_def) providers;
	VEC(struct profile_def) profiles;
	VEC(struct rule) rules;
	VEC(struct rule) retypes;
	examplevec examples;
	namevec order;
	int have_order;
	struct loc order_loc;
	strvec files;
	/* resolved */
	intvec ranked; /* rule indexes, strongest first */
	intvec retypes_ranked;
};

#endif
