/*
 * output.c - results as text for people, TSV for spreadsheets and JSON
 * Lines for programs.  Writes go through one buffer, since printing is a
 * large share of the time the CLI spends per line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "output.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void out_init(struct out *o, FILE *f)
{
	o->f = f;
	o->cap = 1 << 16;
	o->buf = malloc(o->cap);
	o->n = 0;
	o->failed = o->buf == NULL;
}

void out_flush(struct out *o)
{
	if (o->n && !o->failed && o->f && fwrite(o->buf, 1, o->n, o->f) != o->n)
		o->failed = 1;
	o->n = 0;
}

void out_bytes(struct out *o, const char *s, size_t n)
{
	if (o->failed)
		return;
	if (o->n + n > o->cap && !o->f) {
		/* a memory-only buffer grows instead of flushing */
		size_t cap = o->cap * 2 + n;
		char *p = realloc(o->buf, cap);
		if (!p) {
			o->failed = 1;
			return;
		}
		o->buf = p;
		o->cap = cap;
	}
	if (o->n + n > o->cap) {
		out_flush(o);
		if (n > o->cap) {
			if (fwrite(s, 1, n, o->f) != n)
				o->failed = 1;
			return;
		}
	}
	memcpy(o->buf + o->n, s, n);
	o->n += n;
}

void out_str(struct out *o, const char *s) { out_bytes(o, s, strlen(s)); }

void out_uint(struct out *o, unsigned long v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	out_bytes(o, tmp + sizeof tmp - n, (size_t)n);
}

/* Length of a valid UTF-8 sequence at s (max n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;
	if (s[0] < 0xC2 || s[0] > 0xF4)
		return 0;
	len = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
	if (len > n)
		return 0;
	cp = s[0] & (0x7F >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return len;
}

/* Nonzero when one of the eight bytes of w is a control character, a
 * quote, a backslash or not ASCII: the bytes a JSON string may have to
 * rewrite. */
static int word_may_need_json_escape(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t quote = w ^ (ones * '"'), bs = w ^ (ones * '\\');
	uint64_t hits = ((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) | ((bs - ones) & ~bs) | w;
	return (hits & highs) != 0;
}

void out_json_string(struct out *o, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	static const char hex[] = "0123456789abcdef";
	out_char(o, '"');
	while (i < n) {
		unsigned char c;
		uint64_t w;
		if (n - i >= 8) {
			memcpy(&w, p + i, 8);
			if (!word_may_need_json_escape(w)) {
				i += 8;
				run += 8;
				continue;
			}
		}
		c = p[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			run++;
			i++;
			continue;
		}
		out_bytes(o, (const char *)p + i - run, run);
		run = 0;
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			out_bytes(o, e, 2);
			i++;
		} else if (c == '\n') {
			out_bytes(o, "\\n", 2);
			i++;
		} else if (c == '\t') {
			out_bytes(o, "\\t", 2);
			i++;
		} else if (c == '\r') {
			out_bytes(o, "\\r", 2);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			out_bytes(o, e, 6);
			i++;
		} else {
			size_t len = utf8_len(p + i, n - i);
			if (len) {
				out_bytes(o, (const char *)p + i, len);
				i += len;
			} else {
				out_bytes(o, "\xEF\xBF\xBD", 3);
				i++;
			}
		}
	}
	out_bytes(o, (const char *)p + i - run, run);
	out_char(o, '"');
}

/* Nonzero when one of the eight bytes of w is below 0x0E or is a backslash:
 * the bytes a TSV field may have to escape (and a few harmless controls,
 * which the byte loop then lets through).  Eight bytes per step, since
 * the input text is most of every output line. */
static int word_may_need_escape(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t below = (w - ones * 0x0E) & ~w & highs;
	uint64_t bs = w ^ (ones * '\\');
	return ((below | ((bs - ones) & ~bs & highs))) != 0;
}

/* The same test on a block of TSV_BLOCK bytes at S: sixteen at a time
 * with SSE2 (a byte below 0x0E is one whose unsigned minimum with 0x0D is
 * itself), else one word. */
