/*
 * maillog_esp.c - events of email service providers (maillog_esp.h).
 *
 * The events are JSON objects.  Each recipient's bounce, deferral,
 * delivery or complaint becomes one delivery for maillog.c, whose text
 * (the remote server's reply as the provider passed it on) rebound
 * classifies; the provider's own verdict (SES's bounce type, SparkPost's
 * bounce class, ...) travels beside it, untouched, as "verdict".
 *
 * Lines are fed through a small scanner that follows strings and
 * brackets, so that a value spread over lines (pretty-printed, as saved
 * from a webhook) is gathered, and the elements of a top-level array are
 * taken one at a time.  A value whose first line holds more than its
 * opening brackets is taken as one of JSON Lines, which end on their
 * line: if it does not, it was cut short, and is reported then rather
 * than swallowing the lines after it; so is a value spread over lines
 * when a line starts with '{"' at its first column, as pretty-printers
 * never write what is inside a value.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "logjson.h"
#include "maillog_esp.h"

struct esp_ctx {
	struct esp_state *s;
	const char *path;
	mlog_each *each;
	void *ctx;
	char *out, *limit; /* free room in s->work */
};

static void esp_complain(const char *path, unsigned long line, const char *what)
{
	fprintf(stderr, "rebound: %s:%lu: %s\n", path, line, what);
}

/* A string (or number) unescaped into the work buffer, if it fits. */
static struct span esp_text(struct esp_ctx *c, struct span v)
{
	if (!v.n || v.n > (size_t)(c->limit - c->out))
		return mlog_span(NULL, 0);
	return lj_scalar(v, &c->out);
}

static struct span esp_get(struct esp_ctx *c, struct span obj, const char *path)
{
	return esp_text(c, lj_path(obj, path));
}

/* "A/B" (or whichever of them is there) in the work buffer. */
static struct span esp_pair(struct esp_ctx *c, struct span a, struct span b)
{
	char *start = c->out;
	size_t need = a.n + b.n + 1;
	if (need > (size_t)(c->limit - c->out))
		return mlog_span(NULL, 0);
	if (a.n)
		memcpy(c->out, a.p, a.n), c->out += a.n;
	if (a.n && b.n)
		*c->out++ = '/';
	if (b.n)
		memcpy(c->out, b.p, b.n), c->out += b.n;
	return mlog_span(start, (size_t)(c->out - start));
}

static void esp_give(struct esp_ctx *c, struct mlog_delivery *d)
{
	if (d->recipient.n)
		c->each(c->ctx, d);
}

/* A feed's event names and what each means; an event not listed gives no
 * record (opens, clicks, sends accepted, ...). */
struct esp_kind {
	const char *event;
	enum mlog_outcome outcome;
};

#define ESP_KINDS(t) (t), sizeof(t) / sizeof((t)[0])

/* Sets D up for a record of MTA if EVENT is one of KINDS; 0 if not. */
static int esp_start(struct esp_ctx *c, struct mlog_delivery *d, const char *mta,
                     struct span event, const struct esp_kind *kinds, size_t n)
{
	size_t k;
	for (k = 0; k < n && !lj_is(event, kinds[k].event); k++)
		;
	if (k == n)
		return 0;
	memset(d, 0, sizeof *d);
	d->mta = mta;
	d->line = c->s->start;
	d->outcome = kinds[k].outcome;
	return 1;
}

/* ---- Amazon SES ----------------------------------------------------------- */

/* One delivery per element of the recipient list LIST: objects with
 * emailAddress (status, diagnosticCode), or bare strings. */
static void ses_recipients(struct esp_ctx *c, struct mlog_delivery *d, struct span list)
{
	struct span r, text = d->text;
	size_t pos = 0;
	char *mark = c->out;
	while (lj_next(list, &pos, &r)) {
		c->out = mark;
		d->text = text;
		if (r.n && r.p[0] == '{') {
			d->recipient = esp_get(c, r, "emailAddress");
			d->dsn = esp_get(c, r, "status");
			if (lj_member(r, "diagnosticCode").n)
				d->text = esp_get(c, r, "diagnosticCode");
		} else
			d->recipient = esp_text(c, r);
		esp_give(c, d);
	}
}

