/*
 * message.c - rebound_parse: find what kind of message this is, collect
 * its recipients from the best source available, and report each one
 * with its classification.
 *
 * Sources, strongest first: delivery-status parts and feedback reports;
 * JSON notifications; DSN fields pasted into the text; a server's
 * human-readable notice (which also supplies the diagnostics a DSN
 * lacks), in plain text, HTML, or quoted in a forward; a DSN inside an
 * attached message; the X-Failed-Recipients field; auto-reply markers.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include "parser.h"

/* Sizes of the fixed part of the scratch. */
#define MSG_HOST_MAX 256
#define MSG_STATUS_MAX 32
#define MSG_NFIELDS 8 /* joined record fields other than the diagnostic */
#define MSG_MAX_UNRESOLVED 16 /* recipient lines without an address we try to complete */
#define MSG_FIXED_NEED                                                                     \
	(REBOUND_MAX_PARTS * sizeof(struct rbp_part) +                                         \
	 2 * REBOUND_MAX_RECIPIENTS * sizeof(struct rbp_rcpt) + REBOUND_MAX_DIAGNOSTIC +       \
	 MSG_NFIELDS * REBOUND_MAX_FIELD + 2 * MSG_HOST_MAX + MSG_STATUS_MAX +                 \
	 2 * REBOUND_MAX_NDR_SCAN + (REBOUND_MAX_PARTS + 17) * 16 + RBP_MAX_CONVERTED)

_Static_assert(MSG_FIXED_NEED <= REBOUND_PARSE_SCRATCH_FIXED,
               "REBOUND_PARSE_SCRATCH_FIXED is too small for the parser's tables");

/* Header fields of a returned message that name its recipient. */
static const char *const msg_original_recipient_fields[] = {
	"x-hmxmroriginalrecipient", "to", NULL,
};

struct msg {
	const char *text;
	size_t len;
	struct rbp_arena arena;
	struct rbp_mime mime;
	struct rbp_rcpts reports; /* from DSN and feedback parts */
	struct rbp_rcpts notice;  /* from the human-readable notice */
	struct rbp_report rep;
	struct rbp_ndr_scan scan;
	rbp_span subject;
	rbp_span date;            /* the Date field */
	rbp_span from;            /* the From field */
	int has_from;
	int reports_pasted;       /* m->reports came from DSN fields in a text */
	rbp_span orig_headers;    /* headers of the returned message, if any */
	size_t orig_at[2];        /* where its Message-ID and From start, or RBP_NO_FIELD */
	rbp_span orig_val[2];     /* their values, where orig_at is set */
	rbp_span message_id;      /* its Message-ID */
	rbp_span sender;          /* the address of its From field */
	unsigned nfeedback_parts; /* message/feedback-report parts */
	int bounce_headers;       /* From or Subject say "bounce" */
	unsigned flags;           /* message-wide REBOUND_RECORD_* */
	/* per-record buffers */
	char *diag_buf, *field_buf, *host_buf, *domain_buf, *status_buf;
	char *unquote_buf; /* REBOUND_MAX_NDR_SCAN bytes */
	char *html_buf;    /* REBOUND_MAX_NDR_SCAN bytes */
	/* output */
	const struct rebound_query *q;
	rebound_record_fn fn;
	void *ctx;
	int count;
	int stopped;
};

/* ---- the recipient table ----------------------------------------- */

struct rbp_rcpt *rbp_rcpt_add(struct rbp_rcpts *t)
{
	struct rbp_rcpt *r;
	if (t->n >= t->cap || t->lookups > RBP_MAX_LOOKUPS) {
		t->flags |= REBOUND_RECORD_RECIPIENTS_CUT;
		return NULL;
	}
	r = &t->v[t->n++];
	memset(r, 0, sizeof *r);
	return r;
}

/* Tables up to this long are searched without hashing. */
#define MSG_UNKEYED_RECIPIENTS 8

struct rbp_rcpt *rbp_rcpt_find(struct rbp_rcpts *t, rbp_span a)
{
	unsigned i;
	uint32_t key;
	if (!a.len)
		return NULL;
	if (t->lookups > RBP_MAX_LOOKUPS) {
		t->flags |= REBOUND_RECORD_RECIPIENTS_CUT;
		return NULL;
	}
	t->lookups++;
	if (t->n <= MSG_UNKEYED_RECIPIENTS) {
		for (i = 0; i < t->n; i++)
			if (rbp_same_ci(t->v[i].addr, a))
				return &t->v[i];
		return NULL;
	}
	/* a long table: compare keys first, hashing each entry once */
	key = rbp_addr_key(a);
	for (i = 0; i < t->n; i++) {
		struct rbp_rcpt *r = &t->v[i];
		if (!r->keyed) {
			r->key = rbp_addr_key(r->addr);
			r->keyed = 1;
		}
		if (r->key == key && rbp_same_ci(r->addr, a))
			return r;
	}
	return NULL;
}

int rbp_rcpt_take(struct rbp_rcpts *t, rbp_span a, enum rebound_kind kind, struct rbp_rcpt **out)
{
	struct rbp_rcpt *r = rbp_rcpt_find(t, a);
	*out = r;
	if (r)
		return 0;
	r = rbp_rcpt_add(t);
	*out = r;
	if (!r)
		return -1;
	rbp_rcpt_set_addr(r, a);
	r->resolved = (unsigned char)rbp_is_address(a);
	r->kind = (unsigned char)kind;
	return 1;
}

/* ---- helpers ------------------------------------------------------ */

/* Join S into OUT (CAP bytes); flags a cut. */
static rbp_span msg_join(rbp_span s, char *out, size_t cap, unsigned *flags)
{
	int cut = 0;
	size_t n;
	if (!s.len)
		return rbp_mkspan(NULL, 0);
	/* one line needs no copy */
	if (!memchr(s.ptr, '\n', s.len) && !memchr(s.ptr, '\r', s.len)) {
		s = rbp_trim(s);
		if (s.len > cap) {
			s.len = cap;
			*flags |= REBOUND_RECORD_TRUNCATED;
		}
		return s;
	}
	n = rbp_join_lines(s, out, cap, &cut);
	if (cut)
		*flags |= REBOUND_RECORD_TRUNCATED;
	return rbp_mkspan(out, n);
}

/* Copy S as a NUL-terminated string into OUT of CAP bytes. */
static const char *msg_cstr(rbp_span s, char *out, size_t cap)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;
	if (!s.len)
		return NULL;
	memcpy(out, s.ptr, n);
	out[n] = '\0';
	return out;
}

/* The host of a Remote-MTA value: "mx.example.org (TCP|...)" or
 * "mx.example.org [192.0.2.1]" give "mx.example.org". */
static rbp_span msg_host_of(rbp_span v)
{
	size_t i = 0;
	v = rbp_trim(rbp_strip_type(v));
	if (v.len && v.ptr[0] == '[') {
		v.ptr++;
		v.len--;
	}
	while (i < v.len && !rbp_space((unsigned char)v.ptr[i]) && v.ptr[i] != '[' &&
	       v.ptr[i] != ']' && v.ptr[i] != '(' && v.ptr[i] != ';' && v.ptr[i] != ',')
		i++;
	v.len = i;
	while (v.len && v.ptr[v.len - 1] == '.')
		v.len--;
	return v;
}

static int msg_action_is_success(rbp_span a)
{
	a = rbp_trim(a);
	/* "deliverable" is what address verification (sendmail -bv) reports */
	return rbp_prefix(a.ptr, a.len, "delivered") || rbp_prefix(a.ptr, a.len, "relayed") ||
	       rbp_prefix(a.ptr, a.len, "expanded") || rbp_prefix(a.ptr, a.len, "deliverable");
}

/* ---- reporting ---------------------------------------------------- */

