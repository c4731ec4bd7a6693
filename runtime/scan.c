/*
 * scan.c - small text helpers for the message parser: lines with any
 * line end, case-insensitive phrase search, email addresses, joining
 * folded lines, and the caller's scratch.
 */
#include <string.h>
#include "parser.h"

void *rbp_alloc(struct rbp_arena *a, size_t size)
{
	/* every block starts on a boundary good for any object we store */
	const size_t align = sizeof(void *) > sizeof(size_t) ? sizeof(void *) : sizeof(size_t);
	size_t start = a->used, mis = ((size_t)(a->base + start)) % align;
	if (mis)
		start += align - mis;
	if (start > a->cap || size > a->cap - start)
		return NULL;
	a->used = start + size;
	return a->base + start;
}

static int scan_char_matches(unsigned char c, unsigned char pat)
{
	if (pat == '#')
		return rbp_digit(c);
	return rbp_lower(c) == pat;
}

size_t rbp_prefix(const char *s, size_t n, const char *pat)
{
	size_t i;
	for (i = 0; pat[i]; i++)
		if (i >= n || !scan_char_matches((unsigned char)s[i], (unsigned char)pat[i]))
			return 0;
	return i;
}

rbp_span rbp_after_list_tag(rbp_span subject)
{
	const char *close;
	subject = rbp_trim(subject);
	if (!subject.len || subject.ptr[0] != '[')
		return subject;
	/* a tag is short; a bracket further on belongs to the subject */
	close = memchr(subject.ptr, ']', subject.len < 64 ? subject.len : 64);
	if (!close)
		return subject;
	return rbp_trim(rbp_mkspan(close + 1, (size_t)(subject.ptr + subject.len - close - 1)));
}

size_t rbp_find(const char *s, size_t n, const char *pat, size_t *end)
{
	size_t m = strlen(pat), i = 0, last;
	unsigned char first;
	if (m == 0 || m > n)
		return RBP_NOT_FOUND;
	first = (unsigned char)pat[0];
	if (first >= 'A' && first <= 'Z')
		return RBP_NOT_FOUND; /* patterns are lower case: such a byte never matches */
	last = n - m; /* the last offset where a match fits */
#if defined(__SSE2__) && defined(__GNUC__)
	/* sixteen offsets at a time where the first and the last byte both
	   fit: two bytes far apart stop less often than two neighbours.  A
	   pattern byte with bit 0x20 set is compared with that bit forced
	   on, which folds the case of letters in one step (for other bytes
	   it lets a few more through, which the check after sorts out). */
	if (m >= 2 && first != '#' && pat[m - 1] != '#') {
		unsigned char lastc = (unsigned char)pat[m - 1];
		const __m128i a = _mm_set1_epi8((char)first), b = _mm_set1_epi8((char)lastc),
			      fa = _mm_set1_epi8((char)(first & 0x20)), fb = _mm_set1_epi8((char)(lastc & 0x20));
		while (last - i >= 16) {
			__m128i w = _mm_loadu_si128((const __m128i *)(const void *)(s + i)),
				x = _mm_loadu_si128((const __m128i *)(const void *)(s + i + m - 1));
			unsigned hit = (unsigned)_mm_movemask_epi8(
				_mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(w, fa), a),
			                      _mm_cmpeq_epi8(_mm_or_si128(x, fb), b)));
			while (hit) {
				size_t j = i + (unsigned)__builtin_ctz(hit);
				if (rbp_prefix(s + j, n - j, pat) == m) {
					if (end)
						*end = j + m;
					return j;
				}
				hit &= hit - 1;
			}
			i += 16;
		}
	}
#endif
	for (;;) {
		/* skip to the next byte that can start a match */
		if (first == '#') {
			while (i <= last && !rbp_digit((unsigned char)s[i]))
				i++;
		} else {
			unsigned char up = (first >= 'a' && first <= 'z') ? (unsigned char)(first - 32) : first;
			i = rbp_either(s, i, last + 1, first, up);
		}
		if (i > last)
			return RBP_NOT_FOUND;
		if (rbp_prefix(s + i + 1, n - i - 1, pat + 1) == m - 1 || m == 1) {
			if (end)
				*end = i + m;
			return i;
		}
		i++;
	}
}

int rbp_same_ci(rbp_span a, rbp_span b)
{
	size_t i;
	if (a.len != b.len)
		return 0;
	for (i = 0; i < a.len; i++)
		if (rbp_lower((unsigned char)a.ptr[i]) != rbp_lower((unsigned char)b.ptr[i]))
			return 0;
	return 1;
}

