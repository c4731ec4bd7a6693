/*
 * check.c - what the grammar cannot say: names must resolve, values must
 * come from their vocabularies, and rules must be ordered without
 * ambiguity.
 *
 * Precedence.  Every rule gets a key, compared left to right, larger
 * first:
 *   tier          5 provider and text, 4 text, 3 enhanced status (subject
 *                 fixed), 2 reply code (exact or NNx), 1 code class only
 *                 (Nxx, N.x.x), 0 catch-all
 *   status spec   how precisely the status is pinned (see status_spec)
 *   provider      1 if the rule is limited to providers
 *   reply spec    3 exact, 2 NNx, 1 Nxx, 0 none
 *   text lines    how many text conditions must hold together
 * Among rules with equal keys, a profile's rules come before the default
 * profile's.  Two rules of one profile with equal keys that could decide
 * the same reply differently must be ordered, by "over" or by the class
 * order; otherwise that is an error.  "over" is absolute; the class order
 * ranks the rules it leaves free.  Rules that decide the same way are
 * taken in the order they were written.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "diag.h"
#include "internal.h"
#include "names.h"

const char *const sisimai_reasons[] = {
	"authfailure", "badreputation", "blocked", "contenterror", "delivered",
	"emailtoolarge", "expired", "failedstarttls", "feedback", "filtered", "hasmoved",
	"hostunknown", "mailboxfull", "mailererror", "networkerror", "norelaying",
	"notaccept", "notcompliantrfc", "onhold", "policyviolation", "ratelimited",
	"rejected", "requireptr", "securityerror", "spamdetected", "suppressed", "suspend",
	"syntaxerror", "systemerror", "systemfull", "undefined", "userunknown", "vacation",
	"virusdetected"
};
const int n_sisimai_reasons = (int)(sizeof sisimai_reasons / sizeof sisimai_reasons[0]);

const char *const powermta_categories[] = {
	"bad-configuration", "bad-connection", "bad-domain", "bad-mailbox", "content-related",
	"inactive-mailbox", "invalid-sender", "message-expired", "no-answer-from-host", "other",
	"policy-related", "protocol-errors", "quota-issues", "relaying-issues", "routing-errors",
	"spam-related", "virus-related"
};
const int n_powermta_categories = (int)(sizeof powermta_categories / sizeof powermta_categories[0]);

static const int bounce_codes[] = {
	0, 1, 10, 20, 21, 22, 23, 24, 25, 26, 30, 40, 50, 51, 52, 53, 54, 60, 70, 80, 90, 100
};

/* ---- small helpers ---- */

static int lookup(const char *s, const char *const *v, int n)
{
	int i;
	for (i = 0; i < n; i++)
		if (strcmp(s, v[i]) == 0)
			return i;
	return -1;
}

/* Resolve NAME in vocabulary V, or report it with a suggestion. */
static int resolve_word(const struct name *nm, const char *what, const char *const *v, int n)
{
	int i = lookup(nm->s, v, n);
	if (i < 0) {
		const char *near = did_you_mean(nm->s, v, n);
		if (near)
			diag_error(nm->loc, "unknown %s '%s' (did you mean '%s'?)", what, nm->s, near);
		else
			diag_error(nm->loc, "unknown %s '%s'", what, nm->s);
	}
	return i;
}

/* Names become C identifiers in the generated tables, cut at some
 * length; a limit keeps two long names from becoming one. */
static void check_length(const struct name *n, const char *what)
{
	if (strlen(n->s) > RB_MAX_NAME)
		diag_error(n->loc, "%s '%.20s...' is longer than %d characters", what, n->s,
		           RB_MAX_NAME);
}

static int valid_name(const char *s, int allow_dots)
{
	const char *p = s;
	if (!(*p >= 'a' && *p <= 'z'))
		return 0;
	for (; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
			continue;
		if ((*p == '-' || (allow_dots && *p == '.')) && p[1] && p[1] != '-' && p[1] != '.')
			continue;
		if (*p == '_' && !allow_dots)
			continue;
		return 0;
	}
	return 1;
}

int same_pattern(const struct pat *a, const struct pat *b)
{
	return a->is_regex == b->is_regex && a->len == b->len && memcmp(a->src, b->src, a->len) == 0;
}

