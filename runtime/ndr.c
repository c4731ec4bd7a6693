/*
 * ndr.c - read the recipients and their error texts out of a mail
 * server's human-readable bounce notice.
 *
 * One generic scanner serves every server; what differs between them
 * lives in the table of ndr_formats.c.  The scanner finds the first line
 * carrying a known opening phrase, which names the format and starts the
 * error section; the section ends at a line that introduces the
 * returned message.  Inside it, a recipient line is one that starts
 * with an address, or has an address right after one of the format's
 * recipient phrases; the lines after it (more indented ones always,
 * others up to an empty line) are its error text.  Formats that write
 * the error first and the address after it, or differ otherwise, say
 * so with flags.  A recipient named twice keeps its first text unless
 * that held no server reply and the second does.
 */
#include <string.h>
#include "parser.h"

static unsigned ndr_indent(rbp_span line)
{
	unsigned i = 0;
	while (i < line.len && rbp_blank((unsigned char)line.ptr[i]))
		i++;
	return i;
}

/* Where PHRASE occurs in LINE: a leading '^' ties it to the start of
 * the line (after the indent).  Sets *END past the match. */
static size_t ndr_match(rbp_span line, const char *phrase, size_t *end)
{
	if (phrase[0] == '^') {
		size_t i = ndr_indent(line), m = rbp_prefix(line.ptr + i, line.len - i, phrase + 1);
		if (!m)
			return RBP_NOT_FOUND;
		*end = i + m;
		return i;
	}
	return rbp_find(line.ptr, line.len, phrase, end);
}

/* Does LINE contain one of the phrases of LIST (NULL-terminated)? */
static int ndr_has_phrase(rbp_span line, const char *const *list)
{
	size_t end;
	if (!list)
		return 0;
	for (; *list; list++)
		if (ndr_match(line, *list, &end) != RBP_NOT_FOUND)
			return 1;
	return 0;
}

/* ---- the phrase index ------------------------------------------------ */

enum {
	NDR_OPEN = RBP_NDR_ROLE_OPEN,
	NDR_GOPEN = RBP_NDR_ROLE_GOPEN,
	NDR_CCLOSE = RBP_NDR_ROLE_CCLOSE,
	NDR_FCLOSE = RBP_NDR_ROLE_FCLOSE
};
#define NDR_NONE 0xffffu
#define NDR_SIG RBP_NDR_SIG
#define NDR_BUCKET RBP_NDR_BUCKET
#define NDR_CASE8 0x2020202020202020u

/* A byte as the phrases see it: ASCII letters in lower case, digits as
 * '#' (a '#' of a phrase stands for any digit). */
static const unsigned char ndr_fold[256] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x23, 0x23, 0x23, 0x23, 0x23, 0x23, 0x23, 0x23, 0x23, 0x23, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
	0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};

/* The text of indexed phrase E. */
static const char *ndr_pat(const struct rbp_ndr_index *x, unsigned e)
{
	const struct rbp_ndr_table *tab = &rbp_ndr_table;
	const char *const *list = x->role[e] == NDR_CCLOSE   ? tab->closes
	                          : x->role[e] == NDR_FCLOSE ? tab->formats[x->tag[e]].closes
	                                                     : tab->formats[x->tag[e]].opens;
	return list[x->pos[e]];
}

/* Does phrase PAT (M bytes) start at S (N bytes)?  rbp_prefix's answer, written
 * out here because this runs for every candidate of every line. */
static int ndr_at(const unsigned char *s, size_t n, const char *pat, size_t m)
{
	const unsigned char *p = (const unsigned char *)pat;
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	size_t j = 0;
	if (m > n)
		return 0;
	/* eight bytes at a time while the pattern has no '#' (a digit) */
	while (m - j >= 8) {
		uint64_t x, y, b, upper, hash;
		memcpy(&x, s + j, 8);
		memcpy(&y, p + j, 8);
		hash = y ^ (ones * '#');
		if ((hash - ones) & ~hash & highs)
			break;
		/* ASCII capitals (bytes under 128 from 'A' to 'Z') to lower case */
		b = x & ~highs;
		upper = (b + ones * (0x80 - 'A')) & ~(b + ones * (0x80 - 'Z' - 1)) & ~x & highs;
		if ((x | (upper >> 2)) != y)
			return 0;
		j += 8;
	}
	for (; p[j]; j++) {
		unsigned char c;
		if (j >= n)
			return 0;
		c = s[j];
		if (p[j] == '#' ? !rbp_digit(c) : rbp_lower(c) != p[j])
			return 0;
	}
	return 1;
}