/* Bytes of an address: 1 a local part's (RFC 5322 atext and the dot),
 * 2 a domain's (letters, digits, '-', '.', '_'); one load instead of a
 * string search per byte.  Bytes from 128 up are neither. */
static const unsigned char scan_addr_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 3, 3, 1,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 1, 0, 1,
	0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 1, 3,
	1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 0,
};

static int scan_local_char(unsigned char c)
{
	return scan_addr_class[c] & 1;
}

static int scan_domain_char(unsigned char c)
{
	return scan_addr_class[c] >> 1;
}

/* A local part may hold UTF-8 (RFC 6531: "ñaca@example.org").  Only the
 * two-byte sequences (Latin, Greek, Cyrillic letters...) are taken: the
 * longer ones are mostly CJK punctuation that brackets an address. */
static int scan_utf8_pair(unsigned char lead, unsigned char next)
{
	return lead >= 0xc2 && lead <= 0xdf && next >= 0x80 && next <= 0xbf;
}

/* Where the domain after the '@' at S[AT] ends (*TO); 0 if there is none. */
static int scan_domain_after(const char *s, size_t n, size_t at, size_t *to)
{
	size_t e = at + 1;
	if (e < n && s[e] == '[') {
		while (e < n && s[e] != ']' && (rbp_digit((unsigned char)s[e]) || s[e] == '.' ||
		                                s[e] == '[' || s[e] == ':' ||
		                                ((unsigned char)rbp_lower((unsigned char)s[e]) >= 'a' &&
		                                 rbp_lower((unsigned char)s[e]) <= 'f')))
			e++;
		if (e >= n || s[e] != ']')
			return 0;
		e++;
	} else {
		while (e < n && scan_domain_char((unsigned char)s[e]))
			e++;
		while (e > at + 1 && (s[e - 1] == '.' || s[e - 1] == '-'))
			e--;
		if (e == at + 1)
			return 0;
	}
	*to = e;
	return 1;
}

/* The longest address around the '@' at S[AT]; 0 if there is none. */
static int scan_address_around(const char *s, size_t n, size_t at, size_t *from, size_t *to)
{
	size_t b = at;
	if (at > 1 && s[at - 1] == '"') {
		/* a quoted local part: "john..doe"@example.org */
		b = at - 1;
		while (b > 0 && at - b < 128 && s[b - 1] != '"' && !rbp_eol((unsigned char)s[b - 1]))
			b--;
		if (b == 0 || s[b - 1] != '"' || b + 1 >= at)
			return 0;
		b--;
	} else {
		for (;;) {
			if (b > 0 && scan_local_char((unsigned char)s[b - 1]))
				b--;
			else if (b > 1 && scan_utf8_pair((unsigned char)s[b - 2], (unsigned char)s[b - 1]))
				b -= 2;
			else
				break;
		}
		/* a local part does not start or end with a dot */
		while (b < at && (s[b] == '.' || s[b] == '\''))
			b++;
		if (b == at || s[at - 1] == '.')
			return 0;
	}
	if (!scan_domain_after(s, n, at, to))
		return 0;
	*from = b;
	return 1;
}

size_t rbp_address_at(const char *s, size_t n, size_t i, rbp_span *addr)
{
	size_t j = i, at, from, to;
	unsigned char open = 0;
	int wide = 0;
	if (j < n && (s[j] == '<' || s[j] == '"' || s[j] == '\'' || s[j] == '(' || s[j] == '[')) {
		open = (unsigned char)s[j];
		j++;
	}
	/* "local"@domain: the quote belongs to the address */
	if (j < n && (open == '"' || s[j] == '"')) {
		size_t q = (open == '"') ? j : j + 1;
		while (q < n && s[q] != '"' && !rbp_eol((unsigned char)s[q]))
			q++;
		if (q + 1 < n && s[q] == '"' && s[q + 1] == '@') {
			if (open == '"') {
				j--;
				open = 0;
			}
			at = q + 1;
			if (!scan_address_around(s, n, at, &from, &to) || from != j)
				return 0;
			addr->ptr = s + from;
			addr->len = to - from;
			if (open && to < n && (s[to] == '>' || s[to] == ')' || s[to] == ']'))
				to++;
			return to;
		}
	}
	/* find the '@' of a run of address characters */
	for (at = j; at < n;) {
		if (scan_local_char((unsigned char)s[at]))
			at++;
		else if (at + 1 < n && scan_utf8_pair((unsigned char)s[at], (unsigned char)s[at + 1])) {
			at += 2;
			wide = 1;
		} else
			break;
	}
	if (at == j || at >= n || s[at] != '@')
		return 0;
	/* ASCII from J to the '@' and nothing before J that a local part
	   takes: scan_address_around would walk back to J, so only the
	   domain is left to read */
	if (!wide && !(j > 0 && scan_local_char((unsigned char)s[j - 1])) &&
	    !(j > 1 && scan_utf8_pair((unsigned char)s[j - 2], (unsigned char)s[j - 1]))) {
		/* a local part does not start or end with a dot */
		if (s[j] == '.' || s[j] == '\'' || s[at - 1] == '.' || !scan_domain_after(s, n, at, &to))
			return 0;
		from = j;
	} else if (!scan_address_around(s, n, at, &from, &to) || from != j)
		return 0;
	addr->ptr = s + from;
	addr->len = to - from;
	if (open && to < n && (s[to] == '>' || s[to] == '"' || s[to] == '\'' || s[to] == ')' ||
	                       s[to] == ']'))
		to++;
	return to;
}

