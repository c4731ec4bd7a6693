/*
 * t-limits.c - every limit of the runtime at its edge and one past it
 * (TAP output).
 *
 * For each limit in rebound.h: an input exactly at the limit is read in
 * full and carries no flag; one unit more is cut at the limit and the
 * answer says so with its flag.  The compiler's limits are tested by
 * t-rule-limits.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rebound.h"
#include "tap.h"

/* ---- a growable text buffer ------------------------------------------ */

struct buf {
	char *p;
	size_t n, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		while (b->n + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 4096;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void puts_(struct buf *b, const char *s) { put(b, s, strlen(s)); }

static void fill(struct buf *b, char c, size_t n)
{
	char chunk[256];
	memset(chunk, c, sizeof chunk);
	while (n) {
		size_t k = n < sizeof chunk ? n : sizeof chunk;
		put(b, chunk, k);
		n -= k;
	}
}

/* ---- parsing ---------------------------------------------------------- */

struct tally {
	unsigned records, flags_any, flags_all, with_recipient;
	size_t max_diagnostic, max_remote;
};

static int on_record(void *ctx, const struct rebound_record *r)
{
	struct tally *t = ctx;
	t->flags_any |= r->flags;
	t->flags_all = t->records ? t->flags_all & r->flags : r->flags;
	t->records++;
	if (r->recipient.len)
		t->with_recipient++;
	if (r->diagnostic.len > t->max_diagnostic)
		t->max_diagnostic = r->diagnostic.len;
	if (r->remote_mta.len > t->max_remote)
		t->max_remote = r->remote_mta.len;
	return 0;
}

static struct tally parse(const struct buf *b)
{
	struct tally t;
	size_t need = REBOUND_PARSE_SCRATCH(b->n);
	void *scratch = malloc(need);
	int n;
	memset(&t, 0, sizeof t);
	if (!scratch)
		abort();
	n = rebound_parse(b->p, b->n, NULL, scratch, need, on_record, &t);
	if (n < 0 || (unsigned)n != t.records)
		t.records = (unsigned)-1;
	free(scratch);
	return t;
}

static const char dsn_head[] =
	"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
	"Subject: Delivery Status Notification (Failure)\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"LIM\"\n"
	"\n"
	"--LIM\n"
	"Content-Type: text/plain\n"
	"\n"
	"Delivery to the following recipients failed.\n"
	"--LIM\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.net\n";

/* A DSN with N failed recipients; the last one gets REMOTE (a host) and
 * DIAG (a diagnostic) when given. */
static void dsn(struct buf *b, unsigned n, const char *remote, size_t remote_len, const char *diag,
                size_t diag_len)
{
	unsigned i;
	char line[128];
	b->n = 0;
	puts_(b, dsn_head);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof line, "\nFinal-Recipient: rfc822; user%u@example.org\n", i);
		puts_(b, line);
		puts_(b, "Action: failed\nStatus: 5.1.1\n");
		if (i + 1 == n && remote) {
			puts_(b, "Remote-MTA: dns; ");
			put(b, remote, remote_len);
			puts_(b, "\n");
		}
		puts_(b, "Diagnostic-Code: smtp; ");
		if (i + 1 == n && diag)
			put(b, diag, diag_len);
		else
			puts_(b, "550 5.1.1 user unknown");
		puts_(b, "\n");
	}
	puts_(b, "--LIM--\n");
}

/* K multiparts, each the only part of the one before, around a DSN. */
static void nested(struct buf *b, unsigned k)
{
	unsigned i;
	char line[128];
	b->n = 0;
	puts_(b, "From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\nMIME-Version: 1.0\n");
	for (i = 0; i < k; i++) {
		snprintf(line, sizeof line, "Content-Type: multipart/mixed; boundary=\"n%u\"\n\n--n%u\n", i, i);
		puts_(b, line);
	}
	puts_(b, "Content-Type: message/delivery-status\n\n"
	         "Final-Recipient: rfc822; pat@example.org\nAction: failed\nStatus: 5.1.1\n");
	for (i = k; i-- > 0;) {
		snprintf(line, sizeof line, "--n%u--\n", i);
		puts_(b, line);
	}
}

