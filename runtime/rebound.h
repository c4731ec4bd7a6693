/*
 * rebound.h - classify SMTP replies and bounce messages.
 *
 * This is rebound's only public header.  Everything it declares is
 * prefixed rebound_ / REBOUND_.
 *
 * Thread safety: every function may be called from any thread at any
 * time.  The library keeps no mutable global state, needs no
 * initialisation, and never allocates memory: the rule tables are
 * static const data compiled in from generated/.
 *
 * Strings: every const char * the library returns points to static
 * storage that lives as long as the program; never free it.  Inputs are
 * (pointer, length) pairs and may contain any bytes, NUL included.
 */
#ifndef REBOUND_H
#define REBOUND_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef REBOUND_API
#  if defined(__GNUC__) && __GNUC__ >= 4
#    define REBOUND_API __attribute__((visibility("default")))
#  else
#    define REBOUND_API
#  endif
#endif

#define REBOUND_VERSION_MAJOR 0
#define REBOUND_VERSION_MINOR 1
#define REBOUND_VERSION_PATCH 0
#define REBOUND_VERSION_STRING "0.1.0"

/* Only the first REBOUND_MAX_TEXT bytes of a reply are examined; the
 * result then carries REBOUND_F_TRUNCATED. */
#define REBOUND_MAX_TEXT 65536

/* Error codes returned by functions that return int. */
enum rebound_error {
	REBOUND_OK = 0,
	REBOUND_EINVAL = -1,    /* a required pointer was NULL */
	REBOUND_EPROFILE = -2,  /* the query names a profile the rules lack */
	REBOUND_EPROVIDER = -3  /* the query names a provider the rules lack */
};

/* What the failure means for delivery.  Non-bounces have kinds of
 * their own so that they are never counted as bounces. */
enum rebound_type {
	REBOUND_TYPE_UNDETERMINED = 0, /* nothing to decide from */
	REBOUND_TYPE_HARD,      /* permanent: this message will not be accepted */
	REBOUND_TYPE_SOFT,      /* temporary: a later attempt may succeed */
	REBOUND_TYPE_RETRY,     /* transient, not to be reported as a bounce */
	REBOUND_TYPE_SUCCESS,   /* delivered or accepted */
	REBOUND_TYPE_INFO,      /* informational, no delivery verdict */
	REBOUND_TYPE_AUTOREPLY, /* an automatic reply, not a failure */
	REBOUND_TYPE_COMPLAINT, /* a feedback (abuse) report */
	REBOUND_TYPE_BY_CODE    /* only in a class's declared type: the
	                           reply's class digit decides */
};

/* Whose problem it is.  REBOUND_BLAME_SENDER never justifies
 * suppressing the recipient. */
enum rebound_blame {
	REBOUND_BLAME_NONE = 0,
	REBOUND_BLAME_RECIPIENT, /* the address or mailbox */
	REBOUND_BLAME_SENDER,    /* the sender's setup or reputation */
	REBOUND_BLAME_CONTENT,   /* this message's content or size */
	REBOUND_BLAME_REMOTE     /* the receiving system */
};

/* The recommended next step. */
enum rebound_action {
	REBOUND_ACTION_REVIEW = 0,
	REBOUND_ACTION_SUPPRESS,
	REBOUND_ACTION_RETRY,
	REBOUND_ACTION_RETRY_THEN_SUPPRESS,
	REBOUND_ACTION_BACK_OFF,
	REBOUND_ACTION_STOP_SENDING,
	REBOUND_ACTION_FIX_SENDER_CONFIG,
	REBOUND_ACTION_FIX_REPUTATION,
	REBOUND_ACTION_FIX_CONTENT,
	REBOUND_ACTION_SHRINK_MESSAGE,
	REBOUND_ACTION_CONTACT_POSTMASTER,
	REBOUND_ACTION_CONTACT_RECIPIENT,
	REBOUND_ACTION_UPDATE_ADDRESS,
	REBOUND_ACTION_UNSUBSCRIBE,
	REBOUND_ACTION_RECORD_ONLY
};

/* Coarse impact categories, as reputation guides group bounces. */
enum rebound_category {
	REBOUND_CATEGORY_NONE = 0,
	REBOUND_CATEGORY_INVALID_ADDRESS,
	REBOUND_CATEGORY_MAILBOX_FULL,
	REBOUND_CATEGORY_MAILBOX_DISABLED,
	REBOUND_CATEGORY_AUTHENTICATION,
	REBOUND_CATEGORY_POLICY_BLOCK,
	REBOUND_CATEGORY_RATE_LIMIT,
	REBOUND_CATEGORY_SERVER_NETWORK,
	REBOUND_CATEGORY_CONTENT_SIZE,
	REBOUND_CATEGORY_IP_BLACKLISTED,
	REBOUND_CATEGORY_AUTO_REPLY,
	REBOUND_CATEGORY_OTHER
};

/* How the provider in a result was found. */
enum rebound_provider_source {
	REBOUND_PROVIDER_NONE = 0,
	REBOUND_PROVIDER_FROM_QUERY,  /* named by the caller */
	REBOUND_PROVIDER_FROM_MARKER, /* a marker in the reply text */
	REBOUND_PROVIDER_FROM_HOST,   /* the remote MTA's host name */
	REBOUND_PROVIDER_FROM_DOMAIN  /* the recipient's domain */
};

/* A class of outcome, as declared in the rules.  The vocabulary fields
 * are "" when the class has no equivalent there; bounce_code is then 0. */