static int pat_in(const struct pat *p, const patvec *v)
{
	int i;
	for (i = 0; i < v->n; i++)
		if (same_pattern(p, &v->v[i]))
			return 1;
	return 0;
}

/* ---- specificity ---- */

static int reply_spec(const struct codepat *c)
{
	if (c->lo == c->hi)
		return 3;
	return c->hi - c->lo == 9 ? 2 : 1;
}

/*
 * 7 for 5.1.1, 6 for x.1.1 or a detail range with its class, 5 for
 * 5.1.*, 4 for x.1.*, 1 for 5.x.x and 0 for x.x.x.
 */
static int status_spec(const struct codepat *c)
{
	int s = 0;
	if (c->subject != 0xffff)
		s += 4;
	if (c->lo == c->hi)
		s += 2;
	else if (!(c->lo == 0 && c->hi == 0xffff))
		s += 1;
	if (c->cls)
		s += 1;
	return s;
}

static int min_spec(const codevec *v, int status)
{
	int i, m = INT_MAX;
	for (i = 0; i < v->n; i++) {
		int s = status ? status_spec(&v->v[i]) : reply_spec(&v->v[i]);
		if (s < m)
			m = s;
	}
	return v->n ? m : 0;
}

static void compute_key(struct rule *r)
{
	int ss = min_spec(&r->status, 1), rs = min_spec(&r->reply, 0);
	if (r->is_retype) {
		r->key[0] = r->classes.n > 0;
		r->key[1] = ss;
		r->key[2] = r->providers.n > 0;
		r->key[3] = rs;
		r->key[4] = 0;
		return;
	}
	if (r->groups.n)
		r->key[0] = r->providers.n ? 5 : 4;
	else if (r->status.n && ss >= 4)
		r->key[0] = 3;
	else if (r->reply.n && rs >= 2)
		r->key[0] = 2;
	else if (r->reply.n || r->status.n)
		r->key[0] = 1;
	else
		r->key[0] = 0;
	r->key[1] = ss;
	r->key[2] = r->providers.n > 0;
	r->key[3] = rs;
	r->key[4] = r->groups.n;
}

static int key_cmp(const struct rule *a, const struct rule *b)
{
	int i;
	for (i = 0; i < 5; i++)
		if (a->key[i] != b->key[i])
			return a->key[i] > b->key[i] ? -1 : 1;
	return 0;
}

/* ---- can two rules hold for one reply? can one imply another? ---- */

static int ranges_meet(unsigned alo, unsigned ahi, unsigned blo, unsigned bhi)
{
	return alo <= bhi && blo <= ahi;
}

static int status_meet(const struct codepat *a, const struct codepat *b)
{
	if (a->cls && b->cls && a->cls != b->cls)
		return 0;
	if (a->subject != 0xffff && b->subject != 0xffff && a->subject != b->subject)
		return 0;
	return ranges_meet(a->lo, a->hi, b->lo, b->hi);
}

static int codes_meet(const codevec *a, const codevec *b)
{
	int i, j;
	if (!a->n || !b->n)
		return 1;
	for (i = 0; i < a->n; i++)
		for (j = 0; j < b->n; j++)
			if (a->v[i].is_status ? status_meet(&a->v[i], &b->v[j])
			                      : ranges_meet(a->v[i].lo, a->v[i].hi, b->v[j].lo, b->v[j].hi))
				return 1;
	return 0;
}

static int ints_meet(const int *a, int na, const int *b, int nb)
{
	int i, j;
	if (!na || !nb)
		return 1;
	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			if (a[i] == b[j])
				return 1;
	return 0;
}

/* A group of A that only patterns B forbids can never hold with B. */
static int groups_allow(const struct rule *a, const struct rule *b)
{
	int g, i;
	for (g = 0; g < a->groups.n; g++) {
		const patvec *pv = &a->groups.v[g];
		int all = pv->n > 0;
		for (i = 0; i < pv->n; i++)
			if (!pat_in(&pv->v[i], &b->unless))
				all = 0;
		if (all)
			return 0;
	}
	return 1;
}