/* "dsn; a1-2.smtp-out.amazonses.com" names the host after the type. */
static struct span ses_mta(struct span s)
{
	const char *semi = s.n ? memchr(s.p, ';', s.n) : NULL;
	if (semi) {
		s = mlog_span(semi + 1, (size_t)(s.p + s.n - semi - 1));
		while (s.n && s.p[0] == ' ')
			s.p++, s.n--;
	}
	return s;
}

/* What each notification type names its object, its recipient list (a
 * path from the event: Reject and Rendering Failure name no recipients of
 * their own, as nothing was sent to any of the mail's destinations), its
 * text and its verdict (NULL: the type itself, "": none). */
static const struct {
	const char *type, *object, *list, *text, *verdict, *subverdict;
	enum mlog_outcome outcome;
} ses_kinds[] = {
	{"Bounce", "bounce", "bounce.bouncedRecipients", NULL, "bounceType", "bounceSubType",
	 MLOG_FAILED},
	{"DeliveryDelay", "deliveryDelay", "deliveryDelay.delayedRecipients", NULL, "delayType", NULL,
	 MLOG_DELAYED},
	{"Complaint", "complaint", "complaint.complainedRecipients", NULL, "complaintFeedbackType",
	 NULL, MLOG_COMPLAINT},
	{"Delivery", "delivery", "delivery.recipients", "smtpResponse", "", NULL, MLOG_DELIVERED},
	/* SES's scanner found a virus: the reason is its only word */
	{"Reject", "reject", "mail.destination", "reason", NULL, NULL, MLOG_FAILED},
	/* the template did not fill in: no message was made */
	{"Rendering Failure", "failure", "mail.destination", "errorMessage", NULL, NULL, MLOG_FAILED},
};

static int esp_ses(struct esp_ctx *c, struct span obj, struct span type)
{
	struct mlog_delivery d;
	struct span o;
	size_t k;
	for (k = 0; k < sizeof ses_kinds / sizeof ses_kinds[0]; k++)
		if (lj_is(type, ses_kinds[k].type))
			break;
	if (k == sizeof ses_kinds / sizeof ses_kinds[0])
		return 1; /* Send, Open, Click, Subscription, ...: known, no failure */
	memset(&d, 0, sizeof d);
	d.mta = "amazon-ses";
	d.line = c->s->start;
	d.outcome = ses_kinds[k].outcome;
	d.queue_id = esp_get(c, obj, "mail.messageId");
	o = lj_member(obj, ses_kinds[k].object);
	if (!ses_kinds[k].verdict)
		d.verdict = esp_text(c, type);
	else if (*ses_kinds[k].verdict)
		d.verdict = esp_pair(c, esp_get(c, o, ses_kinds[k].verdict),
		                     ses_kinds[k].subverdict ? esp_get(c, o, ses_kinds[k].subverdict)
		                                             : mlog_span(NULL, 0));
	d.date = esp_get(c, o, "timestamp");
	if (!d.date.n)
		d.date = esp_get(c, obj, "mail.timestamp");
	d.host = ses_mta(esp_get(c, o, "reportingMTA"));
	d.relay = esp_get(c, o, "remoteMtaIp");
	/* a bounce's texts are per recipient */
	if (ses_kinds[k].text)
		d.text = esp_get(c, o, ses_kinds[k].text);
	ses_recipients(c, &d, lj_path(obj, ses_kinds[k].list));
	return 1;
}

/* ---- SendGrid --------------------------------------------------------------- */

