/*
 * t-threads.c - rebound.h says every function may be called from any
 * thread at once.  Eight threads classify the same few thousand
 * (text, query) pairs and parse the same messages at the same time,
 * each in its own order and alternating between rebound_classify and
 * rebound_explain, and every answer must equal the one a single thread
 * got first.
 *
 * The texts are the seed cases and corpus lines from $SHARED (../shared)
 * when present, else a built-in list; each runs under every profile and
 * with and without a recipient domain and remote host.  The messages are
 * the corpus's, else a few written here.  For data races this is best
 * run under ThreadSanitizer: configure --enable-sanitizers=thread, or
 * fuzz/tsan.sh.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonl.h"
#include "rebound.h"
#include "result-equal.h"
#include "tap.h"

#define NTHREADS 8
#define MIN_CALLS 3000 /* per thread: short lists are walked more often */
#define MAX_LINE (1 << 16)

struct item {
	char *text;
	size_t len;
	struct rebound_query q;
	struct rebound_result want;
};

static struct item *items;
static size_t nitems, cap, rounds;

/* Whole messages, each with a digest of the records a single thread got. */
struct message {
	char *text;
	size_t len;
	uint64_t want;
};

static struct message *msgs;
static size_t nmsgs, cap_msgs, max_msg;

/* Replies of many shapes, for when ../shared is not there. */
static const char *const builtin[] = {
	"550 5.1.1 <pat@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
	"550-5.1.1 The email account that you tried to reach does not exist. - gsmtp",
	"452 4.2.2 The email account that you tried to reach is over quota. - gsmtp",
	"550 5.2.1 The email account that you tried to reach is inactive. - gsmtp",
	"421-4.7.0 [192.0.2.1 15] Our system has detected an unusual rate of unsolicited mail - gsmtp",
	"550 5.7.26 This mail has been blocked because the sender is unauthenticated. - gsmtp",
	"421 4.7.32 a 4xx reply with a permanent-looking status",
	"554 5.7.1 Service unavailable; Client host [198.51.100.23] blocked using zen.spamhaus.org",
	"550 5.7.1 Message rejected as spam by Content Filtering.",
	"552 5.3.4 Message size exceeds fixed limit",
	"552 5.2.2 Mailbox full",
	"#550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup ##",
	"550 5.7.509 Access denied, sending domain example.com does not pass DMARC verification",
	"451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (S77714)",
	"421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume",
	"554 delivery error: dd This user doesn't have a yahoo.com account - mta1.mail.yahoo.com",
	"553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1",
	"550 5.7.0 Blocked - see https://support.apple.com/en-us/HT204137",
	"554 5.7.1 xfinity: 192.0.2.1 rejected. IP name lookup failed",
	"553 5.3.0 flpd576 DNSBL:ATTRBL 521< 192.0.2.1 >_is_blocked",
	"smtp; 550 5.1.1 user unknown",
	"SMTP error from remote mail server after RCPT TO:<a@example.org>: 550 5.1.1 no such user",
	"host mx.example.org[192.0.2.1] said: 550-5.7.26 unauthenticated (in reply to end of DATA command)",
	"connect to mx.example.org[192.0.2.1]:25: Connection timed out",
	"Host or domain name not found. Name service error for name=example.invalid type=MX",
	"5.4.7 Delivery time expired",
	"4.4.1 Delivery attempts will continue to be made",
	"250 2.0.0 Ok: queued as 4XkT2s0Zq7z9",
	"354 Start mail input",
	"221 2.0.0 Bye",
	"530 5.7.0 Must issue a STARTTLS command first",
	"535 5.7.8 Username and Password not accepted",
	"550 5.7.23 SPF validation failed",
	"550 5.7.25 The IP address sending this message does not have a PTR record",
	"501 5.5.4 HELO requires valid address",
	"451 4.3.0 Temporary local problem, please try again",
	"450 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered",
	"421 Too many connections from your IP",
	"452 4.5.3 Too many recipients",
	"550 5.4.1 Recipient address rejected: Access denied",
	"Auto-Submitted: auto-replied; Subject: Out of Office: back on Monday",
	"I am out of the office until 3 June with limited access to email",
	"This is an email abuse report for an email message received from IP 192.0.2.2",
	"6.0.0 Delivery failed at remote server",
	"the 552 byte limit",
	"550 5.1.1.2 is a version, not a status",
	"",
	"550",
	"\xff\xfe 550 5.7.1 \x80\x81 spam",
	"550 5.1.1 user\0unknown after a NUL",
};

