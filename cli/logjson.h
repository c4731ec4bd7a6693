/*
 * logjson.h - a small JSON reader for the JSON logs and event feeds of
 * "rebound log" (KumoMTA, Amazon SES, SendGrid, Mailgun, Postmark,
 * SparkPost).  It finds values in place, without building a tree: a
 * value is the span of its JSON text.  Nothing recurses, so deep nesting
 * in hostile input costs time, never stack.
 */
#ifndef REBOUND_CLI_LOGJSON_H
#define REBOUND_CLI_LOGJSON_H

#include <stddef.h>
#include "maillog_reader.h"

/* The deepest nesting lj_valid accepts. */
#define LJ_MAX_DEPTH 256

/* 1 if P..P+N holds exactly one well-formed JSON value (white space
 * around it allowed), 0 if not. */
int lj_valid(const char *p, size_t n);

/* The value of member KEY of the object OBJ (which starts with '{'), or
 * an empty span.  The first member of that name wins. */
struct span lj_member(struct span obj, const char *key);

/* lj_member along a path of names split by '.': "bounce.bounceType". */
struct span lj_path(struct span obj, const char *path);

/* The elements of the array ARR in turn: *POS starts at 0; returns 0
 * after the last one. */
int lj_next(struct span arr, size_t *pos, struct span *elem);

/* A string's text, unescaped into *OUT, which moves past it (never by
 * more than V.n bytes).  Anything but a string gives an empty span. */
struct span lj_text(struct span v, char **out);

/* A string's text or, for a number, its digits as written. */
struct span lj_scalar(struct span v, char **out);

/* A whole number (as a number or a string of digits); 0 if none. */
unsigned long lj_uint(struct span v);

/* 1 if V is the string S, compared without case and without escapes. */
int lj_is(struct span v, const char *s);

#endif
