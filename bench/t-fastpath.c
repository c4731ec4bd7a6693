/*
 * t-fastpath.c - two promises of the classify path, checked on every
 * text at hand (built-in replies, and with SHARED set the corpus lines,
 * the seed cases and the corpus emails):
 *
 * 1. rebound_classify, rebound_explain and rebound_parse never allocate.
 *    This program brings its own malloc family, which counts calls and
 *    hands out memory from a static arena; the count must not move while
 *    the library runs.  (Skipped under sanitizers, which own malloc.)
 * 2. The codes the classifier reports, found at the places the DFA marks,
 *    are those a full scan of the text finds (rb_find_codes): on the same
 *    texts, and on texts built at random from the pieces codes are made
 *    of.
 * 3. The tables' code indexes, which spare the classifier a search per
 *    text, give for every reply and status the rule list a search of the
 *    sorted buckets gives.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "tap.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	__has_feature(memory_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif

/* ---- counting allocator ------------------------------------------------ */

#ifndef UNDER_SANITIZER
static unsigned long allocations;

/* Plenty for this program's own buffers; nothing is given back. */
#define ARENA_SIZE ((size_t)96 << 20)
static unsigned char arena[ARENA_SIZE];
static size_t arena_used;

/* Blocks are 16-byte aligned and carry their size in front. */
static void *arena_get(size_t n, size_t align)
{
	size_t start, head = 16;
	if (align < 16)
		align = 16;
	if (n > ARENA_SIZE)
		return NULL;
	start = (arena_used + head + align - 1) / align * align;
	if (start > ARENA_SIZE - n)
		return NULL;
	memcpy(arena + start - sizeof n, &n, sizeof n);
	arena_used = start + n;
	allocations++;
	return arena + start;
}

void *malloc(size_t n) { return arena_get(n, 16); }
void free(void *p) { (void)p; }
void *calloc(size_t k, size_t n)
{
	void *p;
	if (n && k > (size_t)-1 / n)
		return NULL;
	p = arena_get(k * n, 16);
	if (p)
		memset(p, 0, k * n);
	return p;
}
void *realloc(void *old, size_t n)
{
	void *p = arena_get(n, 16);
	if (p && old) {
		size_t was;
		memcpy(&was, (unsigned char *)old - sizeof was, sizeof was);
		memcpy(p, old, was < n ? was : n);
	}
	return p;
}
void *aligned_alloc(size_t align, size_t n) { return arena_get(n, align); }
void *memalign(size_t align, size_t n);
void *memalign(size_t align, size_t n) { return arena_get(n, align); }
int posix_memalign(void **out, size_t align, size_t n);
int posix_memalign(void **out, size_t align, size_t n)
{
	*out = arena_get(n, align);
	return *out ? 0 : 12; /* ENOMEM */
}
void *valloc(size_t n);
void *valloc(size_t n) { return arena_get(n, 4096); }
size_t malloc_usable_size(void *p);
size_t malloc_usable_size(void *p)
{
	size_t was = 0;
	if (p)
		memcpy(&was, (unsigned char *)p - sizeof was, sizeof was);
	return was;
}
#endif

/* ---- the texts ----------------------------------------------------------- */

static const char *const builtin[] = {
	"550 5.1.1 <pat@example.org>: Recipient address rejected: User unknown",
	"smtp; 554 5.7.1 Client host [198.51.100.23] blocked using zen.spamhaus.org",
	"host mx.example.org[192.0.2.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command)",
	"#550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found ##",
	"421-4.7.0 Try again later, closing connection. - gsmtp",
	"Delivery to the following recipient failed permanently",
	"the message of 552 bytes exceeds the limit; 5.3.4",
	"SMTP error from remote mail server after RCPT TO:<x@y>: 550",
	"5.1.1",
	"550",
	"  ",
	"",
	"4.4.7 Delivery time expired 2.0.0 (1.2.3.4) 250 ok 553-5.1.3 bad",
	"(#5.1.1) 521 5.2.1 The email account that you tried to reach is inactive.",
	"\xff\xfe 550 \xc3\xa9t\xc3\xa9 5.7.26 \x80",
};

