/*
 * fuzz_compile.c - libFuzzer harness for the rule compiler (reboundc).
 *
 * The input is rule text, run in-process through the same steps as
 * compiler/main.c: parse_rules, check_ruleset, build_tables,
 * check_examples, and, when those pass, the --dump and
 * --export-patterns views and the C text of emit_all (kept in memory).
 *
 * A line "#%file" (a comment to the compiler) splits the input into
 * several rule files, read in that order, as "reboundc a.rules b.rules"
 * would; the tests pair tests/base.rules with each file this way.
 *
 * What the harness works around, since the compiler is written to run
 * once and exit (the proper fix would keep the compiler's counters and
 * allocations in a context passed down, not in globals):
 *   - diag_errors and diag_warnings are global counters; reset here.
 *   - nothing is ever freed; compile_alloc.h tracks every allocation
 *     and fz_release() frees what is left after each input.
 *   - diagnostics go to stderr; run with -close_fd_mask=2 to drop them
 *     (sanitizer reports still get through).
 *   - out of memory exits; the fuzzer's -rss_limit_mb/-malloc_limit_mb
 *     catch that first.
 * The warning switches in diag.c stay at their defaults; -Werror cannot
 * be switched off again, so the harness never sets it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "build.h"
#include "check.h"
#include "diag.h"
#include "dump.h"
#include "emit.h"
#include "examples.h"
#include "parse.h"

#define MAX_FILES 8
#define SPLIT "\n#%file\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* ---- the allocation tracker (see compile_alloc.h) ----------------- */

/* Open addressing on the pointer; (malloc)(n) calls the real malloc,
 * bypassing the function-like macro. */
static void **live;
static size_t live_cap, live_n;
#define TOMB ((void *)1)

static size_t slot_of(const void *p)
{
	uintptr_t h = (uintptr_t)p;
	h ^= h >> 17;
	h *= 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 7) & (live_cap - 1);
}

static void track_grow(void)
{
	void **old = live;
	size_t old_cap = live_cap, i;
	live_cap = live_cap ? live_cap * 2 : 4096;
	live = (calloc)(live_cap, sizeof *live);
	if (!live)
		abort();
	live_n = 0;
	for (i = 0; i < old_cap; i++)
		if (old[i] && old[i] != TOMB) {
			size_t s = slot_of(old[i]);
			while (live[s])
				s = (s + 1) & (live_cap - 1);
			live[s] = old[i];
			live_n++;
		}
	(free)(old);
}

static void track(void *p)
{
	size_t s;
	if (!p)
		return;
	if ((live_n + 1) * 2 > live_cap)
		track_grow();
	s = slot_of(p);
	while (live[s] && live[s] != TOMB)
		s = (s + 1) & (live_cap - 1);
	live[s] = p;
	live_n++;
}

static void untrack(void *p)
{
	size_t s;
	if (!p || !live_cap)
		return;
	for (s = slot_of(p); live[s]; s = (s + 1) & (live_cap - 1))
		if (live[s] == p) {
			live[s] = TOMB;
			return;
		}
	/* freeing something the tracker never saw is a bug in the compiler
	 * or here; let ASan have its say */
}

void *fz_malloc(size_t n)
{
	void *p = (malloc)(n);
	track(p);
	return p;
}

void *fz_calloc(size_t n, size_t size)
{
	void *p = (calloc)(n, size);
	track(p);
	return p;
}

void *fz_realloc(void *p, size_t n)
{
	void *q = (realloc)(p, n);
	if (q || n == 0)
		untrack(p);
	track(q);
	return q;
}

void fz_free(void *p)
{
	untrack(p);
	(free)(p);
}

/* Free everything the compiler left behind; tombstones go too. */
static void fz_release(void)
{
	size_t i;
	for (i = 0; i < live_cap; i++) {
		if (live[i] && live[i] != TOMB)
			(free)(live[i]);
		live[i] = NULL;
	}
	live_n = 0;
}

/* ---- the harness -------------------------------------------------- */

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sink = fopen("/dev/null", "w");
	return 0;
}

static const uint8_t *find_split(const uint8_t *p, size_t n)
{
	size_t m = sizeof SPLIT - 1, i;
	for (i = 0; i + m <= n; i++)
		if (p[i] == '\n' && memcmp(p + i, SPLIT, m) == 0)
			return p + i;
	return NULL;
}

static void run(const uint8_t *data, size_t size)
{
	struct ruleset rs;
	struct built b;
	int nfiles = 0;

	memset(&rs, 0, sizeof rs);
	memset(&b, 0, sizeof b);
	diag_errors = 0;
	diag_warnings = 0;

	for (;;) {
		const uint8_t *cut = nfiles + 1 < MAX_FILES ? find_split(data, size) : NULL;
		size_t len = cut ? (size_t)(cut - data) + 1 : size; /* keep the LF */
		char name[32], *buf;
		/* exactly len bytes and the NUL main.c's reader adds, so ASan sees
		 * any read past the sentinel */
		buf = xmalloc(len + 1);
		if (len)
			memcpy(buf, data, len);
		buf[len] = '\0';
		snprintf(name, sizeof name, "fuzz%d.rules", nfiles);
		vec_push(&rs.files, xstrdup(name));
		parse_rules(&rs, rs.files.v[nfiles], nfiles, buf, len);
		nfiles++;
		if (!cut)
			break;
		size -= (size_t)(cut - data) + sizeof SPLIT - 1;
		data = cut + sizeof SPLIT - 1;
	}

	check_ruleset(&rs);
	if (diag_errors == 0)
		build_tables(&rs, &b, (int)RB_MAX_STATES);
	if (diag_errors == 0)
		check_examples(&rs, &b);
	if (diag_errors == 0 && sink) {
		dump_rules(sink, &rs, &b);
		export_regexes(sink, &b);
		emit_all(&rs, &b, NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size);
	fz_release();
	return 0;
}