static int esp_sendgrid(struct esp_ctx *c, struct span obj, struct span event)
{
	struct mlog_delivery d;
	memset(&d, 0, sizeof d);
	d.mta = "sendgrid";
	d.line = c->s->start;
	d.recipient = esp_get(c, obj, "email");
	d.date = esp_get(c, obj, "timestamp");
	d.queue_id = esp_get(c, obj, "sg_message_id");
	if (!d.queue_id.n)
		d.queue_id = esp_get(c, obj, "smtp-id");
	if (lj_is(event, "bounce") || lj_is(event, "blocked")) {
		struct span type = esp_get(c, obj, "type");
		d.outcome = MLOG_FAILED;
		d.verdict = esp_pair(c, type.n ? type : esp_text(c, event),
		                     esp_get(c, obj, "bounce_classification"));
		d.text = esp_get(c, obj, "reason");
		d.dsn = esp_get(c, obj, "status");
	} else if (lj_is(event, "dropped")) {
		d.outcome = MLOG_FAILED;
		d.verdict = esp_text(c, event);
		d.text = esp_get(c, obj, "reason");
	} else if (lj_is(event, "deferred")) {
		d.outcome = MLOG_DELAYED;
		d.verdict = esp_text(c, event);
		d.text = esp_get(c, obj, "response");
		if (!d.text.n)
			d.text = esp_get(c, obj, "reason");
	} else if (lj_is(event, "delivered")) {
		d.outcome = MLOG_DELIVERED;
		d.text = esp_get(c, obj, "response");
	} else if (lj_is(event, "spamreport")) {
		d.outcome = MLOG_COMPLAINT;
		d.verdict = esp_text(c, event);
	} else
		return 1; /* processed, open, click, ... */
	esp_give(c, &d);
	return 1;
}

/* ---- Mailjet ------------------------------------------------------------------ */

/* Whether V is JSON's true (or the string "true"). */
static int esp_true(struct span v)
{
	return (v.n == 4 && memcmp(v.p, "true", 4) == 0) || lj_is(v, "true");
}

static int esp_mailjet(struct esp_ctx *c, struct span obj, struct span event)
{
	/* blocked: Mailjet did not try */
	static const struct esp_kind kinds[] = {
		{"bounce", MLOG_FAILED}, {"blocked", MLOG_FAILED},
		{"spam", MLOG_COMPLAINT}, {"sent", MLOG_DELIVERED}};
	struct mlog_delivery d;
	struct span why;
	if (!esp_start(c, &d, "mailjet", event, ESP_KINDS(kinds)))
		return 1;
	d.recipient = esp_get(c, obj, "email");
	d.date = esp_get(c, obj, "time");
	d.queue_id = esp_get(c, obj, "Message_GUID");
	if (!d.queue_id.n)
		d.queue_id = esp_get(c, obj, "MessageID");
	/* the server's own words, when Mailjet kept them, say more than its
	   short error name */
	why = esp_pair(c, esp_get(c, obj, "error_related_to"), esp_get(c, obj, "error"));
	d.text = esp_get(c, obj, "comment");
	if (!d.text.n)
		d.text = d.outcome == MLOG_DELIVERED ? esp_get(c, obj, "smtp_reply")
		                                     : esp_get(c, obj, "error");
	if (lj_is(event, "bounce"))
		d.verdict = esp_pair(c, esp_true(lj_member(obj, "hard_bounce"))
		                            ? mlog_span("hard", 4) : mlog_span("soft", 4),
		                     why);
	else
		d.verdict = esp_pair(c, esp_text(c, event), why);
	esp_give(c, &d);
	return 1;
}

/* ---- Brevo (Sendinblue) ---------------------------------------------------------- */

static int esp_brevo(struct esp_ctx *c, struct span obj, struct span event)
{
	static const struct esp_kind kinds[] = {
		{"hard_bounce", MLOG_FAILED},   {"soft_bounce", MLOG_FAILED}, {"blocked", MLOG_FAILED},
		{"invalid_email", MLOG_FAILED}, {"error", MLOG_FAILED},       {"deferred", MLOG_DELAYED},
		{"spam", MLOG_COMPLAINT},       {"delivered", MLOG_DELIVERED}};
	struct mlog_delivery d;
	if (!esp_start(c, &d, "brevo", event, ESP_KINDS(kinds)))
		return 1;
	d.recipient = esp_get(c, obj, "email");
	d.date = esp_get(c, obj, "date");
	if (!d.date.n)
		d.date = esp_get(c, obj, "ts_event");
	d.queue_id = esp_get(c, obj, "message-id");
	d.text = esp_get(c, obj, "reason");
	d.verdict = esp_text(c, event);
	esp_give(c, &d);
	return 1;
}