#if defined(__SSE2__)
#define TSV_BLOCK 16
static int block_may_need_escape(const char *s)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i low = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x0D)), x);
	__m128i bs = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
	return _mm_movemask_epi8(_mm_or_si128(low, bs)) != 0;
}
#else
#define TSV_BLOCK 8
static int block_may_need_escape(const char *s)
{
	uint64_t w;
	memcpy(&w, s, 8);
	return word_may_need_escape(w);
}
#endif

void out_tsv_field(struct out *o, const char *s, size_t n)
{
	size_t i = 0, start = 0;
	/* with room for all of it, copy blocks into the buffer as they are
	 * tested, the last one overlapping the one before; the first block
	 * that may need escaping ends the copy, and the loop below goes on
	 * from there */
	if (!o->failed && n >= TSV_BLOCK && o->cap - o->n >= n) {
		char *d = o->buf + o->n;
		for (; i + TSV_BLOCK <= n; i += TSV_BLOCK) {
			if (block_may_need_escape(s + i))
				break;
			memcpy(d + i, s + i, TSV_BLOCK);
		}
		if (i + TSV_BLOCK > n && !block_may_need_escape(s + n - TSV_BLOCK)) {
			memcpy(d + n - TSV_BLOCK, s + n - TSV_BLOCK, TSV_BLOCK);
			o->n += n;
			return;
		}
		o->n += i;
		start = i;
	}
	while (i < n) {
		uint64_t w;
		const char *esc;
		if (n - i >= 8) {
			memcpy(&w, s + i, 8);
			if (!word_may_need_escape(w)) {
				i += 8;
				continue;
			}
		}
		switch (s[i]) {
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\\': esc = "\\\\"; break;
		case '\0': esc = "\\0"; break;
		default: i++; continue;
		}
		out_bytes(o, s + start, i - start);
		out_str(o, esc);
		start = ++i;
	}
	out_bytes(o, s + start, n - start);
}

int parse_format(const char *s, enum format *f)
{
	if (strcmp(s, "text") == 0)
		*f = FORMAT_TEXT;
	else if (strcmp(s, "tsv") == 0)
		*f = FORMAT_TSV;
	else if (strcmp(s, "json") == 0)
		*f = FORMAT_JSON;
	else
		return -1;
	return 0;
}

void out_classify_header(struct out *o, enum format f)
{
	if (f == FORMAT_TSV)
		out_str(o, "type\tclass\tblame\taction\tcategory\tprovider\trule\tsisimai\t"
		           "bounce_code\tpowermta\tses\tretry_after\treply\tstatus\tinput\n");
}

/* S, then blanks up to WIDTH (at least one), in blocks rather than one
 * call a blank: a record not seen before is formatted this way. */
static void pad(struct out *o, const char *s, size_t width)
{
	static const char blanks[] = "                                ";
	size_t n = strlen(s), k = n < width ? width - n : 1;
	out_bytes(o, s, n);
	for (; k > sizeof blanks - 1; k -= sizeof blanks - 1)
		out_bytes(o, blanks, sizeof blanks - 1);
	out_bytes(o, blanks, k);
}

static const char *ses_type(const struct rebound_result *r)
{
	if (*r->cls->ses_type)
		return r->cls->ses_type;
	switch (r->type) {
	case REBOUND_TYPE_HARD: return "Permanent";
	case REBOUND_TYPE_SOFT: case REBOUND_TYPE_RETRY: return "Transient";
	default: return "Undetermined";
	}
}

void out_json_key(struct out *o, const char *key)
{
	out_str(o, ",\"");
	out_str(o, key);
	out_str(o, "\":");
}

void out_json_or_null(struct out *o, const char *s, size_t n)
{
	if (n)
		out_json_string(o, s, n);
	else
		out_str(o, "null");
}

void out_tsv_cell(struct out *o, const char *s, size_t n)
{
	if (n) /* an absent field's pointer may be NULL */
		out_tsv_field(o, s, n);
	out_char(o, '\t');
}

static void json_str_or_null(struct out *o, const char *s)
{
	out_json_or_null(o, s, s ? strlen(s) : 0);
}

/*
 * Everything in a record except the input and the codes depends only on
 * the deciding rule, the type and the provider.  That part is formatted
 * once per (rule, provider, type) and kept: printing is otherwise the
 * largest cost per line.  A rule base gives a few hundred such triples
 * in practice, so nothing is ever evicted.
 */
