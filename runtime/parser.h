/*
 * parser.h - what the files of the message parser share: scratch
 * handling, text helpers, the MIME part list, the recipient table and
 * the NDR format table.  Nothing here is public.
 *
 * Names are prefixed rbp_ / RBP_ so that the files can also be built
 * as one amalgamated translation unit next to the classifier.
 */
#ifndef REBOUND_PARSER_H
#define REBOUND_PARSER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif
#include "internal.h"
#include "rebound.h"

typedef struct rebound_span rbp_span;

/* ---- scratch ------------------------------------------------------ */

/* The caller's scratch, handed out front to back. */
struct rbp_arena {
	char *base;
	size_t used, cap;
};
REBOUND_PRIVATE void *rbp_alloc(struct rbp_arena *a, size_t size);

/* ---- text helpers (scan.c) --------------------------------------- */

static inline int rbp_blank(unsigned char c) { return c == ' ' || c == '\t'; }
static inline int rbp_eol(unsigned char c) { return c == '\n' || c == '\r'; }
static inline int rbp_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static inline int rbp_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline unsigned char rbp_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}
static inline rbp_span rbp_mkspan(const char *p, size_t n)
{
	rbp_span s;
	s.ptr = p;
	s.len = n;
	return s;
}

/*
 * The first byte at or after I (below N) that is A or B, else N.  Most
 * lines and most gaps between candidates are short, so a call to
 * memchr costs more than the search: look 16 bytes at a time (SSE2,
 * part of every x86-64) or 8 (a word: x ^ (A repeated) has a zero byte
 * exactly where A is, and (x - 0x01..) & ~x & 0x80.. is non-zero iff x
 * has a zero byte).
 */
static inline size_t rbp_either(const char *s, size_t i, size_t n, unsigned char a, unsigned char b)
{
#if defined(__SSE2__) && defined(__GNUC__)
	const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b);
	while (n - i >= 16) {
		__m128i w = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		unsigned hit = (unsigned)_mm_movemask_epi8(
			_mm_or_si128(_mm_cmpeq_epi8(w, va), _mm_cmpeq_epi8(w, vb)));
		if (hit)
			return i + (unsigned)__builtin_ctz(hit);
		i += 16;
	}
#endif
	{
		const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
		const uint64_t ma = ones * a, mb = ones * b;
		while (n - i >= 8) {
			uint64_t w, x, y;
			memcpy(&w, s + i, 8);
			x = w ^ ma;
			y = w ^ mb;
			if ((((x - ones) & ~x) | ((y - ones) & ~y)) & highs)
				break;
			i += 8;
		}
	}
	while (i < n && (unsigned char)s[i] != a && (unsigned char)s[i] != b)
		i++;
	return i;
}

/* The line starting at *POS, without its end (LF, CRLF or CR); moves
 * *POS past the end.  Returns 0 when *POS is at the end of the text.
 * Inline: every part of the parser walks lines, and most are short. */
static inline int rbp_next_line(const char *p, size_t n, size_t *pos, rbp_span *line)
{
	size_t i = *pos, start = i;
	if (i >= n)
		return 0;
	i = rbp_either(p, i, n, '\n', '\r');
	line->ptr = p + start;
	line->len = i - start;
	if (i < n) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
			i += 2;
		else
			i++;
	}
	*pos = i;
	return 1;
}


/*
 * Lines one after another, their ends found 64 bytes at a time: one
 * mask of the LF and CR bytes of a window serves every line that ends
 * in it (a header or notice line is some 50 bytes; rbp_next_line looks
 * at each afresh, 16 bytes a step).  Within 64 bytes of the text's end
 * the lines are found by rbp_next_line.  *POS must be where the last
 * call left it (or where rbp_lines_start began).
 */
struct rbp_lines {
	const char *s;
	size_t n, base; /* the window is S[BASE, BASE + 64) */
	uint64_t ends;  /* its line ends at or after the current line's start */
	int tail;       /* no full window is left: rbp_next_line */
};

#if defined(__SSE2__) && defined(__GNUC__)
static inline uint64_t rbp_ends16(const char *q)
{
	const __m128i w = _mm_loadu_si128((const __m128i *)(const void *)q);
	return (unsigned)_mm_movemask_epi8(
		_mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8('\n')), _mm_cmpeq_epi8(w, _mm_set1_epi8('\r'))));
}