/* RBP_NDR_KEY of the three bytes of S that end at I (I >= 2): on a
 * little-endian machine one load, from the byte before them when there
 * is one (the byte after them may lie past the text). */
static inline uint32_t ndr_key_at(const unsigned char *s, size_t i)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (i >= 3) {
		uint32_t w;
		memcpy(&w, s + i - 3, 4);
		return (w >> 8) | 0x202020u;
	}
#endif
	return RBP_NDR_KEY(s[i - 2], s[i - 1], s[i]);
}

/* ndr_key_at where I >= 3 is known: past the first window, so the
 * scan's test of I drops out of its loop. */
static inline uint32_t ndr_key_past3(const unsigned char *s, size_t i)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint32_t w;
	memcpy(&w, s + i - 3, 4);
	return (w >> 8) | 0x202020u;
#else
	return RBP_NDR_KEY(s[i - 2], s[i - 1], s[i]);
#endif
}

/* What the indexed phrases of one line say. */
struct ndr_hits {
	unsigned open, gopen; /* the first format (in table order) opened; NDR_NONE */
	int close;            /* a closing phrase is there */
};

static int ndr_wanted(const struct rbp_ndr_index *x, unsigned e, unsigned roles, unsigned fmt)
{
	return (x->role[e] & roles) && (x->role[e] != NDR_FCLOSE || x->tag[e] == fmt);
}

/* Note phrase E, found; returns 1 when nothing more can change the answer. */
static int ndr_note(const struct rbp_ndr_index *x, unsigned e, struct ndr_hits *h)
{
	if (x->role[e] == NDR_OPEN && x->tag[e] < h->open)
		h->open = x->tag[e];
	else if (x->role[e] == NDR_GOPEN && x->tag[e] < h->gopen)
		h->gopen = x->tag[e];
	else if (x->role[e] & (NDR_CCLOSE | NDR_FCLOSE))
		h->close = 1;
	return h->close || h->open == 0;
}

/* Find the phrases of ROLES in LINE (closes: of format FMT and common
 * ones) in one pass: each position's first three bytes (folded) pick
 * the only phrases that can start there. */