/* One multipart with N small text parts, a DSN among them. */
static void many_parts(struct buf *b, unsigned n)
{
	unsigned i;
	b->n = 0;
	puts_(b, "From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\nMIME-Version: 1.0\n"
	         "Content-Type: multipart/mixed; boundary=\"P\"\n\n");
	for (i = 0; i < n; i++) {
		puts_(b, "--P\n");
		if (i == 0)
			puts_(b, "Content-Type: message/delivery-status\n\n"
			         "Final-Recipient: rfc822; pat@example.org\nAction: failed\nStatus: 5.1.1\n");
		else
			puts_(b, "Content-Type: text/plain\n\nfiller\n");
	}
	puts_(b, "--P--\n");
}

/* A plain-text bounce notice whose body is exactly N bytes long: the
 * failed recipient and its reason first, filler lines after. */
static void notice(struct buf *b, size_t n)
{
	static const char head[] =
		"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
		"Subject: Undelivered Mail Returned to Sender\n\n";
	static const char body[] =
		"This is the mail system at host mx.example.net.\n\n"
		"<pat@example.org>: host mx.example.org[192.0.2.9] said: 550 5.1.1 <pat@example.org>:\n"
		"    Recipient address rejected: User unknown (in reply to RCPT TO command)\n\n";
	size_t used = sizeof body - 1;
	b->n = 0;
	puts_(b, head);
	puts_(b, body);
	while (used < n) {
		size_t line = n - used < 72 ? n - used : 72;
		fill(b, 'z', line - 1);
		puts_(b, "\n");
		used += line;
	}
}

/* ---- the tests -------------------------------------------------------- */

static void text_limit(void)
{
	static const char phrase[] = "user unknown";
	size_t plen = sizeof phrase - 1;
	struct buf b = {0, 0, 0};
	struct rebound_result r0, r;

	rebound_classify(phrase, plen, NULL, &r0);
	ok(!(r0.flags & (REBOUND_F_FALLBACK | REBOUND_F_TRUNCATED)),
	   "'%s' alone is decided by rule %s", phrase, r0.rule->id);

	/* the phrase ends on the last byte examined */
	fill(&b, ' ', REBOUND_MAX_TEXT - plen);
	put(&b, phrase, plen);
	rebound_classify(b.p, b.n, NULL, &r);
	ok(b.n == REBOUND_MAX_TEXT && r.rule == r0.rule && !(r.flags & REBOUND_F_TRUNCATED),
	   "text of REBOUND_MAX_TEXT bytes: read to the end, not flagged (rule %s)", r.rule->id);

	/* one byte later its last letter is past the limit */
	b.n = 0;
	fill(&b, ' ', REBOUND_MAX_TEXT - plen + 1);
	put(&b, phrase, plen);
	rebound_classify(b.p, b.n, NULL, &r);
	ok(r.rule != r0.rule && (r.flags & REBOUND_F_TRUNCATED),
	   "one byte more: the end is not read and REBOUND_F_TRUNCATED is set (rule %s)", r.rule->id);

	/* far past the limit the answer is the same as one byte past it */
	b.n = 0;
	fill(&b, ' ', 4 * REBOUND_MAX_TEXT);
	rebound_classify(b.p, b.n, NULL, &r);
	ok(r.flags & REBOUND_F_TRUNCATED, "4 x REBOUND_MAX_TEXT: flagged truncated");
	free(b.p);
}

static void recipient_limit(void)
{
	struct buf b = {0, 0, 0};
	struct tally t;

	dsn(&b, REBOUND_MAX_RECIPIENTS, NULL, 0, NULL, 0);
	t = parse(&b);
	ok(t.records == REBOUND_MAX_RECIPIENTS && t.with_recipient == t.records &&
	   !(t.flags_any & REBOUND_RECORD_RECIPIENTS_CUT),
	   "%u recipients (REBOUND_MAX_RECIPIENTS): all reported, none flagged (%u records)",
	   REBOUND_MAX_RECIPIENTS, t.records);

	dsn(&b, REBOUND_MAX_RECIPIENTS + 1, NULL, 0, NULL, 0);
	t = parse(&b);
	ok(t.records == REBOUND_MAX_RECIPIENTS && (t.flags_all & REBOUND_RECORD_RECIPIENTS_CUT),
	   "one recipient more: %u records, each flagged REBOUND_RECORD_RECIPIENTS_CUT (%u records)",
	   REBOUND_MAX_RECIPIENTS, t.records);
	free(b.p);
}

