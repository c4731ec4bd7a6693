/* lexer.h - state shared by the re2c lexer and the Bison parser of the
 * rule language. */
#ifndef REBOUNDC_LEXER_H
#define REBOUNDC_LEXER_H

#include "ast.h"

/* The value of a token. */
struct tokval {
	char *s;              /* identifier, string or regex text */
	size_t len;
	long num;             /* number, or duration in seconds */
	struct codepat code;  /* reply or status pattern */
};

/* What the parser is filling in. */
struct block {
	int kind;     /* 0 none, 'c' class, 'p' provider, 'r' rule, 't' retype */
	int index;    /* in the matching ruleset vector */
};

struct lexer {
	const unsigned char *buf, *cur, *tok, *lim, *line_start, *marker;
	int line;
	const char *file;
	int file_index;
	struct ruleset *rs;
	struct block block;
	int profile;           /* profile block being read, -1 outside */
	int lex_error_line;    /* where the lexer last complained, to keep */
	int lex_error_col;     /* the parser from repeating it */
	const unsigned char *col_line, *col_at; /* the last column worked out: */
	int col;                                /* at col_at on line col_line */
};

/* Column (from 1) of P on the current line. */
int lexer_column(struct lexer *lx, const unsigned char *p);

#endif
