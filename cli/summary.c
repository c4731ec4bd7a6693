/*
 * summary.c - "rebound log --summary" and "rebound parse --summary":
 * the records both commands produce, folded into one line per recipient
 * with a decision about the address.
 *
 * Records come in input order, but files need not be given in time
 * order, so every decision is taken on times, not on arrival: each event
 * is placed by its date (an undated one just after the last dated event
 * of its own input), the latest delivery ends every soft streak before
 * it, and spans are the distance between the earliest and the latest
 * date.  A recipient keeps counts, the latest event, the latest delivery
 * and hard failure, and the messages of its current soft streak (a
 * message's repeated deferrals count once): memory per recipient is
 * bounded, and so is the number of recipients.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "dates.h"
#include "summary.h"

/* "YYYY-MM-DDTHH:MM:SSZ" */
static void write_time(struct out *o, long long t)
{
	char buf[40];
	date_iso(t, buf);
	out_str(o, buf);
}

/* Days with one decimal, rounded down ("4.0"): a span shown as 3.0 has
 * reached three days. */
static void span_text(char *buf, size_t n, long long secs)
{
	long long tenths = secs / (DAY / 10);
	snprintf(buf, n, "%lld.%lld", tenths / 10, tenths % 10);
}

static void write_days(struct out *o, long long secs)
{
	char buf[32];
	span_text(buf, sizeof buf, secs);
	out_str(o, buf);
}

/* ---- the table ---------------------------------------------------------------- */

/* A place in time: the date (or the place an undated event inherits),
 * then the order of arrival. */
struct when {
	long long t;
	unsigned long long seq;
};

static int later(struct when a, struct when b) { return a.t != b.t ? a.t > b.t : a.seq > b.seq; }

/* One message of a soft streak. */
struct mark {
	unsigned long long msg;
	struct when first, last;
	int undated; /* one of its events had no readable date */
};

enum bucket { B_HARD, B_SOFT, B_EXPIRED, B_DELIVERED, B_COMPLAINT, B_AUTOREPLY, B_OTHER, NBUCKETS };
static const char *const bucket_names[] = {"hard",       "soft",         "expired", "delivered",
                                           "complaints", "autoreplies", "other"};
static const char *const bucket_labels[] = {"hard",      "soft",       "expired", "delivered",
                                            "complaint", "auto-reply", "other"};
static const char *const event_names[] = {"failed",    "delayed",   "expired", "delivered",
                                          "complaint", "autoreply", "other"};

struct entry {
	struct entry *next;
	char *key;
	size_t n;
	unsigned long count[NBUCKETS], undated;
	long long first, last; /* the dates read, if any */
	int dated;
	struct when last_when; /* the latest event */
	enum summary_event last_ev;
	const struct rebound_class *last_cls;
	const struct rebound_rule *last_rule;
	enum rebound_type last_type;
	unsigned last_retry;
	struct when delivered; /* the latest delivery or auto-reply */
	int has_delivered;
	struct when hard; /* the latest hard failure blamed on the recipient */
	const struct rebound_class *hard_cls;
	int has_hard;
	const struct rebound_class *stop_cls; /* a complaint or unsubscribe */
	struct mark *marks;
	unsigned nmarks;
	int marks_cut; /* older messages of the streak were forgotten */
	const struct rebound_class *streak_cls;
};

struct summary {
	struct entry **slots;
	size_t nslots, count;
	unsigned long long seq;
	long long clock; /* the last date of the current input */
	int clock_set;
	unsigned limit, days;
	long long as_of, zone;
	unsigned long dropped, no_recipient;
};

struct summary *summary_new(unsigned soft_limit, unsigned soft_days, long long as_of,
                            long long zone)
{
	struct summary *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->nslots = 4096;
	if (!(s->slots = calloc(s->nslots, sizeof *s->slots))) {
		free(s);
		return NULL;
	}
	s->limit = soft_limit;
	s->days = soft_days;
	s->as_of = as_of;
	s->zone = zone;
	return s;
}

void summary_begin_input(struct summary *s) { s->clock_set = 0; }

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

/* FNV-1a of N bytes at P, ASCII letters folded to lower case if FOLD. */
static unsigned long long hash(const char *p, size_t n, int fold)
{
	unsigned long long h = 1469598103934665603ull;
	size_t i;
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)(fold ? lower(p[i]) : p[i])) * 1099511628211ull;
	return h;
}

