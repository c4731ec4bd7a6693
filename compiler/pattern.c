/*
 * pattern.c - phrases and the small regular-expression subset of the
 * rule language, turned into NFA fragments.
 *
 * All matching ignores ASCII case.  In a phrase every character stands
 * for itself except a run of spaces, which matches any run of white
 * space (replies get folded and re-wrapped on their way to us).  In a
 * regex a space matches any one white-space byte.
 *
 * The regex subset: literals, '.', classes [...] and [^...], escapes
 * \d \D \w \W \s \S and \-quoted punctuation, \xHH, groups (...),
 * alternation |, and the quantifiers ? * + {n} {n,} {n,m} (at most 64).
 * '^' may open a pattern (start of the text), '$' may close it (end of
 * the text), and \b may stand at either end.  Unbounded repetition of
 * "almost anything" ('.*', '[^x]+') is refused: inside one automaton for
 * all patterns it multiplies the state count; write two text lines
 * instead, which the rule requires together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nfa.h"

void charset_add(struct charset *c, int sym)
{
	c->w[sym >> 6] |= (uint64_t)1 << (sym & 63);
}

int charset_has(const struct charset *c, int sym)
{
	return (int)((c->w[sym >> 6] >> (sym & 63)) & 1u);
}

static int charset_count(const struct charset *c)
{
	int i, n = 0;
	for (i = 0; i < NSYM; i++)
		n += charset_has(c, i);
	return n;
}

static void add_folded(struct charset *c, int ch)
{
	charset_add(c, ch);
	if (ch >= 'a' && ch <= 'z')
		charset_add(c, ch - 32);
	else if (ch >= 'A' && ch <= 'Z')
		charset_add(c, ch + 32);
}

static void add_range(struct charset *c, int lo, int hi)
{
	int ch;
	for (ch = lo; ch <= hi; ch++)
		add_folded(c, ch);
}

static int is_word(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

static int is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' || ch == '\v';
}

static void add_kind(struct charset *c, int kind)
{
	int ch;
	for (ch = 0; ch < 256; ch++) {
		int in;
		switch (kind) {
		case 'd': in = ch >= '0' && ch <= '9'; break;
		case 'D': in = !(ch >= '0' && ch <= '9'); break;
		case 'w': in = is_word(ch); break;
		case 'W': in = !is_word(ch); break;
		case 's': in = is_space(ch); break;
		default: in = !is_space(ch); break; /* 'S' */
		}
		if (in)
			charset_add(c, ch);
	}
}

/* ---- the regex syntax tree ---- */

enum { N_SET, N_CAT, N_ALT, N_REP, N_EMPTY };

struct node {
	int kind;
	int set;       /* N_SET: index into the parser's sets */
	int a, b;      /* children */
	int min, max;  /* N_REP; max -1 = unbounded */
};

struct parser {
	const char *s;
	size_t len, pos;
	VEC(struct node) nodes;
	VEC(struct charset) sets;
	char *err;
	size_t errlen, errpos;
	int failed;
};

#define RB_STR2(x) #x
#define RB_STR(x) RB_STR2(x)

static int fail(struct parser *p, size_t at, const char *msg)
{
	if (!p->failed) {
		snprintf(p->err, p->errlen, "%s", msg);
		p->errpos = at;
		p->failed = 1;
	}
	return -1;
}

static int new_node(struct parser *p, int kind, int a, int b)
{
	struct node n;
	memset(&n, 0, sizeof n);
	n.kind = kind;
	n.a = a;
	n.b = b;
	n.set = -1;
	vec_push(&p->nodes, n);
	return p->nodes.n - 1;
}

static int set_node(struct parser *p, struct charset c)
{
	int n = new_node(p, N_SET, -1, -1);
	vec_push(&p->sets, c);
	p->nodes.v[n].set = p->sets.n - 1;
	return n;
}

static int cat(struct parser *p, int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return new_node(p, N_CAT, a, b);
}

static int hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* An escape after '\' at p->pos; adds to C.  Returns 0 or -1. */
static int escape(struct parser *p, struct charset *c)
{
	int ch;
	if (p->pos >= p->len)
		return fail(p, p->pos - 1, "'\\' at the end of the pattern");
	ch = (unsigned char)p->s[p->pos++];
	switch (ch) {
	case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
		add_kind(c, ch);
		return 0;
	case 'n': add_folded(c, '\n'); return 0;
	case 't': add_folded(c, '\t'); return 0;
	case 'r': add_folded(c, '\r'); return 0;
	case 'x':
		if (p->pos + 2 <= p->len && hex(p->s[p->pos]) >= 0 && hex(p->s[p->pos + 1]) >= 0) {
			add_folded(c, hex(p->s[p->pos]) * 16 + hex(p->s[p->pos + 1]));
			p->pos += 2;
			return 0;
		}
		return fail(p, p->pos - 2, "'\\x' needs two hex digits");
	case 'b':
		return fail(p, p->pos - 2, "'\\b' may only open or close a pattern");
	default:
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
			return fail(p, p->pos - 2, "unknown escape");
		add_folded(c, ch);
		return 0;
	}
}

