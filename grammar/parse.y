/*
 * parse.y - the grammar of the rule language (Bison input).
 *
 * The parser only records what is written and where; reboundc's checker
 * resolves names, validates values and reports what is wrong with them,
 * so every semantic error gets its own precise message and location.
 */
%define api.pure full
%define parse.error custom
%locations
%parse-param {struct lexer *lx}
%lex-param {struct lexer *lx}

%code requires {
#include "ast.h"
#include "lexer.h"
}

%union {
	struct tokval tv;
	struct example ex;
}

%code provides {
int yylex(YYSTYPE *lval, YYLTYPE *lloc, struct lexer *lx);
int parse_rules(struct ruleset *rs, const char *file, int file_index,
                const char *buf, size_t len);
}

%code {
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diag.h"

static struct loc at(const struct lexer *lx, const YYLTYPE *l)
{
	struct loc r;
	r.file = lx->file;
	r.line = l->first_line;
	r.col = l->first_column;
	return r;
}

static struct name name_of(const struct lexer *lx, struct tokval v, const YYLTYPE *l)
{
	struct name n;
	n.s = v.s;
	n.loc = at(lx, l);
	return n;
}

static struct class_def *cur_class(struct lexer *lx) { return &lx->rs->classes.v[lx->block.index]; }
static struct provider_def *cur_provider(struct lexer *lx) { return &lx->rs->providers.v[lx->block.index]; }
static struct rule *cur_rule(struct lexer *lx)
{
	return lx->block.kind == 't' ? &lx->rs->retypes.v[lx->block.index]
	                             : &lx->rs->rules.v[lx->block.index];
}

static void set_once(struct lexer *lx, struct name *slot, struct name v, const char *what)
{
	(void)lx;
	if (slot->s) {
		diag_error(v.loc, "%s given twice", what);
		diag_note(slot->loc, "first given here");
	}
	*slot = v;
}

static void set_text_once(struct lexer *lx, char **slot, struct loc *where, char *v,
                          struct loc l, const char *what)
{
	(void)lx;
	if (*slot) {
		diag_error(l, "%s given twice", what);
		if (where)
			diag_note(*where, "first given here");
	}
	*slot = v;
	if (where)
		*where = l;
}

static void begin_rule(struct lexer *lx, struct name id, int retype)
{
	struct rule r;
	memset(&r, 0, sizeof r);
	r.id = id;
	r.is_retype = retype;
	r.profile = lx->profile;
	r.file_index = lx->file_index;
	r.type_v = -1;
	if (retype) {
		vec_push(&lx->rs->retypes, r);
		lx->block.kind = 't';
		lx->block.index = lx->rs->retypes.n - 1;
	} else {
		vec_push(&lx->rs->rules, r);
		lx->block.kind = 'r';
		lx->block.index = lx->rs->rules.n - 1;
	}
}

static void add_code(struct lexer *lx, struct tokval v, const YYLTYPE *l, int is_number)
{
	struct rule *r = cur_rule(lx);
	struct codepat c = v.code;
	c.loc = at(lx, l);
	if (is_number) {
		memset(&c, 0, sizeof c);
		c.loc = at(lx, l);
		if (v.num < 200 || v.num > 599) {
			diag_error(c.loc, "reply code %ld is out of range (200 to 599)", v.num);
			return;
		}
		c.lo = c.hi = (uint16_t)v.num;
	}
	if (c.is_status)
		vec_push(&r->status, c);
	else
		vec_push(&r->reply, c);
}

static struct pat make_pat(struct lexer *lx, struct tokval v, const YYLTYPE *l, int is_regex)
{
	struct pat p;
	p.is_regex = is_regex;
	p.src = v.s;
	p.len = v.len;
	p.loc = at(lx, l);
	p.atom = -1;
	return p;
}

static void add_example(struct lexer *lx, struct example ex)
{
	if (lx->block.kind == 'r' || lx->block.kind == 't') {
		ex.owner = lx->block.index;
		ex.owner_is_retype = lx->block.kind == 't';
	} else {
		ex.owner = -1;
		ex.owner_is_retype = 0;
	}
	ex.owner_profile = lx->profile;
	vec_push(&lx->rs->examples, ex);
}

static void yyerror(YYLTYPE *l, struct lexer *lx, const char *msg)
{
	diag_error(at(lx, l), "%s", msg);
}
}

