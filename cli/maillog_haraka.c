/*
 * maillog_haraka.c - the outbound log lines of Haraka (outbound/hmail.js),
 * as its logger writes them: "[LEVEL] [UUID] [outbound] MESSAGE", maybe
 * after a date (log_timestamps) or a syslog frame.
 *
 * Only the replies to RCPT (or to LMTP's end of data) name a recipient:
 *   recipient <ADDR> rejected: 550 5.1.1 TEXT
 *   recipient <ADDR> deferred: 451 4.7.1 TEXT
 * A failure of the whole message (no MX, a refused MAIL FROM or DATA) and
 * a delivery are logged without the recipients ("bouncing mail: ...",
 * "delivered file=... rcpts=1/0/0"), so they give no record.
 */
#include <string.h>
#include "maillog_haraka.h"

int haraka_line(const char *line, size_t len, mlog_each *each, void *ctx)
{
	static const char tag[] = "] [outbound] ";
	const char *end = line + len, *at = mlog_find(line, end, tag), *msg, *verb, *id, *level;
	struct mlog_delivery d;
	if (!at)
		return 0;
	msg = at + sizeof tag - 1;
	if ((size_t)(end - msg) >= 15 && (!memcmp(msg, "delivered file=", 15) ||
	                                  !memcmp(msg, "bouncing mail: ", 15)))
		return 1;
	if ((size_t)(end - msg) < 10 || memcmp(msg, "recipient ", 10) != 0)
		return 0;
	memset(&d, 0, sizeof d);
	d.mta = "haraka";
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
	while (d.text.n && (d.text.p[d.text.n - 1] == '\r' || d.text.p[d.text.n - 1] == ' '))
		d.text.n--;
	/* the [UUID] before [outbound] is the transaction's, "-" when none */
	for (id = at; id > line && id[-1] != '['; id--)
		;
	if (id > line && at > id && !(at - id == 1 && *id == '-'))
		d.queue_id = mlog_span(id, (size_t)(at - id));
	/* what comes before "[LEVEL]" is a date or a syslog frame */
	level = id > line ? id - 1 : line;
	while (level > line && level[-1] != '[')
		level--;
	if (level > line)
		level--;
	while (level > line && level[-1] == ' ')
		level--;
	mlog_frame(mlog_span(line, (size_t)(level - line)), &d.date, &d.host);
	each(ctx, &d);
	return 1;
}
