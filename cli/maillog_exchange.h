/*
 * maillog_exchange.h - Microsoft Exchange for "rebound log": the message
 * tracking logs of Exchange Server (MSGTRK*.LOG) and the CSV exports of
 * Exchange Online's message trace (maillog_exchange.c).  The reader hands
 * each recipient's delivery to a callback of maillog.c, which classifies
 * and writes it like the deliveries of every other log.
 */
#ifndef REBOUND_CLI_MAILLOG_EXCHANGE_H
#define REBOUND_CLI_MAILLOG_EXCHANGE_H

#include <stddef.h>

/* Fields of one record, at most; the widest layout has about thirty. */
#define XLOG_MAX_FIELDS 64

enum xlog_kind { XLOG_NONE, XLOG_TRACKING, XLOG_TRACE, XLOG_TRACE_DETAIL };
enum xlog_outcome { XLOG_FAILED, XLOG_DELAYED, XLOG_EXPIRED, XLOG_DELIVERED };

/* The columns of the file being read, found by its header line ("#Fields:"
 * or a CSV header); -1 where absent.  All zero (XLOG_NONE) until a header
 * was seen: a file's state starts zeroed. */
struct xlog_columns {
	enum xlog_kind kind;
	int online; /* an export of Exchange Online, not a server's log */
	int ncols, date, event, rcpt, status, id, server, source, detail;
};

struct xlog_text {
	const char *p;
	size_t n;
};

/* One recipient's delivery as the record tells it. */
struct xlog_delivery {
	const char *mta; /* "exchange" or "exchange-online" */
	enum xlog_outcome outcome;
	struct xlog_text date, queue_id, recipient, relay, host, text;
};

typedef void xlog_each(void *ctx, const struct xlog_delivery *d);

/* Reads LINE (LEN bytes) of an Exchange log: a header line sets C, a
 * record of a delivery calls EACH once per recipient.  SCRATCH takes the
 * unquoted fields (LEN bytes at most).  Returns 1 if the line belongs to
 * an Exchange log (header or record, whatever its event), 0 if not. */
int xlog_line(struct xlog_columns *c, const char *line, size_t len, char *scratch,
              xlog_each *each, void *ctx);

#endif
