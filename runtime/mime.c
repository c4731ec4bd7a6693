/*
 * mime.c - RFC 5322 header fields, RFC 2047 encoded words and the MIME
 * structure of a message, flattened into a list of leaf parts.
 *
 * The walk is a single forward pass with an explicit stack of open
 * multipart boundaries, so nesting costs no recursion and a boundary
 * that never closes simply runs to the end of the message.  Only
 * leaves are decoded, and leaves are disjoint pieces of the message, so
 * all decoded text together is never longer than the message (text
 * converted from a Japanese charset takes up to RBP_MAX_CONVERTED more).
 */
#include <string.h>
#include "charset.h"
#include "parser.h"

/* ---- header fields ------------------------------------------------ */

/* Length of the field name if LINE looks like "Name: value", else 0;
 * *COLON is where the ':' is.  ROOM bytes (at least LINE's) may be read
 * from LINE's start: a name ends at the line's end (a control) anyway,
 * and more room lets a short line take the sixteen-byte path.  Inline:
 * it runs for every line of every header block. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline size_t mime_field_name(rbp_span line, size_t room, size_t *colon)
{
	size_t i = rbp_name_end(line.ptr, room);
	if (i == 0)
		return 0;
	if (i < line.len && line.ptr[i] == ':') {
		*colon = i; /* most names end at their colon */
		return i;
	}
	{
		size_t j = i;
		while (j < line.len && rbp_blank((unsigned char)line.ptr[j]))
			j++;
		if (j >= line.len || line.ptr[j] != ':')
			return 0;
		*colon = j;
	}
	return i;
}

static int mime_all_blank(rbp_span line)
{
	size_t i = 0;
	/* a fold (most lines that start blank) ends in its text */
	if (line.len && !rbp_blank((unsigned char)line.ptr[line.len - 1]))
		return 0;
	/* folds are often indented by eight spaces or more */
	while (line.len - i >= 8 && memcmp(line.ptr + i, "        ", 8) == 0)
		i += 8;
	for (; i < line.len; i++)
		if (!rbp_blank((unsigned char)line.ptr[i]))
			return 0;
	return 1;
}

#define MIME_NO_FIELD RBP_NO_FIELD

/* Sought field names are keyed by (25 L + C) % 64 for a name of L bytes
 * starting with C (25: the common fields that are not sought rarely
 * share a key).  A set of names has a mask of its keys and a table from
 * each key to 1 + the only name with it, MIME_KEY_MANY where several
 * share it. */
#define MIME_KEY(len, c) ((25u * (unsigned)(len) + (unsigned)(c)) & 63u)
#define MIME_KEY_MANY 255u

/* rbp_header_block, noting on the way where the first field of each of
 * the COUNT lower-case NAMES (of LENS bytes; keys in SOUGHT and SLOT)
 * starts (AT[k]; MIME_NO_FIELD: absent) and, when VALS is not NULL, its
 * value (VALS[k], trimmed, over its folded lines), so that the walk
 * reads each entity's headers once and takes no field apart again. */
static size_t mime_header_block(const char *s, size_t n, size_t *body, const char *const *names,
                                const unsigned char *lens, unsigned count, uint64_t sought,
                                const unsigned char *slot, size_t *at, rbp_span *vals)
{
	size_t pos = 0, end = 0, ret;
	rbp_span line;
	unsigned k;
	struct rbp_lines lines;
	int first = 1;
	rbp_span *open = NULL; /* the value the folds that follow belong to */
	for (k = 0; k < count; k++) {
		at[k] = MIME_NO_FIELD;
		if (vals)
			vals[k] = rbp_mkspan(NULL, 0);
	}
	rbp_lines_start(&lines, s, n, 0);
	while (1) {
		size_t start = pos, nl, colon = 0;
		unsigned char c;
		if (!rbp_lines_next(&lines, &pos, &line)) {
			*body = n;
			ret = n;
			break;
		}
		if (!line.len || (rbp_blank((unsigned char)line.ptr[0]) && mime_all_blank(line))) {
			*body = pos;
			ret = end;
			break;
		}
		if (!first && rbp_blank((unsigned char)line.ptr[0])) {
			end = pos;
			if (open)
				open->len = (size_t)(line.ptr + line.len - open->ptr);
			continue;
		}
		nl = mime_field_name(line, (size_t)(s + n - line.ptr), &colon);
		if (!nl) {
			/* the body began without an empty line */
			*body = start;
			ret = start;
			break;
		}
		first = 0;
		end = pos;
		open = NULL;
		/* most fields have a length and first letter no name sought has */
		c = (unsigned char)(line.ptr[0] | 0x20);
		if (!(sought >> MIME_KEY(nl, c) & 1u))
			continue;
		k = slot[MIME_KEY(nl, c)];
		if (k != MIME_KEY_MANY) {
			/* the one name with this key */
			k--;
			if (k >= count || lens[k] != nl || (unsigned char)names[k][0] != c ||
			    at[k] != MIME_NO_FIELD || !rbp_name_is(line.ptr, names[k], nl))
				continue;
		} else {
			for (k = 0; k < count; k++)
				if (lens[k] == nl && (unsigned char)names[k][0] == c && at[k] == MIME_NO_FIELD &&
				    rbp_name_is(line.ptr, names[k], nl))
					break;
			if (k == count)
				continue;
		}
		at[k] = start;
		if (vals) {
			open = &vals[k];
			*open = rbp_mkspan(line.ptr + colon + 1, line.len - colon - 1);
		}
	}
	if (vals)
		for (k = 0; k < count; k++)
			if (at[k] != MIME_NO_FIELD)
				vals[k] = rbp_trim(vals[k]);
	return ret;
}

