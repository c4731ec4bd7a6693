/*
 * maillog_exchange.c - Microsoft Exchange logs for "rebound log".
 *
 * Three layouts, each found by its header line (the column order differs
 * between versions, so the columns are looked up by name):
 *
 *  - Exchange Server's message tracking log (MSGTRK*.LOG): W3C-style
 *    "#Software:", "#Version:", "#Log-type:", "#Date:" lines, then
 *    "#Fields: date-time,...,event-id,...,recipient-address,
 *    recipient-status,..." and CSV records.  Exchange Online's extended
 *    message trace report has the same columns under a plain CSV header,
 *    with '_' for '-' ("date_time_utc", "event_id", ...).  A record may
 *    name several recipients, ';'-separated, with their statuses in step.
 *  - Get-MessageTrace exports: Received, RecipientAddress, Status, ...
 *    (one recipient per row; Status says Failed, Pending or Delivered but
 *    gives no reply).
 *  - Get-MessageTraceDetail exports: Date, Event, Detail, ...; a failure's
 *    reply sits in the Detail as "Reason: [{LED=550 5.1.1 ...};{FQDN=..}]".
 *
 * The tracking log's FAIL gives the reply in recipient-status, sometimes
 * bare ("550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"), sometimes in
 * the same {LED=...} list; an expiry is a FAIL whose status says
 * QUEUE.Expired (4.4.7).  A DSN event is the notice sent back to the
 * sender: its recipient is the sender, so it reports nothing of its own
 * (the FAIL before it does).
 */
#include <string.h>
#include "maillog_exchange.h"

typedef struct xlog_text xtext;