/*
 * A feedback report, an auto-reply or a success notice is known from
 * the message's structure, whatever its text says.  When the text's
 * class is not of the kind's type, the kind's class is taken, and the
 * deciding "rule" is the parser's own, named here.
 */
static const struct {
	enum rebound_kind kind;
	enum rebound_type type;
	const char *cls;
	struct rebound_rule rule;
} msg_kind_classes[] = {
	{REBOUND_KIND_FEEDBACK, REBOUND_TYPE_COMPLAINT, "complaint",
	 {"message-feedback-report", "runtime/message.c", 0, NULL}},
	{REBOUND_KIND_AUTOREPLY, REBOUND_TYPE_AUTOREPLY, "auto_reply",
	 {"message-auto-reply", "runtime/message.c", 0, NULL}},
	{REBOUND_KIND_DELIVERED, REBOUND_TYPE_SUCCESS, "delivered",
	 {"message-delivered", "runtime/message.c", 0, NULL}},
};

/* Did the deciding rule look at the reply and status codes alone (no
 * text, no provider)?  Such a verdict says no more than the codes. */
static int msg_decided_by_codes(const struct rebound_result *res)
{
	const struct rb_tables *t = &rb_builtin_tables;
	uintptr_t p = (uintptr_t)res->rule, lo = (uintptr_t)t->rule_pub,
	          hi = (uintptr_t)(t->rule_pub + t->nrules);
	const struct rb_rule *R;
	if (p < lo || p >= hi)
		return res->type == REBOUND_TYPE_UNDETERMINED; /* no rule of the tables */
	/* a public record of the tables: rules[] has the same index */
	R = &t->rules[res->rule - t->rule_pub];
	return R->ngroups == 0 && R->nproviders == 0;
}

static const struct rebound_rule msg_delayed_rule = {"message-delayed", "runtime/message.c", 0,
                                                     NULL};

/* Once a queue gives up on a recipient, its last temporary reply tells
   why only when it names a cause that would persist; a failed connection
   (timeout, refused, lost) or a reply with nothing beyond its codes was
   merely retried, and the expiry is why the message failed. */
static int msg_expiry_explains(const struct rebound_result *res)
{
	return msg_decided_by_codes(res) || res->cls == rebound_class_find("network_error");
}

static void msg_set_expired(struct rebound_result *res)
{
	const struct rebound_class *c = rebound_class_find("expired");
	if (!c) /* a rule base without the class keeps the text's answer */
		return;
	res->cls = c;
	res->type = REBOUND_TYPE_SOFT;
	res->rule = &msg_delayed_rule;
	res->retry_after = 0;
}

int rebound_settle_expired(struct rebound_result *res)
{
	if (!res || !res->cls || !msg_expiry_explains(res))
		return 0;
	msg_set_expired(res);
	return res->cls == rebound_class_find("expired");
}

/* A recipient the report calls delayed is still being retried, whatever
 * the last reply said: Postfix defers a "554 5.7.1" greeting and tries
 * again.  The report's own temporary status is then the one to give,
 * and the verdict is soft; the text still names the cause. */
static void msg_keep_delay(struct rebound_result *res, rbp_span status)
{
	struct rb_codes fs = {0, 0, 0, 0};
	status = rbp_trim(status);
	if (res->status_class != 5 || !status.len || !rb_parse_status(status.ptr, status.len, &fs) ||
	    fs.cls != 4)
		return;
	res->status_class = fs.cls;
	res->status_subject = fs.subject;
	res->status_detail = fs.detail;
	rb_format_status(res->status, &fs);
	res->flags |= REBOUND_F_STATUS_FROM_QUERY;
	if (res->type == REBOUND_TYPE_HARD)
		res->type = REBOUND_TYPE_SOFT;
}

static void msg_settle_kind(struct rebound_result *res, enum rebound_kind kind, rbp_span action,
                            rbp_span status)
{
	unsigned k;
	/* A recipient the report calls delayed, or failed with a temporary
	   status, has been retried past the first attempts; when the text
	   names no cause, that history is the answer.  "expired" is not in
	   RFC 3464, but some relays (SendGrid) write it. */
	if (kind == REBOUND_KIND_DSN) {
		int delayed = rbp_prefix(action.ptr, action.len, "delayed");
		int failed_soft;
		if (delayed)
			msg_keep_delay(res, status);
		failed_soft = rbp_prefix(action.ptr, action.len, "failed") && res->status_class == 4;
		if (rbp_prefix(action.ptr, action.len, "expired") ||
		    (delayed && msg_decided_by_codes(res)) || (failed_soft && msg_expiry_explains(res))) {
			msg_set_expired(res);
			return;
		}
	}
	for (k = 0; k < sizeof msg_kind_classes / sizeof msg_kind_classes[0]; k++) {
		const struct rebound_class *c;
		if (msg_kind_classes[k].kind != kind)
			continue;
		/* a class of the kind's own type stays (accepted, challenge_response);
		   a failure class that a 2.x.x status made a success does not */
		if (res->type == msg_kind_classes[k].type && res->cls &&
		    res->cls->type == msg_kind_classes[k].type)
			return;
		/* a rule base without the class keeps the text's answer */
		c = rebound_class_find(msg_kind_classes[k].cls);
		if (!c)
			return;
		res->cls = c;
		res->type = msg_kind_classes[k].type;
		res->rule = &msg_kind_classes[k].rule;
		res->retry_after = 0;
		return;
	}
}

/*
 * A relay that gives up (Amazon SES is the common one) writes a summary
 * code of its own and quotes the remote server's reply inside it:
 *   5.1.0 - Unknown address error 550-'5.2.2 <a@example.org>... Mailbox full'
 *   554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.2 Timeout>
 * The summary only says that delivery failed (X.Y.0) or took too long
 * (X.4.7); the quoted codes say what the remote server answered, so they
 * are the record's codes.  Returns the offset of the quoted reply code in
 * D, or D.len if D quotes none.
 */
static size_t msg_wrapped_reply(rbp_span d)
{
	const unsigned char *s = (const unsigned char *)d.ptr;
	size_t i;
	if (d.len < 5)
		return d.len;
	/* a code starts with '4' or '5': jump from one to the next */
	for (i = 1; (i = rbp_either(d.ptr, i, d.len - 4, '4', '5')) < d.len - 4; i++) {
		if (!rbp_digit(s[i + 1]) || !rbp_digit(s[i + 2]))
			continue;
		/* "<421 ..." (the quote opens right before the code) */
		if (s[i - 1] == '<' && (s[i + 3] == ' ' || s[i + 3] == '-'))
			return i;
		/* " 550-'..." (the code stands before the quoted text) */
		if (s[i - 1] == ' ' && s[i + 3] == '-' && (s[i + 4] == '\'' || s[i + 4] == '"'))
			return i;
	}
	return d.len;
}

static void msg_unwrap_codes(rbp_span d, struct rebound_result *res)
{
	struct rb_codes in = {0, 0, 0, 0};
	size_t at, i;
	unsigned reply;
	if (!res->status_class || (res->status_detail != 0 &&
	                           !(res->status_subject == 4 && res->status_detail == 7)))
		return; /* no summary code, or a specific one */
	at = msg_wrapped_reply(d);
	if (at >= d.len)
		return;
	reply = (unsigned)(d.ptr[at] - '0') * 100 + (unsigned)(d.ptr[at + 1] - '0') * 10 +
	        (unsigned)(d.ptr[at + 2] - '0');
	/* the quoted text may open with the remote's own status */
	i = at + 4;
	while (i < d.len && (d.ptr[i] == '\'' || d.ptr[i] == '"' || rbp_blank((unsigned char)d.ptr[i])))
		i++;
	res->reply = reply;
	res->flags &= ~REBOUND_F_REPLY_FROM_QUERY;
	if (i < d.len && rbp_digit((unsigned char)d.ptr[i]) && rb_parse_status(d.ptr + i, d.len - i, &in) &&
	    in.cls == reply / 100) {
		res->status_class = in.cls;
		res->status_subject = in.subject;
		res->status_detail = in.detail;
		rb_format_status(res->status, &in);
		res->flags &= ~REBOUND_F_STATUS_FROM_QUERY;
	}
}