size_t rbp_header_block_at(const char *s, size_t n, size_t *body, const char *const *names,
                           const unsigned char *lens, unsigned count, size_t *at, rbp_span *vals)
{
	uint64_t sought = 0;
	unsigned char slot[64];
	unsigned k;
	memset(slot, 0, sizeof slot);
	for (k = 0; k < count; k++) {
		unsigned key = MIME_KEY(lens[k], (unsigned char)names[k][0]);
		sought |= (uint64_t)1 << key;
		slot[key] = (unsigned char)(slot[key] ? MIME_KEY_MANY : k + 1);
	}
	return mime_header_block(s, n, body, names, lens, count, sought, slot, at, vals);
}

int rbp_next_field(rbp_span block, size_t *pos, rbp_span *name, rbp_span *value)
{
	rbp_span line;
	while (rbp_next_line(block.ptr, block.len, pos, &line)) {
		size_t colon = 0, vstart, vend, p2;
		size_t nl = mime_field_name(line, (size_t)(block.ptr + block.len - line.ptr), &colon);
		if (!nl)
			continue; /* a stray fold or junk */
		vstart = (size_t)(line.ptr - block.ptr) + colon + 1;
		vend = (size_t)(line.ptr - block.ptr) + line.len;
		/* take the folded lines that follow */
		p2 = *pos;
		while (p2 < block.len) {
			rbp_span next;
			size_t q = p2;
			/* a fold starts with a blank: one byte tells, without
			   finding where a line that is no fold ends */
			if (!rbp_blank((unsigned char)block.ptr[p2]))
				break;
			if (!rbp_next_line(block.ptr, block.len, &q, &next) || next.len == 0 ||
			    !rbp_blank((unsigned char)next.ptr[0]))
				break;
			vend = (size_t)(next.ptr - block.ptr) + next.len;
			p2 = q;
		}
		*pos = p2;
		name->ptr = line.ptr;
		name->len = nl;
		*value = rbp_trim(rbp_mkspan(block.ptr + vstart, vend - vstart));
		return 1;
	}
	return 0;
}

/*
 * The same answer as calling rbp_next_field until NAME comes, without
 * taking every field apart: a field starts a line (folds start with a
 * blank, junk lines are no field), so only lines that begin with NAME,
 * then blanks and ':', are looked at closely.
 */
int rbp_get_field(rbp_span block, const char *name, rbp_span *value)
{
	size_t pos = 0, nlen = strlen(name);
	rbp_span line, n;
	if (!nlen)
		return 0;
	while (1) {
		size_t start = pos, i;
		if (!rbp_next_line(block.ptr, block.len, &pos, &line))
			return 0;
		if (line.len <= nlen || rbp_lower((unsigned char)line.ptr[0]) != (unsigned char)name[0] ||
		    !rbp_is_ci(rbp_mkspan(line.ptr, nlen), name))
			continue;
		for (i = nlen; i < line.len && rbp_blank((unsigned char)line.ptr[i]); i++)
			;
		if (i < line.len && line.ptr[i] == ':') {
			pos = start;
			return rbp_next_field(block, &pos, &n, value);
		}
	}
}

/* ---- decoding ----------------------------------------------------- */

static int mime_hex(unsigned char c)
{
	if (rbp_digit(c))
		return c - '0';
	c = rbp_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int mime_b64(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (rbp_digit(c))
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Base64: characters outside the alphabet are skipped; *BAD is set when
 * something other than blanks, line ends and padding was among them. */
static size_t mime_decode_base64(const char *s, size_t n, char *out, int *bad)
{
	size_t i, o = 0;
	unsigned acc = 0, bits = 0;
	for (i = 0; i < n; i++) {
		int v = mime_b64((unsigned char)s[i]);
		if (v < 0) {
			if (!rbp_space((unsigned char)s[i]) && s[i] != '=')
				*bad = 1;
			continue;
		}
		acc = ((acc << 6) | (unsigned)v) & 0xffffffu;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xffu);
		}
	}
	return o;
}

/* Would mime_decode_base64 set *BAD for S? */
static int mime_base64_bad(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (mime_b64(c) < 0 && !rbp_space(c) && c != '=')
			return 1;
	}
	return 0;
}

/* Quoted-printable; Q is the RFC 2047 variant where '_' is a space. */
static size_t mime_decode_qp(const char *s, size_t n, char *out, int q)
{
	size_t i = 0, o = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c == '=') {
			size_t j = i + 1;
			int h1, h2;
			if (j + 1 < n && (h1 = mime_hex((unsigned char)s[j])) >= 0 &&
			    (h2 = mime_hex((unsigned char)s[j + 1])) >= 0) {
				out[o++] = (char)(h1 * 16 + h2);
				i = j + 2;
				continue;
			}
			/* a soft line break: '=' then optional blanks then the line end */
			while (j < n && rbp_blank((unsigned char)s[j]))
				j++;
			if (j >= n) {
				i = n;
				continue;
			}
			if (s[j] == '\r' || s[j] == '\n') {
				if (s[j] == '\r' && j + 1 < n && s[j + 1] == '\n')
					j++;
				i = j + 1;
				continue;
			}
			out[o++] = '=';
			i++;
			continue;
		}
		if (!q) {
			/* a body is mostly literal text: copy up to the next '=' at once */
			const char *eq = memchr(s + i, '=', n - i);
			size_t run = eq ? (size_t)(eq - (s + i)) : n - i;
			memcpy(out + o, s + i, run);
			o += run;
			i += run;
			continue;
		}
		out[o++] = c == '_' ? ' ' : (char)c;
		i++;
	}
	return o;
}

/* RFC 2047 words are at most 75 bytes; real ones run longer, but a
 * bound keeps a line full of "=?" from costing quadratic time. */
#define MIME_MAX_WORD 256

/* The text of a word in a Japanese charset (END - TEXT < MIME_MAX_WORD),
 * decoded whole, since a character or an escape may span a slice, and
 * converted to UTF-8 into OUT. */
static size_t mime_word_charset(const char *s, enum rbp_charset cs, size_t enc, size_t end,
                                char *out, size_t room, size_t *wrote)
{
	char tmp[MIME_MAX_WORD];
	size_t got;
	int bad = 0;
	if (rbp_lower((unsigned char)s[enc]) == 'b')
		got = mime_decode_base64(s + enc + 2, end - enc - 2, tmp, &bad);
	else
		got = mime_decode_qp(s + enc + 2, end - enc - 2, tmp, 1);
	*wrote = rbp_charset_decode(rbp_charset_fix(cs, tmp, got), tmp, got, out, room, NULL);
	return end + 2;
}