static char buf_long[REBOUND_MAX_TEXT + 4096];

struct texts {
	char *data;      /* every text, one after another */
	size_t *off;     /* text i is data[off[i] .. off[i + 1]) */
	size_t n, cap, size, used;
};

static void add_text(struct texts *t, const char *s, size_t n)
{
	if (t->n + 2 > t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->off = realloc(t->off, t->cap * sizeof *t->off);
	}
	if (t->used + n > t->size) {
		t->size = (t->size + n) * 2;
		t->data = realloc(t->data, t->size);
	}
	if (!t->off || !t->data) {
		fputs("t-fastpath: out of memory\n", stderr);
		exit(99);
	}
	if (t->n == 0)
		t->off[0] = 0;
	memcpy(t->data + t->used, s, n);
	t->used += n;
	t->off[++t->n] = t->used;
}

/* Read PATH into *BUF (grown as needed, kept for the next file). */
static char *read_file(const char *path, char **buf, size_t *cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0, got;
	if (!f)
		return NULL;
	do {
		if (n + 1 >= *cap) {
			*cap = *cap ? *cap * 2 : 65536;
			*buf = realloc(*buf, *cap);
			if (!*buf) {
				fclose(f);
				return NULL;
			}
		}
		got = fread(*buf + n, 1, *cap - n - 1, f);
		n += got;
	} while (got > 0);
	fclose(f);
	(*buf)[n] = '\0';
	*len = n;
	return *buf;
}

/* The "text" fields of a JSON Lines file, with \n, \t, \" and \\ undone
 * (enough for the corpus; other escapes are kept as written). */
static void add_json_texts(struct texts *t, const char *path)
{
	size_t len, cap = 0;
	char *b = NULL, *p, *out;
	if (!read_file(path, &b, &cap, &len))
		return;
	out = malloc(len + 1);
	for (p = b; (p = strstr(p, "\"text\": \"")) != NULL;) {
		size_t n = 0;
		for (p += 9; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1]) {
				p++;
				out[n++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
			} else
				out[n++] = *p;
		}
		add_text(t, out, n);
	}
	free(out);
	free(b);
}

/* Column COL (from 0) of a tab-separated file with a header line. */
static void add_tsv_column(struct texts *t, const char *path, int col)
{
	size_t len, cap = 0;
	char *b = NULL, *line, *next;
	int first = 1;
	if (!read_file(path, &b, &cap, &len))
		return;
	for (line = b; *line; line = next) {
		char *end = strchr(line, '\n'), *f = line;
		int c;
		next = end ? end + 1 : line + strlen(line);
		if (first) {
			first = 0;
			continue;
		}
		for (c = 0; c < col && f && f < next; c++) {
			f = memchr(f, '\t', (size_t)(next - f));
			if (f)
				f++;
		}
		if (f && f < next) {
			char *e = memchr(f, '\t', (size_t)(next - f));
			add_text(t, f, (size_t)((e ? e : (end ? end : next)) - f));
		}
	}
	free(b);
}

/* Texts made of the pieces codes are made of, in a random order. */
static void add_random_texts(struct texts *t, unsigned count)
{
	static const char *const piece[] = {
		"550", "5.1.1", "4.7.0", "2.0.0", " ", "  ", "-", ".", "5", "2", "4", "0", "1", "9",
		"smtp;", "SMTP; ", ":", ";", "(", ")", "[", "]", "<", ">", "#", "=", ",", "'", "\"",
		"|", "{", "\t", "\n", "a", "x5", "_", "user unknown", "said: ", "421", "5.1.10",
		"192.0.2.1", "552 byte", "\xc3", "5.1.1.2", "250-", "1234"
	};
	uint64_t x = 0x9E3779B97F4A7C15ull;
	unsigned i, k;
	for (i = 0; i < count; i++) {
		char s[256];
		size_t n = 0;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		for (k = (unsigned)(x % 12); k > 0; k--) {
			const char *p;
			size_t m;
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p = piece[x % (sizeof piece / sizeof piece[0])];
			m = strlen(p);
			if (n + m > sizeof s)
				break;
			memcpy(s + n, p, m);
			n += m;
		}
		add_text(t, s, n);
	}
}