/* The window at BASE (64 bytes are there), its ends before FROM (at
 * most BASE + 1) dropped */
static inline void rbp_lines_load(struct rbp_lines *L, size_t base, size_t from)
{
	const char *q = L->s + base;
	L->base = base;
	L->ends = rbp_ends16(q) | rbp_ends16(q + 16) << 16 | rbp_ends16(q + 32) << 32 |
	          rbp_ends16(q + 48) << 48;
	if (from > base)
		L->ends &= ~(uint64_t)0 << (from - base);
}
#endif

static inline void rbp_lines_start(struct rbp_lines *L, const char *s, size_t n, size_t pos)
{
	L->s = s;
	L->n = n;
	L->tail = 1;
#if defined(__SSE2__) && defined(__GNUC__)
	if (pos <= n && n - pos >= 64) {
		L->tail = 0;
		rbp_lines_load(L, pos, pos);
	}
#endif
}

/* rbp_next_line over the text of L, from *POS */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int rbp_lines_next(struct rbp_lines *L, size_t *pos, rbp_span *line)
{
#if defined(__SSE2__) && defined(__GNUC__)
	const char *s = L->s;
	size_t n = L->n, i = *pos;
	while (!L->tail) {
		if (L->ends) {
			size_t e = L->base + (unsigned)__builtin_ctzll(L->ends);
			uint64_t rest = L->ends & (L->ends - 1);
			line->ptr = s + i;
			line->len = e - i;
			/* a CR LF: the LF is the next end, if it is in the window
			   (else E was its last byte, and REST is 0) */
			if (s[e] == '\r' && e + 1 < n && s[e + 1] == '\n') {
				rest &= rest - 1;
				e++;
			}
			L->ends = rest;
			*pos = e + 1;
			return 1;
		}
		/* no end from I to the window's end: the next window */
		if (n - L->base >= 128)
			rbp_lines_load(L, L->base + 64, i);
		else
			L->tail = 1;
	}
#endif
	return rbp_next_line(L->s, L->n, pos, line);
}

/* Where the run of bytes at S (N of them) that may make a header field
 * name ends: the first blank, control, ':' or byte outside ASCII. */
static inline size_t rbp_name_end(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
#if defined(__SSE2__) && defined(__GNUC__)
	/* as signed bytes, those of 128 and up are negative, so "< 33"
	   catches them with the blanks and controls */
	const __m128i lo = _mm_set1_epi8(33), del = _mm_set1_epi8(127), colon = _mm_set1_epi8(':');
	while (n - i >= 16) {
		__m128i w = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		unsigned stop = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			_mm_cmplt_epi8(w, lo), _mm_or_si128(_mm_cmpeq_epi8(w, del), _mm_cmpeq_epi8(w, colon))));
		if (stop)
			return i + (unsigned)__builtin_ctz(stop);
		i += 16;
	}
#endif
	/* one unsigned compare for 33..126 */
	while (i < n && (unsigned char)(p[i] - 33u) < 94u && p[i] != ':')
		i++;
	return i;
}

/* Is the field name at S (N bytes that rbp_name_end let through: 33 to
 * 126 but ':') NAME, written in lower case with letters, digits and '-'
 * only?  Setting bit 0x20 folds a letter's case and leaves digits and
 * '-' alone; the only bytes it would take for those are controls, which
 * no name holds.  Eight bytes at a time, the last word overlapping. */
static inline int rbp_name_is(const char *s, const char *name, size_t n)
{
	const uint64_t fold8 = 0x2020202020202020u;
	uint64_t a, b;
	size_t i;
	if (n >= 8) {
		for (i = 0; n - i > 8; i += 8) {
			memcpy(&a, s + i, 8);
			memcpy(&b, name + i, 8);
			if ((a | fold8) != b)
				return 0;
		}
		memcpy(&a, s + n - 8, 8);
		memcpy(&b, name + n - 8, 8);
		return (a | fold8) == b;
	}
	if (n >= 4) {
		uint32_t c, d;
		memcpy(&c, s, 4);
		memcpy(&d, name, 4);
		if ((c | 0x20202020u) != d)
			return 0;
		memcpy(&c, s + n - 4, 4);
		memcpy(&d, name + n - 4, 4);
		return (c | 0x20202020u) == d;
	}
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] | 0x20u) != (unsigned char)name[i])
			return 0;
	return 1;
}

