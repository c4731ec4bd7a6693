/*
 * maillog_smtpd.c - OpenSMTPD's log (smtpd(8), OpenBSD and portable).
 *
 * Each attempt on an envelope is one line of the mta (remote) or mda
 * (local) process:
 *   SESSION mta delivery evpid=ID from=<S> to=<D> rcpt=<R|-> source="IP"
 *       relay="IP (NAME)" delay=1m2s result="Ok|TempFail|PermFail" stat="TEXT"
 *   SESSION mda delivery evpid=ID from=<S> to=<D> [rcpt=<R> ]user=U
 *       delay=D result=Ok|TempFail|PermFail stat=TEXT
 * (6.0 wrote "mta event=delivery evpid=..." with the same fields), and
 * the queue writes the envelopes it gives up on:
 *   relay: Expire for ID: from=<S>, to=<D>, rcpt=<R|->, delay=D, stat=Envelope expired
 * which is also the shape of every attempt's line in older releases (the
 * mta.c of 2012):
 *   relay: TempFail for ID: from=<S>, to=<D>, relay=HOST [IP] delay=D, stat=TEXT
 * The smtp side's "failed-command" lines are refusals of incoming mail,
 * not deliveries, and are left to fall through like Postfix's NOQUEUE.
 */
#include <string.h>
#include "maillog_smtpd.h"

/* The value of " NAME" (with its '='): <...>, "..." or a word. */
static struct span smtpd_field(const char *p, const char *end, const char *name)
{
	const char *at = mlog_find(p, end, name), *v, *q;
	if (!at)
		return mlog_span(NULL, 0);
	v = at + strlen(name);
	if (v < end && (*v == '<' || *v == '"')) {
		char close = *v == '<' ? '>' : '"';
		q = memchr(v + 1, close, (size_t)(end - v - 1));
		return q ? mlog_span(v + 1, (size_t)(q - v - 1)) : mlog_span(NULL, 0);
	}
	for (q = v; q < end && *q != ' ' && *q != ','; q++)
		;
	return mlog_span(v, (size_t)(q - v));
}

static int smtpd_eq(struct span s, const char *w)
{
	return s.n == strlen(w) && memcmp(s.p, w, s.n) == 0;
}

/* "192.0.2.1 (mx.example.org)" names the host in brackets; a bare address
 * stands for itself. */
static struct span smtpd_relay(struct span r)
{
	const char *open = r.n ? memchr(r.p, '(', r.n) : NULL;
	const char *close = open ? memchr(open, ')', (size_t)(r.p + r.n - open)) : NULL;
	if (close && close > open + 1)
		return mlog_span(open + 1, (size_t)(close - open - 1));
	open = r.n ? memchr(r.p, ' ', r.n) : NULL;
	return open ? mlog_span(r.p, (size_t)(open - r.p)) : r;
}

/* The recipient as given, when it is not the final address (rcpt=<->). */
static struct span smtpd_original(struct span rcpt, struct span to)
{
	if (!rcpt.n || smtpd_eq(rcpt, "-") || (rcpt.n == to.n && !memcmp(rcpt.p, to.p, to.n)))
		return mlog_span(NULL, 0);
	return rcpt;
}

/* The word before AT: the session id that starts the message. */
static const char *smtpd_word_before(const char *line, const char *at)
{
	while (at > line && at[-1] != ' ')
		at--;
	return at;
}

/* "relay: WORD for ID: from=<S>, to=<D>, ..., stat=TEXT": the queue's
 * Expire and Remove lines, and every attempt in the releases before the
 * "mta delivery" lines (5.x, with "relay=HOST delay=D" among the fields). */
