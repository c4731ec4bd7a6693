/*
 * fuzz_parse.c - libFuzzer harness for the message parser
 * (rebound_parse and rebound_mbox_next, at the end of rebound.h).
 *
 * The input is the message itself, so any .eml file is a seed and any
 * crash reproducer is a plain email.  What varies besides the bytes is
 * taken from the length: the profile, and after how many records the
 * callback asks to stop.
 *
 * Each call gets scratch of exactly REBOUND_PARSE_SCRATCH(len) bytes on
 * the heap, so ASan sees the parser write past it.  The callback reads
 * every byte of every span, so a span pointing at freed or foreign
 * memory is reported where it is handed out.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rebound.h"

#define CHECK(cond)                                                                      \
	do {                                                                                 \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "fuzz_parse: check failed at %s:%d: %s\n", __FILE__,        \
			        __LINE__, #cond);                                                    \
			abort();                                                                     \
		}                                                                                \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	int records, stop_after;
	unsigned sum; /* keeps the span reads from being optimised away */
};

static void touch(struct seen *s, struct rebound_span sp, size_t max)
{
	size_t i;
	CHECK(sp.len <= max);
	CHECK(sp.len == 0 || sp.ptr != NULL);
	for (i = 0; i < sp.len; i++)
		s->sum += (unsigned char)sp.ptr[i];
}

static int on_record(void *ctx, const struct rebound_record *r)
{
	struct seen *s = ctx;
	const struct rebound_result *res = &r->result;

	CHECK((unsigned)r->kind <= REBOUND_KIND_DELIVERED);
	CHECK(strcmp(rebound_kind_name(r->kind), "unknown") != 0);
	CHECK((r->flags & ~0x7fu) == 0);
	touch(s, r->recipient, REBOUND_MAX_FIELD);
	touch(s, r->original_recipient, REBOUND_MAX_FIELD);
	touch(s, r->action, REBOUND_MAX_FIELD);
	touch(s, r->status, REBOUND_MAX_FIELD);
	touch(s, r->diagnostic, REBOUND_MAX_DIAGNOSTIC);
	touch(s, r->remote_mta, REBOUND_MAX_FIELD);
	touch(s, r->reporting_mta, REBOUND_MAX_FIELD);
	touch(s, r->date, REBOUND_MAX_FIELD);
	touch(s, r->feedback_type, REBOUND_MAX_FIELD);
	/* the subject has no stated limit (it is at most the message); read it all */
	touch(s, r->subject, (size_t)-1);
	touch(s, r->returned_headers, (size_t)-1);
	touch(s, r->message_id, REBOUND_MAX_FIELD);
	touch(s, r->sender, REBOUND_MAX_FIELD);
	{
		/* a field of the returned headers lies inside them */
		struct rebound_span v;
		if (rebound_header_field(r->returned_headers, "message-id", &v))
			CHECK(v.ptr >= r->returned_headers.ptr &&
			      v.ptr + v.len <= r->returned_headers.ptr + r->returned_headers.len);
	}
	CHECK(res->cls != NULL && res->rule != NULL);
	CHECK(res->type != REBOUND_TYPE_BY_CODE && (unsigned)res->type <= REBOUND_TYPE_COMPLAINT);
	CHECK(memchr(res->status, '\0', sizeof res->status) != NULL);
	CHECK((r->recipient.len == 0) == ((r->flags & REBOUND_RECORD_NO_RECIPIENT) != 0));
	s->records++;
	return s->stop_after && s->records >= s->stop_after;
}

static int parse(const char *msg, size_t len, const struct rebound_query *q, int stop_after)
{
	size_t need = REBOUND_PARSE_SCRATCH(len);
	void *scratch = malloc(need);
	struct seen s;
	int n;

	CHECK(scratch != NULL);
	memset(&s, 0, sizeof s);
	s.stop_after = stop_after;
	n = rebound_parse(msg, len, q, scratch, need, on_record, &s);
	CHECK(n >= 1);                   /* every message gets a verdict */
	CHECK(n == s.records);           /* the count is what was reported */
	CHECK(n <= REBOUND_MAX_RECIPIENTS + 1);
	if (stop_after)
		CHECK(n <= stop_after);

	/* too little scratch is refused before any record */
	memset(&s, 0, sizeof s);
	CHECK(rebound_parse(msg, len, q, scratch, need - 1, on_record, &s) == REBOUND_ESCRATCH);
	CHECK(s.records == 0);
	free(scratch);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *msg = (const char *)data;
	struct rebound_query q;
	size_t np = rebound_profile_count(), k = size % (np + 2), pos = 0, prev = 0;
	struct rebound_span m;
	int rounds = 0;

	memset(&q, 0, sizeof q);
	q.profile = k < np ? rebound_profile_name(k) : NULL;
	parse(msg, size, k == np + 1 ? NULL : &q, (int)(size % 3));

	/* the same bytes as an mbox: every message lies inside the buffer,
	 * the position only moves forward, and each message parses */
	while (rebound_mbox_next(msg, size, &pos, &m)) {
		CHECK(pos > prev && pos <= size);
		CHECK(m.ptr >= msg && m.len > 0 && m.len <= size &&
		      (size_t)(m.ptr - msg) <= size - m.len);
		prev = pos;
		if (rounds++ < 4) /* a few are enough; the first parse saw all bytes */
			parse(m.ptr, m.len, &q, 0);
	}
	CHECK(rebound_mbox_next(msg, size, &pos, &m) == 0);
	return 0;
}