%token <tv> IDENT STRING REGEX NUMBER REPLY_PAT STATUS_PAT DURATION
%token CLASS "class"
%token TYPE "type"
%token BLAME "blame"
%token ACTION "action"
%token CATEGORY "category"
%token DESCRIPTION "description"
%token ADVICE "advice"
%token SISIMAI "sisimai"
%token BOUNCE_CODE "bounce-code"
%token POWERMTA "powermta"
%token SES "amazon-ses"
%token PROVIDER "provider"
%token NAME "name"
%token MARKER "marker"
%token HOST "host"
%token DOMAIN "domain"
%token RULE "rule"
%token REPLY "reply"
%token STATUS "status"
%token TEXT "text"
%token UNLESS "unless"
%token OVER "over"
%token RETRY_AFTER "retry-after"
%token EXAMPLE "example"
%token PROFILE "profile"
%token RETYPE "retype"
%token ORDER "order"
%token ARROW "=>"

%type <ex> example_body contexts

%%

file
	: %empty
	| file item
	;

item
	: class_decl
	| provider_decl
	| rule_decl
	| retype_decl
	| profile_decl
	| order_decl
	| EXAMPLE example_body  { add_example(lx, $2); }
	| error '}'             { yyerrok; lx->block.kind = 0; lx->profile = -1; }
	;

/* classes */

class_decl
	: CLASS IDENT '{' {
		struct class_def c;
		memset(&c, 0, sizeof c);
		c.name = name_of(lx, $2, &@2);
		c.bounce_code = -1;
		vec_push(&lx->rs->classes, c);
		lx->block.kind = 'c';
		lx->block.index = lx->rs->classes.n - 1;
	  } class_attrs '}' { lx->block.kind = 0; }
	;

class_attrs
	: %empty
	| class_attrs class_attr
	;

class_attr
	: TYPE IDENT        { set_once(lx, &cur_class(lx)->type, name_of(lx, $2, &@2), "type"); }
	| BLAME IDENT       { set_once(lx, &cur_class(lx)->blame, name_of(lx, $2, &@2), "blame"); }
	| ACTION IDENT      { set_once(lx, &cur_class(lx)->action, name_of(lx, $2, &@2), "action"); }
	| CATEGORY IDENT    { set_once(lx, &cur_class(lx)->category, name_of(lx, $2, &@2), "category"); }
	| SISIMAI IDENT     { set_once(lx, &cur_class(lx)->sisimai, name_of(lx, $2, &@2), "sisimai"); }
	| POWERMTA IDENT    { set_once(lx, &cur_class(lx)->powermta, name_of(lx, $2, &@2), "powermta"); }
	| DESCRIPTION STRING {
		set_text_once(lx, &cur_class(lx)->description, &cur_class(lx)->description_loc,
		              $2.s, at(lx, &@2), "description");
	  }
	| ADVICE STRING     { set_text_once(lx, &cur_class(lx)->advice, NULL, $2.s, at(lx, &@2), "advice"); }
	| SES STRING        {
		set_text_once(lx, &cur_class(lx)->ses, &cur_class(lx)->ses_loc, $2.s, at(lx, &@2), "ses");
	  }
	| BOUNCE_CODE NUMBER {
		if (cur_class(lx)->bounce_code >= 0)
			diag_error(at(lx, &@2), "bounce-code given twice");
		cur_class(lx)->bounce_code = (int)$2.num;
	  }
	;

/* providers */

