/*
 * t-seeds.c - every case derived from the specification documents
 * (../shared/expect/seed-cases.tsv) classifies as its document says.
 *
 * Each case is run under the profile that encodes its document's view:
 * the Sinch table's rows (source 002:*) under "sinch", rows named in
 * tests/seed-profiles.tsv under the profile given there (each entry cites
 * the seed conflict it belongs to), every other row under the default.
 * Type is compared unless the case says "any", the category unless it is
 * empty, the provider unless it is empty.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rebound.h"
#include "tap.h"
#include "tsv.h"

#define MAX_LINE 8192
#define MAX_OVERRIDES 512

struct override {
	char id[64];
	char profile[32];
};

static int load_overrides(const char *path, struct override *o)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f) && n < MAX_OVERRIDES) {
		char *fld[4];
		tsv_chomp(line);
		if (!line[0] || line[0] == '#')
			continue;
		if (tsv_split(line, fld, 4) < 2)
			continue;
		snprintf(o[n].id, sizeof o[n].id, "%s", fld[0]);
		snprintf(o[n].profile, sizeof o[n].profile, "%s", fld[1]);
		n++;
	}
	fclose(f);
	return n;
}

int main(void)
{
	const char *shared = getenv("SHARED"), *srcdir = getenv("srcdir");
	char path[4096], line[MAX_LINE];
	static struct override ov[MAX_OVERRIDES];
	int nov, rows = 0, i;
	FILE *f;

	if (!shared)
		shared = "../shared";
	if (!srcdir)
		srcdir = ".";
	snprintf(path, sizeof path, "%s/expect/seed-cases.tsv", shared);
	f = fopen(path, "r");
	if (!f) {
		plan_skip("no ../shared/expect/seed-cases.tsv");
		return 0;
	}
	snprintf(line, sizeof line, "%s/tests/seed-profiles.tsv", srcdir);
	nov = load_overrides(line, ov);
	ok(nov >= 0, "read tests/seed-profiles.tsv (%d entries)", nov);

	while (fgets(line, sizeof line, f)) {
		char *fld[10];
		const char *profile = NULL, *why = "";
		struct rebound_query q;
		struct rebound_result r;
		int good = 1;
		char got[256];

		tsv_chomp(line);
		if (tsv_split(line, fld, 10) < 9 || strcmp(fld[0], "id") == 0)
			continue;
		rows++;
		if (strncmp(fld[1], "002:", 4) == 0)
			profile = "sinch";
		for (i = 0; i < nov; i++)
			if (strcmp(ov[i].id, fld[0]) == 0)
				profile = ov[i].profile;
		memset(&q, 0, sizeof q);
		q.profile = profile;
		if (rebound_classify(fld[4], strlen(fld[4]), &q, &r) != REBOUND_OK) {
			ok(0, "%s: classify failed (profile %s)", fld[0], profile ? profile : "default");
			continue;
		}
		if (strcmp(fld[6], "any") != 0 && strcmp(rebound_type_name(r.type), fld[6]) != 0) {
			good = 0;
			why = "type";
		}
		if (*fld[7] && strcmp(rebound_category_name(r.cls->category), fld[7]) != 0) {
			good = 0;
			why = "category";
		}
		if (*fld[5] && (!r.provider || strcmp(r.provider->id, fld[5]) != 0)) {
			good = 0;
			why = "provider";
		}
		snprintf(got, sizeof got, "%s %s %s %s [%s]", rebound_type_name(r.type), r.cls->name,
		         rebound_category_name(r.cls->category), r.provider ? r.provider->id : "-",
		         r.rule->id);
		ok(good, "%s (%s): want %s/%s/%s, got %s%s%s", fld[0], profile ? profile : "default",
		   fld[6], *fld[7] ? fld[7] : "-", *fld[5] ? fld[5] : "-", got, good ? "" : " - wrong ",
		   why);
	}
	fclose(f);
	ok(rows >= 400, "read %d seed cases", rows);
	return done_testing();
}
