/*
 * compile_alloc.h - forced into every compiler source when fuzz_compile
 * is built (clang -include fuzz/compile_alloc.h).
 *
 * reboundc is a one-shot program: it never frees its rule base or its
 * tables, because exit() does that.  In a fuzzer that runs millions of
 * inputs in one process the same code would leak every time and soon
 * hit libFuzzer's RSS limit, and LeakSanitizer would flag every input.
 * So the harness routes the compiler's allocations through a tracker
 * and frees whatever is left after each input, without changing a line
 * of the compiler.  The macros are function-like and come after the
 * libc headers, so the libc declarations stay intact.
 */
#ifndef REBOUND_FUZZ_COMPILE_ALLOC_H
#define REBOUND_FUZZ_COMPILE_ALLOC_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void *fz_malloc(size_t n);
void *fz_calloc(size_t n, size_t size);
void *fz_realloc(void *p, size_t n);
void fz_free(void *p);

#define malloc(n) fz_malloc(n)
#define calloc(n, size) fz_calloc(n, size)
#define realloc(p, n) fz_realloc(p, n)
#define free(p) fz_free(p)

#endif
