/*
 * t-message.c - tests of the message parser (TAP output).
 *
 * Small messages written here exercise each kind of input; the hostile
 * ones (truncated MIME, endless boundaries, deep nesting, thousands of
 * recipients, tens of megabytes, binary noise) check that every input
 * gets a defined answer in bounded time.  Run it under
 * -fsanitize=address,undefined to catch memory errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "parser.h"
#include "rebound.h"

/* ---- collecting records ------------------------------------------- */

#define MAX_SEEN 16
#define TEXT_MAX 512

struct seen_record {
	enum rebound_kind kind;
	unsigned flags;
	char recipient[TEXT_MAX], status[32], action[64], diagnostic[TEXT_MAX], remote_mta[TEXT_MAX],
	    reporting_mta[TEXT_MAX], original[TEXT_MAX], feedback_type[64], subject[TEXT_MAX],
	    message_id[TEXT_MAX], returned_from[TEXT_MAX], sender[TEXT_MAX];
	char result_status[12];
	unsigned reply;
	size_t diagnostic_len;
	enum rebound_type type;
	const char *cls, *rule, *rule_file; /* static strings of the library */
};

struct seen {
	struct seen_record v[MAX_SEEN];
	unsigned n, calls;
	unsigned all_flags;
	unsigned stop_after; /* 0: never stop */
};

static void span_copy(char *out, size_t cap, struct rebound_span s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;
	if (n)
		memcpy(out, s.ptr, n);
	out[n] = '\0';
}

static int on_record(void *ctx, const struct rebound_record *r)
{
	struct seen *s = ctx;
	s->calls++;
	s->all_flags |= r->flags;
	if (s->n < MAX_SEEN) {
		struct seen_record *x = &s->v[s->n++];
		x->kind = r->kind;
		x->flags = r->flags;
		span_copy(x->recipient, sizeof x->recipient, r->recipient);
		span_copy(x->status, sizeof x->status, r->status);
		span_copy(x->action, sizeof x->action, r->action);
		span_copy(x->diagnostic, sizeof x->diagnostic, r->diagnostic);
		span_copy(x->remote_mta, sizeof x->remote_mta, r->remote_mta);
		span_copy(x->reporting_mta, sizeof x->reporting_mta, r->reporting_mta);
		span_copy(x->original, sizeof x->original, r->original_recipient);
		span_copy(x->feedback_type, sizeof x->feedback_type, r->feedback_type);
		span_copy(x->subject, sizeof x->subject, r->subject);
		span_copy(x->message_id, sizeof x->message_id, r->message_id);
		span_copy(x->sender, sizeof x->sender, r->sender);
		x->returned_from[0] = '\0';
		{
			struct rebound_span from;
			if (rebound_header_field(r->returned_headers, "FROM", &from))
				span_copy(x->returned_from, sizeof x->returned_from, from);
		}
		memcpy(x->result_status, r->result.status, sizeof x->result_status);
		x->reply = r->result.reply;
		x->diagnostic_len = r->diagnostic.len;
		x->type = r->result.type;
		x->cls = r->result.cls->name;
		x->rule = r->result.rule->id;
		x->rule_file = r->result.rule->file;
	}
	return s->stop_after && s->calls >= s->stop_after;
}

static char *scratch;
static size_t scratch_size;

/* Parse LEN bytes at MSG into S; returns rebound_parse's answer. */
static int parse_n(const char *msg, size_t len, struct seen *s)
{
	size_t need = REBOUND_PARSE_SCRATCH(len);
	memset(s, 0, sizeof *s);
	if (need > scratch_size) {
		free(scratch);
		scratch = malloc(need);
		scratch_size = scratch ? need : 0;
		if (!scratch) {
			fprintf(stderr, "out of memory\n");
			exit(99);
		}
	}
	return rebound_parse(msg, len, NULL, scratch, scratch_size, on_record, s);
}

static int parse(const char *msg, struct seen *s)
{
	return parse_n(msg, strlen(msg), s);
}

/* A copy of the LF text MSG with other line ends. */
static char *with_line_ends(const char *msg, const char *eol)
{
	size_t n = strlen(msg), lines = 0, i, o = 0;
	char *out;
	for (i = 0; i < n; i++)
		lines += msg[i] == '\n';
	out = malloc(n + lines * strlen(eol) + 1);
	if (!out)
		exit(99);
	for (i = 0; i < n; i++) {
		if (msg[i] == '\n') {
			memcpy(out + o, eol, strlen(eol));
			o += strlen(eol);
		} else
			out[o++] = msg[i];
	}
	out[o] = '\0';
	return out;
}

/* ---- test plumbing ------------------------------------------------ */

static int test_number;
static int failures;

static void ok(int cond, const char *name)
{
	test_number++;
	printf("%s %d - %s\n", cond ? "ok" : "not ok", test_number, name);
	if (!cond)
		failures++;
}

static int same(const char *a, const char *b) { return strcmp(a, b) == 0; }

static double seconds(void) { return (double)clock() / CLOCKS_PER_SEC; }

/*
 * Time claims are ratios to a baseline measured in the same run: the
 * time to parse an ordinary message of the same size (a letter of
 * plain lines), which the parser reads in one linear pass.  A hostile
 * input may cost a small constant factor more; a quadratic one would
 * cost hundreds of times more at these sizes.
 */
#define SLOWER_AT_MOST 40.0

static double baseline_time(size_t len)
{
	static const char head[] = "From: a@example.com\nSubject: a letter\n\n";
	static const char line[] = "Dear friend, this is an ordinary line of an ordinary letter.\n";
	char *msg = malloc(len + sizeof line);
	size_t n = sizeof head - 1;
	struct seen *s = malloc(sizeof *s);
	double t0, t;
	if (!msg || !s)
		exit(99);
	memcpy(msg, head, n);
	while (n < len) {
		memcpy(msg + n, line, sizeof line - 1);
		n += sizeof line - 1;
	}
	parse_n(msg, n, s); /* the scratch is allocated outside the timing */
	t0 = seconds();
	parse_n(msg, n, s);
	t = seconds() - t0;
	free(msg);
	free(s);
	return t;
}

/* Is the time since T0 for LEN bytes within SLOWER_AT_MOST baselines? */
static int fast_enough(double t0, size_t len, const char *what)
{
	double t = seconds() - t0, base = baseline_time(len);
	printf("# %s: %.4fs, an ordinary message of the same size %.4fs\n", what, t, base);
	return t <= SLOWER_AT_MOST * base;
}

/* ---- sample messages ----------------------------------------------- */

static const char dsn_message[] =
	"Return-Path: <>\n"
	"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
	"To: sender@example.org\n"
	"Subject: Undelivered Mail Returned to Sender\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"B1\"\n"
	"\n"
	"This is a MIME-encapsulated message.\n"
	"\n"
	"--B1\n"
	"Content-Type: text/plain\n"
	"\n"
	"This is the mail system at host mx.example.net.\n"
	"\n"
	"<alice@example.com>: host mx.example.com[192.0.2.1] said: 550 5.1.1\n"
	"    <alice@example.com>: Recipient address rejected: User unknown\n"
	"\n"
	"--B1\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.net\n"
	"Arrival-Date: Thu, 29 Apr 2021 23:34:45 +0900\n"
	"\n"
	"Final-Recipient: rfc822; alice@example.com\n"
	"Original-Recipient: rfc822;Alice@Example.com\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"Remote-MTA: dns; mx.example.com\n"
	"Diagnostic-Code: smtp; 550 5.1.1 <alice@example.com>: Recipient address\n"
	"    rejected: User unknown in local recipient table\n"
	"\n"
	"Final-Recipient: rfc822; bob@example.com\n"
	"Action: delayed\n"
	"Status: 4.4.1\n"
	"Diagnostic-Code: smtp; 421 4.4.1 connection timed out\n"
	"Final-Recipient: rfc822; carol@example.com\n"
	"Action: delivered\n"
	"Status: 2.0.0\n"
	"\n"
	"--B1\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"From: sender@example.org\n"
	"To: alice@example.com\n"
	"Subject: hello\n"
	"\n"
	"Final-Recipient: rfc822; not-a-bounce@example.com\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"\n"
	"--B1--\n";

