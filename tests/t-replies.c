/*
 * t-replies.c - the regression set of realistic replies (tests/replies.tsv)
 * classifies as written: class, and where given type, blame, provider,
 * action, category and suggested delay.
 *
 * Rows tagged "lie:NAME" prove the points of issue 3 section 4 (codes that
 * say one thing while the text or the provider says another); every NAME
 * below must have at least one row.  Two properties of the class table are
 * checked as well: a class that blames the sender never asks to suppress
 * the recipient, and every class of the sender-caused block categories
 * (blocklists, authentication) blames the sender.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rebound.h"
#include "tap.h"
#include "tsv.h"

#define MAX_LINE 8192

static const char *const lies[] = {
	"gmail-x.7.2x",         /* Google's X.7.23-X.7.30 against the registry's */
	"gmail-421-5.7.32",     /* a 4xx reply carrying a 5.x.x status */
	"gmail-5.2.1",          /* inactive account or receiving too fast */
	"gmail-4.2.2-5.2.2",    /* full, against full and inactive */
	"microsoft-5.4.1",      /* relay denied or unknown recipient */
	"outlook-text-codes",   /* RP-, SC-, DY-, OU- with no enhanced code */
	"comcast-bl-bits",      /* BL ids combine lists bit by bit */
	"yahoo-ts03-tss04",     /* permanent-acting 421, two-hour back-off */
	"rate-limit-5.1.1",     /* a rate limit behind X.1.1 */
	"orange-ofr-506",       /* a temporary block sent as 550 5.2.0 */
	"sender-blocks",        /* sender-caused blocks blame the sender */
};
#define NLIES (sizeof lies / sizeof lies[0])

/* The value of KEY in a "k=v k=v" list, copied to OUT; 0 if absent. */
static int check_value(const char *checks, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	const char *p = checks;
	while (p && *p) {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t n = strcspn(p + klen + 1, " ");
			if (n >= size)
				n = size - 1;
			memcpy(out, p + klen + 1, n);
			out[n] = '\0';
			return 1;
		}
		p = strchr(p, ' ');
	}
	return 0;
}

static void check_class_table(void)
{
	size_t i, n = rebound_class_count();
	int bad_suppress = 0, bad_blame = 0;
	for (i = 0; i < n; i++) {
		const struct rebound_class *c = rebound_class_at(i);
		if (c->blame == REBOUND_BLAME_SENDER && (c->action == REBOUND_ACTION_SUPPRESS ||
		                                         c->action == REBOUND_ACTION_RETRY_THEN_SUPPRESS)) {
			diag("class %s blames the sender but says %s", c->name,
			     rebound_action_name(c->action));
			bad_suppress++;
		}
		if ((c->category == REBOUND_CATEGORY_IP_BLACKLISTED ||
		     c->category == REBOUND_CATEGORY_AUTHENTICATION) &&
		    c->blame != REBOUND_BLAME_SENDER) {
			diag("class %s (%s) blames %s", c->name, rebound_category_name(c->category),
			     rebound_blame_name(c->blame));
			bad_blame++;
		}
	}
	ok(n > 0 && bad_suppress == 0, "no class that blames the sender suppresses the recipient");
	ok(n > 0 && bad_blame == 0, "every blocklist and authentication class blames the sender");
}

int main(void)
{
	const char *srcdir = getenv("srcdir");
	char path[4096], line[MAX_LINE];
	int seen[NLIES] = {0}, rows = 0, lineno = 0;
	size_t i;
	FILE *f;

	if (!srcdir)
		srcdir = ".";
	snprintf(path, sizeof path, "%s/tests/replies.tsv", srcdir);
	f = fopen(path, "r");
	if (!ok(f != NULL, "read %s", path))
		return done_testing();

	while (fgets(line, sizeof line, f)) {
		char *fld[8] = {0}, got[512], want[64];
		const char *why = NULL;
		struct rebound_query q;
		struct rebound_result r;
		int n;

		lineno++;
		tsv_chomp(line);
		if (!line[0] || line[0] == '#')
			continue;
		n = tsv_split(line, fld, 8);
		if (n < 2 || !*fld[1]) {
			ok(0, "replies.tsv:%d: a row needs a text and a class", lineno);
			continue;
		}
		rows++;
		memset(&q, 0, sizeof q);
		q.profile = n > 5 && *fld[5] ? fld[5] : NULL;
		if (rebound_classify(fld[0], strlen(fld[0]), &q, &r) != REBOUND_OK) {
			ok(0, "replies.tsv:%d: classify failed", lineno);
			continue;
		}
		if (strcmp(r.cls->name, fld[1]) != 0)
			why = "class";
		else if (n > 2 && *fld[2] && strcmp(rebound_type_name(r.type), fld[2]) != 0)
			why = "type";
		else if (n > 3 && *fld[3] && strcmp(rebound_blame_name(r.cls->blame), fld[3]) != 0)
			why = "blame";
		else if (n > 4 && *fld[4] && (!r.provider || strcmp(r.provider->id, fld[4]) != 0))
			why = "provider";
		if (!why && n > 7 && check_value(fld[7], "action", want, sizeof want) &&
		    strcmp(rebound_action_name(r.cls->action), want) != 0)
			why = "action";
		if (!why && n > 7 && check_value(fld[7], "category", want, sizeof want) &&
		    strcmp(rebound_category_name(r.cls->category), want) != 0)
			why = "category";
		if (!why && n > 7 && check_value(fld[7], "retry", want, sizeof want) &&
		    r.retry_after != (unsigned)strtoul(want, NULL, 10))
			why = "retry";
		snprintf(got, sizeof got, "%s %s %s %s %s retry=%u [%s]", rebound_type_name(r.type),
		         r.cls->name, rebound_blame_name(r.cls->blame),
		         rebound_action_name(r.cls->action), r.provider ? r.provider->id : "-",
		         r.retry_after, r.rule->id);
		ok(!why, "replies.tsv:%d: %s -> %s%s%s: %.100s", lineno, fld[1], got,
		   why ? " - wrong " : "", why ? why : "", fld[0]);
		if (!why && n > 6 && strncmp(fld[6], "lie:", 4) == 0)
			for (i = 0; i < NLIES; i++)
				if (strcmp(fld[6] + 4, lies[i]) == 0)
					seen[i]++;
	}
	fclose(f);
	ok(rows >= 500, "read %d replies", rows);
	for (i = 0; i < NLIES; i++)
		ok(seen[i] > 0, "section 4 point '%s' is proven by %d passing rows", lies[i], seen[i]);
	check_class_table();
	return done_testing();
}