/* One encoded word "=?charset?E?text?=" at S; returns its length, 0 if
 * none, and appends the decoded bytes to OUT (room is checked). */
static size_t mime_encoded_word(const char *s, size_t n, char *out, size_t room, size_t *wrote)
{
	size_t i = 2, cs, enc, text, end;
	char tmp[256];
	size_t k;
	enum rbp_charset charset;
	if (n < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	if (n > MIME_MAX_WORD)
		n = MIME_MAX_WORD;
	while (i < n && s[i] != '?' && !rbp_space((unsigned char)s[i]))
		i++;
	if (i >= n || s[i] != '?' || i == 2)
		return 0;
	cs = i;
	enc = i + 1;
	if (enc + 1 >= n || s[enc + 1] != '?')
		return 0;
	text = enc + 2;
	end = text;
	while (end + 1 < n && !(s[end] == '?' && s[end + 1] == '=')) {
		if (rbp_eol((unsigned char)s[end]))
			return 0;
		end++;
	}
	if (end + 1 >= n)
		return 0;
	if (rbp_lower((unsigned char)s[enc]) != 'b' && rbp_lower((unsigned char)s[enc]) != 'q')
		return 0;
	if ((charset = rbp_charset_of(s + 2, cs - 2)) != RBP_CS_OTHER)
		return mime_word_charset(s, charset, enc, end, out, room, wrote);
	/* decode in slices so that the output never passes ROOM */
	*wrote = 0;
	for (k = text; k < end;) {
		size_t take = end - k, got;
		int bad = 0;
		if (take > 200)
			take = 200; /* multiple of 4 keeps base64 quanta whole */
		if (rbp_lower((unsigned char)s[enc]) == 'b')
			got = mime_decode_base64(s + k, take, tmp, &bad);
		else if (rbp_lower((unsigned char)s[enc]) == 'q') {
			/* do not split an "=XX" escape */
			while (take < end - k && take > 2 && (s[k + take - 1] == '=' || s[k + take - 2] == '='))
				take--;
			got = mime_decode_qp(s + k, take, tmp, 1);
		} else
			return 0;
		if (got > room - *wrote)
			got = room - *wrote;
		memcpy(out + *wrote, tmp, got);
		*wrote += got;
		k += take;
	}
	return end + 2;
}

/* Does V hold "=?", where an encoded word could start? */
static int mime_may_have_words(rbp_span v)
{
	const char *p = v.len ? memchr(v.ptr, '=', v.len) : NULL, *end = v.ptr + v.len;
	while (p) {
		if (end - p >= 2 && p[1] == '?')
			return 1;
		p = end - p > 1 ? memchr(p + 1, '=', (size_t)(end - p - 1)) : NULL;
	}
	return 0;
}

/* Would the unfolding below leave the N bytes at S as they are: no line
 * end, no tab, no blank at either end or next to another?  Most
 * subjects; sixteen bytes at a time. */
static int mime_plain_text(const char *s, size_t n)
{
	size_t i = 0;
	if (n && (s[0] == ' ' || s[n - 1] == ' '))
		return 0;
#if defined(__SSE2__) && defined(__GNUC__)
	{
		const __m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t'),
			      lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
		unsigned carry = 0; /* the last byte looked at was a space */
		for (; n - i >= 16; i += 16) {
			__m128i w = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			unsigned spaces = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, sp));
			unsigned other = (unsigned)_mm_movemask_epi8(_mm_or_si128(
				_mm_cmpeq_epi8(w, tab), _mm_or_si128(_mm_cmpeq_epi8(w, lf), _mm_cmpeq_epi8(w, cr))));
			if (other || (spaces & ((spaces << 1) | carry)))
				return 0;
			carry = spaces >> 15;
		}
	}
#endif
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (rbp_eol(c) || c == '\t' || (c == ' ' && i > 0 && s[i - 1] == ' '))
			return 0;
	}
	return 1;
}

size_t rbp_decode_words(rbp_span v, char *out, size_t cap)
{
	size_t i = 0, o = 0, blanks_at = (size_t)-1, closing = 0;
	int after_word = 0;
	if (!mime_may_have_words(v)) {
		if (cap >= v.len && mime_plain_text(v.ptr, v.len)) {
			if (v.len)
				memcpy(out, v.ptr, v.len);
			return v.len;
		}
		/* only the line ends go and the blanks shrink */
		for (; i < v.len && o < cap; i++) {
			unsigned char c = (unsigned char)v.ptr[i];
			if (rbp_eol(c))
				continue;
			if (rbp_blank(c)) {
				if (o > 0 && out[o - 1] != ' ')
					out[o++] = ' ';
			} else
				out[o++] = (char)c;
		}
		while (o > 0 && out[o - 1] == ' ')
			o--;
		return o;
	}
	while (i < v.len && o < cap) {
		unsigned char c = (unsigned char)v.ptr[i];
		size_t wrote = 0, used;
		/* the first "?=" a word starting here could end at: when it is
		   too far, no word starts here (each byte is searched once) */
		if (closing < i + 2) {
			size_t from = i + 2 <= v.len ? i + 2 : v.len;
			size_t off = rbp_find(v.ptr + from, v.len - from, "?=", NULL);
			closing = off == RBP_NOT_FOUND ? (size_t)-1 : from + off;
		}
		if (c == '=' && i + 1 < v.len && v.ptr[i + 1] == '?' && closing != (size_t)-1 &&
		    closing - i < MIME_MAX_WORD) {
			/* blanks between two encoded words vanish */
			size_t at = (after_word && blanks_at != (size_t)-1) ? blanks_at : o;
			used = mime_encoded_word(v.ptr + i, v.len - i, out + at, cap - at, &wrote);
			if (used) {
				o = at + wrote;
				i += used;
				after_word = 1;
				blanks_at = (size_t)-1;
				continue;
			}
		}
		i++;
		if (rbp_eol(c))
			continue;
		if (rbp_blank(c)) {
			if (blanks_at == (size_t)-1)
				blanks_at = o;
			if (o > 0 && out[o - 1] != ' ')
				out[o++] = ' ';
			continue;
		}
		out[o++] = (char)c;
		after_word = 0;
		blanks_at = (size_t)-1;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	return o;
}

/* ---- Content-Type ------------------------------------------------- */

struct mime_ctype {
	rbp_span type, subtype, boundary, report_type, charset;
};

static size_t mime_skip_cfws(const char *s, size_t n, size_t i)
{
	int depth = 0;
	/* most tokens follow no blank or comment: stop at once */
	if (i < n && (unsigned char)s[i] > ' ' && s[i] != '(')
		return i;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (!rbp_space(c) && depth == 0)
			break;
		i++;
	}
	return i;
}