static int parse_class(struct parser *p)
{
	struct charset c, r;
	int negate = 0, first = 1, ch;
	size_t open = p->pos - 1;
	memset(&c, 0, sizeof c);
	if (p->pos < p->len && p->s[p->pos] == '^') {
		negate = 1;
		p->pos++;
	}
	for (;;) {
		if (p->pos >= p->len)
			return fail(p, open, "unterminated '['");
		ch = (unsigned char)p->s[p->pos];
		if (ch == ']' && !first) {
			p->pos++;
			break;
		}
		first = 0;
		p->pos++;
		if (ch == '\\') {
			if (escape(p, &c) < 0)
				return -1;
			continue;
		}
		if (p->pos + 1 < p->len && p->s[p->pos] == '-' && p->s[p->pos + 1] != ']') {
			int hi = (unsigned char)p->s[p->pos + 1];
			if (hi == '\\')
				return fail(p, p->pos, "escapes cannot end a range");
			if (hi < ch)
				return fail(p, p->pos - 1, "range out of order");
			add_range(&c, ch, hi);
			p->pos += 2;
			continue;
		}
		add_folded(&c, ch);
	}
	if (negate) {
		int i;
		memset(&r, 0, sizeof r);
		for (i = 0; i < 256; i++)
			if (!charset_has(&c, i))
				charset_add(&r, i);
		c = r;
	}
	return set_node(p, c);
}

static int parse_alt(struct parser *p, int depth);

static int parse_atom(struct parser *p, int depth)
{
	struct charset c;
	int ch = (unsigned char)p->s[p->pos++], n;
	memset(&c, 0, sizeof c);
	switch (ch) {
	case '(':
		if (p->pos < p->len && p->s[p->pos] == '?')
			return fail(p, p->pos - 1, "'(?' groups are not supported");
		n = parse_alt(p, depth + 1);
		if (n == -1 && p->failed)
			return -1;
		if (p->pos >= p->len || p->s[p->pos] != ')')
			return fail(p, p->pos, "missing ')'");
		p->pos++;
		return n < 0 ? new_node(p, N_EMPTY, -1, -1) : n;
	case '[':
		return parse_class(p);
	case '.':
		add_kind(&c, 'd');
		add_kind(&c, 'D');
		return set_node(p, c);
	case '\\':
		if (escape(p, &c) < 0)
			return -1;
		return set_node(p, c);
	case '^':
		return fail(p, p->pos - 1, "'^' may only open a pattern");
	case '$':
		return fail(p, p->pos - 1, "'$' may only close a pattern");
	case ')':
		return fail(p, p->pos - 1, "unmatched ')'");
	case '*': case '+': case '?': case '{':
		return fail(p, p->pos - 1, "quantifier with nothing to repeat");
	case ' ':
		/* a space stands for any one white-space byte, as in phrases */
		add_kind(&c, 's');
		return set_node(p, c);
	default:
		add_folded(&c, ch);
		return set_node(p, c);
	}
}

static int read_count(struct parser *p, int *v)
{
	int n = 0, any = 0;
	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
		n = n * 10 + (p->s[p->pos++] - '0');
		any = 1;
		if (n > (int)RB_MAX_REPEAT)
			return fail(p, p->pos - 1, "repetition counts stop at " RB_STR(RB_MAX_REPEAT));
	}
	*v = n;
	return any ? 0 : -1;
}

static int is_wildcard(struct parser *p, int n)
{
	return p->nodes.v[n].kind == N_SET && charset_count(&p->sets.v[p->nodes.v[n].set]) >= 200;
}

