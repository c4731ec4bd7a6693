/*
 * t-runtime.c - the runtime over the compiled-in rule base: finding
 * codes, the query, hostile inputs, and agreement between the indexed
 * fast path and the exhaustive walk that rebound_explain makes.
 */
#include <stdlib.h>
#include <string.h>
#include "rebound.h"
#include "tap.h"

static struct rebound_result classify(const char *text, const struct rebound_query *q)
{
	struct rebound_result r;
	rebound_classify(text, strlen(text), q, &r);
	return r;
}

/* Codes found in texts as MTAs wrap them. */
static void test_codes(void)
{
	static const struct {
		const char *text;
		unsigned reply;
		const char *status;
	} cases[] = {
		{"550 5.1.1 <nobody@example.org>: Recipient address rejected", 550, "5.1.1"},
		{"smtp; 550 5.1.1 user unknown", 550, "5.1.1"},
		{"SMTP; 452 4.2.2 over quota", 452, "4.2.2"},
		{"host mx.example.org[192.0.2.1] said: 550-5.7.26 unauthenticated", 550, "5.7.26"},
		{"#550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found ##", 550, "5.1.10"},
		{"SMTP error from remote mail server after RCPT TO:<a@example.org>: 550 5.1.1 no", 550,
		 "5.1.1"},
		{"421-4.7.0 [192.0.2.1 15] Our system has detected", 421, "4.7.0"},
		{"5.4.7 Delivery time expired", 0, "5.4.7"},
		{"Remote host said: 554 delivery error", 554, ""},
		{"connect to 192.0.2.1[192.0.2.1]:25: Connection timed out", 0, ""},
		{"user unknown (in reply to RCPT TO command)", 0, ""},
		{"550 5.1.1.2 is a version, not a status", 550, ""},
		{"Remote server replied: 550 no such user", 550, ""},
		{"the 552 byte limit", 0, ""},
		{"Your message could not be delivered. 550 No such user", 550, ""},
		{"It was 3.5 MB.552 bytes is the limit", 0, ""},
		{"Message size 123456 exceeds 2.5.1.3 and 550", 0, ""},
		{"421 5.7.32 a 4xx reply with a permanent status", 421, "5.7.32"},
		{"status 4.4.1 (delayed) after 250 attempts", 0, "4.4.1"},
	};
	size_t i;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rebound_result r = classify(cases[i].text, NULL);
		ok(r.reply == cases[i].reply && strcmp(r.status, cases[i].status) == 0,
		   "codes in \"%s\": got %u '%s', want %u '%s'", cases[i].text, r.reply, r.status,
		   cases[i].reply, cases[i].status);
	}
}

static void test_query(void)
{
	struct rebound_query q;
	struct rebound_result r;
	int err;

	memset(&q, 0, sizeof q);
	q.status = "5.1.1";
	r = classify("Requested action not taken", &q);
	ok(strcmp(r.status, "5.1.1") == 0 && (r.flags & REBOUND_F_STATUS_FROM_QUERY) &&
	   r.cls->blame == REBOUND_BLAME_RECIPIENT,
	   "a status from the query is used when the text has none");

	q.status = "5.1.1";
	r = classify("550 5.0.0 nothing specific", &q);
	ok(strcmp(r.status, "5.1.1") == 0, "a specific query status beats a bare X.0.0 in the text");

	q.status = "5.2.2";
	r = classify("550 5.1.1 no such user", &q);
	ok(strcmp(r.status, "5.1.1") == 0 && !(r.flags & REBOUND_F_STATUS_FROM_QUERY),
	   "the text's own specific status beats the query's");

	memset(&q, 0, sizeof q);
	q.reply = 550;
	r = classify("5.1.1", &q);
	ok(r.reply == 550 && (r.flags & REBOUND_F_REPLY_FROM_QUERY), "a reply code from the query");

	memset(&q, 0, sizeof q);
	q.profile = "no-such-profile";
	err = rebound_classify("550 5.1.1 x", 9, &q, &r);
	ok(err == REBOUND_EPROFILE && strcmp(r.status, "5.1.1") == 0,
	   "an unknown profile is reported and the default answer still given");

	q.profile = "default";
	err = rebound_classify("550 5.1.1 x", 9, &q, &r);
	ok(err == REBOUND_OK, "'default' names the default profile");

	memset(&q, 0, sizeof q);
	q.provider = "no-such-provider";
	err = rebound_classify("550 5.1.1 x", 9, &q, &r);
	ok(err == REBOUND_EPROVIDER && r.provider == NULL, "an unknown provider is reported");
}