/* A message id in a field's value: the first <...>, else the first word. */
static rbp_span msg_id_in(rbp_span v)
{
	size_t j;
	const char *lt = v.len ? memchr(v.ptr, '<', v.len) : NULL, *gt;
	if (lt && (gt = memchr(lt, '>', (size_t)(v.ptr + v.len - lt))) != NULL)
		return rbp_mkspan(lt, (size_t)(gt + 1 - lt));
	v = rbp_trim(v);
	for (j = 0; j < v.len && !rbp_blank((unsigned char)v.ptr[j]) && v.ptr[j] != '\r' &&
	            v.ptr[j] != '\n';
	     j++)
		;
	return rbp_mkspan(v.ptr, j);
}

/* The address of a From field: the one in <...> (a display name may
 * look like an address too), else the first. */
static rbp_span msg_from_address(rbp_span v)
{
	rbp_span a = {NULL, 0};
	const char *lt = memchr(v.ptr, '<', v.len);
	if (!(lt && rbp_address_at(v.ptr, v.len, (size_t)(lt - v.ptr), &a)) &&
	    !rbp_find_address(v.ptr, v.len, &a))
		return rbp_mkspan(NULL, 0);
	return a.len <= REBOUND_MAX_FIELD ? a : rbp_mkspan(NULL, 0);
}

/* The message an auto-reply answers: its In-Reply-To. */
static rbp_span msg_replied_to(const struct msg *m)
{
	rbp_span v;
	if (rbp_get_field(m->mime.headers, "in-reply-to", &v))
		return msg_id_in(v);
	return rbp_mkspan(NULL, 0);
}

static void msg_report(struct msg *m, const struct rbp_rcpt *r, enum rebound_kind kind,
                       unsigned extra_flags)
{
	struct rebound_record rec;
	struct rebound_query q;
	unsigned flags = r ? r->flags : 0;
	char *fb = m->field_buf;
	rbp_span host, domain = {NULL, 0};

	if (m->stopped)
		return;
	memset(&rec, 0, sizeof rec);
	rec.kind = kind;
	rec.subject = m->subject;
	rec.returned_headers = m->orig_headers;
	rec.message_id = kind == REBOUND_KIND_AUTOREPLY ? msg_replied_to(m) : m->message_id;
	rec.sender = m->sender;
	if (rec.message_id.len > REBOUND_MAX_FIELD) {
		rec.message_id.len = REBOUND_MAX_FIELD;
		flags |= REBOUND_RECORD_TRUNCATED;
	}
	rec.reporting_mta = msg_join(m->rep.reporting_mta, fb, REBOUND_MAX_FIELD, &flags);
	fb += REBOUND_MAX_FIELD;
	rec.date = msg_join(m->rep.arrival_date.len ? m->rep.arrival_date : m->date, fb,
	                    REBOUND_MAX_FIELD, &flags);
	fb += REBOUND_MAX_FIELD;
	if (r) {
		rec.recipient = msg_join(r->addr, fb, REBOUND_MAX_FIELD, &flags);
		fb += REBOUND_MAX_FIELD;
		rec.original_recipient = msg_join(r->original, fb, REBOUND_MAX_FIELD, &flags);
		fb += REBOUND_MAX_FIELD;
		rec.action = msg_join(r->action, fb, REBOUND_MAX_FIELD, &flags);
		fb += REBOUND_MAX_FIELD;
		rec.status = msg_join(r->status, fb, REBOUND_MAX_FIELD, &flags);
		fb += REBOUND_MAX_FIELD;
		rec.remote_mta = msg_join(r->remote_mta, fb, REBOUND_MAX_FIELD, &flags);
		fb += REBOUND_MAX_FIELD;
		if (r->date.len)
			rec.date = msg_join(r->date, fb, REBOUND_MAX_FIELD, &flags);
		rec.feedback_type = r->feedback_type.len ? rbp_trim(r->feedback_type)
		                                         : rbp_trim(m->rep.feedback_type);
		if (rec.feedback_type.len > REBOUND_MAX_FIELD) {
			rec.feedback_type.len = REBOUND_MAX_FIELD;
			flags |= REBOUND_RECORD_TRUNCATED;
		}
		rec.diagnostic = msg_join(r->diag, m->diag_buf, REBOUND_MAX_DIAGNOSTIC, &flags);
	}
	if (!rec.recipient.len)
		flags |= REBOUND_RECORD_NO_RECIPIENT;
	rec.flags = flags | extra_flags | m->flags;

	/* the query: the caller's profile and provider, plus what this record knows */
	memset(&q, 0, sizeof q);
	if (m->q) {
		q.profile = m->q->profile;
		q.provider = m->q->provider;
	}
	q.status = msg_cstr(rec.status, m->status_buf, MSG_STATUS_MAX);
	host = msg_host_of(rec.remote_mta);
	if (host.len)
		q.remote_host = msg_cstr(host, m->host_buf, MSG_HOST_MAX);
	if (rec.recipient.len) {
		const char *at = memchr(rec.recipient.ptr, '@', rec.recipient.len);
		if (at)
			domain = rbp_mkspan(at + 1, rec.recipient.len - (size_t)(at + 1 - rec.recipient.ptr));
		if (domain.len)
			q.recipient_domain = msg_cstr(domain, m->domain_buf, MSG_HOST_MAX);
	}
	rebound_classify(rec.diagnostic.ptr, rec.diagnostic.len, &q, &rec.result);
	msg_unwrap_codes(rec.diagnostic, &rec.result);
	/* a notice without a report that tells of a delivery (Postfix's
	   "successfully delivered" text): the 2xx reply it quotes decided */
	if (kind == REBOUND_KIND_NDR && rec.result.type == REBOUND_TYPE_SUCCESS)
		rec.kind = kind = REBOUND_KIND_DELIVERED;
	msg_settle_kind(&rec.result, kind, rec.action, rec.status);
	m->count++;
	if (m->fn(m->ctx, &rec))
		m->stopped = 1;
}

/* Transcripts are looked for only for the first recipients of a
 * message and in the first bytes of each text part: real ones are
 * short, and the search must stay cheap on hostile input. */
#define MSG_TRANSCRIPT_RECIPIENTS 64
#define MSG_TRANSCRIPT_SCAN 65536

/* Where the notice quotes the SMTP dialogue, the command a recipient's
 * reply answered goes with it into the diagnostic ("user unknown" after
 * DATA is a filter's verdict, not a missing mailbox). */
/* Does a text part of the notice hold an SMTP command line (">>> ")
 * where rbp_ndr_transcript looks?  Without one it finds nothing. */
static int msg_has_commands(const struct msg *m)
{
	unsigned k;
	for (k = 0; k < m->mime.nparts; k++) {
		const struct rbp_part *p = &m->mime.parts[k];
		const char *s = p->body.ptr, *end, *gt;
		if (p->enclosed || p->kind != RBP_PART_TEXT || !p->body.len)
			continue;
		end = s + (p->body.len < MSG_TRANSCRIPT_SCAN ? p->body.len : MSG_TRANSCRIPT_SCAN);
		/* '>' is rare in a notice: memchr passes over the rest in wide steps */
		while ((gt = memchr(s, '>', (size_t)(end - s))) != NULL) {
			if (end - gt >= 4 && memcmp(gt, ">>> ", 4) == 0)
				return 1;
			s = gt + 1;
		}
	}
	return 0;
}

