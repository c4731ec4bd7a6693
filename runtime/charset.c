/*
 * charset.c - ISO-2022-JP, EUC-JP and Shift_JIS to UTF-8 (see charset.h).
 *
 * All three carry the same JIS X 0208 characters in different byte
 * forms, so each decoder only works out the row and cell of a character
 * and looks it up in one generated table (jisx0208.h).  Every read of
 * the input is checked against its end first: a sequence cut short by
 * the end of the text is invalid, never completed from beyond it.
 */
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif
#include "charset.h"
#include "jisx0208.h"

#define CS_BAD 0xFFFDu          /* the replacement character */
#define CS_HALFWIDTH 0xFF61u    /* half-width katakana start here (JIS X 0201 0x21) */

/* The names a charset parameter or an encoded word may use, lower case,
 * with their lengths, since most parts name another charset and are
 * turned away by the length alone. */
#define CS_NAME(s, cs) {s, sizeof s - 1, cs}
static const struct {
	const char *name;
	size_t len;
	enum rbp_charset cs;
} cs_names[] = {
	CS_NAME("iso-2022-jp", RBP_CS_ISO2022JP), CS_NAME("csiso2022jp", RBP_CS_ISO2022JP),
	CS_NAME("iso2022jp", RBP_CS_ISO2022JP), CS_NAME("iso-2022-jp-1", RBP_CS_ISO2022JP),
	CS_NAME("iso-2022-jp-2", RBP_CS_ISO2022JP), CS_NAME("csiso2022jp2", RBP_CS_ISO2022JP),
	CS_NAME("jis", RBP_CS_ISO2022JP), CS_NAME("x-jis", RBP_CS_ISO2022JP),
	CS_NAME("euc-jp", RBP_CS_EUCJP), CS_NAME("eucjp", RBP_CS_EUCJP),
	CS_NAME("x-euc-jp", RBP_CS_EUCJP), CS_NAME("x-euc", RBP_CS_EUCJP),
	CS_NAME("cseucpkdfmtjapanese", RBP_CS_EUCJP), CS_NAME("euc-jp-ms", RBP_CS_EUCJP),
	CS_NAME("eucjp-ms", RBP_CS_EUCJP), CS_NAME("ujis", RBP_CS_EUCJP),
	CS_NAME("shift_jis", RBP_CS_SJIS), CS_NAME("shift-jis", RBP_CS_SJIS),
	CS_NAME("sjis", RBP_CS_SJIS), CS_NAME("x-sjis", RBP_CS_SJIS),
	CS_NAME("ms_kanji", RBP_CS_SJIS), CS_NAME("csshiftjis", RBP_CS_SJIS),
	CS_NAME("cp932", RBP_CS_SJIS), CS_NAME("ms932", RBP_CS_SJIS),
	CS_NAME("windows-31j", RBP_CS_SJIS), CS_NAME("cswindows31j", RBP_CS_SJIS),
	CS_NAME("x-ms-cp932", RBP_CS_SJIS), CS_NAME("ibm-943", RBP_CS_SJIS),
};

enum rbp_charset rbp_charset_of(const char *name, size_t len)
{
	size_t k, i;
	/* an RFC 2231 language suffix ("ISO-2022-JP*ja") is not part of the name */
	for (i = 0; i < len; i++)
		if (name[i] == '*') {
			len = i;
			break;
		}
	for (k = 0; k < sizeof cs_names / sizeof cs_names[0]; k++) {
		const char *c = cs_names[k].name;
		if (cs_names[k].len != len)
			continue;
		for (i = 0; i < len; i++) {
			unsigned char b = (unsigned char)name[i];
			if (b >= 'A' && b <= 'Z')
				b = (unsigned char)(b + 32);
			if (b != (unsigned char)c[i])
				break;
		}
		if (i == len)
			return cs_names[k].cs;
	}
	return RBP_CS_OTHER;
}

/* ---- well-formedness, for mislabelled text ----------------------- */

static int cs_in(unsigned char c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; }

static int cs_sjis_lead(unsigned char c) { return cs_in(c, 0x81, 0x9F) || cs_in(c, 0xE0, 0xFC); }
static int cs_sjis_trail(unsigned char c) { return cs_in(c, 0x40, 0x7E) || cs_in(c, 0x80, 0xFC); }

static int cs_valid_eucjp(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		if (c < 0x80)
			i++;
		else if (c == 0x8E && i + 1 < n && cs_in(s[i + 1], 0xA1, 0xDF))
			i += 2;
		else if (c == 0x8F && i + 2 < n && cs_in(s[i + 1], 0xA1, 0xFE) && cs_in(s[i + 2], 0xA1, 0xFE))
			i += 3;
		else if (cs_in(c, 0xA1, 0xFE) && i + 1 < n && cs_in(s[i + 1], 0xA1, 0xFE))
			i += 2;
		else
			return 0;
	}
	return 1;
}

static int cs_valid_sjis(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		if (c < 0x80 || cs_in(c, 0xA1, 0xDF))
			i++;
		else if (cs_sjis_lead(c) && i + 1 < n && cs_sjis_trail(s[i + 1]))
			i += 2;
		else
			return 0;
	}
	return 1;
}

