/*
 * notice_json.c - bounce, complaint and delivery notifications written
 * as JSON, as Amazon SES sends them through SNS (sometimes as a JSON
 * string inside another JSON object, so every quote comes escaped).
 *
 * Only the few keys that matter are looked for, in order, without
 * building anything: the kind of notification, then for each recipient
 * its address and the DSN-like fields next to it.
 */
#include <string.h>
#include "parser.h"

struct json_cursor {
	const char *p;
	size_t n, pos;
};

/* The string value of the key whose name ends at K (just before its
 * closing quote), read in place.  Quotes may be escaped once ("\"") when
 * the document is itself a string. */
static int json_value_at(const char *p, size_t n, size_t k, rbp_span *v)
{
	int escaped;
	size_t i = k, start;
	if (k >= n)
		return 0;
	escaped = p[k] == '\\';
	/* past the closing quote of the key, the colon and the opening quote */
	if (escaped)
		i++;
	if (i >= n || p[i] != '"')
		return 0;
	i++;
	while (i < n && (rbp_space((unsigned char)p[i]) || p[i] == ':'))
		i++;
	if (escaped) {
		if (i + 1 >= n || p[i] != '\\' || p[i + 1] != '"')
			return 0;
		i += 2;
	} else {
		if (i >= n || p[i] != '"')
			return 0;
		i++;
	}
	start = i;
	while (i < n) {
		if (!escaped && p[i] == '\\') {
			i += 2;
			continue;
		}
		if (!escaped && p[i] == '"')
			break;
		if (escaped && p[i] == '\\' && i + 1 < n && p[i + 1] == '"' && p[i - 1] != '\\')
			break;
		if (escaped && p[i] == '\\' && i + 1 < n && p[i + 1] == '\\') {
			i += 2;
			continue;
		}
		i++;
	}
	if (i > n)
		i = n;
	*v = rbp_mkspan(p + start, i - start);
	return 1;
}

/* The next occurrence of "KEY" (quoted, either way) at or after C->pos
 * and before LIMIT; sets *V to its string value if it has one. */
static int json_next_key(struct json_cursor *c, size_t limit, const char *key, size_t *at, rbp_span *v)
{
	/* the quote before a key may lie just before the cursor */
	size_t klen = strlen(key), from = c->pos > 0 ? c->pos - 1 : 0;
	while (from < limit) {
		/* a whole key: a quote before it and a quote (maybe escaped) after;
		   so only what follows a quote is compared */
		const char *q = memchr(c->p + from, '"', limit - from);
		size_t k;
		if (!q)
			return 0;
		k = (size_t)(q - c->p) + 1;
		from = k;
		if (k + klen >= limit)
			return 0;
		if (rbp_prefix(c->p + k, limit - k, key) != klen ||
		    (c->p[k + klen] != '"' && c->p[k + klen] != '\\'))
			continue;
		*at = k;
		v->ptr = NULL;
		v->len = 0;
		json_value_at(c->p, c->n, k + klen, v);
		return 1;
	}
	return 0;
}

/* The value of the first "notificationType" key, else of the first
 * "eventType": json_next_key for the one and then the other, in one
 * pass over the quotes (most texts hold neither). */
static int json_type(const struct json_cursor *c, rbp_span *type)
{
	static const char nt[] = "notificationtype", ev[] = "eventtype";
	const size_t ntlen = sizeof nt - 1, evlen = sizeof ev - 1;
	size_t from = 0, ev_at = 0;
	int ev_seen = 0;
	while (from < c->n) {
		const char *q = memchr(c->p + from, '"', c->n - from);
		size_t k;
		if (!q)
			break;
		k = (size_t)(q - c->p) + 1;
		from = k;
		if (k + ntlen < c->n && rbp_prefix(c->p + k, c->n - k, nt) == ntlen &&
		    (c->p[k + ntlen] == '"' || c->p[k + ntlen] == '\\')) {
			type->ptr = NULL;
			type->len = 0;
			json_value_at(c->p, c->n, k + ntlen, type);
			return 1;
		}
		if (!ev_seen && k + evlen < c->n && rbp_prefix(c->p + k, c->n - k, ev) == evlen &&
		    (c->p[k + evlen] == '"' || c->p[k + evlen] == '\\')) {
			ev_seen = 1;
			ev_at = k;
		}
	}
	if (!ev_seen)
		return 0;
	type->ptr = NULL;
	type->len = 0;
	json_value_at(c->p, c->n, ev_at + evlen, type);
	return 1;
}

