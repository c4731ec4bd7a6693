/*
 * maillog.c - "rebound log": read the delivery records of MTA logs and
 * classify each recipient whose delivery failed, was deferred or expired.
 *
 * Recognised line by line, every other line skipped: Postfix (smtp,
 * lmtp, local, virtual, pipe, error; "status=..."), Sendmail ("stat=..."),
 * Exim's main log ("**", "==", "=>" and "->" lines), qmail-send
 * ("starting delivery N ... to remote ADDR", then "delivery N:
 * failure|deferral|success: ..."), PowerMTA accounting files (CSV whose
 * header line names the columns), KumoMTA's JSON log records, Microsoft
 * Exchange's logs and exports (maillog_exchange.c), OpenSMTPD
 * (maillog_smtpd.c), Haraka (maillog_haraka.c) and the event feeds of
 * email service providers (maillog_esp.c, JSON read by logjson.c).
 *
 * Postfix reports an expiry once per message ("status=expired, returned
 * to sender"), so the last deferral of each recipient of a queued message
 * is kept until the message leaves the queue, and is reported then as
 * expired unless the recipient's fate was logged in between.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "lines.h"
#include "maillog.h"
#include "logjson.h"
#include "maillog_esp.h"
#include "maillog_exchange.h"
#include "maillog_haraka.h"
#include "maillog_reader.h"
#include "maillog_smtpd.h"
#include "output.h"
#include "summary.h"

/* Queued messages whose deferrals are kept for a later expiry; beyond
 * this many, the oldest are forgotten (their deferrals were reported). */
#define LOG_MAX_QUEUED 100000u
/* qmail deliveries in progress; qmail runs at most a few hundred at once. */
#define LOG_QMAIL_SLOTS 1024u

enum outcome { OUT_FAILED, OUT_DELAYED, OUT_EXPIRED, OUT_DELIVERED, OUT_COMPLAINT };
static const char *const outcome_names[] = {"failed", "delayed", "expired", "delivered",
                                            "complaint"};

/* One delivery as a log line tells it. */
struct event {
	const char *mta;
	enum outcome outcome;
	struct span date, host, queue_id, recipients, original, relay, dsn, text;
	struct span verdict; /* an ESP's own verdict on the bounce */
	unsigned reply;      /* a reply code logged apart from the text (KumoMTA) */
};

/* ---- small span helpers ------------------------------------------------ */

static struct span span_of(const char *p, size_t n)
{
	struct span s;
	s.p = p;
	s.n = n;
	return s;
}

/* The first NEEDLE in S (memmem is not in C or POSIX). */
static const char *find_bytes(const char *p, size_t n, const char *needle, size_t k)
{
	const char *end;
	if (!p || !k)
		return p;
	end = p + n;
	while ((size_t)(end - p) >= k && (p = memchr(p, needle[0], (size_t)(end - p) - k + 1))) {
		if (memcmp(p, needle, k) == 0)
			return p;
		p++;
	}
	return NULL;
}

static const char *find(struct span s, const char *needle)
{
	return find_bytes(s.p, s.n, needle, strlen(needle));
}

static struct span after(struct span s, const char *at)
{
	return span_of(at, (size_t)(s.p + s.n - at));
}

static int starts(struct span s, const char *prefix)
{
	size_t k = strlen(prefix);
	return s.n >= k && memcmp(s.p, prefix, k) == 0;
}

static struct span trim(struct span s)
{
	while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
		s.p++, s.n--;
	while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	return s;
}

/* The text up to the first byte of STOP (or the end). */
static struct span until(struct span s, const char *stop)
{
	size_t i;
	/* strchr finds the terminator: a NUL byte never stops */
	for (i = 0; i < s.n && (!s.p[i] || !strchr(stop, s.p[i])); i++)
		;
	return span_of(s.p, i);
}

/* The value of "NAME" in a ", "-separated list of name=value fields
 * (Postfix, Sendmail), which ends at the next ", " or the end. */
static struct span field(struct span s, const char *name)
{
	const char *at = s.p;
	size_t k = strlen(name);
	if (!s.n)
		return span_of(NULL, 0);
	while ((at = find_bytes(at, (size_t)(s.p + s.n - at), name, k)) != NULL) {
		if (at == s.p || at[-1] == ' ') {
			struct span v = after(s, at + k);
			const char *end = find(v, ", ");
			return end ? span_of(v.p, (size_t)(end - v.p)) : v;
		}
		at += k;
	}
	return span_of(NULL, 0);
}

/* An address without the angle brackets around it. */
static struct span bare_address(struct span s)
{
	s = trim(s);
	if (s.n >= 2 && s.p[0] == '<' && s.p[s.n - 1] == '>')
		s.p++, s.n -= 2;
	return s;
}

/* A relay or host field without its "[address]:port" or "." tail. */
static struct span host_name(struct span s)
{
	s = until(s, "[ ");
	if (s.n && s.p[s.n - 1] == '.')
		s.n--;
	if (s.n == 4 && memcmp(s.p, "none", 4) == 0)
		s.n = 0;
	return s;
}

/* ---- syslog framing ------------------------------------------------------ */

/* Is W a time of day, "HH:MM:SS[.fraction]"? */
static int clock_word(struct span w)
{
	size_t i;
	if (w.n < 8 || w.p[2] != ':' || w.p[5] != ':' || (w.n > 8 && w.p[8] != '.'))
		return 0;
	for (i = 0; i < w.n; i++)
		if (i != 2 && i != 5 && i != 8 && !(w.p[i] >= '0' && w.p[i] <= '9'))
			return 0;
	return 1;
}

/* "DATE HOST PROGRAM[PID]: QUEUEID: ...": the date (whatever form it
 * has) and the host are what stands before the program tag, which stands
 * before AT, the start of the queue id. */
static void syslog_frame(struct span line, const char *at, struct span *date, struct span *host)
{
	const char *p = at, *host_end;
	while (p > line.p && p[-1] == ' ')
		p--;
	if (p > line.p && p[-1] == ']') {
		/* Solaris's syslog puts "[ID 197553 mail.info]" after the tag */
		const char *open = p - 1;
		while (open > line.p && *open != '[')
			open--;
		if (*open == '[' && (size_t)(p - open) > 4 && !memcmp(open, "[ID ", 4))
			for (p = open; p > line.p && p[-1] == ' ';)
				p--;
	}
	while (p > line.p && p[-1] != ' ')
		p--; /* the program tag */
	while (p > line.p && p[-1] == ' ')
		p--;
	host_end = p;
	while (p > line.p && p[-1] != ' ')
		p--;
	*host = span_of(p, (size_t)(host_end - p));
	*date = trim(span_of(line.p, (size_t)(p - line.p)));
	if (clock_word(*host)) {
		/* a syslog that writes no host name: the word is the time */
		*date = trim(span_of(line.p, (size_t)(host_end - line.p)));
		*host = span_of(NULL, 0);
	}
}

/* ---- what collectors put around a line ---------------------------------- */

/* A date and host taken from the wrapper of a line, in place of those the
 * line's own frame gives (which the wrapper may have cut off). */
struct wrap {
	struct span date, host;
};

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* The length of an RFC 3339 date with its time at the start of S
 * ("2024-07-03T17:18:06.604074169Z", "...+01:00"), or 0. */
static size_t iso_stamp(struct span s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;
	if (s.n < sizeof shape - 1)
		return 0;
	for (i = 0; i < sizeof shape - 1; i++)
		if (shape[i] == 'd' ? !is_digit(s.p[i]) : s.p[i] != shape[i])
			return 0;
	if (i < s.n && s.p[i] == '.')
		for (i++; i < s.n && is_digit(s.p[i]);)
			i++;
	if (i < s.n && s.p[i] == 'Z')
		return i + 1;
	if (i < s.n && (s.p[i] == '+' || s.p[i] == '-'))
		for (i++; i < s.n && (is_digit(s.p[i]) || s.p[i] == ':');)
			i++;
	return i;
}

