/*
 * codes.c - find the SMTP reply code and the enhanced status code in a
 * reply text.
 *
 * Replies reach us in many wrappings ("smtp; 550 5.1.1 ...", "host
 * mx.example.org said: 550-5.1.1 ...", "#550 5.1.1 RESOLVER..."), so the
 * codes are searched for rather than expected at the start.  One pass,
 * no allocation.
 */
#include <string.h>
#include "internal.h"

/* Does any of the 8 bytes of X lie in '0'..'9'?  (A classic word-wide
 * range test; bytes of 0x80 and above never count.) */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
static int has_digit(uint64_t x)
{
	uint64_t low7 = x & (ONES * 127);
	return ((ONES * (127 + ('9' + 1)) - low7) & ~x & (low7 + ONES * (127 - ('0' - 1))) & HIGHS) != 0;
}

/* Index of the next digit at or after i, or len. */
static size_t next_digit(const unsigned char *p, size_t i, size_t len)
{
	while (i + 8 <= len) {
		uint64_t x;
		memcpy(&x, p + i, 8);
		if (has_digit(x))
			break;
		i += 8;
	}
	while (i < len && (unsigned char)(p[i] - '0') > 9)
		i++;
	return i;
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alnum(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Characters that may stand right before a code. */
static int code_may_follow(unsigned char c)
{
	return is_space(c) || c == ':' || c == ';' || c == '(' || c == '[' || c == '<' ||
	       c == '"' || c == '\'' || c == '=' || c == ',' || c == '#' || c == '{' ||
	       c == '|' || c == '>';
}

/*
 * A code standing alone away from the start is only believed after a
 * separator that introduces a reply, such as "said: 550" or "(#550",
 * not after a word, as in "exceeds the 552 byte limit".
 */
static int introduces_reply(const unsigned char *p, size_t start, size_t i)
{
	while (i > start && (p[i - 1] == ' ' || p[i - 1] == '\t'))
		i--;
	if (i == start)
		return 1;
	switch (p[i - 1]) {
	case ':': case ';': case '#': case '(': case '[': case '<': case '"': case '\'':
	case '=': case '\n': case '\r': case '|': case '{': case '>':
		return 1;
	default:
		return 0;
	}
}

/*
 * A status "C.S.D" starting at p[i]: C one of 2, 4, 5; S and D of one
 * to three digits; not part of a longer dotted number such as an IP
 * address.  Returns its length, or 0.
 */
static size_t status_at(const unsigned char *p, size_t n, size_t i, struct rb_codes *c)
{
	size_t j = i, k;
	unsigned subj = 0, det = 0;

	if (j >= n || (p[j] != '2' && p[j] != '4' && p[j] != '5'))
		return 0;
	if (i > 0 && (is_alnum(p[i - 1]) || p[i - 1] == '.'))
		return 0;
	j++;
	if (j >= n || p[j] != '.')
		return 0;
	j++;
	for (k = 0; j < n && is_digit(p[j]) && k < 4; j++, k++)
		subj = subj * 10 + (unsigned)(p[j] - '0');
	if (k == 0 || k > 3 || j >= n || p[j] != '.')
		return 0;
	j++;
	for (k = 0; j < n && is_digit(p[j]) && k < 4; j++, k++)
		det = det * 10 + (unsigned)(p[j] - '0');
	if (k == 0 || k > 3)
		return 0;
	/* "5.1.1.2" or "5.1.1a" is something else */
	if (j < n && (is_alnum(p[j]) || (p[j] == '.' && j + 1 < n && is_digit(p[j + 1]))))
		return 0;
	c->cls = (unsigned)(p[i] - '0');
	c->subject = subj;
	c->detail = det;
	return j - i;
}

/* A reply code "NNN" at p[i], first digit 2 to 5, standing alone. */
static int reply_at(const unsigned char *p, size_t n, size_t i, unsigned *code)
{
	if (i + 3 > n || p[i] < '2' || p[i] > '5' || !is_digit(p[i + 1]) || !is_digit(p[i + 2]))
		return 0;
	if (i > 0 && !code_may_follow(p[i - 1]))
		return 0;
	if (i + 3 < n && !(is_space(p[i + 3]) || p[i + 3] == '-' || p[i + 3] == ']' ||
	                   p[i + 3] == ')' || p[i + 3] == ','))
		return 0;
	*code = (unsigned)(p[i] - '0') * 100 + (unsigned)(p[i + 1] - '0') * 10 +
	        (unsigned)(p[i + 2] - '0');
	return 1;
}

int rb_parse_status(const char *s, size_t len, struct rb_codes *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	struct rb_codes c = {0, 0, 0, 0};

	while (i < len && is_space(p[i]))
		i++;
	if (status_at(p, len, i, &c) == 0)
		return 0;
	out->cls = c.cls;
	out->subject = c.subject;
	out->detail = c.detail;
	return 1;
}

/*
 * A reply code counts for sure when it opens the text (after blanks and
 * an optional "smtp;" label) or when a status code follows it.  A lone
 * three-digit number elsewhere is only taken when nothing better turns
 * up, since such numbers also appear as sizes and counts.
 */
void rb_find_codes(const char *text, size_t len, struct rb_codes *out)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0, start;
	unsigned code, weak = 0;
	int have_status = 0;
	struct rb_codes st = {0, 0, 0, 0};

	out->reply = 0;
	out->cls = out->subject = out->detail = 0;
	if (len == 0)
		return;
	while (i < len && is_space(p[i]))
		i++;
	if (i + 5 <= len && (p[i] | 0x20) == 's' && (p[i + 1] | 0x20) == 'm' &&
	    (p[i + 2] | 0x20) == 't' && (p[i + 3] | 0x20) == 'p' && p[i + 4] == ';') {
		i += 5;
		while (i < len && is_space(p[i]))
			i++;
	}
	start = i;
	for (; i < len; i++) {
		size_t sl;
		i = next_digit(p, i, len);
		if (i >= len)
			break;
		if (i > 0 && is_digit(p[i - 1]))
			continue;
		if (reply_at(p, len, i, &code)) {
			size_t j = i + 3;
			struct rb_codes after = {0, 0, 0, 0};
			if (j < len && (p[j] == ' ' || p[j] == '-')) {
				size_t k = j + 1;
				while (k < len && p[k] == ' ')
					k++;
				if (status_at(p, len, k, &after)) {
					out->reply = code;
					out->cls = after.cls;
					out->subject = after.subject;
					out->detail = after.detail;
					return;
				}
			}
			if (i == start) {
				out->reply = code;
				/* keep looking for a status further on */
				for (i += 3; i < len; i++) {
					if (is_digit(p[i]) && !(i > 0 && is_digit(p[i - 1])) &&
					    status_at(p, len, i, &st)) {
						out->cls = st.cls;
						out->subject = st.subject;
						out->detail = st.detail;
						return;
					}
				}
				return;
			}
			if (!weak && introduces_reply(p, start, i))
				weak = code;
			continue;
		}
		if (!have_status && (sl = status_at(p, len, i, &st)) != 0) {
			have_status = 1;
			i += sl - 1;
		}
	}
	if (have_status) {
		out->cls = st.cls;
		out->subject = st.subject;
		out->detail = st.detail;
	}
	/* A lone number is believed only if its class agrees with the status. */
	if (weak && (!have_status || weak / 100 == st.cls))
		out->reply = weak;
}