size_t rbp_find_address(const char *s, size_t n, rbp_span *addr)
{
	const char *p = s;
	size_t from, to;
	if (!n)
		return 0;
	while ((p = memchr(p, '@', n - (size_t)(p - s))) != NULL) {
		size_t at = (size_t)(p - s);
		if (scan_address_around(s, n, at, &from, &to)) {
			addr->ptr = s + from;
			addr->len = to - from;
			return to;
		}
		p++;
		if ((size_t)(p - s) >= n)
			break;
	}
	return 0;
}

int rbp_is_address(rbp_span s)
{
	rbp_span a;
	return s.len && rbp_address_at(s.ptr, s.len, 0, &a) == s.len && a.len == s.len;
}

size_t rbp_join_lines(rbp_span s, char *out, size_t cap, int *cut)
{
	size_t i = 0, o = 0;
	int pending_space = 0;
	s = rbp_trim(s);
	while (i < s.len) {
		/* the rest of the line is copied as it is, in one go */
		size_t e = rbp_either(s.ptr, i, s.len, '\n', '\r');
		if (e > i) {
			if (pending_space) {
				if (o >= cap) {
					*cut = 1;
					break;
				}
				out[o++] = ' ';
				pending_space = 0;
			}
			if (e - i > cap - o) {
				memcpy(out + o, s.ptr + i, cap - o);
				o = cap;
				*cut = 1;
				break;
			}
			memcpy(out + o, s.ptr + i, e - i);
			o += e - i;
			i = e;
			if (i == s.len)
				break;
		}
		/* drop blanks before the break, the break, and the indent after */
		while (o > 0 && rbp_blank((unsigned char)out[o - 1]))
			o--;
		while (i < s.len && rbp_space((unsigned char)s.ptr[i]))
			i++;
		pending_space = 1;
	}
	return o;
}

rbp_span rbp_strip_type(rbp_span v)
{
	size_t i;
	v = rbp_trim(v);
	/* a label is a short word of letters, digits and dashes before ';',
	   starting with a letter (so "550-5.1.1;" is not one) */
	if (!v.len || !((v.ptr[0] >= 'a' && v.ptr[0] <= 'z') || (v.ptr[0] >= 'A' && v.ptr[0] <= 'Z')))
		return v;
	for (i = 0; i < v.len && i < 24; i++) {
		unsigned char c = (unsigned char)v.ptr[i];
		if (c == ';') {
			if (i == 0)
				break;
			v.ptr += i + 1;
			v.len -= i + 1;
			return rbp_trim(v);
		}
		if (!scan_domain_char(c)) /* letters, digits, '-', '_', '.' */
			break;
	}
	return v;
}

rbp_span rbp_clean_address(rbp_span v)
{
	rbp_span a;
	v = rbp_trim(rbp_strip_type(v));
	if (rbp_address_at(v.ptr, v.len, 0, &a))
		return a;
	/* "Name <addr>" or trailing comments: keep the address itself */
	if (rbp_find_address(v.ptr, v.len, &a))
		return a;
	while (v.len && (v.ptr[0] == '<' || v.ptr[0] == '"' || v.ptr[0] == '\'')) {
		v.ptr++;
		v.len--;
	}
	while (v.len && (v.ptr[v.len - 1] == '>' || v.ptr[v.len - 1] == '"' || v.ptr[v.len - 1] == '\''))
		v.len--;
	return rbp_trim(v);
}

/* ---- HTML --------------------------------------------------------- */