/* Does S start with a syslog date ("Jan  5 ...") or a year ("2024-")? */
static int starts_with_date(struct span s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	size_t k;
	if (s.n >= 5 && is_digit(s.p[0]) && is_digit(s.p[1]) && is_digit(s.p[2]) &&
	    is_digit(s.p[3]) && s.p[4] == '-')
		return 1;
	if (s.n < 5 || s.p[3] != ' ')
		return 0;
	for (k = 0; k + 3 <= sizeof months - 1; k += 3)
		if (!memcmp(s.p, months + k, 3))
			return 1;
	return 0;
}

/* The next word of an RFC 5424 header at *I (space-separated). */
static struct span header_word(struct span s, size_t *i)
{
	struct span w = span_of(s.p + *i, 0);
	while (*i < s.n && s.p[*i] != ' ')
		(*i)++;
	w.n = (size_t)(s.p + *i - w.p);
	if (*i < s.n)
		(*i)++;
	return w;
}

/* RFC 5424 after its "<PRI>": "1 STAMP HOST APP PROCID MSGID SD MSG".
 * Sets the date and host and returns MSG, or returns S unchanged. */
static struct span rfc5424(struct span s, struct wrap *w)
{
	size_t i = 2;
	struct span stamp, host;
	if (s.n < 4 || s.p[0] != '1' || s.p[1] != ' ')
		return s;
	stamp = header_word(s, &i);
	if (!(stamp.n == 1 && stamp.p[0] == '-') && iso_stamp(stamp) != stamp.n)
		return s;
	host = header_word(s, &i);
	header_word(s, &i); /* APP-NAME */
	header_word(s, &i); /* PROCID */
	header_word(s, &i); /* MSGID */
	if (i < s.n && s.p[i] == '[') {
		/* structured data: "[id k="v" ...]..." with \] inside values */
		int quoted = 0;
		for (; i < s.n; i++) {
			if (s.p[i] == '\\' && i + 1 < s.n)
				i++;
			else if (s.p[i] == '"')
				quoted = !quoted;
			else if (!quoted && s.p[i] == ']' && (i + 1 >= s.n || s.p[i + 1] != '['))
				break;
		}
		i += i < s.n;
		i += i < s.n && s.p[i] == ' ';
	} else
		header_word(s, &i); /* "-" */
	if (stamp.n > 1)
		w->date = stamp;
	if (!(host.n == 1 && host.p[0] == '-'))
		w->host = host;
	s = after(s, s.p + i);
	if (starts(s, "\xef\xbb\xbf"))
		s = after(s, s.p + 3); /* the BOM that may start MSG */
	return s;
}

/* The MTA's own line inside what a collector added in front of it:
 * "<PRI>" (RFC 3164) or a whole RFC 5424 header, docker compose's
 * "SERVICE  | ", the RFC 3339 date "docker logs -t" writes before a line
 * that has its own date, and a "facility.level: " tag. */
static struct span unwrap(struct span line, struct wrap *w)
{
	int round;
	memset(w, 0, sizeof *w);
	for (round = 0; round < 4; round++) {
		size_t i = 0, n;
		if (line.n > 2 && line.p[0] == '<') {
			for (i = 1; i < line.n && i < 5 && is_digit(line.p[i]);)
				i++;
			if (i > 1 && i < line.n && line.p[i] == '>') {
				line = rfc5424(after(line, line.p + i + 1), w);
				continue;
			}
			i = 0;
		}
		while (i < line.n && (is_digit(line.p[i]) || (line.p[i] >= 'a' && line.p[i] <= 'z') ||
		                      (line.p[i] >= 'A' && line.p[i] <= 'Z') || line.p[i] == '-' ||
		                      line.p[i] == '_' || line.p[i] == '.'))
			i++;
		n = i;
		if (n && n < line.n && line.p[n] == ' ') {
			while (i < line.n && line.p[i] == ' ')
				i++;
			if (i < line.n && line.p[i] == '|' && (i + 1 == line.n || line.p[i + 1] == ' ')) {
				line = after(line, line.p + i + 1 + (i + 1 < line.n));
				continue;
			}
		}
		if (n > 3 && n + 1 < line.n && line.p[n] == ':' && line.p[n + 1] == ' ' &&
		    memchr(line.p, '.', n) && !is_digit(line.p[0])) {
			line = after(line, line.p + n + 2); /* "mail.info: " */
			continue;
		}
		if ((n = iso_stamp(line)) != 0 && n < line.n && line.p[n] == ' ' &&
		    starts_with_date(after(line, line.p + n + 1))) {
			w->date = span_of(line.p, n);
			line = after(line, line.p + n + 1);
			continue;
		}
		break;
	}
	return line;
}

/* The wrapper's date and host over those of the line's own frame. */
static void unwrapped(struct event *ev, const struct wrap *w)
{
	if (w->date.n)
		ev->date = w->date;
	if (w->host.n)
		ev->host = w->host;
}

/* ---- Postfix and Sendmail ------------------------------------------------- */

/* "QUEUEID: to=<a>, ..., status=bounced (text)" and friends. */
static int read_postfix_or_sendmail(struct span line, struct event *ev)
{
	const char *to = find(line, ": to="), *blank;
	struct span fields, status;
	const char *q;
	/* a copy from a web page may have turned the blank after the queue
	   id into two */
	for (blank = line.p; !to && (blank = find(after(line, blank), " to=")) != NULL; blank++) {
		const char *c = blank;
		while (c > line.p && c[-1] == ' ')
			c--;
		if (c > line.p && c[-1] == ':' && blank - c < 8)
			to = c - 1;
	}
	if (!to)
		return 0;
	q = to;
	while (q > line.p && q[-1] != ' ')
		q--;
	ev->queue_id = span_of(q, (size_t)(to - q));
	syslog_frame(line, q, &ev->date, &ev->host);
	fields = trim(after(line, to + 1));
	ev->recipients = field(fields, "to=");
	if ((status = field(fields, "status=")).n) {
		/* Postfix: the word, then the reason in parentheses to the end */
		const char *open = find(after(fields, status.p), " (");
		ev->mta = "postfix";
		ev->original = bare_address(field(fields, "orig_to="));
		ev->relay = host_name(field(fields, "relay="));
		ev->dsn = field(fields, "dsn=");
		status = until(status, " ,");
		if (open) {
			struct span t = after(fields, open + 2);
			if (t.n && t.p[t.n - 1] == ')')
				t.n--;
			ev->text = t;
		}
		if (starts(status, "bounced") || starts(status, "undeliverable"))
			ev->outcome = OUT_FAILED;
		else if (starts(status, "deferred"))
			ev->outcome = OUT_DELAYED;
		else if (starts(status, "expired"))
			ev->outcome = OUT_EXPIRED;
		else if (starts(status, "sent") || starts(status, "deliverable"))
			ev->outcome = OUT_DELIVERED;
		else
			return 0;
		return 1;
	}
	if ((status = field(fields, "stat=")).n) {
		/* Sendmail: stat= is the last field and may hold ", " itself */
		const char *stat = status.p;
		ev->mta = "sendmail";
		ev->relay = host_name(field(fields, "relay="));
		ev->dsn = field(fields, "dsn=");
		ev->text = trim(after(fields, stat));
		if (starts(ev->text, "Sent"))
			ev->outcome = OUT_DELIVERED;
		else if (starts(ev->text, "Deferred")) {
			ev->outcome = OUT_DELAYED;
			ev->text.p += 8, ev->text.n -= 8;
			if (starts(ev->text, ": "))
				ev->text.p += 2, ev->text.n -= 2;
		} else
			ev->outcome = OUT_FAILED;
		return 1;
	}
	return 0;
}