/* A byte of a token (RFC 2045): printable ASCII but the specials; a
 * switch, as this runs for every byte of every Content-Type value. */
static int mime_token_char(unsigned char c)
{
	/* one load instead of the comparisons (bytes from 128 up are none) */
	static const unsigned char token[256] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
		0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
	}; /* the rest, bytes from 128 up: none */
	return token[c];
}

/* Is TOKEN (bytes mime_token_char or rbp_name_end let through) NAME,
 * in lower case, letters, digits and '-'?  rbp_name_is is exact on
 * such bytes, and compares words. */
static inline int mime_tok_is(rbp_span token, const char *name)
{
	size_t n = strlen(name);
	return token.len == n && rbp_name_is(token.ptr, name, n);
}

static void mime_parse_ctype(rbp_span v, struct mime_ctype *ct)
{
	const char *s = v.ptr;
	size_t n = v.len, i = 0, b;
	memset(ct, 0, sizeof *ct);
	i = mime_skip_cfws(s, n, i);
	for (b = i; i < n && mime_token_char((unsigned char)s[i]); i++)
		;
	ct->type = rbp_mkspan(s + b, i - b);
	i = mime_skip_cfws(s, n, i);
	if (i < n && s[i] == '/') {
		i = mime_skip_cfws(s, n, i + 1);
		for (b = i; i < n && mime_token_char((unsigned char)s[i]); i++)
			;
		ct->subtype = rbp_mkspan(s + b, i - b);
	}
	/* parameters */
	while (i < n) {
		rbp_span name, val;
		while (i < n && s[i] != ';')
			i++;
		if (i >= n)
			break;
		i = mime_skip_cfws(s, n, i + 1);
		for (b = i; i < n && mime_token_char((unsigned char)s[i]); i++)
			;
		name = rbp_mkspan(s + b, i - b);
		i = mime_skip_cfws(s, n, i);
		if (i >= n || s[i] != '=')
			continue;
		i = mime_skip_cfws(s, n, i + 1);
		if (i < n && s[i] == '"') {
			/* to the closing quote, an escaped byte not being one */
			for (b = ++i; (i = rbp_either(s, i, n, '"', '\\')) < n && s[i] != '"'; i++)
				if (i + 1 < n)
					i++;
			val = rbp_mkspan(s + b, i - b);
			if (i < n)
				i++;
		} else {
			for (b = i; i < n && s[i] != ';' && !rbp_space((unsigned char)s[i]); i++)
				;
			val = rbp_mkspan(s + b, i - b);
		}
		if (mime_tok_is(name, "boundary"))
			ct->boundary = val;
		else if (mime_tok_is(name, "report-type"))
			ct->report_type = val;
		else if (mime_tok_is(name, "charset"))
			ct->charset = val;
	}
}

/* ---- the walk ----------------------------------------------------- */

enum mime_encoding { MIME_IDENTITY = 0, MIME_BASE64, MIME_QP };

struct mime_frame {
	rbp_span boundary;
	unsigned char enclosed; /* of the children */
	unsigned char depth;    /* of the children */
	unsigned char digest;   /* multipart/digest: children default to message/rfc822 */
};

struct mime_walk {
	const char *msg;
	size_t len;
	struct rbp_arena *arena;
	struct rbp_mime *m;
	struct mime_frame stack[REBOUND_MAX_MIME_DEPTH];
	unsigned top;
	size_t converted; /* bytes of text converted to UTF-8, up to RBP_MAX_CONVERTED */
};

/* A boundary line: where it starts, where the next line starts, which
 * frame it belongs to and whether it closes that frame. */
struct mime_hit {
	size_t line, next;
	unsigned frame;
	int close;
};

static int mime_boundary_line(const struct mime_walk *w, rbp_span line, unsigned *frame, int *close)
{
	unsigned k;
	if (line.len < 3 || line.ptr[0] != '-' || line.ptr[1] != '-')
		return 0;
	for (k = w->top; k-- > 0;) {
		rbp_span b = w->stack[k].boundary;
		size_t i;
		if (line.len - 2 < b.len || memcmp(line.ptr + 2, b.ptr, b.len) != 0)
			continue;
		i = 2 + b.len;
		if (i + 1 < line.len + 1 && i + 2 <= line.len && line.ptr[i] == '-' && line.ptr[i + 1] == '-') {
			*frame = k;
			*close = 1;
			return 1;
		}
		while (i < line.len && rbp_space((unsigned char)line.ptr[i]))
			i++;
		if (i == line.len) {
			*frame = k;
			*close = 0;
			return 1;
		}
	}
	return 0;
}

/* The first line at or after FROM (where a line starts) that starts
 * with "--", or N: a line starts at FROM and after every line end (LF,
 * or a CR not followed by LF, which a '-' is not). */
#if defined(__SSE2__) && defined(__GNUC__)
/* Bit I set: Q[I] is a dash (I < 16). */
static inline uint64_t mime_dashes16(const char *q)
{
	return (unsigned)_mm_movemask_epi8(
		_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)q), _mm_set1_epi8('-')));
}
#endif