static void format_fixed(struct out *o, enum format f, const struct rebound_result *r)
{
	const struct rebound_class *c = r->cls;
	if (f == FORMAT_JSON) {
		out_json_key(o, "type");
		json_str_or_null(o, rebound_type_name(r->type));
		out_json_key(o, "class");
		json_str_or_null(o, c->name);
		out_json_key(o, "blame");
		json_str_or_null(o, rebound_blame_name(c->blame));
		out_json_key(o, "action");
		json_str_or_null(o, rebound_action_name(c->action));
		out_json_key(o, "category");
		json_str_or_null(o, c->category ? rebound_category_name(c->category) : NULL);
		out_json_key(o, "provider");
		json_str_or_null(o, r->provider ? r->provider->id : NULL);
		out_json_key(o, "rule");
		json_str_or_null(o, r->rule->id);
		out_json_key(o, "rule_file");
		json_str_or_null(o, r->rule->file);
		out_json_key(o, "rule_line");
		out_uint(o, r->rule->line);
		out_json_key(o, "sisimai");
		json_str_or_null(o, c->sisimai);
		out_json_key(o, "bounce_code");
		if (c->bounce_code)
			out_uint(o, (unsigned long)c->bounce_code);
		else
			out_str(o, "null");
		out_json_key(o, "powermta");
		json_str_or_null(o, c->powermta);
		out_json_key(o, "ses_type");
		json_str_or_null(o, ses_type(r));
		out_json_key(o, "ses_subtype");
		json_str_or_null(o, c->ses_subtype);
		out_json_key(o, "retry_after");
		out_uint(o, r->retry_after);
		return;
	}
	if (f == FORMAT_TSV) {
		out_str(o, rebound_type_name(r->type));
		out_char(o, '\t');
		out_str(o, c->name);
		out_char(o, '\t');
		out_str(o, rebound_blame_name(c->blame));
		out_char(o, '\t');
		out_str(o, rebound_action_name(c->action));
		out_char(o, '\t');
		out_str(o, rebound_category_name(c->category));
		out_char(o, '\t');
		if (r->provider)
			out_str(o, r->provider->id);
		out_char(o, '\t');
		out_str(o, r->rule->id);
		out_char(o, '\t');
		out_str(o, c->sisimai);
		out_char(o, '\t');
		if (c->bounce_code)
			out_uint(o, (unsigned long)c->bounce_code);
		out_char(o, '\t');
		out_str(o, c->powermta);
		out_char(o, '\t');
		out_str(o, ses_type(r));
		if (*c->ses_subtype) {
			out_char(o, '/');
			out_str(o, c->ses_subtype);
		}
		out_char(o, '\t');
		if (r->retry_after)
			out_uint(o, r->retry_after);
		out_char(o, '\t');
		return;
	}
	pad(o, rebound_type_name(r->type), 13); /* "undetermined" and a blank */
	pad(o, c->name, 24);
	pad(o, rebound_blame_name(c->blame), 10);
	pad(o, rebound_action_name(c->action), 20);
	if (r->provider) {
		out_str(o, r->provider->id);
		out_char(o, ' ');
	}
	out_str(o, "[");
	out_str(o, r->rule->id);
	out_str(o, "]\n");
}

struct fixed {
	const struct rebound_rule *rule;
	const struct rebound_provider *provider;
	int type;
	struct fixed *next; /* the other records in the same slot */
	size_t len;
	char text[];
};

/*
 * Formatted records by (rule, provider, type), one table per format: a
 * hash of the three picks a slot, so that a line costs a multiply and a
 * compare or two, with no search of the rules and no division.
 */
#define FIXED_SLOTS 1024u
static struct fixed **fixed_slots[3];

static unsigned fixed_slot(const struct rebound_result *r)
{
	uint64_t h = (uint64_t)(uintptr_t)r->rule ^ ((uint64_t)(uintptr_t)r->provider << 7) ^
	             (uint64_t)r->type;
	return (unsigned)((h * 0x9E3779B97F4A7C15u) >> 54) & (FIXED_SLOTS - 1u);
}