/* ---- Exim ------------------------------------------------------------------ */

/* An Exim message id: two '-' between runs of letters and digits. */
static int exim_id(struct span w)
{
	size_t i, dashes = 0;
	if (w.n < 14 || w.n > 24)
		return 0;
	for (i = 0; i < w.n; i++) {
		char c = w.p[i];
		if (c == '-')
			dashes++;
		else if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
			return 0;
	}
	return dashes == 2 && w.p[0] != '-' && w.p[w.n - 1] != '-';
}

/* What stands before the message id: Exim's date ("+ZONE" with
 * log_timezone), maybe "[PID]" (log_selector +pid), all after a syslog
 * frame "DATE HOST exim[PID]: " when the main log goes to syslog. */
static void exim_frame(struct span head, struct event *ev)
{
	const char *tag = NULL, *p;
	struct span own;
	for (p = head.p; p + 1 < head.p + head.n; p++)
		if (p[0] == ':' && p[1] == ' ')
			tag = p; /* Exim's times have no ": " */
	own = trim(tag ? after(head, tag + 2) : head);
	if (tag)
		syslog_frame(head, tag + 2, &ev->date, &ev->host);
	if (own.n && own.p[own.n - 1] == ']') {
		/* the process id */
		p = own.p + own.n - 1;
		while (p > own.p && is_digit(p[-1]))
			p--;
		if (p > own.p && p[-1] == '[' && p < own.p + own.n - 1)
			own = trim(span_of(own.p, (size_t)(p - 1 - own.p)));
	}
	if (own.n)
		ev->date = own;
}

/* "DATE TIME [+ZONE] [[PID]] ID ** addr [<orig>] R=.. T=.. H=host [ip]: text" */
static int read_exim(struct span line, struct event *ev)
{
	static const struct {
		const char *mark;
		enum outcome outcome;
	} marks[] = {{" ** ", OUT_FAILED}, {" == ", OUT_DELAYED}, {" => ", OUT_DELIVERED},
	             {" -> ", OUT_DELIVERED}};
	size_t k;
	for (k = 0; k < sizeof marks / sizeof marks[0]; k++) {
		const char *m = find(line, marks[k].mark), *id, *p;
		struct span rest, w, h;
		int quoted = 0;
		if (!m)
			continue;
		id = m;
		while (id > line.p && id[-1] != ' ')
			id--;
		if (!exim_id(span_of(id, (size_t)(m - id))))
			continue;
		ev->mta = "exim";
		ev->outcome = marks[k].outcome;
		ev->queue_id = span_of(id, (size_t)(m - id));
		exim_frame(span_of(line.p, (size_t)(id - line.p)), ev);
		rest = after(line, m + 4);
		w = until(rest, " ");
		if (w.n && w.p[w.n - 1] == ':')
			w.n--; /* "** addr: reason" */
		ev->recipients = w;
		rest = after(rest, w.p + w.n);
		if (starts(trim(rest), "<")) {
			struct span o = trim(rest);
			ev->original = until(span_of(o.p + 1, o.n - 1), ">");
		}
		if ((h.p = find(rest, " H=")) != NULL)
			ev->relay = host_name(after(rest, h.p + 3));
		/* the text follows the first ": " outside quotes */
		for (p = rest.p; p + 1 < rest.p + rest.n; p++) {
			if (*p == '"')
				quoted = !quoted;
			else if (!quoted && p[0] == ':' && p[1] == ' ') {
				ev->text = trim(after(rest, p + 2));
				break;
			}
		}
		if (ev->outcome == OUT_DELIVERED && (h.p = find(rest, " C=\"")) != NULL)
			ev->text = until(after(rest, h.p + 4), "\"");
		return 1;
	}
	return 0;
}

/* ---- copies kept from line to line ------------------------------------------ */

/* A copy of a span: any bytes, NUL included, and a NUL after them. */
struct copy {
	char *p;
	size_t n;
};

static int copy_set(struct copy *c, struct span s)
{
	free(c->p);
	c->n = s.n;
	if ((c->p = malloc(s.n + 1)) == NULL)
		return -1;
	if (s.n)
		memcpy(c->p, s.p, s.n);
	c->p[s.n] = '\0';
	return 0;
}

static struct span copy_span(struct copy c) { return span_of(c.p, c.n); }

static int same(struct copy c, struct span s) { return c.n == s.n && !memcmp(c.p, s.p, s.n); }

/* ---- qmail ----------------------------------------------------------------- */

struct qmail_slot {
	unsigned long delivery;
	struct copy recipient, msg;
};

/* The decimal number at P, read no further than LINE's end (strtoul would
 * skip blanks and line ends and run on into the next line); *END is set
 * after its digits, to P when there are none. */
static unsigned long line_number(struct span line, const char *p, const char **end)
{
	unsigned long n = 0;
	while (p < line.p + line.n && *p >= '0' && *p <= '9')
		n = n * 10 + (unsigned long)(*p++ - '0');
	*end = p;
	return n;
}

/* "starting delivery N: msg M to remote ADDR" or "... to local ADDR" */
static int qmail_start(struct span line, struct qmail_slot *slots)
{
	const char *s = find(line, "starting delivery "), *to, *digits_end;
	size_t skip = 11; /* " to remote " */
	unsigned long n;
	struct span addr, msg;
	struct qmail_slot *slot;
	if (!s)
		return 0;
	if (!(to = find(after(line, s), " to remote ")) &&
	    (skip = 10, !(to = find(after(line, s), " to local "))))
		return 0;
	n = line_number(line, s + 18, &digits_end);
	if (digits_end == s + 18)
		return 0;
	addr = trim(after(line, to + skip));
	msg = find(line, ": msg ") ? until(after(line, find(line, ": msg ") + 6), " ") : span_of("", 0);
	slot = &slots[n % LOG_QMAIL_SLOTS];
	slot->delivery = n;
	if (copy_set(&slot->recipient, addr) | copy_set(&slot->msg, msg)) {
		free(slot->recipient.p);
		slot->recipient.p = NULL; /* the delivery goes unreported */
	}
	return 1;
}

/* "delivery N: failure: TEXT"; qmail writes spaces as '_' and line
 * breaks as '/', which SCRATCH gets back. */
static int read_qmail(struct span line, struct event *ev, struct qmail_slot *slots, char *scratch)
{
	static const struct {
		const char *word;
		enum outcome outcome;
	} words[] = {{": failure: ", OUT_FAILED}, {": deferral: ", OUT_DELAYED},
	             {": success: ", OUT_DELIVERED}};
	const char *d = find(line, "delivery ");
	size_t k, i;
	unsigned long n;
	const char *end;
	if (!d || (d > line.p && d[-1] != ' '))
		return 0;
	n = line_number(line, d + 9, &end);
	if (end == d + 9)
		return 0;
	for (k = 0; k < sizeof words / sizeof words[0]; k++) {
		struct span t;
		struct qmail_slot *slot = &slots[n % LOG_QMAIL_SLOTS];
		size_t w = strlen(words[k].word);
		if ((size_t)(line.p + line.n - end) < w || memcmp(end, words[k].word, w) != 0)
			continue;
		if (!slot->recipient.p || !slot->msg.p || slot->delivery != n)
			return 0; /* its start was not in this log */
		t = after(line, end + w);
		for (i = 0; i < t.n; i++)
			scratch[i] = t.p[i] == '_' ? ' ' : t.p[i] == '/' ? ' ' : t.p[i];
		ev->mta = "qmail";
		ev->outcome = words[k].outcome;
		ev->date = trim(span_of(line.p, (size_t)(d - line.p)));
		ev->recipients = copy_span(slot->recipient);
		ev->queue_id = copy_span(slot->msg);
		ev->text = trim(span_of(scratch, t.n));
		return 1;
	}
	return 0;
}