static void test_hostile(void)
{
	struct rebound_result r;
	char *big;
	size_t n = 1u << 20, i;
	int err;

	err = rebound_classify(NULL, 0, NULL, &r);
	ok(err == REBOUND_OK && r.type == REBOUND_TYPE_UNDETERMINED && (r.flags & REBOUND_F_EMPTY) &&
	   r.rule != NULL && r.cls != NULL,
	   "empty input: undetermined, flagged empty, with a rule and a class");
	ok(rebound_classify(NULL, 5, NULL, &r) == REBOUND_EINVAL, "NULL text with a length is EINVAL");
	ok(rebound_classify("x", 1, NULL, NULL) == REBOUND_EINVAL, "NULL result is EINVAL");

	big = malloc(n + 16);
	memcpy(big, "550 5.1.1 ", 10);
	for (i = 10; i < n; i++)
		big[i] = (char)('a' + i % 26);
	err = rebound_classify(big, n, NULL, &r);
	ok(err == REBOUND_OK && (r.flags & REBOUND_F_TRUNCATED) && r.reply == 550 &&
	   r.type == REBOUND_TYPE_HARD,
	   "a 1 MB line is examined up to the limit and flagged truncated");
	for (i = 0; i < n; i++)
		big[i] = (char)(i * 7919 % 256);
	err = rebound_classify(big, n, NULL, &r);
	ok(err == REBOUND_OK && r.cls && r.rule, "1 MB of every byte value gets a defined result");
	free(big);

	err = rebound_classify("550 5.1.1 user\0unknown\0", 24, NULL, &r);
	ok(err == REBOUND_OK && r.reply == 550 && strcmp(r.status, "5.1.1") == 0,
	   "NUL bytes inside the text do not stop it");
	err = rebound_classify("\xff\xfe\xc3\x28 550 5.2.2 \xe2\x82", 16, NULL, &r);
	ok(err == REBOUND_OK && r.reply == 550 && strcmp(r.status, "5.2.2") == 0,
	   "invalid UTF-8 around the codes does not hide them");
	err = rebound_classify("\n\n\r\t  ", 6, NULL, &r);
	ok(err == REBOUND_OK && r.type == REBOUND_TYPE_UNDETERMINED, "white space only");
	err = rebound_classify("5", 1, NULL, &r);
	ok(err == REBOUND_OK && r.reply == 0, "a lone digit");
	err = rebound_classify("550", 3, NULL, &r);
	ok(err == REBOUND_OK && r.reply == 550, "a bare code at the very end of the input");
}

struct walk {
	const struct rebound_rule *first, *winner;
	int count, winners;
};

static void on_rule(void *ctx, const struct rebound_rule *rule, const struct rebound_class *cls,
                    int won)
{
	struct walk *w = ctx;
	(void)cls;
	if (!w->count++)
		w->first = rule;
	if (won) {
		w->winner = rule;
		w->winners++;
	}
}

/* The indexed classifier must pick the rule the full walk finds first. */
static void test_fast_path_agrees(void)
{
	static const char *const texts[] = {
		"550 5.1.1 user unknown", "421 4.7.0 try later", "452 4.2.2 over quota",
		"554 5.7.1 blocked", "250 2.0.0 ok", "5.4.7 expired", "hello", "",
		"550 5.4.1 Recipient address rejected: Access denied", "553 5.3.0 DNSBL:RBL 521",
		"421 4.7.28 gsmtp", "552 5.2.2 mailbox full", "550 5.7.606 banned",
		"354 go ahead", "599 odd", "4.2.0", "2.6.4", "x.1.1", "550", "451 4.7.1 greylisted",
	};
	size_t i;
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct rebound_result fast, slow;
		struct walk w;
		memset(&w, 0, sizeof w);
		rebound_classify(texts[i], strlen(texts[i]), NULL, &fast);
		rebound_explain(texts[i], strlen(texts[i]), NULL, &slow, on_rule, &w);
		ok(w.winners == 1 && w.winner == fast.rule && w.first == fast.rule && slow.rule == fast.rule,
		   "fast path and full walk agree on \"%s\" (%s)", texts[i], fast.rule->id);
	}
}

static void test_listing(void)
{
	size_t i;
	int names_ok = 1;
	ok(rebound_class_count() > 0 && rebound_rule_count() > 0, "the rule base is not empty");
	for (i = 0; i < rebound_class_count(); i++)
		if (rebound_class_find(rebound_class_at(i)->name) != rebound_class_at(i))
			names_ok = 0;
	ok(names_ok, "every class can be found by its name");
	ok(rebound_class_at(rebound_class_count()) == NULL && rebound_rule_at(rebound_rule_count()) == NULL,
	   "listing past the end gives NULL");
	ok(strcmp(rebound_version(), REBOUND_VERSION_STRING) == 0, "version");
	ok(strncmp(rebound_rules_fingerprint(), "rebound-rules-", 14) == 0, "fingerprint");
	ok(strcmp(rebound_type_name(REBOUND_TYPE_HARD), "hard") == 0 &&
	   strcmp(rebound_blame_name(REBOUND_BLAME_SENDER), "sender") == 0 &&
	   strcmp(rebound_action_name(REBOUND_ACTION_SUPPRESS), "suppress") == 0 &&
	   strcmp(rebound_type_name((enum rebound_type)99), "?") == 0,
	   "vocabulary names");
}

int main(void)
{
	test_codes();
	test_query();
	test_hostile();
	test_fast_path_agrees();
	test_listing();
	return done_testing();
}