static int same_key(const struct entry *e, const char *p, size_t n)
{
	size_t i;
	if (e->n != n)
		return 0;
	for (i = 0; i < n; i++)
		if (e->key[i] != lower(p[i]))
			return 0;
	return 1;
}

static int grow(struct summary *s)
{
	size_t n = s->nslots * 2, i;
	struct entry **v = calloc(n, sizeof *v);
	if (!v)
		return -1;
	for (i = 0; i < s->nslots; i++) {
		struct entry *e = s->slots[i], *next;
		for (; e; e = next) {
			size_t k = (size_t)(hash(e->key, e->n, 0) & (n - 1));
			next = e->next;
			e->next = v[k];
			v[k] = e;
		}
	}
	free(s->slots);
	s->slots = v;
	s->nslots = n;
	return 0;
}

/* The entry of the address P (N bytes), made if new; NULL when the table
 * is full (*FULL set) or memory ran out. */
static struct entry *lookup(struct summary *s, const char *p, size_t n, int *full)
{
	size_t k = (size_t)(hash(p, n, 1) & (s->nslots - 1)), i;
	struct entry *e;
	for (e = s->slots[k]; e; e = e->next)
		if (same_key(e, p, n))
			return e;
	if (s->count >= SUMMARY_MAX_RECIPIENTS) {
		*full = 1;
		return NULL;
	}
	if (s->count >= s->nslots && grow(s) == 0)
		k = (size_t)(hash(p, n, 1) & (s->nslots - 1));
	if (!(e = calloc(1, sizeof *e)) || !(e->key = malloc(n + 1))) {
		free(e);
		return NULL;
	}
	for (i = 0; i < n; i++)
		e->key[i] = lower(p[i]);
	e->key[n] = '\0';
	e->n = n;
	e->next = s->slots[k];
	s->slots[k] = e;
	s->count++;
	return e;
}

static enum bucket bucket_of(enum summary_event ev, enum rebound_type type,
                             const struct rebound_class *cls)
{
	if (ev == SUMMARY_COMPLAINT || type == REBOUND_TYPE_COMPLAINT)
		return B_COMPLAINT;
	if (ev == SUMMARY_AUTOREPLY || type == REBOUND_TYPE_AUTOREPLY)
		return B_AUTOREPLY;
	if (ev == SUMMARY_DELIVERED || type == REBOUND_TYPE_SUCCESS)
		return B_DELIVERED;
	if (ev == SUMMARY_EXPIRED || strcmp(cls->name, "expired") == 0)
		return B_EXPIRED;
	if (type == REBOUND_TYPE_HARD)
		return B_HARD;
	if (type == REBOUND_TYPE_SOFT || type == REBOUND_TYPE_RETRY)
		return B_SOFT;
	return B_OTHER;
}

/* The address is done with: a hard failure of its own, or a relay's
 * suppression list. */
static int hard_for_recipient(const struct rebound_result *r)
{
	return r->cls->blame == REBOUND_BLAME_RECIPIENT &&
	       (r->type == REBOUND_TYPE_HARD ||
	        (r->type == REBOUND_TYPE_INFO && r->cls->action == REBOUND_ACTION_SUPPRESS));
}

/* A temporary failure that counts toward suppressing the address: one of
 * the mailbox itself (full, suspended, busy, a 4xx "unknown"; a recipient
 * flooded with mail only asks for slower sending), or one whose class says
 * to give up after retries whoever is to blame, such as a queue that
 * expired because the recipient's servers never answered.  A failure the
 * sender caused never counts. */
static int soft_for_recipient(const struct rebound_result *r)
{
	if ((r->type != REBOUND_TYPE_SOFT && r->type != REBOUND_TYPE_RETRY) ||
	    r->cls->blame == REBOUND_BLAME_SENDER)
		return 0;
	return (r->cls->blame == REBOUND_BLAME_RECIPIENT && r->cls->action != REBOUND_ACTION_BACK_OFF) ||
	       r->cls->action == REBOUND_ACTION_RETRY_THEN_SUPPRESS;
}

/* The message reached the mailbox: a delivery, or an auto-reply that
 * only records it (a challenge holds the message back). */
static int reached(enum bucket b, const struct rebound_class *c)
{
	return b == B_DELIVERED || (b == B_AUTOREPLY && c->action == REBOUND_ACTION_RECORD_ONLY);
}