/* ---- PowerMTA accounting files (CSV) ---------------------------------------- */

/* The columns of an accounting file, from its header line; -1 if absent. */
struct pmta_columns {
	int ok, type, time, rcpt, orcpt, action, status, diag, mta, job;
};

#define PMTA_MAX_FIELDS 256

/* Split a CSV record into at most PMTA_MAX_FIELDS fields; quoted fields
 * lose their quotes and doubled quotes into SCRATCH.  Returns the count,
 * or -1 for a quote that never closes. */
static int csv_split(struct span line, struct span *f, char *scratch)
{
	size_t i = 0;
	int n = 0;
	for (;;) {
		struct span v = span_of(line.p + i, 0);
		if (i < line.n && line.p[i] == '"') {
			char *out = scratch;
			for (i++;; i++) {
				if (i >= line.n)
					return -1;
				if (line.p[i] == '"') {
					if (i + 1 < line.n && line.p[i + 1] == '"')
						i++;
					else
						break;
				}
				*scratch++ = line.p[i];
			}
			i++;
			v = span_of(out, (size_t)(scratch - out));
		} else {
			while (i < line.n && line.p[i] != ',')
				i++;
			v.n = (size_t)(line.p + i - v.p);
		}
		if (n < PMTA_MAX_FIELDS)
			f[n++] = v;
		if (i >= line.n || line.p[i] != ',')
			return n;
		i++;
	}
}

static int pmta_column(const struct span *f, int n, const char *name)
{
	int k;
	for (k = 0; k < n; k++)
		if (f[k].n == strlen(name) && memcmp(f[k].p, name, f[k].n) == 0)
			return k;
	return -1;
}

/* A header line ("type,timeLogged,...,rcpt,...,dsnDiag,...") sets the
 * columns of the records after it. */
static int pmta_header(struct span line, struct pmta_columns *c, char *scratch)
{
	struct span f[PMTA_MAX_FIELDS];
	int n;
	if (starts(line, "#type,"))
		line = after(line, line.p + 1); /* written as a comment by some exports */
	if (!starts(line, "type,") || !find(line, "rcpt") || (n = csv_split(line, f, scratch)) < 0)
		return 0;
	c->type = pmta_column(f, n, "type");
	c->time = pmta_column(f, n, "timeLogged");
	c->rcpt = pmta_column(f, n, "rcpt");
	c->orcpt = pmta_column(f, n, "orcpt");
	c->action = pmta_column(f, n, "dsnAction");
	c->status = pmta_column(f, n, "dsnStatus");
	c->diag = pmta_column(f, n, "dsnDiag");
	c->mta = pmta_column(f, n, "dsnMta");
	c->job = pmta_column(f, n, "jobId");
	c->ok = c->rcpt >= 0;
	return 1;
}

static struct span pmta_field(const struct span *f, int n, int col)
{
	return col >= 0 && col < n ? f[col] : span_of(NULL, 0);
}

/* "b" bounced, "t"/"tq" deferred, "d" delivered, "rb"/"rs" a bounce or
 * status a DSN reported later, "f" a feedback report. */
static int read_pmta(struct span line, const struct pmta_columns *c, struct event *ev,
                     char *scratch)
{
	struct span f[PMTA_MAX_FIELDS], type, action, diag;
	int n;
	if (!c->ok || (n = csv_split(line, f, scratch)) < 0)
		return 0;
	type = pmta_field(f, n, c->type);
	action = pmta_field(f, n, c->action);
	if (type.n == 1 && type.p[0] == 'b')
		ev->outcome = OUT_FAILED;
	else if ((type.n == 1 && type.p[0] == 't') || (type.n == 2 && starts(type, "tq")))
		ev->outcome = OUT_DELAYED;
	else if (type.n == 1 && type.p[0] == 'd')
		ev->outcome = OUT_DELIVERED;
	else if (type.n == 1 && type.p[0] == 'f')
		ev->outcome = OUT_COMPLAINT;
	else if (type.n == 2 && type.p[0] == 'r' && (type.p[1] == 'b' || type.p[1] == 's'))
		ev->outcome = starts(action, "delayed")                              ? OUT_DELAYED
		              : starts(action, "failed") || type.p[1] == 'b'          ? OUT_FAILED
		                                                                     : OUT_DELIVERED;
	else
		return 0;
	ev->mta = "powermta";
	ev->date = pmta_field(f, n, c->time);
	ev->recipients = pmta_field(f, n, c->rcpt);
	ev->original = bare_address(pmta_field(f, n, c->orcpt));
	if (starts(ev->original, "rfc822;"))
		ev->original = trim(span_of(ev->original.p + 7, ev->original.n - 7));
	ev->queue_id = pmta_field(f, n, c->job);
	ev->dsn = pmta_field(f, n, c->status);
	/* "smtp;550 5.1.1 ..." and "dns;mx.example.org (192.0.2.1)" name their
	   kind before the value */
	diag = pmta_field(f, n, c->diag);
	if (find(diag, ";") && find(diag, ";") - diag.p < 12)
		diag = after(diag, find(diag, ";") + 1);
	ev->text = trim(diag);
	ev->relay = pmta_field(f, n, c->mta);
	if (find(ev->relay, ";") && find(ev->relay, ";") - ev->relay.p < 12)
		ev->relay = after(ev->relay, find(ev->relay, ";") + 1);
	ev->relay = host_name(until(trim(ev->relay), " ("));
	return ev->recipients.n > 0;
}

/* ---- KumoMTA log records (JSON Lines) ------------------------------------------ */

/* One record of KumoMTA's log: {"type":"Bounce","recipient":...,"response":{...}} */
static int read_kumo(struct span line, struct event *ev, char *scratch)
{
	static const struct {
		const char *type;
		enum outcome outcome;
	} types[] = {{"\"Bounce\"", OUT_FAILED},        {"\"OOB\"", OUT_FAILED},
	             {"\"AdminBounce\"", OUT_FAILED},   {"\"TransientFailure\"", OUT_DELAYED},
	             {"\"Expiration\"", OUT_EXPIRED},   {"\"Delivery\"", OUT_DELIVERED},
	             {"\"Feedback\"", OUT_COMPLAINT}};
	struct span obj = trim(line), type, response, code, peer;
	char *out = scratch;
	size_t k;
	if (!starts(obj, "{") || !(type = lj_member(obj, "type")).n)
		return 0;
	for (k = 0; k < sizeof types / sizeof types[0]; k++)
		if (type.n == strlen(types[k].type) && memcmp(type.p, types[k].type, type.n) == 0)
			break;
	if (k == sizeof types / sizeof types[0])
		return 0;
	ev->mta = "kumomta";
	ev->outcome = types[k].outcome;
	ev->recipients = lj_text(lj_member(obj, "recipient"), &out);
	if (!ev->recipients.n && ev->outcome == OUT_COMPLAINT) {
		/* a report KumoMTA could not tie to a message of its own names
		   the recipient in the report: the trace header kumo added, or
		   the report's Original-Rcpt-To */
		struct span report = lj_member(obj, "feedback_report");
		ev->recipients =
		    lj_text(lj_member(lj_member(report, "supplemental_trace"), "recipient"), &out);
		if (!ev->recipients.n)
			ev->recipients = lj_text(lj_member(report, "original_rcpt_to"), &out);
	}
	ev->queue_id = lj_text(lj_member(obj, "id"), &out);
	ev->date = lj_member(obj, "timestamp");
	if (ev->date.n && ev->date.p[0] == '"')
		ev->date = lj_text(ev->date, &out);
	response = lj_member(obj, "response");
	ev->reply = (unsigned)lj_uint(lj_member(response, "code"));
	ev->text = lj_text(lj_member(response, "content"), &out);
	code = lj_member(response, "enhanced_code");
	if (code.n && code.p[0] == '{') {
		unsigned long c = lj_uint(lj_member(code, "class")),
		              s = lj_uint(lj_member(code, "subject")),
		              d = lj_uint(lj_member(code, "detail"));
		if (c >= 2 && c <= 5 && s < 1000 && d < 1000) {
			int w = snprintf(out, 16, "%lu.%lu.%lu", c, s, d);
			ev->dsn = span_of(out, (size_t)w);
			out += w;
		}
	}
	peer = lj_member(obj, "peer_address");
	ev->relay = host_name(lj_text(lj_member(peer, "name"), &out));
	return ev->recipients.n > 0;
}

