/*
 * t-charset.c - the Japanese charset decoders of the message parser
 * (runtime/charset.c), and whole messages in those charsets (TAP).
 *
 * Inputs are copied into heap blocks of exactly their length, so that a
 * read past the end shows under -fsanitize=address.  Expected UTF-8 was
 * taken from glibc iconv when the test was written, not from the table
 * under test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "charset.h"
#include "parser.h"
#include "rebound.h"
#include "tap.h"

/* ---- decoding ------------------------------------------------------ */

/* Decode IN (N bytes) with CS into OUT (CAP bytes); returns the length. */
static size_t dec(enum rbp_charset cs, const char *in, size_t n, char *out, size_t cap, int *cut)
{
	char *copy = malloc(n ? n : 1);
	size_t got;
	if (!copy)
		abort();
	memcpy(copy, in, n);
	got = rbp_charset_decode(cs, copy, n, out, cap, cut);
	free(copy);
	return got;
}

/* Does IN decode (with room to spare) to exactly WANT? */
static int dec_is(enum rbp_charset cs, const char *in, const char *want)
{
	char out[256];
	int cut = -1;
	size_t got = dec(cs, in, strlen(in), out, sizeof out, &cut);
	if (cut != 0 || got != strlen(want) || memcmp(out, want, got) != 0) {
		diag("got %d bytes (cut %d): %.*s", (int)got, cut, (int)got, out);
		return 0;
	}
	return 1;
}

#define FFFD "\xef\xbf\xbd"

/* Is S (N bytes) well-formed UTF-8 with no surrogates? */
static int utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i], need, cp, k;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			need = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			need = 2, cp = c & 0x0F;
		else
			return 0;
		if (n - i <= need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3Fu);
		}
		if ((need == 2 && cp < 0x800) || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += need + 1;
	}
	return 1;
}

static void test_names(void)
{
	static const struct {
		const char *name;
		enum rbp_charset cs;
	} t[] = {
		{"ISO-2022-JP", RBP_CS_ISO2022JP}, {"iso-2022-jp", RBP_CS_ISO2022JP},
		{"csISO2022JP", RBP_CS_ISO2022JP}, {"ISO-2022-JP*ja", RBP_CS_ISO2022JP},
		{"EUC-JP", RBP_CS_EUCJP},          {"x-euc-jp", RBP_CS_EUCJP},
		{"Shift_JIS", RBP_CS_SJIS},        {"x-sjis", RBP_CS_SJIS},
		{"CP932", RBP_CS_SJIS},            {"Windows-31J", RBP_CS_SJIS},
		{"utf-8", RBP_CS_OTHER},           {"iso-2022-kr", RBP_CS_OTHER},
		{"", RBP_CS_OTHER},                {"shift_jis2", RBP_CS_OTHER},
	};
	size_t k;
	for (k = 0; k < sizeof t / sizeof t[0]; k++)
		ok(rbp_charset_of(t[k].name, strlen(t[k].name)) == t[k].cs, "charset name '%s'", t[k].name);
}