static xtext text_of(const char *p, size_t n)
{
	xtext t;
	t.p = p;
	t.n = n;
	return t;
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* Header names and event words compare without case, '_' as '-'. */
static int is_name(xtext t, const char *name)
{
	size_t i, k = strlen(name);
	if (t.n != k)
		return 0;
	for (i = 0; i < k; i++) {
		char c = lower(t.p[i]);
		if ((c == '_' ? '-' : c) != name[i])
			return 0;
	}
	return 1;
}

static int begins(xtext t, const char *prefix)
{
	size_t k = strlen(prefix);
	return t.n >= k && memcmp(t.p, prefix, k) == 0;
}

static const char *search(xtext t, const char *needle)
{
	size_t k = strlen(needle), i;
	for (i = 0; k && i + k <= t.n; i++)
		if (t.p[i] == needle[0] && memcmp(t.p + i, needle, k) == 0)
			return t.p + i;
	return NULL;
}

static xtext strip(xtext t)
{
	while (t.n && (t.p[0] == ' ' || t.p[0] == '\t'))
		t.p++, t.n--;
	while (t.n && (t.p[t.n - 1] == ' ' || t.p[t.n - 1] == '\t'))
		t.n--;
	return t;
}

/* The fields of a CSV record into F; a quoted field is copied without its
 * quotes (a doubled quote is one) to *OUT, which moves past it.  Returns
 * the number of fields (more than MAX are not kept), or -1 for a quote
 * that never closes or stray text after a closing quote. */
static int split_csv(xtext line, xtext *f, int max, char *out)
{
	size_t i = 0;
	int n = 0;
	for (;;) {
		xtext v;
		if (i < line.n && line.p[i] == '"') {
			char *start = out;
			for (i++;; i++) {
				if (i >= line.n)
					return -1;
				if (line.p[i] == '"' && (i + 1 >= line.n || line.p[i + 1] != '"'))
					break;
				if (line.p[i] == '"')
					i++;
				*out++ = line.p[i];
			}
			i++;
			if (i < line.n && line.p[i] != ',')
				return -1;
			v = text_of(start, (size_t)(out - start));
		} else {
			size_t from = i;
			while (i < line.n && line.p[i] != ',')
				i++;
			v = text_of(line.p + from, i - from);
		}
		if (n < max)
			f[n] = v;
		n++;
		if (i >= line.n)
			return n < max ? n : max;
		i++; /* the comma */
	}
}

static int column(const xtext *f, int n, const char *name)
{
	int k;
	for (k = 0; k < n; k++)
		if (is_name(f[k], name))
			return k;
	return -1;
}

static int first_column(const xtext *f, int n, const char *a, const char *b)
{
	int k = column(f, n, a);
	return k >= 0 ? k : column(f, n, b);
}

/* A header's fields are names and nothing else, which no record is (a
 * record's date alone has ':' and '.'). */
static int all_names(const xtext *f, int n)
{
	int k;
	size_t i;
	for (k = 0; k < n; k++) {
		if (!f[k].n)
			return 0;
		for (i = 0; i < f[k].n; i++) {
			char c = lower(f[k].p[i]);
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
				return 0;
		}
	}
	return 1;
}

/* "#Fields: ..." or a CSV header line: sets C if it names a layout this
 * reader knows.  Returns 1 for a header line of an Exchange log. */
static int read_header(struct xlog_columns *c, xtext line, char *scratch)
{
	xtext f[XLOG_MAX_FIELDS];
	struct xlog_columns h;
	int n, k, w3c = begins(line, "#Fields:");
	/* "#Software:", "#Version:", "#Date:" and PowerShell's "#TYPE" line
	   name no columns: they are left to the other readers, which skip
	   them, so that a W3C log of another kind (Exchange's protocol logs)
	   is still named as unknown */
	if (w3c)
		line = strip(text_of(line.p + 8, line.n - 8));
	else if (!search(line, "ecipient"))
		return 0;
	if ((n = split_csv(line, f, XLOG_MAX_FIELDS, scratch)) < 2)
		return 0;
	for (k = 0; k < n; k++)
		f[k] = strip(f[k]);
	if (!all_names(f, n))
		return 0;
	memset(&h, 0, sizeof h);
	h.server = h.source = h.detail = h.status = -1;
	if ((h.event = column(f, n, "event-id")) >= 0) {
		h.kind = XLOG_TRACKING;
		h.online = !w3c; /* the extended report of Exchange Online */
		h.date = first_column(f, n, "date-time", "date-time-utc");
		h.rcpt = column(f, n, "recipient-address");
		h.status = column(f, n, "recipient-status");
		h.id = first_column(f, n, "message-id", "internal-message-id");
		h.server = column(f, n, "server-hostname");
		h.source = column(f, n, "source");
	} else if ((h.event = column(f, n, "event")) >= 0) {
		h.kind = XLOG_TRACE_DETAIL;
		h.date = column(f, n, "date");
		h.rcpt = column(f, n, "recipientaddress");
		h.detail = column(f, n, "detail");
		h.id = first_column(f, n, "messagetraceid", "messageid");
	} else if ((h.event = column(f, n, "status")) >= 0) {
		h.kind = XLOG_TRACE;
		h.date = column(f, n, "received");
		h.rcpt = column(f, n, "recipientaddress");
		h.id = first_column(f, n, "messagetraceid", "messageid");
	}
	if (!h.kind || h.date < 0 || h.rcpt < 0)
		return 0; /* some other CSV or W3C log */
	/* a record must reach every column used */
	h.ncols = 0;
	{
		const int used[] = {h.date, h.event, h.rcpt, h.status, h.id, h.server, h.source, h.detail};
		for (k = 0; k < (int)(sizeof used / sizeof used[0]); k++)
			if (used[k] + 1 > h.ncols)
				h.ncols = used[k] + 1;
	}
	*c = h;
	return 1;
}

/* Does the ';' at I of a status list end one recipient's status?  Only
 * where the next one begins: a reply code, a "[{" list, or the end.  A
 * ';' inside a status ("RecipNotFound; not found") or inside [...] stays. */
static int status_end(xtext s, size_t i, int depth)
{
	const char *q = s.p + i + 1;
	size_t left = s.n - i - 1;
	if (s.p[i] != ';' || depth > 0)
		return 0;
	return left == 0 || q[0] == '[' ||
	       (left >= 3 && q[0] >= '2' && q[0] <= '5' && q[1] >= '0' && q[1] <= '9' &&
	        q[2] >= '0' && q[2] <= '9' && (left == 3 || q[3] == ' ' || q[3] == '-'));
}

/* The next status of the list S from *POS (an empty one past the end). */
static xtext next_status(xtext s, size_t *pos)
{
	size_t i = *pos;
	int depth = 0;
	if (i >= s.n)
		return text_of(NULL, 0); /* S may be no field at all: no pointer */
	for (; i < s.n && !status_end(s, i, depth); i++) {
		if (s.p[i] == '[')
			depth++;
		else if (s.p[i] == ']' && depth > 0)
			depth--;
	}
	{
		xtext t = strip(text_of(s.p + *pos, i - *pos));
		*pos = i < s.n ? i + 1 : i;
		return t;
	}
}

static int one_status(xtext s)
{
	size_t pos = 0;
	next_status(s, &pos);
	return pos >= s.n;
}

/* The value of "{NAME=value}" in a reply list, or nothing. */
static xtext list_value(xtext s, const char *name)
{
	const char *at = search(s, name);
	xtext v;
	size_t i;
	if (!at)
		return text_of(NULL, 0);
	v = text_of(at + strlen(name), (size_t)(s.p + s.n - at) - strlen(name));
	for (i = 0; i < v.n && v.p[i] != '}'; i++)
		;
	return strip(text_of(v.p, i));
}

/* The reply and the remote host in a status or a trace detail: the LED
 * ("last error description") and FQDN of a "[{LED=...};{FQDN=...}]" list
 * when there is one, else the whole text. */
static void reply_of(xtext s, struct xlog_delivery *d)
{
	xtext led = list_value(s, "{LED=");
	if (led.n) {
		d->text = led;
		d->relay = list_value(s, "{FQDN=");
	} else
		d->text = strip(s);
}

/* A failure that only says the queue gave up on the message. */
static enum xlog_outcome failed_or_expired(xtext s)
{
	return search(s, "QUEUE.Expired") || search(s, " 4.4.7") || begins(s, "4.4.7")
	               ? XLOG_EXPIRED
	               : XLOG_FAILED;
}

static xtext field_at(const xtext *f, int n, int col)
{
	return col >= 0 && col < n ? strip(f[col]) : text_of(NULL, 0);
}

/* Each recipient of a tracking record with its status, in step. */
static void each_recipient(xtext rcpts, xtext statuses, xtext remote, struct xlog_delivery *d,
                           int failed, xlog_each *each, void *ctx)
{
	size_t rp = 0, sp = 0;
	int shared = one_status(statuses);
	while (rp < rcpts.n) {
		size_t from = rp;
		xtext status;
		while (rp < rcpts.n && rcpts.p[rp] != ';')
			rp++;
		d->recipient = strip(text_of(rcpts.p + from, rp - from));
		rp++;
		status = shared ? strip(statuses) : next_status(statuses, &sp);
		if (!d->recipient.n)
			continue;
		d->relay = text_of(NULL, 0);
		reply_of(status, d);
		if (!d->relay.n)
			d->relay = remote;
		if (failed)
			d->outcome = failed_or_expired(status);
		each(ctx, d);
	}
}

/* An event or status is a short word or two ("FAIL", "Send external"):
 * a line of another log that happens to have enough commas is not. */
static int event_word(xtext t)
{
	size_t i;
	if (!t.n || t.n > 24)
		return 0;
	for (i = 0; i < t.n; i++) {
		char c = lower(t.p[i]);
		if (!((c >= 'a' && c <= 'z') || c == ' '))
			return 0;
	}
	return 1;
}

static int read_record(const struct xlog_columns *c, xtext line, char *scratch, xlog_each *each,
                       void *ctx)
{
	xtext f[XLOG_MAX_FIELDS], event, rcpts;
	struct xlog_delivery d;
	int n = split_csv(line, f, XLOG_MAX_FIELDS, scratch), fail = 0;
	if (n < c->ncols)
		return 0;
	event = field_at(f, n, c->event);
	rcpts = field_at(f, n, c->rcpt);
	memset(&d, 0, sizeof d);
	d.date = field_at(f, n, c->date);
	d.queue_id = field_at(f, n, c->id);
	if (!event_word(event) || !d.date.n || d.date.p[0] < '0' || d.date.p[0] > '9')
		return 0;
	d.mta = c->kind == XLOG_TRACKING && !c->online ? "exchange" : "exchange-online";
	if (is_name(event, "fail"))
		fail = 1;
	else if (is_name(event, "defer"))
		d.outcome = XLOG_DELAYED;
	else if (is_name(event, "send") || is_name(event, "deliver") ||
	         is_name(event, "send external"))
		d.outcome = XLOG_DELIVERED;
	else if (c->kind == XLOG_TRACE && is_name(event, "failed"))
		fail = 1;
	else if (c->kind == XLOG_TRACE && is_name(event, "pending"))
		d.outcome = XLOG_DELAYED;
	else if (c->kind == XLOG_TRACE && is_name(event, "delivered"))
		d.outcome = XLOG_DELIVERED;
	else
		return 1; /* a reception, an expansion, a DSN, ...: nothing to report */
	if (c->kind == XLOG_TRACKING) {
		/* server-hostname is the other end of an SMTP event, and the
		   logging server of the others (routing, store driver) */
		xtext server = field_at(f, n, c->server);
		int smtp = is_name(field_at(f, n, c->source), "smtp");
		if (!smtp)
			d.host = server;
		each_recipient(rcpts, field_at(f, n, c->status), smtp ? server : text_of(NULL, 0), &d,
		               fail, each, ctx);
		return 1;
	}
	d.recipient = rcpts;
	if (c->kind == XLOG_TRACE_DETAIL)
		reply_of(field_at(f, n, c->detail), &d);
	if (fail)
		d.outcome = failed_or_expired(d.text);
	if (d.recipient.n)
		each(ctx, &d);
	return 1;
}

int xlog_line(struct xlog_columns *c, const char *line, size_t len, char *scratch,
              xlog_each *each, void *ctx)
{
	xtext t = text_of(line, len);
	if (begins(t, "\xEF\xBB\xBF")) /* a byte order mark opens the file */
		t.p += 3, t.n -= 3;
	if (t.n && (t.p[0] == '#' || !c->kind || search(t, "ecipient")) && read_header(c, t, scratch))
		return 1;
	return c->kind && read_record(c, t, scratch, each, ctx);
}