/* Case-insensitive search for PAT, written in lower case, where '#'
 * stands for any digit.  Returns the offset of the match or (size_t)-1;
 * *END (may be NULL) gets the offset just past it. */
#define RBP_NOT_FOUND ((size_t)-1)
REBOUND_PRIVATE size_t rbp_find(const char *s, size_t n, const char *pat, size_t *end);
/* Does S start with PAT (same pattern rules)? Returns its length or 0. */
REBOUND_PRIVATE size_t rbp_prefix(const char *s, size_t n, const char *pat);
/* Do two spans hold the same text, ignoring ASCII case? */
REBOUND_PRIVATE int rbp_same_ci(rbp_span a, rbp_span b);
/* Does S equal the lower-case NAME, ignoring case?  Inline, lengths
 * first: most calls name a literal, whose length the compiler knows,
 * and most spans differ from it in length. */
static inline int rbp_is_ci_n(rbp_span s, const char *name, size_t n)
{
	size_t i;
	if (s.len != n)
		return 0;
	for (i = 0; i < n; i++)
		if (rbp_lower((unsigned char)s.ptr[i]) != (unsigned char)name[i])
			return 0;
	return 1;
}
static inline int rbp_is_ci(rbp_span s, const char *name)
{
	return rbp_is_ci_n(s, name, strlen(name));
}
/* S without the white space at either end; inline, being called for
 * almost every line and field. */
