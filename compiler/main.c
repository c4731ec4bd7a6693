/*
 * main.c - reboundc, the rule compiler.
 *
 *   reboundc [-o DIR] [--check] [--dump] [--max-states N] [-W...] [PATH...]
 *
 * Reads rule files (a folder stands for its *.rules files, in byte
 * order of their names), checks them, classifies every example, and
 * writes the tables as C into DIR.  Exit status: 0 clean, 1 errors in
 * the rules, 2 usage or I/O errors.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "build.h"
#include "check.h"
#include "diag.h"
#include "dump.h"
#include "emit.h"
#include "examples.h"
#include "parse.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION REBOUND_VERSION_STRING
#endif

/* reboundc runs once and lets exit() free its memory; in a build with
 * AddressSanitizer (configure --enable-sanitizers) that is no leak, so
 * LeakSanitizer is told to stay quiet for this program alone. */
#if defined(__SANITIZE_ADDRESS__)
#define REBOUNDC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REBOUNDC_ASAN 1
#endif
#endif
#ifdef REBOUNDC_ASAN
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void) { return 1; }
#endif


/* The most --max-states allows: state numbers times symbol classes (at
 * most 257) must stay within an int in the compiler's tables. */
#define MAX_STATES_CEILING 8000000u

static void usage(FILE *f)
{
	fprintf(f, "usage: reboundc [OPTION]... [PATH]...\n"
	      "Compile rebound rule files (default: the folder rules.d) into C tables.\n\n"
	      "  -o, --output DIR   write the generated C into DIR (default: generated)\n"
	      "      --check        check rules and examples only; write nothing\n"
	      "      --dump         print the compiled rule table, strongest rule first\n"
	      "      --doc FILE     write the class table as Markdown to FILE\n"
	      "      --export-patterns\n"
	      "                     print every text pattern as a PCRE-style regex, one per line\n"
	      "      --max-states N\n"
	      "                     allow N automaton states (default %u, at most %u),\n"
	      "                     for large synthetic rule bases\n"
	      "  -Wshadow, -Wunused-class, -Wno-..., -Werror, -Werror=NAME\n"
	      "                     control warnings\n"
	      "  -h, --help         show this help\n"
	      "  -V, --version      show the version\n\n"
	      "Exit status: 0 clean, 1 errors in the rules, 2 usage or I/O errors.\n",
	      RB_MAX_STATES, MAX_STATES_CEILING);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Add PATH (a file, or a folder of *.rules) to the file list. */
static int collect(const char *path, strvec *files)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		diag_plain("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;
		strvec found;
		int i;
		if (!d) {
			diag_plain("cannot open '%s': %s", path, strerror(errno));
			return -1;
		}
		memset(&found, 0, sizeof found);
		while ((de = readdir(d)) != NULL) {
			char buf[4096];
			if (de->d_name[0] == '.' || !ends_with(de->d_name, ".rules"))
				continue;
			snprintf(buf, sizeof buf, "%s%s%s", path, ends_with(path, "/") ? "" : "/", de->d_name);
			vec_push(&found, xstrdup(buf));
		}
		closedir(d);
		if (found.n > 1)
			qsort(found.v, (size_t)found.n, sizeof *found.v, cmp_str);
		for (i = 0; i < found.n; i++)
			vec_push(files, found.v[i]);
		free(found.v);
		return 0;
	}
	vec_push(files, xstrdup(path));
	return 0;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n = 0, cap = 65536;
	if (!f) {
		diag_plain("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(cap);
	for (;;) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (n > RB_MAX_RULE_FILE) {
			diag_plain("'%s' is larger than %u bytes", path, RB_MAX_RULE_FILE);
			fclose(f);
			free(buf);
			return NULL;
		}
		if (got == 0)
			break;
		if (n + 1 >= cap) {
			char *p;
			cap *= 2;
			p = realloc(buf, cap);
			if (!p) {
				fputs("reboundc: error: out of memory\n", stderr);
				exit(2);
			}
			buf = p;
		}
	}
	if (ferror(f)) {
		diag_plain("cannot read '%s': %s", path, strerror(errno));
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The number in --max-states's argument A, or 0 when it is not one in
 * [1, MAX_STATES_CEILING]. */
static int state_limit(const char *a)
{
	char *end;
	unsigned long v;
	if (*a < '0' || *a > '9')
		return 0;
	errno = 0;
	v = strtoul(a, &end, 10);
	return *end || errno || v < 1 || v > MAX_STATES_CEILING ? 0 : (int)v;
}

int main(int argc, char **argv)
{
	const char *outdir = "generated", *docfile = NULL;
	int check_only = 0, dump = 0, export_patterns = 0, i, io_errors = 0;
	int max_states = (int)RB_MAX_STATES;
	VEC(char *) paths;
	struct ruleset rs;
	struct built b;

	memset(&paths, 0, sizeof paths);
	memset(&rs, 0, sizeof rs);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			if (++i >= argc) {
				fputs("reboundc: error: '-o' needs a folder\n", stderr);
				return 2;
			}
			outdir = argv[i];
		} else if (strncmp(a, "--output=", 9) == 0)
			outdir = a + 9;
		else if (strcmp(a, "--max-states") == 0 || strncmp(a, "--max-states=", 13) == 0) {
			const char *v = a[12] == '=' ? a + 13 : ++i < argc ? argv[i] : "";
			if (!(max_states = state_limit(v))) {
				fprintf(stderr, "reboundc: error: '--max-states' needs a number from 1 to %u\n",
				        MAX_STATES_CEILING);
				return 2;
			}
		} else if (strcmp(a, "--check") == 0)
			check_only = 1;
		else if (strcmp(a, "--dump") == 0)
			dump = 1;
		else if (strcmp(a, "--export-patterns") == 0)
			export_patterns = 1;
		else if (strcmp(a, "--doc") == 0) {
			if (++i >= argc) {
				fputs("reboundc: error: '--doc' needs a file\n", stderr);
				return 2;
			}
			docfile = argv[i];
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("reboundc %s\n", PACKAGE_VERSION);
			return 0;
		} else if (strncmp(a, "-W", 2) == 0) {
			if (!diag_option(a)) {
				fprintf(stderr, "reboundc: error: unknown warning option '%s'\n", a);
				return 2;
			}
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "reboundc: error: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		} else
			vec_push(&paths, (char *)a);
	}
	if (!paths.n)
		vec_push(&paths, (char *)"rules.d");

	for (i = 0; i < paths.n; i++)
		if (collect(paths.v[i], &rs.files) < 0)
			io_errors++;
	if (!io_errors && !rs.files.n) {
		diag_plain("no rule files found");
		io_errors++;
	}
	for (i = 0; i < rs.files.n && !io_errors; i++) {
		size_t len;
		char *buf = read_file(rs.files.v[i], &len);
		if (!buf) {
			io_errors++;
			break;
		}
		parse_rules(&rs, rs.files.v[i], i, buf, len);
	}
	if (io_errors)
		return 2;
	check_ruleset(&rs); /* also after syntax errors: name problems are worth seeing */
	if (diag_errors == 0)
		build_tables(&rs, &b, max_states);
	if (diag_errors == 0)
		check_examples(&rs, &b);
	if (diag_errors) {
		fprintf(stderr, "reboundc: %d error%s\n", diag_errors, diag_errors == 1 ? "" : "s");
		return 1;
	}
	if (dump)
		dump_rules(stdout, &rs, &b);
	if (export_patterns)
		export_regexes(stdout, &b);
	if (docfile && write_class_doc(docfile, &rs, &b) < 0)
		return 2;
	if (!check_only && !dump && !export_patterns && !docfile && emit_all(&rs, &b, outdir) < 0)
		return 2;
	return 0;
}
