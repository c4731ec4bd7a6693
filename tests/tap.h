/* tap.h - a few lines of TAP output for C tests (Test Anything Protocol). */
#ifndef REBOUND_TAP_H
#define REBOUND_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;


static inline void plan(int n) { printf("1..%d\n", n); }
static inline void plan_skip(const char *why) { printf("1..0 # SKIP %s\n", why); }

static inline int ok(int cond, const char *fmt, ...)
{
	va_list ap;
	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_failed++;
	return cond;
}

static inline void diag(const char *fmt, ...)
{
	va_list ap;
	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
