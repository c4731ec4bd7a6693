/*
 * api.c - the public entry points, over the tables compiled in from
 * generated/.
 */
#include <string.h>
#include "internal.h"

#define T (&rb_builtin_tables)

int rebound_classify(const char *text, size_t len, const struct rebound_query *q,
                     struct rebound_result *out)
{
	return rb_classify(T, text, len, q, out, NULL, NULL);
}

int rebound_explain(const char *text, size_t len, const struct rebound_query *q,
                    struct rebound_result *out, rebound_explain_fn fn, void *ctx)
{
	return rb_classify(T, text, len, q, out, fn, ctx);
}

const char *rebound_version(void) { return REBOUND_VERSION_STRING; }
const char *rebound_rules_fingerprint(void) { return T->fingerprint; }

size_t rebound_class_count(void) { return T->nclasses; }
const struct rebound_class *rebound_class_at(size_t i)
{
	return i < T->nclasses ? &T->classes[i] : NULL;
}
const struct rebound_class *rebound_class_find(const char *name)
{
	unsigned i;
	if (!name)
		return NULL;
	/* the first byte before the call: the parser asks for a class by
	   name for every record it settles, and most names differ there */
	for (i = 0; i < T->nclasses; i++)
		if (T->classes[i].name[0] == name[0] && strcmp(T->classes[i].name, name) == 0)
			return &T->classes[i];
	return NULL;
}

size_t rebound_rule_count(void) { return T->nrules; }
const struct rebound_rule *rebound_rule_at(size_t i)
{
	return i < T->nrules ? &T->rule_pub[i] : NULL;
}

size_t rebound_provider_count(void) { return T->nproviders; }
const struct rebound_provider *rebound_provider_at(size_t i)
{
	return i < T->nproviders ? &T->providers[i] : NULL;
}

size_t rebound_profile_count(void) { return T->nprofiles; }
const char *rebound_profile_name(size_t i)
{
	return i < T->nprofiles ? T->profile_names[i] : NULL;
}
const char *rebound_profile_description(size_t i)
{
	return i < T->nprofiles ? T->profile_descriptions[i] : NULL;
}