/* ---- Postfix's queue: deferrals kept until expiry or removal ---------------- */

struct deferral {
	struct deferral *next;
	struct copy recipient, relay, dsn, text;
};

struct queued {
	struct queued *next, *older, *newer;
	struct copy id;
	struct deferral *deferrals;
	/* where the queue manager said the message expired, if it did */
	struct copy expired_in, expired_date, expired_host;
	unsigned long expired_line;
};

struct queue {
	struct queued **slots;
	size_t nslots, count;
	struct queued *oldest, *newest;
};

static size_t queue_hash(struct span id, size_t nslots)
{
	size_t h = 5381, i;
	for (i = 0; i < id.n; i++)
		h = h * 33 + (unsigned char)id.p[i];
	return h & (nslots - 1);
}

static struct queued **queue_find(struct queue *q, struct span id)
{
	struct queued **e = &q->slots[queue_hash(id, q->nslots)];
	while (*e && !same((*e)->id, id))
		e = &(*e)->next;
	return e;
}

static void deferrals_free(struct deferral *d)
{
	while (d) {
		struct deferral *next = d->next;
		free(d->recipient.p), free(d->relay.p), free(d->dsn.p), free(d->text.p);
		free(d);
		d = next;
	}
}

static void queued_free(struct queued *m)
{
	if (m) {
		deferrals_free(m->deferrals);
		free(m->id.p);
		free(m->expired_in.p), free(m->expired_date.p), free(m->expired_host.p);
		free(m);
	}
}

/* Take M out of the table and the age list; the caller owns it. */
static struct queued *queue_unlink(struct queue *q, struct queued *m)
{
	struct queued **e = queue_find(q, copy_span(m->id));
	*e = m->next;
	if (m->older)
		m->older->newer = m->newer;
	else
		q->oldest = m->newer;
	if (m->newer)
		m->newer->older = m->older;
	else
		q->newest = m->older;
	q->count--;
	return m;
}

static struct queued *queue_get(struct queue *q, struct span id)
{
	return q->slots ? *queue_find(q, id) : NULL;
}

static struct queued *queue_take(struct queue *q, struct span id)
{
	struct queued *m = queue_get(q, id);
	return m ? queue_unlink(q, m) : NULL;
}

/* Take RECIPIENT's kept deferral out of message ID; the caller frees it. */
static struct deferral *queue_take_deferral(struct queue *q, struct span id, struct span recipient)
{
	struct queued *m = queue_get(q, id);
	struct deferral **d;
	for (d = m ? &m->deferrals : NULL; d && *d; d = &(*d)->next)
		if (same((*d)->recipient, recipient)) {
			struct deferral *found = *d;
			*d = found->next;
			found->next = NULL;
			return found;
		}
	return NULL;
}

/* Keep EV, a deferral of one recipient, as that recipient's latest. */
static int queue_keep(struct queue *q, const struct event *ev, struct span recipient)
{
	struct queued **e, *m;
	struct deferral *d, **tail;
	if (!q->slots) {
		q->nslots = 1u << 16;
		if (!(q->slots = calloc(q->nslots, sizeof *q->slots)))
			return -1;
	}
	if (!(m = *queue_find(q, ev->queue_id))) {
		if (q->count >= LOG_MAX_QUEUED)
			queued_free(queue_unlink(q, q->oldest));
		if (!(m = calloc(1, sizeof *m)) || copy_set(&m->id, ev->queue_id) < 0) {
			free(m);
			return -1;
		}
		e = queue_find(q, ev->queue_id);
		*e = m;
		m->older = q->newest;
		if (q->newest)
			q->newest->newer = m;
		else
			q->oldest = m;
		q->newest = m;
		q->count++;
	}
	for (tail = &m->deferrals; *tail && !same((*tail)->recipient, recipient);)
		tail = &(*tail)->next; /* kept in the log's order */
	if (!(d = *tail)) {
		if (!(d = calloc(1, sizeof *d)) || copy_set(&d->recipient, recipient) < 0) {
			free(d);
			return -1;
		}
		*tail = d;
	}
	return copy_set(&d->relay, ev->relay) | copy_set(&d->dsn, ev->dsn) |
	       copy_set(&d->text, ev->text);
}

static void queue_free(struct queue *q)
{
	while (q->oldest)
		queued_free(queue_unlink(q, q->oldest));
	free(q->slots);
}

/* ---- output ------------------------------------------------------------------ */

struct log_run {
	struct rebound_query q;
	struct out o;
	enum format format;
	int final_only, with_delivered, status;
	struct queue queue;
	struct qmail_slot qmail[LOG_QMAIL_SLOTS];
	struct pmta_columns pmta; /* of the file being read */
	struct summary *summary;  /* with --summary: the records are folded into it */
	struct xlog_columns xlog; /* an Exchange log's, likewise */
	struct esp_state esp;     /* JSON of an ESP's events gathered over lines */
	struct haraka_state haraka; /* a Haraka transaction's recipients, likewise */
	unsigned long known; /* lines of the current file that were recognised */
};

static void json_span(struct out *o, const char *key, struct span s)
{
	out_json_key(o, key);
	out_json_or_null(o, s.p, s.n);
}

static void json_cstr(struct out *o, const char *key, const char *s)
{
	json_span(o, key, span_of(s, s ? strlen(s) : 0));
}

static void tsv_span(struct out *o, struct span s) { out_tsv_cell(o, s.p, s.n); }
static void tsv_cstr(struct out *o, const char *s) { out_tsv_cell(o, s, strlen(s)); }

static const char log_tsv_header[] =
	"file\tline\tmta\tqueue_id\tevent\trecipient\toriginal_recipient\tstatus\treply\ttype\t"
	"class\tblame\tnext_action\tprovider\trule\tsisimai\tbounce_code\tremote_mta\tdate\t"
	"esp_verdict\tdiagnostic\n";