static void ndr_index_scan(const struct rbp_ndr_index *x, rbp_span line, unsigned roles,
                           unsigned fmt, struct ndr_hits *h)
{
	const unsigned char *s = (const unsigned char *)line.ptr;
	const unsigned char *sh;
	size_t n = line.len, i, ind, end, m;
	unsigned k, e, set;
	uint32_t t, key;
	uint64_t w = 0;
	for (k = 0; k < x->nshorts; k++) {
		e = x->shorts[k];
		if (ndr_wanted(x, e, roles, fmt) && ndr_match(line, ndr_pat(x, e), &end) != RBP_NOT_FOUND &&
		    ndr_note(x, e, h))
			return;
	}
	if (n < 3)
		return;
	ind = ndr_indent(line);
	if (n - ind >= 3) {
		t = NDR_SIG(ndr_fold[s[ind]], ndr_fold[s[ind + 1]], ndr_fold[s[ind + 2]]);
		e = x->anchored[NDR_BUCKET(t)];
		if (e)
			w = rbp_ndr_word(s + ind + 3, n - ind - 3) | NDR_CASE8;
		for (; e; e = x->next[e - 1])
			if (x->sig[e - 1] == t && (w & x->wmask[e - 1]) == x->word[e - 1] &&
			    ndr_wanted(x, e - 1, roles, fmt) &&
			    ndr_at(s + ind + x->skip[e - 1], n - ind - x->skip[e - 1],
			           ndr_pat(x, e - 1) + 1 + x->skip[e - 1], x->len[e - 1]) &&
			    ndr_note(x, e - 1, h))
				return;
	}
	set = (roles & (NDR_OPEN | NDR_GOPEN)) ? 0 : 1;
	m = x->window[set];
	if (m < 3 || n < m)
		return;
	sh = x->shift[set];
	/* I is the window's last byte; only where its last three bytes
	   allow no jump can a phrase start at the window */
	i = m - 1;
	key = ndr_key_at(s, i);
	for (;;) {
		size_t at;
		unsigned d;
		d = sh[RBP_NDR_SHIFT_BUCKET(key)];
		if (d) {
			i += d;
			if (i >= n)
				return;
			key = ndr_key_past3(s, i);
			continue;
		}
		at = i + 1 - m;
		i++;
		t = NDR_SIG(ndr_fold[s[at]], ndr_fold[s[at + 1]], ndr_fold[s[at + 2]]);
		e = x->head[NDR_BUCKET(t)];
		if (e)
			w = rbp_ndr_word(s + at + 3, n - at - 3) | NDR_CASE8;
		for (; e; e = x->next[e - 1])
			if (x->sig[e - 1] == t && (w & x->wmask[e - 1]) == x->word[e - 1] &&
			    ndr_wanted(x, e - 1, roles, fmt) &&
			    ndr_at(s + at + x->skip[e - 1], n - at - x->skip[e - 1],
			           ndr_pat(x, e - 1) + x->skip[e - 1], x->len[e - 1]) &&
			    ndr_note(x, e - 1, h))
				return;
		if (i >= n)
			return;
		key = ndr_key_past3(s, i);
	}
}

/* ndr_index_scan, after the test that most empty lines fail without a call. */
static inline void ndr_index_line(const struct rbp_ndr_index *x, rbp_span line, unsigned roles,
                                  unsigned fmt, struct ndr_hits *h)
{
	h->open = h->gopen = NDR_NONE;
	h->close = 0;
	if (line.len >= 3 || x->nshorts)
		ndr_index_scan(x, line, roles, fmt, h);
}

/* Does the text look like a server's reply, with a reply or status code? */
static int ndr_has_code(rbp_span s)
{
	return rbp_find(s.ptr, s.len, "### #.#.#", NULL) != RBP_NOT_FOUND ||
	       rbp_find(s.ptr, s.len, "###-#.#.#", NULL) != RBP_NOT_FOUND ||
	       rbp_find(s.ptr, s.len, "#.#.# ", NULL) != RBP_NOT_FOUND;
}

static int ndr_blank_line(rbp_span line)
{
	/* most lines end in text: no need to walk their indent */
	if (line.len && !rbp_blank((unsigned char)line.ptr[line.len - 1]))
		return 0;
	return ndr_indent(line) == line.len;
}

/* An address right after one of the phrases of LIST.  The phrase is
 * part of the error text ("Unable to deliver message to <...>"), so
 * *TAIL, where that text starts on the line, is 0. */
static int ndr_after_phrase(rbp_span line, const char *const *list, rbp_span *addr, size_t *tail)
{
	if (!list)
		return 0;
	for (; *list; list++) {
		size_t end, j, k;
		if (ndr_match(line, *list, &end) == RBP_NOT_FOUND)
			continue;
		j = end;
		while (j < line.len && (rbp_blank((unsigned char)line.ptr[j]) || line.ptr[j] == ':'))
			j++;
		k = rbp_address_at(line.ptr, line.len, j, addr);
		if (k) {
			*tail = 0;
			return 1;
		}
	}
	return 0;
}

/* Is LINE a recipient line of format F?  Sets *ADDR and *TAIL (where
 * the error text on the same line starts). */
/* "<target> (expanded from <alias>): error" whose target is no address
 * (a local file or command, or masked by whoever pasted the notice):
 * the alias the sender wrote is the recipient.  Returns the end of
 * "(expanded from <alias>)" in LINE, 0 if the line is not of that form. */