static void test_iso2022jp(void)
{
	const enum rbp_charset J = RBP_CS_ISO2022JP;
	ok(dec_is(J, "\x1b$B$3$s$K$A$O\x1b(B", "こんにちは"), "ISO-2022-JP: ESC $ B .. ESC ( B");
	ok(dec_is(J, "user \x1b$B4A;z\x1b(B name \x1b$@$+$J\x1b(B end", "user 漢字 name かな end"),
	   "ISO-2022-JP: escapes switching mid-line, ESC $ @ too");
	ok(dec_is(J, "\x1b&@\x1b$B0!\x1b(B", "亜"), "ISO-2022-JP: the 1990 announcer is skipped");
	ok(dec_is(J, "\x1b(J\\~a\x1b(B\\~", "\xc2\xa5\xe2\x80\xbe" "a\\~"),
	   "ISO-2022-JP: JIS X 0201 Roman (yen, overline), then ASCII again");
	ok(dec_is(J, "\x1b(I1_\x1b(B1", "\xef\xbd\xb1\xef\xbe\x9f" "1"), "ISO-2022-JP: ESC ( I half-width katakana");
	ok(dec_is(J, "a\x0e" "1\x0f" "1", "a\xef\xbd\xb1" "1"), "ISO-2022-JP: SO and SI katakana");
	ok(dec_is(J, "\x1b$B$\"\n$\"", "あ\n$\""), "ISO-2022-JP: a line end returns to ASCII");
	ok(dec_is(J, "\x1b$B$\"$", "あ" FFFD), "ISO-2022-JP: a lone first byte at the end");
	ok(dec_is(J, "ab\x1b$", "ab" FFFD "$"), "ISO-2022-JP: an escape cut short at the end");
	ok(dec_is(J, "a\x1bZb", "a" FFFD "Zb"), "ISO-2022-JP: an unknown escape");
	ok(dec_is(J, "a\xa4\xa2" "b", "a" FFFD FFFD "b"), "ISO-2022-JP: 8-bit bytes are invalid");
	ok(dec_is(J, "\x1b$(D\"/\x1b(Bx", FFFD "x"), "ISO-2022-JP: JIS X 0212 is one U+FFFD a character");
	ok(dec_is(J, "\x1b$B)!\x1b(B", FFFD), "ISO-2022-JP: an unassigned code (row 9)");
	ok(dec_is(J, "\x1b$B$\" $\"\x1b(B", "あ あ"), "ISO-2022-JP: a space inside two-byte text");
}

static void test_eucjp(void)
{
	const enum rbp_charset E = RBP_CS_EUCJP;
	ok(dec_is(E, "\xa4\xb3\xa4\xf3 \xb4\xc1\xbb\xfa", "こん 漢字"), "EUC-JP: JIS X 0208");
	ok(dec_is(E, "\x8e\xb1\x8e\xdf", "\xef\xbd\xb1\xef\xbe\x9f"), "EUC-JP: SS2 half-width katakana");
	ok(dec_is(E, "\x8f\xa2\xaf" "a", FFFD "a"), "EUC-JP: JIS X 0212 (SS3) is one U+FFFD");
	ok(dec_is(E, "\xf4\xa6\xb0\xa1", "熙亜"), "EUC-JP: the last assigned code and the first kanji");
	ok(dec_is(E, "\xa9\xa1", FFFD), "EUC-JP: an unassigned code");
	ok(dec_is(E, "a\x80" "b\xa4", "a" FFFD "b" FFFD), "EUC-JP: a stray byte, a lead byte at the end");
	ok(dec_is(E, "\xa4" "a\x8e" "b\x8f\xa2", FFFD "a" FFFD "b" FFFD FFFD),
	   "EUC-JP: lead bytes followed by ASCII keep the ASCII");
}

static void test_sjis(void)
{
	const enum rbp_charset S = RBP_CS_SJIS;
	ok(dec_is(S, "\x82\xb1\x82\xf1 \x8a\xbf\x8e\x9a", "こん 漢字"), "Shift_JIS: JIS X 0208");
	ok(dec_is(S, "\xb1\xdf", "\xef\xbd\xb1\xef\xbe\x9f"), "Shift_JIS: half-width katakana");
	ok(dec_is(S, "\x81\x40\x81\x80\x81\x9e\x81\x9f\x81\xfc",
	          "\xe3\x80\x80\xc3\xb7\xe2\x97\x87\xe2\x97\x86\xe2\x97\xaf"),
	   "Shift_JIS: trail bytes at the edges of both rows of a lead byte");
	ok(dec_is(S, "\x88\x9f\x9f\xfc\xe0\x40\xea\xa4", "亜滌漾熙"), "Shift_JIS: lead bytes 0x88, 0x9F, 0xE0, 0xEA");
	ok(dec_is(S, "\x81\x7f", FFFD "\x7f"), "Shift_JIS: 0x7F is no trail byte");
	ok(dec_is(S, "\xf0\x40\xfd" "a\x80\xa0", FFFD FFFD "a" FFFD FFFD),
	   "Shift_JIS: user-defined rows and bytes that start nothing");
	ok(dec_is(S, "\x87\x40", FFFD), "Shift_JIS: NEC row 13 (CP932) is not decoded");
	ok(dec_is(S, "ab\x82", "ab" FFFD), "Shift_JIS: a lead byte at the end");
	ok(dec_is(S, "C:\\dir", "C:\\dir"), "Shift_JIS: 0x5C stays a backslash");
}