/* One record: where, which delivery, and the verdict on its text. */
static void write_record(struct log_run *run, const char *path, unsigned long lineno,
                         const struct event *ev, struct span recipient,
                         const struct rebound_result *r)
{
	struct out *o = &run->o;
	const struct rebound_class *c = r->cls;
	struct span status = r->status[0] ? span_of(r->status, strlen(r->status)) : ev->dsn;
	const char *event = outcome_names[ev->outcome];
	if (run->format == FORMAT_JSON) {
		out_str(o, "{\"file\":");
		out_json_string(o, path, strlen(path));
		out_json_key(o, "line");
		out_uint(o, lineno);
		json_cstr(o, "mta", ev->mta);
		json_span(o, "queue_id", ev->queue_id);
		json_cstr(o, "event", event);
		json_span(o, "recipient", recipient);
		json_span(o, "original_recipient", ev->original);
		json_span(o, "status", status);
		out_json_key(o, "reply");
		if (r->reply)
			out_uint(o, r->reply);
		else
			out_str(o, "null");
		json_cstr(o, "type", rebound_type_name(r->type));
		json_cstr(o, "class", c->name);
		json_cstr(o, "blame", rebound_blame_name(c->blame));
		json_cstr(o, "next_action", rebound_action_name(c->action));
		json_cstr(o, "provider", r->provider ? r->provider->id : NULL);
		json_cstr(o, "rule", r->rule->id);
		json_cstr(o, "sisimai", c->sisimai);
		out_json_key(o, "bounce_code");
		if (c->bounce_code)
			out_uint(o, (unsigned long)c->bounce_code);
		else
			out_str(o, "null");
		json_span(o, "remote_mta", ev->relay);
		json_span(o, "reporting_mta", ev->host);
		json_span(o, "date", ev->date);
		json_span(o, "esp_verdict", ev->verdict);
		json_span(o, "diagnostic", ev->text);
		out_str(o, "}\n");
	} else if (run->format == FORMAT_TSV) {
		tsv_cstr(o, path);
		out_uint(o, lineno);
		out_char(o, '\t');
		tsv_cstr(o, ev->mta);
		tsv_span(o, ev->queue_id);
		tsv_cstr(o, event);
		tsv_span(o, recipient);
		tsv_span(o, ev->original);
		tsv_span(o, status);
		if (r->reply)
			out_uint(o, r->reply);
		out_char(o, '\t');
		tsv_cstr(o, rebound_type_name(r->type));
		tsv_cstr(o, c->name);
		tsv_cstr(o, rebound_blame_name(c->blame));
		tsv_cstr(o, rebound_action_name(c->action));
		tsv_cstr(o, r->provider ? r->provider->id : "");
		tsv_cstr(o, r->rule->id);
		tsv_cstr(o, c->sisimai);
		if (c->bounce_code)
			out_uint(o, (unsigned long)c->bounce_code);
		out_char(o, '\t');
		tsv_span(o, ev->relay);
		tsv_span(o, ev->date);
		tsv_span(o, ev->verdict);
		if (ev->text.n)
			out_tsv_field(o, ev->text.p, ev->text.n);
		out_char(o, '\n');
	} else {
		out_str(o, path);
		out_char(o, ':');
		out_uint(o, lineno);
		out_str(o, ": ");
		out_str(o, event);
		out_char(o, ' ');
		if (recipient.n)
			out_bytes(o, recipient.p, recipient.n);
		else
			out_str(o, "(no recipient)");
		if (ev->verdict.n) {
			out_str(o, " (esp: ");
			out_bytes(o, ev->verdict.p, ev->verdict.n);
			out_char(o, ')');
		}
		out_str(o, "  ");
		out_classify(o, FORMAT_TEXT, "", 0, r);
	}
}

/* The record of one recipient, or with --summary its event counted. */
static void emit(struct log_run *run, const char *path, unsigned long lineno,
                 const struct event *ev, struct span recipient, const struct rebound_result *r)
{
	static const enum summary_event events[] = {SUMMARY_FAILED, SUMMARY_DELAYED, SUMMARY_EXPIRED,
	                                            SUMMARY_DELIVERED, SUMMARY_COMPLAINT};
	if (!run->summary) {
		write_record(run, path, lineno, ev, recipient, r);
		return;
	}
	if (summary_add(run->summary, recipient.p, recipient.n, events[ev->outcome], r, ev->date.p,
	                ev->date.n, ev->queue_id.p, ev->queue_id.n, path, lineno) < 0) {
		fprintf(stderr, "rebound: %s:%lu: %s\n", path, lineno, strerror(ENOMEM));
		run->status = 1;
	}
}

/* The next address of a recipient list ("<a>,<b>" or "a, b"). */
static int next_address(struct span list, size_t *pos, struct span *addr)
{
	while (*pos < list.n && (list.p[*pos] == ',' || list.p[*pos] == ' '))
		(*pos)++;
	if (*pos >= list.n)
		return 0;
	*addr = until(after(list, list.p + *pos), ",");
	*pos += addr->n ? addr->n : 1;
	*addr = bare_address(*addr);
	if (addr->n && addr->p[addr->n - 1] == '>' && find(*addr, "<")) {
		/* Sendmail keeps a display name: "to=Name <a@b>" */
		const char *open = addr->p + addr->n - 1;
		while (*open != '<')
			open--;
		if (addr->p + addr->n - 2 > open)
			*addr = span_of(open + 1, (size_t)(addr->p + addr->n - 2 - open));
	}
	return 1;
}

static const struct rebound_rule log_delivered = {"log-delivered", "cli/maillog.c", 0, NULL};
static const struct rebound_rule log_feedback = {"log-feedback", "cli/maillog.c", 0, NULL};

/* The log's record type outranks a text of another type: a delivery is a
 * success and a feedback report a complaint, whatever their text says. */
static void settle(struct rebound_result *r, const char *cls, enum rebound_type type,
                   const struct rebound_rule *rule)
{
	const struct rebound_class *c = rebound_class_find(cls);
	if (!c || r->type == type)
		return;
	r->cls = c;
	r->type = type;
	r->rule = rule;
	r->retry_after = 0;
}

/* Classify TEXT with what the log says around it: the relay, the
 * recipient's domain and the DSN status. */
static void classify_event(struct log_run *run, const struct event *ev, struct span recipient,
                           struct rebound_result *r)
{
	char relay[256], rcpt[512], dsn[16];
	struct rebound_query q = run->q;
	snprintf(relay, sizeof relay, "%.*s", (int)ev->relay.n, ev->relay.p ? ev->relay.p : "");
	snprintf(rcpt, sizeof rcpt, "%.*s", (int)recipient.n, recipient.p ? recipient.p : "");
	/* PowerMTA adds the status's meaning: "5.1.1 (bad destination ...)" */
	snprintf(dsn, sizeof dsn, "%.*s", (int)until(ev->dsn, " ").n, ev->dsn.p ? ev->dsn.p : "");
	q.remote_host = *relay ? relay : NULL;
	q.recipient_domain = *rcpt ? rcpt : NULL;
	q.status = *dsn ? dsn : NULL;
	q.reply = ev->reply;
	rebound_classify(ev->text.p ? ev->text.p : "", ev->text.n, &q, r);
	if (ev->outcome == OUT_DELIVERED)
		settle(r, "delivered", REBOUND_TYPE_SUCCESS, &log_delivered);
	else if (ev->outcome == OUT_COMPLAINT)
		settle(r, "complaint", REBOUND_TYPE_COMPLAINT, &log_feedback);
	else if (ev->outcome == OUT_EXPIRED || (ev->outcome == OUT_FAILED && r->status_class == 4))
		rebound_settle_expired(r); /* a failure with a temporary status gave up */
}

/* The event with a kept deferral's reply in place of a text the line
 * lacks ("status=expired, returned to sender" gives no reason). */
static struct event with_deferral(const struct event *ev, const struct deferral *d)
{
	struct event e = *ev;
	if (!e.text.n) {
		e.text = copy_span(d->text);
		e.dsn = copy_span(d->dsn);
		e.relay = copy_span(d->relay);
	}
	return e;
}

static void report(struct log_run *run, const char *path, unsigned long lineno,
                   const struct event *ev)
{
	struct span addr;
	size_t pos = 0;
	int postfix = ev->mta && strcmp(ev->mta, "postfix") == 0;
	while (next_address(ev->recipients, &pos, &addr)) {
		struct rebound_result r;
		struct event e = *ev;
		struct deferral *d = NULL;
		if (postfix && ev->outcome == OUT_DELAYED) {
			if (queue_keep(&run->queue, ev, addr) < 0) {
				fprintf(stderr, "rebound: %s:%lu: %s\n", path, lineno, strerror(ENOMEM));
				run->status = 1;
			}
		} else if (postfix) {
			/* the recipient's fate is known: a later expiry of the
			   message is not about it */
			d = queue_take_deferral(&run->queue, ev->queue_id, addr);
			if (d && ev->outcome == OUT_EXPIRED)
				e = with_deferral(ev, d);
		}
		if (run->summary || (!(ev->outcome == OUT_DELAYED && run->final_only) &&
		                     !(ev->outcome == OUT_DELIVERED && !run->with_delivered))) {
			classify_event(run, &e, addr, &r);
			emit(run, path, lineno, &e, addr, &r);
		}
		deferrals_free(d);
	}
}

