/*
 * dsn.c - delivery status notifications (RFC 3464) and feedback
 * reports (RFC 5965).
 *
 * Both are blocks of "Field: value" lines.  A DSN has one block about
 * the message and then one per recipient, separated by empty lines;
 * real reports do not always keep to that, so a recipient field seen a
 * second time also starts a new block.  The same reader serves
 * delivery-status parts and the field blocks that some servers paste
 * into their plain-text notice, where it is stricter about what counts.
 */
#include <string.h>
#include "parser.h"

/* The fields we keep.  Everything else in a block is skipped. */
enum dsn_field {
	DSN_NONE = 0,
	/* about the message */
	DSN_REPORTING_MTA,
	DSN_ARRIVAL_DATE,
	/* about one recipient */
	DSN_FINAL_RECIPIENT,
	DSN_ORIGINAL_RECIPIENT,
	DSN_ACTUAL_RECIPIENT,
	DSN_ACTION,
	DSN_STATUS,
	DSN_REMOTE_MTA,
	DSN_DIAGNOSTIC,
	DSN_LAST_ATTEMPT,
	DSN_OTHER_RECIPIENT_FIELD, /* known per-recipient field we do not keep */
	DSN_OTHER_FIELD            /* any other well-formed field */
};

/* The field a name of N bytes (as rbp_name_end passes them) stands for:
 * its length picks the one or two names it can be. */
static enum dsn_field dsn_name_field(const char *s, size_t n)
{
	unsigned char c = (unsigned char)(s[0] | 0x20);
#define DSN_IS(name) ((unsigned char)name[0] == c && rbp_name_is(s, name, n))
	switch (n) {
	case 6:
		return DSN_IS("action") ? DSN_ACTION : DSN_IS("status") ? DSN_STATUS : DSN_OTHER_FIELD;
	case 10:
		return DSN_IS("remote-mta") ? DSN_REMOTE_MTA : DSN_OTHER_FIELD;
	case 12:
		return DSN_IS("arrival-date")   ? DSN_ARRIVAL_DATE
		       : DSN_IS("final-log-id") ? DSN_OTHER_RECIPIENT_FIELD
		                                : DSN_OTHER_FIELD;
	case 13:
		return DSN_IS("reporting-mta") ? DSN_REPORTING_MTA : DSN_OTHER_FIELD;
	case 15:
		return DSN_IS("final-recipient")   ? DSN_FINAL_RECIPIENT
		       : DSN_IS("diagnostic-code") ? DSN_DIAGNOSTIC
		                                   : DSN_OTHER_FIELD;
	case 16:
		return DSN_IS("will-retry-until") ? DSN_OTHER_RECIPIENT_FIELD : DSN_OTHER_FIELD;
	case 17:
		return DSN_IS("last-attempt-date") ? DSN_LAST_ATTEMPT : DSN_OTHER_FIELD;
	case 18:
		return DSN_IS("original-recipient")   ? DSN_ORIGINAL_RECIPIENT
		       : DSN_IS("x-actual-recipient") ? DSN_ACTUAL_RECIPIENT
		                                      : DSN_OTHER_FIELD;
	default:
		return DSN_OTHER_FIELD;
	}
#undef DSN_IS
}

/* The field a line starts, with *VALUE set to the rest of the line.
 * ROOM bytes (at least LINE's) may be read: the name ends at the line's
 * end anyway, and a short line then takes the sixteen-byte path. */
static enum dsn_field dsn_field_of(rbp_span line, size_t room, rbp_span *value)
{
	size_t i = rbp_name_end(line.ptr, room);
	if (i == 0 || i >= line.len || line.ptr[i] != ':')
		return DSN_NONE;
	value->ptr = line.ptr + i + 1;
	value->len = line.len - i - 1;
	return dsn_name_field(line.ptr, i);
}

struct dsn_group {
	rbp_span final, original, actual, action, status, remote, diag, last_attempt;
	int per_recipient; /* any per-recipient field seen */
};