static int smtpd_queue_line(const char *line, const char *end, mlog_each *each, void *ctx)
{
	static const struct {
		const char *word;
		int report; /* a removal by the administrator is no delivery */
		enum mlog_outcome outcome;
	} words[] = {{"Expire for ", 1, MLOG_EXPIRED},   {"PermFail for ", 1, MLOG_FAILED},
	             {"TempFail for ", 1, MLOG_DELAYED}, {"Ok for ", 1, MLOG_DELIVERED},
	             {"Remove for ", 0, MLOG_DELIVERED}};
	const char *at = mlog_find(line, end, "relay: "), *id, *fields, *stat;
	struct mlog_delivery d;
	size_t k, w;
	if (at)
		id = at + 7;
	else if ((at = mlog_find(line, end, "delivery: ")) != NULL)
		id = at + 10;
	else
		return 0;
	for (k = 0; k < sizeof words / sizeof words[0]; k++) {
		w = strlen(words[k].word);
		if ((size_t)(end - id) > w && !memcmp(id, words[k].word, w))
			break;
	}
	if (k == sizeof words / sizeof words[0])
		return 0;
	id += w;
	fields = memchr(id, ':', (size_t)(end - id));
	if (!fields || !(stat = mlog_find(fields, end, ", stat=")) || !mlog_find(fields, stat, " to=<"))
		return 0;
	if (!words[k].report)
		return 1;
	memset(&d, 0, sizeof d);
	d.mta = "opensmtpd";
	d.outcome = words[k].outcome;
	d.queue_id = mlog_span(id, (size_t)(fields - id));
	d.recipient = smtpd_field(fields, stat, " to=");
	d.original = smtpd_original(smtpd_field(fields, stat, " rcpt="), d.recipient);
	d.relay = smtpd_relay(smtpd_field(fields, stat, " relay="));
	d.text = mlog_span(stat + 7, (size_t)(end - stat - 7));
	mlog_frame(mlog_span(line, (size_t)(at - line)), &d.date, &d.host);
	if (d.recipient.n)
		each(ctx, &d);
	return 1;
}

int smtpd_line(const char *line, size_t len, mlog_each *each, void *ctx)
{
	const char *end = line + len, *at, *stat, *session;
	struct span result;
	struct mlog_delivery d;
	int mta;
	if (!(at = mlog_find(line, end, " mta delivery evpid=")) &&
	    !(at = mlog_find(line, end, " mda delivery evpid=")) &&
	    !(at = mlog_find(line, end, " mta event=delivery evpid=")) &&
	    !(at = mlog_find(line, end, " mda event=delivery evpid=")))
		return smtpd_queue_line(line, end, each, ctx);
	mta = at[2] == 't'; /* " mta" or " mda" */
	/* the text is last and may hold anything, so the fields end before it */
	if (!(stat = mlog_find(at, end, " stat=")))
		return 0;
	memset(&d, 0, sizeof d);
	d.mta = "opensmtpd";
	result = smtpd_field(at, stat, " result=");
	if (smtpd_eq(result, "PermFail"))
		d.outcome = MLOG_FAILED;
	else if (smtpd_eq(result, "TempFail"))
		d.outcome = MLOG_DELAYED;
	else if (smtpd_eq(result, "Ok"))
		d.outcome = MLOG_DELIVERED;
	else
		return 0;
	d.queue_id = smtpd_field(at, stat, " evpid=");
	d.recipient = smtpd_field(at, stat, " to=");
	d.original = smtpd_original(smtpd_field(at, stat, " rcpt="), d.recipient);
	if (mta)
		d.relay = smtpd_relay(smtpd_field(at, stat, " relay="));
	d.text = mlog_span(stat + 6, (size_t)(end - stat - 6));
	/* the mta quotes the text; the closing quote is the line's last */
	if (mta && d.text.n >= 2 && d.text.p[0] == '"' && d.text.p[d.text.n - 1] == '"')
		d.text.p++, d.text.n -= 2;
	while (d.text.n && (d.text.p[d.text.n - 1] == '\r' || d.text.p[d.text.n - 1] == ' '))
		d.text.n--;
	session = smtpd_word_before(line, at);
	mlog_frame(mlog_span(line, (size_t)(session - line)), &d.date, &d.host);
	if (d.recipient.n)
		each(ctx, &d);
	return 1;
}
