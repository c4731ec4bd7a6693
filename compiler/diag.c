/*
 * diag.c - diagnostics in the GNU format, so editors and CI annotate
 * them: lines and columns from 1; a column counts one per UTF-8 code
 * point and tabs stop every 8 columns (no locale involved).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diag.h"

int diag_errors;
int diag_warnings;

static const char *const warning_names[W_COUNT] = {"shadow", "unused-class"};
static int warning_on[W_COUNT] = {1, 1};
static int warning_is_error[W_COUNT];
static int all_warnings_are_errors;

static void emit(const char *kind, struct loc at, const char *tag, const char *fmt, va_list ap)
{
	if (at.file && at.line > 0)
		fprintf(stderr, "%s:%d:%d: %s: ", at.file, at.line, at.col > 0 ? at.col : 1, kind);
	else if (at.file)
		fprintf(stderr, "%s: %s: ", at.file, kind);
	else
		fprintf(stderr, "reboundc: %s: ", kind);
	vfprintf(stderr, fmt, ap);
	if (tag)
		fprintf(stderr, " [%s]", tag);
	fputc('\n', stderr);
}

void diag_error(struct loc at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("error", at, NULL, fmt, ap);
	va_end(ap);
	diag_errors++;
}

void diag_plain(const char *fmt, ...)
{
	va_list ap;
	struct loc none = {NULL, 0, 0};
	va_start(ap, fmt);
	emit("error", none, NULL, fmt, ap);
	va_end(ap);
	diag_errors++;
}

void diag_warning(enum warning w, struct loc at, const char *fmt, ...)
{
	va_list ap;
	char tag[64];
	int as_error = all_warnings_are_errors || warning_is_error[w];
	if (!warning_on[w])
		return;
	snprintf(tag, sizeof tag, as_error ? "-Werror=%s" : "-W%s", warning_names[w]);
	va_start(ap, fmt);
	emit(as_error ? "error" : "warning", at, tag, fmt, ap);
	va_end(ap);
	if (as_error)
		diag_errors++;
	else
		diag_warnings++;
}

void diag_note(struct loc at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("note", at, NULL, fmt, ap);
	va_end(ap);
}

static int find_warning(const char *name)
{
	int i;
	for (i = 0; i < W_COUNT; i++)
		if (strcmp(name, warning_names[i]) == 0)
			return i;
	return -1;
}

int diag_option(const char *opt)
{
	int w;
	if (strcmp(opt, "-Werror") == 0) {
		all_warnings_are_errors = 1;
		return 1;
	}
	if (strncmp(opt, "-Werror=", 8) == 0) {
		if ((w = find_warning(opt + 8)) < 0)
			return 0;
		warning_is_error[w] = warning_on[w] = 1;
		return 1;
	}
	if (strncmp(opt, "-Wno-", 5) == 0) {
		if ((w = find_warning(opt + 5)) < 0)
			return 0;
		warning_on[w] = 0;
		return 1;
	}
	if (strncmp(opt, "-W", 2) == 0) {
		if ((w = find_warning(opt + 2)) < 0)
			return 0;
		warning_on[w] = 1;
		return 1;
	}
	return 0;
}

static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int *prev, *cur, d;
	if (la > 64 || lb > 64)
		return 99;
	prev = xcalloc(lb + 1, sizeof *prev);
	cur = xcalloc(lb + 1, sizeof *cur);
	for (j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (i = 1; i <= la; i++) {
		cur[0] = (int)i;
		for (j = 1; j <= lb; j++) {
			int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			int del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof *prev);
	}
	d = prev[lb];
	free(prev);
	free(cur);
	return d;
}

const char *did_you_mean(const char *s, const char *const *cands, int n)
{
	const char *best = NULL;
	int i, best_d = 1000, limit = (int)strlen(s) / 3 + 1;
	for (i = 0; i < n; i++) {
		int d = edit_distance(s, cands[i]);
		if (d < best_d || (d == best_d && best && strcmp(cands[i], best) < 0)) {
			best_d = d;
			best = cands[i];
		}
	}
	return best_d <= limit ? best : NULL;
}