provider_decl
	: PROVIDER IDENT '{' {
		struct provider_def p;
		memset(&p, 0, sizeof p);
		p.name = name_of(lx, $2, &@2);
		vec_push(&lx->rs->providers, p);
		lx->block.kind = 'p';
		lx->block.index = lx->rs->providers.n - 1;
	  } provider_attrs '}' { lx->block.kind = 0; }
	;

provider_attrs
	: %empty
	| provider_attrs provider_attr
	;

provider_attr
	: NAME STRING       { set_text_once(lx, &cur_provider(lx)->display, NULL, $2.s, at(lx, &@2), "name"); }
	| MARKER marker_alts
	| HOST hosts
	| DOMAIN domains
	| EXAMPLE example_body { add_example(lx, $2); }
	;

marker_alts
	: pattern_marker
	| marker_alts '|' pattern_marker
	;

pattern_marker
	: STRING { vec_push(&cur_provider(lx)->markers, make_pat(lx, $1, &@1, 0)); }
	| REGEX  { vec_push(&cur_provider(lx)->markers, make_pat(lx, $1, &@1, 1)); }
	;

hosts
	: STRING       { vec_push(&cur_provider(lx)->hosts, name_of(lx, $1, &@1)); }
	| hosts STRING { vec_push(&cur_provider(lx)->hosts, name_of(lx, $2, &@2)); }
	;

domains
	: STRING         { vec_push(&cur_provider(lx)->domains, name_of(lx, $1, &@1)); }
	| domains STRING { vec_push(&cur_provider(lx)->domains, name_of(lx, $2, &@2)); }
	;

/* rules */

rule_decl
	: RULE IDENT '{' { begin_rule(lx, name_of(lx, $2, &@2), 0); } rule_attrs '}'
	  { lx->block.kind = 0; }
	;

rule_attrs
	: %empty
	| rule_attrs rule_attr
	;

rule_attr
	: REPLY replies
	| STATUS statuses
	| TEXT {
		patvec g;
		memset(&g, 0, sizeof g);
		vec_push(&cur_rule(lx)->groups, g);
	  } text_alts
	| UNLESS unless_alts
	| PROVIDER provider_names
	| CLASS IDENT {
		struct rule *r = cur_rule(lx);
		if (r->classes.n) {
			diag_error(at(lx, &@2), "class given twice");
			diag_note(r->classes.v[0].loc, "first given here");
		}
		vec_push(&r->classes, name_of(lx, $2, &@2));
	  }
	| TYPE IDENT        { set_once(lx, &cur_rule(lx)->type, name_of(lx, $2, &@2), "type"); }
	| OVER over_names
	| RETRY_AFTER DURATION {
		cur_rule(lx)->retry_after = (unsigned)$2.num;
		cur_rule(lx)->retry_loc = at(lx, &@2);
	  }
	| EXAMPLE example_body { add_example(lx, $2); }
	;

replies
	: reply_item
	| replies reply_item
	;

reply_item
	: NUMBER    { add_code(lx, $1, &@1, 1); }
	| REPLY_PAT { add_code(lx, $1, &@1, 0); }
	;

statuses
	: STATUS_PAT          { add_code(lx, $1, &@1, 0); }
	| statuses STATUS_PAT { add_code(lx, $2, &@2, 0); }
	;

text_alts
	: text_pat
	| text_alts '|' text_pat
	;

text_pat
	: STRING {
		struct rule *r = cur_rule(lx);
		vec_push(&r->groups.v[r->groups.n - 1], make_pat(lx, $1, &@1, 0));
	  }
	| REGEX {
		struct rule *r = cur_rule(lx);
		vec_push(&r->groups.v[r->groups.n - 1], make_pat(lx, $1, &@1, 1));
	  }
	;

unless_alts
	: unless_pat
	| unless_alts '|' unless_pat
	;

unless_pat
	: STRING { vec_push(&cur_rule(lx)->unless, make_pat(lx, $1, &@1, 0)); }
	| REGEX  { vec_push(&cur_rule(lx)->unless, make_pat(lx, $1, &@1, 1)); }
	;