/* Every recipient of message M whose last word was a deferral, as expired. */
static void report_expired(struct log_run *run, const struct queued *m)
{
	struct deferral *d;
	for (d = m->deferrals; d; d = d->next) {
		struct event ev;
		struct rebound_result r;
		memset(&ev, 0, sizeof ev);
		ev.mta = "postfix";
		ev.outcome = OUT_EXPIRED;
		ev.queue_id = copy_span(m->id);
		ev.host = copy_span(m->expired_host);
		ev.date = copy_span(m->expired_date);
		ev = with_deferral(&ev, d);
		classify_event(run, &ev, copy_span(d->recipient), &r);
		emit(run, m->expired_in.p, m->expired_line, &ev, copy_span(d->recipient), &r);
	}
}

/* Postfix's queue manager: "QUEUEID: from=<s>, status=expired, returned to
 * sender" marks the message; when it leaves the queue ("QUEUEID: removed")
 * its recipients still deferred are reported as expired.  Waiting for the
 * removal lets per-recipient lines logged in between ("to=<r>, ...,
 * status=expired") speak for their recipients first. */
static int read_postfix_queue(struct log_run *run, const char *path, unsigned long lineno,
                              struct span line, const struct wrap *w)
{
	const char *m = find(line, ": removed");
	const char *x = find(line, ", status=expired");
	const char *end = m ? m : x ? find(line, ": from=") : NULL;
	const char *q;
	struct span id, date, host;
	struct queued *msg;
	if (!end || (m && m + 9 != line.p + line.n))
		return 0;
	q = end;
	while (q > line.p && q[-1] != ' ')
		q--;
	id = span_of(q, (size_t)(end - q));
	if (m) {
		msg = queue_take(&run->queue, id);
		if (msg && msg->expired_in.p)
			report_expired(run, msg);
		queued_free(msg);
		return 1;
	}
	if ((msg = queue_get(&run->queue, id)) != NULL) {
		syslog_frame(line, q, &date, &host);
		if (w->date.n)
			date = w->date;
		if (w->host.n)
			host = w->host;
		msg->expired_line = lineno;
		if (copy_set(&msg->expired_in, span_of(path, strlen(path))) |
		    copy_set(&msg->expired_date, date) | copy_set(&msg->expired_host, host)) {
			free(msg->expired_in.p);
			msg->expired_in.p = NULL;
			fprintf(stderr, "rebound: %s:%lu: %s\n", path, lineno, strerror(ENOMEM));
			run->status = 1;
		}
	}
	return 1;
}

/* At the end of the input: expired messages whose removal was not logged. */
static void report_pending_expiries(struct log_run *run)
{
	struct queued *m;
	for (m = run->queue.oldest; m && !run->o.failed; m = m->newer)
		if (m->expired_in.p)
			report_expired(run, m);
}

/* Exchange's deliveries (maillog_exchange.c) go the way of every other. */
struct xlog_at {
	struct log_run *run;
	const char *path;
	unsigned long lineno;
	const struct wrap *wrap; /* of the line, for the readers of maillog_reader.h */
};

static void xlog_report(void *ctx, const struct xlog_delivery *d)
{
	static const enum outcome outcomes[] = {OUT_FAILED, OUT_DELAYED, OUT_EXPIRED, OUT_DELIVERED};
	const struct xlog_at *at = ctx;
	struct event ev;
	memset(&ev, 0, sizeof ev);
	ev.mta = d->mta;
	ev.outcome = outcomes[d->outcome];
	ev.date = span_of(d->date.p, d->date.n);
	ev.queue_id = span_of(d->queue_id.p, d->queue_id.n);
	ev.recipients = span_of(d->recipient.p, d->recipient.n);
	ev.relay = span_of(d->relay.p, d->relay.n);
	ev.host = span_of(d->host.p, d->host.n);
	ev.text = span_of(d->text.p, d->text.n);
	report(at->run, at->path, at->lineno, &ev);
}

/* So do those of the readers of maillog_reader.h; a record gathered over
 * lines is told at its first. */
static void mlog_report(void *ctx, const struct mlog_delivery *d)
{
	static const enum outcome outcomes[] = {OUT_FAILED, OUT_DELAYED, OUT_EXPIRED, OUT_DELIVERED,
	                                        OUT_COMPLAINT};
	const struct xlog_at *at = ctx;
	struct event ev;
	memset(&ev, 0, sizeof ev);
	ev.mta = d->mta;
	ev.outcome = outcomes[d->outcome];
	ev.date = d->date;
	ev.queue_id = d->queue_id;
	ev.recipients = d->recipient;
	ev.original = d->original;
	ev.relay = d->relay;
	ev.host = d->host;
	ev.dsn = d->dsn;
	ev.text = d->text;
	ev.verdict = d->verdict;
	ev.reply = d->reply;
	if (at->wrap)
		unwrapped(&ev, at->wrap);
	report(at->run, at->path, d->line ? d->line : at->lineno, &ev);
}

static void read_line(struct log_run *run, const char *path, unsigned long lineno,
                      const char *text, size_t len, char *scratch)
{
	struct span line = span_of(text, len), core;
	struct event ev;
	struct xlog_at at;
	struct wrap w;
	int esp;
	memset(&ev, 0, sizeof ev);
	at.run = run, at.path = path, at.lineno = lineno, at.wrap = NULL;
	if ((esp = esp_line(&run->esp, path, lineno, text, len, mlog_report, &at)) != ESP_NOT_MINE) {
		run->known += esp == ESP_KNOWN; /* JSON of no known feed is not */
		return;
	}
	if (xlog_line(&run->xlog, text, len, scratch, xlog_report, &at)) {
		run->known++;
		return;
	}
	/* the syslog-like logs may come inside a collector's wrapper */
	core = unwrap(line, &w);
	at.wrap = &w;
	if (smtpd_line(core.p, core.n, mlog_report, &at) ||
	    haraka_line(&run->haraka, core.p, core.n, mlog_report, &at)) {
		run->known++;
		return;
	}
	if (pmta_header(line, &run->pmta, scratch)) {
		run->known++;
		return;
	}
	if (read_pmta(line, &run->pmta, &ev, scratch) || read_kumo(line, &ev, scratch))
		report(run, path, lineno, &ev);
	else if (read_postfix_or_sendmail(core, &ev) || read_exim(core, &ev) ||
	         read_qmail(core, &ev, run->qmail, scratch)) {
		unwrapped(&ev, &w);
		report(run, path, lineno, &ev);
	} else if (!read_postfix_queue(run, path, lineno, core, &w) && !qmail_start(core, run->qmail))
		return;
	run->known++;
}

