/* util.c - allocation helpers for reboundc; running out of memory ends
 * the compiler with a message, so callers need not check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ast.h"

static void out_of_memory(void)
{
	fputs("reboundc: error: out of memory\n", stderr);
	exit(2);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

char *xmemdup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xstrdup(const char *s)
{
	return xmemdup(s, strlen(s));
}

void *vec_grow(void *v, int *cap, int need, size_t elem)
{
	if (need <= *cap)
		return v;
	{
		int c = *cap ? *cap * 2 : 8;
		while (c < need)
			c *= 2;
		v = realloc(v, (size_t)c * elem);
		if (!v)
			out_of_memory();
		*cap = c;
	}
	return v;
}