/* Room for one more element of SIZE bytes in V (N in use, *HELD held). */
static void *room(void *v, size_t n, size_t *held, size_t size)
{
	if (n == *held) {
		*held = *held ? *held * 2 : 64;
		v = realloc(v, *held * size);
	}
	if (!v) {
		fputs("out of memory\n", stderr);
		exit(99);
	}
	return v;
}

/* LEN bytes at TEXT, NUL-terminated, in memory of their own. */
static char *copy(const char *text, size_t len)
{
	char *p = malloc(len + 1);
	if (!p) {
		fputs("out of memory\n", stderr);
		exit(99);
	}
	memcpy(p, text, len);
	p[len] = '\0';
	return p;
}

static void add(const char *text, size_t len, const char *profile, const char *domain,
                const char *host)
{
	struct item *it;
	items = room(items, nitems, &cap, sizeof *items);
	it = &items[nitems++];
	memset(it, 0, sizeof *it);
	it->text = copy(text, len);
	it->len = len;
	it->q.profile = profile;
	it->q.recipient_domain = domain;
	it->q.remote_host = host;
}

/* Each text under every profile, and once more with a domain and host. */
static void add_all(const char *text, size_t len, const char *domain, const char *host)
{
	size_t p;
	add(text, len, NULL, NULL, NULL);
	for (p = 0; p < rebound_profile_count(); p++)
		add(text, len, rebound_profile_name(p), NULL, NULL);
	add(text, len, NULL, domain ? domain : "gmail.com", host ? host : "mx1.mail.yahoo.com");
}

/* Copies that queries point at; freed at the end, so that valgrind's
 * leak check stays quiet. */
static char **kept;
static size_t nkept, cap_kept;

static char *keep(const char *s)
{
	kept = room(kept, nkept, &cap_kept, sizeof *kept);
	return kept[nkept++] = copy(s, strlen(s));
}

static void load_shared(const char *shared)
{
	static char line[MAX_LINE], text[MAX_LINE], host[512], domain[512];
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/expect/seed-cases.tsv", shared);
	if ((f = fopen(path, "r")) != NULL) {
		int first = 1;
		while (fgets(line, sizeof line, f)) {
			char *fld[6], *p = line;
			int n = 0;
			if (first) { /* the header */
				first = 0;
				continue;
			}
			line[strcspn(line, "\r\n")] = '\0';
			fld[n++] = p;
			while (n < 6 && (p = strchr(p, '\t')) != NULL) {
				*p++ = '\0';
				fld[n++] = p;
			}
			if (n >= 5)
				add_all(fld[4], strlen(fld[4]), NULL, NULL);
		}
		fclose(f);
	}
	snprintf(path, sizeof path, "%s/corpus/sisimai/lines.jsonl", shared);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof line, f)) {
			size_t len;
			if (!json_get(line, "text", text, sizeof text, &len))
				continue;
			json_get(line, "rhost", host, sizeof host, NULL);
			json_get(line, "rcpt_domain", domain, sizeof domain, NULL);
			/* these strings must outlive the threads: the query points at them */
			add_all(text, len, *domain ? keep(domain) : NULL, *host ? keep(host) : NULL);
		}
		fclose(f);
	}
}

/* ---- messages ------------------------------------------------------- */

static void add_message(const char *text, size_t len)
{
	struct message *m;
	msgs = room(msgs, nmsgs, &cap_msgs, sizeof *msgs);
	m = &msgs[nmsgs++];
	m->text = copy(text, len);
	m->len = len;
	m->want = 0;
	if (len > max_msg)
		max_msg = len;
}

static void load_messages(const char *shared)
{
	static const char *const dirs[] = {"bsd", "not"};
	char path[4096], file[4600];
	size_t k;
	for (k = 0; k < sizeof dirs / sizeof *dirs; k++) {
		DIR *d;
		struct dirent *de;
		snprintf(path, sizeof path, "%s/corpus/sisimai/maildir/%s", shared, dirs[k]);
		if ((d = opendir(path)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			FILE *f;
			char *buf;
			long n;
			if (!strstr(de->d_name, ".eml"))
				continue;
			snprintf(file, sizeof file, "%s/%s", path, de->d_name);
			if ((f = fopen(file, "rb")) == NULL)
				continue;
			if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
			    (buf = malloc((size_t)n + 1)) != NULL) {
				add_message(buf, fread(buf, 1, (size_t)n, f));
				free(buf);
			}
			fclose(f);
		}
		closedir(d);
	}
}

