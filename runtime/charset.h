/*
 * charset.h - Japanese text (ISO-2022-JP, EUC-JP, Shift_JIS) to UTF-8,
 * for the message parser: a bounce written in one of these cannot be
 * matched by rules written in UTF-8 until it is converted.
 *
 * JIS X 0208 (with JIS X 0201 Roman and half-width katakana) is
 * decoded; JIS X 0212, JIS X 0213 and the vendor rows of CP932 are not,
 * and give U+FFFD like any invalid sequence.  Nothing is allocated and
 * nothing is kept between calls.
 */
#ifndef REBOUND_CHARSET_H
#define REBOUND_CHARSET_H

#include <stddef.h>
#include "internal.h"

enum rbp_charset {
	RBP_CS_OTHER = 0, /* anything else: left as it is */
	RBP_CS_ISO2022JP,
	RBP_CS_EUCJP,
	RBP_CS_SJIS
};

/* The charset a MIME charset name (any case) stands for: the names and
 * common aliases of the three (csISO2022JP, x-sjis, cp932, Windows-31J,
 * ...); RBP_CS_OTHER for every other name. */
REBOUND_PRIVATE enum rbp_charset rbp_charset_of(const char *name, size_t len);

/* The charset text labelled CS is really in: Japanese mailers label
 * EUC-JP or Shift_JIS text ISO-2022-JP, which is 7-bit, so a text with
 * bytes of 128 and up is read as whichever of the two it is well formed
 * in (EUC-JP first).  Other labels are returned unchanged. */
REBOUND_PRIVATE enum rbp_charset rbp_charset_fix(enum rbp_charset cs, const char *s, size_t n);

/* Does S hold an ISO-2022-JP escape into two-byte text (ESC $ @, ESC $ B)?
 * A text without a charset label that does is ISO-2022-JP. */
REBOUND_PRIVATE int rbp_charset_has_jis(const char *s, size_t n);

/* Decode N bytes at IN, in charset CS, to UTF-8 at OUT.  Writes at most
 * CAP bytes, and never part of a character; *CUT (may be NULL) is set to
 * 1 when the output did not fit, else 0.  Invalid, truncated or unmapped
 * sequences become U+FFFD; no byte past IN + N is read.  Returns the
 * number of bytes written.  At most 3 bytes are written per input byte,
 * so CAP = 3 * N always suffices. */
REBOUND_PRIVATE size_t rbp_charset_decode(enum rbp_charset cs, const char *in, size_t n, char *out,
                                          size_t cap, int *cut);

#endif /* REBOUND_CHARSET_H */