enum rbp_charset rbp_charset_fix(enum rbp_charset cs, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;
	if (cs != RBP_CS_ISO2022JP)
		return cs;
	/* eight bytes at a time up to the first one from 128 up */
	for (i = 0; n - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, u + i, 8);
		if (w & 0x8080808080808080u)
			break;
	}
	for (; i < n && u[i] < 0x80; i++)
		;
	if (i == n)
		return cs;
	if (cs_valid_eucjp(u, n))
		return RBP_CS_EUCJP;
	if (cs_valid_sjis(u, n))
		return RBP_CS_SJIS;
	return cs;
}

int rbp_charset_has_jis(const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	while ((p = memchr(p, 0x1B, (size_t)(end - p))) != NULL) {
		if (end - p >= 3 && p[1] == '$' && (p[2] == 'B' || p[2] == '@'))
			return 1;
		p++;
	}
	return 0;
}

/* ---- output ------------------------------------------------------- */

struct cs_out {
	char *p;
	size_t o, cap;
	int cut;
};

/* Append code point CP (below 0x10000) as UTF-8; 0 when it does not fit. */
static int cs_put(struct cs_out *w, unsigned cp)
{
	size_t need = cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
	if (need > w->cap - w->o) {
		w->cut = 1;
		return 0;
	}
	if (need == 1)
		w->p[w->o++] = (char)cp;
	else if (need == 2) {
		w->p[w->o++] = (char)(0xC0 | (cp >> 6));
		w->p[w->o++] = (char)(0x80 | (cp & 0x3F));
	} else {
		w->p[w->o++] = (char)(0xE0 | (cp >> 12));
		w->p[w->o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		w->p[w->o++] = (char)(0x80 | (cp & 0x3F));
	}
	return 1;
}

/* JIS X 0208 row and cell (each 1..94) to Unicode, U+FFFD when unassigned. */
static unsigned cs_jis(unsigned row, unsigned cell)
{
	unsigned v = rbp_jisx0208[(row - 1) * 94 + (cell - 1)];
	return v ? v : CS_BAD;
}

/* ---- the three decoders ------------------------------------------- */

enum cs_mode { CS_ASCII, CS_ROMAN, CS_KANA, CS_JIS, CS_OTHER2 };

/* The escape sequence at S[0] (ESC): sets *MODE and returns its length,
 * or 0 when it is none this decoder knows. */
static size_t cs_escape(const unsigned char *s, size_t n, enum cs_mode *mode)
{
	if (n >= 3 && s[1] == '(') {
		switch (s[2]) {
		case 'B': *mode = CS_ASCII; return 3;
		case 'J': case 'H': *mode = CS_ROMAN; return 3;
		case 'I': *mode = CS_KANA; return 3;
		default: return 0;
		}
	}
	if (n >= 3 && s[1] == '$') {
		if (s[2] == 'B' || s[2] == '@') {
			*mode = CS_JIS;
			return 3;
		}
		if (s[2] == 'A') { /* GB 2312 (ISO-2022-JP-2): kept apart, not decoded */
			*mode = CS_OTHER2;
			return 3;
		}
		if (s[2] == '(' && n >= 4) {
			*mode = (s[3] == 'B' || s[3] == '@') ? CS_JIS : CS_OTHER2;
			return 4;
		}
		return 0;
	}
	/* "JIS X 0208-1990 follows" and 96-set designations change nothing here */
	if (n >= 3 && s[1] == '&' && s[2] == '@')
		return 3;
	if (n >= 3 && s[1] == '.')
		return 3;
	return 0;
}

static void cs_iso2022jp(const unsigned char *s, size_t n, struct cs_out *w)
{
	enum cs_mode mode = CS_ASCII;
	int shifted = 0; /* SO .. SI: half-width katakana (JIS7) */
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		unsigned cp;
		if (mode == CS_ASCII && !shifted) {
			/* a run of plain ASCII (most of such a message: its
			 * headers and the runs between escapes) is copied as
			 * it is, as far as it fits, not put byte by byte */
			size_t j = i, room = w->cap - w->o;
#if defined(__SSE2__) && defined(__GNUC__)
			/* sixteen at a time: the high bit, ESC, SO, SI */
			while (n - j >= 16) {
				__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + j));
				unsigned stop = (unsigned)_mm_movemask_epi8(_mm_or_si128(
					v, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x1B)),
				                        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x0E)),
				                                     _mm_cmpeq_epi8(v, _mm_set1_epi8(0x0F))))));
				if (stop) {
					j += (unsigned)__builtin_ctz(stop);
					break;
				}
				j += 16;
			}