/* ---- Mailgun ---------------------------------------------------------------- */

static int esp_mailgun(struct esp_ctx *c, struct span ev)
{
	struct mlog_delivery d;
	struct span event = lj_member(ev, "event"), ds = lj_member(ev, "delivery-status");
	memset(&d, 0, sizeof d);
	d.mta = "mailgun";
	d.line = c->s->start;
	d.recipient = esp_get(c, ev, "recipient");
	d.date = esp_get(c, ev, "timestamp");
	d.queue_id = esp_get(c, ev, "message.headers.message-id");
	d.reply = (unsigned)lj_uint(lj_member(ds, "code"));
	d.dsn = esp_get(c, ds, "enhanced-code");
	d.relay = esp_get(c, ds, "mx-host");
	d.text = esp_get(c, ds, "message");
	if (!d.text.n)
		d.text = esp_get(c, ds, "description");
	if (lj_is(event, "failed")) {
		struct span severity = lj_member(ev, "severity");
		d.outcome = lj_is(severity, "temporary") ? MLOG_DELAYED : MLOG_FAILED;
		d.verdict = esp_pair(c, esp_text(c, severity), esp_get(c, ev, "reason"));
	} else if (lj_is(event, "rejected")) {
		d.outcome = MLOG_FAILED;
		d.verdict = esp_text(c, event);
		if (!d.text.n)
			d.text = esp_get(c, ev, "reject.reason");
	} else if (lj_is(event, "delivered"))
		d.outcome = MLOG_DELIVERED;
	else if (lj_is(event, "complained")) {
		d.outcome = MLOG_COMPLAINT;
		d.verdict = esp_text(c, event);
	} else
		return 1; /* accepted, opened, clicked, ... */
	esp_give(c, &d);
	return 1;
}

/* ---- Postmark --------------------------------------------------------------- */

static int esp_postmark(struct esp_ctx *c, struct span obj, struct span record)
{
	/* bounce types that are no failure of the delivery */
	static const char *const not_failures[] = {"AutoResponder", "Subscribe", "Unsubscribe",
	                                           "AddressChange", "OpenRelayTest",
	                                           "ChallengeVerification", "ManuallyDeactivated"};
	struct mlog_delivery d;
	size_t k;
	memset(&d, 0, sizeof d);
	d.mta = "postmark";
	d.line = c->s->start;
	d.queue_id = esp_get(c, obj, "MessageID");
	if (lj_is(record, "Bounce")) {
		struct span type = lj_member(obj, "Type");
		for (k = 0; k < sizeof not_failures / sizeof not_failures[0]; k++)
			if (lj_is(type, not_failures[k]))
				return 1;
		d.outcome = lj_is(type, "Transient")       ? MLOG_DELAYED
		            : lj_is(type, "SpamComplaint") ? MLOG_COMPLAINT
		                                           : MLOG_FAILED;
		d.verdict = esp_text(c, type);
		d.recipient = esp_get(c, obj, "Email");
		/* Details is the server's word; Description only explains the type */
		d.text = esp_get(c, obj, "Details");
		d.date = esp_get(c, obj, "BouncedAt");
	} else if (lj_is(record, "SpamComplaint")) {
		d.outcome = MLOG_COMPLAINT;
		d.verdict = esp_get(c, obj, "Type");
		d.recipient = esp_get(c, obj, "Email");
		d.date = esp_get(c, obj, "BouncedAt");
	} else if (lj_is(record, "Delivery")) {
		d.outcome = MLOG_DELIVERED;
		d.recipient = esp_get(c, obj, "Recipient");
		d.text = esp_get(c, obj, "Details");
		d.date = esp_get(c, obj, "DeliveredAt");
	} else
		return 1; /* Open, Click, SubscriptionChange, ... */
	esp_give(c, &d);
	return 1;
}

