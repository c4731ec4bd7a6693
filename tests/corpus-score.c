/*
 * corpus-score.c - run rebound_parse over the Sisimai corpus and compare
 * with its golden answers.
 *
 * usage: corpus-score [-v] [-e ENGINE] [--min-found PCT] [--min-status PCT]
 *                     [--min-reason PCT] [--min-suppress PCT] [CORPUS_DIR]
 *
 * CORPUS_DIR defaults to $REBOUND_CORPUS, then $SHARED/corpus/sisimai,
 * then ../shared/corpus/sisimai (relative to the current directory and
 * to $srcdir).  Without the corpus the report exits 77 ("skipped").
 *
 * Four figures, per engine and overall:
 *   found     expected recipients that rebound reports (same address,
 *             ignoring case);
 *   status    of those found, how often the enhanced status agrees;
 *             Sisimai's private X.0.9NN codes are left out;
 *   reason    of those found, how often the Sisimai name of rebound's
 *             class is Sisimai's reason (5.1's toomanyconn and speeding
 *             count as ratelimited, mesgtoobig and exceedlimit as
 *             emailtoolarge);
 *   suppress  of those found, how often "remove this address" agrees:
 *             Sisimai's hard bounce against rebound's type hard with
 *             blame recipient.
 * Then the reason pairs that disagree most often.
 *
 * Sisimai writes undisclosed-recipient-in-headers@libsisimai.org.invalid
 * when a report names no recipient; such an entry matches any record
 * left over.
 *
 * Built with -DCORPUS_TAP (tests/t-corpus-messages) the same run is a
 * TAP test: the report goes out as comments, and each figure must stay
 * at or above its floor, set just under what the parser achieves, so
 * that a change which loses agreement fails "make check".
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rebound.h"

/* Floors of the TAP test, in per cent, just under the figures measured
 * when they were set (found 99.6, status 99.7, reason 87.4, suppress
 * 91.1); raise them as the figures rise.  The goals are 98, 97,
 * 93 and 95; doc/parsing.md says what keeps the last two short. */
#define FLOOR_FOUND 99.5
#define FLOOR_STATUS 99.5
#define FLOOR_REASON 87.0
#define FLOOR_SUPPRESS 90.8

#define MAX_EXPECT 64
#define MAX_GOT 64
#define MAX_ENGINES 128
#define MAX_CONFUSIONS 256

struct expect {
	char recipient[256];
	char status[16];
	char reason[32];
	int hard;
	int matched; /* index + 1 of the record it matched */
};

struct got {
	char recipient[256];
	char status[16];
	char reason[32];
	char diagnostic[160];
	const char *cls, *rule;
	enum rebound_kind kind;
	int suppress;
	int used;
};

struct tally {
	char name[64];
	unsigned files, expected, found, status_n, status_ok, reason_ok, suppress_ok, extra;
};

static struct tally engines[MAX_ENGINES];
static unsigned nengines;

struct confusion {
	char want[32], got[32];
	unsigned n;
};
static struct confusion confusions[MAX_CONFUSIONS];
static unsigned nconfusions;

/* ---- a small reader for the one-line JSON objects of golden.jsonl --- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* Read a JSON string at P into OUT (truncated to CAP); returns the
 * position after it, or NULL. */
static const char *read_string(const char *p, char *out, size_t cap)
{
	size_t n = 0;
	if (*p != '"')
		return NULL;
	p++;
	while (*p && *p != '"') {
		char c = *p++;
		if (c == '\\' && *p) {
			c = *p++;
			if (c == 'u') {
				/* only ASCII escapes matter here */
				unsigned v = 0, k;
				for (k = 0; k < 4 && isxdigit((unsigned char)*p); k++, p++)
					v = v * 16 + (unsigned)(isdigit((unsigned char)*p) ? *p - '0'
					                                                   : (tolower(*p) - 'a' + 10));
				c = v < 128 ? (char)v : '?';
			} else if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
		}
		if (out && n + 1 < cap)
			out[n++] = c;
	}
	if (out && cap)
		out[n] = '\0';
	return *p == '"' ? p + 1 : NULL;
}

/* Skip any JSON value. */
static const char *skip_value(const char *p)
{
	int depth = 0;
	p = skip_ws(p);
	if (*p == '"')
		return read_string(p, NULL, 0);
	if (*p != '{' && *p != '[') {
		while (*p && *p != ',' && *p != '}' && *p != ']' && !isspace((unsigned char)*p))
			p++;
		return p;
	}
	while (*p) {
		if (*p == '"') {
			p = read_string(p, NULL, 0);
			if (!p)
				return NULL;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']') {
			if (--depth == 0)
				return p + 1;
		}
		p++;
	}
	return NULL;
}