static void msg_add_commands(struct msg *m, struct rbp_rcpts *t)
{
	unsigned i, k;
	if (!t->n || !msg_has_commands(m))
		return;
	for (i = 0; i < t->n && i < MSG_TRANSCRIPT_RECIPIENTS; i++) {
		struct rbp_rcpt *r = &t->v[i];
		if (!r->diag.len || rbp_find(r->diag.ptr, r->diag.len, ">>> ", NULL) != RBP_NOT_FOUND)
			continue;
		for (k = 0; k < m->mime.nparts; k++) {
			const struct rbp_part *p = &m->mime.parts[k];
			rbp_span text = p->body, found;
			if (p->enclosed || p->kind != RBP_PART_TEXT)
				continue;
			if (text.len > MSG_TRANSCRIPT_SCAN)
				text.len = MSG_TRANSCRIPT_SCAN;
			if (rbp_ndr_transcript(text, r->diag, &found)) {
				r->diag = found;
				break;
			}
		}
	}
}

static void msg_report_table(struct msg *m, struct rbp_rcpts *t, unsigned extra_flags)
{
	unsigned i;
	msg_add_commands(m, t);
	for (i = 0; i < t->n && !m->stopped; i++) {
		struct rbp_rcpt *r = &t->v[i];
		enum rebound_kind kind = (enum rebound_kind)r->kind;
		if (kind == REBOUND_KIND_DSN && msg_action_is_success(r->action))
			kind = REBOUND_KIND_DELIVERED;
		msg_report(m, r, kind, extra_flags | t->flags);
	}
}

/* Every entry of T, or one record of KIND without a recipient when T
 * is empty. */
static void msg_report_all(struct msg *m, struct rbp_rcpts *t, enum rebound_kind kind)
{
	if (t->n)
		msg_report_table(m, t, 0);
	else
		msg_report(m, NULL, kind, 0);
}

/* ---- fallbacks for recipients ------------------------------------- */

/* Add every address of field value V (a list) to T, flagged as guessed.
 * Returns the number added. */
static unsigned msg_add_addresses(struct rbp_rcpts *t, rbp_span v, rbp_span diag,
                                  enum rebound_kind kind)
{
	unsigned added = 0;
	rbp_span a;
	size_t end;
	while (v.len && (end = rbp_find_address(v.ptr, v.len, &a)) != 0) {
		struct rbp_rcpt *r;
		int got = rbp_rcpt_take(t, a, kind, &r);
		if (got < 0)
			break;
		if (got) {
			r->resolved = 1;
			r->diag = diag;
			r->flags |= REBOUND_RECORD_GUESSED;
			added++;
		}
		v.ptr += end;
		v.len -= end;
	}
	return added;
}

/* A "To:" line with an address among the first lines of TEXT. */
static int msg_to_line(rbp_span text, rbp_span *v)
{
	size_t pos = 0;
	unsigned lines = 0;
	rbp_span line, a;
	while (lines++ < 200 && rbp_next_line(text.ptr, text.len, &pos, &line)) {
		rbp_span l = rbp_trim(line);
		if (rbp_prefix(l.ptr, l.len, "to:") && rbp_find_address(l.ptr, l.len, &a)) {
			*v = rbp_mkspan(l.ptr + 3, l.len - 3);
			return 1;
		}
	}
	return 0;
}

/* The recipient field of the returned message's headers. */
static int msg_original_to(const struct msg *m, rbp_span *v)
{
	const char *const *f;
	rbp_span value, a;
	for (f = msg_original_recipient_fields; *f; f++)
		if (m->orig_headers.len && rbp_get_field(m->orig_headers, *f, &value) &&
		    rbp_find_address(value.ptr, value.len, &a)) {
			*v = value;
			return 1;
		}
	/* the returned headers pasted as text after the notice, or (with no
	   line to mark where they start) into it */
	return msg_to_line(m->scan.after, v) || msg_to_line(m->scan.section, v);
}

/* Every X-Failed-Recipients value, one after the other. */
static int msg_next_failed(const struct msg *m, size_t *pos, rbp_span *v)
{
	rbp_span name;
	/* the walk noted where the first one starts, if any */
	if (*pos < m->mime.failed_at)
		*pos = m->mime.failed_at;
	if (*pos >= m->mime.headers.len)
		return 0;
	while (rbp_next_field(m->mime.headers, pos, &name, v))
		if (rbp_is_ci(name, "x-failed-recipients"))
			return 1;
	return 0;
}

/* The addresses of all X-Failed-Recipients fields, one at a time. */
struct msg_failed_iter {
	size_t field_pos;
	rbp_span rest;
};

static int msg_next_failed_address(const struct msg *m, struct msg_failed_iter *it, rbp_span *a)
{
	while (1) {
		size_t end;
		if (it->rest.len && (end = rbp_find_address(it->rest.ptr, it->rest.len, a)) != 0) {
			it->rest.ptr += end;
			it->rest.len -= end;
			return 1;
		}
		if (!msg_next_failed(m, &it->field_pos, &it->rest))
			return 0;
	}
}

/*
 * Give recipient lines without a full address (Exim's "save to ...", a
 * bare local part) the address they stand for: the X-Failed-Recipients
 * address with that local part, or, when just one line is unresolved,
 * the one address of X-Failed-Recipients (else of the returned
 * message's To field) that no other recipient has.  Notices with more
 * than MSG_MAX_UNRESOLVED such lines are left as they are.
 */
static void msg_resolve(struct msg *m, struct rbp_rcpts *t)
{
	unsigned i, unresolved = 0;
	for (i = 0; i < t->n; i++)
		unresolved += !t->v[i].resolved;
	/* a handful at most in real notices; each costs a pass over the header */
	if (unresolved > MSG_MAX_UNRESOLVED)
		return;
	for (i = 0; i < t->n && unresolved; i++) {
		struct rbp_rcpt *r = &t->v[i];
		struct msg_failed_iter it = {0, {NULL, 0}};
		rbp_span a, match = {NULL, 0}, spare = {NULL, 0}, v;
		unsigned spares = 0;
		if (r->resolved)
			continue;
		while (msg_next_failed_address(m, &it, &a)) {
			const char *at = memchr(a.ptr, '@', a.len);
			if (rbp_rcpt_find(t, a))
				continue;
			if (at && rbp_same_ci(rbp_mkspan(a.ptr, (size_t)(at - a.ptr)), r->addr)) {
				match = a;
				break;
			}
			spares++;
			spare = a;
		}
		if (!match.len && unresolved == 1 && spares == 1)
			match = spare;
		if (!match.len && unresolved == 1 && !spares && msg_original_to(m, &v) &&
		    rbp_find_address(v.ptr, v.len, &a) && !rbp_rcpt_find(t, a))
			match = a;
		if (match.len) {
			rbp_rcpt_set_addr(r, match);
			r->resolved = 1;
			r->flags |= REBOUND_RECORD_GUESSED;
			unresolved--;
		}
	}
}

/* ---- the parse ---------------------------------------------------- */

/* A copy of TEXT with one level of "> " quoting taken off each line,
 * if at least a few lines are quoted.  Only the first
 * REBOUND_MAX_NDR_SCAN bytes fit. */
static int msg_unquote(struct msg *m, rbp_span text, rbp_span *out)
{
	size_t pos = 0, o = 0;
	unsigned quoted = 0;
	rbp_span line;
	while (rbp_next_line(text.ptr, text.len, &pos, &line) && quoted < 5)
		quoted += line.len && line.ptr[0] == '>';
	if (quoted < 5)
		return 0;
	pos = 0;
	while (rbp_next_line(text.ptr, text.len, &pos, &line)) {
		if (line.len && line.ptr[0] == '>') {
			line.ptr++;
			line.len--;
			if (line.len && line.ptr[0] == ' ') {
				line.ptr++;
				line.len--;
			}
		}
		if (line.len + 1 > REBOUND_MAX_NDR_SCAN - o) {
			m->flags |= REBOUND_RECORD_SCAN_LIMIT;
			break;
		}
		memcpy(m->unquote_buf + o, line.ptr, line.len);
		o += line.len;
		m->unquote_buf[o++] = '\n';
	}
	*out = rbp_mkspan(m->unquote_buf, o);
	return 1;
}