/* ---- SparkPost (MessageBird) -------------------------------------------------- */

static int esp_sparkpost(struct esp_ctx *c, struct span msys)
{
	struct mlog_delivery d;
	struct span ev = lj_member(msys, "message_event"), type = lj_member(ev, "type");
	struct span bclass;
	memset(&d, 0, sizeof d);
	d.mta = "sparkpost";
	d.line = c->s->start;
	if (lj_is(type, "bounce") || lj_is(type, "out_of_band") || lj_is(type, "policy_rejection"))
		d.outcome = MLOG_FAILED;
	else if (lj_is(type, "delay"))
		d.outcome = MLOG_DELAYED;
	else if (lj_is(type, "delivery"))
		d.outcome = MLOG_DELIVERED;
	else if (lj_is(type, "spam_complaint"))
		d.outcome = MLOG_COMPLAINT;
	else
		return 1; /* injection, track, unsubscribe and relay events */
	d.recipient = esp_get(c, ev, "rcpt_to");
	d.queue_id = esp_get(c, ev, "message_id");
	d.date = esp_get(c, ev, "timestamp");
	d.reply = (unsigned)lj_uint(lj_member(ev, "error_code"));
	d.text = esp_get(c, ev, "raw_reason");
	if (!d.text.n)
		d.text = esp_get(c, ev, "reason");
	bclass = esp_get(c, ev, "bounce_class");
	d.verdict = bclass.n ? esp_pair(c, esp_text(c, type), bclass) : esp_text(c, type);
	esp_give(c, &d);
	return 1;
}

/* ---- Mandrill (Mailchimp Transactional) ------------------------------------- */

/* The last element of the array ARR, or an empty span. */
static struct span esp_last(struct span arr)
{
	struct span e, last = mlog_span(NULL, 0);
	size_t pos = 0;
	while (lj_next(arr, &pos, &e))
		last = e;
	return last;
}

static int esp_mandrill(struct esp_ctx *c, struct span obj, struct span event, struct span msg)
{
	/* a soft bounce is Mandrill giving up too */
	static const struct esp_kind kinds[] = {
		{"hard_bounce", MLOG_FAILED}, {"soft_bounce", MLOG_FAILED}, {"reject", MLOG_FAILED},
		{"deferral", MLOG_DELAYED},   {"send", MLOG_DELIVERED},     {"spam", MLOG_COMPLAINT}};
	struct mlog_delivery d;
	struct span smtp = esp_last(lj_member(msg, "smtp_events")), reason;
	if (!esp_start(c, &d, "mandrill", event, ESP_KINDS(kinds)))
		return 1;
	d.recipient = esp_get(c, msg, "email");
	d.queue_id = esp_get(c, msg, "_id");
	if (!d.queue_id.n)
		d.queue_id = esp_get(c, obj, "_id");
	d.date = esp_get(c, obj, "ts");
	d.relay = esp_get(c, smtp, "destination_ip");
	/* the last SMTP reply is the freshest word; diag repeats a bounce's */
	d.text = esp_get(c, msg, "diag");
	if (!d.text.n)
		d.text = esp_get(c, smtp, "diag");
	reason = esp_get(c, msg, "bounce_description");
	if (lj_is(event, "reject")) {
		/* what stopped the send: the reject list's reason */
		struct span r = lj_member(msg, "reject");
		reason = r.n && r.p[0] == '{' ? esp_get(c, r, "reason") : esp_text(c, r);
		if (!d.text.n)
			d.text = reason;
	} else if (!d.text.n)
		d.text = reason;
	d.verdict = esp_pair(c, esp_text(c, event), reason);
	esp_give(c, &d);
	return 1;
}