static int can_meet(const struct rule *a, const struct rule *b)
{
	return ints_meet(a->provider_idx.v, a->provider_idx.n, b->provider_idx.v, b->provider_idx.n) &&
	       codes_meet(&a->reply, &b->reply) && codes_meet(&a->status, &b->status) &&
	       (!a->is_retype || ints_meet(a->class_idx.v, a->class_idx.n,
	                                   b->class_idx.v, b->class_idx.n)) &&
	       groups_allow(a, b) && groups_allow(b, a);
}

static int code_within(const struct codepat *x, const codevec *v)
{
	int i;
	for (i = 0; i < v->n; i++) {
		const struct codepat *y = &v->v[i];
		if (x->is_status) {
			if (y->cls && y->cls != x->cls)
				continue;
			if (y->subject != 0xffff && y->subject != x->subject)
				continue;
		}
		if (x->lo >= y->lo && x->hi <= y->hi)
			return 1;
	}
	return 0;
}

static int codes_imply(const codevec *b, const codevec *a)
{
	int i;
	if (!a->n)
		return 1;
	if (!b->n)
		return 0;
	for (i = 0; i < b->n; i++)
		if (!code_within(&b->v[i], a))
			return 0;
	return 1;
}

/* Whenever rule B holds, does rule A hold too? */
static int implies(const struct rule *b, const struct rule *a)
{
	int g, h, i;
	if (a->profile >= 0 && a->profile != b->profile)
		return 0;
	if (a->provider_idx.n) {
		if (!b->provider_idx.n)
			return 0;
		for (i = 0; i < b->provider_idx.n; i++) {
			int j, found = 0;
			for (j = 0; j < a->provider_idx.n; j++)
				found |= a->provider_idx.v[j] == b->provider_idx.v[i];
			if (!found)
				return 0;
		}
	}
	if (!codes_imply(&b->reply, &a->reply) || !codes_imply(&b->status, &a->status))
		return 0;
	for (g = 0; g < a->groups.n; g++) {
		int ok = 0;
		for (h = 0; h < b->groups.n && !ok; h++) {
			ok = b->groups.v[h].n > 0;
			for (i = 0; i < b->groups.v[h].n; i++)
				if (!pat_in(&b->groups.v[h].v[i], &a->groups.v[g]))
					ok = 0;
		}
		if (!ok)
			return 0;
	}
	for (i = 0; i < a->unless.n; i++)
		if (!pat_in(&a->unless.v[i], &b->unless))
			return 0;
	return 1;
}

/* ---- declarations ---- */

static void check_classes(struct ruleset *rs)
{
	int i, j;
	const char *const ses_types[] = {"Permanent", "Transient", "Undetermined"};
	for (i = 0; i < rs->classes.n; i++) {
		struct class_def *c = &rs->classes.v[i];
		if (!valid_name(c->name.s, 0) || strchr(c->name.s, '-'))
			diag_error(c->name.loc, "class name '%s' must be lowercase letters, digits and '_'",
			           c->name.s);
		check_length(&c->name, "class name");
		for (j = 0; j < i; j++)
			if (strcmp(rs->classes.v[j].name.s, c->name.s) == 0) {
				diag_error(c->name.loc, "class '%s' is declared twice", c->name.s);
				diag_note(rs->classes.v[j].name.loc, "first declared here");
				break;
			}
		c->type_v = c->blame_v = c->action_v = c->category_v = 0;
		if (!c->type.s)
			diag_error(c->name.loc, "class '%s' needs a type", c->name.s);
		else
			c->type_v = resolve_word(&c->type, "type", rb_type_names, RB_NTYPES);
		if (!c->blame.s)
			diag_error(c->name.loc, "class '%s' needs a blame", c->name.s);
		else
			c->blame_v = resolve_word(&c->blame, "blame", rb_blame_names, RB_NBLAMES);
		if (!c->action.s)
			diag_error(c->name.loc, "class '%s' needs an action", c->name.s);
		else
			c->action_v = resolve_word(&c->action, "action", rb_action_names, RB_NACTIONS);
		if (c->category.s)
			c->category_v = resolve_word(&c->category, "category", rb_category_names,
			                             RB_NCATEGORIES);
		if (!c->description || !*c->description)
			diag_error(c->name.loc, "class '%s' needs a description", c->name.s);
		if (c->sisimai.s)
			resolve_word(&c->sisimai, "sisimai reason", sisimai_reasons, n_sisimai_reasons);
		if (c->powermta.s)
			resolve_word(&c->powermta, "powermta category", powermta_categories,
			             n_powermta_categories);
		if (c->bounce_code >= 0) {
			int ok = 0;
			for (j = 0; j < (int)(sizeof bounce_codes / sizeof bounce_codes[0]); j++)
				ok |= bounce_codes[j] == c->bounce_code;
			if (!ok)
				diag_error(c->name.loc, "class '%s': %d is not a SparkPost/BounceStudio class",
				           c->name.s, c->bounce_code);
		}
		if (c->ses) {
			const char *slash = strchr(c->ses, '/');
			if (slash) {
				char head[32];
				size_t n = (size_t)(slash - c->ses);
				if (n >= sizeof head)
					n = sizeof head - 1;
				memcpy(head, c->ses, n);
				head[n] = '\0';
				if (lookup(head, ses_types, 3) < 0)
					diag_error(c->ses_loc, "unknown SES bounce type '%s'", head);
			}
		}
		if (c->type_v < 0)
			c->type_v = 0;
		if (c->blame_v < 0)
			c->blame_v = 0;
		if (c->action_v < 0)
			c->action_v = 0;
		if (c->category_v < 0)
			c->category_v = 0;
	}
}

