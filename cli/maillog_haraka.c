/*
 * maillog_haraka.c - the outbound log lines of Haraka (outbound/hmail.js),
 * as its logger writes them: "[LEVEL] [UUID] [outbound] MESSAGE", maybe
 * after a date (log_timestamps) or a syslog frame.
 *
 * Only the replies to RCPT (or to LMTP's end of data) name a recipient:
 *   recipient <ADDR> rejected: 550 5.1.1 TEXT
 *   recipient <ADDR> deferred: 451 4.7.1 TEXT
 * A failure of the whole message (no MX, a refused MAIL FROM or DATA) and
 * a delivery are logged without the recipients ("Bouncing mail: ...",
 * "delivered file=... rcpts=1/0/0").  Only with protocol logging on does
 * the transaction show them ("[PROTOCOL] [UUID] [outbound] C: RCPT
 * TO:<ADDR>"); those are kept so that a bounce of the message fails each.
 */
#include <string.h>
#include "maillog_haraka.h"

/* Is ID the transaction whose recipients ST keeps? */
static int haraka_same(const struct haraka_state *st, struct span id)
{
	return id.n && id.n == st->id_n && !memcmp(id.p, st->id, id.n);
}

/* "C: RCPT TO:<ADDR> [params]": keep ADDR for transaction ID. */
static void haraka_keep(struct haraka_state *st, struct span id, const char *a, const char *end)
{
	const char *close = memchr(a, '>', (size_t)(end - a));
	if (!id.n || id.n > sizeof st->id || !close || close == a ||
	    (size_t)(close - a) > HARAKA_ADDR)
		return;
	if (!haraka_same(st, id)) {
		memcpy(st->id, id.p, id.n);
		st->id_n = id.n;
		st->n = 0;
	}
	if (st->n < HARAKA_RCPTS) {
		st->rcpt_n[st->n] = (size_t)(close - a);
		memcpy(st->rcpt[st->n++], a, (size_t)(close - a));
	}
}

/* A recipient whose own fate was logged is no part of a later bounce. */
static void haraka_drop(struct haraka_state *st, struct span id, struct span addr)
{
	int k;
	if (!haraka_same(st, id))
		return;
	if (addr.n >= 2 && addr.p[0] == '<' && addr.p[addr.n - 1] == '>')
		addr.p++, addr.n -= 2;
	for (k = 0; k < st->n; k++)
		if (st->rcpt_n[k] == addr.n && !memcmp(st->rcpt[k], addr.p, addr.n)) {
			st->n--;
			memmove(st->rcpt[k], st->rcpt[st->n], st->rcpt_n[st->n]);
			st->rcpt_n[k] = st->rcpt_n[st->n];
			return;
		}
}

static int haraka_starts(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);
	return (size_t)(end - p) >= n && !memcmp(p, w, n);
}

int haraka_line(struct haraka_state *st, const char *line, size_t len, mlog_each *each,
                void *ctx)
{
	static const char tag[] = "] [outbound] ";
	const char *end = line + len, *at = mlog_find(line, end, tag), *msg, *verb, *id, *level;
	struct mlog_delivery d;
	struct span tx = mlog_span(NULL, 0);
	int bounce, k;
	if (!at)
		return 0;
	msg = at + sizeof tag - 1;
	while (end > msg && (end[-1] == '\r' || end[-1] == ' '))
		end--;
	/* the [UUID] before [outbound] is the transaction's, "-" when none */
	for (id = at; id > line && id[-1] != '['; id--)
		;
	if (id > line && at > id && !(at - id == 1 && *id == '-'))
		tx = mlog_span(id, (size_t)(at - id));
	if (haraka_starts(msg, end, "delivered file=")) {
		if (haraka_same(st, tx))
			st->n = 0;
		return 1;
	}
	if (haraka_starts(msg, end, "C: RCPT TO:<")) {
		haraka_keep(st, tx, msg + 12, end);
		return 1;
	}
	bounce = haraka_starts(msg, end, "Bouncing mail: ") || haraka_starts(msg, end, "bouncing mail: ");
	if (!bounce && !haraka_starts(msg, end, "recipient "))
		return 0;
	memset(&d, 0, sizeof d);
	d.mta = "haraka";
	d.queue_id = tx;
	/* what comes before "[LEVEL]" is a date or a syslog frame */
	level = id > line ? id - 1 : line;
	while (level > line && level[-1] != '[')
		level--;
	if (level > line)
		level--;
	while (level > line && level[-1] == ' ')
		level--;
	mlog_frame(mlog_span(line, (size_t)(level - line)), &d.date, &d.host);
	if (bounce) {
		if (!haraka_same(st, tx))
			return 1;
		d.outcome = MLOG_FAILED;
		d.text = mlog_span(msg + 15, (size_t)(end - msg - 15));
		for (k = 0; k < st->n; k++) {
			d.recipient = mlog_span(st->rcpt[k], st->rcpt_n[k]);
			each(ctx, &d);
		}
		st->n = 0;
		return 1;
	}
	verb = mlog_find(msg + 10, end, "> ");
	if (!verb)
		return 0;
	verb += 2;
	if ((size_t)(end - verb) >= 10 && !memcmp(verb, "rejected: ", 10))
		d.outcome = MLOG_FAILED;
	else if ((size_t)(end - verb) >= 10 && !memcmp(verb, "deferred: ", 10))
		d.outcome = MLOG_DELAYED;
	else
		return 0;
	d.recipient = mlog_span(msg + 10, (size_t)(verb - 1 - msg - 10));
	d.text = mlog_span(verb + 10, (size_t)(end - verb - 10));
	haraka_drop(st, tx, d.recipient);
	each(ctx, &d);
	return 1;
}