/* The Message-ID and From fields, in the order of m->orig_at */
static const char *const msg_orig_fields[] = {"message-id", "from"};
static const unsigned char msg_orig_lens[] = {10, 4};

static void msg_find_original_headers(struct msg *m)
{
	unsigned i;
	for (i = 0; i < m->mime.nparts; i++)
		if (m->mime.parts[i].kind == RBP_PART_HEADERS) {
			size_t body;
			rbp_span b = m->mime.parts[i].body;
			if (m->mime.parts[i].block) {
				/* an enclosed message's block: measured, and its fields
				   noted, by the walk (the first such part is this one) */
				m->orig_headers = b;
				m->orig_at[0] = m->mime.returned_at[0];
				m->orig_at[1] = m->mime.returned_at[1];
				m->orig_val[0] = m->mime.returned_val[0];
				m->orig_val[1] = m->mime.returned_val[1];
			} else
				m->orig_headers = rbp_mkspan(
					b.ptr, rbp_header_block_at(b.ptr, b.len, &body, msg_orig_fields,
				                                   msg_orig_lens, 2, m->orig_at, m->orig_val));
			return;
		}
}

/* Fields every sent message has: a block of fields with two of them is
 * taken for a message's header.  The first is the Message-ID. */
static const char *const msg_usual_fields[] = {"message-id", "date", "from", "subject", "received"};
static const unsigned char msg_usual_lens[] = {10, 4, 4, 7, 8};
#define MSG_USUAL 5

/* Lines after a notice's section where a pasted copy is looked for first */
#define MSG_PASTED_LEAD 8

/*
 * The header block of a returned message pasted into the notice's text
 * (qmail, Exim, Zoho, Google Groups and others put it after the error
 * section, with or without a line that introduces it): the first block
 * of fields with a Message-ID among those of a sent message, starting on
 * one of the first MAX_LINES lines; *ID is set to its Message-ID, and
 * *FIRST to the first such block without one; FROM_AT[0] is where the
 * From field of the block returned starts, FROM_AT[1] that of *FIRST
 * (RBP_NO_FIELD: none).  Each block is passed over whole, so the search
 * stays linear; it reads at most *BUDGET bytes and takes them off.
 */
/* Do the N bytes at S open with a field name, blanks and ':'? (A name
 * ends at the first control, so this stays on the first line.) */
static int msg_starts_field(const char *s, size_t n)
{
	size_t i = rbp_name_end(s, n);
	if (!i)
		return 0;
	while (i < n && rbp_blank((unsigned char)s[i]))
		i++;
	return i < n && s[i] == ':';
}

static rbp_span msg_pasted_headers(rbp_span text, size_t *budget, unsigned max_lines,
                                   rbp_span *first, rbp_span *id, size_t *from_at,
                                   rbp_span *from_val)
{
	size_t pos = 0;
	unsigned lines = 0;
	rbp_span line, none = {NULL, 0};
	if (text.len > *budget)
		text.len = *budget;
	*budget -= text.len;
	while (pos < text.len && lines++ < max_lines) {
		size_t body, at[MSG_USUAL];
		rbp_span vals[MSG_USUAL];
		unsigned k, usual = 0;
		rbp_span block;
		block.ptr = text.ptr + pos;
		/* a block starts with a field: a name (which begins with a
		   letter), blanks, ':'; most lines of prose fail this before
		   their end is looked for */
		block.len = (unsigned)(rbp_lower((unsigned char)text.ptr[pos]) - 'a') < 26u &&
		                            msg_starts_field(block.ptr, text.len - pos)
		                    ? rbp_header_block_at(block.ptr, text.len - pos, &body,
		                                          msg_usual_fields, msg_usual_lens, MSG_USUAL, at,
		                                          vals)
		                    : 0;
		if (block.len) {
			for (k = 0; k < MSG_USUAL; k++)
				usual += at[k] != RBP_NO_FIELD;
			if (usual >= 2) {
				if (at[0] != RBP_NO_FIELD) {
					*id = msg_id_in(vals[0]);
					from_at[0] = at[2];
					from_val[0] = vals[2];
					return block;
				}
				if (!first->len) {
					*first = block;
					from_at[1] = at[2];
					from_val[1] = vals[2];
				}
			}
			pos += block.len;
		}
		if (!rbp_next_line(text.ptr, text.len, &pos, &line))
			break;
	}
	return none;
}

/* The first readable text part of the notice itself. */
static rbp_span msg_first_text(const struct msg *m)
{
	unsigned i;
	for (i = 0; i < m->mime.nparts; i++) {
		const struct rbp_part *p = &m->mime.parts[i];
		if (p->enclosed == 0 && p->kind == RBP_PART_TEXT && !p->preamble &&
		    rbp_trim(p->body).len)
			return rbp_trim(p->body);
	}
	return rbp_mkspan(NULL, 0);
}

/* The opening lines of the message text: what an auto-reply says. */
static rbp_span msg_first_lines(const struct msg *m)
{
	rbp_span text = msg_first_text(m), line;
	size_t pos = 0, end = 0;
	unsigned lines = 0;
	while (lines < 5 && pos < 1024 && rbp_next_line(text.ptr, text.len, &pos, &line)) {
		if (rbp_all_space(line)) {
			if (lines)
				break;
			continue;
		}
		lines++;
		end = (size_t)(line.ptr + line.len - text.ptr);
	}
	return rbp_mkspan(text.ptr, end);
}

/* Is the From field a mail system's own address (mailer-daemon, ...)? */
static int msg_from_mail_system(rbp_span from)
{
	return rbp_find(from.ptr, from.len, "mailer-daemon", NULL) != RBP_NOT_FOUND ||
	       rbp_find(from.ptr, from.len, "postmaster@", NULL) != RBP_NOT_FOUND;
}

/* Is the message a person's reply (In-Reply-To, and "Re:" or its
 * like opening the subject, after a mailing list's "[tag]")?  A bounce
 * quoted in a reply is one the writer is talking about, not one that
 * came back to the sender of this message. */
static int msg_is_reply(const struct msg *m)
{
	static const char *const prefixes[] = {"re:", "re :", "aw:", "sv:", "vs:", "antw:", "odp:",
	                                       NULL};
	const char *const *s;
	rbp_span subject = rbp_after_list_tag(m->subject), v;
	/* the subject first: it is at hand, the header block must be read */
	for (s = prefixes; *s; s++)
		if (rbp_prefix(subject.ptr, subject.len, *s))
			return rbp_get_field(m->mime.headers, "in-reply-to", &v);
	return 0;
}

