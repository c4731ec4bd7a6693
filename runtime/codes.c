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

/* Inlined into the two entry points at the end of the file, so that
 * each has its own copy, with the choice between marks and scanning
 * made once and no call per candidate place. */
#if defined(__GNUC__)
#define CODES_INLINE __attribute__((always_inline)) inline
#else
#define CODES_INLINE inline
#endif

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

static int is_digit(unsigned char c) { return (unsigned char)(c - '0') <= 9; }
static int is_alnum(unsigned char c)
{
	return is_digit(c) || (unsigned char)((c | 0x20) - 'a') <= 'z' - 'a';
}

/* What a byte may be next to a code, one table lookup instead of a chain
 * of comparisons. */
enum {
	CC_SPACE = 1,  /* white space */
	CC_BEFORE = 2, /* may stand right before a code */
	CC_AFTER = 4,  /* may follow a reply code */
	CC_INTRO = 8   /* introduces a reply ("said: 550", "(#550") */
};
static const unsigned char code_chars[256] = {
	['\t'] = CC_SPACE | CC_BEFORE | CC_AFTER, ['\n'] = CC_SPACE | CC_BEFORE | CC_AFTER | CC_INTRO,
	['\v'] = CC_SPACE | CC_BEFORE | CC_AFTER, ['\f'] = CC_SPACE | CC_BEFORE | CC_AFTER,
	['\r'] = CC_SPACE | CC_BEFORE | CC_AFTER | CC_INTRO, [' '] = CC_SPACE | CC_BEFORE | CC_AFTER,
	[':'] = CC_BEFORE | CC_INTRO, [';'] = CC_BEFORE | CC_INTRO, ['('] = CC_BEFORE | CC_INTRO,
	['['] = CC_BEFORE | CC_INTRO, ['<'] = CC_BEFORE | CC_INTRO, ['"'] = CC_BEFORE | CC_INTRO,
	['\''] = CC_BEFORE | CC_INTRO, ['='] = CC_BEFORE | CC_INTRO, ['#'] = CC_BEFORE | CC_INTRO,
	['{'] = CC_BEFORE | CC_INTRO, ['|'] = CC_BEFORE | CC_INTRO, ['>'] = CC_BEFORE | CC_INTRO,
	[','] = CC_BEFORE | CC_AFTER, ['-'] = CC_AFTER, [']'] = CC_AFTER, [')'] = CC_AFTER
};
static int is_space(unsigned char c) { return code_chars[c] & CC_SPACE; }

/*
 * A line break or tab written as an escape, "\n", "\r" or "\t": what
 * a reply becomes inside a JSON string, a Python bytes literal or a log
 * line ("SMTPSenderRefused: 550\n5.7.1 ...").  It separates a code from
 * what follows as a real line break would.
 */
static int escape_at(const unsigned char *p, size_t n, size_t j)
{
	return j + 1 < n && p[j] == '\\' && (p[j + 1] == 'n' || p[j + 1] == 'r' || p[j + 1] == 't');
}

/* Is the byte before p[i] the letter of such an escape? */
static int after_escape(const unsigned char *p, size_t i)
{
	return i >= 2 && p[i - 2] == '\\' && (p[i - 1] == 'n' || p[i - 1] == 'r' || p[i - 1] == 't');
}

/*
 * A code standing alone away from the start is only believed after a
 * separator that introduces a reply, such as "said: 550" or "(#550", or
 * as the first word of a sentence ("could not be delivered. 550 No such
 * user"), not after a word, as in "exceeds the 552 byte limit".
 */
static int introduces_reply(const unsigned char *p, size_t start, size_t i)
{
	size_t at = i;
	while (i > start && (p[i - 1] == ' ' || p[i - 1] == '\t'))
		i--;
	return i == start || (code_chars[p[i - 1]] & CC_INTRO) || (p[i - 1] == '.' && i < at);
}

/*
 * A status "C.S.D" starting at p[i]: C one of 2, 4, 5; S and D of one
 * to three digits; not part of a longer dotted number such as an IP
 * address, nor of a word ("x_5.1.1"), but for the letter of a written
 * escape ("550\n5.7.1") when ESCAPED, which only a caller reading at a
 * fixed place after a reply code sets (the automaton marks no status
 * there).  Returns its length, or 0.
 */