provider_names
	: IDENT                { vec_push(&cur_rule(lx)->providers, name_of(lx, $1, &@1)); }
	| provider_names IDENT { vec_push(&cur_rule(lx)->providers, name_of(lx, $2, &@2)); }
	;

over_names
	: IDENT            { vec_push(&cur_rule(lx)->over, name_of(lx, $1, &@1)); }
	| over_names IDENT { vec_push(&cur_rule(lx)->over, name_of(lx, $2, &@2)); }
	;

/* retypes: change the type of a decision already made */

retype_decl
	: RETYPE IDENT '{' { begin_rule(lx, name_of(lx, $2, &@2), 1); } retype_attrs '}'
	  { lx->block.kind = 0; }
	;

retype_attrs
	: %empty
	| retype_attrs retype_attr
	;

retype_attr
	: REPLY replies
	| STATUS statuses
	| PROVIDER provider_names
	| CLASS class_names
	| TYPE IDENT           { set_once(lx, &cur_rule(lx)->type, name_of(lx, $2, &@2), "type"); }
	| EXAMPLE example_body { add_example(lx, $2); }
	;

class_names
	: IDENT             { vec_push(&cur_rule(lx)->classes, name_of(lx, $1, &@1)); }
	| class_names IDENT { vec_push(&cur_rule(lx)->classes, name_of(lx, $2, &@2)); }
	;

/* profiles */

profile_decl
	: PROFILE IDENT '{' {
		struct profile_def p;
		int i;
		memset(&p, 0, sizeof p);
		p.name = name_of(lx, $2, &@2);
		lx->profile = -1;
		for (i = 0; i < lx->rs->profiles.n; i++)
			if (strcmp(lx->rs->profiles.v[i].name.s, $2.s) == 0)
				lx->profile = i;
		if (lx->profile < 0) {
			vec_push(&lx->rs->profiles, p);
			lx->profile = lx->rs->profiles.n - 1;
		}
	  } profile_items '}' { lx->profile = -1; }
	;

profile_items
	: %empty
	| profile_items profile_item
	;

profile_item
	: DESCRIPTION STRING {
		struct profile_def *p = &lx->rs->profiles.v[lx->profile];
		set_text_once(lx, &p->description, NULL, $2.s, at(lx, &@2), "description");
	  }
	| rule_decl
	| retype_decl
	| EXAMPLE example_body { add_example(lx, $2); }
	;

/* the order in which classes win when rules of equal strength disagree */

order_decl
	: ORDER '{' {
		if (lx->rs->have_order) {
			diag_error(at(lx, &@1), "order given twice");
			diag_note(lx->rs->order_loc, "first given here");
		}
		lx->rs->have_order = 1;
		lx->rs->order_loc = at(lx, &@1);
	  } order_names '}'
	;

order_names
	: %empty
	| order_names IDENT { vec_push(&lx->rs->order, name_of(lx, $2, &@2)); }
	;

/* examples: a reply text, optional context, and the expected outcome */

example_body
	: STRING contexts "=>" IDENT {
		$$ = $2;
		$$.text = $1.s;
		$$.len = $1.len;
		$$.loc = at(lx, &@1);
		$$.expect_class = name_of(lx, $4, &@4);
	  }
	| STRING contexts "=>" IDENT IDENT {
		$$ = $2;
		$$.text = $1.s;
		$$.len = $1.len;
		$$.loc = at(lx, &@1);
		$$.expect_class = name_of(lx, $4, &@4);
		$$.expect_type = name_of(lx, $5, &@5);
	  }
	;