#endif
			while (j < n && s[j] < 0x80 && s[j] != 0x1B && s[j] != 0x0E && s[j] != 0x0F)
				j++;
			if (j > i) {
				size_t len = j - i < room ? j - i : room;
				memcpy(w->p + w->o, s + i, len);
				w->o += len;
				if (len < j - i) {
					w->cut = 1;
					return;
				}
				i = j;
				continue;
			}
		}
		if (c == 0x1B) {
			size_t len = cs_escape(s + i, n - i, &mode);
			if (len) {
				i += len;
				continue;
			}
			if (n - i >= 3 && s[i + 1] == 'N') { /* single shift 2: one G2 character */
				if (!cs_put(w, CS_BAD))
					return;
				i += 3;
				continue;
			}
			cp = CS_BAD;
			i++;
		} else if (c == 0x0E || c == 0x0F) {
			shifted = c == 0x0E;
			i++;
			continue;
		} else if (c == '\n' || c == '\r') {
			/* a line must end in ASCII; a sender that forgot still gets its
			   next line read as text */
			mode = CS_ASCII;
			shifted = 0;
			cp = c;
			i++;
		} else if (c >= 0x80) {
			cp = CS_BAD;
			i++;
		} else if (c <= 0x20 || c == 0x7F) {
			cp = c;
			i++;
		} else if (shifted || mode == CS_KANA) {
			cp = c <= 0x5F ? CS_HALFWIDTH + (c - 0x21u) : CS_BAD;
			i++;
		} else if (mode == CS_ROMAN) {
			cp = c == 0x5C ? 0xA5u : c == 0x7E ? 0x203Eu : c;
			i++;
		} else if (mode == CS_JIS || mode == CS_OTHER2) {
			if (i + 1 < n && cs_in(s[i + 1], 0x21, 0x7E)) {
				cp = mode == CS_JIS ? cs_jis(c - 0x20u, s[i + 1] - 0x20u) : CS_BAD;
				i += 2;
			} else {
				cp = CS_BAD;
				i++;
			}
		} else {
			cp = c;
			i++;
		}
		if (!cs_put(w, cp))
			return;
	}
}

/* One character of a stateless charset at S[I] (I < N): its code point,
 * and in *LEN how many bytes it took. */
typedef unsigned cs_step(const unsigned char *s, size_t n, size_t i, size_t *len);

static unsigned cs_eucjp(const unsigned char *s, size_t n, size_t i, size_t *len)
{
	unsigned char c = s[i];
	*len = 1;
	if (c < 0x80)
		return c;
	if (c == 0x8E) {
		if (i + 1 < n && cs_in(s[i + 1], 0xA1, 0xDF)) {
			*len = 2;
			return CS_HALFWIDTH + (s[i + 1] - 0xA1u);
		}
	} else if (c == 0x8F) {
		/* JIS X 0212: not decoded, but taken as one character */
		if (i + 2 < n && cs_in(s[i + 1], 0xA1, 0xFE) && cs_in(s[i + 2], 0xA1, 0xFE))
			*len = 3;
	} else if (cs_in(c, 0xA1, 0xFE) && i + 1 < n && cs_in(s[i + 1], 0xA1, 0xFE)) {
		*len = 2;
		return cs_jis(c - 0xA0u, s[i + 1] - 0xA0u);
	}
	return CS_BAD;
}

static unsigned cs_sjis(const unsigned char *s, size_t n, size_t i, size_t *len)
{
	unsigned char c = s[i];
	*len = 1;
	if (c < 0x80)
		return c;
	if (cs_in(c, 0xA1, 0xDF))
		return CS_HALFWIDTH + (c - 0xA1u);
	if (cs_sjis_lead(c) && i + 1 < n && cs_sjis_trail(s[i + 1])) {
		unsigned t = s[i + 1];
		/* each lead byte covers two rows: trail bytes up to 0x9E the odd
		   one (0x7F is skipped), the rest the even one */
		unsigned row = (c <= 0x9F ? c - 0x81u : c - 0xC1u) * 2u + 1u, cell;
		if (t >= 0x9F) {
			row++;
			cell = t - 0x9Eu;
		} else
			cell = t < 0x7F ? t - 0x3Fu : t - 0x40u;
		*len = 2;
		if (row <= 94) /* 0xF0.. leads are user-defined rows */
			return cs_jis(row, cell);
	}
	return CS_BAD;
}

static void cs_run(cs_step *step, const unsigned char *s, size_t n, struct cs_out *w)
{
	size_t i = 0, len;
	while (i < n && cs_put(w, step(s, n, i, &len)))
		i += len;
}

size_t rbp_charset_decode(enum rbp_charset cs, const char *in, size_t n, char *out, size_t cap,
                          int *cut)
{
	struct cs_out w;
	const unsigned char *s = (const unsigned char *)in;
	w.p = out;
	w.o = 0;
	w.cap = out ? cap : 0;
	w.cut = 0;
	switch (cs) {
	case RBP_CS_ISO2022JP:
		cs_iso2022jp(s, n, &w);
		break;
	case RBP_CS_EUCJP:
		cs_run(cs_eucjp, s, n, &w);
		break;
	case RBP_CS_SJIS:
		cs_run(cs_sjis, s, n, &w);
		break;
	case RBP_CS_OTHER:
	default:
		/* not ours to convert: copied as it is */
		if (n > w.cap) {
			n = w.cap;
			w.cut = 1;
		}
		if (n)
			memcpy(out, in, n);
		w.o = n;
		break;
	}
	if (cut)
		*cut = w.cut;
	return w.o;
}
