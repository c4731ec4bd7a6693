/*
 * examples.c - run every example through the runtime's own classifier
 * on the tables just built, so an example that passes here passes in
 * every program that links the generated tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "build.h"
#include "diag.h"
#include "examples.h"
#include "names.h"

static int find_class(const struct ruleset *rs, const char *s)
{
	int i;
	for (i = 0; i < rs->classes.n; i++)
		if (strcmp(rs->classes.v[i].name.s, s) == 0)
			return i;
	return -1;
}

static void show_text(char *buf, size_t size, const char *s, size_t len)
{
	size_t i, n = 0;
	for (i = 0; i < len && n + 8 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i >= 60) {
			n += (size_t)snprintf(buf + n, size - n, "...");
			break;
		}
		buf[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	buf[n] = '\0';
}

int check_examples(struct ruleset *rs, struct built *b)
{
	int before = diag_errors, i, *decides = xcalloc((size_t)rs->rules.n + 1, sizeof *decides);
	int *has_example = xcalloc((size_t)rs->retypes.n + 1, sizeof *has_example);

	for (i = 0; i < rs->examples.n; i++) {
		const struct example *ex = &rs->examples.v[i];
		struct rebound_query q;
		struct rebound_result res;
		int want = find_class(rs, ex->expect_class.s), want_type = -1, err;
		char shown[80];
		const char *profile = NULL;

		memset(&q, 0, sizeof q);
		if (ex->profile.s) {
			int p, found = 0;
			for (p = 0; p < rs->profiles.n; p++)
				found |= strcmp(rs->profiles.v[p].name.s, ex->profile.s) == 0;
			if (!found && strcmp(ex->profile.s, "default") != 0) {
				diag_error(ex->profile.loc, "unknown profile '%s'", ex->profile.s);
				continue;
			}
			profile = ex->profile.s;
		} else if (ex->owner_profile >= 0)
			profile = rs->profiles.v[ex->owner_profile].name.s;
		q.profile = profile;
		q.provider = ex->provider;
		q.remote_host = ex->host;
		q.recipient_domain = ex->domain;
		q.status = ex->status;
		q.reply = ex->reply;
		if (want < 0) {
			diag_error(ex->expect_class.loc, "unknown class '%s' in example", ex->expect_class.s);
			continue;
		}
		if (ex->expect_type.s) {
			int t;
			for (t = 0; t < RB_NTYPES; t++)
				if (strcmp(rb_type_names[t], ex->expect_type.s) == 0)
					want_type = t;
			if (want_type < 0) {
				diag_error(ex->expect_type.loc, "unknown type '%s' in example", ex->expect_type.s);
				continue;
			}
		}
		err = rb_classify(&b->t, ex->text, ex->len, &q, &res, NULL, NULL);
		show_text(shown, sizeof shown, ex->text, ex->len);
		if (err == REBOUND_EPROVIDER) {
			diag_error(ex->loc, "example names unknown provider '%s'", ex->provider);
			continue;
		}
		if (strcmp(res.cls->name, ex->expect_class.s) != 0) {
			diag_error(ex->loc, "example \"%s\" is classified '%s' by rule '%s' (%s:%u), "
			           "not '%s'", shown, res.cls->name, res.rule->id, res.rule->file,
			           res.rule->line, ex->expect_class.s);
			continue;
		}
		if (want_type >= 0 && (int)res.type != want_type) {
			diag_error(ex->expect_type.loc, "example \"%s\" has type '%s', not '%s'", shown,
			           rb_type_names[res.type], ex->expect_type.s);
			continue;
		}
		if (ex->owner >= 0 && ex->owner_is_retype) {
			has_example[ex->owner] = 1;
			continue;
		}
		if (ex->owner >= 0) {
			const struct rule *r = &rs->rules.v[ex->owner];
			if (r->class_idx.n && r->class_idx.v[0] == want) {
				if (strcmp(res.rule->id, r->id.s) != 0) {
					diag_error(ex->loc, "example \"%s\" is decided by rule '%s' (%s:%u), not "
					           "by rule '%s' it belongs to", shown, res.rule->id,
					           res.rule->file, res.rule->line, r->id.s);
					continue;
				}
				decides[ex->owner] = 1;
			}
		}
	}
	for (i = 0; i < rs->rules.n; i++)
		if (!decides[i])
			diag_error(rs->rules.v[i].id.loc, "rule '%s' has no example that it decides",
			           rs->rules.v[i].id.s);
	for (i = 0; i < rs->retypes.n; i++)
		if (!has_example[i])
			diag_error(rs->retypes.v[i].id.loc, "retype '%s' has no example",
			           rs->retypes.v[i].id.s);
	free(decides);
	free(has_example);
	return diag_errors - before;
}