static size_t status_in(const unsigned char *p, size_t n, size_t i, struct rb_codes *c,
                        int escaped)
{
	size_t j, k;
	unsigned subj = 0, det = 0;

	/* the shortest status is five bytes; the class is 2, 4 or 5 */
	if (n < 5 || i > n - 5 || p[i + 1] != '.' || (unsigned char)(p[i] - '0') > 9 ||
	    !((0x34u >> (p[i] - '0')) & 1u))
		return 0;
	if (i > 0 && (is_alnum(p[i - 1]) || p[i - 1] == '.' || p[i - 1] == '_') &&
	    !(escaped && after_escape(p, i)))
		return 0;
	for (j = i + 2, k = 0; j < n && is_digit(p[j]) && k < 4; j++, k++)
		subj = subj * 10 + (unsigned)(p[j] - '0');
	if (k == 0 || k > 3 || j >= n || p[j] != '.')
		return 0;
	for (j++, k = 0; j < n && is_digit(p[j]) && k < 4; j++, k++)
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

static size_t status_at(const unsigned char *p, size_t n, size_t i, struct rb_codes *c)
{
	return status_in(p, n, i, c, 0);
}

/* RFC 5321 gives the second digit of a reply 0 to 5; a few servers use
 * others ("571 Delivery not authorized"), but so do port numbers (465,
 * 587), so such a number is the weaker guess when it stands alone. */
static int nonstandard(unsigned code) { return code / 10 % 10 > 5; }

/* A reply code "NNN" at p[i], first digit 2 to 5, standing alone. */
static CODES_INLINE int reply_at(const unsigned char *p, size_t n, size_t i, unsigned *code)
{
	if (i + 3 > n || p[i] < '2' || p[i] > '5' || !is_digit(p[i + 1]) || !is_digit(p[i + 2]))
		return 0;
	if (i > 0 && !(code_chars[p[i - 1]] & CC_BEFORE))
		return 0;
	if (i + 3 < n && !(code_chars[p[i + 3]] & CC_AFTER) && !escape_at(p, n, i + 3))
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
 * Exchange wraps the real status after a generic one: "554 5.7.0 <
 * #5.7.133 ...>", "550 5.0.0 < #5.2.2 >".  When the status after the
 * reply ends in .0 and "<" and "#" follow, a status of the same class
 * there replaces it.  Read at a fixed place, so marked and scanned
 * searches agree.
 */
static void inner_status(const unsigned char *p, size_t len, size_t i, struct rb_codes *st)
{
	struct rb_codes in = {0, 0, 0, 0};
	while (i < len && p[i] == ' ')
		i++;
	if (i >= len || p[i] != '<')
		return;
	i++;
	while (i < len && p[i] == ' ')
		i++;
	if (i >= len || p[i] != '#')
		return;
	if (status_at(p, len, i + 1, &in) && in.cls == st->cls)
		*st = in;
}

/*
 * Where codes may start: either every start of a run of digits, found by
 * scanning, or the positions the DFA marked while it read the text (a
 * superset of the places where reply_at or status_at can succeed, so
 * both give the same answer).
 */
struct cursor {
	const unsigned char *p;
	size_t len, i;     /* scanning: where to look next */
	const uint32_t *at; /* marked positions, or NULL to scan */
	unsigned n, k;
};

/* The next candidate position at or after c->i, or c->len. */
static CODES_INLINE size_t next_candidate(struct cursor *c)
{
	if (c->at) {
		while (c->k < c->n) {
			size_t i = c->at[c->k++];
			if (i >= c->i && i < c->len)
				return i;
		}
		return c->len;
	}
	for (;;) {
		size_t i = next_digit(c->p, c->i, c->len);
		if (i >= c->len)
			return c->len;
		c->i = i + 1;
		if (i == 0 || !is_digit(c->p[i - 1]))
			return i;
	}
}

/*
 * A reply code counts for sure when it opens the text (after blanks and
 * an optional "smtp;" label) or when a status code follows it.  A lone
 * three-digit number elsewhere is only taken when nothing better turns
 * up, since such numbers also appear as sizes and counts.
 */
static CODES_INLINE void find_codes(struct cursor *cur, struct rb_codes *out)
{
	const unsigned char *p = cur->p;
	size_t len = cur->len, i = 0, start;
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
	cur->i = start;
	while ((i = next_candidate(cur)) < len) {
		size_t sl;
		if (reply_at(p, len, i, &code)) {
			size_t j = i + 3;
			struct rb_codes after = {0, 0, 0, 0};
			if (j < len && (p[j] == ' ' || p[j] == '-' || escape_at(p, len, j))) {
				int esc = p[j] == '\\';
				size_t k = j + 1 + (size_t)esc;
				int paren;
				while (k < len && p[k] == ' ')
					k++;
				/* "with code 554 (5.7.1)" (Stalwart): in brackets, the
				   status must be of the reply's class to go with it */
				paren = k + 1 < len && p[k] == '(';
				if ((sl = status_in(p, len, k + (size_t)paren, &after, esc)) != 0 &&
				    (!paren || after.cls == code / 100)) {
					if (after.detail == 0)
						inner_status(p, len, k + (size_t)paren + sl, &after);
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
				cur->i = i + 3;
				while ((i = next_candidate(cur)) < len)
					if (status_at(p, len, i, &st)) {
						out->cls = st.cls;
						out->subject = st.subject;
						out->detail = st.detail;
						return;
					}
				return;
			}
			/* a lone number with a second digit of 6 to 9 ("port: 587")
			   gives way to a later one of the usual form */
			if ((!weak || (nonstandard(weak) && !nonstandard(code))) &&
			    introduces_reply(p, start, i))
				weak = code;
			continue;
		}
		if (!have_status && (sl = status_at(p, len, i, &st)) != 0) {
			have_status = 1;
			cur->i = i + sl;
			/* "550: 5.7.1" (Yahoo's notices): the reply, a colon, then a
			   status of its class; found from the status, whose place
			   the automaton marks, since a colon may not follow a code */
			if (!weak && i >= start + 5 && p[i - 1] == ' ' && p[i - 2] == ':' &&
			    p[i - 5] == p[i] && is_digit(p[i - 4]) && is_digit(p[i - 3]) &&
			    (i == start + 5 || (code_chars[p[i - 6]] & CC_BEFORE)))
				weak = (unsigned)(p[i - 5] - '0') * 100 + (unsigned)(p[i - 4] - '0') * 10 +
				       (unsigned)(p[i - 3] - '0');
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

void rb_find_codes(const char *text, size_t len, struct rb_codes *out)
{
	struct cursor c;
	memset(&c, 0, sizeof c);
	c.p = (const unsigned char *)text;
	c.len = len;
	find_codes(&c, out);
}

void rb_codes_at(const char *text, size_t len, const uint32_t *at, unsigned n,
                 struct rb_codes *out)
{
	struct cursor c;
	memset(&c, 0, sizeof c);
	c.p = (const unsigned char *)text;
	c.len = len;
	c.at = at;
	c.n = n;
	find_codes(&c, out);
}