static size_t mime_dash_line(const char *s, size_t n, size_t from)
{
	size_t j = from;
	if (n - from >= 2 && s[from] == '-' && s[from + 1] == '-')
		return from;
#if defined(__SSE2__) && defined(__GNUC__)
	{
		/* two dashes in a row are rare enough to check what precedes
		   them one by one */
		const __m128i dash = _mm_set1_epi8('-');
		/* 63 places a step: one 64-bit mask of the dashes after J, and
		   a pair where a bit and the next are both set */
		while (n - j >= 65) {
			const char *q = s + j + 1;
			uint64_t m = mime_dashes16(q) | mime_dashes16(q + 16) << 16 |
			             mime_dashes16(q + 32) << 32 | mime_dashes16(q + 48) << 48;
			uint64_t hit = m & (m >> 1);
			while (hit) {
				size_t k = j + (unsigned)__builtin_ctzll(hit);
				if (s[k] == '\n' || s[k] == '\r')
					return k + 1;
				hit &= hit - 1;
			}
			j += 63;
		}
		while (n - j >= 18) {
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + j + 1)),
				c = _mm_loadu_si128((const __m128i *)(const void *)(s + j + 2));
			unsigned hit = (unsigned)_mm_movemask_epi8(
				_mm_and_si128(_mm_cmpeq_epi8(b, dash), _mm_cmpeq_epi8(c, dash)));
			while (hit) {
				size_t k = j + (unsigned)__builtin_ctz(hit);
				if (s[k] == '\n' || s[k] == '\r')
					return k + 1;
				hit &= hit - 1;
			}
			j += 16;
		}
	}
#endif
	for (; n - j >= 3; j++)
		if ((s[j] == '\n' || s[j] == '\r') && s[j + 1] == '-' && s[j + 2] == '-')
			return j + 1;
	return n;
}

/* The next boundary line of any open frame at or after FROM. */
static int mime_next_boundary(const struct mime_walk *w, size_t from, struct mime_hit *h)
{
	size_t pos = from;
	rbp_span line;
	if (w->top == 0)
		return 0;
	while (1) {
		size_t start;
		/* only a line that starts with "--" can be a boundary */
		pos = mime_dash_line(w->msg, w->len, pos);
		start = pos;
		if (!rbp_next_line(w->msg, w->len, &pos, &line))
			return 0;
		if (mime_boundary_line(w, line, &h->frame, &h->close)) {
			h->line = start;
			h->next = pos;
			return 1;
		}
	}
}

/* Where a body that runs up to a boundary line at LINE ends: the line
 * break before the boundary belongs to the boundary. */
static size_t mime_body_end(const char *msg, size_t start, size_t line)
{
	if (line > start && msg[line - 1] == '\n')
		line--;
	if (line > start && msg[line - 1] == '\r')
		line--;
	return line;
}

/* Returns the part added, or NULL at the limit. */
static struct rbp_part *mime_add_part(struct mime_walk *w, rbp_span body, unsigned kind,
                                      unsigned enclosed, unsigned preamble, unsigned encoding)
{
	struct rbp_mime *m = w->m;
	struct rbp_part *p;
	if (m->nparts >= m->cap) {
		m->flags |= REBOUND_RECORD_MIME_LIMIT;
		return NULL;
	}
	p = &m->parts[m->nparts++];
	p->kind = (unsigned char)kind;
	p->enclosed = (unsigned char)(enclosed > 255 ? 255 : enclosed);
	p->preamble = (unsigned char)preamble;
	p->block = 0;
	p->encoding = 0;
	p->body = body;
	if (encoding != MIME_IDENTITY && kind != RBP_PART_OTHER && body.len) {
		char *out;
		int bad = 0;
		if (enclosed && (kind == RBP_PART_TEXT || kind == RBP_PART_HTML)) {
			/* the text of an enclosed message (the returned original)
			   is never read: it stays encoded, only checked */
			if (encoding == MIME_BASE64 && mime_base64_bad(body.ptr, body.len))
				m->flags |= REBOUND_RECORD_MALFORMED;
			return p;
		}
		out = rbp_alloc(w->arena, body.len);
		if (!out) {
			m->flags |= REBOUND_RECORD_MALFORMED;
			return p;
		}
		if (encoding == MIME_BASE64)
			p->body.len = mime_decode_base64(body.ptr, body.len, out, &bad);
		else
			p->body.len = mime_decode_qp(body.ptr, body.len, out, 0);
		p->body.ptr = out;
		if (bad)
			m->flags |= REBOUND_RECORD_MALFORMED;
		/* give back what decoding did not use */
		w->arena->used -= body.len - p->body.len;
	}
	return p;
}

void rbp_part_decode(struct rbp_arena *a, struct rbp_part *p, unsigned *flags)
{
	rbp_span body = p->body;
	char *out;
	int bad = 0;
	if (!p->encoding)
		return;
	out = body.len ? rbp_alloc(a, body.len) : NULL;
	if (!out) {
		if (body.len)
			*flags |= REBOUND_RECORD_MALFORMED;
		p->encoding = 0;
		return;
	}
	if (p->encoding == MIME_BASE64)
		p->body.len = mime_decode_base64(body.ptr, body.len, out, &bad);
	else
		p->body.len = mime_decode_qp(body.ptr, body.len, out, 0);
	p->body.ptr = out;
	p->encoding = 0;
	/* (BAD was noted by the walk) */
	a->used -= body.len - p->body.len;
}

/* Can an HTML part labelled CHARSET wait to be decoded?  Only when no
 * charset conversion follows its decoding (mime_charset_part looks for
 * escapes in an unlabelled or US-ASCII text, and converts a Japanese
 * one within a budget shared by the parts in their order). */
static int mime_html_may_wait(rbp_span charset)
{
	return charset.len && !rbp_is_ci(charset, "us-ascii") &&
	       rbp_charset_of(charset.ptr, charset.len) == RBP_CS_OTHER;
}

