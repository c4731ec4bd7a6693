/*
 * maillog_reader.h - what the readers of "rebound log" that live in files
 * of their own (OpenSMTPD, Haraka, the ESP event feeds) hand back to
 * maillog.c: one recipient's delivery, through a callback, so that the
 * classification, the filters and the record writer stay in one place.
 */
#ifndef REBOUND_CLI_MAILLOG_READER_H
#define REBOUND_CLI_MAILLOG_READER_H

#include <stddef.h>
#include <string.h>

/* A piece of a line (or of a reader's buffer); not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

/* In the order of maillog.c's outcomes. */
enum mlog_outcome { MLOG_FAILED, MLOG_DELAYED, MLOG_EXPIRED, MLOG_DELIVERED, MLOG_COMPLAINT };

struct mlog_delivery {
	const char *mta;
	enum mlog_outcome outcome;
	unsigned long line; /* where the record starts, if not on the current line (0) */
	unsigned reply;     /* a reply code given apart from the text, or 0 */
	struct span date, queue_id, recipient, original, relay, host, dsn, text;
	struct span verdict; /* the sender's own verdict (an ESP's bounce type), if any */
};

typedef void mlog_each(void *ctx, const struct mlog_delivery *d);

static inline struct span mlog_span(const char *p, size_t n)
{
	struct span s;
	s.p = p;
	s.n = n;
	return s;
}

/* The first NEEDLE in P..END, or NULL (memmem is not in C or POSIX). */
static inline const char *mlog_find(const char *p, const char *end, const char *needle)
{
	size_t k = strlen(needle);
	while (p && (size_t)(end - p) >= k && (p = memchr(p, needle[0], (size_t)(end - p) - k + 1))) {
		if (memcmp(p, needle, k) == 0)
			return p;
		p++;
	}
	return NULL;
}

/* The syslog frame in front of a program's message, PREFIX: "DATE HOST
 * TAG[PID]:" gives the date and host; a prefix without a tag (a date the
 * program wrote itself) is all date. */
static inline void mlog_frame(struct span prefix, struct span *date, struct span *host)
{
	const char *p = prefix.p, *e = prefix.p + prefix.n, *w;
	host->p = date->p = NULL;
	host->n = date->n = 0;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e > p && e[-1] == ':') {
		/* the tag, then the host */
		while (e > p && e[-1] != ' ')
			e--;
		while (e > p && e[-1] == ' ')
			e--;
		for (w = e; w > p && w[-1] != ' ';)
			w--;
		if (e - w >= 8 && w[2] == ':' && w[5] == ':') {
			/* a time: this syslog wrote no host name */
			w = e;
		} else {
			host->p = w;
			host->n = (size_t)(e - w);
		}
		e = w;
		while (e > p && e[-1] == ' ')
			e--;
	}
	while (p < e && *p == ' ')
		p++;
	if (e > p) {
		date->p = p;
		date->n = (size_t)(e - p);
	}
}

#endif