static size_t ndr_expanded_from(rbp_span line, size_t i, rbp_span *addr)
{
	size_t j, k;
	if (i >= line.len || line.ptr[i] != '<')
		return 0;
	for (j = i + 1; j < line.len && line.ptr[j] != '>'; j++)
		if (line.ptr[j] == '(' || line.ptr[j] == '<')
			break;
	if (j < line.len && line.ptr[j] == '>')
		j++;
	while (j < line.len && rbp_blank((unsigned char)line.ptr[j]))
		j++;
	k = rbp_prefix(line.ptr + j, line.len - j, "(expanded from ");
	if (!k)
		return 0;
	k = rbp_address_at(line.ptr, line.len, j + k, addr);
	if (k && k < line.len && line.ptr[k] == ')')
		k++;
	return k;
}

/* "<Display Name <addr>>:" (qmail and its kin put brackets around the
 * recipient as the sender gave it, and some senders give a whole
 * header-style mailbox): the inner address.  The name may be quoted and
 * hold commas, but no '@', '<' or '>' of its own.  Returns the end of
 * the outer bracket in LINE, 0 if the line is not of that form. */
static size_t ndr_named_in_brackets(rbp_span line, size_t i, rbp_span *addr)
{
	size_t j, k;
	if (i >= line.len || line.ptr[i] != '<')
		return 0;
	for (j = i + 1; j < line.len && line.ptr[j] != '<'; j++)
		if (line.ptr[j] == '>' || line.ptr[j] == '@')
			return 0;
	if (j >= line.len || j == i + 1)
		return 0;
	k = rbp_address_at(line.ptr, line.len, j, addr);
	if (!k || k >= line.len || line.ptr[k] != '>')
		return 0;
	return k + 1;
}

static int ndr_recipient_line(const struct rbp_ndr_format *f, rbp_span line, rbp_span *addr,
                              size_t *tail)
{
	size_t i, k;
	/* each way below takes an address from the line: none without an '@' */
	if (!line.len || !memchr(line.ptr, '@', line.len))
		return 0;
	if (ndr_after_phrase(line, f->rcpt_after, addr, tail))
		return 1;
	if (!(f->flags & RBP_NDR_NO_LEAD_ADDR)) {
		i = ndr_indent(line);
		/* list bullets */
		while (i < line.len && (line.ptr[i] == '*' || line.ptr[i] == '-') && i + 1 < line.len &&
		       rbp_blank((unsigned char)line.ptr[i + 1]))
			i = i + 1 + ndr_indent(rbp_mkspan(line.ptr + i + 1, line.len - i - 1));
		k = rbp_address_at(line.ptr, line.len, i, addr);
		if (k) {
			*tail = k;
			return 1;
		}
		k = ndr_expanded_from(line, i, addr);
		if (!k)
			k = ndr_named_in_brackets(line, i, addr);
		if (k) {
			*tail = k;
			return 1;
		}
	}
	if (f->flags & RBP_NDR_ADDR_AT_END) {
		rbp_span s = rbp_trim(line);
		size_t b;
		while (s.len && (s.ptr[s.len - 1] == '.' || s.ptr[s.len - 1] == ':'))
			s.len--;
		b = s.len;
		while (b > 0 && !rbp_blank((unsigned char)s.ptr[b - 1]) && s.ptr[b - 1] != ':')
			b--;
		if (b > 0 && rbp_address_at(s.ptr, s.len, b, addr) == s.len) {
			*tail = 0; /* the whole line is the error text */
			return 1;
		}
	}
	return 0;
}

/* Is LINE a section heading, "----- words -----"? */
static int ndr_heading(rbp_span line)
{
	line = rbp_trim(line);
	return line.len >= 6 && !memcmp(line.ptr, "---", 3) && !memcmp(line.ptr + line.len - 3, "---", 3);
}

/* Without the section headings that open TEXT ("----- Transcript of
 * session follows -----"): they say where the error is, not what it
 * is, and they would hide the reply code that starts the text. */