/*
 * A text part in a Japanese charset (labelled so, or an unlabelled text
 * or delivery-status part holding ISO-2022-JP escapes) is converted to
 * UTF-8, so that rules and the notice table see the same bytes whatever
 * the sender's charset.  The converted text goes into scratch, within
 * RBP_MAX_CONVERTED bytes per message; a part that needs more is cut,
 * and the message flagged, like notice text past its scan limit.
 */
static void mime_charset_part(struct mime_walk *w, struct rbp_part *p, rbp_span charset)
{
	enum rbp_charset cs;
	size_t room = RBP_MAX_CONVERTED - w->converted, want;
	char *out;
	int cut = 0;
	if (p->kind != RBP_PART_TEXT && p->kind != RBP_PART_HTML && p->kind != RBP_PART_DSN)
		return;
	/* a delivery-status part's label is not looked up: only its escapes can tell */
	cs = p->kind == RBP_PART_DSN || !charset.len ? RBP_CS_OTHER
	                                             : rbp_charset_of(charset.ptr, charset.len);
	if (cs == RBP_CS_OTHER && (charset.len == 0 || rbp_is_ci(charset, "us-ascii")) &&
	    rbp_charset_has_jis(p->body.ptr, p->body.len))
		cs = RBP_CS_ISO2022JP;
	if (cs == RBP_CS_OTHER || !p->body.len)
		return;
	cs = rbp_charset_fix(cs, p->body.ptr, p->body.len);
	want = p->body.len <= room / 3 ? 3 * p->body.len : room;
	if (!want || !(out = rbp_alloc(w->arena, want))) {
		w->m->flags |= REBOUND_RECORD_SCAN_LIMIT;
		return;
	}
	p->body.len = rbp_charset_decode(cs, p->body.ptr, p->body.len, out, want, &cut);
	p->body.ptr = out;
	w->arena->used -= want - p->body.len;
	w->converted += p->body.len;
	if (cut)
		w->m->flags |= REBOUND_RECORD_SCAN_LIMIT;
}

static unsigned mime_leaf_kind(const struct mime_ctype *ct)
{
	if (mime_tok_is(ct->type, "text")) {
		if (mime_tok_is(ct->subtype, "html"))
			return RBP_PART_HTML;
		if (mime_tok_is(ct->subtype, "rfc822-headers") ||
		    mime_tok_is(ct->subtype, "rfc822-header"))
			return RBP_PART_HEADERS;
		return RBP_PART_TEXT;
	}
	if (mime_tok_is(ct->type, "message")) {
		if (mime_tok_is(ct->subtype, "delivery-status") ||
		    mime_tok_is(ct->subtype, "global-delivery-status"))
			return RBP_PART_DSN;
		if (mime_tok_is(ct->subtype, "feedback-report"))
			return RBP_PART_FEEDBACK;
		if (mime_tok_is(ct->subtype, "rfc822") || mime_tok_is(ct->subtype, "global") ||
		    mime_tok_is(ct->subtype, "rfc822-headers") ||
		    mime_tok_is(ct->subtype, "global-headers"))
			return RBP_PART_HEADERS;
		return RBP_PART_OTHER;
	}
	if (ct->type.len == 0)
		return RBP_PART_TEXT;
	/* a multipart that could not be opened is still worth reading */
	if (mime_tok_is(ct->type, "multipart"))
		return RBP_PART_TEXT;
	return RBP_PART_OTHER;
}

/* The encoding a Content-Transfer-Encoding value V names (AT: where the
 * field is, MIME_NO_FIELD for none). */
static unsigned mime_encoding_of(size_t at, rbp_span v)
{
	if (at == MIME_NO_FIELD)
		return MIME_IDENTITY;
	if (rbp_is_ci(v, "base64"))
		return MIME_BASE64;
	if (rbp_is_ci(v, "quoted-printable"))
		return MIME_QP;
	return MIME_IDENTITY;
}

/* Does the start of BODY hold a delimiter line of BOUNDARY?  RFC 2045
 * allows no transfer encoding on a multipart, yet some servers (Coremail)
 * label one base64 while writing its parts plainly; the delimiter shows
 * which is true.  Only the first bytes are looked at, where the first
 * delimiter follows a short preamble, so the check stays cheap. */
static int mime_plain_multipart(const char *body, size_t n, rbp_span boundary)
{
	size_t pos = 0;
	rbp_span line;
	if (n > 32768)
		n = 32768;
	while (rbp_next_line(body, n, &pos, &line))
		if (line.len >= boundary.len + 2 && line.ptr[0] == '-' && line.ptr[1] == '-' &&
		    memcmp(line.ptr + 2, boundary.ptr, boundary.len) == 0)
			return 1;
	return 0;
}

/*
 * After a boundary line H: pop what it closes and find where the next
 * entity starts.  Returns 0 when the message is over.
 */
static int mime_after_boundary(struct mime_walk *w, struct mime_hit h, size_t *pos,
                               unsigned *enclosed, unsigned *depth, unsigned *digest)
{
	while (1) {
		if (h.frame + 1 < w->top)
			w->m->flags |= REBOUND_RECORD_MALFORMED; /* inner parts never closed */
		w->top = h.frame + 1;
		if (!h.close) {
			*pos = h.next;
			*enclosed = w->stack[h.frame].enclosed;
			*depth = w->stack[h.frame].depth;
			*digest = w->stack[h.frame].digest;
			return 1;
		}
		w->top = h.frame;
		/* the epilogue is skipped up to a boundary of an outer multipart */
		if (!mime_next_boundary(w, h.next, &h))
			return 0;
	}
}

/* A delivery-status part whose own header lines were pushed into its
 * body by a rewriting relay ("Content-Transfer-Encoding: base64" among
 * the fields about the message, the recipients' fields encoded after
 * them): where the encoded rest starts, or 0.  Only the first block is
 * looked at. */