static inline rbp_span rbp_trim(rbp_span s)
{
	while (s.len && rbp_space((unsigned char)s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len && rbp_space((unsigned char)s.ptr[s.len - 1]))
		s.len--;
	return s;
}

/* Is S empty once trimmed?  Most lines start or end in text, which
 * tells at once. */
static inline int rbp_all_space(rbp_span s)
{
	return !s.len || (rbp_space((unsigned char)s.ptr[0]) && rbp_space((unsigned char)s.ptr[s.len - 1]) &&
	                  !rbp_trim(s).len);
}

/* SUBJECT after a mailing list's "[tag]" that opens it ("[users] Re:
 * ..."), trimmed; SUBJECT itself when it opens with no such tag. */
REBOUND_PRIVATE rbp_span rbp_after_list_tag(rbp_span subject);

/* An address (local@domain) starting exactly at S[I], optionally
 * wrapped in <> or quotes.  Returns the offset after it (and after a
 * closing bracket or quote) or 0. */
REBOUND_PRIVATE size_t rbp_address_at(const char *s, size_t n, size_t i, rbp_span *addr);
/* The first address anywhere in S; returns its end offset or 0. */
REBOUND_PRIVATE size_t rbp_find_address(const char *s, size_t n, rbp_span *addr);
/* Is S a plausible address? */
REBOUND_PRIVATE int rbp_is_address(rbp_span s);

/* Copy S to OUT joining its lines: every line end with the blanks
 * around it becomes one space; leading and trailing blanks go.  Writes
 * at most CAP bytes, sets *CUT when that was not enough, and returns
 * the length written. */
REBOUND_PRIVATE size_t rbp_join_lines(rbp_span s, char *out, size_t cap, int *cut);

/* Readable text from HTML: tags dropped (block tags end a line),
 * entities decoded, runs of white space made one.  Writes at most CAP
 * bytes and returns the length. */
REBOUND_PRIVATE size_t rbp_html_text(rbp_span html, char *out, size_t cap);

/* A value with its "type;" label (rfc822;, smtp;, dns;) removed. */
REBOUND_PRIVATE rbp_span rbp_strip_type(rbp_span v);
/* An address value cleaned of a type label, blanks, <> and quotes. */
REBOUND_PRIVATE rbp_span rbp_clean_address(rbp_span v);

/* ---- RFC 5322 headers and MIME (mime.c) -------------------------- */

/* The header block at the start of S: returns its length (without the
 * empty line that ends it) and sets *BODY to where the body starts.
 * The block also ends at a line that is neither a field nor a fold.
 * Where the first field of each of the COUNT lower-case NAMES (of LENS
 * bytes; letters, digits and '-') starts is noted: AT[k], or
 * RBP_NO_FIELD when absent; and, when VALS is not NULL, its value as
 * rbp_next_field gives it: VALS[k] (set only where AT[k] is). */
#define RBP_NO_FIELD ((size_t)-1)
REBOUND_PRIVATE size_t rbp_header_block_at(const char *s, size_t n, size_t *body,
                                           const char *const *names, const unsigned char *lens,
                                           unsigned count, size_t *at, rbp_span *vals);
/* Iterate header fields of a block: *POS starts at 0.  VALUE is raw
 * (may hold line ends of folded lines).  Returns 0 at the end. */
REBOUND_PRIVATE int rbp_next_field(rbp_span block, size_t *pos, rbp_span *name, rbp_span *value);
/* The first field NAME (lower case) of a block. */
REBOUND_PRIVATE int rbp_get_field(rbp_span block, const char *name, rbp_span *value);
/* Decode RFC 2047 encoded words and unfold: writes at most CAP bytes. */
REBOUND_PRIVATE size_t rbp_decode_words(rbp_span v, char *out, size_t cap);

/* What a leaf part holds. */
enum rbp_part_kind {
	RBP_PART_TEXT = 0,   /* text/plain and other readable text */
	RBP_PART_HTML,       /* text/html */
	RBP_PART_DSN,        /* message/delivery-status */
	RBP_PART_FEEDBACK,   /* message/feedback-report */
	RBP_PART_HEADERS,    /* headers of the returned message */
	RBP_PART_OTHER       /* anything else; not decoded */
};

struct rbp_part {
	rbp_span body;          /* decoded, in the message or in scratch; but the
	                           text and HTML of an enclosed message, which
	                           nothing reads, stay encoded */
	unsigned char kind;     /* enum rbp_part_kind */
	unsigned char enclosed; /* message/rfc822 levels around it */
	unsigned char preamble; /* text before a multipart's first part */
	unsigned char block;    /* a HEADERS part that is exactly the header block
	                           of an enclosed message (no body after it) */
	unsigned char encoding; /* an HTML part of the notice left encoded until
	                           it is read (rbp_part_decode): its transfer
	                           encoding; 0 once decoded */
};

struct rbp_mime {
	struct rbp_part *parts;
	unsigned nparts, cap;
	rbp_span headers;     /* the top-level header block */
	rbp_span top[3];      /* its Subject, Date and From fields (raw values) */
	unsigned top_found;   /* bit k: top[k] was there */
	int is_report;        /* top-level multipart/report */
	unsigned flags;       /* REBOUND_RECORD_MIME_LIMIT, _MALFORMED */
	/* in the first enclosed message's header block (the first part with
	   block set), where its Message-ID and From fields start, or
	   RBP_NO_FIELD: noted while the walk measures that block */
	size_t returned_at[2];
	rbp_span returned_val[2]; /* their values, where returned_at is set */
	size_t failed_at; /* the first X-Failed-Recipients of headers, or RBP_NO_FIELD */
};

/* Text converted from a Japanese charset to UTF-8 (charset.h), in all
 * the parts of one message: past it a part is cut (flag scan-limit). */
#define RBP_MAX_CONVERTED (2u * REBOUND_MAX_NDR_SCAN)

/* Split MSG into leaf parts, decoding what needs decoding into A. */
REBOUND_PRIVATE void rbp_mime_walk(const char *msg, size_t len, struct rbp_arena *a,
                                   struct rbp_mime *m);

/* Decode a part the walk left encoded (P->encoding) into A; adds
 * REBOUND_RECORD_MALFORMED to *FLAGS when scratch runs out. */
REBOUND_PRIVATE void rbp_part_decode(struct rbp_arena *a, struct rbp_part *p, unsigned *flags);

/* ---- recipients --------------------------------------------------- */

struct rbp_rcpt {
	rbp_span addr;        /* bare address, or a local part to resolve */
	rbp_span original, action, status, diag, remote_mta, date, feedback_type;
	unsigned char kind;   /* enum rebound_kind */
	unsigned char resolved; /* 0: ADDR is not yet a full address; 2: a DSN's
	                          Original-Recipient, the final one being none */
	unsigned flags;       /* REBOUND_RECORD_* for this recipient */
	uint32_t key;         /* rbp_addr_key(addr), once KEYED */
	unsigned char keyed;  /* KEY is set; rbp_rcpt_set_addr clears it */
};

/* A hash of address A that ignores case as rbp_same_ci does, so that a
 * duplicate check in a long table compares whole addresses only when the
 * keys agree. */
static inline uint32_t rbp_addr_key(rbp_span a)
{
	uint32_t h = 2166136261u;
	size_t i;
	for (i = 0; i < a.len; i++)
		h = (h ^ rbp_lower((unsigned char)a.ptr[i])) * 16777619u;
	return h;
}

static inline void rbp_rcpt_set_addr(struct rbp_rcpt *r, rbp_span a)
{
	r->addr = a;
	r->keyed = 0;
}

struct rbp_rcpts {
	struct rbp_rcpt *v;
	unsigned n, cap;
	unsigned lookups;     /* rbp_rcpt_find calls so far */
	unsigned flags;       /* REBOUND_RECORD_RECIPIENTS_CUT */
};

/* Each duplicate check scans the table.  After this many the table is
 * closed (no more lookups or entries), so a message repeating addresses
 * endlessly still costs time linear in its length. */
#define RBP_MAX_LOOKUPS (8u * REBOUND_MAX_RECIPIENTS)

/* A new zeroed entry, or NULL (and the table flagged) when it is full
 * or closed. */
REBOUND_PRIVATE struct rbp_rcpt *rbp_rcpt_add(struct rbp_rcpts *t);
/* The entry for address A (case-insensitive), or NULL. */
REBOUND_PRIVATE struct rbp_rcpt *rbp_rcpt_find(struct rbp_rcpts *t, rbp_span a);
/* Find or add the entry for address A.  Returns 1 for a new entry
 * (zeroed, holding A and KIND, resolved if A is a full address), 0 when
 * A was there already, -1 when the table is full or closed; *OUT is the
 * entry, or NULL for -1. */
REBOUND_PRIVATE int rbp_rcpt_take(struct rbp_rcpts *t, rbp_span a, enum rebound_kind kind,
                                  struct rbp_rcpt **out);

/* Per-message fields of a report. */
struct rbp_report {
	rbp_span reporting_mta, arrival_date, feedback_type;
};

/* ---- RFC 3464 and RFC 5965 (dsn.c) ------------------------------- */

/* Read DSN field groups in TEXT into T.  STRICT is for real
 * message/delivery-status parts; otherwise (prose that embeds DSN
 * fields) a group needs a recipient field and an Action or Status.
 * Returns the number of recipients added. */
REBOUND_PRIVATE unsigned rbp_dsn_read(rbp_span text, int strict, struct rbp_report *r,
                                      struct rbp_rcpts *t);
/* Read a message/feedback-report part; adds one entry per
 * Original-Rcpt-To (or Removal-Recipient).  Returns the number added,
 * and sets r->feedback_type. */
REBOUND_PRIVATE unsigned rbp_arf_read(rbp_span text, struct rbp_report *r, struct rbp_rcpts *t);
/* Is this a complaint report sent without the ARF structure (known
 * senders' own formats)?  FROM is the value of the first From field
 * (empty without one).  Sets *TYPE to the feedback type. */
REBOUND_PRIVATE int rbp_arf_like(rbp_span from, rbp_span subject, rbp_span body, rbp_span *type);

/* ---- JSON notifications (notice_json.c) ------------------------ */

/* Read an Amazon SES style JSON notification (bounce, complaint or
 * delivery) in TEXT into T.  Returns the number of recipients added. */
REBOUND_PRIVATE unsigned rbp_json_read(rbp_span text, struct rbp_report *r, struct rbp_rcpts *t);

/* ---- human-readable bounces (ndr.c, ndr_formats.c) --------------- */

/* Format flags. */
#define RBP_NDR_WHOLE_PART   0x01u /* recipients may appear anywhere in the part,
                                      not only after the opening phrase */
#define RBP_NDR_BLANKS_INSIDE 0x02u /* empty lines do not end a recipient's text */
#define RBP_NDR_DIAG_BEFORE  0x04u /* the error text comes before the address */
#define RBP_NDR_BARE_RECIPIENT 0x08u /* a line followed by more indented ones names
                                      a recipient even without an address (Exim) */
#define RBP_NDR_ADDR_AT_END  0x10u /* a line ending in an address names a recipient */
#define RBP_NDR_NO_LEAD_ADDR 0x20u /* a line starting with an address is NOT
                                      a recipient line by itself */
#define RBP_NDR_GENERIC      0x40u /* common wording: used only for messages whose
                                      sender or subject says "bounce" */

/*
 * What is known of one server's bounce wording.  Phrases are lower
 * case and matched anywhere in a line, '#' standing for a digit; a
 * leading '^' ties one to the start of the line (after the indent).
 */
struct rbp_ndr_format {
	const char *name;
	const char *const *opens;        /* a line with one of these starts the error section */
	const char *const *closes;       /* one of these ends it (besides the common ones) */
	const char *const *rcpt_after;   /* an address right after one of these is a recipient */
	const char *const *diag_after;   /* a recipient's diagnostic starts after one of these */
	unsigned flags;                  /* RBP_NDR_* */
};

/* The format table (ndr_formats.c).  CLOSES lists lines that start
 * the returned message in any format. */
struct rbp_ndr_table {
	const struct rbp_ndr_format *formats;
	unsigned nformats;
	const char *const *closes;
	const char *const *bounce_senders;  /* in the From field of bounces */
	const char *const *bounce_subjects; /* in their Subject */
};
REBOUND_PRIVATE const struct rbp_ndr_table rbp_ndr_table;

/* The opening and closing phrases of the format table, bucketed by
 * their first three bytes (case and digits folded), so that one pass
 * over a line finds every phrase in it instead of one search per
 * phrase.  The index only depends on the format table, so it is
 * constant data (rbp_ndr_phrase_index in ndr_formats.c); tests/t-message
 * builds it afresh from the table, checks that the two agree, and with
 * --ndr-index prints it to paste back after the table changes. */
#define RBP_NDR_HASH 512          /* buckets; a power of two up to 512 */
#define RBP_NDR_INDEX_MAX 254     /* phrases; more make the index unusable */
#define RBP_NDR_INDEX_SHORT 8     /* phrases of under three bytes, tried one by one */
/* What an indexed phrase does. */
#define RBP_NDR_ROLE_OPEN 1u   /* opens the section of a format */
#define RBP_NDR_ROLE_GOPEN 2u  /* the same, for a RBP_NDR_GENERIC format */
#define RBP_NDR_ROLE_CCLOSE 4u /* closes the section in any format */
#define RBP_NDR_ROLE_FCLOSE 8u /* closes the section of its format only */
/* Three folded bytes as one number, and their bucket (the top bits of
 * a multiplicative hash). */
#define RBP_NDR_SIG(a, b, c) (((uint32_t)(a) << 16) | ((uint32_t)(b) << 8) | (uint32_t)(c))
#define RBP_NDR_BUCKET(sig) \
	((unsigned)((uint32_t)((sig) * 2654435761u) >> 23) & (RBP_NDR_HASH - 1u))
/* The scan jumps along a line (Wu and Manber's method): a window as long
 * as the shortest phrase of the set sought slides by the SHIFT its last
 * three bytes allow (0: a phrase may start where the window does), so
 * most bytes are never looked at.  Set 0: opening phrases; 1: closing.
 * Those three bytes are keyed with bit 0x20 set in each (RBP_NDR_KEY:
 * the first byte lowest), which folds a letter's case in one step and
 * lets the scan read them as one word; a digit stays itself, so the
 * table holds every digit a phrase's '#' stands for. */
#define RBP_NDR_SHIFT_BITS 11
#define RBP_NDR_SHIFT_HASH (1u << RBP_NDR_SHIFT_BITS)
#define RBP_NDR_KEY(a, b, c) \
	((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) | 0x202020u)
#define RBP_NDR_SHIFT_BUCKET(key) \
	((unsigned)((uint32_t)((key) * 2654435761u) >> (32 - RBP_NDR_SHIFT_BITS)))
/* Eight bytes as one number, the first lowest (what a load gives on a
 * little-endian machine). */
static inline uint64_t rbp_ndr_word(const unsigned char *b, size_t n)
{
	uint64_t w = 0;
	size_t k;
	if (n > 8)
		n = 8;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n == 8) {
		memcpy(&w, b, 8);
		return w;
	}
#endif
	for (k = 0; k < n; k++)
		w |= (uint64_t)b[k] << (8 * k);
	return w;
}
struct rbp_ndr_index {
	unsigned char head[RBP_NDR_HASH];     /* 1 + first phrase of a bucket; 0: none */
	unsigned char anchored[RBP_NDR_HASH]; /* the same for phrases tied to the line start */
	unsigned char next[RBP_NDR_INDEX_MAX]; /* 1 + next phrase of the same bucket */
	unsigned char role[RBP_NDR_INDEX_MAX]; /* what the phrase does, RBP_NDR_ROLE_* */
	unsigned char tag[RBP_NDR_INDEX_MAX];  /* its format's place in the table */
	unsigned char pos[RBP_NDR_INDEX_MAX];  /* its place in its list of phrases */
	unsigned char skip[RBP_NDR_INDEX_MAX]; /* bytes a match of SIG proves (0 or 3) */
	unsigned char len[RBP_NDR_INDEX_MAX];  /* bytes left to compare after those */
	uint32_t sig[RBP_NDR_INDEX_MAX];       /* its first three bytes, folded */
	/* its next eight bytes with bit 0x20 set in each (RBP_NDR_WORD), and
	   which of them to compare (not a '#', not past its end): a text
	   whose bytes there differ once that bit is set in them cannot hold
	   the phrase, whatever the case of its letters */
	uint64_t word[RBP_NDR_INDEX_MAX];
	uint64_t wmask[RBP_NDR_INDEX_MAX];
	unsigned char shorts[RBP_NDR_INDEX_SHORT];
	unsigned char window[2];              /* shortest unanchored phrase; 0: none */
	unsigned char shift[2][RBP_NDR_SHIFT_HASH];
	unsigned n, nshorts;
	int ok;                               /* 0: the table did not fit */
};
REBOUND_PRIVATE const struct rbp_ndr_index rbp_ndr_phrase_index;