/* Where the array that follows the key at AT closes (or the end).
 * Brackets inside string values are not told apart: addresses and
 * status texts do not hold them. */
static size_t json_array_end(const char *p, size_t n, size_t at)
{
	size_t i = at;
	int depth = 0;
	while (i < n && p[i] != '[') {
		if (p[i] == '{' || p[i] == '}')
			return at;
		i++;
	}
	for (; i < n; i++) {
		if (p[i] == '[')
			depth++;
		else if (p[i] == ']' && --depth == 0)
			return i + 1;
	}
	return n;
}

unsigned rbp_json_read(rbp_span text, struct rbp_report *rep, struct rbp_rcpts *t)
{
	struct json_cursor c;
	rbp_span type, v;
	size_t at, end;
	unsigned added = 0;
	enum rebound_kind kind;
	const char *list_key, *addr_key;

	c.p = text.ptr;
	c.n = text.len;
	c.pos = 0;
	if (!json_type(&c, &type))
		return 0;
	if (rbp_is_ci(type, "bounce")) {
		kind = REBOUND_KIND_DSN;
		list_key = "bouncedrecipients";
		addr_key = "emailaddress";
	} else if (rbp_is_ci(type, "complaint")) {
		kind = REBOUND_KIND_FEEDBACK;
		list_key = "complainedrecipients";
		addr_key = "emailaddress";
		c.pos = 0;
		if (json_next_key(&c, c.n, "complaintfeedbacktype", &at, &v) && v.len)
			rep->feedback_type = v;
		else
			rep->feedback_type = rbp_mkspan("abuse", 5);
	} else if (rbp_is_ci(type, "delivery")) {
		kind = REBOUND_KIND_DELIVERED;
		list_key = "recipients"; /* the delivery's list (a key of its own, not "destination") */
		addr_key = NULL;
	} else
		return 0;

	c.pos = 0;
	if (json_next_key(&c, c.n, "reportingmta", &at, &v) && v.len && !rep->reporting_mta.len)
		rep->reporting_mta = rbp_strip_type(v);
	c.pos = 0;
	if (!json_next_key(&c, c.n, list_key, &at, &v))
		return 0;
	end = json_array_end(c.p, c.n, at);
	c.pos = at;

	if (!addr_key) {
		/* a plain list of addresses; the response is shared */
		rbp_span response = {NULL, 0};
		struct json_cursor d = c;
		size_t a2;
		d.pos = 0;
		json_next_key(&d, d.n, "smtpresponse", &a2, &response);
		while (c.pos < end) {
			rbp_span a;
			size_t e = rbp_find_address(c.p + c.pos, end - c.pos, &a);
			struct rbp_rcpt *r;
			int got;
			if (!e)
				break;
			c.pos += e;
			got = rbp_rcpt_take(t, a, kind, &r);
			if (got < 0)
				break;
			if (!got)
				continue;
			r->diag = response;
			r->action = rbp_mkspan("delivered", 9);
			added++;
		}
		return added;
	}

	while (c.pos < end) {
		size_t next_addr, a2;
		rbp_span a, field;
		struct rbp_rcpt *r;
		struct json_cursor d;
		int got;
		if (!json_next_key(&c, end, addr_key, &at, &a) || !a.len)
			break;
		c.pos = at + strlen(addr_key);
		/* this recipient's fields run up to the next address */
		d = c;
		next_addr = json_next_key(&d, end, addr_key, &a2, &field) ? a2 : end;
		got = rbp_rcpt_take(t, rbp_clean_address(a), kind, &r);
		if (got < 0)
			break;
		if (!got)
			continue;
		r->feedback_type = kind == REBOUND_KIND_FEEDBACK ? rep->feedback_type : rbp_mkspan(NULL, 0);
		d = c;
		/* keys may come before the address in the object: look around it */
		if (json_next_key(&d, next_addr, "action", &a2, &field))
			r->action = field;
		d = c;
		if (json_next_key(&d, next_addr, "status", &a2, &field))
			r->status = field;
		d = c;
		if (json_next_key(&d, next_addr, "diagnosticcode", &a2, &field))
			r->diag = rbp_strip_type(field);
		added++;
	}
	return added;
}