#define FIXED_PAD 16 /* bytes a record may be read past its end */

#define FIXED_SHORT 128 /* records up to this long are copied whole at once */

/* Append the bytes a cached record holds: a record is a few dozen bytes.
 * One of up to FIXED_SHORT is copied as FIXED_SHORT bytes (its text has
 * that room), a fixed copy with no loop whose end depends on the record;
 * longer ones in blocks of FIXED_PAD; both while the buffer has room for
 * the overrun. */
static void out_cached(struct out *o, const struct fixed *e)
{
	const char *s = e->text;
	if (!o->failed && e->len <= FIXED_SHORT && o->cap - o->n >= FIXED_SHORT) {
		memcpy(o->buf + o->n, s, FIXED_SHORT);
		o->n += e->len;
		return;
	}
	if (!o->failed && o->cap - o->n >= e->len + FIXED_PAD) {
		char *d = o->buf + o->n;
		size_t i;
		for (i = 0; i < e->len; i += FIXED_PAD)
			memcpy(d + i, s + i, FIXED_PAD);
		o->n += e->len;
		return;
	}
	out_bytes(o, e->text, e->len);
}

#if defined(__GNUC__)
__attribute__((noinline)) /* keeps the common case's registers few */
#endif
static void out_fixed_new(struct out *o, enum format f, const struct rebound_result *r);

static void out_fixed(struct out *o, enum format f, const struct rebound_result *r)
{
	const struct fixed *e;
	if (fixed_slots[f])
		for (e = fixed_slots[f][fixed_slot(r)]; e; e = e->next)
			if ((e->rule == r->rule) & (e->provider == r->provider) &
			    (e->type == (int)r->type)) {
				out_cached(o, e);
				return;
			}
	out_fixed_new(o, f, r);
}

/* The record of a triple not seen before: formatted, kept, and written. */
static void out_fixed_new(struct out *o, enum format f, const struct rebound_result *r)
{
	struct fixed **head, *e;
	struct out tmp;
	if (!fixed_slots[f] && !(fixed_slots[f] = calloc(FIXED_SLOTS, sizeof(struct fixed *))))
		goto uncached;
	head = &fixed_slots[f][fixed_slot(r)];
	/* format into a scratch output, then keep a copy (with room to
	 * read whole words past its end) */
	tmp.f = NULL;
	tmp.cap = 4096;
	tmp.buf = malloc(tmp.cap);
	tmp.n = 0;
	tmp.failed = tmp.buf == NULL;
	if (!tmp.failed)
		format_fixed(&tmp, f, r);
	e = tmp.failed ? NULL
	               : calloc(1, sizeof *e + (tmp.n < FIXED_SHORT ? FIXED_SHORT : tmp.n + FIXED_PAD));
	if (e) {
		e->rule = r->rule;
		e->provider = r->provider;
		e->type = (int)r->type;
		e->len = tmp.n;
		memcpy(e->text, tmp.buf, tmp.n);
		e->next = *head;
		*head = e;
		out_bytes(o, e->text, e->len);
	}
	free(tmp.buf);
	if (e)
		return;
uncached:
	format_fixed(o, f, r);
}

void out_classify(struct out *o, enum format f, const char *text, size_t len,
                  const struct rebound_result *r)
{
	if (f == FORMAT_JSON) {
		out_str(o, "{\"input\":");
		out_json_string(o, text, len);
		out_str(o, ",\"reply\":");
		if (r->reply)
			out_uint(o, r->reply);
		else
			out_str(o, "null");
		out_str(o, ",\"status\":");
		if (*r->status) {
			out_char(o, '"');
			out_str(o, r->status);
			out_char(o, '"');
		} else
			out_str(o, "null");
		out_fixed(o, f, r);
		if (r->flags & REBOUND_F_TRUNCATED)
			out_str(o, ",\"truncated\":true");
		out_str(o, "}\n");
		return;
	}
	out_fixed(o, f, r);
	if (f == FORMAT_TSV) {
		if (r->reply)
			out_uint(o, r->reply);
		out_char(o, '\t');
		out_str(o, r->status);
		out_char(o, '\t');
		out_tsv_field(o, text, len);
		out_char(o, '\n');
	}
}