static void mime_limits(void)
{
	struct buf b = {0, 0, 0};
	struct tally t;

	/* the message is level 1 and the first of the K multiparts, so the
	 * DSN inside them is at level K + 1 */
	nested(&b, REBOUND_MAX_MIME_DEPTH - 1);
	t = parse(&b);
	ok(t.records == 1 && t.with_recipient == 1 && !(t.flags_any & REBOUND_RECORD_MIME_LIMIT),
	   "a part nested REBOUND_MAX_MIME_DEPTH (%d) levels deep is read, not flagged",
	   REBOUND_MAX_MIME_DEPTH);
	nested(&b, REBOUND_MAX_MIME_DEPTH);
	t = parse(&b);
	ok(t.records >= 1 && (t.flags_all & REBOUND_RECORD_MIME_LIMIT),
	   "one level deeper: REBOUND_RECORD_MIME_LIMIT");

	many_parts(&b, REBOUND_MAX_PARTS);
	t = parse(&b);
	ok(t.records == 1 && t.with_recipient == 1 && !(t.flags_any & REBOUND_RECORD_MIME_LIMIT),
	   "%d parts (REBOUND_MAX_PARTS): read, not flagged", REBOUND_MAX_PARTS);
	many_parts(&b, REBOUND_MAX_PARTS + 1);
	t = parse(&b);
	ok(t.records == 1 && (t.flags_all & REBOUND_RECORD_MIME_LIMIT),
	   "one part more: REBOUND_RECORD_MIME_LIMIT");
	free(b.p);
}

static void field_limits(void)
{
	struct buf b = {0, 0, 0}, v = {0, 0, 0};
	struct tally t;

	/* a diagnostic of exactly REBOUND_MAX_DIAGNOSTIC bytes on one line */
	puts_(&v, "550 5.1.1 ");
	fill(&v, 'd', REBOUND_MAX_DIAGNOSTIC - v.n);
	dsn(&b, 1, NULL, 0, v.p, v.n);
	t = parse(&b);
	ok(t.records == 1 && t.max_diagnostic == REBOUND_MAX_DIAGNOSTIC &&
	   !(t.flags_any & REBOUND_RECORD_TRUNCATED),
	   "a diagnostic of REBOUND_MAX_DIAGNOSTIC bytes is kept whole (%zu)", t.max_diagnostic);
	put(&v, "d", 1);
	dsn(&b, 1, NULL, 0, v.p, v.n);
	t = parse(&b);
	ok(t.records == 1 && t.max_diagnostic == REBOUND_MAX_DIAGNOSTIC &&
	   (t.flags_all & REBOUND_RECORD_TRUNCATED),
	   "one byte more: cut to REBOUND_MAX_DIAGNOSTIC and flagged truncated (%zu)",
	   t.max_diagnostic);

	/* a Remote-MTA host of exactly REBOUND_MAX_FIELD bytes */
	v.n = 0;
	fill(&v, 'h', REBOUND_MAX_FIELD - 12);
	puts_(&v, ".example.org");
	dsn(&b, 1, v.p, v.n, NULL, 0);
	t = parse(&b);
	ok(t.records == 1 && t.max_remote == REBOUND_MAX_FIELD && !(t.flags_any & REBOUND_RECORD_TRUNCATED),
	   "a field of REBOUND_MAX_FIELD bytes is kept whole (%zu)", t.max_remote);
	put(&v, "g", 1);
	dsn(&b, 1, v.p, v.n, NULL, 0);
	t = parse(&b);
	ok(t.records == 1 && t.max_remote == REBOUND_MAX_FIELD && (t.flags_all & REBOUND_RECORD_TRUNCATED),
	   "one byte more: cut to REBOUND_MAX_FIELD and flagged truncated (%zu)", t.max_remote);
	free(b.p);
	free(v.p);
}

static void scan_limit(void)
{
	struct buf b = {0, 0, 0};
	struct tally t;

	notice(&b, REBOUND_MAX_NDR_SCAN);
	t = parse(&b);
	ok(t.records == 1 && t.with_recipient == 1 && !(t.flags_any & REBOUND_RECORD_SCAN_LIMIT),
	   "a bounce text of REBOUND_MAX_NDR_SCAN bytes is searched whole, not flagged");
	notice(&b, REBOUND_MAX_NDR_SCAN + 1);
	t = parse(&b);
	ok(t.records == 1 && t.with_recipient == 1 && (t.flags_all & REBOUND_RECORD_SCAN_LIMIT),
	   "one byte more: what lies in the limit is still found, flagged REBOUND_RECORD_SCAN_LIMIT");
	free(b.p);
}

int main(void)
{
	text_limit();
	recipient_limit();
	mime_limits();
	field_limits();
	scan_limit();
	return done_testing();
}