static void test_dsn(void)
{
	struct seen s;
	int rc = parse(dsn_message, &s);
	ok(rc == 3 && s.n == 3, "DSN: one record per recipient block, returned message ignored");
	ok(s.v[0].kind == REBOUND_KIND_DSN && same(s.v[0].recipient, "alice@example.com") &&
	       same(s.v[0].status, "5.1.1") && same(s.v[0].action, "failed"),
	   "DSN: recipient, status and action");
	ok(same(s.v[0].diagnostic, "550 5.1.1 <alice@example.com>: Recipient address rejected: "
	                           "User unknown in local recipient table"),
	   "DSN: folded Diagnostic-Code unfolded, smtp; prefix removed");
	ok(same(s.v[0].remote_mta, "mx.example.com") && same(s.v[0].reporting_mta, "mx.example.net") &&
	       same(s.v[0].original, "Alice@Example.com"),
	   "DSN: Remote-MTA, Reporting-MTA and Original-Recipient without type prefix");
	ok(same(s.v[0].result_status, "5.1.1"), "DSN: classified with the diagnostic");
	ok(same(s.v[1].recipient, "bob@example.com") && s.v[1].kind == REBOUND_KIND_DSN &&
	       same(s.v[1].action, "delayed"),
	   "DSN: delayed recipient");
	ok(same(s.v[2].recipient, "carol@example.com") && s.v[2].kind == REBOUND_KIND_DELIVERED,
	   "DSN: a block without an empty line before it, and Action delivered");
	ok(same(s.v[0].subject, "Undelivered Mail Returned to Sender"), "DSN: subject");
}

static void test_line_ends(void)
{
	struct seen lf, other;
	char *crlf = with_line_ends(dsn_message, "\r\n"), *cr = with_line_ends(dsn_message, "\r");
	int same_all = 1;
	unsigned i;
	parse(dsn_message, &lf);
	parse(crlf, &other);
	for (i = 0; i < lf.n; i++)
		same_all &= other.n == lf.n && same(lf.v[i].recipient, other.v[i].recipient) &&
		            same(lf.v[i].diagnostic, other.v[i].diagnostic) &&
		            same(lf.v[i].status, other.v[i].status);
	ok(same_all, "CRLF line ends give the same records");
	parse(cr, &other);
	same_all = 1;
	for (i = 0; i < lf.n; i++)
		same_all &= other.n == lf.n && same(lf.v[i].recipient, other.v[i].recipient) &&
		            same(lf.v[i].diagnostic, other.v[i].diagnostic);
	ok(same_all, "lone CR line ends give the same records");
	free(crlf);
	free(cr);
}

/* rbp_lines hands out the lines rbp_next_line finds, from any start,
 * with line ends of every kind around its 64-byte windows (a CR LF split
 * between two of them, a CR last in the text). */