/* Every assigned JIS X 0208 code gives the same character in all three
 * byte forms, and the table holds the 6,879 characters of the standard. */
static void test_three_forms_agree(void)
{
	unsigned row, cell, assigned = 0, disagree = 0;
	for (row = 1; row <= 94; row++)
		for (cell = 1; cell <= 94; cell++) {
			char e[2], s[2], j[8], oe[8], os[8], oj[8];
			unsigned lead = row <= 62 ? 0x81 + (row - 1) / 2 : 0xE0 + (row - 63) / 2;
			size_t ne, ns, nj;
			e[0] = (char)(0xA0 + row);
			e[1] = (char)(0xA0 + cell);
			s[0] = (char)lead;
			s[1] = (char)(row % 2 ? (cell <= 63 ? 0x3F + cell : 0x40 + cell) : 0x9E + cell);
			memcpy(j, "\x1b$B", 3);
			j[3] = (char)(0x20 + row);
			j[4] = (char)(0x20 + cell);
			memcpy(j + 5, "\x1b(B", 3);
			ne = dec(RBP_CS_EUCJP, e, 2, oe, sizeof oe, NULL);
			ns = dec(RBP_CS_SJIS, s, 2, os, sizeof os, NULL);
			nj = dec(RBP_CS_ISO2022JP, j, 8, oj, sizeof oj, NULL);
			if (ne != ns || ne != nj || memcmp(oe, os, ne) || memcmp(oe, oj, ne))
				disagree++;
			if (ne != 3 || memcmp(oe, FFFD, 3))
				assigned++;
		}
	ok(disagree == 0, "EUC-JP, Shift_JIS and ISO-2022-JP agree on all 8,836 codes (%u differ)", disagree);
	ok(assigned == 6879, "the table assigns 6,879 codes (%u)", assigned);
}

static void test_limits(void)
{
	char out[16];
	int cut = -1;
	size_t got;
	/* こん is 6 bytes of UTF-8 */
	got = dec(RBP_CS_SJIS, "\x82\xb1\x82\xf1", 4, out, 6, &cut);
	ok(got == 6 && cut == 0 && !memcmp(out, "こん", 6), "output exactly the size of the buffer: not cut");
	got = dec(RBP_CS_SJIS, "\x82\xb1\x82\xf1", 4, out, 5, &cut);
	ok(got == 3 && cut == 1 && !memcmp(out, "こ", 3), "one byte short: the whole last character left out, cut");
	got = dec(RBP_CS_ISO2022JP, "\x1b$B$3\x1b(Ba", 9, out, 3, &cut);
	ok(got == 3 && cut == 1, "ISO-2022-JP: stops at the buffer, cut");
	got = dec(RBP_CS_EUCJP, "a", 1, out, 0, &cut);
	ok(got == 0 && cut == 1, "no room at all: nothing written, cut");
	got = dec(RBP_CS_EUCJP, "", 0, out, 0, &cut);
	ok(got == 0 && cut == 0, "empty input: nothing to cut");
	got = dec(RBP_CS_OTHER, "abcdef", 6, out, 4, &cut);
	ok(got == 4 && cut == 1 && !memcmp(out, "abcd", 4), "another charset is copied, bounded");
	/* ¥ is two bytes: one byte of room is not enough for it */
	got = dec(RBP_CS_ISO2022JP, "\x1b(J\\", 4, out, 1, &cut);
	ok(got == 0 && cut == 1, "a two-byte character does not go into one byte");
}