/* Walk the members of the object or the elements of the array at P
 * (CLOSE is '}' or ']').  FN reads one member's value (KEY is "" for
 * array elements) and returns the position after it, or NULL. */
typedef const char *(*member_fn)(void *ctx, const char *key, const char *p);

static const char *read_members(const char *p, char close, member_fn fn, void *ctx)
{
	char key[64] = "";
	p = skip_ws(p);
	if (*p++ != (close == '}' ? '{' : '['))
		return NULL;
	while (1) {
		p = skip_ws(p);
		if (*p == close)
			return p + 1;
		if (*p == ',') {
			p++;
			continue;
		}
		if (close == '}') {
			p = read_string(p, key, sizeof key);
			if (!p)
				return NULL;
			p = skip_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = fn(ctx, key, skip_ws(p));
		if (!p)
			return NULL;
	}
}

static const char *string_or_skip(const char *p, char *out, size_t cap)
{
	return *p == '"' ? read_string(p, out, cap) : skip_value(p);
}

static const char *expect_member(void *ctx, const char *key, const char *p)
{
	struct expect *e = ctx;
	if (strcmp(key, "recipient") == 0)
		return string_or_skip(p, e->recipient, sizeof e->recipient);
	if (strcmp(key, "status") == 0)
		return string_or_skip(p, e->status, sizeof e->status);
	if (strcmp(key, "reason") == 0)
		return string_or_skip(p, e->reason, sizeof e->reason);
	if (strcmp(key, "hard") == 0)
		e->hard = strncmp(p, "true", 4) == 0;
	return skip_value(p);
}

struct golden {
	char file[1024], engine[64];
	struct expect ex[MAX_EXPECT];
	unsigned nex;
};

static const char *expect_element(void *ctx, const char *key, const char *p)
{
	struct golden *g = ctx;
	struct expect spare;
	struct expect *e = g->nex < MAX_EXPECT ? &g->ex[g->nex] : &spare;
	(void)key;
	memset(e, 0, sizeof *e);
	p = read_members(p, '}', expect_member, e);
	if (p && e != &spare)
		g->nex++;
	return p;
}

static const char *golden_member(void *ctx, const char *key, const char *p)
{
	struct golden *g = ctx;
	if (strcmp(key, "file") == 0)
		return string_or_skip(p, g->file, sizeof g->file);
	if (strcmp(key, "engine") == 0)
		return string_or_skip(p, g->engine, sizeof g->engine);
	if (strcmp(key, "expect") == 0 && *p == '[')
		return read_members(p, ']', expect_element, g);
	return skip_value(p);
}

static int parse_golden(const char *line, struct golden *g)
{
	memset(g, 0, sizeof *g);
	strcpy(g->engine, "(none)");
	return read_members(line, '}', golden_member, g) && g->file[0];
}

/* ---- running the parser ------------------------------------------- */

static int same_ci(const char *a, const char *b)
{
	while (*a && tolower((unsigned char)*a) == tolower((unsigned char)*b)) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

/* Sisimai 5.1 names that later versions merged into one. */
static const char *normalise_reason(const char *r)
{
	if (strcmp(r, "toomanyconn") == 0 || strcmp(r, "speeding") == 0)
		return "ratelimited";
	if (strcmp(r, "mesgtoobig") == 0 || strcmp(r, "exceedlimit") == 0)
		return "emailtoolarge";
	return r;
}

struct collect {
	struct got *v;
	unsigned n;
};

static void copy_span(char *out, size_t cap, struct rebound_span s, int lower)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1, i;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		out[i] = (char)(lower ? tolower(c) : (c < 32 ? ' ' : c));
	}
	out[n] = '\0';
}

