/*
 * parse-api.c - rebound_parse() on emails held in memory: the parser's
 * own cost, without opening files, walking directories or writing
 * records.
 *
 *   parse-api [-p PASSES] [-v] FILE...     (or "-": one path per line on
 *                                           standard input)
 *
 * Every file is read into memory once, before the clock starts; then
 * every email is parsed PASSES times over (default 1), pass after pass,
 * into one scratch area allocated up front.  The parser's own fields
 * of each record (kind, recipient, status, diagnostic, flags, ...) are
 * folded into a checksum, so that the calls cannot be optimised away
 * and two builds of the parser can be compared whatever the rules say:
 * the same emails give the same sum.  The last line on standard error
 * holds the figures bench/run.sh reads:
 *
 *   parse-api: E emails (F files x P passes), R records, sum S,
 *   loop W s wall C s cpu, X emails/s
 *
 * -v prints one line per record of the first pass (file, kind,
 * recipient, status) on standard output.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rebound.h"

struct email {
	char *path;
	char *text;
	size_t len;
};

struct emails {
	struct email *v;
	size_t n, cap;
};

struct tally {
	uint64_t sum;
	unsigned long long records;
	const char *path; /* for -v; NULL when quiet */
};

/* Read PATH whole into heap memory. */
static int load(struct emails *e, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	if (!f) {
		perror(path);
		return -1;
	}
	for (;;) {
		size_t got;
		if (len == cap) {
			char *nb = realloc(buf, cap = cap ? 2 * cap : 65536);
			if (!nb) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		perror(path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	if (e->n == e->cap) {
		struct email *nv = realloc(e->v, (e->cap = e->cap ? 2 * e->cap : 256) * sizeof *nv);
		if (!nv) {
			free(buf);
			return -1;
		}
		e->v = nv;
	}
	e->v[e->n].path = malloc(strlen(path) + 1);
	if (!e->v[e->n].path) {
		free(buf);
		return -1;
	}
	strcpy(e->v[e->n].path, path);
	e->v[e->n].text = buf;
	e->v[e->n].len = len;
	e->n++;
	return 0;
}

/* Fold N bytes into H eight at a time (a byte at a time cost about 5%
 * of the measured loop): multiply, then the high bits back down so that
 * every byte reaches every bit.  The length ends the field, so "ab"+"c"
 * differs from "a"+"bc".  Words are read in the machine's byte order:
 * sums compare builds on one kind of machine. */
static uint64_t fold(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	const uint64_t k = 0x9e3779b97f4a7c15ull;
	size_t left = n;
	uint64_t w;
	for (; left >= 8; left -= 8, s += 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	if (left) {
		w = 0;
		memcpy(&w, s, left);
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	h = (h ^ n ^ 0xff00000000000000ull) * k;
	return h ^ (h >> 32);
}

static uint64_t fold_span(uint64_t h, struct rebound_span s)
{
	return fold(h, s.ptr ? s.ptr : "", s.len);
}

static int on_record(void *ctx, const struct rebound_record *r)
{
	struct tally *t = ctx;
	uint64_t h = t->sum;
	unsigned v[3];
	v[0] = (unsigned)r->kind;
	v[1] = r->flags;
	v[2] = r->result.reply;
	h = fold(h, v, sizeof v);
	h = fold_span(h, r->recipient);
	h = fold_span(h, r->original_recipient);
	h = fold_span(h, r->action);
	h = fold_span(h, r->status);
	h = fold_span(h, r->diagnostic);
	h = fold_span(h, r->remote_mta);
	h = fold_span(h, r->reporting_mta);
	h = fold_span(h, r->date);
	h = fold_span(h, r->feedback_type);
	h = fold_span(h, r->subject);
	t->sum = h;
	t->records++;
	if (t->path)
		printf("%s\t%s\t%.*s\t%.*s\n", t->path, rebound_kind_name(r->kind),
		       (int)r->recipient.len, r->recipient.ptr ? r->recipient.ptr : "",
		       (int)r->status.len, r->status.ptr ? r->status.ptr : "");
	return 0;
}

static double seconds(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	struct emails e = {NULL, 0, 0};
	struct tally t = {14695981039346656037ull, 0, NULL};
	unsigned long passes = 1, p;
	int verbose = 0, a, failed = 0;
	size_t i, biggest = 0, scratch_size;
	char *scratch;
	double w0, c0, wall, cpu;

	for (a = 1; a < argc && argv[a][0] == '-' && argv[a][1]; a++) {
		if (strcmp(argv[a], "-v") == 0)
			verbose = 1;
		else if (strcmp(argv[a], "-p") == 0 && a + 1 < argc)
			passes = strtoul(argv[++a], NULL, 10);
		else {
			fputs("usage: parse-api [-p PASSES] [-v] FILE... (or - for a list on stdin)\n", stderr);
			return 2;
		}
	}
	for (; a < argc; a++) {
		if (strcmp(argv[a], "-") == 0) {
			char line[4096];
			while (fgets(line, sizeof line, stdin)) {
				line[strcspn(line, "\r\n")] = '\0';
				if (line[0] && load(&e, line) < 0)
					failed = 1;
			}
		} else if (load(&e, argv[a]) < 0)
			failed = 1;
	}
	if (!e.n || passes < 1) {
		fputs("parse-api: no emails\n", stderr);
		return 1;
	}
	for (i = 0; i < e.n; i++)
		if (e.v[i].len > biggest)
			biggest = e.v[i].len;
	scratch_size = REBOUND_PARSE_SCRATCH(biggest);
	scratch = malloc(scratch_size);
	if (!scratch) {
		perror("parse-api");
		return 1;
	}

	w0 = seconds(CLOCK_MONOTONIC);
	c0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
	for (p = 0; p < passes; p++)
		for (i = 0; i < e.n; i++) {
			t.path = verbose && p == 0 ? e.v[i].path : NULL;
			if (rebound_parse(e.v[i].text, e.v[i].len, NULL, scratch, scratch_size, on_record,
			                  &t) < 0)
				failed = 1;
		}
	cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
	wall = seconds(CLOCK_MONOTONIC) - w0;

	fprintf(stderr,
	        "parse-api: %llu emails (%zu files x %lu passes), %llu records, sum %016llx, "
	        "loop %.6f s wall %.6f s cpu, %.0f emails/s\n",
	        (unsigned long long)e.n * passes, e.n, passes, t.records, (unsigned long long)t.sum,
	        wall, cpu, wall > 0 ? (double)e.n * (double)passes / wall : 0.0);
	for (i = 0; i < e.n; i++) {
		free(e.v[i].path);
		free(e.v[i].text);
	}
	free(e.v);
	free(scratch);
	return failed || fflush(stdout) != 0;
}