static const char builtin_dsn[] =
	"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
	"Subject: Undelivered Mail Returned to Sender\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n"
	"\n--B\nContent-Type: text/plain\n\nYour message could not be delivered.\n"
	"--B\nContent-Type: message/delivery-status\n\n"
	"Reporting-MTA: dns; mx.example.net\n\n"
	"Final-Recipient: rfc822; pat@example.org\nAction: failed\nStatus: 5.1.1\n"
	"Remote-MTA: dns; mx.example.org\n"
	"Diagnostic-Code: smtp; 550 5.1.1 <pat@example.org>: User unknown\n\n"
	"Final-Recipient: rfc822; lee@example.org\nAction: delayed\nStatus: 4.2.2\n"
	"Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\n"
	"--B--\n";

static const char builtin_notice[] =
	"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
	"Subject: Undelivered Mail Returned to Sender\n\n"
	"This is the mail system at host mx.example.net.\n\n"
	"<kim@example.org>: host mx.example.org[192.0.2.9] said: 550 5.7.1 Message\n"
	"    rejected as spam (in reply to end of DATA command)\n";

static const char builtin_plain[] =
	"From: pat@example.org\nTo: lee@example.com\nSubject: lunch\n\nSee you at noon.\n";

/* Every byte of every record, as one number. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;
	for (i = 0; i < n; i++)
		h = (h ^ c[i]) * 1099511628211ull;
	return h;
}

static uint64_t mix_span(uint64_t h, struct rebound_span s)
{
	h = mix(h, &s.len, sizeof s.len);
	return s.len ? mix(h, s.ptr, s.len) : h;
}

static int on_record(void *ctx, const struct rebound_record *r)
{
	uint64_t *h = ctx;
	const struct rebound_result *x = &r->result;
	const char *provider = x->provider ? x->provider->id : "";
	unsigned v[8];
	v[0] = (unsigned)r->kind;
	v[1] = r->flags;
	v[2] = x->reply;
	v[3] = (unsigned)x->type;
	v[4] = (unsigned)x->provider_source;
	v[5] = x->retry_after;
	v[6] = x->flags;
	v[7] = 0;
	*h = mix(*h, v, sizeof v);
	*h = mix_span(*h, r->recipient);
	*h = mix_span(*h, r->original_recipient);
	*h = mix_span(*h, r->action);
	*h = mix_span(*h, r->status);
	*h = mix_span(*h, r->diagnostic);
	*h = mix_span(*h, r->remote_mta);
	*h = mix_span(*h, r->reporting_mta);
	*h = mix_span(*h, r->date);
	*h = mix_span(*h, r->feedback_type);
	*h = mix_span(*h, r->subject);
	*h = mix(*h, x->status, strlen(x->status));
	*h = mix(*h, x->cls->name, strlen(x->cls->name));
	*h = mix(*h, x->rule->id, strlen(x->rule->id));
	*h = mix(*h, provider, strlen(provider));
	return 0;
}

static uint64_t parse_digest(const struct message *m, void *scratch, size_t size)
{
	uint64_t h = 1469598103934665603ull;
	int n = rebound_parse(m->text, m->len, NULL, scratch, size, on_record, &h);
	return mix(h, &n, sizeof n);
}

/* ---- classifying ------------------------------------------------------ */

/* Threads wait at a gate so that they really run at once. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open;

struct worker {
	pthread_t tid;
	unsigned seed;
	size_t done, wrong, first_wrong;
	size_t parsed, parse_wrong, first_parse_wrong;
};

static unsigned next_random(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* ORDER becomes 0 .. N-1 in a random order (Fisher-Yates). */
static void shuffle(size_t *order, size_t n, unsigned *seed)
{
	size_t i;
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n; i > 1; i--) {
		size_t j = next_random(seed) % i, t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
}

static void count_rule(void *ctx, const struct rebound_rule *rule, const struct rebound_class *cls,
                       int won)
{
	(void)rule;
	(void)cls;
	*(int *)ctx += won;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	size_t n = nitems > nmsgs ? nitems : nmsgs, i, round;
	size_t *order = malloc(n * sizeof *order), scratch_size = REBOUND_PARSE_SCRATCH(max_msg);
	void *scratch = malloc(scratch_size); /* each thread lends its own */
	if (!order || !scratch) {
		free(order);
		free(scratch);
		return NULL;
	}
	pthread_mutex_lock(&gate_lock);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);

	for (round = 0; round < rounds; round++) {
		/* a fresh order per thread and round */
		shuffle(order, nitems, &w->seed);
		for (i = 0; i < nitems; i++) {
			const struct item *it = &items[order[i]];
			struct rebound_result r;
			int wins = 0;
			if ((i + round + w->seed) & 1)
				rebound_classify(it->text, it->len, &it->q, &r);
			else
				rebound_explain(it->text, it->len, &it->q, &r, count_rule, &wins);
			if (!result_equal(&r, &it->want)) {
				if (!w->wrong)
					w->first_wrong = order[i];
				w->wrong++;
			}
			w->done++;
		}
		/* then the messages, in an order of their own */
		shuffle(order, nmsgs, &w->seed);
		for (i = 0; i < nmsgs; i++) {
			if (parse_digest(&msgs[order[i]], scratch, scratch_size) != msgs[order[i]].want) {
				if (!w->parse_wrong)
					w->first_parse_wrong = order[i];
				w->parse_wrong++;
			}
			w->parsed++;
		}
	}
	free(order);
	free(scratch);
	return NULL;
}