/* Keep the first status code only: "5.0.0 (Remote SMTP ...)" -> "5.0.0".
 * A field that opens with prose instead of a code (Apache James writes its
 * error sentence there) gives none. */
static rbp_span dsn_status_code(rbp_span v)
{
	size_t i = 0;
	v = rbp_trim(v);
	if (v.len && !rbp_digit((unsigned char)v.ptr[0]))
		v.len = 0;
	while (i < v.len && !rbp_space((unsigned char)v.ptr[i]) && v.ptr[i] != '(' && v.ptr[i] != ';')
		i++;
	v.len = i;
	return v;
}

/* Does address A have a domain with a dot in it (an Internet domain,
 * not a host's local name)? */
static int dsn_dotted_domain(rbp_span a)
{
	const char *at = memchr(a.ptr, '@', a.len);
	return at && memchr(at, '.', a.len - (size_t)(at - a.ptr)) != NULL;
}

/* FIELD's address in *OUT, if it holds a usable one (OUT is left alone
 * otherwise). */
static int dsn_usable(rbp_span field, rbp_span *out)
{
	rbp_span a;
	if (!field.len)
		return 0;
	a = rbp_clean_address(field);
	if (!rbp_is_address(a))
		return 0;
	*out = a;
	return 1;
}

static int dsn_flush(struct dsn_group *g, int strict, struct rbp_rcpts *t)
{
	struct rbp_rcpt *r;
	rbp_span addr, other;
	int has_rcpt = g->final.len || g->original.len || g->actual.len;
	int ok, resolved;
	if (!g->per_recipient)
		return 0;
	if (strict)
		ok = has_rcpt || g->status.len || g->action.len || g->diag.len;
	else
		ok = has_rcpt && (g->status.len || g->action.len);
	if (!ok)
		return 0;
	addr = rbp_clean_address(g->final);
	resolved = rbp_is_address(addr);
	/* an internal hop's name for the mailbox ("@store.lmtp:123@lmtp-daemon"
	   after a source route): the address the sender used says more */
	if (resolved && !dsn_dotted_domain(addr) && dsn_usable(g->original, &other) &&
	    dsn_dotted_domain(other))
		addr = other;
	/* a recipient field that is no address (masked, empty) falls back to
	   the others; 2 says so, for a notice to correct */
	if (!resolved && (dsn_usable(g->original, &addr) || dsn_usable(g->actual, &addr)))
		resolved = 2;
	r = rbp_rcpt_find(t, addr);
	if (r && r->kind == REBOUND_KIND_DSN) {
		/* the same recipient again (another attempt): fill what is missing */
		if (!r->diag.len)
			r->diag = rbp_strip_type(g->diag);
		if (!r->status.len)
			r->status = dsn_status_code(g->status);
		if (!r->remote_mta.len)
			r->remote_mta = rbp_strip_type(g->remote);
		return 0;
	}
	r = rbp_rcpt_add(t);
	if (!r)
		return 0;
	rbp_rcpt_set_addr(r, addr);
	r->resolved = (unsigned char)resolved;
	if (!addr.len)
		r->flags |= REBOUND_RECORD_NO_RECIPIENT;
	r->original = g->original.len ? rbp_clean_address(g->original) : g->original;
	r->action = rbp_trim(g->action);
	r->status = dsn_status_code(g->status);
	r->remote_mta = rbp_strip_type(g->remote);
	r->diag = rbp_strip_type(g->diag);
	r->date = rbp_trim(g->last_attempt);
	r->kind = REBOUND_KIND_DSN;
	return 1;
}

/* Could TEXT hold a field the reader of pasted fields acts on: a
 * recipient field (without one no group counts) or Reporting-MTA or
 * Arrival-Date?  Their names end in "recipient", "-mta" and "-date"
 * right before the ':', so the bytes before each ':' tell, in one
 * pass instead of taking every line apart; most notices have
 * no such field. */