/* ---- the checks ---------------------------------------------------------- */

static unsigned long explained;
static void count_rule(void *ctx, const struct rebound_rule *rule, const struct rebound_class *cls,
                       int won)
{
	(void)ctx;
	(void)rule;
	(void)cls;
	(void)won;
	explained++;
}

static int records;
static int count_record(void *ctx, const struct rebound_record *rec)
{
	(void)ctx;
	(void)rec;
	records++;
	return 0;
}

/* Codes through the classifier (marked by the DFA) against a full scan. */
static int same_codes(const char *s, size_t n)
{
	struct rebound_result r;
	struct rb_codes c;
	rebound_classify(s, n, NULL, &r);
	rb_find_codes(s, n > REBOUND_MAX_TEXT ? REBOUND_MAX_TEXT : n, &c);
	return r.reply == c.reply && r.status_class == c.cls && r.status_subject == c.subject &&
	       r.status_detail == c.detail;
}

/* The rule list filed under a reply, by search of the sorted buckets. */
static const uint16_t *reply_by_search(const struct rb_tables *t, unsigned reply)
{
	unsigned i;
	for (i = 0; i < t->nreply_buckets; i++)
		if (t->reply_buckets[i].lo <= reply && reply <= t->reply_buckets[i].hi)
			return t->bucket_rules + t->reply_buckets[i].rules;
	return NULL;
}

/* How many replies and statuses (subjects 0-7, details 0-999) the code
 * indexes of T file differently from a search of the buckets. */
static unsigned long index_mismatches(const struct rb_tables *t)
{
	unsigned long bad = 0;
	unsigned r, c, s, d, i;
	for (r = 0; r < RB_REPLY_SPAN; r++) {
		unsigned k = t->reply_index[r];
		bad += (k ? t->bucket_rules + t->reply_buckets[k - 1].rules : NULL) != reply_by_search(t, RB_REPLY_LOW + r);
	}
	for (c = 0; c < 6; c++)
		for (s = 0; s + 1 < RB_STATUS_SUBJECTS; s++) {
			const uint16_t *f = &t->status_first[c * RB_STATUS_SUBJECTS + s];
			for (d = 0; d < 1000; d++) {
				const uint16_t *want = NULL, *got = NULL;
				for (i = 0; i < t->nstatus_buckets; i++) {
					const struct rb_status_bucket *b = &t->status_buckets[i];
					if (b->cls == c && b->subject == s && b->lo <= d && d <= b->hi)
						want = t->bucket_rules + b->rules;
				}
				for (i = f[0]; i < f[1]; i++) {
					const struct rb_status_bucket *b = &t->status_buckets[i];
					if (b->cls != c || b->subject != s)
						bad++; /* a bucket of another class or subject */
					else if (b->lo <= d && d <= b->hi)
						got = t->bucket_rules + b->rules;
				}
				bad += got != want;
			}
		}
	return bad;
}