/* Read every source of recipients into m->reports and m->notice. */
static void msg_collect(struct msg *m)
{
	unsigned i;
	rbp_span v, from = {NULL, 0};

	/* 1. the machine-readable reports */
	for (i = 0; i < m->mime.nparts; i++) {
		const struct rbp_part *p = &m->mime.parts[i];
		if (p->enclosed)
			continue;
		if (p->kind == RBP_PART_DSN)
			rbp_dsn_read(p->body, 1, &m->rep, &m->reports);
		else if (p->kind == RBP_PART_FEEDBACK) {
			m->nfeedback_parts++;
			rbp_arf_read(p->body, &m->rep, &m->reports);
		}
	}
	/* 2. JSON notifications, then DSN fields pasted into the text */
	for (i = 0; i < m->mime.nparts && !m->reports.n && !m->nfeedback_parts; i++) {
		const struct rbp_part *p = &m->mime.parts[i];
		if (!p->enclosed && p->kind == RBP_PART_TEXT)
			rbp_json_read(p->body, &m->rep, &m->reports);
	}
	if (!m->reports.n && !m->nfeedback_parts) {
		for (i = 0; i < m->mime.nparts; i++) {
			const struct rbp_part *p = &m->mime.parts[i];
			if (!p->enclosed && p->kind == RBP_PART_TEXT)
				rbp_dsn_read(p->body, 0, &m->rep, &m->reports);
		}
		m->reports_pasted = m->reports.n != 0;
	}

	/* 3. the human-readable notice; common wording only in what looks
	   like a bounce */
	from = m->from;
	m->bounce_headers = m->mime.is_report || rbp_ndr_bounce_headers(from, m->subject);
	/* a person's reply, with nothing that says bounce, quotes what it answers */
	if (!m->bounce_headers && !msg_from_mail_system(from) && msg_is_reply(m))
		return;
	m->scan.budget = REBOUND_MAX_NDR_SCAN;
	for (i = 0; i < m->mime.nparts && m->scan.budget; i++) {
		const struct rbp_part *p = &m->mime.parts[i];
		struct rbp_ndr_scan s;
		if (p->enclosed || p->kind != RBP_PART_TEXT)
			continue;
		memset(&s, 0, sizeof s);
		s.index = &rbp_ndr_phrase_index;
		s.budget = m->scan.budget;
		s.generic = m->bounce_headers;
		rbp_ndr_read(p->body, &s, &m->notice);
		m->scan.budget = s.budget;
		m->flags |= s.flags;
		if (s.format && !m->scan.format)
			m->scan = s;
	}
	/* a notice written only in HTML: read its text */
	if (!m->scan.format && !msg_first_text(m).len)
		for (i = 0; i < m->mime.nparts; i++) {
			struct rbp_part *p = &m->mime.parts[i];
			struct rbp_ndr_scan s;
			if (p->enclosed || p->kind != RBP_PART_HTML)
				continue;
			rbp_part_decode(&m->arena, p, &m->flags);
			v = rbp_mkspan(m->html_buf, rbp_html_text(p->body, m->html_buf, REBOUND_MAX_NDR_SCAN));
			memset(&s, 0, sizeof s);
			s.index = &rbp_ndr_phrase_index;
			s.budget = REBOUND_MAX_NDR_SCAN;
			s.generic = m->bounce_headers;
			rbp_ndr_read(v, &s, &m->notice);
			if (s.format) {
				m->scan = s;
				break;
			}
		}
	if (m->reports.n || m->nfeedback_parts || m->notice.n)
		return;

	/* 4. a bounce forwarded inline, every line quoted with "> " */
	for (i = 0; i < m->mime.nparts; i++) {
		const struct rbp_part *p = &m->mime.parts[i];
		struct rbp_ndr_scan s;
		if (p->enclosed || p->kind != RBP_PART_TEXT || !msg_unquote(m, p->body, &v))
			continue;
		rbp_dsn_read(v, 0, &m->rep, &m->reports);
		memset(&s, 0, sizeof s);
		s.index = &rbp_ndr_phrase_index;
		s.budget = REBOUND_MAX_NDR_SCAN;
		s.generic = m->bounce_headers;
		rbp_ndr_read(v, &s, &m->notice);
		if (m->reports.n || m->notice.n) {
			if (s.format)
				m->scan = s;
			return;
		}
	}

	/* 5. a bounce wrapped in another message (forwarded as an
	   attachment, or bounced again): its report counts */
	{
		unsigned level = 0;
		for (i = 0; i < m->mime.nparts; i++) {
			const struct rbp_part *p = &m->mime.parts[i];
			if (p->kind != RBP_PART_DSN || !p->enclosed || (level && p->enclosed != level))
				continue;
			if (rbp_dsn_read(p->body, 1, &m->rep, &m->reports))
				level = p->enclosed;
		}
	}
}

/* Does S hold a letter (not just codes or a number)? */
static int msg_has_words(rbp_span s)
{
	size_t i;
	for (i = 0; i < s.len; i++) {
		unsigned char c = rbp_lower((unsigned char)s.ptr[i]);
		if (c >= 'a' && c <= 'z')
			return 1;
	}
	return 0;
}

/* Does HAY contain NEEDLE, ignoring case and how blanks and line ends
 * fall?  Only the first MSG_LOOSE_MAX bytes of each are compared, and
 * only for the first MSG_LOOSE_RECIPIENTS recipients of a report, which
 * keeps the naive search cheap. */
#define MSG_LOOSE_MAX 512
#define MSG_LOOSE_RECIPIENTS 64
static int msg_contains_loose(rbp_span hay, rbp_span needle)
{
	size_t h, hn = hay.len < MSG_LOOSE_MAX ? hay.len : MSG_LOOSE_MAX;
	size_t nn = needle.len < MSG_LOOSE_MAX ? needle.len : MSG_LOOSE_MAX;
	unsigned char lo, up;
	needle = rbp_trim(rbp_mkspan(needle.ptr, nn));
	if (!needle.len)
		return 0;
	/* a match starts where the needle's first byte (no blank: it is
	   trimmed) is, in either case: jump from one such byte to the next */
	lo = rbp_lower((unsigned char)needle.ptr[0]);
	up = lo >= 'a' && lo <= 'z' ? (unsigned char)(lo - 32) : lo;
	for (h = 0; (h = rbp_either(hay.ptr, h, hn, lo, up)) < hn; h++) {
		size_t i = h, j = 0;
		while (i < hn && j < needle.len) {
			unsigned char a = (unsigned char)hay.ptr[i], b = (unsigned char)needle.ptr[j];
			if (a == b && a > ' ') { /* the same byte, and no blank: most of them */
				i++;
				j++;
				continue;
			}
			if (rbp_space(a) && rbp_space(b)) {
				while (i < hn && rbp_space((unsigned char)hay.ptr[i]))
					i++;
				while (j < needle.len && rbp_space((unsigned char)needle.ptr[j]))
					j++;
				continue;
			}
			if (rbp_lower(a) != rbp_lower(b))
				break;
			i++;
			j++;
		}
		if (j == needle.len)
			return 1;
	}
	return 0;
}

/* A DSN (or JSON) report: its recipients, with the notice's words
 * where the report has none. */
static int msg_report_reports(struct msg *m)
{
	unsigned i;
	rbp_span v, a;
	if (!m->reports.n)
		return 0;
	for (i = 0; i < m->reports.n; i++) {
		struct rbp_rcpt *r = &m->reports.v[i];
		struct rbp_rcpt *n = rbp_rcpt_find(&m->notice, r->addr);
		if (!n && m->reports.n == m->notice.n && (m->reports.n == 1 || !r->resolved))
			n = &m->notice.v[i];
		if (n && (!r->resolved || r->resolved == 2) && n->resolved &&
		    !rbp_same_ci(n->addr, r->addr)) {
			/* the report's recipient field is broken (or masked, and the
			   address came from Original-Recipient); the notice names it */
			rbp_rcpt_set_addr(r, n->addr);
			r->resolved = 1;
			r->flags &= ~REBOUND_RECORD_NO_RECIPIENT;
			r->flags |= REBOUND_RECORD_GUESSED;
		}
		/* the notice's words when the report has none, only a number (a
		   mailer's exit code), or a little less of the same (the notice
		   often adds the SMTP command the reply answered; a much longer
		   text adds more noise than sense) */
		if (n && (!msg_has_words(r->diag) ||
		          (i < MSG_LOOSE_RECIPIENTS && n->diag.len <= 2 * r->diag.len + 120 &&
		           msg_contains_loose(n->diag, r->diag))))
			r->diag = n->diag;
		else if (!n && !msg_has_words(r->diag) && m->reports.n == 1)
			r->diag = m->scan.format ? rbp_trim(m->scan.section) : msg_first_text(m);
		if (!r->remote_mta.len)
			r->remote_mta = rbp_ndr_host(r->diag);
		if (!r->addr.len && m->reports.n == 1 && msg_original_to(m, &v) &&
		    rbp_find_address(v.ptr, v.len, &a)) {
			/* a report that forgot the recipient */
			rbp_rcpt_set_addr(r, a);
			r->flags &= ~REBOUND_RECORD_NO_RECIPIENT;
			r->flags |= REBOUND_RECORD_GUESSED;
		}
	}
	msg_report_table(m, &m->reports, 0);
	/* DSN fields pasted into a text are often cut short (a forum post, a
	   forwarded bounce): a notice that names more recipients names the
	   rest (with as many, its addresses may only be spelt differently:
	   an alias and what it expanded to) */
	if (m->reports_pasted && m->notice.n > m->reports.n)
		for (i = 0; i < m->notice.n && !m->stopped; i++) {
			struct rbp_rcpt *n = &m->notice.v[i];
			if (!n->resolved || rbp_rcpt_find(&m->reports, n->addr))
				continue;
			if (!n->remote_mta.len)
				n->remote_mta = rbp_ndr_host(n->diag);
			msg_report(m, n, REBOUND_KIND_NDR, m->notice.flags);
		}
	return 1;
}