static int find_class(struct ruleset *rs, const char *s)
{
	int i;
	for (i = 0; i < rs->classes.n; i++)
		if (strcmp(rs->classes.v[i].name.s, s) == 0)
			return i;
	return -1;
}

static int resolve_class(struct ruleset *rs, const struct name *nm)
{
	int i = find_class(rs, nm->s);
	if (i < 0) {
		const char **names = xmalloc((size_t)(rs->classes.n + 1) * sizeof *names);
		const char *near;
		int k;
		for (k = 0; k < rs->classes.n; k++)
			names[k] = rs->classes.v[k].name.s;
		near = did_you_mean(nm->s, names, rs->classes.n);
		if (near)
			diag_error(nm->loc, "unknown class '%s' (did you mean '%s'?)", nm->s, near);
		else
			diag_error(nm->loc, "unknown class '%s'", nm->s);
		free(names);
	} else
		rs->classes.v[i].used = 1;
	return i;
}

static int resolve_provider(struct ruleset *rs, const struct name *nm)
{
	int i;
	for (i = 0; i < rs->providers.n; i++)
		if (strcmp(rs->providers.v[i].name.s, nm->s) == 0)
			return i;
	{
		const char **names = xmalloc((size_t)(rs->providers.n + 1) * sizeof *names);
		const char *near;
		for (i = 0; i < rs->providers.n; i++)
			names[i] = rs->providers.v[i].name.s;
		near = did_you_mean(nm->s, names, rs->providers.n);
		if (near)
			diag_error(nm->loc, "unknown provider '%s' (did you mean '%s'?)", nm->s, near);
		else
			diag_error(nm->loc, "unknown provider '%s'", nm->s);
		free(names);
	}
	return -1;
}