/* Forget the streak's messages that ended before a delivery at W. */
static void streak_cut(struct entry *e, struct when w)
{
	unsigned i, kept = 0;
	for (i = 0; i < e->nmarks; i++)
		if (later(e->marks[i].last, w))
			e->marks[kept++] = e->marks[i];
	e->nmarks = kept;
	if (!kept)
		e->marks_cut = 0;
}

static int streak_add(struct entry *e, unsigned long long msg, struct when w, int undated)
{
	unsigned i, oldest = 0;
	struct mark *m;
	if (e->has_delivered && !later(w, e->delivered))
		return 0; /* a delivery came after it */
	for (i = 0; i < e->nmarks; i++)
		if (e->marks[i].msg == msg) {
			m = &e->marks[i];
			if (later(m->first, w))
				m->first = w;
			if (later(w, m->last))
				m->last = w;
			m->undated |= undated;
			return 0;
		}
	if (!e->marks && !(e->marks = malloc(SUMMARY_MAX_MARKS * sizeof *e->marks)))
		return -1;
	if (e->nmarks == SUMMARY_MAX_MARKS) {
		/* the message that ended first makes way */
		for (i = 1; i < e->nmarks; i++)
			if (later(e->marks[oldest].last, e->marks[i].last))
				oldest = i;
		e->marks_cut = 1;
		if (later(e->marks[oldest].last, w))
			return 0;
		m = &e->marks[oldest];
	} else
		m = &e->marks[e->nmarks++];
	m->msg = msg;
	m->first = m->last = w;
	m->undated = undated;
	return 0;
}

int summary_add(struct summary *s, const char *recipient, size_t n, enum summary_event ev,
                const struct rebound_result *r, const char *date, size_t date_len,
                const char *msg_id, size_t msg_id_len, const char *where, unsigned long line)
{
	struct entry *e;
	struct when w;
	long long t;
	int full = 0, dated;
	enum bucket b;
	while (n && (*recipient == ' ' || *recipient == '<'))
		recipient++, n--;
	while (n && (recipient[n - 1] == ' ' || recipient[n - 1] == '>'))
		n--;
	if (!n) {
		s->no_recipient++;
		return 0;
	}
	if (!(e = lookup(s, recipient, n, &full))) {
		if (!full)
			return -1;
		if (!s->dropped++) {
			/* LINE 0: a file that is one message */
			fprintf(stderr, "rebound: %s", where);
			if (line)
				fprintf(stderr, ":%lu", line);
			fprintf(stderr, ": the summary is full (%u recipients); the events of recipients"
			                " not seen before are left out from here on\n",
			        SUMMARY_MAX_RECIPIENTS);
		}
		return 0;
	}
	w.seq = ++s->seq;
	dated = date_seconds(date, date_len, s->as_of, s->zone, &t);
	if (dated) {
		s->clock = t;
		s->clock_set = 1;
		w.t = t;
		if (!e->dated || t < e->first)
			e->first = t;
		if (!e->dated || t > e->last)
			e->last = t;
		e->dated = 1;
	} else {
		/* in a log's own order, just after its last dated event */
		w.t = s->clock_set ? s->clock : LLONG_MIN;
		e->undated++;
	}
	b = bucket_of(ev, r->type, r->cls);
	e->count[b]++;
	if (!e->last_cls || later(w, e->last_when)) {
		e->last_when = w;
		e->last_ev = ev;
		e->last_cls = r->cls;
		e->last_rule = r->rule;
		e->last_type = r->type;
		e->last_retry = r->retry_after;
	}
	if (b == B_COMPLAINT || (r->cls->blame == REBOUND_BLAME_RECIPIENT &&
	                         r->cls->action == REBOUND_ACTION_UNSUBSCRIBE)) {
		e->stop_cls = r->cls;
	} else if (reached(b, r->cls)) {
		if (!e->has_delivered || later(w, e->delivered)) {
			e->delivered = w;
			e->has_delivered = 1;
			streak_cut(e, w);
		}
	} else if (hard_for_recipient(r)) {
		if (!e->has_hard || later(w, e->hard)) {
			e->hard = w;
			e->hard_cls = r->cls;
			e->has_hard = 1;
		}
	} else if (soft_for_recipient(r)) {
		/* a message's repeated deferrals and its expiry are one failure */
		unsigned long long msg = msg_id_len ? hash(msg_id, msg_id_len, 0) : ~w.seq;
		if (streak_add(e, msg, w, !dated) < 0)
			return -1;
		e->streak_cls = r->cls;
	}
	return 0;
}

