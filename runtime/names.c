/*
 * names.c - the words for rebound's fixed vocabularies.  The rule
 * compiler reads rule files with the same tables, so a name means the
 * same thing in a rule file, in output and in this header.
 */
#include "internal.h"
#include "names.h"

RB_OBJECT const char *const rb_type_names[RB_NTYPES] = {
	"undetermined", "hard", "soft", "retry", "success", "info", "autoreply",
	"complaint", "by-code"
};

RB_OBJECT const char *const rb_blame_names[RB_NBLAMES] = {
	"none", "recipient", "sender", "content", "remote"
};

RB_OBJECT const char *const rb_action_names[RB_NACTIONS] = {
	"review", "suppress", "retry", "retry-then-suppress", "back-off", "stop-sending",
	"fix-sender-config", "fix-reputation", "fix-content", "shrink-message",
	"contact-postmaster", "contact-recipient", "update-address", "unsubscribe",
	"record-only"
};

RB_OBJECT const char *const rb_category_names[RB_NCATEGORIES] = {
	"none", "invalid-address", "mailbox-full", "mailbox-disabled", "authentication",
	"policy-block", "rate-limit", "server-network", "content-size", "ip-blacklisted",
	"auto-reply", "other"
};

static const char *pick(const char *const *v, unsigned n, unsigned i)
{
	return i < n ? v[i] : "?";
}

const char *rebound_type_name(enum rebound_type t)
{
	return pick(rb_type_names, RB_NTYPES, (unsigned)t);
}
const char *rebound_blame_name(enum rebound_blame b)
{
	return pick(rb_blame_names, RB_NBLAMES, (unsigned)b);
}
const char *rebound_action_name(enum rebound_action a)
{
	return pick(rb_action_names, RB_NACTIONS, (unsigned)a);
}
const char *rebound_category_name(enum rebound_category c)
{
	return pick(rb_category_names, RB_NCATEGORIES, (unsigned)c);
}

const char *rebound_strerror(int err)
{
	switch (err) {
	case REBOUND_OK: return "success";
	case REBOUND_EINVAL: return "invalid argument";
	case REBOUND_EPROFILE: return "unknown profile";
	case REBOUND_EPROVIDER: return "unknown provider";
	case REBOUND_ESCRATCH: return "scratch buffer too small";
	default: return "unknown error";
	}
}
