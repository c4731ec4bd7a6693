/*
 * logjson.c - JSON values found in place (logjson.h).  The searches
 * trust the brackets and quotes they meet; lj_valid is the strict check
 * for input that has to be reported when broken.
 */
#include <stdint.h>
#include <string.h>
#include "logjson.h"

static const char *lj_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* The end of the value at P: a string, a number or literal, or a whole
 * object or array, skipped by counting brackets outside strings. */
static const char *lj_value_end(const char *p, const char *end)
{
	size_t depth = 0;
	int in_string = 0;
	for (; p < end; p++) {
		if (in_string) {
			if (*p == '\\')
				p++;
			else if (*p == '"') {
				in_string = 0;
				if (!depth)
					return p + 1;
			}
		} else if (*p == '"')
			in_string = 1;
		else if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']') {
			if (!depth)
				return p; /* the end of the enclosing value */
			if (!--depth)
				return p + 1;
		} else if (!depth && (*p == ',' || *p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
			return p;
	}
	return depth || in_string ? NULL : p;
}

struct span lj_member(struct span obj, const char *key)
{
	const char *p, *end;
	size_t k = strlen(key);
	if (!obj.n || obj.p[0] != '{')
		return mlog_span(NULL, 0);
	end = obj.p + obj.n;
	for (p = obj.p + 1;;) {
		const char *name, *name_end, *v, *v_end;
		p = lj_ws(p, end);
		if (p >= end || *p != '"')
			return mlog_span(NULL, 0);
		name = p + 1;
		if (!(name_end = lj_value_end(p, end)))
			return mlog_span(NULL, 0);
		p = lj_ws(name_end, end);
		if (p >= end || *p != ':')
			return mlog_span(NULL, 0);
		v = lj_ws(p + 1, end);
		if (!(v_end = lj_value_end(v, end)) || v_end == v)
			return mlog_span(NULL, 0);
		if ((size_t)(name_end - 1 - name) == k && memcmp(name, key, k) == 0)
			return mlog_span(v, (size_t)(v_end - v));
		p = lj_ws(v_end, end);
		if (p >= end || *p != ',')
			return mlog_span(NULL, 0);
		p++;
	}
}

struct span lj_path(struct span obj, const char *path)
{
	char name[64];
	while (obj.n) {
		size_t k = strcspn(path, ".");
		if (k >= sizeof name)
			return mlog_span(NULL, 0);
		memcpy(name, path, k);
		name[k] = '\0';
		obj = lj_member(obj, name);
		if (!path[k])
			return obj;
		path += k + 1;
	}
	return obj;
}

int lj_next(struct span arr, size_t *pos, struct span *elem)
{
	const char *p, *end, *v_end;
	if (!arr.n || arr.p[0] != '[' || *pos >= arr.n)
		return 0;
	end = arr.p + arr.n;
	p = arr.p + (*pos ? *pos : 1);
	p = lj_ws(p, end);
	if (p < end && *p == ',' && *pos)
		p = lj_ws(p + 1, end);
	if (p >= end || *p == ']' || !(v_end = lj_value_end(p, end)) || v_end == p) {
		*pos = arr.n;
		return 0;
	}
	*elem = mlog_span(p, (size_t)(v_end - p));
	*pos = (size_t)(v_end - arr.p);
	return 1;
}

static size_t lj_utf8(unsigned long cp, char *out)
{
	if (cp < 0x80)
		return out[0] = (char)cp, 1;
	if (cp < 0x800)
		return out[0] = (char)(0xC0 | cp >> 6), out[1] = (char)(0x80 | (cp & 0x3F)), 2;
	if (cp < 0x10000)
		return out[0] = (char)(0xE0 | cp >> 12), out[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
		       out[2] = (char)(0x80 | (cp & 0x3F)), 3;
	return out[0] = (char)(0xF0 | cp >> 18), out[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
	       out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), out[3] = (char)(0x80 | (cp & 0x3F)), 4;
}

static int lj_hex4(const char *p, const char *end, unsigned long *v)
{
	int i;
	*v = 0;
	if (end - p < 4)
		return 0;
	for (i = 0; i < 4; i++) {
		char c = p[i];
		unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
		             : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
		             : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
		                                    : 16u;
		if (d > 15)
			return 0;
		*v = *v << 4 | d;
	}
	return 1;
}

/* The escapes take at least as many bytes as the UTF-8 they stand for
 * (\uXXXX is 6 for at most 3, a surrogate pair 12 for 4), so the text
 * never outgrows its escaped form. */
struct span lj_text(struct span v, char **out)
{
	const char *p, *end;
	char *start = *out, *o = *out;
	if (v.n < 2 || v.p[0] != '"' || v.p[v.n - 1] != '"')
		return mlog_span(NULL, 0);
	p = v.p + 1;
	end = v.p + v.n - 1;
	while (p < end) {
		unsigned long cp, lo;
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		if (++p >= end)
			break;
		switch (*p) {
		case 'n': *o++ = '\n'; p++; break;
		case 'r': *o++ = '\r'; p++; break;
		case 't': *o++ = '\t'; p++; break;
		case 'b': *o++ = '\b'; p++; break;
		case 'f': *o++ = '\f'; p++; break;
		case 'u':
			if (!lj_hex4(p + 1, end, &cp)) {
				*o++ = *p++;
				break;
			}
			p += 5;
			if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
			    lj_hex4(p + 2, end, &lo) && lo >= 0xDC00 && lo < 0xE000) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			} else if (cp >= 0xD800 && cp < 0xE000)
				cp = 0xFFFD; /* a lone surrogate */
			o += lj_utf8(cp, o);
			break;
		default: *o++ = *p++; break; /* \" \\ \/ and the unknown */
		}
	}
	*out = o;
	return mlog_span(start, (size_t)(o - start));
}

