/*
 * lex.re - the lexer of the rule language (re2c input).
 *
 * The whole file is in memory and ends with a NUL, which re2c uses as
 * its sentinel.  Every token carries its line and column; lexical
 * errors are reported here, once, and the parser is told to keep quiet
 * about the same spot.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diag.h"
#include "parse.h"

int lexer_column(struct lexer *lx, const unsigned char *p)
{
	const unsigned char *q = lx->line_start;
	int col = 1;
	/* columns are asked for in order: go on from the last one on this
	 * line, so that a very long line costs linear time, not quadratic */
	if (lx->col_line == lx->line_start && lx->col_at && lx->col_at <= p) {
		q = lx->col_at;
		col = lx->col;
	}
	for (; q < p; q++) {
		if (*q == '\t')
			col = ((col - 1) / 8 + 1) * 8 + 1;
		else if ((*q & 0xC0) != 0x80) /* count code points, not bytes */
			col++;
	}
	lx->col_line = lx->line_start;
	lx->col_at = p;
	lx->col = col;
	return col;
}

static struct loc here(struct lexer *lx, const unsigned char *p)
{
	struct loc l;
	l.file = lx->file;
	l.line = lx->line;
	l.col = lexer_column(lx, p);
	return l;
}

static void lex_error(struct lexer *lx, const unsigned char *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	struct loc l = here(lx, p);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	diag_error(l, "%s", msg);
	lx->lex_error_line = l.line;
	lx->lex_error_col = l.col;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Resolve the escapes of a string literal body. */
static void unescape_string(struct lexer *lx, const unsigned char *s, const unsigned char *e,
                            struct tokval *v)
{
	char *out = xmalloc((size_t)(e - s) + 1);
	size_t n = 0;
	while (s < e) {
		if (*s != '\\') {
			out[n++] = (char)*s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'n': out[n++] = '\n'; s++; break;
		case 't': out[n++] = '\t'; s++; break;
		case 'r': out[n++] = '\r'; s++; break;
		case '"': case '\\': out[n++] = (char)*s++; break;
		case 'x':
			if (s + 2 < e + 1 && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
				out[n++] = (char)(hexval(s[1]) * 16 + hexval(s[2]));
				s += 3;
				break;
			}
			/* fall through */
		default:
			lex_error(lx, s - 1, "unknown escape '\\%c' in string", *s);
			out[n++] = (char)*s++;
		}
	}
	out[n] = '\0';
	v->s = out;
	v->len = n;
}

/* A regex body is kept as written, but "\/" stands for "/". */
static void regex_body(const unsigned char *s, const unsigned char *e, struct tokval *v)
{
	char *out = xmalloc((size_t)(e - s) + 1);
	size_t n = 0;
	while (s < e) {
		if (s[0] == '\\' && s + 1 < e && s[1] == '/') {
			out[n++] = '/';
			s += 2;
		} else
			out[n++] = (char)*s++;
	}
	out[n] = '\0';
	v->s = out;
	v->len = n;
}

static uint16_t number(const unsigned char *s, const unsigned char *e)
{
	unsigned v = 0;
	for (; s < e; s++)
		v = v * 10 + (unsigned)(*s - '0');
	return (uint16_t)v;
}

/* "5.7.*", "x.1.1", "5.7.606-649" */
static void status_pattern(const unsigned char *s, const unsigned char *e, struct codepat *c)
{
	const unsigned char *p;
	memset(c, 0, sizeof *c);
	c->is_status = 1;
	c->cls = (uint8_t)((*s >= '0' && *s <= '9') ? *s - '0' : 0);
	s += 2;
	for (p = s; *p != '.'; p++)
		;
	c->subject = (*s >= '0' && *s <= '9') ? number(s, p) : 0xffff;
	s = p + 1;
	if (!(*s >= '0' && *s <= '9')) {
		c->lo = 0;
		c->hi = 0xffff;
		return;
	}
	for (p = s; p < e && *p != '-'; p++)
		;
	c->lo = number(s, p);
	c->hi = p < e ? number(p + 1, e) : c->lo;
}

int yylex(YYSTYPE *lval, YYLTYPE *lloc, struct lexer *lx)
{
	const unsigned char *YYCURSOR, *YYMARKER;
	int tok;

	memset(&lval->tv, 0, sizeof lval->tv);
	for (;;) {
		lx->tok = YYCURSOR = lx->cur;
		YYMARKER = lx->marker;
		lloc->first_line = lloc->last_line = lx->line;
		lloc->first_column = lloc->last_column = lexer_column(lx, lx->tok);
/*!re2c
	re2c:define:YYCTYPE = "unsigned char";
	re2c:yyfill:enable = 0;

	digit  = [0-9];
	num3   = digit{1,3};
	any    = [xX*];
	status = [245xX*] "." (num3 | any) "." (num3 | num3 "-" num3 | any);
	replyp = [2-5] any any | [2-5] digit any;
	ident  = [A-Za-z_] [A-Za-z0-9_.-]*;
	strch  = [^"\\\n\x00] | "\\" [^\n\x00];
	rech   = [^/\\\n\x00] | "\\" [^\n\x00];

	"\x00" {
		if (lx->tok >= lx->lim) { lx->cur = lx->tok; return YYEOF; }
		lx->cur = YYCURSOR;
		lex_error(lx, lx->tok, "NUL byte in rule file");
		continue;
	}
	"\n"          { lx->cur = YYCURSOR; lx->line++; lx->line_start = YYCURSOR; continue; }
	[ \t\r\f\v]+  { lx->cur = YYCURSOR; continue; }
	"#" [^\n\x00]* { lx->cur = YYCURSOR; continue; }
	"\xEF\xBB\xBF" { lx->cur = YYCURSOR; continue; }

	"class"       { tok = CLASS; goto done; }
	"type"        { tok = TYPE; goto done; }
	"blame"       { tok = BLAME; goto done; }
	"action"      { tok = ACTION; goto done; }
	"category"    { tok = CATEGORY; goto done; }
	"description" { tok = DESCRIPTION; goto done; }
	"advice"      { tok = ADVICE; goto done; }
	"sisimai"     { tok = SISIMAI; goto done; }
	"bounce-code" { tok = BOUNCE_CODE; goto done; }
	"powermta"    { tok = POWERMTA; goto done; }
	"amazon-ses"  { tok = SES; goto done; }
	"provider"    { tok = PROVIDER; goto done; }
	"name"        { tok = NAME; goto done; }
	"marker"      { tok = MARKER; goto done; }
	"host"        { tok = HOST; goto done; }
	"domain"      { tok = DOMAIN; goto done; }
	"rule"        { tok = RULE; goto done; }
	"reply"       { tok = REPLY; goto done; }
	"status"      { tok = STATUS; goto done; }
	"text"        { tok = TEXT; goto done; }
	"unless"      { tok = UNLESS; goto done; }
	"over"        { tok = OVER; goto done; }
	"retry-after" { tok = RETRY_AFTER; goto done; }
	"example"     { tok = EXAMPLE; goto done; }
	"profile"     { tok = PROFILE; goto done; }
	"retype"      { tok = RETYPE; goto done; }
	"order"       { tok = ORDER; goto done; }
	"=>"          { tok = ARROW; goto done; }
	"{"           { tok = '{'; goto done; }
	"}"           { tok = '}'; goto done; }
	"|"           { tok = '|'; goto done; }

	status {
		status_pattern(lx->tok, YYCURSOR, &lval->tv.code);
		tok = STATUS_PAT;
		goto done;
	}
	replyp {
		memset(&lval->tv.code, 0, sizeof lval->tv.code);
		lval->tv.code.lo = (uint16_t)((lx->tok[0] - '0') * 100);
		if (lx->tok[1] >= '0' && lx->tok[1] <= '9')
			lval->tv.code.lo = (uint16_t)(lval->tv.code.lo + (lx->tok[1] - '0') * 10);
		lval->tv.code.hi = (uint16_t)(lval->tv.code.lo +
		                   ((lx->tok[1] >= '0' && lx->tok[1] <= '9') ? 9 : 99));
		tok = REPLY_PAT;
		goto done;
	}
	digit+ [smhd] {
		long v = 0;
		const unsigned char *p;
		for (p = lx->tok; *p >= '0' && *p <= '9'; p++)
			v = v < 100000000 ? v * 10 + (*p - '0') : v;
		switch (*p) {
		case 'm': v *= 60; break;
		case 'h': v *= 3600; break;
		case 'd': v *= 86400; break;
		default: break;
		}
		lval->tv.num = v;
		tok = DURATION;
		goto done;
	}
	digit+ {
		long v = 0;
		const unsigned char *p;
		for (p = lx->tok; p < YYCURSOR; p++)
			v = v < 100000000 ? v * 10 + (*p - '0') : v;
		lval->tv.num = v;
		tok = NUMBER;
		goto done;
	}
	ident {
		lval->tv.s = xmemdup((const char *)lx->tok, (size_t)(YYCURSOR - lx->tok));
		lval->tv.len = (size_t)(YYCURSOR - lx->tok);
		tok = IDENT;
		goto done;
	}
	["] strch* ["] {
		unescape_string(lx, lx->tok + 1, YYCURSOR - 1, &lval->tv);
		tok = STRING;
		goto done;
	}
	["] strch* {
		lx->cur = YYCURSOR;
		lex_error(lx, lx->tok, "unterminated string");
		unescape_string(lx, lx->tok + 1, YYCURSOR, &lval->tv);
		tok = STRING;
		goto done;
	}
	"/" rech+ "/" {
		regex_body(lx->tok + 1, YYCURSOR - 1, &lval->tv);
		tok = REGEX;
		goto done;
	}
	"/" rech* {
		lx->cur = YYCURSOR;
		lex_error(lx, lx->tok, "unterminated regular expression");
		regex_body(lx->tok + 1, YYCURSOR, &lval->tv);
		tok = REGEX;
		goto done;
	}
	* {
		lx->cur = YYCURSOR;
		if (lx->tok[0] >= 0x20 && lx->tok[0] < 0x7f)
			lex_error(lx, lx->tok, "stray character '%c'", lx->tok[0]);
		else
			lex_error(lx, lx->tok, "stray byte 0x%02x", lx->tok[0]);
		continue;
	}
*/
	}
done:
	lx->cur = YYCURSOR;
	lx->marker = YYMARKER;
	lloc->last_column = lexer_column(lx, YYCURSOR);
	return tok;
}