static rbp_span ndr_skip_heading(rbp_span text)
{
	unsigned k;
	for (k = 0; k < 3 && text.len > 6 && text.ptr[0] == '-'; k++) {
		size_t pos = 0;
		rbp_span line, rest;
		rbp_next_line(text.ptr, text.len, &pos, &line);
		rest = rbp_trim(rbp_mkspan(text.ptr + pos, text.len - pos));
		if (!ndr_heading(line) || !rest.len)
			break;
		text = rest;
	}
	return text;
}

/* Does the first non-empty line after POS name a recipient other than
 * CUR?  A heading followed by one opens another list of recipients
 * ("----- Delivery to the following addresses failed -----"), not a
 * part of the text of the recipient before it, as a session transcript
 * would be (which may name that recipient again). */
static int ndr_next_is_other(const struct rbp_ndr_format *f, const char *p, size_t n, size_t pos,
                             const struct rbp_rcpt *cur)
{
	rbp_span line, addr;
	size_t tail;
	while (rbp_next_line(p, n, &pos, &line))
		if (!ndr_blank_line(line))
			return ndr_recipient_line(f, line, &addr, &tail) && !rbp_same_ci(addr, cur->addr);
	return 0;
}

/* Grow a recipient's error text to the end of LINE. */
static void ndr_extend(struct rbp_rcpt *r, rbp_span line)
{
	if (r->diag.len == 0)
		r->diag = line;
	else
		r->diag.len = (size_t)(line.ptr + line.len - r->diag.ptr);
}

/* Is the next non-empty line after POS indented more than INDENT? */
static int ndr_next_is_deeper(const char *p, size_t n, size_t pos, unsigned indent)
{
	rbp_span line;
	while (rbp_next_line(p, n, &pos, &line)) {
		if (ndr_blank_line(line))
			continue;
		return ndr_indent(line) > indent;
	}
	return 0;
}

/* Cut the error text to what follows the last "diagnostic starts here"
 * phrase in it. */
static void ndr_apply_diag_after(const struct rbp_ndr_format *f, struct rbp_rcpt *r)
{
	const char *const *list = f->diag_after;
	size_t best = 0;
	if (!list || !r->diag.len)
		return;
	for (; *list; list++) {
		size_t from = 0, end;
		while (from < r->diag.len && (*list)[0] != '^' &&
		       rbp_find(r->diag.ptr + from, r->diag.len - from, *list, &end) != RBP_NOT_FOUND) {
			if (from + end > best)
				best = from + end;
			from += end;
		}
	}
	if (best && rbp_trim(rbp_mkspan(r->diag.ptr + best, r->diag.len - best)).len) {
		r->diag.ptr += best;
		r->diag.len -= best;
	}
}