struct span lj_scalar(struct span v, char **out)
{
	if (v.n && ((v.p[0] >= '0' && v.p[0] <= '9') || v.p[0] == '-'))
		return v;
	return lj_text(v, out);
}

unsigned long lj_uint(struct span v)
{
	unsigned long n = 0;
	size_t i = v.n && v.p[0] == '"' ? 1 : 0;
	for (; i < v.n && v.p[i] >= '0' && v.p[i] <= '9' && n < 100000000ul; i++)
		n = n * 10 + (unsigned long)(v.p[i] - '0');
	return n;
}

int lj_is(struct span v, const char *s)
{
	size_t k = strlen(s), i;
	if (v.n != k + 2 || v.p[0] != '"')
		return 0;
	for (i = 0; i < k; i++) {
		char a = v.p[i + 1], b = s[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return 1;
}

/* ---- the strict check ----------------------------------------------------- */

static const char *lj_string_end(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			unsigned long cp;
			if (++p >= end)
				return NULL;
			if (*p == 'u') {
				if (!lj_hex4(p + 1, end, &cp))
					return NULL;
				p += 4;
			} else if (!strchr("\"\\/bfnrt", *p) || !*p)
				return NULL;
		}
	}
	return NULL;
}

static const char *lj_number_end(const char *p, const char *end)
{
	const char *q;
	if (p < end && *p == '-')
		p++;
	if (p >= end || *p < '0' || *p > '9')
		return NULL;
	if (*p == '0')
		p++;
	else
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	if (p < end && *p == '.') {
		q = ++p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == q)
			return NULL;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		q = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == q)
			return NULL;
	}
	return p;
}

static const char *lj_literal_end(const char *p, const char *end)
{
	static const char *const words[] = {"true", "false", "null"};
	size_t i;
	for (i = 0; i < 3; i++) {
		size_t k = strlen(words[i]);
		if ((size_t)(end - p) >= k && memcmp(p, words[i], k) == 0)
			return p + k;
	}
	return NULL;
}

/* A state machine over the text; the open brackets are kept as bits
 * (1 for an object), so the depth is bounded and nothing recurses. */
int lj_valid(const char *p, size_t n)
{
	enum { VALUE, AFTER_VALUE, KEY, COLON } want = VALUE;
	uint64_t kind[LJ_MAX_DEPTH / 64];
	size_t depth = 0;
	const char *end = p + n;
	memset(kind, 0, sizeof kind);
	for (;;) {
		int in_object = depth && (kind[(depth - 1) / 64] >> ((depth - 1) % 64) & 1);
		p = lj_ws(p, end);
		if (p >= end)
			return want == AFTER_VALUE && !depth;
		switch (want) {
		case VALUE:
			if (*p == '{' || *p == '[') {
				uint64_t bit = (uint64_t)1 << (depth % 64);
				if (depth >= LJ_MAX_DEPTH)
					return 0;
				if (*p == '{')
					kind[depth / 64] |= bit;
				else
					kind[depth / 64] &= ~bit;
				depth++;
				p = lj_ws(p + 1, end);
				if (p < end && *p == (kind[(depth - 1) / 64] & bit ? '}' : ']')) {
					depth--;
					p++;
					want = AFTER_VALUE;
				} else
					want = kind[(depth - 1) / 64] & bit ? KEY : VALUE;
				continue;
			}
			if (*p == '"')
				p = lj_string_end(p, end);
			else if (*p == '-' || (*p >= '0' && *p <= '9'))
				p = lj_number_end(p, end);
			else
				p = lj_literal_end(p, end);
			if (!p)
				return 0;
			want = AFTER_VALUE;
			break;
		case AFTER_VALUE:
			if (!depth)
				return 0; /* something after the value */
			if (*p == ',') {
				p++;
				want = in_object ? KEY : VALUE;
			} else if (*p == (in_object ? '}' : ']')) {
				p++;
				depth--;
			} else
				return 0;
			break;
		case KEY:
			if (*p != '"' || !(p = lj_string_end(p, end)))
				return 0;
			want = COLON;
			break;
		case COLON:
			if (*p != ':')
				return 0;
			p++;
			want = VALUE;
			break;
		}
	}
}