int main(void)
{
	const char *shared = getenv("SHARED");
	struct worker w[NTHREADS];
	size_t i;
	int t, started = 0;

	if (!shared)
		shared = "../shared";
	load_shared(shared);
	if (nitems)
		diag("texts from %s", shared);
	else {
		diag("no %s: using %u built-in texts", shared,
		     (unsigned)(sizeof builtin / sizeof builtin[0]));
		for (i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
			/* the last one holds a NUL: give its full length */
			size_t len = i + 1 == sizeof builtin / sizeof builtin[0]
			                 ? sizeof "550 5.1.1 user\0unknown after a NUL" - 1
			                 : strlen(builtin[i]);
			add_all(builtin[i], len, NULL, NULL);
		}
	}
	load_messages(shared);
	if (!nmsgs) {
		add_message(builtin_dsn, sizeof builtin_dsn - 1);
		add_message(builtin_notice, sizeof builtin_notice - 1);
		add_message(builtin_plain, sizeof builtin_plain - 1);
	}
	plan(3 + NTHREADS);
	rounds = nitems >= MIN_CALLS / 3 ? 3 : (MIN_CALLS + nitems - 1) / nitems;

	/* the reference: one thread, before any other starts */
	for (i = 0; i < nitems; i++)
		rebound_classify(items[i].text, items[i].len, &items[i].q, &items[i].want);
	ok(nitems >= 200, "%lu (text, query) pairs to classify, %lu times per thread",
	   (unsigned long)nitems, (unsigned long)rounds);
	{
		size_t size = REBOUND_PARSE_SCRATCH(max_msg), again = 0;
		void *scratch = malloc(size);
		if (!scratch)
			return 99;
		for (i = 0; i < nmsgs; i++)
			msgs[i].want = parse_digest(&msgs[i], scratch, size);
		/* no state survives a call: a second pass agrees */
		for (i = 0; i < nmsgs; i++)
			again += parse_digest(&msgs[i], scratch, size) != msgs[i].want;
		free(scratch);
		ok(again == 0, "%lu messages to parse, %lu times per thread; a second pass agrees",
		   (unsigned long)nmsgs, (unsigned long)rounds);
	}

	for (t = 0; t < NTHREADS; t++) {
		memset(&w[t], 0, sizeof w[t]);
		w[t].seed = 0x9e3779b9u * (unsigned)(t + 1);
		if (pthread_create(&w[t].tid, NULL, work, &w[t]) == 0)
			started++;
		else
			w[t].tid = pthread_self(); /* marks "not started" */
	}
	pthread_mutex_lock(&gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	for (t = 0; t < NTHREADS; t++)
		if (!pthread_equal(w[t].tid, pthread_self()))
			pthread_join(w[t].tid, NULL);
	ok(started == NTHREADS, "%d threads ran at once", started);

	for (t = 0; t < NTHREADS; t++) {
		ok(w[t].done == nitems * rounds && w[t].wrong == 0 &&
		   w[t].parsed == nmsgs * rounds && w[t].parse_wrong == 0,
		   "thread %d: %lu answers and %lu parses, %lu and %lu differ from the "
		   "single-threaded pass", t + 1, (unsigned long)w[t].done,
		   (unsigned long)w[t].parsed, (unsigned long)w[t].wrong,
		   (unsigned long)w[t].parse_wrong);
		if (w[t].wrong) {
			const struct item *it = &items[w[t].first_wrong];
			diag("first difference on \"%.80s\" (profile %s)", it->text,
			     it->q.profile ? it->q.profile : "default");
		}
		if (w[t].parse_wrong)
			diag("first message that parsed differently: \"%.60s\"",
			     msgs[w[t].first_parse_wrong].text);
	}

	for (i = 0; i < nitems; i++)
		free(items[i].text);
	free(items);
	for (i = 0; i < nmsgs; i++)
		free(msgs[i].text);
	free(msgs);
	for (i = 0; i < nkept; i++)
		free(kept[i]);
	free(kept);
	return tap_failed ? 1 : 0;
}