/* The events of a webhook body: an array, or the array as a string. */
static void esp_mandrill_batch(struct esp_ctx *c, struct span list)
{
	struct span e, msg;
	size_t pos = 0;
	if (list.n && list.p[0] == '"') {
		list = esp_text(c, list);
		while (list.n && strchr(" \t\r\n", list.p[0]))
			list.p++, list.n--;
		if (!lj_valid(list.p, list.n))
			return;
	}
	while (lj_next(list, &pos, &e))
		if (e.n && e.p[0] == '{' && (msg = lj_member(e, "msg")).n && msg.p[0] == '{')
			esp_mandrill(c, e, lj_member(e, "event"), msg);
}

/* ---- Resend ------------------------------------------------------------------- */

static int esp_resend(struct esp_ctx *c, struct span obj, struct span type, struct span data)
{
	static const struct esp_kind kinds[] = {
		{"email.bounced", MLOG_FAILED},         {"email.failed", MLOG_FAILED},
		{"email.delivery_delayed", MLOG_DELAYED}, {"email.complained", MLOG_COMPLAINT},
		{"email.delivered", MLOG_DELIVERED}};
	struct mlog_delivery d;
	struct span bounce = lj_member(data, "bounce");
	if (!esp_start(c, &d, "resend", type, ESP_KINDS(kinds)))
		return 1;
	d.queue_id = esp_get(c, data, "email_id");
	d.date = esp_get(c, obj, "created_at");
	d.text = esp_get(c, bounce, "message");
	d.verdict = bounce.n ? esp_pair(c, esp_get(c, bounce, "type"), esp_get(c, bounce, "subType"))
	                     : esp_text(c, type);
	/* one event names every recipient of the message */
	ses_recipients(c, &d, lj_member(data, "to"));
	return 1;
}

/* ---- Postal --------------------------------------------------------------------- */

static int esp_postal(struct esp_ctx *c, struct span event, struct span payload)
{
	static const struct esp_kind kinds[] = {
		{"MessageDeliveryFailed", MLOG_FAILED}, {"MessageBounced", MLOG_FAILED},
		{"MessageDelayed", MLOG_DELAYED},       {"MessageSent", MLOG_DELIVERED}};
	struct mlog_delivery d;
	struct span msg = lj_member(payload, "message");
	if (!esp_start(c, &d, "postal", event, ESP_KINDS(kinds)))
		return 1;
	/* a bounce message that came back later names the message it is about */
	if (lj_is(event, "MessageBounced"))
		msg = lj_member(payload, "original_message");
	d.recipient = esp_get(c, msg, "to");
	d.queue_id = esp_get(c, msg, "message_id");
	d.date = esp_get(c, payload, "timestamp");
	/* output is the server's reply; details is Postal's account of it */
	d.text = esp_get(c, payload, "output");
	if (!d.text.n)
		d.text = esp_get(c, payload, "details");
	d.verdict = esp_pair(c, esp_text(c, event), esp_get(c, payload, "status"));
	esp_give(c, &d);
	return 1;
}

/* ---- one event ---------------------------------------------------------------- */