static int parse_repeat(struct parser *p, int depth)
{
	size_t at = p->pos;
	int n = parse_atom(p, depth);
	if (n < 0)
		return -1;
	while (p->pos < p->len) {
		int ch = p->s[p->pos], min, max;
		size_t qat = p->pos;
		if (ch == '?') { min = 0; max = 1; p->pos++; }
		else if (ch == '*') { min = 0; max = -1; p->pos++; }
		else if (ch == '+') { min = 1; max = -1; p->pos++; }
		else if (ch == '{') {
			p->pos++;
			if (read_count(p, &min) < 0)
				return fail(p, qat, "'{' needs a count");
			max = min;
			if (p->pos < p->len && p->s[p->pos] == ',') {
				p->pos++;
				if (p->pos < p->len && p->s[p->pos] == '}')
					max = -1;
				else if (read_count(p, &max) < 0)
					return fail(p, qat, "bad repetition count");
			}
			if (p->pos >= p->len || p->s[p->pos] != '}')
				return fail(p, qat, "missing '}'");
			p->pos++;
			if (max >= 0 && max < min)
				return fail(p, qat, "repetition counts out of order");
		} else
			break;
		if (p->pos < p->len && (p->s[p->pos] == '?' || p->s[p->pos] == '+'))
			return fail(p, p->pos, "lazy and possessive quantifiers mean nothing here");
		if (max < 0 && is_wildcard(p, n))
			return fail(p, at, "unbounded repetition of almost any character; "
			                   "split the pattern into two 'text' lines instead");
		n = new_node(p, N_REP, n, -1);
		p->nodes.v[n].min = min;
		p->nodes.v[n].max = max;
	}
	return n;
}

/* Returns a node, -1 for "nothing" (an empty branch), or -1 with
 * p->failed set on error. */
static int parse_cat(struct parser *p, int depth)
{
	int n = -1;
	while (p->pos < p->len && p->s[p->pos] != '|' && p->s[p->pos] != ')') {
		int m = parse_repeat(p, depth);
		if (m < 0)
			return -1;
		n = cat(p, n, m);
	}
	return n;
}

static int parse_alt(struct parser *p, int depth)
{
	int n;
	if (depth > RB_MAX_GROUP_DEPTH)
		return fail(p, p->pos, "groups nested too deeply");
	n = parse_cat(p, depth);
	if (p->failed)
		return -1;
	while (p->pos < p->len && p->s[p->pos] == '|') {
		int m;
		p->pos++;
		m = parse_cat(p, depth);
		if (p->failed)
			return -1;
		if (n < 0)
			n = new_node(p, N_EMPTY, -1, -1);
		if (m < 0)
			m = new_node(p, N_EMPTY, -1, -1);
		n = new_node(p, N_ALT, n, m);
	}
	return n;
}

static int nullable(const struct parser *p, int n)
{
	const struct node *x = &p->nodes.v[n];
	switch (x->kind) {
	case N_SET: return 0;
	case N_CAT: return nullable(p, x->a) && nullable(p, x->b);
	case N_ALT: return nullable(p, x->a) || nullable(p, x->b);
	case N_REP: return x->min == 0 || nullable(p, x->a);
	default: return 1;
	}
}

/* ---- NFA generation ---- */

static int new_state(struct nfa *nfa, int set)
{
	struct nfa_state s;
	s.set = set;
	s.next = s.eps1 = s.eps2 = -1;
	s.atom = -1;
	vec_push(&nfa->st, s);
	return nfa->st.n - 1;
}

static int intern_set(struct nfa *nfa, const struct charset *c)
{
	int i;
	for (i = 0; i < nfa->sets.n; i++)
		if (memcmp(&nfa->sets.v[i], c, sizeof *c) == 0)
			return i;
	vec_push(&nfa->sets, *c);
	return nfa->sets.n - 1;
}

/* Build node N; its entry is returned, its exit (an epsilon state with
 * no way out yet) stored in *exit. */
static int gen(struct nfa *nfa, const struct parser *p, int n, int *exit)
{
	const struct node *x = &p->nodes.v[n];
	int s, e, s1, e1, s2, e2, i;
	switch (x->kind) {
	case N_SET:
		s = new_state(nfa, intern_set(nfa, &p->sets.v[x->set]));
		e = new_state(nfa, -1);
		nfa->st.v[s].next = e;
		*exit = e;
		return s;
	case N_CAT:
		s1 = gen(nfa, p, x->a, &e1);
		s2 = gen(nfa, p, x->b, &e2);
		nfa->st.v[e1].eps1 = s2;
		*exit = e2;
		return s1;
	case N_ALT:
		s1 = gen(nfa, p, x->a, &e1);
		s2 = gen(nfa, p, x->b, &e2);
		s = new_state(nfa, -1);
		e = new_state(nfa, -1);
		nfa->st.v[s].eps1 = s1;
		nfa->st.v[s].eps2 = s2;
		nfa->st.v[e1].eps1 = e;
		nfa->st.v[e2].eps1 = e;
		*exit = e;
		return s;
	case N_REP:
		s = e = new_state(nfa, -1);
		for (i = 0; i < x->min; i++) {
			s1 = gen(nfa, p, x->a, &e1);
			nfa->st.v[e].eps1 = s1;
			e = e1;
		}
		if (x->max < 0) {
			int loop = new_state(nfa, -1), out = new_state(nfa, -1);
			s1 = gen(nfa, p, x->a, &e1);
			nfa->st.v[e].eps1 = loop;
			nfa->st.v[loop].eps1 = s1;
			nfa->st.v[loop].eps2 = out;
			nfa->st.v[e1].eps1 = loop;
			e = out;
		} else {
			int out = new_state(nfa, -1);
			for (i = x->min; i < x->max; i++) {
				int opt = new_state(nfa, -1);
				s1 = gen(nfa, p, x->a, &e1);
				nfa->st.v[e].eps1 = opt;
				nfa->st.v[opt].eps1 = s1;
				nfa->st.v[opt].eps2 = out;
				e = e1;
			}
			nfa->st.v[e].eps1 = out;
			e = out;
		}
		*exit = e;
		return s;
	default:
		s = new_state(nfa, -1);
		*exit = s;
		return s;
	}
}