/* A feedback report naming no recipient, or a complaint in a format of
 * its own. */
static int msg_report_feedback(struct msg *m)
{
	unsigned i;
	rbp_span v, type;
	if (!m->nfeedback_parts) {
		/* m->from: the first From field, as the MIME walk noted it */
		if (!rbp_arf_like(m->has_from ? m->from : rbp_mkspan(NULL, 0), m->subject,
		                  msg_first_text(m), &type))
			return 0;
		m->rep.feedback_type = type;
	}
	/* without a returned message, the complaint comes from its sender */
	if (!m->nfeedback_parts && !m->orig_headers.len && m->has_from)
		msg_add_addresses(&m->reports, m->from, rbp_mkspan(NULL, 0), REBOUND_KIND_FEEDBACK);
	else if (msg_original_to(m, &v))
		msg_add_addresses(&m->reports, v, rbp_mkspan(NULL, 0), REBOUND_KIND_FEEDBACK);
	for (i = 0; i < m->reports.n; i++)
		m->reports.v[i].feedback_type = m->rep.feedback_type;
	msg_report_all(m, &m->reports, REBOUND_KIND_FEEDBACK);
	return 1;
}

/* A notice in a known wording.  A message that does not look like a
 * bounce counts only if the notice named someone. */
static int msg_report_notice(struct msg *m)
{
	unsigned i;
	size_t pos = 0;
	rbp_span v, diag = rbp_trim(m->scan.section);
	if (!m->notice.n && !(m->scan.format && m->bounce_headers))
		return 0;
	msg_resolve(m, &m->notice);
	/* the header's list only when the text named nobody it could read */
	for (i = 0; i < m->notice.n && !m->notice.v[i].resolved; i++)
		;
	if (i == m->notice.n)
		while (msg_next_failed(m, &pos, &v))
			msg_add_addresses(&m->notice, v, diag, REBOUND_KIND_NDR);
	if (!m->notice.n && msg_original_to(m, &v))
		msg_add_addresses(&m->notice, v, diag, REBOUND_KIND_NDR);
	if (!m->notice.n && m->scan.format) {
		/* nobody named (the address masked by whoever pasted the notice,
		   or left out): the error section still says what went wrong */
		struct rbp_rcpt none;
		memset(&none, 0, sizeof none);
		none.kind = REBOUND_KIND_NDR;
		none.diag = diag;
		msg_report(m, &none, REBOUND_KIND_NDR, 0);
		return 1;
	}
	for (i = 0; i < m->notice.n; i++) {
		struct rbp_rcpt *r = &m->notice.v[i];
		if (!r->remote_mta.len)
			r->remote_mta = rbp_ndr_host(r->diag);
	}
	msg_report_all(m, &m->notice, REBOUND_KIND_NDR);
	return 1;
}

/* A notice we cannot read, but whose header names the failures. */
static int msg_report_failed_field(struct msg *m)
{
	size_t pos = 0;
	rbp_span v, diag = rbp_ndr_before_returned(msg_first_text(m), &rbp_ndr_phrase_index);
	while (msg_next_failed(m, &pos, &v))
		msg_add_addresses(&m->notice, v, diag, REBOUND_KIND_NDR);
	if (!m->notice.n)
		return 0;
	msg_report_table(m, &m->notice, 0);
	return 1;
}

/* An automatic reply: the recipient is whoever replied.  Mail systems
 * mark their own notices the same way; what looks like a bounce is not
 * an auto-reply, unless an auto-responder's own marks say so and no
 * report or bounce subject says otherwise (Amazon SES passes replies on
 * from its MAILER-DAEMON; who replied is then not known). */
static int msg_report_autoreply(struct msg *m)
{
	rbp_span from = m->from;
	int how = m->has_from ? rbp_is_autoreply(m->mime.headers, m->subject) : 0;
	if (!how)
		return 0;
	if (m->bounce_headers || msg_from_mail_system(from)) {
		if (how < 2 || m->mime.is_report || rbp_ndr_bounce_headers(rbp_mkspan("", 0), m->subject))
			return 0;
		msg_report(m, NULL, REBOUND_KIND_AUTOREPLY, 0);
		return 1;
	}
	msg_add_addresses(&m->notice, from, msg_first_lines(m), REBOUND_KIND_AUTOREPLY);
	if (m->notice.n) {
		m->notice.v[0].flags &= ~REBOUND_RECORD_GUESSED;
		msg_report(m, &m->notice.v[0], REBOUND_KIND_AUTOREPLY, 0);
	} else
		msg_report(m, NULL, REBOUND_KIND_AUTOREPLY, 0);
	return 1;
}

/* Words by which a list manager says it passed a post to the list's
 * moderators instead of delivering it (lower case). */
static const char *const msg_moderation_phrases[] = {
	"forwarded to the moderator", "awaits moderator approval", "awaiting moderator approval",
	"held for moderation", "held for moderator approval", "until the list moderator",
	"pending moderator approval", "queued for moderation", NULL,
};

/* A report from a list manager that the post is held for its moderators:
 * Sympa sends it as a delivery status notification whose Action is
 * "failed" with a 4.x.x status.  Nothing failed; the list has the post.
 * Only reports with a 4.x.x status and none final (every status 2.x.x or
 * 4.x.x) count, and the sentence must be in the notice's own first text
 * part, not in a returned message.  Every phrase holds "moderat", looked
 * for first: one pass over the text for the many reports that lack it. */
static int msg_moderation_hold(const struct msg *m)
{
	const char *const *s;
	rbp_span text;
	unsigned i, soft = 0;
	size_t at;
	if (!m->reports.n || m->nfeedback_parts)
		return 0;
	for (i = 0; i < m->reports.n; i++) {
		rbp_span st = rbp_trim(m->reports.v[i].status);
		if (!st.len)
			continue;
		if (st.ptr[0] == '4')
			soft = 1;
		else if (st.ptr[0] != '2')
			return 0;
	}
	if (!soft)
		return 0;
	text = msg_first_text(m);
	if (text.len > 2048)
		text.len = 2048;
	at = rbp_find(text.ptr, text.len, "moderat", NULL);
	if (at == RBP_NOT_FOUND)
		return 0;
	/* no phrase starts more than 17 bytes before its "moderat" */
	at = at > 32 ? at - 32 : 0;
	text = rbp_mkspan(text.ptr + at, text.len - at);
	for (s = msg_moderation_phrases; *s; s++)
		if (rbp_find(text.ptr, text.len, *s, NULL) != RBP_NOT_FOUND)
			return 1;
	return 0;
}

/*
 * The headers of a returned message that came as text: looked for in
 * the part the notice was read from, from its error section on, then
 * in the other text parts of the notice itself (some servers attach
 * them as a text file).
 */