/* ---- decisions ------------------------------------------------------------------ */

struct verdict {
	const char *decision;
	char reason[400];
	unsigned streak;       /* messages in the current soft streak */
	long long streak_secs; /* the span of its dated messages */
	int streak_undated;    /* some had no date: the span is a lower bound */
};

static void streak_of(const struct entry *e, struct verdict *v)
{
	unsigned i;
	int any = 0;
	long long lo = 0, hi = 0;
	v->streak = e->nmarks;
	v->streak_undated = 0;
	for (i = 0; i < e->nmarks; i++) {
		const struct mark *m = &e->marks[i];
		if (m->undated) {
			v->streak_undated = 1;
			continue;
		}
		if (!any || m->first.t < lo)
			lo = m->first.t;
		if (!any || m->last.t > hi)
			hi = m->last.t;
		any = 1;
	}
	/* the dated messages alone give a span the whole streak reaches at
	   least; with undated ones it may be longer, but is not known */
	v->streak_secs = any ? hi - lo : 0;
}

/* The latest event asks only for patience: a deferral of the sender's
 * pace (rate limits, throttling), a remote or transient fault, or a
 * mailbox that is briefly unable to take mail. */
static int pace(const struct entry *e)
{
	const struct rebound_class *c = e->last_cls;
	int soft = e->last_type == REBOUND_TYPE_SOFT || e->last_type == REBOUND_TYPE_RETRY;
	int waits = c->action == REBOUND_ACTION_RETRY || c->action == REBOUND_ACTION_BACK_OFF ||
	            c->action == REBOUND_ACTION_RETRY_THEN_SUPPRESS;
	if (c->blame == REBOUND_BLAME_SENDER || c->blame == REBOUND_BLAME_CONTENT)
		return soft && waits;
	return waits || (soft && c->blame == REBOUND_BLAME_RECIPIENT);
}

static void decide(const struct summary *s, const struct entry *e, struct verdict *v)
{
	char span[32], tail[160] = "";
	long long need = (long long)s->days * DAY, known;
	const struct rebound_class *c = e->last_cls;
	streak_of(e, v);
	known = v->streak_secs;
	span_text(span, sizeof span, known);
	if (v->streak && !v->streak_undated)
		snprintf(tail, sizeof tail, "; soft streak %u%s of %u messages over %s of %u days",
		         v->streak, e->marks_cut ? "+" : "", s->limit, span, s->days);
	else if (v->streak)
		snprintf(tail, sizeof tail, "; soft streak %u%s of %u messages, span unknown%s%s%s"
		         " (dates unreadable) of %u days", v->streak, e->marks_cut ? "+" : "", s->limit,
		         known ? " (at least " : "", known ? span : "", known ? ")" : "", s->days);
	if (e->stop_cls) {
		v->decision = "suppress";
		snprintf(v->reason, sizeof v->reason, "%s", e->stop_cls->name);
	} else if (e->has_hard && (!e->has_delivered || later(e->hard, e->delivered))) {
		v->decision = "suppress";
		snprintf(v->reason, sizeof v->reason, "hard failure: %s", e->hard_cls->name);
	} else if (v->streak >= s->limit && known >= need) {
		v->decision = "suppress";
		snprintf(v->reason, sizeof v->reason, "soft streak: %u%s messages (%s) over %s days,"
		         " limit %u over %u", v->streak, e->marks_cut ? "+" : "", e->streak_cls->name,
		         span, s->limit, s->days);
	} else if (reached(bucket_of(e->last_ev, e->last_type, c), c)) {
		v->decision = "ok";
		snprintf(v->reason, sizeof v->reason, "%s last%s",
		         e->last_type == REBOUND_TYPE_AUTOREPLY ? "auto-reply" : "delivered", tail);
	} else if (pace(e)) {
		v->decision = c->action == REBOUND_ACTION_BACK_OFF || e->last_retry ? "back-off" : "retry";
		snprintf(v->reason, sizeof v->reason, "%s (%s)%s", c->name, rebound_blame_name(c->blame),
		         tail);
	} else if (c->blame == REBOUND_BLAME_SENDER || c->blame == REBOUND_BLAME_CONTENT) {
		v->decision = "fix-sender";
		snprintf(v->reason, sizeof v->reason, "blamed on the %s: %s%s",
		         c->blame == REBOUND_BLAME_SENDER ? "sender" : "content", c->name, tail);
	} else {
		v->decision = "review";
		snprintf(v->reason, sizeof v->reason, "%s %s (%s)%s", rebound_type_name(e->last_type),
		         c->name, rebound_blame_name(c->blame), tail);
	}
}