static void lowercase_host(char *s)
{
	char *p, *q = s;
	if (s[0] == '*' && s[1] == '.')
		q = s + 2;
	else if (s[0] == '.' || s[0] == '@')
		q = s + 1;
	memmove(s, q, strlen(q) + 1);
	for (p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
}

static void check_providers(struct ruleset *rs)
{
	int i, j;
	for (i = 0; i < rs->providers.n; i++) {
		struct provider_def *p = &rs->providers.v[i];
		if (!valid_name(p->name.s, 0) || strchr(p->name.s, '_'))
			diag_error(p->name.loc, "provider id '%s' must be lowercase letters, digits and '-'",
			           p->name.s);
		check_length(&p->name, "provider id");
		for (j = 0; j < i; j++)
			if (strcmp(rs->providers.v[j].name.s, p->name.s) == 0) {
				diag_error(p->name.loc, "provider '%s' is declared twice", p->name.s);
				diag_note(rs->providers.v[j].name.loc, "first declared here");
				break;
			}
		if (!p->display)
			diag_error(p->name.loc, "provider '%s' needs a name", p->name.s);
		if (!p->markers.n && !p->hosts.n && !p->domains.n)
			diag_error(p->name.loc, "provider '%s' has no marker, host or domain to be "
			           "recognised by", p->name.s);
		for (j = 0; j < p->hosts.n; j++)
			lowercase_host(p->hosts.v[j].s);
		for (j = 0; j < p->domains.n; j++)
			lowercase_host(p->domains.v[j].s);
	}
}

static void check_rule(struct ruleset *rs, struct rule *r)
{
	int i;
	const char *what = r->is_retype ? "retype" : "rule";

	if (!valid_name(r->id.s, 1))
		diag_error(r->id.loc, "%s id '%s' must be lowercase letters and digits joined by "
		           "single '-' or '.'", what, r->id.s);
	check_length(&r->id, r->is_retype ? "retype id" : "rule id");
	for (i = 0; i < r->providers.n; i++) {
		int p = resolve_provider(rs, &r->providers.v[i]);
		if (p >= 0)
			vec_push(&r->provider_idx, p);
	}
	for (i = 0; i < r->classes.n; i++) {
		int c = resolve_class(rs, &r->classes.v[i]);
		if (c >= 0)
			vec_push(&r->class_idx, c);
	}
	r->type_v = -1;
	if (r->type.s) {
		r->type_v = resolve_word(&r->type, "type", rb_type_names, RB_NTYPES);
		if (r->type_v == REBOUND_TYPE_BY_CODE && r->is_retype) {
			diag_error(r->type.loc, "a retype must name a type, not 'by-code'");
			r->type_v = -1;
		}
	}
	for (i = 0; i < r->status.n; i++) {
		const struct codepat *c = &r->status.v[i];
		if (c->subject == 0xffff && !(c->lo == 0 && c->hi == 0xffff))
			diag_error(c->loc, "a status pattern that fixes the detail must fix the subject");
		if (c->lo > c->hi)
			diag_error(c->loc, "detail range out of order");
	}
	if (r->broken)
		return;
	if (r->is_retype) {
		if (!r->type.s)
			diag_error(r->id.loc, "retype '%s' needs a type", r->id.s);
		if (!r->reply.n && !r->status.n && !r->providers.n && !r->classes.n)
			diag_error(r->id.loc, "retype '%s' needs a condition", r->id.s);
		return;
	}
	if (!r->classes.n)
		diag_error(r->id.loc, "rule '%s' needs a class", r->id.s);
	if (!r->reply.n && !r->status.n && !r->groups.n && (r->providers.n || r->unless.n))
		diag_error(r->id.loc, "rule '%s' needs a reply, status or text condition", r->id.s);
}

static int find_rule(struct ruleset *rs, const char *id)
{
	int i;
	for (i = 0; i < rs->rules.n; i++)
		if (strcmp(rs->rules.v[i].id.s, id) == 0)
			return i;
	return -1;
}

/* ---- ranking ---- */

struct ctx {
	struct ruleset *rs;
	int *class_pos;
};

static int decision_differs(const struct rule *a, const struct rule *b)
{
	return a->class_idx.n != b->class_idx.n ||
	       (a->class_idx.n && a->class_idx.v[0] != b->class_idx.v[0]) ||
	       a->type_v != b->type_v || a->retry_after != b->retry_after;
}

static int says_over(const struct rule *a, const struct rule *b)
{
	int i;
	for (i = 0; i < a->over.n; i++)
		if (strcmp(a->over.v[i].s, b->id.s) == 0)
			return 1;
	return 0;
}

static int class_of(const struct rule *r)
{
	return r->class_idx.n ? r->class_idx.v[0] : -1;
}

/* Tie-break among rules of equal key: profile rules first, then the class
 * order, then where they were written. */
static int tie_cmp(const struct ctx *cx, const struct rule *a, const struct rule *b)
{
	int pa = a->profile < 0 ? INT_MAX : a->profile, pb = b->profile < 0 ? INT_MAX : b->profile;
	int ca = class_of(a) >= 0 ? cx->class_pos[class_of(a)] : INT_MAX;
	int cb = class_of(b) >= 0 ? cx->class_pos[class_of(b)] : INT_MAX;
	if (pa != pb)
		return pa < pb ? -1 : 1;
	if (ca != cb)
		return ca < cb ? -1 : 1;
	if (a->file_index != b->file_index)
		return a->file_index < b->file_index ? -1 : 1;
	if (a->id.loc.line != b->id.loc.line)
		return a->id.loc.line < b->id.loc.line ? -1 : 1;
	/* two rules on one line: qsort must still get a total order */
	if (a->id.loc.col != b->id.loc.col)
		return a->id.loc.col < b->id.loc.col ? -1 : 1;
	return 0;
}

static struct ctx *sort_ctx;
static struct rule *sort_rules;

static int cmp_by_key(const void *x, const void *y)
{
	const struct rule *a = &sort_rules[*(const int *)x], *b = &sort_rules[*(const int *)y];
	int c = key_cmp(a, b);
	return c ? c : tie_cmp(sort_ctx, a, b);
}

/*
 * Order the rules V[0..n) (all of one key) so that every pair that could
 * disagree is ordered by 'over' or by the class order; report the pairs
 * that are not.  Appends the result to OUT.
 */
static void order_group(struct ctx *cx, struct rule *rules, const int *v, int n, intvec *out,
                        int retypes)
{
	int i, j, *done = xcalloc((size_t)n, sizeof *done);
	/* "from[k] must come before to[k]" exists only where 'over' says so;
	 * a list keeps a group of tens of thousands of rules small and fast */
	intvec from, to;
	/* run[k]: the first rule after k whose profile or decision differs
	 * from k's; rules that decide alike never need ordering, so a run of
	 * them is skipped at once */
	int *run = xmalloc((size_t)(n ? n : 1) * sizeof *run);
	memset(&from, 0, sizeof from);
	memset(&to, 0, sizeof to);
	for (i = n - 1; i >= 0; i--)
		run[i] = i + 1 < n && rules[v[i]].profile == rules[v[i + 1]].profile &&
		         !decision_differs(&rules[v[i]], &rules[v[i + 1]]) ? run[i + 1] : i + 1;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			struct rule *a = &rules[v[i]], *b = &rules[v[j]];
			int first = -1;
			if (a->profile == b->profile && !decision_differs(a, b)) {
				j = run[j] - 1;
				continue;
			}
			if (a->profile != b->profile || !can_meet(a, b))
				continue;
			if (retypes) {
				diag_error(b->id.loc, "retypes '%s' and '%s' can both apply to the same "
				           "decision with different types", a->id.s, b->id.s);
				diag_note(a->id.loc, "'%s' is here", a->id.s);
				continue;
			}
			if (says_over(a, b) && says_over(b, a)) {
				diag_error(b->id.loc, "rules '%s' and '%s' each say they win over the other",
				           a->id.s, b->id.s);
				continue;
			}
			if (says_over(a, b))
				first = i;
			else if (says_over(b, a))
				first = j;
			else if (class_of(a) >= 0 && class_of(b) >= 0 &&
			         cx->class_pos[class_of(a)] == cx->class_pos[class_of(b)] &&
			         class_of(a) != class_of(b)) {
				diag_error(b->id.loc, "rules '%s' and '%s' could both decide the same reply "
				           "at the same precedence; say which wins with 'over', or put "
				           "classes '%s' and '%s' in the order list", a->id.s, b->id.s,
				           cx->rs->classes.v[class_of(a)].name.s,
				           cx->rs->classes.v[class_of(b)].name.s);
				diag_note(a->id.loc, "'%s' is here", a->id.s);
				continue;
			}
			/* Only 'over' is a hard constraint.  The class order (and for
			 * equal classes, where the rules were written) is the priority
			 * among the rules 'over' leaves free, which the tie-break order
			 * of v already encodes. */
			if (first == i) {
				vec_push(&from, i);
				vec_push(&to, j);
			} else if (first == j) {
				vec_push(&from, j);
				vec_push(&to, i);
			}
		}
	/* Kahn's algorithm run from the back: v is in tie-break order, and
	 * the last node that no remaining node must follow is placed last.
	 * So 'over' pulls a winner up to just before the rule it beats,
	 * instead of pushing that rule below unrelated ones. */
	{
		int *outdeg = xcalloc((size_t)n, sizeof *outdeg), *back = xcalloc((size_t)n, sizeof *back);
		int nb = 0, k, top = n - 1;
		for (k = 0; k < from.n; k++)
			outdeg[from.v[k]]++;
		for (;;) {
			int pick = -1;
			while (top >= 0 && done[top])
				top--;
			for (i = top; i >= 0; i--)
				if (!done[i] && outdeg[i] == 0) {
					pick = i;
					break;
				}
			if (pick < 0)
				break;
			done[pick] = 1;
			back[nb++] = pick;
			for (k = 0; k < to.n; k++)
				if (to.v[k] == pick)
					outdeg[from.v[k]]--;
		}
		for (i = 0; i < n; i++)
			if (!done[i])
				diag_error(rules[v[i]].id.loc, "the 'over' statements around rule '%s' form a "
				           "cycle", rules[v[i]].id.s);
		for (i = 0; i < n; i++)
			if (!done[i])
				vec_push(out, v[i]);
		for (k = nb - 1; k >= 0; k--)
			vec_push(out, v[back[k]]);
		free(outdeg);
		free(back);
	}
	free(done);
	free(run);
	free(from.v);
	free(to.v);
}