/* Noise: never more than 3 bytes out per byte in, always valid UTF-8,
 * never cut with 3N bytes of room (and ASan sees every read). */
static void test_noise(void)
{
	enum rbp_charset cs[3] = {RBP_CS_ISO2022JP, RBP_CS_EUCJP, RBP_CS_SJIS};
	unsigned long x = 12345;
	unsigned round, bad = 0;
	for (round = 0; round < 3000; round++) {
		unsigned char in[64];
		char out[3 * 64];
		size_t n = round % 64, i, got;
		int cut = 0;
		for (i = 0; i < n; i++) {
			x = x * 6364136223846793005ul + 1442695040888963407ul;
			in[i] = (unsigned char)(x >> 56);
			if (round % 3 == 0 && in[i] % 5 == 0)
				in[i] = 0x1B; /* plenty of escapes */
		}
		got = dec(cs[round % 3], (const char *)in, n, out, 3 * n, &cut);
		if (cut || got > 3 * n || !utf8_ok((const unsigned char *)out, got))
			bad++;
	}
	ok(bad == 0, "3,000 noise inputs: valid UTF-8 within 3 bytes a byte (%u bad)", bad);
}

static void test_fix(void)
{
	const char *euc = "\xa4\xa2\xa4\xc6\xc0\xe8 user", *sjis = "\x82\xa0\x82\xc4\x90\xe6 \xb1";
	ok(rbp_charset_fix(RBP_CS_ISO2022JP, euc, strlen(euc)) == RBP_CS_EUCJP,
	   "8-bit text labelled ISO-2022-JP that is EUC-JP is read as EUC-JP");
	ok(rbp_charset_fix(RBP_CS_ISO2022JP, sjis, strlen(sjis)) == RBP_CS_SJIS,
	   "... and Shift_JIS as Shift_JIS");
	ok(rbp_charset_fix(RBP_CS_ISO2022JP, "\x1b$B$\"\x1b(B", 8) == RBP_CS_ISO2022JP,
	   "7-bit ISO-2022-JP keeps its label");
	ok(rbp_charset_fix(RBP_CS_ISO2022JP, "\xff\xff", 2) == RBP_CS_ISO2022JP,
	   "bytes well formed in neither keep the label");
	ok(rbp_charset_fix(RBP_CS_SJIS, euc, strlen(euc)) == RBP_CS_SJIS, "other labels are believed");
	ok(rbp_charset_has_jis("x\x1b$B", 4) && !rbp_charset_has_jis("x\x1b$", 3) &&
	   !rbp_charset_has_jis("\x1b(B", 3), "ISO-2022-JP escapes are recognised, not over-read");
}

/* ---- whole messages ------------------------------------------------ */

#define MAX_RECS 8
struct recs {
	unsigned n, flags;
	char rcpt[MAX_RECS][128], diag[MAX_RECS][512], subject[MAX_RECS][256];
	const char *cls[MAX_RECS];
};

/* A span as a C string in OUT (cut to fit); an absent span is "". */
static void text_of(char *out, size_t cap, struct rebound_span s)
{
	snprintf(out, cap, "%.*s", (int)s.len, s.len ? s.ptr : "");
}

static int on_rec(void *ctx, const struct rebound_record *r)
{
	struct recs *x = ctx;
	x->flags |= r->flags;
	if (x->n < MAX_RECS) {
		text_of(x->rcpt[x->n], sizeof x->rcpt[0], r->recipient);
		text_of(x->diag[x->n], sizeof x->diag[0], r->diagnostic);
		text_of(x->subject[x->n], sizeof x->subject[0], r->subject);
		x->cls[x->n] = r->result.cls ? r->result.cls->name : "";
		x->n++;
	}
	return 0;
}