/* ---- output --------------------------------------------------------------------- */

static int by_key(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a, *y = *(const struct entry *const *)b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->key, y->key, n);
	return c ? c : (x->n > y->n) - (x->n < y->n);
}

static const char summary_tsv_header[] =
	"recipient\tdecision\treason\thard\tsoft\texpired\tdelivered\tcomplaints\tautoreplies\t"
	"other\tundated\tfirst_seen\tlast_seen\tspan_days\tstreak\tstreak_days\tlast_event\t"
	"last_type\tlast_class\tlast_rule\tretry_after\n";

/* One line of JSON or TSV, cell by cell: the key for JSON, a tab
 * between TSV cells. */
struct row {
	struct out *o;
	enum format f;
	int cells;
};

static void cell(struct row *w, const char *key)
{
	if (w->f == FORMAT_JSON) {
		if (w->cells++)
			out_json_key(w->o, key);
		else {
			out_str(w->o, "{\"");
			out_str(w->o, key);
			out_str(w->o, "\":");
		}
	} else if (w->cells++)
		out_char(w->o, '\t');
}

/* Nothing known: null in JSON, an empty TSV cell. */
static void cell_null(struct row *w)
{
	if (w->f == FORMAT_JSON)
		out_str(w->o, "null");
}

static void cell_text(struct row *w, const char *key, const char *s, size_t n)
{
	cell(w, key);
	if (w->f == FORMAT_JSON)
		out_json_or_null(w->o, s, n);
	else if (n)
		out_tsv_field(w->o, s, n);
}

static void cell_str(struct row *w, const char *key, const char *s)
{
	cell_text(w, key, s, strlen(s));
}

static void cell_uint(struct row *w, const char *key, unsigned long v, int known)
{
	cell(w, key);
	if (known)
		out_uint(w->o, v);
	else
		cell_null(w);
}

/* A time (WHICH 0) or a span of days (WHICH 1), if KNOWN. */
static void cell_time(struct row *w, const char *key, long long t, int which, int known)
{
	cell(w, key);
	if (!known)
		cell_null(w);
	else if (which)
		write_days(w->o, t);
	else {
		if (w->f == FORMAT_JSON)
			out_char(w->o, '"');
		write_time(w->o, t);
		if (w->f == FORMAT_JSON)
			out_char(w->o, '"');
	}
}

static void write_entry(const struct summary *s, struct out *o, enum format f,
                        const struct entry *e)
{
	struct verdict v;
	unsigned k;
	int first = 1;
	decide(s, e, &v);
	if (f != FORMAT_TEXT) {
		struct row w;
		w.o = o;
		w.f = f;
		w.cells = 0;
		cell_text(&w, "recipient", e->key, e->n);
		cell_str(&w, "decision", v.decision);
		cell_str(&w, "reason", v.reason);
		for (k = 0; k < NBUCKETS; k++)
			cell_uint(&w, bucket_names[k], e->count[k], 1);
		cell_uint(&w, "undated", e->undated, 1);
		cell_time(&w, "first_seen", e->first, 0, e->dated);
		cell_time(&w, "last_seen", e->last, 0, e->dated);
		cell_time(&w, "span_days", e->last - e->first, 1, e->dated && !e->undated);
		cell_uint(&w, "streak", v.streak, 1);
		cell_time(&w, "streak_days", v.streak_secs, 1, v.streak && !v.streak_undated);
		cell_str(&w, "last_event", event_names[e->last_ev]);
		cell_str(&w, "last_type", rebound_type_name(e->last_type));
		cell_str(&w, "last_class", e->last_cls->name);
		cell_str(&w, "last_rule", e->last_rule->id);
		cell_uint(&w, "retry_after", e->last_retry, e->last_retry != 0);
		out_str(o, f == FORMAT_JSON ? "}\n" : "\n");
		return;
	}
	out_bytes(o, e->key, e->n);
	out_str(o, "  ");
	out_str(o, v.decision);
	out_str(o, ": ");
	out_str(o, v.reason);
	out_str(o, "  [");
	for (k = 0; k < NBUCKETS; k++)
		if (e->count[k]) {
			if (!first)
				out_str(o, ", ");
			first = 0;
			out_uint(o, e->count[k]);
			out_char(o, ' ');
			out_str(o, bucket_labels[k]);
		}
	if (e->dated) {
		out_str(o, "; ");
		write_time(o, e->first);
		out_str(o, " to ");
		write_time(o, e->last);
	}
	if (e->undated) {
		out_str(o, "; ");
		out_uint(o, e->undated);
		out_str(o, " undated");
	}
	out_str(o, "; last ");
	out_str(o, e->last_cls->name);
	out_str(o, " (");
	out_str(o, e->last_rule->id);
	if (e->last_retry) {
		out_str(o, ", retry after ");
		out_uint(o, e->last_retry);
		out_str(o, " s");
	}
	out_str(o, ")]\n");
}