unsigned rbp_ndr_read(rbp_span text, struct rbp_ndr_scan *s, struct rbp_rcpts *t)
{
	const struct rbp_ndr_table *tab = &rbp_ndr_table;
	const struct rbp_ndr_index *x = s->index && s->index->ok ? s->index : NULL;
	const struct rbp_ndr_format *f = NULL;
	size_t n = text.len, pos = 0, open_start = 0, open_next = 0, sec_start, sec_end;
	const char *p = text.ptr;
	rbp_span line, addr;
	struct rbp_rcpt *cur = NULL;
	unsigned cur_indent = 0, first = t->n, i;
	int cur_dup = 0;

	if (n > s->budget) {
		n = s->budget;
		s->flags |= REBOUND_RECORD_SCAN_LIMIT;
	}
	s->budget -= n;

	/* the first line with an opening phrase names the format; the common
	   wording is tried only when no server's own wording is there */
	if (x) {
		const struct rbp_ndr_format *gf = NULL;
		size_t gstart = 0, gnext = 0;
		pos = 0;
		while (!f) {
			size_t start = pos;
			struct ndr_hits h;
			if (!rbp_next_line(p, n, &pos, &line))
				break;
			ndr_index_line(x, line, NDR_OPEN | (s->generic && !gf ? NDR_GOPEN : 0u), 0, &h);
			if (h.open != NDR_NONE) {
				f = &tab->formats[h.open];
				open_start = start;
				open_next = pos;
			} else if (h.gopen != NDR_NONE) {
				gf = &tab->formats[h.gopen];
				gstart = start;
				gnext = pos;
			}
		}
		if (!f && gf) {
			f = gf;
			open_start = gstart;
			open_next = gnext;
		}
	} else {
		int pass;
		for (pass = 0; pass < 2 && !f; pass++) {
			unsigned want = pass ? RBP_NDR_GENERIC : 0;
			if (pass && !s->generic)
				break;
			pos = 0;
			while (!f) {
				size_t start = pos;
				unsigned k;
				if (!rbp_next_line(p, n, &pos, &line))
					break;
				for (k = 0; k < tab->nformats; k++)
					if ((tab->formats[k].flags & RBP_NDR_GENERIC) == want &&
					    ndr_has_phrase(line, tab->formats[k].opens)) {
						f = &tab->formats[k];
						open_start = start;
						open_next = pos;
						break;
					}
			}
		}
	}
	if (!f)
		return 0;
	s->format = f;

	/* the section ends where the returned message is introduced */
	sec_end = n;
	pos = open_next;
	while (1) {
		size_t start = pos;
		int closes;
		if (!rbp_next_line(p, n, &pos, &line))
			break;
		if (x) {
			struct ndr_hits h;
			ndr_index_line(x, line, NDR_CCLOSE | NDR_FCLOSE, (unsigned)(f - tab->formats), &h);
			closes = h.close;
		} else
			closes = ndr_has_phrase(line, tab->closes) || ndr_has_phrase(line, f->closes);
		if (closes) {
			sec_end = start;
			break;
		}
	}
	sec_start = (f->flags & RBP_NDR_WHOLE_PART) ? 0 : open_start;
	s->section = rbp_mkspan(p + sec_start, sec_end - sec_start);
	s->after = rbp_mkspan(p + sec_end, n - sec_end);

	pos = sec_start;
	if (f->flags & RBP_NDR_DIAG_BEFORE) {
		size_t block = (f->flags & RBP_NDR_WHOLE_PART) ? sec_start : open_next;
		int text_follows = 0; /* nothing came before: take what comes after */
		while (pos < sec_end) {
			size_t start = pos, tail;
			struct rbp_rcpt *r;
			int got;
			rbp_next_line(p, sec_end, &pos, &line);
			if (!ndr_recipient_line(f, line, &addr, &tail)) {
				if (cur && text_follows && !ndr_blank_line(line))
					ndr_extend(cur, line);
				continue;
			}
			if (cur && rbp_same_ci(cur->addr, addr)) {
				cur->diag.len = (size_t)(line.ptr + line.len - cur->diag.ptr);
				block = pos;
				continue;
			}
			got = rbp_rcpt_take(t, addr, REBOUND_KIND_NDR, &r);
			if (got < 0)
				break;
			if (!got) {
				block = pos;
				continue;
			}
			r->resolved = 1;
			if (block > start)
				block = start;
			text_follows = !rbp_trim(rbp_mkspan(p + block, start - block)).len &&
			               !rbp_trim(rbp_mkspan(line.ptr + tail, line.len - tail)).len;
			if (text_follows)
				r->diag = rbp_mkspan(line.ptr + line.len, 0);
			else
				r->diag = rbp_mkspan(p + block, (size_t)(line.ptr + line.len - (p + block)));
			cur = r;
			block = pos;
		}
	} else {
		while (pos < sec_end) {
			size_t start = pos, tail;
			unsigned indent;
			int found;
			rbp_next_line(p, sec_end, &pos, &line);
			if (ndr_blank_line(line)) {
				if (cur && !(f->flags & RBP_NDR_BLANKS_INSIDE))
					cur = NULL;
				continue;
			}
			if (cur && ndr_heading(line) && ndr_next_is_other(f, p, sec_end, pos, cur)) {
				cur = NULL;
				continue;
			}
			indent = ndr_indent(line);
			if (cur && indent > cur_indent) {
				if (!cur_dup)
					ndr_extend(cur, line);
				continue;
			}
			found = ndr_recipient_line(f, line, &addr, &tail);
			if (!found && (f->flags & RBP_NDR_BARE_RECIPIENT) && start != open_start &&
			    indent > 0 && indent <= 4 && ndr_next_is_deeper(p, sec_end, pos, indent)) {
				/* a recipient line without an address: keep its token to resolve later */
				if (rbp_find_address(line.ptr, line.len, &addr))
					found = 2;
				else {
					size_t e = indent;
					while (e < line.len && !rbp_blank((unsigned char)line.ptr[e]) &&
					       line.ptr[e] != ':')
						e++;
					addr = rbp_mkspan(line.ptr + indent, e - indent);
					found = 3;
				}
				tail = 0; /* "pipe to |...", "save to ...": the line says what failed */
			}
			if (found) {
				struct rbp_rcpt *r;
				int got;
				if (cur && rbp_same_ci(cur->addr, addr)) {
					if (!cur_dup)
						ndr_extend(cur, line);
					continue;
				}
				got = rbp_rcpt_take(t, addr, REBOUND_KIND_NDR, &r);
				if (got < 0)
					break;
				if (!got) {
					/* named again (some notices repeat themselves): the new text
					   replaces the old only if that had no server reply in it */
					cur = r;
					cur_indent = indent;
					cur_dup = r->diag.len != 0 && ndr_has_code(r->diag);
					if (!cur_dup) {
						while (tail < line.len && (rbp_blank((unsigned char)line.ptr[tail]) ||
						                           line.ptr[tail] == ':' || line.ptr[tail] == '>'))
							tail++;
						r->diag = rbp_mkspan(line.ptr + tail, line.len - tail);
					}
					continue;
				}
				r->resolved = (unsigned char)(found != 3);
				while (tail < line.len && (rbp_blank((unsigned char)line.ptr[tail]) ||
				                           line.ptr[tail] == ':' || line.ptr[tail] == '>'))
					tail++;
				r->diag = rbp_mkspan(line.ptr + tail, line.len - tail);
				cur = r;
				cur_indent = indent;
				cur_dup = 0;
				continue;
			}
			if (cur && !cur_dup)
				ndr_extend(cur, line);
		}
	}

	for (i = first; i < t->n; i++) {
		struct rbp_rcpt *r = &t->v[i];
		ndr_apply_diag_after(f, r);
		r->diag = ndr_skip_heading(rbp_trim(r->diag));
		/* nothing next to the address: the whole section is all we have */
		if (!r->diag.len)
			r->diag = rbp_trim(s->section);
	}
	return t->n - first;
}