static void rank(struct ctx *cx, struct rule *rules, int n, intvec *out, int retypes)
{
	int *idx = xmalloc((size_t)(n ? n : 1) * sizeof *idx), i, start;
	for (i = 0; i < n; i++) {
		compute_key(&rules[i]);
		idx[i] = i;
	}
	sort_ctx = cx;
	sort_rules = rules;
	qsort(idx, (size_t)n, sizeof *idx, cmp_by_key);
	for (start = 0; start < n;) {
		int end = start + 1;
		while (end < n && key_cmp(&rules[idx[start]], &rules[idx[end]]) == 0)
			end++;
		order_group(cx, rules, idx + start, end - start, out, retypes);
		start = end;
	}
	for (i = 0; i < out->n; i++)
		rules[out->v[i]].rank = i;
	free(idx);
}

static void check_over(struct ruleset *rs)
{
	int i, j;
	for (i = 0; i < rs->rules.n; i++) {
		struct rule *r = &rs->rules.v[i];
		for (j = 0; j < r->over.n; j++) {
			int t = find_rule(rs, r->over.v[j].s);
			if (t < 0) {
				diag_error(r->over.v[j].loc, "'over' names unknown rule '%s'", r->over.v[j].s);
				continue;
			}
			if (key_cmp(&rs->rules.v[t], r) < 0) {
				diag_error(r->over.v[j].loc, "rule '%s' cannot win over '%s', which is more "
				           "specific", r->id.s, r->over.v[j].s);
				diag_note(rs->rules.v[t].id.loc, "'%s' is here", r->over.v[j].s);
			}
		}
	}
}