static int dsn_may_have_fields(rbp_span text)
{
	size_t i = 0;
	/* colons are close together in some texts: no call per colon */
	while ((i = rbp_either(text.ptr, i, text.len, ':', ':')) < text.len) {
		const char *c = text.ptr + i;
		/* the byte before the colon tells which name could end there */
		unsigned char last = i ? rbp_lower((unsigned char)c[-1]) : 0;
		if ((last == 't' && i >= 9 && rbp_is_ci_n(rbp_mkspan(c - 9, 9), "recipient", 9)) ||
		    (last == 'a' && i >= 4 && rbp_is_ci_n(rbp_mkspan(c - 4, 4), "-mta", 4)) ||
		    (last == 'e' && i >= 5 && rbp_is_ci_n(rbp_mkspan(c - 5, 5), "-date", 5)))
			return 1;
		i++;
	}
	return 0;
}

unsigned rbp_dsn_read(rbp_span text, int strict, struct rbp_report *rep, struct rbp_rcpts *t)
{
	size_t pos = 0;
	rbp_span line, value;
	rbp_span *open_field = NULL; /* the field a fold continues */
	struct dsn_group g;
	struct rbp_lines lines;
	unsigned added = 0;

	if (!strict && !dsn_may_have_fields(text))
		return 0;
	memset(&g, 0, sizeof g);
	rbp_lines_start(&lines, text.ptr, text.len, 0);
	while (rbp_lines_next(&lines, &pos, &line)) {
		enum dsn_field f;
		rbp_span *slot = NULL;
		if (rbp_all_space(line)) {
			added += (unsigned)dsn_flush(&g, strict, t);
			memset(&g, 0, sizeof g);
			open_field = NULL;
			continue;
		}
		if (rbp_blank((unsigned char)line.ptr[0])) {
			/* a folded line: the open field grows to the end of it */
			if (open_field && open_field->ptr)
				open_field->len = (size_t)(line.ptr + line.len - open_field->ptr);
			continue;
		}
		f = dsn_field_of(line, (size_t)(text.ptr + text.len - line.ptr), &value);
		switch (f) {
		case DSN_REPORTING_MTA:
			if (!rep->reporting_mta.len)
				rep->reporting_mta = rbp_strip_type(value);
			open_field = NULL;
			continue;
		case DSN_ARRIVAL_DATE:
			if (!rep->arrival_date.len)
				rep->arrival_date = rbp_trim(value);
			open_field = NULL;
			continue;
		case DSN_FINAL_RECIPIENT: slot = &g.final; break;
		case DSN_ORIGINAL_RECIPIENT: slot = &g.original; break;
		case DSN_ACTUAL_RECIPIENT: slot = &g.actual; break;
		case DSN_ACTION: slot = &g.action; break;
		case DSN_STATUS: slot = &g.status; break;
		case DSN_REMOTE_MTA: slot = &g.remote; break;
		case DSN_DIAGNOSTIC: slot = &g.diag; break;
		case DSN_LAST_ATTEMPT: slot = &g.last_attempt; break;
		case DSN_OTHER_RECIPIENT_FIELD:
			g.per_recipient = 1;
			open_field = NULL;
			continue;
		case DSN_OTHER_FIELD:
			open_field = NULL;
			continue;
		case DSN_NONE:
		default:
			/* an unindented line after Diagnostic-Code still belongs to it
			   in a real report; in prose it ends the block */
			if (strict && open_field == &g.diag) {
				open_field->len = (size_t)(line.ptr + line.len - open_field->ptr);
				continue;
			}
			if (!strict) {
				added += (unsigned)dsn_flush(&g, strict, t);
				memset(&g, 0, sizeof g);
			}
			open_field = NULL;
			continue;
		}
		/* a field seen twice means a new recipient began without an empty line */
		if (slot->ptr && (f == DSN_FINAL_RECIPIENT || f == DSN_ACTION || f == DSN_STATUS ||
		                  f == DSN_ORIGINAL_RECIPIENT)) {
			added += (unsigned)dsn_flush(&g, strict, t);
			memset(&g, 0, sizeof g);
			switch (f) {
			case DSN_FINAL_RECIPIENT: slot = &g.final; break;
			case DSN_ORIGINAL_RECIPIENT: slot = &g.original; break;
			case DSN_ACTION: slot = &g.action; break;
			default: slot = &g.status; break;
			}
		}
		*slot = value; /* never NULL: seen fields are told by their pointer */
		g.per_recipient = 1;
		open_field = slot;
	}
	added += (unsigned)dsn_flush(&g, strict, t);
	return added;
}