static void log_usage(FILE *f)
{
	fputs("usage: rebound log [OPTION]... [FILE]...\n"
	      "Read MTA logs and classify every delivery that failed, was deferred or\n"
	      "expired: one record per recipient.  Postfix, Sendmail, Exim (main log),\n"
	      "qmail-send, OpenSMTPD, Haraka (outbound), PowerMTA accounting (CSV\n"
	      "with its header line), KumoMTA (JSON records), Exchange Server's\n"
	      "message tracking logs (MSGTRK*.LOG) and Exchange Online's message\n"
	      "trace exports (extended report, Get-MessageTrace,\n"
	      "Get-MessageTraceDetail; CSV in UTF-8) are recognised, and so are the\n"
	      "bounce, delivery and complaint events of Amazon SES (with its rejects\n"
	      "and rendering failures, also inside SNS notifications), SendGrid,\n"
	      "Mailgun, Postmark, SparkPost, Mandrill, Mailjet, Brevo, Resend and\n"
	      "Postal, as JSON (one object per line, or arrays, or spread over\n"
	      "lines); the ESP's own verdict is kept as esp_verdict.  Syslog-style\n"
	      "lines are read inside a collector's wrapper too (syslog <PRI> or RFC\n"
	      "5424 header, docker compose or 'docker logs -t' prefix).  Other lines\n"
	      "are skipped, broken JSON is reported.  Without FILE, or with '-',\n"
	      "standard input is read.\n\n"
	      "  -p, --profile NAME   use a profile of overrides (see 'rebound list profiles')\n"
	      "  -f, --format FMT     text, tsv or json (JSON Lines); default text\n"
	      "      --final          leave out deferrals (only failures and expiries)\n"
	      "      --delivered      also report successful deliveries\n"
	      "      --summary        one line per recipient instead: its events counted and\n"
	      "                       a decision (suppress, fix-sender, back-off, retry, ok,\n"
	      "                       review); every event counts, --final and --delivered\n"
	      "                       are ignored\n"
	      "      --soft-limit N   with --summary, suppress after N messages failing\n"
	      "                       softly for the mailbox's sake (default 5) ...\n"
	      "      --soft-days D    ... that span at least D days (default 3)\n"
	      "      --as-of DATE     the date syslog dates without a year are read before\n"
	      "                       (default: now)\n"
	      "      --zone OFFSET    with --summary, the zone of dates that name none,\n"
	      "                       such as syslog's (e.g. +01:00; default UTC)\n"
	      "  -h, --help           show this help\n\n"
	      "Exit status: 0 every file was read, 1 a file could not be read or the\n"
	      "output could not be written (the other files are still read), 2 usage error.\n",
	      f);
}

static void read_stream(struct log_run *run, const char *path, FILE *f, char *scratch)
{
	struct lines in;
	const char *text;
	size_t len;
	lines_init(&in, f);
	memset(&run->pmta, 0, sizeof run->pmta); /* each file has its own header */
	if (run->summary)
		summary_begin_input(run->summary);
	memset(&run->xlog, 0, sizeof run->xlog);
	memset(&run->haraka, 0, sizeof run->haraka);
	run->known = 0;
	while (!run->o.failed && lines_next(&in, &text, &len)) {
		char *s = scratch;
		/* qmail's text is rewritten into scratch; a longer line is
		   rewritten into a buffer of its own */
		if (len > REBOUND_MAX_TEXT && !(s = malloc(len))) {
			fprintf(stderr, "rebound: %s:%lu: %s\n", path, in.lineno, strerror(ENOMEM));
			run->status = 1;
			continue;
		}
		read_line(run, path, in.lineno, text, len, s);
		if (s != scratch)
			free(s);
	}
	esp_end(&run->esp, path);
	if (in.error) {
		fprintf(stderr, "rebound: %s: line %lu: %s\n", path, in.lineno + 1, strerror(errno));
		run->status = 1;
	}
	/* say so when a whole file was in no format this reader knows, rather
	   than print nothing (not an error: a quiet log has no deliveries) */
	if (!in.error && in.lineno && !run->known)
		fprintf(stderr, "rebound: %s: none of its %lu lines is a delivery record of a known"
		                " format (see 'rebound log --help')\n",
		        path, in.lineno);
	lines_free(&in);
}

static void log_run_free(struct log_run *run)
{
	size_t k;
	queue_free(&run->queue);
	esp_free(&run->esp);
	summary_free(run->summary);
	for (k = 0; k < LOG_QMAIL_SLOTS; k++) {
		free(run->qmail[k].recipient.p);
		free(run->qmail[k].msg.p);
	}
	free(run->o.buf);
	free(run);
}

int cmd_log(int argc, char **argv)
{
	struct log_run *run;
	struct rebound_result probe;
	char *scratch;
	int i, nfiles = 0, only_files = 0, err, rc, summary = 0;
	unsigned soft_limit = SUMMARY_SOFT_LIMIT, soft_days = SUMMARY_SOFT_DAYS;
	long long as_of = (long long)time(NULL), zone = 0;
	const char *v;

	run = calloc(1, sizeof *run);
	scratch = malloc(REBOUND_MAX_TEXT);
	if (!run || !scratch) {
		fprintf(stderr, "rebound: %s\n", strerror(ENOMEM));
		free(run);
		free(scratch);
		return 1;
	}
	run->format = FORMAT_TEXT;
	/* the options first, so that a usage error reads no input */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_files || a[0] != '-' || !a[1]) {
			nfiles++;
			continue;
		}
		if (strcmp(a, "--") == 0)
			only_files = 1;
		else if ((v = option_value(argc, argv, &i, "--profile", "-p")))
			run->q.profile = v;
		else if ((v = option_value(argc, argv, &i, "--format", "-f"))) {
			if (parse_format(v, &run->format) < 0) {
				fprintf(stderr, "rebound: unknown format '%s' (use text, tsv or json)\n", v);
				rc = 2;
				goto out;
			}
		} else if (strcmp(a, "--final") == 0)
			run->final_only = 1;
		else if (strcmp(a, "--delivered") == 0)
			run->with_delivered = 1;
		else if (strcmp(a, "--summary") == 0)
			summary = 1;
		else if ((err = summary_option(argc, argv, &i, &soft_limit, &soft_days, &as_of, &zone)) != 0) {
			if (err < 0) {
				rc = 2;
				goto out;
			}
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			log_usage(stdout);
			rc = 0;
			goto out;
		} else {
			fprintf(stderr, "rebound: unknown option '%s'\n", a);
			rc = 2;
			goto out;
		}
	}
	err = rebound_classify("", 0, &run->q, &probe);
	if (err < 0) {
		fprintf(stderr, "rebound: unknown profile '%s' (see 'rebound list profiles')\n",
		        run->q.profile);
		rc = 2;
		goto out;
	}
	if (summary && !(run->summary = summary_new(soft_limit, soft_days, as_of, zone))) {
		fprintf(stderr, "rebound: %s\n", strerror(ENOMEM));
		rc = 1;
		goto out;
	}
	out_init(&run->o, stdout);
	if (run->format == FORMAT_TSV && !run->summary)
		out_str(&run->o, log_tsv_header);
	if (!nfiles)
		read_stream(run, "-", stdin, scratch);
	only_files = 0;
	for (i = 1; i < argc && !run->o.failed; i++) {
		const char *a = argv[i];
		FILE *f;
		if (!only_files && a[0] == '-' && a[1]) {
			if (strcmp(a, "--") == 0)
				only_files = 1;
			else if (strcmp(a, "-p") == 0 || strcmp(a, "-f") == 0 ||
			         strcmp(a, "--profile") == 0 || strcmp(a, "--format") == 0 ||
			         strcmp(a, "--soft-limit") == 0 || strcmp(a, "--soft-days") == 0 ||
			         strcmp(a, "--as-of") == 0 || strcmp(a, "--zone") == 0)
				i++; /* skip the option's value */
			continue;
		}
		if (strcmp(a, "-") == 0) {
			read_stream(run, "-", stdin, scratch);
			continue;
		}
		if (!(f = fopen(a, "r"))) {
			fprintf(stderr, "rebound: %s: %s\n", a, strerror(errno));
			run->status = 1;
			continue;
		}
		read_stream(run, a, f, scratch);
		fclose(f);
	}
	report_pending_expiries(run);
	if (run->summary)
		summary_write(run->summary, &run->o, run->format);
	out_flush(&run->o);
	if (run->o.failed || fflush(stdout) != 0) {
		fprintf(stderr, "rebound: cannot write output: %s\n", strerror(errno));
		run->status = 1;
	}
	rc = run->status ? 1 : 0;
out:
	log_run_free(run);
	free(scratch);
	return rc;
}
