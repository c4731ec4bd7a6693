/* output.h - buffered output of results in text, TSV or JSON Lines. */
#ifndef REBOUND_CLI_OUTPUT_H
#define REBOUND_CLI_OUTPUT_H

#include <stdio.h>
#include "rebound.h"

enum format { FORMAT_TEXT, FORMAT_TSV, FORMAT_JSON };

struct out {
	FILE *f;
	char *buf;
	size_t n, cap;
	int failed;
};

void out_init(struct out *o, FILE *f);
void out_flush(struct out *o);
void out_bytes(struct out *o, const char *s, size_t n);
void out_str(struct out *o, const char *s);
/* One byte: records are written a few bytes at a time, so the buffer's
 * room is checked here and out_bytes is called only when it is full. */
static inline void out_char(struct out *o, char c)
{
	if (!o->failed && o->n < o->cap)
		o->buf[o->n++] = c;
	else
		out_bytes(o, &c, 1);
}
void out_uint(struct out *o, unsigned long v);
/* A JSON string literal; invalid UTF-8 becomes U+FFFD. */
void out_json_string(struct out *o, const char *s, size_t n);
/* Text for one TSV field: tabs, newlines and backslashes escaped. */
void out_tsv_field(struct out *o, const char *s, size_t n);

/* ,"KEY": -- the name of a JSON record's member after its first one. */
void out_json_key(struct out *o, const char *key);
/* N bytes at S as a JSON string, or null when N is 0. */
void out_json_or_null(struct out *o, const char *s, size_t n);
/* One TSV cell: N bytes at S, escaped, then a tab. */
void out_tsv_cell(struct out *o, const char *s, size_t n);

int parse_format(const char *s, enum format *f);

/* The TSV header for classify output. */
void out_classify_header(struct out *o, enum format f);
/* One classification result. */
void out_classify(struct out *o, enum format f, const char *text, size_t len,
                  const struct rebound_result *r);

#endif