static size_t mime_inner_base64(rbp_span body)
{
	size_t pos = 0, found = 0;
	rbp_span line;
	while (rbp_next_line(body.ptr, body.len, &pos, &line)) {
		rbp_span name = rbp_mkspan(line.ptr, rbp_name_end(line.ptr, line.len));
		if (rbp_all_space(line))
			return found ? pos : 0;
		if (name.len < line.len && line.ptr[name.len] == ':' &&
		    mime_tok_is(name, "content-transfer-encoding") &&
		    rbp_is_ci(rbp_trim(rbp_mkspan(line.ptr + name.len + 1, line.len - name.len - 1)),
		              "base64"))
			found = 1;
	}
	return 0;
}

/* A message whose header lost its Content-Type (a relay dropped it)
 * while its body is still a delivery report: the first "--" line among
 * the first lines of the body is its boundary, if the body closes it
 * later and holds a report part.  A plain-text notice that quotes a
 * returned MIME message has no report part, so it stays text. */
#define MIME_SNIFF_LINES 40
static int mime_sniff_boundary(const char *s, size_t n, rbp_span *boundary)
{
	size_t pos = 0, i;
	unsigned lines = 0;
	rbp_span line, b = {NULL, 0};
	while (!b.len && lines++ < MIME_SNIFF_LINES && rbp_next_line(s, n, &pos, &line)) {
		if (line.len < 3 || line.ptr[0] != '-' || line.ptr[1] != '-')
			continue;
		b = rbp_mkspan(line.ptr + 2, line.len - 2);
		while (b.len && rbp_blank((unsigned char)b.ptr[b.len - 1]))
			b.len--;
		if (!b.len || b.len > 70)
			return 0;
		for (i = 0; i < b.len; i++)
			if (rbp_space((unsigned char)b.ptr[i]))
				return 0;
	}
	if (!b.len || (rbp_find(s + pos, n - pos, "message/delivery-status", NULL) == RBP_NOT_FOUND &&
	               rbp_find(s + pos, n - pos, "message/feedback-report", NULL) == RBP_NOT_FOUND))
		return 0;
	while (rbp_next_line(s, n, &pos, &line))
		if (line.len >= b.len + 4 && line.ptr[0] == '-' && line.ptr[1] == '-' &&
		    memcmp(line.ptr + 2, b.ptr, b.len) == 0 && line.ptr[b.len + 2] == '-' &&
		    line.ptr[b.len + 3] == '-') {
			*boundary = b;
			return 1;
		}
	return 0;
}

