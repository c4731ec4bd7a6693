/*
 * corpus-score.c - run rebound_parse over the Sisimai corpus and compare
 * with its golden answers.
 *
 * usage: corpus-score [-v] [-e ENGINE] [--min-found PCT] [--min-status PCT] [CORPUS_DIR]
 *
 * CORPUS_DIR defaults to $REBOUND_CORPUS, then ../shared/corpus/sisimai
 * (relative to the current directory and to $srcdir).  Without the
 * corpus the program exits 77, which automake reads as "skipped".
 *
 * Measures, per engine and overall: the share of expected recipients
 * found (same address, ignoring case) and, for those found, how often
 * the status agrees.  Sisimai's private "X.0.9NN" codes are left out of
 * the status count.  Sisimai writes the placeholder
 * undisclosed-recipient-in-headers@libsisimai.org.invalid when a report
 * names no recipient; such an entry matches any record left over.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rebound.h"

#define MAX_EXPECT 64
#define MAX_GOT 64
#define MAX_ENGINES 128

struct expect {
	char recipient[256];
	char status[16];
	char reason[32];
	int matched;
};

struct got {
	char recipient[256];
	char status[16];
	enum rebound_kind kind;
	int used;
};

struct engine {
	char name[64];
	unsigned files, expected, found, status_n, status_ok, kind_ok, extra;
};

static struct engine engines[MAX_ENGINES];
static unsigned nengines;

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

static int same_ci(const char *a, const char *b)
{
	while (*a && tolower((unsigned char)*a) == tolower((unsigned char)*b)) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

/* Parse one golden line. */
static int parse_golden(const char *line, char *file, size_t fcap, char *engine, size_t ecap,
                        struct expect *ex, unsigned *nex)
{
	const char *p = skip_ws(line);
	char key[64];
	*nex = 0;
	strcpy(engine, "(none)");
	file[0] = '\0';
	if (*p++ != '{')
		return 0;
	while (1) {
		p = skip_ws(p);
		if (*p == '}')
			break;
		if (*p == ',') {
			p++;
			continue;
		}
		p = read_string(p, key, sizeof key);
		if (!p)
			return 0;
		p = skip_ws(p);
		if (*p++ != ':')
			return 0;
		p = skip_ws(p);
		if (strcmp(key, "file") == 0)
			p = read_string(p, file, fcap);
		else if (strcmp(key, "engine") == 0 && *p == '"')
			p = read_string(p, engine, ecap);
		else if (strcmp(key, "expect") == 0 && *p == '[') {
			p++;
			while (1) {
				p = skip_ws(p);
				if (*p == ']') {
					p++;
					break;
				}
				if (*p == ',') {
					p++;
					continue;
				}
				if (*p != '{')
					return 0;
				p++;
				if (*nex < MAX_EXPECT)
					memset(&ex[*nex], 0, sizeof ex[*nex]);
				while (1) {
					char k2[64];
					p = skip_ws(p);
					if (*p == '}') {
						p++;
						break;
					}
					if (*p == ',') {
						p++;
						continue;
					}
					p = read_string(p, k2, sizeof k2);
					if (!p)
						return 0;
					p = skip_ws(p);
					if (*p++ != ':')
						return 0;
					p = skip_ws(p);
					if (*nex < MAX_EXPECT && strcmp(k2, "recipient") == 0 && *p == '"')
						p = read_string(p, ex[*nex].recipient, sizeof ex[*nex].recipient);
					else if (*nex < MAX_EXPECT && strcmp(k2, "status") == 0 && *p == '"')
						p = read_string(p, ex[*nex].status, sizeof ex[*nex].status);
					else if (*nex < MAX_EXPECT && strcmp(k2, "reason") == 0 && *p == '"')
						p = read_string(p, ex[*nex].reason, sizeof ex[*nex].reason);
					else
						p = skip_value(p);
					if (!p)
						return 0;
				}
				if (*nex < MAX_EXPECT)
					(*nex)++;
			}
		} else
			p = skip_value(p);
		if (!p)
			return 0;
	}
	return file[0] != '\0';
}