void summary_write(struct summary *s, struct out *o, enum format f)
{
	struct entry **v;
	size_t i, n = 0;
	if (f == FORMAT_TSV)
		out_str(o, summary_tsv_header);
	if (s->no_recipient)
		fprintf(stderr, "rebound: left out of the summary: %lu records naming no recipient\n",
		        s->no_recipient);
	if (s->dropped)
		fprintf(stderr, "rebound: %lu events of recipients beyond the first %u were not counted\n",
		        s->dropped, SUMMARY_MAX_RECIPIENTS);
	if (!s->count)
		return;
	if (!(v = malloc(s->count * sizeof *v))) {
		fprintf(stderr, "rebound: %s\n", strerror(ENOMEM));
		o->failed = 1;
		return;
	}
	for (i = 0; i < s->nslots; i++) {
		struct entry *e;
		for (e = s->slots[i]; e; e = e->next)
			v[n++] = e;
	}
	qsort(v, n, sizeof *v, by_key);
	for (i = 0; i < n && !o->failed; i++)
		write_entry(s, o, f, v[i]);
	free(v);
}

void summary_free(struct summary *s)
{
	size_t i;
	if (!s)
		return;
	for (i = 0; i < s->nslots; i++) {
		struct entry *e = s->slots[i], *next;
		for (; e; e = next) {
			next = e->next;
			free(e->marks);
			free(e->key);
			free(e);
		}
	}
	free(s->slots);
	free(s);
}

/* ---- options -------------------------------------------------------------------- */

static int whole_number(const char *v, unsigned long lo, unsigned long hi, unsigned *out)
{
	char *end;
	unsigned long n;
	if (!*v || *v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (*end || errno || n < lo || n > hi)
		return -1;
	*out = (unsigned)n;
	return 0;
}

int summary_option(int argc, char **argv, int *i, unsigned *limit, unsigned *days,
                   long long *as_of, long long *zone)
{
	const char *v;
	if ((v = option_value(argc, argv, i, "--soft-limit", NULL))) {
		if (whole_number(v, 1, SUMMARY_MAX_MARKS, limit) < 0) {
			fprintf(stderr, "rebound: --soft-limit wants a count from 1 to %u, not '%s'\n",
			        SUMMARY_MAX_MARKS, v);
			return -1;
		}
		return 1;
	}
	if ((v = option_value(argc, argv, i, "--soft-days", NULL))) {
		if (whole_number(v, 0, 3650, days) < 0) {
			fprintf(stderr, "rebound: --soft-days wants whole days from 0 to 3650, not '%s'\n",
			        v);
			return -1;
		}
		return 1;
	}
	if ((v = option_value(argc, argv, i, "--as-of", NULL))) {
		long long t;
		size_t n = strlen(v);
		char buf[40];
		/* a bare day means its end */
		if (n == 10 && snprintf(buf, sizeof buf, "%sT23:59:59Z", v) > 0 &&
		    date_seconds(buf, strlen(buf), 0, 0, &t))
			*as_of = t;
		else if (date_seconds(v, n, 0, 0, &t) && v[0] >= '0' && v[0] <= '9')
			*as_of = t;
		else {
			fprintf(stderr, "rebound: --as-of wants a date such as 2026-11-23, not '%s'\n", v);
			return -1;
		}
		return 1;
	}
	if ((v = option_value(argc, argv, i, "--zone", NULL))) {
		if (!date_offset(v, zone)) {
			fprintf(stderr, "rebound: --zone wants an offset from UTC such as +01:00 or "
			        "-0500, not '%s'\n", v);
			return -1;
		}
		return 1;
	}
	return 0;
}