contexts
	: %empty              { memset(&$$, 0, sizeof $$); }
	| contexts HOST STRING     { $$ = $1; $$.host = $3.s; }
	| contexts DOMAIN STRING   { $$ = $1; $$.domain = $3.s; }
	| contexts PROVIDER IDENT  { $$ = $1; $$.provider = $3.s; }
	| contexts PROFILE IDENT   { $$ = $1; $$.profile = name_of(lx, $3, &@3); }
	| contexts STATUS STATUS_PAT {
		char buf[32];
		$$ = $1;
		snprintf(buf, sizeof buf, "%u.%u.%u", (unsigned)$3.code.cls,
		         (unsigned)$3.code.subject, (unsigned)$3.code.lo);
		$$.status = xstrdup(buf);
	  }
	| contexts REPLY NUMBER    { $$ = $1; $$.reply = (unsigned)$3.num; }
	;

%%

static const char *token_text(yysymbol_kind_t k)
{
	switch (k) {
	case YYSYMBOL_YYEOF: return "end of file";
	case YYSYMBOL_IDENT: return "a name";
	case YYSYMBOL_STRING: return "a string";
	case YYSYMBOL_REGEX: return "a regular expression";
	case YYSYMBOL_NUMBER: return "a number";
	case YYSYMBOL_REPLY_PAT: return "a reply pattern";
	case YYSYMBOL_STATUS_PAT: return "a status pattern";
	case YYSYMBOL_DURATION: return "a duration";
	default: break;
	}
	{
		/* keywords are declared as "class" etc.: show them as 'class' */
		static char buf[40];
		const char *n = yysymbol_name(k);
		size_t len = strlen(n);
		if (len >= 2 && n[0] == '"' && len < sizeof buf) {
			buf[0] = '\'';
			memcpy(buf + 1, n + 1, len - 2);
			buf[len - 1] = '\'';
			buf[len] = '\0';
			return buf;
		}
		if (len + 3 < sizeof buf && n[0] >= 'a' && n[0] <= 'z') {
			snprintf(buf, sizeof buf, "'%s'", n);
			return buf;
		}
		return n;
	}
}

/* One message per problem, in words: "unexpected 'blame' in a rule;
 * expected one of: ..." and nothing when the lexer already spoke. */
static int yyreport_syntax_error(const yypcontext_t *ctx, struct lexer *lx)
{
	const YYLTYPE *l = yypcontext_location(ctx);
	yysymbol_kind_t expected[12];
	int n = yypcontext_expected_tokens(ctx, expected, 12), i;
	yysymbol_kind_t got = yypcontext_token(ctx);
	char buf[512];
	size_t len = 0;
	const char *where;

	if (lx->block.kind == 'r' || lx->block.kind == 't')
		cur_rule(lx)->broken = 1;
	if (l->first_line == lx->lex_error_line && l->first_column == lx->lex_error_col)
		return 0;
	switch (lx->block.kind) {
	case 'c': where = " in a class"; break;
	case 'p': where = " in a provider"; break;
	case 'r': where = " in a rule"; break;
	case 't': where = " in a retype"; break;
	default: where = lx->profile >= 0 ? " in a profile" : ""; break;
	}
	len += (size_t)snprintf(buf + len, sizeof buf - len, "unexpected %s%s", token_text(got), where);
	if (n > 0 && n < 12) {
		len += (size_t)snprintf(buf + len, sizeof buf - len, "; expected ");
		for (i = 0; i < n && len < sizeof buf - 64; i++)
			len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
			                        i == 0 ? "" : (i == n - 1 ? " or " : ", "),
			                        token_text(expected[i]));
	}
	diag_error(at(lx, l), "%s", buf);
	return 0;
}

int parse_rules(struct ruleset *rs, const char *file, int file_index, const char *buf, size_t len)
{
	struct lexer lx;
	int before = diag_errors;
	memset(&lx, 0, sizeof lx);
	lx.buf = lx.cur = lx.line_start = (const unsigned char *)buf;
	lx.lim = lx.buf + len;
	lx.line = 1;
	lx.file = file;
	lx.file_index = file_index;
	lx.rs = rs;
	lx.profile = -1;
	yyparse(&lx);
	return diag_errors - before;
}