/* Parse MSG (N bytes) with exactly REBOUND_PARSE_SCRATCH(N) of scratch. */
static int parse(const char *msg, size_t n, struct recs *x)
{
	size_t need = REBOUND_PARSE_SCRATCH(n);
	char *copy = malloc(n ? n : 1), *scratch = malloc(need);
	int got;
	if (!copy || !scratch)
		abort();
	memcpy(copy, msg, n);
	memset(x, 0, sizeof *x);
	got = rebound_parse(copy, n, NULL, scratch, need, on_rec, x);
	free(copy);
	free(scratch);
	return got;
}

static char *slurp(const char *name, size_t *len)
{
	const char *dir = getenv("srcdir");
	char path[1024];
	FILE *f;
	char *buf;
	long n;
	snprintf(path, sizeof path, "%s/tests/messages/%s", dir ? dir : ".", name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(buf = malloc((size_t)n + 1))) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, (size_t)n, f);
	fclose(f);
	return buf;
}

/* The hand-written notices in tests/messages/ and what each must give. */
static void test_message_files(void)
{
	static const struct {
		const char *file, *rcpt, *cls, *diag_has, *subject_has;
	} t[] = {
		{"jp-iso2022-domino.eml", "sato@example.co.jp", "user_unknown", "ディレクトリには見つかりません",
		 "配信できませんでした"},
		{"jp-sjis-quota.eml", "kato@example.ne.jp", "mailbox_full", "容量オーバー", "配送エラー"},
		{"jp-eucjp-labelled-jis.eml", "ito@example.jp", "user_unknown", "宛先不明", "Returned mail"},
	};
	size_t k;
	for (k = 0; k < sizeof t / sizeof t[0]; k++) {
		size_t len = 0;
		char *msg = slurp(t[k].file, &len);
		struct recs x;
		int n;
		if (!msg) {
			ok(0, "%s: readable (srcdir set?)", t[k].file);
			continue;
		}
		n = parse(msg, len, &x);
		free(msg);
		ok(n == 1 && !strcmp(x.rcpt[0], t[k].rcpt) && !strcmp(x.cls[0], t[k].cls) &&
		   strstr(x.diag[0], t[k].diag_has) && strstr(x.subject[0], t[k].subject_has),
		   "%s: one record, %s, %s, diagnostic and subject in UTF-8", t[k].file, t[k].rcpt, t[k].cls);
		if (n != 1 || strcmp(x.cls[0], t[k].cls))
			diag("%d records; %s %s [%s] [%s]", n, x.rcpt[0], x.cls[0], x.diag[0], x.subject[0]);
	}
}