/* What a scan of the bounce text found besides recipients. */
struct rbp_ndr_scan {
	const struct rbp_ndr_index *index;   /* NULL: search phrase by phrase */
	const struct rbp_ndr_format *format; /* NULL: no known wording */
	rbp_span section;                    /* the error section */
	rbp_span after;                      /* text after the section (returned message) */
	size_t budget;                       /* bytes still allowed to scan */
	int generic;                         /* may use RBP_NDR_GENERIC formats */
	unsigned flags;                      /* REBOUND_RECORD_SCAN_LIMIT */
};

/* Search one text part for a known wording and read its recipients
 * into T.  Returns the number of recipients added. */
REBOUND_PRIVATE unsigned rbp_ndr_read(rbp_span text, struct rbp_ndr_scan *s,
                                      struct rbp_rcpts *t);
/* An SMTP transcript in TEXT (">>> DATA", then "<<< 550 ..."): when a
 * command line is followed by lines quoting the reply that DIAG holds,
 * *OUT is set to the text from the command to that reply and 1 is
 * returned, so that the diagnostic says which command was refused. */
REBOUND_PRIVATE int rbp_ndr_transcript(rbp_span text, rbp_span diag, rbp_span *out);
/* TEXT up to the line that introduces the returned message, if any;
 * X (may be NULL) is the phrase index. */
REBOUND_PRIVATE rbp_span rbp_ndr_before_returned(rbp_span text, const struct rbp_ndr_index *x);
/* Do the From field or the subject look like those of a bounce? */
REBOUND_PRIVATE int rbp_ndr_bounce_headers(rbp_span from, rbp_span subject);
/* The host named in a diagnostic ("host mx.example.org[...] said"). */
REBOUND_PRIVATE rbp_span rbp_ndr_host(rbp_span diag);

/* ---- auto-replies (autoreply.c) ----------------------------------- */

/* Do the headers (or the decoded subject) mark an automatic reply?  0:
 * no; 1: only by "Auto-Submitted: auto-replied", which mail systems put
 * on their bounces too; 2: by a mark only auto-responders use (their own
 * fields, an out-of-office subject). */
REBOUND_PRIVATE int rbp_is_autoreply(rbp_span headers, rbp_span subject);

#endif /* REBOUND_PARSER_H */