/* Returns 1 if OBJ is an event of a known feed (with or without a record). */
static int esp_event(struct esp_ctx *c, struct span obj, int unwrap)
{
	struct span v, w;
	if (unwrap && lj_is(lj_member(obj, "Type"), "Notification") &&
	    (v = lj_member(obj, "Message")).n) {
		/* SNS carries the SES notification as a string of JSON */
		struct span inner = esp_text(c, v);
		while (inner.n && strchr(" \t\r\n", inner.p[0]))
			inner.p++, inner.n--;
		if (inner.n && inner.p[0] == '{' && lj_valid(inner.p, inner.n))
			esp_event(c, inner, 0);
		return 1;
	}
	if ((v = lj_member(obj, "notificationType")).n || (v = lj_member(obj, "eventType")).n)
		return esp_ses(c, obj, v);
	if ((v = lj_member(obj, "msys")).n)
		return esp_sparkpost(c, v);
	if ((v = lj_member(obj, "event-data")).n && v.p[0] == '{')
		return esp_mailgun(c, v);
	if ((v = lj_member(obj, "RecordType")).n)
		return esp_postmark(c, obj, v);
	if ((v = lj_member(obj, "mandrill_events")).n) {
		esp_mandrill_batch(c, v);
		return 1;
	}
	if ((v = lj_member(obj, "msg")).n && v.p[0] == '{' && (w = lj_member(obj, "event")).n)
		return esp_mandrill(c, obj, w, v);
	if ((v = lj_member(obj, "type")).n && (w = lj_member(obj, "data")).n && w.p[0] == '{' &&
	    v.n > 7 && memcmp(v.p, "\"email.", 7) == 0)
		return esp_resend(c, obj, v, w);
	if ((v = lj_member(obj, "event")).n && (w = lj_member(obj, "payload")).n && w.p[0] == '{')
		return esp_postal(c, v, w);
	if ((v = lj_member(obj, "event")).n) {
		/* three feeds name the event and the email: their other keys tell
		   them apart */
		if (lj_member(obj, "email").n &&
		    (lj_member(obj, "Message_GUID").n || lj_member(obj, "MessageID").n ||
		     lj_member(obj, "mj_campaign_id").n || lj_member(obj, "error_related_to").n))
			return esp_mailjet(c, obj, v);
		if (lj_member(obj, "email").n &&
		    (lj_member(obj, "message-id").n || lj_member(obj, "ts_event").n))
			return esp_brevo(c, obj, v);
		if ((w = lj_member(obj, "email")).n)
			return esp_sendgrid(c, obj, v);
		if ((w = lj_member(obj, "recipient")).n)
			return esp_mailgun(c, obj);
	}
	return 0;
}

/* A whole value gathered in s->buf: checked, then read.  Returns 1 for an
 * event of a known feed, 0 for other JSON, -1 when it was reported. */
static int esp_value(struct esp_state *s, const char *path, mlog_each *each, void *ctx)
{
	struct esp_ctx c;
	size_t need = 2 * s->n + 64;
	if (!lj_valid(s->buf, s->n)) {
		esp_complain(path, s->start, "not well-formed JSON; skipped");
		return -1;
	}
	if (s->buf[0] != '{')
		return 0;
	if (s->work_cap < need) {
		char *w = realloc(s->work, need);
		if (!w) {
			esp_complain(path, s->start, strerror(ENOMEM));
			return -1;
		}
		s->work = w;
		s->work_cap = need;
	}
	c.s = s;
	c.path = path;
	c.each = each;
	c.ctx = ctx;
	c.out = s->work;
	c.limit = s->work + s->work_cap;
	return esp_event(&c, mlog_span(s->buf, s->n), 1);
}

static int esp_put(struct esp_state *s, const char *path, char ch)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 4096;
		char *b;
		if (s->n >= ESP_MAX_VALUE) {
			esp_complain(path, s->start, "JSON value too long; skipped");
			return -1;
		}
		if (!(b = realloc(s->buf, cap))) {
			esp_complain(path, s->start, strerror(ENOMEM));
			return -1;
		}
		s->buf = b;
		s->cap = cap;
	}
	s->buf[s->n++] = ch;
	return 0;
}

/* Whether nothing but white space and opening brackets follows P. */
static int esp_only_openers(const char *p, const char *end)
{
	for (; p < end; p++)
		if (!strchr(" \t\r{[", *p) || !*p)
			return 0;
	return 1;
}

static void esp_begin(struct esp_state *s, enum esp_mode mode, unsigned long lineno,
                      const char *p, const char *end)
{
	s->mode = mode;
	s->n = 0;
	s->depth = 0;
	s->in_str = s->esc = 0;
	s->start = lineno;
	s->multi = esp_only_openers(p + 1, end);
}

/* A value cut short: dropped, and the array it was in with it unless the
 * array goes on over lines. */
static void esp_drop(struct esp_state *s, const char *path, const char *what)
{
	esp_complain(path, s->start, what);
	s->mode = s->mode == ESP_ELEM && s->array_multi ? ESP_ARRAY : ESP_IDLE;
}