static rbp_span msg_pasted_returned(const struct msg *m, rbp_span *id, size_t *from_at,
                                    rbp_span *from_val)
{
	size_t budget = REBOUND_MAX_NDR_SCAN, at[2] = {RBP_NO_FIELD, RBP_NO_FIELD};
	rbp_span area = msg_first_text(m), found, first = {NULL, 0}, val[2] = {{NULL, 0}, {NULL, 0}};
	unsigned i;
	if (m->scan.format && m->scan.section.ptr && m->scan.after.ptr >= m->scan.section.ptr) {
		/* most often the copy starts just after the line that ends the section */
		found = msg_pasted_headers(m->scan.after, &budget, MSG_PASTED_LEAD, &first, id, at, val);
		if (found.len) {
			*from_at = at[0];
			*from_val = val[0];
			return found;
		}
		budget = REBOUND_MAX_NDR_SCAN;
		area = rbp_mkspan(m->scan.section.ptr, (size_t)(m->scan.after.ptr + m->scan.after.len -
		                                                m->scan.section.ptr));
	}
	found = msg_pasted_headers(area, &budget, UINT_MAX, &first, id, at, val);
	for (i = 0; i < m->mime.nparts && !found.len && budget; i++) {
		const struct rbp_part *p = &m->mime.parts[i];
		if (p->enclosed || p->kind != RBP_PART_TEXT || p->preamble ||
		    (area.ptr >= p->body.ptr && area.ptr <= p->body.ptr + p->body.len))
			continue;
		found = msg_pasted_headers(p->body, &budget, UINT_MAX, &first, id, at, val);
	}
	*from_at = found.len ? at[0] : at[1];
	*from_val = found.len ? val[0] : val[1];
	return found.len ? found : first;
}

static void msg_run(struct msg *m)
{
	const rbp_span *v = m->mime.top;
	unsigned got;
	rbp_mime_walk(m->text, m->len, &m->arena, &m->mime);
	m->flags |= m->mime.flags;
	got = m->mime.top_found;
	if (got & 1u) {
		char *buf = rbp_alloc(&m->arena, v[0].len);
		if (buf)
			m->subject = rbp_mkspan(buf, rbp_decode_words(v[0], buf, v[0].len));
	}
	if (got & 2u)
		m->date = v[1];
	if (got & 4u) {
		m->from = v[2];
		m->has_from = 1;
	}
	m->orig_at[0] = m->orig_at[1] = RBP_NO_FIELD;
	msg_find_original_headers(m);
	msg_collect(m);
	if (m->orig_headers.len) {
		if (m->orig_at[0] != RBP_NO_FIELD)
			m->message_id = msg_id_in(m->orig_val[0]);
	} else
		m->orig_headers =
			msg_pasted_returned(m, &m->message_id, &m->orig_at[1], &m->orig_val[1]);
	if (m->orig_headers.len && m->orig_at[1] != RBP_NO_FIELD)
		m->sender = msg_from_address(m->orig_val[1]);
	if (msg_moderation_hold(m)) {
		msg_report(m, NULL, REBOUND_KIND_NOT_BOUNCE, 0);
		return;
	}
	if (msg_report_reports(m) || msg_report_feedback(m) || msg_report_notice(m) ||
	    msg_report_failed_field(m) || msg_report_autoreply(m))
		return;
	msg_report(m, NULL, REBOUND_KIND_NOT_BOUNCE, 0);
}

int rebound_parse(const char *msg, size_t len, const struct rebound_query *q, void *scratch,
                  size_t scratch_size, rebound_record_fn fn, void *ctx)
{
	struct msg m;
	struct rebound_result probe;
	int err;

	if ((!msg && len) || !scratch || !fn)
		return REBOUND_EINVAL;
	if (!msg)
		msg = "";
	/* a query naming an unknown profile or provider fails before any
	   record (without a name, an empty text cannot fail: no probe) */
	if (q && (q->profile || (q->provider && *q->provider))) {
		err = rebound_classify(NULL, 0, q, &probe);
		if (err < 0)
			return err;
	}
	if (len > (size_t)-1 - REBOUND_PARSE_SCRATCH_FIXED || scratch_size < REBOUND_PARSE_SCRATCH(len))
		return REBOUND_ESCRATCH;

	memset(&m, 0, sizeof m);
	/* an mbox "From " line is not part of the message */
	if (len >= 5 && memcmp(msg, "From ", 5) == 0) {
		size_t pos = 0;
		rbp_span line;
		rbp_next_line(msg, len, &pos, &line);
		msg += pos;
		len -= pos;
	}
	m.text = msg;
	m.len = len;
	m.arena.base = scratch;
	m.arena.cap = scratch_size;
	m.q = q;
	m.fn = fn;
	m.ctx = ctx;

	m.mime.parts = rbp_alloc(&m.arena, REBOUND_MAX_PARTS * sizeof(struct rbp_part));
	m.mime.cap = REBOUND_MAX_PARTS;
	m.reports.v = rbp_alloc(&m.arena, REBOUND_MAX_RECIPIENTS * sizeof(struct rbp_rcpt));
	m.reports.cap = REBOUND_MAX_RECIPIENTS;
	m.notice.v = rbp_alloc(&m.arena, REBOUND_MAX_RECIPIENTS * sizeof(struct rbp_rcpt));
	m.notice.cap = REBOUND_MAX_RECIPIENTS;
	m.diag_buf = rbp_alloc(&m.arena, REBOUND_MAX_DIAGNOSTIC);
	m.field_buf = rbp_alloc(&m.arena, MSG_NFIELDS * REBOUND_MAX_FIELD);
	m.host_buf = rbp_alloc(&m.arena, MSG_HOST_MAX);
	m.domain_buf = rbp_alloc(&m.arena, MSG_HOST_MAX);
	m.status_buf = rbp_alloc(&m.arena, MSG_STATUS_MAX);
	m.unquote_buf = rbp_alloc(&m.arena, REBOUND_MAX_NDR_SCAN);
	m.html_buf = rbp_alloc(&m.arena, REBOUND_MAX_NDR_SCAN);
	if (!m.mime.parts || !m.reports.v || !m.notice.v || !m.diag_buf || !m.field_buf ||
	    !m.host_buf || !m.domain_buf || !m.status_buf || !m.unquote_buf || !m.html_buf)
		return REBOUND_ESCRATCH;

	msg_run(&m);
	return m.count;
}

/* ---- mbox --------------------------------------------------------- */

int rebound_mbox_next(const char *buf, size_t len, size_t *pos, struct rebound_span *msg)
{
	if (!buf || !pos || !msg)
		return 0;
	while (*pos < len) {
		size_t start = *pos, p, end = len, next = len, blank_at = 0;
		rbp_span line;
		int prev_blank = 0;
		/* the separator line of this message */
		if (len - start >= 5 && memcmp(buf + start, "From ", 5) == 0) {
			p = start;
			rbp_next_line(buf, len, &p, &line);
			start = p;
		}
		p = start;
		while (p < len) {
			size_t line_start = p;
			rbp_next_line(buf, len, &p, &line);
			if (prev_blank && line.len >= 5 && memcmp(line.ptr, "From ", 5) == 0) {
				/* the empty line before "From " belongs to the separator */
				end = blank_at;
				next = line_start;
				break;
			}
			prev_blank = line.len == 0;
			if (prev_blank)
				blank_at = line_start;
		}
		*pos = next;
		if (end > start) {
			msg->ptr = buf + start;
			msg->len = end - start;
			return 1;
		}
		/* an empty message: go on with the next one */
	}
	return 0;
}

const char *rebound_kind_name(enum rebound_kind k)
{
	switch (k) {
	case REBOUND_KIND_NOT_BOUNCE: return "not-bounce";
	case REBOUND_KIND_DSN: return "dsn";
	case REBOUND_KIND_NDR: return "ndr";
	case REBOUND_KIND_FEEDBACK: return "feedback";
	case REBOUND_KIND_AUTOREPLY: return "autoreply";
	case REBOUND_KIND_DELIVERED: return "delivered";
	}
	return "unknown";
}
