/*
 * jsonl.h - just enough JSON to read the corpus files: find a key in a
 * one-line object and decode its string value (escapes and \uXXXX
 * included).  Not a general parser; the test inputs are flat objects.
 */
#ifndef REBOUND_TEST_JSONL_H
#define REBOUND_TEST_JSONL_H

#include <stdio.h>
#include <string.h>

static inline size_t put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static inline unsigned hex4(const char *p)
{
	unsigned v = 0;
	int i;
	for (i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
	}
	return v;
}

/* Decode the JSON string starting at p (just after its opening quote)
 * into out; returns a pointer past the closing quote, or NULL. */
static inline const char *json_string(const char *p, char *out, size_t size, size_t *len)
{
	size_t n = 0;
	while (*p && *p != '"') {
		char tmp[4];
		size_t k = 1;
		if (*p == '\\') {
			p++;
			switch (*p) {
			case 'n': tmp[0] = '\n'; break;
			case 't': tmp[0] = '\t'; break;
			case 'r': tmp[0] = '\r'; break;
			case 'b': tmp[0] = '\b'; break;
			case 'f': tmp[0] = '\f'; break;
			case 'u': {
				unsigned cp = hex4(p + 1);
				p += 4;
				if (cp >= 0xD800 && cp < 0xDC00 && p[1] == '\\' && p[2] == 'u') {
					unsigned lo = hex4(p + 3);
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				}
				k = put_utf8(tmp, cp);
				break;
			}
			default: tmp[0] = *p; break;
			}
			p++;
		} else
			tmp[0] = *p++;
		if (n + k < size) {
			memcpy(out + n, tmp, k);
			n += k;
		}
	}
	out[n] = '\0';
	if (len)
		*len = n;
	return *p == '"' ? p + 1 : NULL;
}

/* The string value of "key" in LINE, decoded into out; 0 if absent. */
static inline int json_get(const char *line, const char *key, char *out, size_t size, size_t *len)
{
	char pat[64];
	const char *p;
	snprintf(pat, sizeof pat, "\"%s\": \"", key);
	p = strstr(line, pat);
	if (!p) {
		snprintf(pat, sizeof pat, "\"%s\":\"", key);
		p = strstr(line, pat);
	}
	if (!p) {
		out[0] = '\0';
		if (len)
			*len = 0;
		return 0;
	}
	return json_string(p + strlen(pat), out, size, len) != NULL;
}

/* The boolean value of "key" in LINE: 1, 0, or -1 when absent. */
static inline int json_bool(const char *line, const char *key)
{
	char pat[64];
	const char *p;
	snprintf(pat, sizeof pat, "\"%s\": ", key);
	p = strstr(line, pat);
	if (!p) {
		snprintf(pat, sizeof pat, "\"%s\":", key);
		p = strstr(line, pat);
	}
	if (!p)
		return -1;
	p += strlen(pat);
	return strncmp(p, "true", 4) == 0;
}

#endif