int esp_line(struct esp_state *s, const char *path, unsigned long lineno, const char *line,
             size_t len, mlog_each *each, void *ctx)
{
	const char *p = line, *end = line + len;
	int fresh = 0, known = 0, reported = 0;
	while (end > p && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	/* pretty-printers indent what is inside a value: "{\"" at the start of
	   a line is a new record, and the value gathered was cut short */
	if ((s->mode == ESP_VALUE || s->mode == ESP_ELEM) && len >= 2 && line[0] == '{' &&
	    line[1] == '"')
		esp_drop(s, path, "JSON value cut short before the next record; skipped");
	if (s->mode == ESP_IDLE) {
		const char *q;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end || (*p != '{' && *p != '['))
			return 0;
		/* "[NOTICE] ..." opens no array: its first value must be one */
		for (q = p + 1; *p == '[' && q < end && (*q == ' ' || *q == '\t'); q++)
			;
		if (*p == '[' && q < end && *q != '{' && *q != '[' && *q != ']')
			return 0;
		fresh = 1;
		if (*p == '[') {
			s->mode = ESP_ARRAY;
			s->array_start = lineno;
			s->array_multi = esp_only_openers(p + 1, end);
			p++;
		} else
			esp_begin(s, ESP_VALUE, lineno, p, end);
	}
	for (; p < end; p++) {
		char ch = *p;
		if (s->mode == ESP_ARRAY) {
			if (ch == ']') {
				s->mode = ESP_IDLE;
				continue;
			}
			if (ch == '{' || ch == '[')
				esp_begin(s, ESP_ELEM, lineno, p, end);
			else
				continue; /* white space, commas and scalars between */
		} else if (s->mode == ESP_IDLE) {
			if (ch != ' ' && ch != '\t' && ch != ',') {
				esp_complain(path, lineno, "text after a JSON value; skipped");
				return known ? ESP_KNOWN : ESP_TAKEN;
			}
			continue;
		}
		if (esp_put(s, path, ch) < 0) {
			s->mode = ESP_IDLE;
			return known ? ESP_KNOWN : ESP_TAKEN;
		}
		if (s->in_str) {
			if (s->esc)
				s->esc = 0;
			else if (ch == '\\')
				s->esc = 1;
			else if (ch == '"')
				s->in_str = 0;
		} else if (ch == '"')
			s->in_str = 1;
		else if (ch == '{' || ch == '[')
			s->depth++;
		else if ((ch == '}' || ch == ']') && s->depth && !--s->depth) {
			int v = esp_value(s, path, each, ctx);
			known |= v > 0;
			reported |= v < 0;
			s->mode = s->mode == ESP_ELEM ? ESP_ARRAY : ESP_IDLE;
		}
	}
	if (s->mode == ESP_VALUE || s->mode == ESP_ELEM) {
		if (s->in_str || !s->multi) {
			esp_drop(s, path, s->in_str ? "JSON string broken by the end of the line; skipped"
			                            : "JSON value cut short at the end of its line; skipped");
			return known ? ESP_KNOWN : ESP_TAKEN;
		}
		if (esp_put(s, path, '\n') < 0)
			s->mode = ESP_IDLE;
	} else if (s->mode == ESP_ARRAY && !s->array_multi) {
		esp_complain(path, s->array_start, "JSON array cut short at the end of its line; skipped");
		s->mode = ESP_IDLE;
		return known ? ESP_KNOWN : ESP_TAKEN;
	}
	if (known)
		return ESP_KNOWN;
	/* a one-line value of no known feed is left to the other readers */
	return fresh && s->mode == ESP_IDLE && !reported ? ESP_NOT_MINE : ESP_TAKEN;
}

void esp_end(struct esp_state *s, const char *path)
{
	if (s->mode == ESP_ELEM || s->mode == ESP_VALUE)
		esp_complain(path, s->start, "JSON value not closed at the end of the file; skipped");
	else if (s->mode == ESP_ARRAY)
		esp_complain(path, s->array_start, "JSON array not closed at the end of the file");
	s->mode = ESP_IDLE;
}

void esp_free(struct esp_state *s)
{
	free(s->buf);
	free(s->work);
	memset(s, 0, sizeof *s);
}