void rbp_mime_walk(const char *msg, size_t len, struct rbp_arena *a, struct rbp_mime *m)
{
	struct mime_walk w;
	size_t pos = 0, next_hlen = 0, next_body = 0, next_at[7] = {0, 0, 0, 0, 0, 0, 0};
	rbp_span next_vals[7];
	unsigned enclosed = 0, depth = 0, digest = 0, enclosed_seen = 0;
	int have_next = 0; /* the next entity's headers were read already */

	w.msg = msg;
	w.len = len;
	w.arena = a;
	w.m = m;
	w.top = 0;
	w.converted = 0;
	m->headers = rbp_mkspan(msg, 0);
	m->is_report = 0;
	m->top_found = 0;
	m->returned_at[0] = m->returned_at[1] = MIME_NO_FIELD;
	m->failed_at = MIME_NO_FIELD;

	while (1) {
		/* every entity's Content-Type and -Transfer-Encoding; the
		   message's own fields the parser reports come with them */
		static const char *const names[] = {"content-type", "content-transfer-encoding",
		                                    "subject", "date", "from", "x-failed-recipients",
		                                    "message-id"};
		static const unsigned char lens[] = {
			sizeof "content-type" - 1, sizeof "content-transfer-encoding" - 1,
			sizeof "subject" - 1, sizeof "date" - 1, sizeof "from" - 1,
			sizeof "x-failed-recipients" - 1, sizeof "message-id" - 1};
		/* their keys (no two alike), for the first 2, 6 and 7 of them */
		static const unsigned char slot[64] = {
			[MIME_KEY(12, 'c')] = 1, [MIME_KEY(25, 'c')] = 2, [MIME_KEY(7, 's')] = 3,
			[MIME_KEY(4, 'd')] = 4, [MIME_KEY(4, 'f')] = 5, [MIME_KEY(19, 'x')] = 6,
			[MIME_KEY(10, 'm')] = 7};
		const uint64_t sought2 = (uint64_t)1 << MIME_KEY(12, 'c') | (uint64_t)1 << MIME_KEY(25, 'c'),
			       sought6 = sought2 | (uint64_t)1 << MIME_KEY(7, 's') |
			                 (uint64_t)1 << MIME_KEY(4, 'd') | (uint64_t)1 << MIME_KEY(4, 'f') |
			                 (uint64_t)1 << MIME_KEY(19, 'x'),
			       sought7 = sought6 | (uint64_t)1 << MIME_KEY(10, 'm');
		size_t body_off, hlen, at[7];
		rbp_span vals[7];
		unsigned k;
		rbp_span headers, body;
		struct mime_ctype ct;
		unsigned encoding, kind;
		struct mime_hit h;
		int found;

		if (have_next && pos) {
			hlen = next_hlen;
			body_off = next_body;
			for (k = 0; k < 2; k++) {
				at[k] = next_at[k];
				vals[k] = next_vals[k];
			}
		} else
			hlen = mime_header_block(msg + pos, len - pos, &body_off, names, lens, pos ? 2 : 6,
			                         pos ? sought2 : sought6, slot, at, vals);
		have_next = 0;
		headers = rbp_mkspan(msg + pos, hlen);
		if (pos == 0) {
			m->headers = headers;
			m->top_found = 0;
			for (k = 0; k < 3; k++)
				if (at[2 + k] != MIME_NO_FIELD) {
					m->top[k] = vals[2 + k];
					m->top_found |= 1u << k;
				}
			m->failed_at = at[5];
		}
		memset(&ct, 0, sizeof ct);
		if (at[0] != MIME_NO_FIELD)
			mime_parse_ctype(vals[0], &ct);
		else if (pos == 0 && mime_sniff_boundary(msg + body_off, len - body_off, &ct.boundary)) {
			ct.type = rbp_mkspan("multipart", 9);
			ct.subtype = rbp_mkspan("report", 6);
		}
		if (ct.type.len == 0 && digest) {
			ct.type = rbp_mkspan("message", 7);
			ct.subtype = rbp_mkspan("rfc822", 6);
		}
		encoding = mime_encoding_of(at[1], vals[1]);
		pos += body_off;
		if (encoding != MIME_IDENTITY && mime_tok_is(ct.type, "multipart") && ct.boundary.len &&
		    mime_plain_multipart(msg + pos, len - pos, ct.boundary))
			encoding = MIME_IDENTITY;

		if (mime_tok_is(ct.type, "multipart") && ct.boundary.len && encoding == MIME_IDENTITY) {
			if (w.top < REBOUND_MAX_MIME_DEPTH && depth + 1 < REBOUND_MAX_MIME_DEPTH) {
				struct mime_frame *f = &w.stack[w.top++];
				f->boundary = ct.boundary;
				f->enclosed = (unsigned char)enclosed;
				f->depth = (unsigned char)(depth + 1);
				f->digest = (unsigned char)mime_tok_is(ct.subtype, "digest");
				if (depth == 0 && mime_tok_is(ct.subtype, "report"))
					m->is_report = 1;
				found = mime_next_boundary(&w, pos, &h);
				{
					/* text before the first part: some servers write the notice there */
					size_t end = found ? mime_body_end(msg, pos, h.line) : len;
					rbp_span pre = rbp_trim(rbp_mkspan(msg + pos, end - pos));
					if (pre.len)
						mime_add_part(&w, rbp_mkspan(msg + pos, end - pos), RBP_PART_TEXT,
						              enclosed, 1, MIME_IDENTITY);
				}
				if (!found) {
					m->flags |= REBOUND_RECORD_MALFORMED;
					return;
				}
				if (!mime_after_boundary(&w, h, &pos, &enclosed, &depth, &digest))
					return;
				continue;
			}
			m->flags |= REBOUND_RECORD_MIME_LIMIT;
		}
		if (mime_tok_is(ct.type, "message") &&
		    (mime_tok_is(ct.subtype, "rfc822") || mime_tok_is(ct.subtype, "global")) &&
		    encoding == MIME_IDENTITY) {
			if (depth + 1 < REBOUND_MAX_MIME_DEPTH) {
				struct rbp_part *hp;
				/* the enclosed message is the next entity; its headers are a
				   part, and the first one's Message-ID and From are noted */
				unsigned first = !enclosed_seen;
				next_hlen = mime_header_block(msg + pos, len - pos, &next_body, names, lens,
				                              first ? 7 : 2, first ? sought7 : sought2, slot,
				                              next_at, next_vals);
				have_next = 1; /* the next round reads them from here */
				hp = mime_add_part(&w, rbp_mkspan(msg + pos, next_hlen), RBP_PART_HEADERS,
				                   enclosed + 1, 0, MIME_IDENTITY);
				if (hp) {
					hp->block = 1;
					if (first) {
						m->returned_at[0] = next_at[6];
						m->returned_at[1] = next_at[4];
						m->returned_val[0] = next_vals[6];
						m->returned_val[1] = next_vals[4];
						enclosed_seen = 1;
					}
				}
				enclosed++;
				depth++;
				digest = 0;
				/* POS is now the enclosed message: its own Content-Type decides */
				continue;
			}
			m->flags |= REBOUND_RECORD_MIME_LIMIT;
		}

		/* a leaf */
		kind = mime_leaf_kind(&ct);
		found = mime_next_boundary(&w, pos, &h);
		body = rbp_mkspan(msg + pos, (found ? mime_body_end(msg, pos, h.line) : len) - pos);
		k = m->nparts; /* the part added next, if any */
		if (kind == RBP_PART_HTML && !enclosed && encoding != MIME_IDENTITY && body.len &&
		    mime_html_may_wait(ct.charset)) {
			/* the notice's HTML is read only when it has no text: it
			   is decoded then, if ever (its base64 checked now) */
			struct rbp_part *hp = mime_add_part(&w, body, kind, enclosed, 0, MIME_IDENTITY);
			if (hp) {
				hp->encoding = (unsigned char)encoding;
				if (encoding == MIME_BASE64 && mime_base64_bad(body.ptr, body.len))
					m->flags |= REBOUND_RECORD_MALFORMED;
			}
		} else {
			mime_add_part(&w, body, kind, enclosed, 0, encoding);
			if (m->nparts > k)
				mime_charset_part(&w, &m->parts[k], ct.charset);
		}
		if (kind == RBP_PART_DSN && encoding == MIME_IDENTITY) {
			size_t inner = mime_inner_base64(body);
			if (inner && inner < body.len)
				mime_add_part(&w, rbp_mkspan(body.ptr + inner, body.len - inner), RBP_PART_DSN,
				              enclosed, 0, MIME_BASE64);
		}
		if (!found) {
			if (w.top)
				m->flags |= REBOUND_RECORD_MALFORMED;
			return;
		}
		if (!mime_after_boundary(&w, h, &pos, &enclosed, &depth, &digest))
			return;
	}
}

int rebound_header_field(struct rebound_span headers, const char *name, struct rebound_span *value)
{
	char lower[128];
	size_t i, n;
	rbp_span v;
	if (!name || !value || (!headers.ptr && headers.len))
		return 0;
	n = strlen(name);
	/* longer names do not occur in mail; a cap keeps the copy on the stack */
	if (!n || n >= sizeof lower)
		return 0;
	for (i = 0; i < n; i++)
		lower[i] = (char)rbp_lower((unsigned char)name[i]);
	lower[n] = '\0';
	if (!rbp_get_field(rbp_mkspan(headers.ptr, headers.len), lower, &v))
		return 0;
	value->ptr = v.ptr;
	value->len = v.len;
	return 1;
}