/* ---- feedback reports -------------------------------------------- */

unsigned rbp_arf_read(rbp_span text, struct rbp_report *rep, struct rbp_rcpts *t)
{
	rbp_span block = text, name, value, removal = {NULL, 0}, date = {NULL, 0};
	size_t pos = 0;
	unsigned added = 0, i;
	struct rbp_rcpt *r;

	while (rbp_next_field(block, &pos, &name, &value)) {
		if (rbp_is_ci(name, "feedback-type")) {
			if (!rep->feedback_type.len)
				rep->feedback_type = rbp_trim(value);
		} else if (rbp_is_ci(name, "original-rcpt-to")) {
			rbp_span a = rbp_clean_address(value);
			int got = a.len ? rbp_rcpt_take(t, a, REBOUND_KIND_FEEDBACK, &r) : 0;
			if (got < 0)
				break;
			added += (unsigned)got;
		} else if (rbp_is_ci(name, "removal-recipient")) {
			if (!removal.len)
				removal = rbp_clean_address(value);
		} else if (rbp_is_ci(name, "arrival-date") || rbp_is_ci(name, "received-date")) {
			if (!date.len)
				date = rbp_trim(value);
		} else if (rbp_is_ci(name, "reporting-mta")) {
			if (!rep->reporting_mta.len)
				rep->reporting_mta = rbp_strip_type(value);
		}
	}
	if (!added && rbp_is_address(removal) &&
	    rbp_rcpt_take(t, removal, REBOUND_KIND_FEEDBACK, &r) > 0)
		added++;
	if (date.len && !rep->arrival_date.len)
		rep->arrival_date = date;
	for (i = t->n - added; i < t->n; i++)
		t->v[i].feedback_type = rep->feedback_type;
	return added;
}

/*
 * Complaint reports some mailbox providers send in a format of their
 * own.  A report matches when every phrase given is found: SENDER in
 * the From field, SUBJECT in the subject, BODY in the message text.
 */
static const struct {
	const char *sender, *subject, *body, *type;
} arf_like_formats[] = {
	/* Microsoft's junk mail reporting program: the complaint is the
	   returned message itself */
	{"@hotmail.com", "complaint about message from", NULL, "abuse"},
	{"@outlook.com", "complaint about message from", NULL, "abuse"},
	/* Apple Mail's one-click unsubscribe, sent by the recipient */
	{NULL, NULL, "sent this email to unsubscribe", "opt-out"},
};

int rbp_arf_like(rbp_span from, rbp_span subject, rbp_span body, rbp_span *type)
{
	unsigned k;
	for (k = 0; k < sizeof arf_like_formats / sizeof arf_like_formats[0]; k++) {
		if (arf_like_formats[k].sender &&
		    rbp_find(from.ptr, from.len, arf_like_formats[k].sender, NULL) == RBP_NOT_FOUND)
			continue;
		if (arf_like_formats[k].subject &&
		    rbp_find(subject.ptr, subject.len, arf_like_formats[k].subject, NULL) == RBP_NOT_FOUND)
			continue;
		if (arf_like_formats[k].body &&
		    rbp_find(body.ptr, body.len > 4096 ? 4096 : body.len, arf_like_formats[k].body,
		             NULL) == RBP_NOT_FOUND)
			continue;
		type->ptr = arf_like_formats[k].type;
		type->len = strlen(arf_like_formats[k].type);
		return 1;
	}
	return 0;
}