static int on_record(void *ctx, const struct rebound_record *rec)
{
	struct collect *c = ctx;
	const struct rebound_class *cls = rec->result.cls;
	struct got *g;
	if (rec->kind == REBOUND_KIND_NOT_BOUNCE || c->n >= MAX_GOT)
		return 0;
	g = &c->v[c->n++];
	memset(g, 0, sizeof *g);
	copy_span(g->recipient, sizeof g->recipient, rec->recipient, 1);
	if (rec->result.status[0])
		snprintf(g->status, sizeof g->status, "%s", rec->result.status);
	else
		copy_span(g->status, sizeof g->status, rec->status, 1);
	snprintf(g->reason, sizeof g->reason, "%s", *cls->sisimai ? cls->sisimai : "(none)");
	copy_span(g->diagnostic, sizeof g->diagnostic, rec->diagnostic, 0);
	g->cls = cls->name;
	g->rule = rec->result.rule->id;
	g->kind = rec->kind;
	g->suppress = rec->result.type == REBOUND_TYPE_HARD && cls->blame == REBOUND_BLAME_RECIPIENT;
	return 0;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;
	if (!f)
		return NULL;
	do {
		if (n == cap) {
			char *nb;
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	*len = n;
	return buf;
}

static struct tally *engine_of(const char *name)
{
	unsigned i;
	for (i = 0; i < nengines; i++)
		if (strcmp(engines[i].name, name) == 0)
			return &engines[i];
	if (nengines == MAX_ENGINES)
		return &engines[MAX_ENGINES - 1];
	snprintf(engines[nengines].name, sizeof engines[nengines].name, "%s", name);
	return &engines[nengines++];
}

static void confused(const char *want, const char *got)
{
	unsigned i;
	for (i = 0; i < nconfusions; i++)
		if (strcmp(confusions[i].want, want) == 0 && strcmp(confusions[i].got, got) == 0) {
			confusions[i].n++;
			return;
		}
	if (nconfusions == MAX_CONFUSIONS)
		return;
	snprintf(confusions[nconfusions].want, sizeof confusions[0].want, "%s", want);
	snprintf(confusions[nconfusions].got, sizeof confusions[0].got, "%s", got);
	confusions[nconfusions++].n = 1;
}

static int pseudo_status(const char *s)
{
	/* Sisimai's own codes: X.0.9NN */
	return strlen(s) == 7 && s[1] == '.' && s[2] == '0' && s[3] == '.' && s[4] == '9';
}

static int is_placeholder(const char *r)
{
	size_t n = strlen(r);
	const char *tail = "@libsisimai.org.invalid";
	return n >= strlen(tail) && strcmp(r + n - strlen(tail), tail) == 0;
}

/* A "/" B into OUT; 0 if it does not fit. */
static int join_path(char *out, size_t cap, const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na + nb + 2 > cap)
		return 0;
	memcpy(out, a, na);
	out[na] = '/';
	memcpy(out + na + 1, b, nb + 1);
	return 1;
}

static int dir_exists(const char *path)
{
	char buf[4096];
	FILE *f;
	if (!path || !join_path(buf, sizeof buf, path, "golden.jsonl"))
		return 0;
	f = fopen(buf, "rb");
	if (!f)
		return 0;
	fclose(f);
	return 1;
}

/* Where the corpus is, or NULL. */
static const char *find_corpus(const char *given)
{
	static char alt[4096];
	const char *env = getenv("REBOUND_CORPUS"), *shared = getenv("SHARED"),
	           *srcdir = getenv("srcdir");
	if (given)
		return dir_exists(given) ? given : NULL;
	if (dir_exists(env))
		return env;
	if (shared && join_path(alt, sizeof alt, shared, "corpus/sisimai") && dir_exists(alt))
		return alt;
	if (dir_exists("../shared/corpus/sisimai"))
		return "../shared/corpus/sisimai";
	if (srcdir && join_path(alt, sizeof alt, srcdir, "../shared/corpus/sisimai") &&
	    dir_exists(alt))
		return alt;
	return NULL;
}

static double pct(unsigned a, unsigned b) { return b ? 100.0 * a / b : 100.0; }

/* Sum of the four shares: the worst engines first. */
static double score(const struct tally *t)
{
	return pct(t->found, t->expected) + pct(t->status_ok, t->status_n) +
	       pct(t->reason_ok, t->found) + pct(t->suppress_ok, t->found);
}

static int by_score(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;
	double sx = score(x), sy = score(y);
	if (sx != sy)
		return sx < sy ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int by_count(const void *a, const void *b)
{
	const struct confusion *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	if (strcmp(x->want, y->want))
		return strcmp(x->want, y->want);
	return strcmp(x->got, y->got);
}

/* The report: a line per engine that is not perfect (every engine with
 * -v), the totals, then the confusions.  PREFIX starts each line ("# "
 * in TAP output). */
static void print_report(const struct tally *total, int verbose, const char *prefix)
{
	unsigned k;
	printf("%s%-16s %5s %9s %9s %9s %9s %5s\n", prefix, "engine", "files", "found", "status",
	       "reason", "suppress", "extra");
	for (k = 0; k < nengines; k++) {
		const struct tally *t = &engines[k];
		if (!verbose && t->found == t->expected && t->status_ok == t->status_n &&
		    t->reason_ok == t->found && t->suppress_ok == t->found && !t->extra)
			continue;
		printf("%s%-16s %5u %4u/%-4u %4u/%-4u %4u/%-4u %4u/%-4u %5u\n", prefix, t->name,
		       t->files, t->found, t->expected, t->status_ok, t->status_n, t->reason_ok,
		       t->found, t->suppress_ok, t->found, t->extra);
	}
	printf("%s%-16s %5u %4u/%-4u %4u/%-4u %4u/%-4u %4u/%-4u %5u\n", prefix, "TOTAL",
	       total->files, total->found, total->expected, total->status_ok, total->status_n,
	       total->reason_ok, total->found, total->suppress_ok, total->found, total->extra);
	printf("%srecipients found %.1f%%, status %.1f%%, reason %.1f%%, suppress %.1f%%; "
	       "extra records %u\n",
	       prefix, pct(total->found, total->expected), pct(total->status_ok, total->status_n),
	       pct(total->reason_ok, total->found), pct(total->suppress_ok, total->found),
	       total->extra);
	qsort(confusions, nconfusions, sizeof confusions[0], by_count);
	if (nconfusions)
		printf("%sreason confusions (Sisimai -> rebound):\n", prefix);
	for (k = 0; k < nconfusions && (verbose || k < 15); k++)
		printf("%s  %3u  %s -> %s\n", prefix, confusions[k].n, confusions[k].want,
		       confusions[k].got);
}

/* Compare one email's records with its expectations. */
static void score_email(const struct golden *g, struct expect *ex, struct got *got, unsigned ngot,
                        struct tally *en, int verbose)
{
	unsigned e, k;
	en->files++;
	/* by address first */
	for (e = 0; e < g->nex; e++)
		for (k = 0; k < ngot; k++)
			if (!got[k].used && same_ci(ex[e].recipient, got[k].recipient)) {
				got[k].used = 1;
				ex[e].matched = (int)k + 1;
				break;
			}
	/* placeholders take what is left, in order */
	for (e = 0; e < g->nex; e++)
		if (!ex[e].matched && is_placeholder(ex[e].recipient))
			for (k = 0; k < ngot; k++)
				if (!got[k].used) {
					got[k].used = 1;
					ex[e].matched = (int)k + 1;
					break;
				}
	for (e = 0; e < g->nex; e++) {
		const struct got *mine = ex[e].matched ? &got[ex[e].matched - 1] : NULL;
		const char *want = normalise_reason(ex[e].reason);
		en->expected++;
		if (!mine) {
			if (verbose)
				printf("  missing %s: %s\n", g->file, ex[e].recipient);
			continue;
		}
		en->found++;
		if (strcmp(want, mine->reason) == 0)
			en->reason_ok++;
		else {
			confused(want, mine->reason);
			if (verbose)
				printf("  reason %s: %s want %s got %s (%s, %s): %s\n", g->file,
				       ex[e].recipient, want, mine->reason, mine->cls, mine->rule,
				       mine->diagnostic);
		}
		if (ex[e].hard == mine->suppress)
			en->suppress_ok++;
		else if (verbose)
			printf("  suppress %s: %s want %s got %s (%s, %s)\n", g->file, ex[e].recipient,
			       ex[e].hard ? "hard" : "not hard", mine->suppress ? "suppress" : "keep",
			       mine->cls, mine->rule);
		if (ex[e].status[0] && !pseudo_status(ex[e].status)) {
			en->status_n++;
			if (strcmp(ex[e].status, mine->status) == 0)
				en->status_ok++;
			else if (verbose)
				printf("  status %s: %s want %s got %s\n", g->file, ex[e].recipient,
				       ex[e].status, mine->status[0] ? mine->status : "-");
		}
	}
	for (k = 0; k < ngot; k++)
		if (!got[k].used) {
			en->extra++;
			if (verbose)
				printf("  extra %s: %s (%s)\n", g->file, got[k].recipient,
				       rebound_kind_name(got[k].kind));
		}
}

#ifdef CORPUS_TAP
static int tap_n, tap_failed;
static void tap_floor(const char *what, unsigned a, unsigned b, double floor)
{
	int good = pct(a, b) >= floor;
	printf("%s %d - %s %u/%u = %.1f%% (floor %.1f%%)\n", good ? "ok" : "not ok", ++tap_n, what,
	       a, b, pct(a, b), floor);
	tap_failed += !good;
}
#endif

int main(int argc, char **argv)
{
	const char *dir = NULL, *only = NULL;
	char path[4096];
	static char line[1 << 16];
	int verbose = 0, i;
	double min_found = 0, min_status = 0, min_reason = 0, min_suppress = 0;
	FILE *golden;
	char *scratch = NULL;
	size_t scratch_cap = 0;
	struct tally total;
	unsigned k;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
		else if (strcmp(argv[i], "-e") == 0 && i + 1 < argc)
			only = argv[++i];
		else if (strcmp(argv[i], "--min-found") == 0 && i + 1 < argc)
			min_found = atof(argv[++i]);
		else if (strcmp(argv[i], "--min-status") == 0 && i + 1 < argc)
			min_status = atof(argv[++i]);
		else if (strcmp(argv[i], "--min-reason") == 0 && i + 1 < argc)
			min_reason = atof(argv[++i]);
		else if (strcmp(argv[i], "--min-suppress") == 0 && i + 1 < argc)
			min_suppress = atof(argv[++i]);
		else
			dir = argv[i];
	}
	dir = find_corpus(dir);
	if (!dir || !join_path(path, sizeof path, dir, "golden.jsonl") ||
	    !(golden = fopen(path, "rb"))) {
		printf("1..0 # SKIP Sisimai corpus not found (set SHARED or REBOUND_CORPUS)\n");
#ifdef CORPUS_TAP
		return 0;
#else
		return 77;
#endif
	}

	memset(&total, 0, sizeof total);
	while (fgets(line, sizeof line, golden)) {
		static struct golden g;
		struct got got[MAX_GOT];
		struct collect c;
		char *buf;
		size_t len, pos = 0;
		struct rebound_span one;

		if (!parse_golden(line, &g))
			continue;
		if (only && strcmp(only, g.engine) != 0)
			continue;
		if (!join_path(path, sizeof path, dir, g.file))
			continue;
		buf = read_file(path, &len);
		if (!buf) {
			fprintf(stderr, "cannot read %s\n", path);
			continue;
		}
		c.v = got;
		c.n = 0;
		while (rebound_mbox_next(buf, len, &pos, &one)) {
			size_t need = REBOUND_PARSE_SCRATCH(one.len);
			int rc;
			if (need > scratch_cap) {
				free(scratch);
				scratch = malloc(need);
				scratch_cap = scratch ? need : 0;
				if (!scratch)
					return 99;
			}
			rc = rebound_parse(one.ptr, one.len, NULL, scratch, scratch_cap, on_record, &c);
			if (rc < 0)
				fprintf(stderr, "%s: %s\n", g.file, rebound_strerror(rc));
		}
		free(buf);
		score_email(&g, g.ex, got, c.n, engine_of(g.engine), verbose);
	}
	fclose(golden);
	free(scratch);

	qsort(engines, nengines, sizeof engines[0], by_score);
	for (k = 0; k < nengines; k++) {
		const struct tally *t = &engines[k];
		total.files += t->files;
		total.expected += t->expected;
		total.found += t->found;
		total.status_n += t->status_n;
		total.status_ok += t->status_ok;
		total.reason_ok += t->reason_ok;
		total.suppress_ok += t->suppress_ok;
		total.extra += t->extra;
	}
#ifdef CORPUS_TAP
	(void)min_found;
	(void)min_status;
	(void)min_reason;
	(void)min_suppress;
	print_report(&total, verbose, "# ");
	tap_floor("recipients found", total.found, total.expected, FLOOR_FOUND);
	tap_floor("status agreement", total.status_ok, total.status_n, FLOOR_STATUS);
	tap_floor("reason agreement", total.reason_ok, total.found, FLOOR_REASON);
	tap_floor("suppress agreement", total.suppress_ok, total.found, FLOOR_SUPPRESS);
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
#else
	print_report(&total, verbose, "");
	return pct(total.found, total.expected) < min_found ||
	       pct(total.status_ok, total.status_n) < min_status ||
	       pct(total.reason_ok, total.found) < min_reason ||
	       pct(total.suppress_ok, total.found) < min_suppress;
#endif
}
