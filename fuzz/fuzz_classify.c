/*
 * fuzz_classify.c - libFuzzer harness for rebound_classify and
 * rebound_explain.
 *
 * Input layout (so that the fuzzer also explores the query):
 *
 *   byte 0      profile: 0 none (NULL), then the rule base's profiles in
 *               order, "", "default", and one that does not exist
 *   byte 1      provider: 0 none (NULL), then each known id, "", and an
 *               unknown one
 *   byte 2      flags: 1 host, 2 domain, 4 status, 8 reply, 16 NULL
 *               query, 32 pass a NULL text when the rest is empty,
 *               64 and 128 together: repeat the text past REBOUND_MAX_TEXT
 *               (the cut-off; both bits, so that only a quarter of the
 *               runs pay for 64 KiB of text)
 *   bytes 3-4   reply code for the query, big-endian, used as is
 *   then        for each of host, domain, status that the flags ask
 *               for: the bytes up to the next LF (NUL-terminated copy)
 *   the rest    the reply text, handed over in place so that ASan sees
 *               any read past its end
 *
 * Inputs shorter than five bytes are taken as text alone with no query.
 *
 * Besides "no crash, no sanitizer report" the harness checks the
 * promises of rebound.h and that the indexed fast path picks the same
 * winner as the exhaustive walk of rebound_explain; a broken promise
 * aborts, which libFuzzer reports as a crash with the input saved.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rebound.h"
#include "../tests/result-equal.h"

#define FIELD_MAX 512

/* Fails loudly: abort() gives libFuzzer a crash and a saved input. */
#define CHECK(cond)                                                                      \
	do {                                                                                 \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "fuzz_classify: check failed at %s:%d: %s\n", __FILE__,     \
			        __LINE__, #cond);                                                    \
			abort();                                                                     \
		}                                                                                \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* rebound.h promises that nothing allocates; the sanitizer's malloc hook
 * counts allocations made on this thread while a call is in progress. */
int __sanitizer_install_malloc_and_free_hooks(void (*)(const volatile void *, size_t),
                                              void (*)(const volatile void *))
	__attribute__((weak));
static _Thread_local int armed;
static _Thread_local unsigned long allocations;

static void on_malloc(const volatile void *p, size_t n)
{
	(void)p;
	(void)n;
	if (armed)
		allocations++;
}

static void on_free(const volatile void *p) { (void)p; }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (__sanitizer_install_malloc_and_free_hooks)
		__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
	return 0;
}

/* 0 is always "not given", so a header of zero bytes is the plain call. */
static const char *pick_profile(unsigned k, int *known)
{
	size_t n = rebound_profile_count();
	*known = 1;
	k %= (unsigned)(n + 4);
	if (k == 0)
		return NULL;
	if (k <= n)
		return rebound_profile_name(k - 1);
	switch (k - n) {
	case 1: return "";        /* taken as the default */
	case 2: return "default"; /* the default, by name */
	default: *known = 0; return "no-such-profile";
	}
}

static const char *pick_provider(unsigned k, int *known)
{
	size_t n = rebound_provider_count();
	*known = 1;
	k %= (unsigned)(n + 3);
	if (k == 0)
		return NULL;
	if (k <= n)
		return rebound_provider_at(k - 1)->id;
	switch (k - n) {
	case 1: return ""; /* empty means "detect" */
	default: *known = 0; return "no-such-provider";
	}
}

/* Cut the bytes up to the next LF off the input into BUF (NUL-terminated). */
static const char *take_field(const uint8_t **p, size_t *n, char *buf)
{
	size_t i = 0;
	while (i < *n && (*p)[i] != '\n')
		i++;
	if (i >= FIELD_MAX)
		i = FIELD_MAX - 1;
	memcpy(buf, *p, i);
	buf[i] = '\0';
	if (i < *n && (*p)[i] == '\n')
		i++;
	*p += i;
	*n -= i;
	return buf;
}

static int known_class(const struct rebound_class *c)
{
	size_t i, n = rebound_class_count();
	for (i = 0; i < n; i++)
		if (rebound_class_at(i) == c)
			return 1;
	/* the runtime's own "no rule applied" class is not in the table */
	return strcmp(c->name, "undetermined") == 0;
}

static int known_provider(const struct rebound_provider *p)
{
	size_t i, n = rebound_provider_count();
	for (i = 0; i < n; i++)
		if (rebound_provider_at(i) == p)
			return 1;
	return 0;
}

static int valid_status(const struct rebound_result *r)
{
	char want[16];
	if (memchr(r->status, '\0', sizeof r->status) == NULL)
		return 0;
	if (r->status_class == 0)
		return r->status[0] == '\0';
	if (r->status_class != 2 && r->status_class != 4 && r->status_class != 5)
		return 0;
	if (r->status_subject > 999 || r->status_detail > 999)
		return 0;
	snprintf(want, sizeof want, "%u.%u.%u", r->status_class, r->status_subject,
	         r->status_detail);
	return strcmp(want, r->status) == 0;
}