/* Tags that end a line of text. */
#define SCAN_TAG(s) {s, sizeof s - 1}
static const struct {
	const char *name;
	size_t len;
} scan_block_tags[] = {
	SCAN_TAG("br"), SCAN_TAG("p"), SCAN_TAG("div"), SCAN_TAG("tr"), SCAN_TAG("li"),
	SCAN_TAG("h1"), SCAN_TAG("h2"), SCAN_TAG("h3"), SCAN_TAG("h4"), SCAN_TAG("h5"),
	SCAN_TAG("h6"), SCAN_TAG("table"), SCAN_TAG("pre"), SCAN_TAG("blockquote"), SCAN_TAG("hr"),
	SCAN_TAG("ul"), SCAN_TAG("ol"), SCAN_TAG("dt"), SCAN_TAG("dd"),
};

/* Put code point CP as UTF-8 at OUT (room for 4 bytes is checked by the
 * caller); returns the length. */
static size_t scan_utf8(unsigned long cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp > 0x10ffff)
		cp = 0xfffd;
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* An entity at S (just after '&'): its text into OUT; returns the
 * length of the entity consumed, 0 if it is none we know. */
static size_t scan_entity(const char *s, size_t n, char *out, size_t *wrote)
{
	static const struct {
		const char *name;
		char ch;
	} named[] = {{"nbsp;", ' '}, {"lt;", '<'}, {"gt;", '>'}, {"amp;", '&'}, {"quot;", '"'},
	             {"apos;", '\''}};
	size_t k, i;
	for (k = 0; k < sizeof named / sizeof named[0]; k++)
		if (rbp_prefix(s, n, named[k].name)) {
			out[0] = named[k].ch;
			*wrote = 1;
			return strlen(named[k].name);
		}
	if (n > 2 && s[0] == '#') {
		unsigned long cp = 0;
		int hex = s[1] == 'x' || s[1] == 'X';
		for (i = hex ? 2 : 1; i < n && i < 10; i++) {
			unsigned char c = (unsigned char)s[i];
			if (rbp_digit(c))
				cp = cp * (hex ? 16 : 10) + (c - '0');
			else if (hex && rbp_lower(c) >= 'a' && rbp_lower(c) <= 'f')
				cp = cp * 16 + (unsigned long)(rbp_lower(c) - 'a' + 10);
			else
				break;
		}
		if (i < n && s[i] == ';' && i > (size_t)(hex ? 2 : 1)) {
			*wrote = scan_utf8(cp ? cp : 0xfffd, out);
			return i + 1;
		}
	}
	return 0;
}

size_t rbp_html_text(rbp_span html, char *out, size_t cap)
{
	size_t i = 0, o = 0;
	int space = 0;
	while (i < html.len && o + 4 < cap) {
		unsigned char c = (unsigned char)html.ptr[i];
		if (c == '<') {
			/* a tag: find its name and its end */
			size_t j = i + 1, name, e;
			int closing = 0, skip_content = 0;
			size_t t;
			if (j < html.len && html.ptr[j] == '/') {
				closing = 1;
				j++;
			}
			name = j;
			while (j < html.len && ((html.ptr[j] >= 'a' && html.ptr[j] <= 'z') ||
			                        (html.ptr[j] >= 'A' && html.ptr[j] <= 'Z') ||
			                        rbp_digit((unsigned char)html.ptr[j])))
				j++;
			{
				/* styles make long tags */
				const char *gt = j < html.len ? memchr(html.ptr + j, '>', html.len - j) : NULL;
				e = gt ? (size_t)(gt - html.ptr) : html.len;
			}
			for (t = 0; t < sizeof scan_block_tags / sizeof scan_block_tags[0]; t++)
				if (rbp_is_ci_n(rbp_mkspan(html.ptr + name, j - name), scan_block_tags[t].name,
				                scan_block_tags[t].len)) {
					out[o++] = '\n';
					space = 0;
					break;
				}
			if (!closing && (rbp_is_ci(rbp_mkspan(html.ptr + name, j - name), "script") ||
			                 rbp_is_ci(rbp_mkspan(html.ptr + name, j - name), "style")))
				skip_content = 1;
			i = e < html.len ? e + 1 : html.len;
			if (skip_content) {
				size_t end;
				size_t off = rbp_find(html.ptr + i, html.len - i, "</", &end);
				i = off == RBP_NOT_FOUND ? html.len : i + off;
			}
			continue;
		}
		if (rbp_space(c)) {
			space = 1;
			i++;
			continue;
		}
		if (space && o > 0 && out[o - 1] != '\n')
			out[o++] = ' ';
		space = 0;
		if (c == '&') {
			size_t wrote = 0, used = scan_entity(html.ptr + i + 1, html.len - i - 1, out + o, &wrote);
			if (used) {
				o += wrote;
				i += used + 1;
				continue;
			}
		}
		out[o++] = (char)c;
		i++;
	}
	return o;
}