static void test_message_strings(void)
{
	struct recs x;
	int n;
	/* base64 Shift_JIS under an alias, in a multipart/report */
	static const char b64[] =
		"From: MAILER-DAEMON@example.jp\nSubject: =?x-sjis?B?lHqRl4NHg4mBWw==?=\n"
		"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n"
		"--b\nContent-Type: text/plain; charset=Windows-31J\nContent-Transfer-Encoding: base64\n\n"
		/* "the user was not found", then the address, in Shift_JIS */
		"g4aBW4NVgVuCqoypgsKCqYLogtyCuYLxgUINCm5vYWhAZXhhbXBsZS5qcA0K\n"
		"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.jp\n\n"
		"Final-Recipient: rfc822; noah@example.jp\nAction: failed\nStatus: 5.1.1\n--b--\n";
	/* a DSN whose Diagnostic-Code carries raw ISO-2022-JP */
	static const char dsn[] =
		"From: postmaster@example.jp\nSubject: DELIVERY FAILURE\nMIME-Version: 1.0\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n"
		"--b\nContent-Type: text/plain\n\nYour message was not delivered.\n"
		"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.jp\n\n"
		"Final-Recipient: rfc822; mia@example.jp\nAction: failed\nStatus: 5.0.0\n"
		"Diagnostic-Code: X-Notes; \x1b$B%f!<%6!<\x1b(B mia \x1b$B$O\x1b(B Domino "
		"\x1b$B%G%#%l%/%H%j$K$O8+$D$+$j$^$;$s\x1b(B\n--b--\n";
	n = parse(b64, sizeof b64 - 1, &x);
	ok(n == 1 && !strcmp(x.rcpt[0], "noah@example.jp") && !strcmp(x.subject[0], "配送エラー") &&
	   strstr(x.diag[0], "見つかりません") != NULL,
	   "base64 Windows-31J notice and x-sjis subject are decoded");
	if (n != 1)
		diag("%d: %s [%s] [%s]", n, x.rcpt[0], x.diag[0], x.subject[0]);
	n = parse(dsn, sizeof dsn - 1, &x);
	ok(n == 1 && !strcmp(x.cls[0], "user_unknown") && strstr(x.diag[0], "ディレクトリ") != NULL,
	   "raw ISO-2022-JP in a delivery-status part is decoded and classified");
	if (n == 1 && strcmp(x.cls[0], "user_unknown"))
		diag("%s [%s]", x.cls[0], x.diag[0]);
}

/* Half-width katakana in ISO-2022-JP triple in UTF-8: past
 * RBP_MAX_CONVERTED the text is cut and flagged, within the scratch that
 * REBOUND_PARSE_SCRATCH promises.  The big text is the returned message,
 * which the notice scan leaves alone, so only the conversion can flag. */
static void test_message_budget(void)
{
	static const char head[] =
		"From: MAILER-DAEMON@example.jp\nSubject: Undelivered Mail Returned to Sender\n"
		"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n"
		"--b\nContent-Type: text/plain\n\nThis is the mail system at host mx.example.jp.\n\n"
		"<lee@example.jp>: host mx.example.jp said: 550 5.1.1 User unknown\n"
		"--b\nContent-Type: message/rfc822\n\nSubject: hello\n"
		"Content-Type: text/plain; charset=ISO-2022-JP\n\n\x1b(I";
	/* the first fits (3 bytes out for each), the second does not */
	size_t bodies[2] = {RBP_MAX_CONVERTED / 3 - 4096, RBP_MAX_CONVERTED / 2};
	int k;
	for (k = 0; k < 2; k++) {
		size_t body = bodies[k], n = sizeof head - 1 + body + 6, i;
		char *msg = malloc(n);
		struct recs x;
		int got, flagged;
		if (!msg)
			abort();
		memcpy(msg, head, sizeof head - 1);
		for (i = 0; i < body; i++)
			msg[sizeof head - 1 + i] = (char)(0x21 + i % 60);
		memcpy(msg + n - 6, "\n--b--", 6);
		got = parse(msg, n, &x);
		flagged = (x.flags & REBOUND_RECORD_SCAN_LIMIT) != 0;
		ok(got == 1 && !strcmp(x.rcpt[0], "lee@example.jp") && flagged == k,
		   "%zu bytes of katakana: the notice read, %s", body,
		   k ? "the text cut at RBP_MAX_CONVERTED and flagged scan-limit" : "not flagged");
		if (got != 1 || strcmp(x.rcpt[0], "lee@example.jp") || flagged != k)
			diag("%d records, flags %#x, %s", got, x.flags, x.rcpt[0]);
		free(msg);
	}
}

int main(void)
{
	test_names();
	test_iso2022jp();
	test_eucjp();
	test_sjis();
	test_three_forms_agree();
	test_limits();
	test_noise();
	test_fix();
	test_message_files();
	test_message_strings();
	test_message_budget();
	return done_testing();
}