static void check_result(const struct rebound_result *r, size_t len)
{
	CHECK(r->cls != NULL && r->rule != NULL);
	CHECK(r->type != REBOUND_TYPE_BY_CODE && (unsigned)r->type <= REBOUND_TYPE_COMPLAINT);
	CHECK(known_class(r->cls));
	CHECK(r->rule->id != NULL && r->rule->file != NULL);
	CHECK(r->reply == 0 || (r->reply >= 200 && r->reply <= 599));
	CHECK(valid_status(r));
	CHECK((r->provider == NULL) == (r->provider_source == REBOUND_PROVIDER_NONE));
	CHECK(r->provider == NULL || known_provider(r->provider));
	CHECK(((r->flags & REBOUND_F_TRUNCATED) != 0) == (len > REBOUND_MAX_TEXT));
	CHECK((r->flags & ~0x1fu) == 0);
	CHECK(strcmp(rebound_type_name(r->type), "?") != 0);
	CHECK(strcmp(rebound_blame_name(r->cls->blame), "?") != 0);
	CHECK(strcmp(rebound_action_name(r->cls->action), "?") != 0);
	CHECK(strcmp(rebound_category_name(r->cls->category), "?") != 0);
}

struct walk {
	int calls, wins;
	const struct rebound_rule *first, *winner;
};

static void on_rule(void *ctx, const struct rebound_rule *rule, const struct rebound_class *cls,
                    int won)
{
	struct walk *w = ctx;
	CHECK(rule != NULL && cls != NULL && known_class(cls));
	CHECK(won == 0 || won == 1);
	if (w->calls++ == 0)
		w->first = rule;
	if (won) {
		w->wins++;
		w->winner = rule;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char host[FIELD_MAX], domain[FIELD_MAX], status[FIELD_MAX];
	struct rebound_query q, *qp = &q;
	struct rebound_result r1, r2, r3;
	struct walk w;
	int profile_ok = 1, provider_ok = 1, e1, e2, e3, want;
	const char *text;
	char *big = NULL;
	unsigned flags = 0;

	memset(&q, 0, sizeof q);
	if (size >= 5) {
		q.profile = pick_profile(data[0], &profile_ok);
		q.provider = pick_provider(data[1], &provider_ok);
		flags = data[2];
		if (flags & 8)
			q.reply = (unsigned)data[3] << 8 | data[4];
		data += 5;
		size -= 5;
		if (flags & 1)
			q.remote_host = take_field(&data, &size, host);
		if (flags & 2)
			q.recipient_domain = take_field(&data, &size, domain);
		if (flags & 4)
			q.status = take_field(&data, &size, status);
		if (flags & 16) {
			qp = NULL;
			profile_ok = provider_ok = 1;
		}
	} else
		qp = NULL;
	text = (const char *)data;
	if (size == 0 && (flags & 32))
		text = NULL;
	if ((flags & 192) == 192 && size > 0) {
		/* growing an input past 64 KiB by mutation takes ages; copy it */
		size_t k, total = (REBOUND_MAX_TEXT / size + 2) * size;
		big = malloc(total);
		CHECK(big != NULL);
		for (k = 0; k < total; k += size)
			memcpy(big + k, data, size);
		text = big;
		size = total;
	}

	allocations = 0;
	armed = 1;
	e1 = rebound_classify(text, size, qp, &r1);
	armed = 0;
	CHECK(allocations == 0);
	want = !profile_ok ? REBOUND_EPROFILE : !provider_ok ? REBOUND_EPROVIDER : REBOUND_OK;
	/* with both names unknown, either error is a fair answer */
	if (!profile_ok && !provider_ok)
		CHECK(e1 == REBOUND_EPROFILE || e1 == REBOUND_EPROVIDER);
	else
		CHECK(e1 == want);
	check_result(&r1, size);

	/* no hidden state: the same question gets the same answer (skipped
	 * for 64 KiB texts, where each pass costs as much as a hundred
	 * ordinary inputs under the fuzzer's comparison tracing) */
	if (!big) {
		e2 = rebound_classify(text, size, qp, &r2);
		CHECK(e2 == e1 && result_equal(&r1, &r2));
	}

	/* the exhaustive walk agrees with the fast path */
	memset(&w, 0, sizeof w);
	e3 = rebound_explain(text, size, qp, &r3, on_rule, &w);
	CHECK(e3 == e1 && result_equal(&r1, &r3));
	CHECK(w.wins <= 1);
	if (w.wins) {
		CHECK(w.winner == r1.rule);
		CHECK(w.first == w.winner); /* the winner is the strongest rule that holds */
	} else
		CHECK(strcmp(r1.rule->id, "(none)") == 0);
	/* the callback is optional */
	if (!big) {
		e3 = rebound_explain(text, size, qp, &r3, NULL, NULL);
		CHECK(e3 == e1 && result_equal(&r1, &r3));
	}
	free(big);
	return 0;
}