/* Where the first SMTP reply code of S starts ("550 ", "421-"), or
 * RBP_NOT_FOUND. */
static size_t ndr_reply_at(rbp_span s)
{
	size_t i;
	for (i = 0; i + 3 < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (c >= '2' && c <= '5' && rbp_digit((unsigned char)s.ptr[i + 1]) &&
		    rbp_digit((unsigned char)s.ptr[i + 2]) && (s.ptr[i + 3] == ' ' || s.ptr[i + 3] == '-') &&
		    (i == 0 || !rbp_digit((unsigned char)s.ptr[i - 1])))
			return i;
	}
	return RBP_NOT_FOUND;
}

/* Does S start with the bytes of KEY, ignoring ASCII case? */
static int ndr_starts_ci(rbp_span s, rbp_span key)
{
	size_t i;
	if (s.len < key.len)
		return 0;
	for (i = 0; i < key.len; i++)
		if (rbp_lower((unsigned char)s.ptr[i]) != rbp_lower((unsigned char)key.ptr[i]))
			return 0;
	return 1;
}

/* The shortest start of a reply that still tells it from others. */
#define NDR_REPLY_KEY_MIN 8
#define NDR_REPLY_KEY_MAX 48

int rbp_ndr_transcript(rbp_span text, rbp_span diag, rbp_span *out)
{
	size_t pos = 0, at, k, cmd = RBP_NOT_FOUND;
	rbp_span line, key;
	/* the reply's first line, from its code on */
	at = ndr_reply_at(diag);
	if (at == RBP_NOT_FOUND)
		return 0;
	key = rbp_mkspan(diag.ptr + at, diag.len - at);
	for (k = 0; k < key.len && k < NDR_REPLY_KEY_MAX && !rbp_eol((unsigned char)key.ptr[k]); k++)
		;
	key = rbp_trim(rbp_mkspan(key.ptr, k));
	while (key.len && (key.ptr[key.len - 1] == ')' || key.ptr[key.len - 1] == '.'))
		key.len--;
	/* no command line anywhere: no need to walk the lines */
	if (key.len < NDR_REPLY_KEY_MIN || rbp_find(text.ptr, text.len, ">>> ", NULL) == RBP_NOT_FOUND)
		return 0;
	while (rbp_next_line(text.ptr, text.len, &pos, &line)) {
		rbp_span l = rbp_trim(line);
		if (l.len >= 4 && memcmp(l.ptr, ">>> ", 4) == 0) {
			cmd = (size_t)(l.ptr - text.ptr);
			continue;
		}
		if (l.len < 4 || memcmp(l.ptr, "<<< ", 4) != 0) {
			cmd = RBP_NOT_FOUND; /* the command must come right before its reply */
			continue;
		}
		if (cmd != RBP_NOT_FOUND && ndr_starts_ci(rbp_mkspan(l.ptr + 4, l.len - 4), key)) {
			*out = rbp_mkspan(text.ptr + cmd, (size_t)(l.ptr + l.len - (text.ptr + cmd)));
			return 1;
		}
	}
	return 0;
}