static void check_shadowing(struct ruleset *rs)
{
	int i, j;
	for (i = 0; i < rs->ranked.n; i++) {
		struct rule *b = &rs->rules.v[rs->ranked.v[i]];
		for (j = 0; j < i; j++) {
			struct rule *a = &rs->rules.v[rs->ranked.v[j]];
			if (implies(b, a)) {
				diag_warning(W_SHADOW, b->id.loc, "rule '%s' can never decide: rule '%s' "
				             "always applies first", b->id.s, a->id.s);
				diag_note(a->id.loc, "'%s' is here", a->id.s);
				break;
			}
		}
	}
}

int check_ruleset(struct ruleset *rs)
{
	int before = diag_errors, i, j, catchall[RB_MAX_PROFILES + 1], *first_id, id_cap = 16;
	struct ctx cx;

	check_classes(rs);
	check_providers(rs);
	for (i = 0; i < rs->profiles.n; i++)
		if (!rs->profiles.v[i].description)
			diag_error(rs->profiles.v[i].name.loc, "profile '%s' needs a description",
			           rs->profiles.v[i].name.s);
	if (rs->profiles.n > (int)RB_MAX_PROFILES)
		diag_plain("more than %u profiles", RB_MAX_PROFILES);

	for (i = 0; i <= (int)RB_MAX_PROFILES; i++)
		catchall[i] = -1;
	/* the first rule of each id, hashed: a rule base may hold tens of
	 * thousands of rules, too many to compare every pair */
	while (id_cap < 2 * rs->rules.n)
		id_cap *= 2;
	first_id = xmalloc((size_t)id_cap * sizeof *first_id);
	for (i = 0; i < id_cap; i++)
		first_id[i] = -1;
	for (i = 0; i < rs->rules.n; i++) {
		struct rule *r = &rs->rules.v[i];
		unsigned h = 2166136261u;
		const char *c;
		check_rule(rs, r);
		for (c = r->id.s; *c; c++)
			h = (h ^ (unsigned char)*c) * 16777619u;
		for (h &= (unsigned)id_cap - 1; first_id[h] >= 0; h = (h + 1) & ((unsigned)id_cap - 1))
			if (strcmp(rs->rules.v[first_id[h]].id.s, r->id.s) == 0)
				break;
		if (first_id[h] >= 0) {
			diag_error(r->id.loc, "rule '%s' is declared twice", r->id.s);
			diag_note(rs->rules.v[first_id[h]].id.loc, "first declared here");
		} else
			first_id[h] = i;
		if (!r->reply.n && !r->status.n && !r->groups.n && !r->providers.n && !r->unless.n) {
			int p = r->profile + 1;
			if (p <= (int)RB_MAX_PROFILES && catchall[p] >= 0) {
				diag_error(r->id.loc, "a second catch-all rule '%s' in the same profile", r->id.s);
				diag_note(rs->rules.v[catchall[p]].id.loc, "the first is here");
			} else if (p <= (int)RB_MAX_PROFILES)
				catchall[p] = i;
		}
	}
	free(first_id);
	for (i = 0; i < rs->retypes.n; i++) {
		struct rule *r = &rs->retypes.v[i];
		check_rule(rs, r);
		for (j = 0; j < i; j++)
			if (strcmp(rs->retypes.v[j].id.s, r->id.s) == 0) {
				diag_error(r->id.loc, "retype '%s' is declared twice", r->id.s);
				diag_note(rs->retypes.v[j].id.loc, "first declared here");
				break;
			}
		if (find_rule(rs, r->id.s) >= 0)
			diag_error(r->id.loc, "retype '%s' has the id of a rule", r->id.s);
	}
	if ((unsigned)rs->rules.n > RB_MAX_RULES)
		diag_plain("%d rules, more than the limit of %u", rs->rules.n, RB_MAX_RULES);
	if (rs->rules.n == 0)
		diag_plain("the rule files hold no rule"); /* a wrong path, most likely */

	/* the class order */
	cx.rs = rs;
	cx.class_pos = xmalloc((size_t)(rs->classes.n + 1) * sizeof *cx.class_pos);
	for (i = 0; i < rs->classes.n; i++)
		cx.class_pos[i] = INT_MAX;
	for (i = 0; i < rs->order.n; i++) {
		int c = resolve_class(rs, &rs->order.v[i]);
		if (c < 0)
			continue;
		if (cx.class_pos[c] != INT_MAX) {
			diag_error(rs->order.v[i].loc, "class '%s' appears twice in the order",
			           rs->order.v[i].s);
			continue;
		}
		cx.class_pos[c] = i;
	}
	/* resolve_class marked order names as used; recount from rules */
	for (i = 0; i < rs->classes.n; i++)
		rs->classes.v[i].used = 0;
	for (i = 0; i < rs->rules.n; i++)
		for (j = 0; j < rs->rules.v[i].class_idx.n; j++)
			rs->classes.v[rs->rules.v[i].class_idx.v[j]].used = 1;

	/* ranking needs a sound rule base: skip it after any earlier error */
	if (diag_errors == 0) {
		for (i = 0; i < rs->rules.n; i++)
			compute_key(&rs->rules.v[i]);
		check_over(rs);
		rank(&cx, rs->rules.v, rs->rules.n, &rs->ranked, 0);
		rank(&cx, rs->retypes.v, rs->retypes.n, &rs->retypes_ranked, 1);
		if (diag_errors == 0)
			check_shadowing(rs);
		for (i = 0; i < rs->classes.n; i++)
			if (!rs->classes.v[i].used)
				diag_warning(W_UNUSED_CLASS, rs->classes.v[i].name.loc,
				             "no rule decides class '%s'", rs->classes.v[i].name.s);
	}
	free(cx.class_pos);
	return diag_errors - before;
}