/* ---- running the parser ------------------------------------------- */

struct collect {
	struct got *v;
	unsigned n;
};

static void copy_span(char *out, size_t cap, struct rebound_span s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1, i;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)s.ptr[i]);
	out[n] = '\0';
}

static int on_record(void *ctx, const struct rebound_record *rec)
{
	struct collect *c = ctx;
	struct got *g;
	if (rec->kind == REBOUND_KIND_NOT_BOUNCE || c->n >= MAX_GOT)
		return 0;
	g = &c->v[c->n++];
	memset(g, 0, sizeof *g);
	copy_span(g->recipient, sizeof g->recipient, rec->recipient);
	if (rec->result.status[0])
		snprintf(g->status, sizeof g->status, "%s", rec->result.status);
	else
		copy_span(g->status, sizeof g->status, rec->status);
	g->kind = rec->kind;
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

static struct engine *engine_of(const char *name)
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

static int pseudo_status(const char *s)
{
	/* Sisimai's own codes: X.0.9NN */
	return strlen(s) == 7 && s[1] == '.' && s[2] == '0' && s[3] == '.' && s[4] == '9';
}

/* The kind a Sisimai reason calls for. */
static int kind_agrees(const char *reason, enum rebound_kind k)
{
	if (strcmp(reason, "feedback") == 0)
		return k == REBOUND_KIND_FEEDBACK;
	if (strcmp(reason, "vacation") == 0)
		return k == REBOUND_KIND_AUTOREPLY;
	if (strcmp(reason, "delivered") == 0)
		return k == REBOUND_KIND_DELIVERED;
	return k == REBOUND_KIND_DSN || k == REBOUND_KIND_NDR;
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
	if (!join_path(buf, sizeof buf, path, "golden.jsonl"))
		return 0;
	f = fopen(buf, "rb");
	if (!f)
		return 0;
	fclose(f);
	return 1;
}

static int by_found(const void *a, const void *b)
{
	const struct engine *x = a, *y = b;
	double fx = x->expected ? (double)x->found / x->expected : 1,
	       fy = y->expected ? (double)y->found / y->expected : 1;
	double sx = x->status_n ? (double)x->status_ok / x->status_n : 1,
	       sy = y->status_n ? (double)y->status_ok / y->status_n : 1;
	if (fx + sx < fy + sy)
		return -1;
	if (fx + sx > fy + sy)
		return 1;
	return strcmp(x->name, y->name);
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *only = NULL;
	char path[4096], line[1 << 16];
	int verbose = 0, i;
	double min_found = 0, min_status = 0;
	FILE *golden;
	char *scratch = NULL;
	size_t scratch_cap = 0;
	struct engine total;
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
		else
			dir = argv[i];
	}
	if (!dir)
		dir = getenv("REBOUND_CORPUS");
	if (!dir || !dir_exists(dir)) {
		const char *srcdir = getenv("srcdir");
		static char alt[4096];
		dir = "../shared/corpus/sisimai";
		if (!dir_exists(dir) && srcdir) {
			if (join_path(alt, sizeof alt, srcdir, "../shared/corpus/sisimai"))
				dir = alt;
		}
	}
	if (!dir_exists(dir)) {
		printf("1..0 # SKIP corpus not found\n");
		return 77;
	}
	if (!join_path(path, sizeof path, dir, "golden.jsonl"))
		return 77;
	golden = fopen(path, "rb");
	if (!golden)
		return 77;

	memset(&total, 0, sizeof total);
	while (fgets(line, sizeof line, golden)) {
		char file[1024], engine_name[64];
		struct expect ex[MAX_EXPECT];
		struct got got[MAX_GOT];
		struct collect c;
		unsigned nex, e, g;
		char *buf;
		size_t len, pos = 0;
		struct rebound_span one;
		struct engine *en;

		if (!parse_golden(line, file, sizeof file, engine_name, sizeof engine_name, ex, &nex))
			continue;
		if (only && strcmp(only, engine_name) != 0)
			continue;
		if (!join_path(path, sizeof path, dir, file))
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
					return 1;
			}
			rc = rebound_parse(one.ptr, one.len, NULL, scratch, scratch_cap, on_record, &c);
			if (rc < 0)
				fprintf(stderr, "%s: error %d\n", file, rc);
		}
		free(buf);

		en = engine_of(engine_name);
		en->files++;
		/* by address first */
		for (e = 0; e < nex; e++)
			for (g = 0; g < c.n; g++)
				if (!got[g].used && same_ci(ex[e].recipient, got[g].recipient)) {
					got[g].used = 1;
					ex[e].matched = (int)g + 1;
					break;
				}
		/* placeholders take what is left, in order */
		for (e = 0; e < nex; e++)
			if (!ex[e].matched && is_placeholder(ex[e].recipient))
				for (g = 0; g < c.n; g++)
					if (!got[g].used) {
						got[g].used = 1;
						ex[e].matched = (int)g + 1;
						break;
					}
		for (e = 0; e < nex; e++) {
			const char *mine = ex[e].matched ? got[ex[e].matched - 1].status : "";
			en->expected++;
			if (ex[e].matched) {
				en->found++;
				if (kind_agrees(ex[e].reason, got[ex[e].matched - 1].kind))
					en->kind_ok++;
				else if (verbose)
					printf("  kind %s: %s want %s got %s\n", file, ex[e].recipient,
					       ex[e].reason, rebound_kind_name(got[ex[e].matched - 1].kind));
			}
			if (ex[e].matched && ex[e].status[0] && !pseudo_status(ex[e].status)) {
				en->status_n++;
				if (strcmp(ex[e].status, mine) == 0)
					en->status_ok++;
				else if (verbose)
					printf("  status %s: %s want %s got %s\n", file, ex[e].recipient,
					       ex[e].status, mine[0] ? mine : "-");
			}
			if (!ex[e].matched && verbose)
				printf("  missing %s: %s\n", file, ex[e].recipient);
		}
		for (g = 0; g < c.n; g++)
			if (!got[g].used) {
				en->extra++;
				if (verbose)
					printf("  extra %s: %s (%s)\n", file, got[g].recipient,
					       rebound_kind_name(got[g].kind));
			}
	}
	fclose(golden);
	free(scratch);

	qsort(engines, nengines, sizeof engines[0], by_found);
	printf("%-16s %5s %9s %9s %9s %5s\n", "engine", "files", "found", "status", "kind", "extra");
	for (k = 0; k < nengines; k++) {
		struct engine *en = &engines[k];
		total.files += en->files;
		total.expected += en->expected;
		total.found += en->found;
		total.status_n += en->status_n;
		total.status_ok += en->status_ok;
		total.kind_ok += en->kind_ok;
		total.extra += en->extra;
		if (!verbose && en->found == en->expected && en->status_ok == en->status_n &&
		    en->kind_ok == en->found && !en->extra)
			continue;
		printf("%-16s %5u %4u/%-4u %4u/%-4u %4u/%-4u %5u\n", en->name, en->files, en->found,
		       en->expected, en->status_ok, en->status_n, en->kind_ok, en->found, en->extra);
	}
	{
		double fp = total.expected ? 100.0 * total.found / total.expected : 100;
		double sp = total.status_n ? 100.0 * total.status_ok / total.status_n : 100;
		printf("%-16s %5u %4u/%-4u %4u/%-4u %4u/%-4u %5u\n", "TOTAL", total.files, total.found,
		       total.expected, total.status_ok, total.status_n, total.kind_ok, total.found,
		       total.extra);
		printf("recipients found: %.1f%%  status agreement: %.1f%%  kind agreement: %.1f%%  "
		       "extra records: %u\n",
		       fp, sp, total.found ? 100.0 * total.kind_ok / total.found : 100, total.extra);
		if (fp < min_found || sp < min_status)
			return 1;
	}
	return 0;
}