rbp_span rbp_ndr_before_returned(rbp_span text, const struct rbp_ndr_index *x)
{
	size_t pos = 0, start = 0;
	rbp_span line;
	if (x && !x->ok)
		x = NULL;
	while (start = pos, rbp_next_line(text.ptr, text.len, &pos, &line)) {
		struct ndr_hits h;
		if (x)
			ndr_index_line(x, line, NDR_CCLOSE, 0, &h);
		if (x ? h.close : ndr_has_phrase(line, rbp_ndr_table.closes))
			return rbp_trim(rbp_mkspan(text.ptr, start));
	}
	return rbp_trim(text);
}

int rbp_ndr_bounce_headers(rbp_span from, rbp_span subject)
{
	const struct rbp_ndr_table *tab = &rbp_ndr_table;
	const char *const *k;
	for (k = tab->bounce_senders; *k; k++)
		if (rbp_find(from.ptr, from.len, *k, NULL) != RBP_NOT_FOUND)
			return 1;
	for (k = tab->bounce_subjects; *k; k++)
		if (rbp_find(subject.ptr, subject.len, *k, NULL) != RBP_NOT_FOUND)
			return 1;
	return 0;
}

static int ndr_letter(unsigned char c)
{
	c = rbp_lower(c);
	return c >= 'a' && c <= 'z';
}

rbp_span rbp_ndr_host(rbp_span diag)
{
	size_t from = 0, end;
	while (from < diag.len &&
	       rbp_find(diag.ptr + from, diag.len - from, "host ", &end) != RBP_NOT_FOUND) {
		size_t word = from + end - 5, b = from + end, i = b;
		unsigned dots = 0, letters = 0;
		from += end;
		/* "host" must be a word of its own: "localhost " is no marker */
		if (word > 0 && ndr_letter((unsigned char)diag.ptr[word - 1]))
			continue;
		while (i < diag.len) {
			unsigned char c = (unsigned char)diag.ptr[i];
			if (c == '.')
				dots++;
			else if (ndr_letter(c))
				letters++;
			else if (!(rbp_digit(c) || c == '-' || c == '_'))
				break;
			i++;
		}
		while (i > b && diag.ptr[i - 1] == '.') {
			i--;
			dots--;
		}
		/* a name with a dot and letters, not an address */
		if (dots && letters)
			return rbp_mkspan(diag.ptr + b, i - b);
	}
	return rbp_mkspan(NULL, 0);
}