int nfa_add_pattern(struct nfa *nfa, const struct pat *pt, int atom,
                    char *err, size_t errlen, size_t *errpos)
{
	struct parser p;
	int body = -1, lead = 0, trail = 0, accept, entry, exit_state;
	struct charset c;

	memset(&p, 0, sizeof p);
	p.s = pt->src;
	p.len = pt->len;
	p.err = err;
	p.errlen = errlen;

	if (pt->len == 0) {
		fail(&p, 0, "empty pattern");
		goto out;
	}
	if (!pt->is_regex) {
		size_t i = 0;
		while (i < pt->len) {
			memset(&c, 0, sizeof c);
			if (pt->src[i] == ' ') {
				int n;
				while (i < pt->len && pt->src[i] == ' ')
					i++;
				add_kind(&c, 's');
				n = new_node(&p, N_REP, set_node(&p, c), -1);
				p.nodes.v[n].min = 1;
				p.nodes.v[n].max = -1;
				body = cat(&p, body, n);
				continue;
			}
			add_folded(&c, (unsigned char)pt->src[i++]);
			body = cat(&p, body, set_node(&p, c));
		}
	} else {
		size_t end = p.len;
		if (p.len >= 2 && p.s[0] == '\\' && p.s[1] == 'b') {
			lead = 'b';
			p.pos = 2;
		} else if (p.s[0] == '^') {
			lead = '^';
			p.pos = 1;
		}
		if (end >= p.pos + 2 && p.s[end - 2] == '\\' && p.s[end - 1] == 'b' &&
		    !(end >= 3 && p.s[end - 3] == '\\')) {
			trail = 'b';
			end -= 2;
		} else if (end > p.pos && p.s[end - 1] == '$' && !(end >= 2 && p.s[end - 2] == '\\')) {
			trail = '$';
			end -= 1;
		}
		p.len = end;
		body = parse_alt(&p, 0);
		if (p.failed)
			goto out;
		if (p.pos < p.len) {
			fail(&p, p.pos, "unmatched ')'");
			goto out;
		}
		if (trail) {
			memset(&c, 0, sizeof c);
			charset_add(&c, SYM_EOF);
			if (trail == 'b')
				add_kind(&c, 'W');
			body = cat(&p, body, set_node(&p, c));
			nfa->uses_eof = 1;
		}
	}
	if (body < 0 || nullable(&p, body)) {
		fail(&p, 0, "pattern matches the empty text, so it would match every reply");
		goto out;
	}

	accept = new_state(nfa, -1);
	nfa->st.v[accept].atom = atom;
	entry = gen(nfa, &p, body, &exit_state);
	nfa->st.v[exit_state].eps1 = accept;
	if (lead == '^') {
		vec_push(&nfa->anchored, entry);
	} else if (lead == 'b') {
		/* at the very start, or after a character that is not a word's */
		int pre, pre_exit;
		vec_push(&nfa->anchored, entry);
		memset(&c, 0, sizeof c);
		add_kind(&c, 'W');
		pre = new_state(nfa, intern_set(nfa, &c));
		pre_exit = new_state(nfa, -1);
		nfa->st.v[pre].next = pre_exit;
		nfa->st.v[pre_exit].eps1 = entry;
		vec_push(&nfa->floating, pre);
	} else {
		vec_push(&nfa->floating, entry);
	}

out:
	free(p.nodes.v);
	free(p.sets.v);
	if (p.failed) {
		*errpos = p.errpos;
		return -1;
	}
	return 0;
}