struct rebound_class {
	const char *name;        /* e.g. "user_unknown" */
	const char *description; /* one line: what happened */
	const char *advice;      /* one line: what to do */
	const char *sisimai;     /* Sisimai 5.x reason, e.g. "userunknown" */
	const char *powermta;    /* PowerMTA bounce category */
	const char *ses_type;    /* Amazon SES bounceType, "" = from the result type */
	const char *ses_subtype; /* Amazon SES bounceSubType */
	int bounce_code;         /* SparkPost / BounceStudio numeric class */
	enum rebound_type type;  /* may be REBOUND_TYPE_BY_CODE */
	enum rebound_blame blame;
	enum rebound_action action;
	enum rebound_category category;
};

/* A rule of the rule base: its stable id and where it was written. */
struct rebound_rule {
	const char *id;      /* e.g. "gmail-inactive-account" */
	const char *file;    /* e.g. "rules.d/40-provider-gmail.rules" */
	unsigned line;
	const char *profile; /* NULL for rules of the default profile */
};

/* A mailbox provider the rules know how to recognise. */
struct rebound_provider {
	const char *id;   /* e.g. "gmail" */
	const char *name; /* e.g. "Gmail / Google Workspace" */
};

/* Optional context for a classification.  Zero-initialise it and fill
 * in what you know; every field may be left empty. */
struct rebound_query {
	const char *profile;          /* profile name; NULL = default */
	const char *provider;         /* provider id to assume; NULL = detect */
	const char *remote_host;      /* remote MTA host name, NUL-terminated */
	const char *recipient_domain; /* recipient's domain (or address) */
	const char *status;           /* enhanced status known from elsewhere,
	                                 e.g. a DSN's Status: field */
	unsigned reply;               /* reply code known from elsewhere */
};

/* Result flags. */
#define REBOUND_F_TRUNCATED         0x01u /* text longer than REBOUND_MAX_TEXT */
#define REBOUND_F_REPLY_FROM_QUERY  0x02u /* reply code came from the query */
#define REBOUND_F_STATUS_FROM_QUERY 0x04u /* status came from the query */
#define REBOUND_F_FALLBACK          0x08u /* only the catch-all rule applied */
#define REBOUND_F_EMPTY             0x10u /* no text and no code at all */

struct rebound_result {
	unsigned reply;                /* SMTP reply code, 0 if none */
	unsigned status_class;         /* enhanced status X.Y.Z: X (0 if none) */
	unsigned status_subject;       /* Y */
	unsigned status_detail;        /* Z */
	char status[12];               /* "5.1.1", or "" if none */
	enum rebound_type type;        /* resolved type, never BY_CODE */
	const struct rebound_class *cls;          /* never NULL */
	const struct rebound_rule *rule;          /* the deciding rule, never NULL */
	const struct rebound_provider *provider;  /* NULL if none was found */
	enum rebound_provider_source provider_source;
	unsigned retry_after;          /* suggested delay in seconds, 0 if none */
	unsigned flags;                /* REBOUND_F_* */
};

/*
 * Classify one SMTP reply (or any diagnostic text).
 *
 * Reads exactly LEN bytes at TEXT (TEXT may be NULL when LEN is 0).  Q
 * may be NULL.  Fills *OUT completely and returns REBOUND_OK, or a
 * negative REBOUND_E* code; on REBOUND_EPROFILE and REBOUND_EPROVIDER
 * *OUT still holds the default profile's answer.  Time is linear in LEN
 * and does not depend on the number of rules; no memory is allocated.
 */
REBOUND_API int rebound_classify(const char *text, size_t len,
                                 const struct rebound_query *q,
                                 struct rebound_result *out);

/*
 * Like rebound_classify, and also calls FN once for every rule whose
 * conditions hold for the input, strongest first; WON is 1 for the rule
 * that decided.  Meant for people asking "why": it looks at every rule,
 * so it is slower than rebound_classify.
 */
typedef void (*rebound_explain_fn)(void *ctx, const struct rebound_rule *rule,
                                   const struct rebound_class *cls, int won);
REBOUND_API int rebound_explain(const char *text, size_t len,
                                const struct rebound_query *q,
                                struct rebound_result *out,
                                rebound_explain_fn fn, void *ctx);

/* Library and rule-base identity. */
REBOUND_API const char *rebound_version(void);
REBOUND_API const char *rebound_rules_fingerprint(void);

/* The compiled rule base, for listing.  *_at returns NULL past the end;
 * *_find returns NULL for an unknown name. */
REBOUND_API size_t rebound_class_count(void);
REBOUND_API const struct rebound_class *rebound_class_at(size_t i);
REBOUND_API const struct rebound_class *rebound_class_find(const char *name);
REBOUND_API size_t rebound_rule_count(void);
REBOUND_API const struct rebound_rule *rebound_rule_at(size_t i);
REBOUND_API size_t rebound_provider_count(void);
REBOUND_API const struct rebound_provider *rebound_provider_at(size_t i);
REBOUND_API size_t rebound_profile_count(void);
REBOUND_API const char *rebound_profile_name(size_t i);
REBOUND_API const char *rebound_profile_description(size_t i);

/* Names of enumeration values, as used in rule files and output. */
REBOUND_API const char *rebound_type_name(enum rebound_type t);
REBOUND_API const char *rebound_blame_name(enum rebound_blame b);
REBOUND_API const char *rebound_action_name(enum rebound_action a);
REBOUND_API const char *rebound_category_name(enum rebound_category c);
REBOUND_API const char *rebound_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* REBOUND_H */