int main(void)
{
	const char *shared = getenv("SHARED");
	struct texts t;
	size_t i, scratch_size = 0;
	unsigned long before, differ = 0, first_differ = 0;
	char path[4096], *scratch = NULL;
	struct rebound_query q;
	FILE *list;
	int with_shared = 0;

	memset(&t, 0, sizeof t);
	for (i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
		add_text(&t, builtin[i], strlen(builtin[i]));
	/* past the limit, with a code right at it */
	memset(buf_long, 'x', sizeof buf_long);
	memcpy(buf_long + REBOUND_MAX_TEXT - 2, " 550 5.1.1", 10);
	add_text(&t, buf_long, sizeof buf_long);
	add_text(&t, "550\0 5.1.1 user unknown", 23);
	if (shared && *shared) {
		snprintf(path, sizeof path, "%s/corpus/sisimai/lines.jsonl", shared);
		add_json_texts(&t, path);
		snprintf(path, sizeof path, "%s/expect/seed-cases.tsv", shared);
		add_tsv_column(&t, path, 4);
		with_shared = t.n > 100;
	}
	add_random_texts(&t, 200000);
	diag("%lu texts%s", (unsigned long)t.n,
	     with_shared ? " (with the shared corpus and seed cases)" : " (SHARED not set: built-in ones)");

	for (i = 0; i < t.n; i++)
		if (!same_codes(t.data + t.off[i], t.off[i + 1] - t.off[i]) && differ++ == 0)
			first_differ = (unsigned long)i;
	ok(differ == 0, "codes found at the DFA's marks equal a full scan's on all %lu texts",
	   (unsigned long)t.n);
	if (differ)
		diag("%lu differ, the first: \"%.*s\"", differ,
		     (int)(t.off[first_differ + 1] - t.off[first_differ]), t.data + t.off[first_differ]);

	ok(index_mismatches(&rb_builtin_tables) == 0,
	   "the code indexes file every reply and status as a search of the buckets does");

#ifdef UNDER_SANITIZER
	for (i = 0; i < 5; i++)
		ok(1, "# SKIP allocation counts under a sanitizer, which owns malloc");
	(void)before;
	(void)list;
	(void)q;
	(void)scratch;
	(void)scratch_size;
	(void)count_rule;
	(void)count_record;
#else
	ok(allocations > 0, "the counting allocator is in use (%lu calls so far)", allocations);
	memset(&q, 0, sizeof q);
	q.profile = "sinch";
	q.remote_host = "gmail-smtp-in.l.google.com";
	q.recipient_domain = "example.org";
	q.status = "5.1.1";
	before = allocations;
	for (i = 0; i < t.n; i++) {
		struct rebound_result r;
		const char *s = t.data + t.off[i];
		size_t n = t.off[i + 1] - t.off[i];
		rebound_classify(s, n, NULL, &r);
		rebound_classify(s, n, &q, &r);
	}
	ok(allocations == before, "rebound_classify: %lu allocations for %lu texts, two queries each",
	   allocations - before, (unsigned long)t.n);

	before = allocations;
	for (i = 0; i < t.n && i < 20000; i++) {
		struct rebound_result r;
		rebound_explain(t.data + t.off[i], t.off[i + 1] - t.off[i], &q, &r, count_rule, NULL);
	}
	ok(allocations == before && explained > 0,
	   "rebound_explain: %lu allocations, %lu rules reported", allocations - before, explained);

	/* whole messages: read and lend scratch first, then count the parse */
	list = NULL;
	if (with_shared) {
		snprintf(path, sizeof path, "%s/corpus/sisimai/golden.jsonl", shared);
		list = fopen(path, "rb");
	}
	if (!list) {
		ok(1, "# SKIP rebound_parse: SHARED corpus emails not available");
	} else {
		char line[8192], *msg = NULL;
		size_t cap = 0;
		unsigned long emails = 0, counted = 0;
		while (fgets(line, sizeof line, list)) {
			char *f = strstr(line, "\"file\": \""), *e;
			size_t len;
			if (!f)
				continue;
			f += 9;
			e = strchr(f, '"');
			if (!e)
				continue;
			snprintf(path, sizeof path, "%s/corpus/sisimai/%.*s", shared, (int)(e - f), f);
			if (!read_file(path, &msg, &cap, &len))
				continue;
			if (REBOUND_PARSE_SCRATCH(len) > scratch_size) {
				scratch_size = REBOUND_PARSE_SCRATCH(len) * 2;
				scratch = malloc(scratch_size);
				if (!scratch)
					break;
			}
			before = allocations;
			rebound_parse(msg, len, NULL, scratch, scratch_size, count_record, NULL);
			counted += allocations - before;
			emails++;
		}
		fclose(list);
		free(msg);
		free(scratch);
		ok(counted == 0 && emails > 100 && records > 0,
		   "rebound_parse: %lu allocations over %lu emails (%d records)", counted, emails,
		   records);
	}
#endif
	free(t.data);
	free(t.off);
	return done_testing();
}