static uint32_t lines_rand(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

static int lines_agree(const char *text, size_t n, size_t start)
{
	struct rbp_lines it;
	size_t p1 = start, p2 = start;
	rbp_span a = {NULL, 0}, b = {NULL, 0};
	int r1, r2;
	rbp_lines_start(&it, text, n, start);
	do {
		r1 = rbp_next_line(text, n, &p1, &a);
		r2 = rbp_lines_next(&it, &p2, &b);
		if (r1 != r2 || p1 != p2 || (r1 && (a.ptr != b.ptr || a.len != b.len)))
			return 0;
	} while (r1);
	return 1;
}

static void test_lines_iterator(void)
{
	static const char *const pieces[] = {
		"a", "bcdefgh", "\n", "\r\n", "\r", " ", "\n\n", "\r\r\n",
		"0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"};
	char text[400];
	uint32_t seed = 2026u;
	unsigned round;
	size_t at;
	int good = 1;
	for (round = 0; round < 20000 && good; round++) {
		size_t n = 0, k;
		for (;;) {
			const char *piece = pieces[lines_rand(&seed) % (sizeof pieces / sizeof pieces[0])];
			k = strlen(piece);
			if (n + k > 300)
				break;
			memcpy(text + n, piece, k);
			n += k;
		}
		n = lines_rand(&seed) % (n + 1);
		good = lines_agree(text, n, lines_rand(&seed) % (n + 1));
	}
	/* a CR LF at every place around the end of the first window */
	for (at = 56; at < 72 && good; at++) {
		memset(text, 'x', 200);
		memcpy(text + at, "\r\n", 2);
		text[150] = '\r';
		good = lines_agree(text, 200, 0) && lines_agree(text, 151, 0) && lines_agree(text, 151, 3);
	}
	ok(good, "rbp_lines gives the lines rbp_next_line gives (20,000 texts, CR LF across windows)");
}

static void test_encodings(void)
{
	struct seen s;
	/* the delivery-status part in base64, the notice in quoted-printable */
	static const char msg[] =
		"From: postmaster@example.net\n"
		"Subject: =?UTF-8?B?VW5kZWxpdmVyZWQ=?= =?UTF-8?Q?_Mail_=E2=9C=89?=\n"
		"Content-Type: multipart/mixed; boundary=outer\n"
		"\n"
		"--outer\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"inner\"\n"
		"\n"
		"--inner\n"
		"Content-Type: text/plain; charset=iso-8859-1\n"
		"Content-Transfer-Encoding: quoted-printable\n"
		"\n"
		"D=E9sol=E9, the message could not be deliv=\n"
		"ered.\n"
		"--inner\n"
		"Content-Type: message/delivery-status\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		/* Final-Recipient: rfc822; dave@example.com / Action: failed / Status: 5.2.2 */
		"RmluYWwtUmVjaXBpZW50OiByZmM4MjI7IGRhdmVAZXhhbXBsZS5jb20KQWN0aW9uOiBmYWls\n"
		"ZWQKU3RhdHVzOiA1LjIuMgo=\n"
		"--inner--\n"
		"--outer--\n";
	int rc = parse(msg, &s);
	ok(rc == 1 && same(s.v[0].recipient, "dave@example.com") && same(s.v[0].status, "5.2.2"),
	   "base64 delivery-status part inside nested multiparts");
	ok(same(s.v[0].subject, "Undelivered Mail \xe2\x9c\x89"),
	   "RFC 2047 subject: adjacent encoded words joined, bytes passed through");
}

static void test_pasted_dsn(void)
{
	struct seen s;
	static const char msg[] =
		"From: MAILER-DAEMON@example.net\n"
		"Subject: Delivery Status Notification (Failure)\n"
		"Content-Type: text/plain; charset=us-ascii\n"
		"Content-Transfer-Encoding: quoted-printable\n"
		"\n"
		"An error occurred while trying to deliver the mail to the following recip=\n"
		"ients:\n"
		"erin@example.com\n"
		"\n"
		"Action: failed\n"
		"Final-Recipie=\n"
		"nt: rfc822; erin@example.com\n"
		"Diagnostic-Code: smtp; 550 5.2.2 <erin@example.com>... Mailbox Full\n"
		"Status: 5.2.2\n";
	int rc = parse(msg, &s);
	ok(rc == 1 && s.v[0].kind == REBOUND_KIND_DSN && same(s.v[0].recipient, "erin@example.com") &&
	       same(s.v[0].status, "5.2.2"),
	   "DSN fields pasted into a quoted-printable text part");
}

static void test_postfix_ndr(void)
{
	struct seen s;
	static const char msg[] =
		"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
		"Subject: Undelivered Mail Returned to Sender\n"
		"\n"
		"This is the mail system at host mx.example.net.\n"
		"\n"
		"I'm sorry to have to inform you that your message could not\n"
		"be delivered to one or more recipients.\n"
		"\n"
		"<frank@example.com>: host mx.example.com[192.0.2.7] said: 550 5.7.1\n"
		"    <frank@example.com>: Relay access denied (in reply to RCPT TO command)\n"
		"\n"
		"<grace@example.com>: Host or domain name not found. Name service error for\n"
		"    name=example.com type=A: Host not found\n";
	int rc = parse(msg, &s);
	ok(rc == 2 && s.v[0].kind == REBOUND_KIND_NDR && same(s.v[0].recipient, "frank@example.com") &&
	       same(s.v[1].recipient, "grace@example.com"),
	   "Postfix notice without a DSN part: both recipients");
	ok(same(s.v[0].result_status, "5.7.1") && same(s.v[0].remote_mta, "mx.example.com"),
	   "Postfix notice: diagnostic joined, remote host taken from it");
}

static void test_exim_ndr(void)
{
	struct seen s;
	static const char msg[] =
		"From: Mail Delivery System <Mailer-Daemon@example.org>\n"
		"Subject: Mail delivery failed: returning message to sender\n"
		"Auto-Submitted: auto-replied\n"
		"X-Failed-Recipients: heidi@example.com, ivan@example.net\n"
		"\n"
		"This message was created automatically by mail delivery software.\n"
		"\n"
		"A message that you sent could not be delivered to one or more of its\n"
		"recipients. This is a permanent error. The following address(es) failed:\n"
		"\n"
		"  heidi\n"
		"    SMTP error from remote mail server after RCPT TO:<heidi@example.com>:\n"
		"    host mx.example.com [192.0.2.9]: 550 5.1.1 <heidi@example.com>: unknown\n"
		"  ivan@example.net\n"
		"    (ultimately generated from judy@example.org)\n"
		"    retry timeout exceeded\n"
		"\n"
		"------ This is a copy of the message, including all the headers. ------\n"
		"\n"
		"To: mallory@example.com\n";
	int rc = parse(msg, &s);
	ok(rc == 2 && same(s.v[0].recipient, "heidi@example.com") &&
	       (s.v[0].flags & REBOUND_RECORD_GUESSED) && same(s.v[1].recipient, "ivan@example.net"),
	   "Exim notice: a bare local part resolved through X-Failed-Recipients; not an auto-reply");
	ok(strstr(s.v[1].diagnostic, "retry timeout exceeded") != NULL &&
	       strstr(s.v[0].diagnostic, "550 5.1.1") != NULL,
	   "Exim notice: indented lines belong to their recipient");
}

/* The message a report is about: its headers, Message-ID and fields. */
static void test_returned(void)
{
	struct seen s;
	struct rebound_span v, hdr;
	char name[200];
	size_t len = 1 << 20, i;
	char *msg;
	static const char block[] = "Subject: Spring\r\nX-List:  alpha\r\n\tbeta  \r\nFrom: a@example.org\r\n";
	static const char pasted[] =
		"From: MAILER-DAEMON@example.net\n"
		"Subject: failure notice\n"
		"\n"
		"Hi. This is the qmail-send program at example.net.\n"
		"I'm afraid I wasn't able to deliver your message to the following addresses.\n"
		"This is a permanent error; I've given up. Sorry it didn't work out.\n"
		"\n"
		"<kate@example.com>:\n"
		"192.0.2.7 does not like recipient.\n"
		"Remote host said: 550 5.1.1 no such user\n"
		"\n"
		"--- Below this line is a copy of the message.\n"
		"\n"
		"Return-Path: <list@example.org>\n"
		"Received: (qmail 4242 invoked by uid 1000); 1 Apr 2025 10:00:00 -0000\n"
		"Date: Tue, 1 Apr 2025 10:00:00 +0000\n"
		"From: news@desk.example.org\n"
		" <list@example.org>\n"
		"To: kate@example.com\n"
		"Message-ID:\n"
		" <april-1@list.example.org>\n"
		"\n"
		"Hello.\n";

	hdr.ptr = block;
	hdr.len = sizeof block - 1;
	ok(rebound_header_field(hdr, "x-LIST", &v) && v.len == 12 && memcmp(v.ptr, "alpha\r\n\tbeta", 12) == 0 &&
	       rebound_header_field(hdr, "from", &v) && v.len == 13 &&
	       !rebound_header_field(hdr, "X-Lis", &v) && !rebound_header_field(hdr, "", &v) &&
	       !rebound_header_field(hdr, NULL, &v) && !rebound_header_field(hdr, "from", NULL),
	   "rebound_header_field: any case, folds kept, blanks trimmed, whole names only");
	memset(name, 'x', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	hdr.ptr = NULL;
	ok(!rebound_header_field(hdr, "from", &v) && !rebound_header_field(hdr, name, &v),
	   "rebound_header_field: no headers, a name longer than any field");

	parse(pasted, &s);
	ok(s.n == 1 && same(s.v[0].recipient, "kate@example.com") &&
	       same(s.v[0].message_id, "<april-1@list.example.org>") &&
	       same(s.v[0].returned_from, "news@desk.example.org\n <list@example.org>") &&
	       same(s.v[0].sender, "list@example.org"),
	   "a copy pasted after a notice: its Message-ID and From (folded); the sender in <>");
	parse(dsn_message, &s);
	ok(s.n >= 1 && s.v[0].message_id[0] == '\0' && same(s.v[0].sender, "sender@example.org"),
	   "a returned header part without a Message-ID: none made up");

	/* a notice followed by a megabyte of fields that are no message's */
	msg = malloc(len);
	if (!msg)
		exit(99);
	memcpy(msg, pasted, sizeof pasted - 1);
	for (i = sizeof pasted - 1; i + 8 <= len; i += 8)
		memcpy(msg + i, (i / 8) % 1000 ? "X-A: bb\n" : "\n\n\n\n\n\n\n\n", 8);
	for (; i < len; i++)
		msg[i] = '\n';
	ok(parse_n(msg, len, &s) >= 1, "a megabyte of header-like lines after a notice: a defined answer");
	free(msg);
}

static void test_feedback(void)
{
	struct seen s;
	static const char msg[] =
		"From: fbl@example.net\n"
		"Subject: FW: hello\n"
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"F\"\n"
		"\n"
		"--F\n"
		"Content-Type: text/plain\n"
		"\n"
		"This is an abuse report.\n"
		"--F\n"
		"Content-Type: message/feedback-report\n"
		"\n"
		"Feedback-Type: abuse\n"
		"User-Agent: SomeFBL/1.0\n"
		"Version: 1\n"
		"Original-Rcpt-To: <kim@example.com>\n"
		"Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT\n"
		"\n"
		"--F\n"
		"Content-Type: message/rfc822\n"
		"\n"
		"From: sender@example.org\n"
		"To: kim@example.com\n"
		"\n"
		"spam\n"
		"--F--\n";
	static const char no_rcpt[] =
		"From: fbl@example.net\n"
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"F\"\n"
		"\n"
		"--F\n"
		"Content-Type: message/feedback-report\n"
		"\n"
		"Feedback-Type: opt-out\n"
		"\n"
		"--F\n"
		"Content-Type: text/rfc822-headers\n"
		"\n"
		"From: sender@example.org\n"
		"To: Lee <lee@example.com>\n"
		"--F--\n";
	int rc = parse(msg, &s);
	ok(rc == 1 && s.v[0].kind == REBOUND_KIND_FEEDBACK && same(s.v[0].feedback_type, "abuse") &&
	       same(s.v[0].recipient, "kim@example.com"),
	   "ARF report: kind feedback, Feedback-Type, Original-Rcpt-To");
	rc = parse(no_rcpt, &s);
	ok(rc == 1 && s.v[0].kind == REBOUND_KIND_FEEDBACK && same(s.v[0].feedback_type, "opt-out") &&
	       same(s.v[0].recipient, "lee@example.com"),
	   "ARF report without Original-Rcpt-To: recipient from the returned headers");
}

static void test_autoreply(void)
{
	struct seen s;
	static const char *const msgs[] = {
		"From: Nia <nia@example.com>\nSubject: Re: hello\nAuto-Submitted: auto-replied\n\nI am away.\n",
		"From: nia@example.com\nSubject: hello\nX-Autoreply: yes\n\nI am away.\n",
		"From: nia@example.com\nSubject: hello\nX-Autorespond: yes\n\nI am away.\n",
		"From: nia@example.com\nSubject: hello\nPrecedence: auto_reply\n\nI am away.\n",
		"From: nia@example.com\nSubject: hello\nX-Apple-Action: VACATION\n\nI am away.\n",
		"From: nia@example.com\nSubject: Out of Office: hello\n\nI am away.\n",
		"From: nia@example.com\nSubject: Automatic reply: hello\n\nI am away.\n",
		"From: nia@example.com\nSubject: Abwesenheitsnotiz: hello\n\nIch bin weg.\n",
		"From: nia@example.com\nSubject: =?UTF-8?Q?R=C3=A9ponse_automatique?= : hello\n\nabsente\n",
		"From: nia@example.com\nSubject: Auto: hello\n\naway\n",
		"From: nia@example.com\nSubject: [Auto-Reply] hello\n\naway\n",
		"From: nia@example.com\nSubject: =?ISO-8859-1?Q?Respuesta_autom=E1tica?=\n\nfuera\n",
		"From: nia@example.com\nSubject: =?UTF-8?Q?Respuesta_autom=C3=A1tica?=\n\nfuera\n",
	};
	unsigned i, good = 0, n = sizeof msgs / sizeof msgs[0];
	for (i = 0; i < n; i++) {
		int rc = parse(msgs[i], &s);
		if (rc == 1 && s.v[0].kind == REBOUND_KIND_AUTOREPLY && same(s.v[0].recipient, "nia@example.com"))
			good++;
		else
			printf("# auto-reply %u not recognised\n", i);
	}
	ok(good == n, "auto-replies by header field and by subject in several languages");
	parse("From: nia@example.com\nSubject: hello\nAuto-Submitted: no\n\nhi\n", &s);
	ok(s.n == 1 && s.v[0].kind == REBOUND_KIND_NOT_BOUNCE, "Auto-Submitted: no is not an auto-reply");
}

static void test_not_bounce(void)
{
	struct seen s;
	int rc = parse("From: a@example.com\nTo: b@example.com\nSubject: lunch?\n\nAt noon.\n", &s);
	ok(rc == 1 && s.v[0].kind == REBOUND_KIND_NOT_BOUNCE && s.v[0].recipient[0] == '\0' &&
	       same(s.v[0].subject, "lunch?"),
	   "an ordinary message: one not-bounce record");
	rc = parse_n("", 0, &s);
	ok(rc == 1 && s.v[0].kind == REBOUND_KIND_NOT_BOUNCE, "an empty message");
}

static void test_mbox(void)
{
	static const char box[] =
		"From MAILER-DAEMON Thu Apr 29 23:34:45 2015\n"
		"From: a@example.com\n"
		"Subject: one\n"
		"\n"
		"body\n"
		"From here on it is still body.\n"
		"\n"
		"From MAILER-DAEMON Thu Apr 29 23:34:46 2015\n"
		"From: b@example.com\n"
		"Subject: two\n"
		"\n"
		"body two\n";
	struct rebound_span m[4];
	size_t pos = 0;
	unsigned n = 0;
	struct seen s;
	while (n < 4 && rebound_mbox_next(box, strlen(box), &pos, &m[n]))
		n++;
	ok(n == 2 && m[0].len > 5 && memcmp(m[0].ptr, "From: a", 7) == 0 &&
	       memcmp(m[1].ptr, "From: b", 7) == 0 && m[0].ptr[m[0].len - 1] == '\n' &&
	       m[0].ptr[m[0].len - 2] == '.',
	   "mbox: two messages, split only at From lines after an empty line");
	parse(box, &s);
	ok(s.n == 1 && same(s.v[0].subject, "one"), "rebound_parse skips a leading From line");
}

static void test_api(void)
{
	struct seen s;
	char small[64];
	struct rebound_query q;
	memset(&s, 0, sizeof s);
	ok(rebound_parse(dsn_message, strlen(dsn_message), NULL, small, sizeof small, on_record, &s) ==
	       REBOUND_ESCRATCH && s.calls == 0,
	   "too little scratch: REBOUND_ESCRATCH before any record");
	ok(rebound_parse(NULL, 5, NULL, small, sizeof small, on_record, &s) == REBOUND_EINVAL &&
	       rebound_parse("x", 1, NULL, NULL, 0, on_record, &s) == REBOUND_EINVAL &&
	       rebound_parse("x", 1, NULL, small, sizeof small, NULL, &s) == REBOUND_EINVAL,
	   "NULL arguments: REBOUND_EINVAL");
	memset(&q, 0, sizeof q);
	q.profile = "no-such-profile-here";
	parse("", &s);
	ok(rebound_parse("x", 1, &q, scratch, scratch_size, on_record, &s) == REBOUND_EPROFILE,
	   "unknown profile: REBOUND_EPROFILE");
	memset(&s, 0, sizeof s);
	s.stop_after = 1;
	ok(rebound_parse(dsn_message, strlen(dsn_message), NULL, scratch, scratch_size, on_record, &s) ==
	       1 && s.calls == 1,
	   "a callback returning non-zero stops the parse");
	ok(same(rebound_kind_name(REBOUND_KIND_AUTOREPLY), "autoreply"), "kind names");
}

static void test_other_sources(void)
{
	struct seen s;
	static const char html_only[] =
		"From: postmaster@example.net\n"
		"Subject: Undeliverable: hello\n"
		"Content-Type: text/html; charset=utf-8\n"
		"\n"
		"<html><body><p>Delivery has failed to these recipients or groups:</p>\n"
		"<p><a href=\"mailto:olga@example.com\">olga@example.com</a><br>The email address\n"
		"wasn&#39;t found at the destination domain.</p></body></html>\n";
	static const char json[] =
		"From: no-reply@sns.amazonaws.com\n"
		"Subject: AWS Notification Message\n"
		"\n"
		"{\"Type\":\"Notification\",\"Message\":\"{\\\"notificationType\\\":\\\"Bounce\\\","
		"\\\"bounce\\\":{\\\"bouncedRecipients\\\":[{\\\"emailAddress\\\":\\\"pat@example.com\\\","
		"\\\"action\\\":\\\"failed\\\",\\\"status\\\":\\\"5.1.1\\\",\\\"diagnosticCode\\\":"
		"\\\"smtp; 550 5.1.1 user unknown\\\"}]}}\"}\n";
	static const char forwarded[] =
		"From: someone@example.org\n"
		"Subject: Fwd: Returned mail\n"
		"\n"
		"Look at this:\n"
		"\n"
		"> ----- The following addresses had permanent fatal errors -----\n"
		"> <quinn@example.com>\n"
		">     (reason: 550 5.1.1 User unknown)\n"
		">\n"
		"> ----- Transcript of session follows -----\n"
		"> 550 5.1.1 <quinn@example.com>... User unknown\n";
	static const char chatter[] =
		"From: friend@example.org\n"
		"Subject: about yesterday\n"
		"\n"
		"Your parcel was not delivered to: the office, sadly.\n"
		"Unknown user: none of them.\n";
	int rc = parse(html_only, &s);
	ok(rc == 1 && same(s.v[0].recipient, "olga@example.com") && s.v[0].kind == REBOUND_KIND_NDR &&
	       strstr(s.v[0].diagnostic, "wasn't found") != NULL,
	   "a notice written only in HTML");
	rc = parse(json, &s);
	ok(rc == 1 && same(s.v[0].recipient, "pat@example.com") && same(s.v[0].status, "5.1.1") &&
	       same(s.v[0].diagnostic, "550 5.1.1 user unknown"),
	   "an Amazon SES notification inside an SNS envelope (escaped JSON)");
	rc = parse(forwarded, &s);
	ok(rc == 1 && same(s.v[0].recipient, "quinn@example.com") && same(s.v[0].result_status, "5.1.1"),
	   "a bounce forwarded inline with > quoting");
	rc = parse(chatter, &s);
	ok(rc == 1 && s.v[0].kind == REBOUND_KIND_NOT_BOUNCE,
	   "bounce wording in an ordinary message naming nobody is not a bounce");
}

/* What the message says beyond the text: the kind settles the class,
 * a delayed recipient with no cause given has expired, a transcript
 * gives the command a reply answered. */
static void test_message_context(void)
{
	struct seen s;
	static const char delayed[] =
		"From: MAILER-DAEMON@example.net\n"
		"Subject: Delivery Status Notification (Delay)\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=d\n"
		"\n"
		"--d\n"
		"Content-Type: message/delivery-status\n"
		"\n"
		"Reporting-MTA: dns; relay.example.net\n"
		"\n"
		"Final-Recipient: rfc822; rosa@example.com\n"
		"Action: delayed\n"
		"Status: 4.4.0\n"
		"\n"
		"Final-Recipient: rfc822; sam@example.com\n"
		"Action: delayed\n"
		"Status: 4.2.2\n"
		"Diagnostic-Code: smtp; 452 4.2.2 mailbox over quota\n"
		"\n"
		"--d--\n";
	static const char gave_up[] =
		"From: MAILER-DAEMON@example.net\n"
		"Subject: Undelivered Mail Returned to Sender\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=g\n"
		"\n"
		"--g\n"
		"Content-Type: message/delivery-status\n"
		"\n"
		"Reporting-MTA: dns; relay.example.net\n"
		"\n"
		"Final-Recipient: rfc822; ada@example.com\n"
		"Action: failed\n"
		"Status: 4.4.1\n"
		"Diagnostic-Code: X-Postfix; connect to mx.example.com[192.0.2.7]:25: Connection timed out\n"
		"\n"
		"Final-Recipient: rfc822; bob@example.com\n"
		"Action: expired\n"
		"Diagnostic-Code: smtp; Connection timed out while connecting\n"
		"\n"
		"Final-Recipient: rfc822; cy@example.com\n"
		"Action: failed\n"
		"Status: 5.4.1\n"
		"Diagnostic-Code: smtp; connect to mx.example.com[192.0.2.7]:25: Connection timed out\n"
		"\n"
		"Final-Recipient: rfc822; dee@example.com\n"
		"Action: failed\n"
		"Status: 4.4.6\n"
		"Diagnostic-Code: X-Postfix; mail forwarding loop for dee@example.com\n"
		"\n"
		"--g--\n";
	static const char transcript[] =
		"From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.net>\n"
		"Subject: Returned mail: see transcript for details\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=t\n"
		"\n"
		"--t\n"
		"Content-Type: text/plain\n"
		"\n"
		"   ----- The following addresses had permanent fatal errors -----\n"
		"<tom@example.com>\n"
		"    (reason: 550 Unknown user tom@example.com)\n"
		"\n"
		"   ----- Transcript of session follows -----\n"
		"... while talking to mx.example.com.:\n"
		">>> DATA\n"
		"<<< 550 Unknown user tom@example.com\n"
		"554 5.0.0 Service unavailable\n"
		"--t\n"
		"Content-Type: message/delivery-status\n"
		"\n"
		"Final-Recipient: rfc822; tom@example.com\n"
		"Action: failed\n"
		"Status: 5.2.0\n"
		"Diagnostic-Code: smtp; 550 Unknown user tom@example.com\n"
		"--t--\n";
	static const char failed_field[] =
		"From: Mail Delivery System <MAILER-DAEMON@example.net>\n"
		"Subject: Delivery Status Notification (Failure)\n"
		"X-Failed-Recipients: una@example.com\n"
		"\n"
		"Sorry, your note did not go through.\n"
		"\n"
		"----- Original message -----\n"
		"\n"
		"ARC-Authentication-Results: i=1; spf=fail smtp.mailfrom=x@example.org\n"
		"From: x@example.org\n";
	static const char json_twice[] =
		"From: no-reply@sns.amazonaws.com\n"
		"Subject: AWS Notification Message\n"
		"\n"
		"{\"notificationType\":\"Bounce\",\"bounce\":{\"bouncedRecipients\":["
		"{\"emailAddress\":\"vic@example.com\",\"status\":\"5.1.1\"},"
		"{\"emailAddress\":\"VIC@example.com\",\"status\":\"5.1.1\"},"
		"{\"emailAddress\":\"wes@example.com\",\"status\":\"5.1.1\"}]}}\n";
	int rc;

	rc = parse("From: nia@example.com\nSubject: Out of Office: hello\n\nBack on Monday.\n", &s);
	ok(rc == 1 && s.v[0].type == REBOUND_TYPE_AUTOREPLY && same(s.v[0].cls, "auto_reply") &&
	       same(s.v[0].rule_file, "runtime/message.c"),
	   "an auto-reply whose text says nothing: class auto_reply, decided by the parser");
	parse(dsn_message, &s);
	ok(s.n == 3 && s.v[2].kind == REBOUND_KIND_DELIVERED && s.v[2].type == REBOUND_TYPE_SUCCESS,
	   "a delivered recipient: type success");
	rc = parse(delayed, &s);
	ok(rc == 2 && same(s.v[0].cls, "expired") && same(s.v[0].rule, "message-delayed") &&
	       s.v[0].type == REBOUND_TYPE_SOFT,
	   "delayed with a status alone: expired, soft");
	ok(same(s.v[1].cls, "mailbox_full"), "delayed with a cause in the text: the text decides");
	rc = parse(gave_up, &s);
	ok(rc == 4 && same(s.v[0].cls, "expired") && same(s.v[0].rule, "message-delayed"),
	   "failed with a temporary status after a network error: the retries expired");
	ok(same(s.v[1].cls, "expired"), "Action: expired (a relay's own word): expired");
	ok(!same(s.v[2].cls, "expired"), "a network error with a permanent status is not an expiry");
	ok(!same(s.v[3].cls, "expired"), "a persisting cause (a mail loop) keeps its class");
	rc = parse(transcript, &s);
	ok(rc == 1 && same(s.v[0].recipient, "tom@example.com") &&
	       same(s.v[0].diagnostic, ">>> DATA <<< 550 Unknown user tom@example.com"),
	   "a Sendmail transcript: the command the reply answered goes into the diagnostic");
	rc = parse(failed_field, &s);
	ok(rc == 1 && same(s.v[0].recipient, "una@example.com") &&
	       strstr(s.v[0].diagnostic, "did not go through") && !strstr(s.v[0].diagnostic, "spf"),
	   "X-Failed-Recipients: the diagnostic stops before the returned message");
	rc = parse(json_twice, &s);
	ok(rc == 2 && same(s.v[0].recipient, "vic@example.com") && same(s.v[1].recipient, "wes@example.com"),
	   "a recipient named twice (in any case) is reported once");
}

/* ---- hostile input ------------------------------------------------ */

static void test_truncated(void)
{
	struct seen s;
	size_t cut = strstr(dsn_message, "Action: delayed") - dsn_message;
	int rc = parse_n(dsn_message, cut, &s);
	ok(rc >= 1 && same(s.v[0].recipient, "alice@example.com") &&
	       (s.all_flags & REBOUND_RECORD_MALFORMED),
	   "truncated MIME: what was read is reported, flagged malformed");
	rc = parse("Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\n"
	           "--x\nContent-Type: multipart/mixed; boundary=y\n\n--y\n\nnever closed\n", &s);
	ok(rc == 1 && (s.all_flags & REBOUND_RECORD_MALFORMED), "a boundary that never closes");
}

static void test_many_recipients(void)
{
	const unsigned n = 10000;
	size_t cap = 200 + (size_t)n * 96, len;
	char *msg = malloc(cap);
	struct seen s;
	unsigned i;
	int rc;
	double t0;
	if (!msg)
		exit(99);
	len = (size_t)snprintf(msg, cap,
	                       "From: MAILER-DAEMON@example.net\n"
	                       "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
	                       "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(msg + len, cap - len,
		                        "Final-Recipient: rfc822; user%u@example.com\nAction: failed\n"
		                        "Status: 5.1.1\n\n",
		                        i);
	len += (size_t)snprintf(msg + len, cap - len, "--b--\n");
	parse_n("", 0, &s); /* scratch for this size outside the timing */
	t0 = seconds();
	rc = parse_n(msg, len, &s);
	ok(rc == REBOUND_MAX_RECIPIENTS && (s.all_flags & REBOUND_RECORD_RECIPIENTS_CUT),
	   "10,000 recipients: REBOUND_MAX_RECIPIENTS records, flagged");
	ok(fast_enough(t0, len, "10,000 recipients"), "10,000 recipients: about linear time");
	/* the same as a plain-text notice */
	len = (size_t)snprintf(msg, cap, "From: MAILER-DAEMON@example.net\n\n"
	                                 "This is the mail system at host example.net.\n\n");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(msg + len, cap - len, "<user%u@example.com>: unknown user\n", i);
	t0 = seconds();
	rc = parse_n(msg, len, &s);
	ok(rc == REBOUND_MAX_RECIPIENTS && (s.all_flags & REBOUND_RECORD_RECIPIENTS_CUT) &&
	       fast_enough(t0, len, "10,000 recipients in a notice"),
	   "10,000 recipients in a notice: capped, flagged, about linear time");
	free(msg);
}

static void test_deep_nesting(void)
{
	const unsigned levels = 100;
	size_t cap = 200000, len = 0;
	char *msg = malloc(cap);
	struct seen s;
	unsigned i;
	int rc;
	if (!msg)
		exit(99);
	len += (size_t)snprintf(msg + len, cap - len, "From: x@example.com\n");
	for (i = 0; i < levels; i++)
		len += (size_t)snprintf(msg + len, cap - len,
		                        "Content-Type: multipart/mixed; boundary=\"b%u\"\n\n--b%u\n", i, i);
	len += (size_t)snprintf(msg + len, cap - len, "Content-Type: text/plain\n\nhello\n");
	for (i = levels; i-- > 0;)
		len += (size_t)snprintf(msg + len, cap - len, "--b%u--\n", i);
	rc = parse_n(msg, len, &s);
	ok(rc == 1 && (s.all_flags & REBOUND_RECORD_MIME_LIMIT), "100 nested multiparts: limit flagged");

	len = (size_t)snprintf(msg, cap, "From: x@example.com\n");
	for (i = 0; i < levels; i++)
		len += (size_t)snprintf(msg + len, cap - len,
		                        "Content-Type: message/rfc822\n\nFrom: y%u@example.com\n", i);
	len += (size_t)snprintf(msg + len, cap - len, "\nhello\n");
	rc = parse_n(msg, len, &s);
	ok(rc == 1 && (s.all_flags & REBOUND_RECORD_MIME_LIMIT), "100 nested message/rfc822: limit flagged");

	/* many parts side by side */
	len = (size_t)snprintf(msg, cap, "Content-Type: multipart/mixed; boundary=p\n\n");
	for (i = 0; i < 1000; i++)
		len += (size_t)snprintf(msg + len, cap - len, "--p\nContent-Type: text/plain\n\n%u\n", i);
	len += (size_t)snprintf(msg + len, cap - len, "--p--\n");
	rc = parse_n(msg, len, &s);
	ok(rc == 1 && (s.all_flags & REBOUND_RECORD_MIME_LIMIT), "1,000 parts: limit flagged");
	free(msg);
}

/* A message of about SIZE bytes: a DSN and a large base64 attachment. */
static char *big_message(size_t size, size_t *len)
{
	char *msg = malloc(size + 4096);
	size_t n;
	if (!msg)
		exit(99);
	n = (size_t)sprintf(msg, "From: MAILER-DAEMON@example.net\n"
	                         "Content-Type: multipart/report; report-type=delivery-status; boundary=z\n\n"
	                         "--z\nContent-Type: message/delivery-status\n\n"
	                         "Final-Recipient: rfc822; big@example.com\nAction: failed\nStatus: 5.3.4\n\n"
	                         "--z\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n");
	while (n + 80 < size) {
		memcpy(msg + n, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\n", 77);
		n += 77;
	}
	n += (size_t)sprintf(msg + n, "--z\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
	                              "SGVsbG8=\n--z--\n");
	*len = n;
	return msg;
}

static void test_big(void)
{
	size_t len, len10;
	char *msg = big_message((size_t)50 << 20, &len), *msg10 = big_message((size_t)10 << 20, &len10);
	struct seen s;
	double t0, t50, t10;
	int rc = parse_n(msg, len, &s); /* also allocates the scratch */
	ok(rc == 1 && same(s.v[0].recipient, "big@example.com") &&
	       !(s.all_flags & REBOUND_RECORD_MALFORMED),
	   "a 50 MB message, its base64 text decoded in REBOUND_PARSE_SCRATCH(len) bytes");
	t0 = seconds();
	parse_n(msg10, len10, &s);
	t10 = seconds() - t0;
	t0 = seconds();
	parse_n(msg, len, &s);
	t50 = seconds() - t0;
	printf("# 10 MB: %.3fs, 50 MB: %.3fs\n", t10, t50);
	/* five times the size: linear is 5 times the time, quadratic 25 */
	ok(t50 <= 10.0 * t10, "time grows about linearly with size");
	free(msg);
	free(msg10);
}

static unsigned long long rng_state = 88172645463325252ull;
static unsigned char rng_byte(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned char)(rng_state >> 24);
}

static void test_garbage(void)
{
	size_t len = 1 << 20, i;
	char *msg = malloc(len);
	struct seen s;
	int rc, all_defined = 1;
	unsigned round;
	const char *alphabet = "-:@<>\n\r \t=?;\"abcXYZ0125.";
	if (!msg)
		exit(99);
	for (i = 0; i < len; i++)
		msg[i] = (char)rng_byte();
	rc = parse_n(msg, len, &s);
	ok(rc >= 1, "1 MB of binary noise: a defined answer");
	/* noise made of the characters the parser cares about */
	for (round = 0; round < 20; round++) {
		size_t n = 1000 + (size_t)rng_byte() * 200;
		for (i = 0; i < n; i++)
			msg[i] = alphabet[rng_byte() % strlen(alphabet)];
		if (round % 2)
			memcpy(msg, "Content-Type: multipart/report; boundary=--\n\n", 46);
		rc = parse_n(msg, n, &s);
		all_defined &= rc >= 1;
	}
	ok(all_defined, "structured noise: defined answers");
	/* a single endless header line, and headers without a body */
	memset(msg, 'a', len);
	memcpy(msg, "Subject: ", 9);
	rc = parse_n(msg, len, &s);
	ok(rc == 1 && s.v[0].kind == REBOUND_KIND_NOT_BOUNCE, "a 1 MB header line without a line end");
	rc = parse("From: x@example.com\nSubject: \xff\xfe\xc3\x28 bad utf-8\n", &s);
	ok(rc == 1 && same(s.v[0].subject, "\xff\xfe\xc3\x28 bad utf-8"),
	   "invalid UTF-8 passed through as bytes");
	free(msg);
}

static void test_repetition(void)
{
	size_t cap = (size_t)8 << 20, len, i;
	char *msg = malloc(cap);
	struct seen s;
	double t0;
	int rc;
	if (!msg)
		exit(99);
	/* a subject made of encoded-word openings that never close */
	len = (size_t)snprintf(msg, cap, "Subject: ");
	while (len + 8 < cap - 64) {
		memcpy(msg + len, "=?a?q?x", 7);
		len += 7;
	}
	len += (size_t)snprintf(msg + len, cap - len, "\nFrom: a@example.com\n\nhi\n");
	t0 = seconds();
	rc = parse_n(msg, len, &s);
	ok(rc == 1 && fast_enough(t0, len, "unfinished encoded words"),
	   "8 MB of unfinished encoded words: linear time");
	/* the same few recipients over and over */
	len = (size_t)snprintf(msg, cap, "Content-Type: message/delivery-status\n\n");
	for (i = 0; len + 80 < cap; i++)
		len += (size_t)snprintf(msg + len, cap - len,
		                        "Final-Recipient: rfc822; u%u@example.com\nAction: failed\n\n",
		                        (unsigned)(i % 1000));
	t0 = seconds();
	rc = parse_n(msg, len, &s);
	ok(rc == 1000 && fast_enough(t0, len, "repeated recipients"),
	   "8 MB of repeated recipients: linear time");
	free(msg);
}

static void test_long_diagnostic(void)
{
	size_t cap = 200000, len, i;
	char *msg = malloc(cap);
	struct seen s;
	if (!msg)
		exit(99);
	len = (size_t)snprintf(msg, cap, "Content-Type: message/delivery-status\n\n"
	                                 "Final-Recipient: rfc822; long@example.com\nStatus: 5.0.0\n"
	                                 "Diagnostic-Code: smtp; 550");
	for (i = 0; i < 2500; i++)
		len += (size_t)snprintf(msg + len, cap - len, "\n  word word word word word word word word");
	len += (size_t)snprintf(msg + len, cap - len, "\n");
	parse_n(msg, len, &s);
	ok(s.n == 1 && s.v[0].diagnostic_len == REBOUND_MAX_DIAGNOSTIC &&
	       (s.v[0].flags & REBOUND_RECORD_TRUNCATED),
	   "a diagnostic longer than REBOUND_MAX_DIAGNOSTIC is cut and flagged");
	free(msg);
}

/* A relay's summary code with the remote server's reply quoted inside:
 * the quoted codes are what the remote said, unless the summary is
 * specific itself. */
static const char wrapped_message[] =
	"From: MAILER-DAEMON@relay.example.net\n"
	"Subject: Delivery Status Notification (Failure)\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"W\"\n"
	"\n"
	"--W\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; relay.example.net\n"
	"\n"
	"Final-Recipient: rfc822; dora@example.com\n"
	"Action: failed\n"
	"Status: 5.0.0\n"
	"Diagnostic-Code: smtp; 5.1.0 - Unknown address error 550-'5.2.2 <dora@example.com>...\n"
	"    quota exceeded' (delivery attempts: 0)\n"
	"\n"
	"Final-Recipient: rfc822; eli@example.com\n"
	"Action: failed\n"
	"Status: 5.0.0\n"
	"Diagnostic-Code: smtp; 5.3.0 - Other mail system problem 550-'no such user here'\n"
	"\n"
	"Final-Recipient: rfc822; fay@example.com\n"
	"Action: failed\n"
	"Status: 4.4.7\n"
	"Diagnostic-Code: smtp; 554 4.4.7 Gave up after 600 minutes.<451 4.3.0 try later>\n"
	"\n"
	"Final-Recipient: rfc822; gus@example.com\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"Diagnostic-Code: smtp; 550 5.1.1 no such user (earlier try: <451 4.3.0 busy>)\n"
	"\n"
	"--W--\n";

static void test_wrapped_reply(void)
{
	struct seen s;
	int rc = parse(wrapped_message, &s);
	ok(rc == 4 && same(s.v[0].result_status, "5.2.2") && s.v[0].reply == 550 &&
	       same(s.v[1].result_status, "5.3.0") && s.v[1].reply == 550,
	   "wrapped reply: the quoted reply code and status replace a generic summary");
	ok(same(s.v[2].result_status, "4.3.0") && s.v[2].reply == 451 &&
	       same(s.v[3].result_status, "5.1.1") && s.v[3].reply == 550,
	   "wrapped reply: an expiry summary gives way, a specific one stays");
}

/* Subjects are unfolded: line ends go, runs of blanks become one space.
 * Most are copied whole after a check sixteen bytes at a time; the
 * cases here put what that check must catch on either side of its
 * sixteen-byte steps. */
static void test_subject_blanks(void)
{
	static const struct {
		const char *value, *want;
	} cases[] = {
		{"0123456789abcdef0123", "0123456789abcdef0123"},
		/* a double blank across a step, and just after one */
		{"0123456789abcde  f0123456789abcdef", "0123456789abcde f0123456789abcdef"},
		{"0123456789abcdef  0123456789abcdef", "0123456789abcdef 0123456789abcdef"},
		{"0123456789abcde  f0123", "0123456789abcde f0123"},
		{"0123456789abcd  ef0123456789", "0123456789abcd ef0123456789"},
		{"0123456789abcdef0123456789ab\tcd", "0123456789abcdef0123456789ab cd"},
		{"0123456789 abcdef\n 0123456789", "0123456789 abcdef 0123456789"}, /* a fold */
		{"0123456789abcdef0123456789abcd  x", "0123456789abcdef0123456789abcd x"},
		{"a b c d e f g h i j k l m n o p q r", "a b c d e f g h i j k l m n o p q r"},
	};
	size_t k, good = 0;
	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		char msg[512];
		struct seen s;
		snprintf(msg, sizeof msg, "From: someone@example.org\nSubject: %s\n\nhello\n",
		         cases[k].value);
		if (parse(msg, &s) >= 1 && same(s.v[0].subject, cases[k].want))
			good++;
		else
			printf("# subject %zu: got \"%s\"\n", k, s.n ? s.v[0].subject : "");
	}
	ok(good == sizeof cases / sizeof cases[0],
	   "subjects unfolded the same wherever blanks and line ends fall");
}

/* A copy of phrase P as a server might write it: capitals, and a digit
 * for each '#'; without a leading '^'. */
static void phrase_as_written(const char *p, char *out, size_t cap)
{
	size_t i = 0;
	if (*p == '^')
		p++;
	for (; *p && i + 1 < cap; p++)
		out[i++] = *p == '#' ? '7' : (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : *p;
	out[i] = '\0';
}

/* Every phrase of the format table, found by the scan that uses the
 * constant index (which jumps along the line by its shift tables) as
 * by the search phrase by phrase: the same format opened, the same
 * place where the returned message starts. */
static void test_ndr_phrases(void)
{
	const struct rbp_ndr_table *tab = &rbp_ndr_table;
	static struct rbp_rcpt rv[8];
	unsigned k, opens = 0, opens_same = 0, closes = 0, closes_same = 0;
	for (k = 0; k <= tab->nformats; k++) {
		const char *const *list = k < tab->nformats ? tab->formats[k].opens : NULL;
		for (; list && *list; list++) {
			char text[600], w[256];
			struct rbp_ndr_scan a, b;
			struct rbp_rcpts ta = {rv, 0, 8, 0, 0}, tb = {rv, 0, 8, 0, 0};
			phrase_as_written(*list, w, sizeof w);
			snprintf(text, sizeof text, "Some words first.\n%s%s and more\nuser@example.org\n",
			         (*list)[0] == '^' ? "  " : "Note: ", w);
			memset(&a, 0, sizeof a);
			memset(&b, 0, sizeof b);
			a.index = &rbp_ndr_phrase_index;
			a.budget = b.budget = sizeof text;
			a.generic = b.generic = 1;
			rbp_ndr_read(rbp_mkspan(text, strlen(text)), &a, &ta);
			rbp_ndr_read(rbp_mkspan(text, strlen(text)), &b, &tb);
			opens++;
			opens_same += a.format && a.format == b.format;
		}
	}
	for (k = 0; k <= tab->nformats; k++) {
		const char *const *list = k < tab->nformats ? tab->formats[k].closes : tab->closes;
		for (; list && *list; list++) {
			char text[600], w[256];
			rbp_span x, y, t;
			phrase_as_written(*list, w, sizeof w);
			snprintf(text, sizeof text, "The notice.\n%s%s below\nReceived: from x\n",
			         (*list)[0] == '^' ? "  " : "-- ", w);
			t = rbp_mkspan(text, strlen(text));
			if (k < tab->nformats)
				continue; /* a format's own closes need its section: below */
			x = rbp_ndr_before_returned(t, &rbp_ndr_phrase_index);
			y = rbp_ndr_before_returned(t, NULL);
			closes++;
			closes_same += x.len == y.len && x.len < t.len;
		}
	}
	ok(opens && opens_same == opens, "every opening phrase: the indexed scan finds its format");
	ok(closes && closes_same == closes,
	   "every common closing phrase: the indexed scan ends the notice where the search does");
}

/* ---- the constant phrase index ------------------------------------- */

/* How the phrases fold: ASCII letters to lower case, digits to '#'. */
static unsigned char ndr_fold(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c - 'A' + 'a');
	return c >= '0' && c <= '9' ? '#' : c;
}

/* Add the phrases of LIST to X; 0 when they do not fit. */
static int ndr_index_add(struct rbp_ndr_index *x, const char *const *list, unsigned role,
                         unsigned tag)
{
	unsigned pos;
	if (!list)
		return 1;
	for (pos = 0; list[pos]; pos++) {
		const unsigned char *q = (const unsigned char *)list[pos];
		unsigned char *slot = x->head, c0, c1, c2;
		unsigned e = x->n++;
		uint32_t sig;
		if (q[0] == '^') {
			q++;
			slot = x->anchored;
		}
		if (e >= RBP_NDR_INDEX_MAX || pos > 255)
			return 0;
		x->role[e] = (unsigned char)role;
		x->tag[e] = (unsigned char)tag;
		x->pos[e] = (unsigned char)pos;
		c0 = q[0];
		c1 = c0 ? q[1] : 0;
		c2 = c1 ? q[2] : 0;
		if (!c2) {
			if (x->nshorts >= RBP_NDR_INDEX_SHORT)
				return 0;
			x->shorts[x->nshorts++] = (unsigned char)e;
			continue;
		}
		sig = RBP_NDR_SIG(ndr_fold(c0), ndr_fold(c1), ndr_fold(c2));
		x->sig[e] = sig;
		/* bytes that fold to themselves (no digit, '#' or capital) match
		   only what they say, so a match of the signature proves them */
		x->skip[e] = (unsigned char)(sig == RBP_NDR_SIG(c0, c1, c2) && c0 != '#' && c1 != '#' &&
		                                     c2 != '#'
		                                 ? 3
		                                 : 0);
		if (strlen((const char *)q) - x->skip[e] > 255)
			return 0;
		x->len[e] = (unsigned char)(strlen((const char *)q) - x->skip[e]);
		{
			size_t k, len = strlen((const char *)q);
			for (k = 3; k < 11 && k < len; k++)
				if (q[k] != '#') {
					x->word[e] |= (uint64_t)(q[k] | 0x20) << (8 * (k - 3));
					x->wmask[e] |= (uint64_t)0xff << (8 * (k - 3));
				}
		}
		x->next[e] = slot[RBP_NDR_BUCKET(sig)];
		slot[RBP_NDR_BUCKET(sig)] = (unsigned char)(e + 1);
	}
	return 1;
}

/* The text of indexed phrase E. */
static const char *ndr_index_pat(const struct rbp_ndr_index *x, unsigned e)
{
	const struct rbp_ndr_table *tab = &rbp_ndr_table;
	if (x->role[e] == RBP_NDR_ROLE_CCLOSE)
		return tab->closes[x->pos[e]];
	if (x->role[e] == RBP_NDR_ROLE_FCLOSE)
		return tab->formats[x->tag[e]].closes[x->pos[e]];
	return tab->formats[x->tag[e]].opens[x->pos[e]];
}

/* The jumps of phrase set SET (those of ROLES that may stand anywhere
 * in a line): the window is the shortest such phrase, and a block of
 * three bytes that ends a window J bytes before the end of a phrase's
 * first window-full allows a jump of at most J. */
static int ndr_index_shifts(struct rbp_ndr_index *x, unsigned set, unsigned roles)
{
	size_t m = 0, len, j;
	unsigned e;
	for (e = 0; e < x->n; e++) {
		const char *p = ndr_index_pat(x, e);
		len = strlen(p);
		if ((x->role[e] & roles) && p[0] != '^' && len >= 3 && (m == 0 || len < m))
			m = len;
	}
	if (m > 255)
		m = 255;
	x->window[set] = (unsigned char)m;
	if (m < 3)
		return 1;
	memset(x->shift[set], (int)(m - 2), sizeof x->shift[set]);
	for (e = 0; e < x->n; e++) {
		const unsigned char *p = (const unsigned char *)ndr_index_pat(x, e);
		if (!(x->role[e] & roles) || p[0] == '^' || strlen((const char *)p) < 3)
			continue;
		for (j = 0; j + 3 <= m; j++) {
			/* every text the three bytes match: a '#' stands for any digit */
			unsigned v;
			for (v = 0; v < 1000; v++) {
				unsigned digit[3], k, skip = 0, hashes = 0;
				unsigned char c[3], *d;
				digit[0] = v % 10;
				digit[1] = v / 10 % 10;
				digit[2] = v / 100;
				for (k = 0; k < 3; k++) {
					c[k] = p[j + k];
					if (c[k] == '#') {
						c[k] = (unsigned char)('0' + digit[k]);
						hashes = 1;
					} else if (digit[k])
						skip = 1; /* V varies a byte that is no '#': seen already */
				}
				if (skip)
					continue;
				d = &x->shift[set][RBP_NDR_SHIFT_BUCKET(RBP_NDR_KEY(c[0], c[1], c[2]))];
				if (*d > m - 3 - j)
					*d = (unsigned char)(m - 3 - j);
				if (!hashes)
					break; /* no '#': one text only */
			}
		}
	}
	return 1;
}

/* The index of the format table, built as the scanner expects it. */
static void ndr_index_build(struct rbp_ndr_index *x)
{
	const struct rbp_ndr_table *tab = &rbp_ndr_table;
	unsigned k;
	memset(x, 0, sizeof *x);
	x->ok = tab->nformats <= 256; /* a format's place must fit its tag */
	for (k = 0; k < tab->nformats && x->ok; k++) {
		const struct rbp_ndr_format *f = &tab->formats[k];
		unsigned role = (f->flags & RBP_NDR_GENERIC) ? RBP_NDR_ROLE_GOPEN : RBP_NDR_ROLE_OPEN;
		x->ok = ndr_index_add(x, f->opens, role, k) &&
		        ndr_index_add(x, f->closes, RBP_NDR_ROLE_FCLOSE, k);
	}
	x->ok = x->ok && ndr_index_add(x, tab->closes, RBP_NDR_ROLE_CCLOSE, 0);
	x->ok = x->ok && ndr_index_shifts(x, 0, RBP_NDR_ROLE_OPEN | RBP_NDR_ROLE_GOPEN) &&
	        ndr_index_shifts(x, 1, RBP_NDR_ROLE_CCLOSE | RBP_NDR_ROLE_FCLOSE);
}

static void print_bytes(const char *what, const unsigned char *v, size_t n)
{
	size_t i;
	printf("\t{ /* %s */", what);
	for (i = 0; i < n; i++)
		printf("%s%u,", i % 20 ? " " : "\n\t\t", v[i]);
	printf("\n\t},\n");
}

static void print_words(const char *what, const uint64_t *v, size_t n)
{
	size_t i;
	printf("\t{ /* %s */", what);
	for (i = 0; i < n; i++)
		printf("%s0x%016llxu,", i % 4 ? " " : "\n\t\t", (unsigned long long)v[i]);
	printf("\n\t},\n");
}

/* Print X as the initializer of rbp_ndr_phrase_index (ndr_formats.c). */
static void ndr_index_print(const struct rbp_ndr_index *x)
{
	size_t i;
	printf("RB_OBJECT const struct rbp_ndr_index rbp_ndr_phrase_index = {\n");
	print_bytes("head", x->head, RBP_NDR_HASH);
	print_bytes("anchored", x->anchored, RBP_NDR_HASH);
	print_bytes("next", x->next, RBP_NDR_INDEX_MAX);
	print_bytes("role", x->role, RBP_NDR_INDEX_MAX);
	print_bytes("tag", x->tag, RBP_NDR_INDEX_MAX);
	print_bytes("pos", x->pos, RBP_NDR_INDEX_MAX);
	print_bytes("skip", x->skip, RBP_NDR_INDEX_MAX);
	print_bytes("len", x->len, RBP_NDR_INDEX_MAX);
	printf("\t{ /* sig */");
	for (i = 0; i < RBP_NDR_INDEX_MAX; i++)
		printf("%s0x%06lxu,", i % 8 ? " " : "\n\t\t", (unsigned long)x->sig[i]);
	printf("\n\t},\n");
	print_words("word", x->word, RBP_NDR_INDEX_MAX);
	print_words("wmask", x->wmask, RBP_NDR_INDEX_MAX);
	print_bytes("shorts", x->shorts, RBP_NDR_INDEX_SHORT);
	printf("\t{%u, %u},\n\t{\n", x->window[0], x->window[1]);
	print_bytes("shift of the opening phrases", x->shift[0], RBP_NDR_SHIFT_HASH);
	print_bytes("shift of the closing phrases", x->shift[1], RBP_NDR_SHIFT_HASH);
	printf("\t},\n");
	printf("\t%u, %u, %d\n};\n", x->n, x->nshorts, x->ok);
}

#define SAME_ARRAY(a, b, f) (memcmp((a)->f, (b)->f, sizeof (a)->f) == 0)

static void test_ndr_index(void)
{
	static struct rbp_ndr_index x;
	const struct rbp_ndr_index *c = &rbp_ndr_phrase_index;
	int same_index;
	ndr_index_build(&x);
	same_index = x.ok && SAME_ARRAY(&x, c, head) && SAME_ARRAY(&x, c, anchored) &&
	             SAME_ARRAY(&x, c, next) && SAME_ARRAY(&x, c, role) && SAME_ARRAY(&x, c, tag) &&
	             SAME_ARRAY(&x, c, pos) && SAME_ARRAY(&x, c, skip) && SAME_ARRAY(&x, c, len) &&
	             SAME_ARRAY(&x, c, sig) && SAME_ARRAY(&x, c, word) && SAME_ARRAY(&x, c, wmask) &&
	             SAME_ARRAY(&x, c, shorts) && SAME_ARRAY(&x, c, window) &&
	             SAME_ARRAY(&x, c, shift) && x.n == c->n && x.nshorts == c->nshorts &&
	             x.ok == c->ok;
	if (!same_index)
		printf("# the phrase index in runtime/ndr_formats.c does not match the format table;\n"
		       "# replace it with the output of 'tests/t-message --ndr-index'\n");
	ok(same_index, "the constant phrase index is the one the format table gives");
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--ndr-index") == 0) {
		static struct rbp_ndr_index x;
		ndr_index_build(&x);
		ndr_index_print(&x);
		return !x.ok;
	}
	printf("1..74\n");
	test_dsn();             /* 8 */
	test_line_ends();       /* 2 */
	test_lines_iterator();  /* 1 */
	test_encodings();       /* 2 */
	test_pasted_dsn();      /* 1 */
	test_postfix_ndr();     /* 2 */
	test_exim_ndr();        /* 2 */
	test_returned();        /* 5 */
	test_feedback();        /* 2 */
	test_autoreply();       /* 2 */
	test_not_bounce();      /* 2 */
	test_mbox();            /* 2 */
	test_api();             /* 5 */
	test_other_sources();   /* 4 */
	test_message_context(); /* 7 */
	test_truncated();       /* 2 */
	test_many_recipients(); /* 3 */
	test_deep_nesting();    /* 3 */
	test_big();             /* 2 */
	test_garbage();         /* 4 */
	test_repetition();      /* 2 */
	test_long_diagnostic(); /* 1 */
	test_wrapped_reply();   /* 2 */
	test_ndr_index();       /* 1 */
	test_subject_blanks();  /* 1 */
	test_ndr_phrases();     /* 2 */
	free(scratch);
	if (test_number != 74)
		printf("# planned 74 tests, ran %d\n", test_number);
	return failures || test_number != 74;
}
