/*
 * rebound.h - classify SMTP replies and bounce messages.
 *
 * This is rebound's only public header.  Everything it declares is
 * prefixed rebound_ / REBOUND_, and the shared library exports nothing
 * else.
 *
 * Thread safety: every function may be called from any thread at any
 * time, on the same inputs too.  The library keeps no mutable global
 * state, needs no initialisation or cleanup, and never allocates
 * memory: the rule tables are static const data compiled in from
 * generated/.  Calls block on nothing and take time linear in their
 * input.
 *
 * Ownership: every pointer the library returns (strings, classes,
 * rules, providers) points to static storage that lives as long as the
 * program; never free or modify it, and compare classes and rules by
 * pointer if you like.  The library keeps no pointer to anything it is
 * given once a call returns.  Inputs are (pointer, length) pairs and may
 * contain any bytes, NUL included.
 *
 * Errors: functions that can fail return an int, REBOUND_OK or a
 * negative enum rebound_error; the others cannot fail and answer NULL,
 * 0 or "?" for an index or a value out of range.  No function prints,
 * aborts or touches errno.
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
/* One number for #if tests: 10000 * major + 100 * minor + patch. */
#define REBOUND_VERSION_NUMBER \
	(REBOUND_VERSION_MAJOR * 10000 + REBOUND_VERSION_MINOR * 100 + REBOUND_VERSION_PATCH)

/* Only the first REBOUND_MAX_TEXT bytes of a reply are examined; the
 * result then carries REBOUND_F_TRUNCATED. */
#define REBOUND_MAX_TEXT 65536

/* Error codes returned by functions that return int. */
enum rebound_error {
	REBOUND_OK = 0,
	REBOUND_EINVAL = -1,    /* a required pointer was NULL */
	REBOUND_EPROFILE = -2,  /* the query names a profile the rules lack */
	REBOUND_EPROVIDER = -3, /* the query names a provider the rules lack */
	REBOUND_ESCRATCH = -4   /* rebound_parse was given too little scratch */
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
 * Reads exactly LEN bytes at TEXT (TEXT may be NULL when LEN is 0), at
 * most REBOUND_MAX_TEXT of them.  Q may be NULL; its strings are read
 * during the call only.  Fills *OUT completely and returns REBOUND_OK,
 * or a negative code: REBOUND_EINVAL when OUT is NULL (nothing is
 * written) or TEXT is NULL with LEN > 0 (*OUT is then the undetermined
 * answer); REBOUND_EPROFILE or REBOUND_EPROVIDER when Q names a profile
 * or provider the rules lack, and *OUT still holds the answer without
 * it.  The pointers in *OUT are static (see above).  Time is linear in
 * LEN and does not depend on the number of rules.
 */
REBOUND_API int rebound_classify(const char *text, size_t len,
                                 const struct rebound_query *q,
                                 struct rebound_result *out);

/*
 * Like rebound_classify (same result, same errors), and also calls FN
 * once for every rule whose conditions hold for the input, strongest
 * first, on the calling thread; WON is 1 for the rule that decided.  FN
 * may be NULL.  CTX is passed to FN untouched.  Meant for people asking
 * "why": it looks at every rule, so it is slower than rebound_classify.
 */
typedef void (*rebound_explain_fn)(void *ctx, const struct rebound_rule *rule,
                                   const struct rebound_class *cls, int won);
REBOUND_API int rebound_explain(const char *text, size_t len,
                                const struct rebound_query *q,
                                struct rebound_result *out,
                                rebound_explain_fn fn, void *ctx);

/* Library and rule-base identity: REBOUND_VERSION_STRING of the library
 * actually linked (compare with the header's to catch a mismatch), and
 * a digest of the compiled rules ("rebound-rules-1:" and 16 hex digits)
 * that changes whenever the tables do.  Static strings. */
REBOUND_API const char *rebound_version(void);
REBOUND_API const char *rebound_rules_fingerprint(void);

/* The compiled rule base, for listing.  *_at returns NULL past the end;
 * *_find returns NULL for an unknown name or NULL.  Everything returned
 * is static; counts and order are fixed for the life of the program. */
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

/* Names of enumeration values, as used in rule files and output: static
 * strings, "?" for a value out of range ("unknown error" for an error
 * code rebound_strerror does not know). */
REBOUND_API const char *rebound_type_name(enum rebound_type t);
REBOUND_API const char *rebound_blame_name(enum rebound_blame b);
REBOUND_API const char *rebound_action_name(enum rebound_action a);
REBOUND_API const char *rebound_category_name(enum rebound_category c);
REBOUND_API const char *rebound_strerror(int err);

/* ==== Whole messages ====================================================
 *
 * The parser reads one RFC 5322 message held in memory, never
 * allocates (it works in scratch memory the caller lends it), keeps no
 * global state, and calls a function of yours once per record it finds:
 * one per failed, delayed, delivered or auto-replied recipient.  Each
 * record carries the answer of rebound_classify() for its diagnostic.
 *
 * Every limit below bounds the work done for one message.  When a
 * message goes past one, the records still reported carry a
 * REBOUND_RECORD_* flag saying which; nothing is dropped silently.
 */
/* Deepest nesting of multipart and message/rfc822 entities examined,
 * the message itself being the first level.  Deeper entities are
 * treated as opaque leaves. */
#define REBOUND_MAX_MIME_DEPTH 32

/* Most MIME leaf parts examined per message; later parts are skipped. */
#define REBOUND_MAX_PARTS 256

/* Most records reported per message. */
#define REBOUND_MAX_RECIPIENTS 1000

/* Longest diagnostic text handed to rebound_classify (the classifier
 * reads no more than this anyway). */
#define REBOUND_MAX_DIAGNOSTIC REBOUND_MAX_TEXT

/* Longest value kept for the other fields of a record (status, remote
 * MTA, dates, ...). */
#define REBOUND_MAX_FIELD 1024

/* Bytes of human-readable bounce text searched for the wording of a
 * known mail server, per message.  Bounce notices are short; the
 * limit keeps hostile megabytes of prose cheap. */
#define REBOUND_MAX_NDR_SCAN 262144

/* What a record describes. */
enum rebound_kind {
	REBOUND_KIND_NOT_BOUNCE = 0, /* the message is none of the below */
	REBOUND_KIND_DSN,            /* a failed or delayed recipient of an
	                                RFC 3464 delivery status notification */
	REBOUND_KIND_NDR,            /* a failed or delayed recipient read from
	                                a server's human-readable bounce text */
	REBOUND_KIND_FEEDBACK,       /* an RFC 5965 feedback (complaint) report */
	REBOUND_KIND_AUTOREPLY,      /* an automatic reply such as out-of-office */
	REBOUND_KIND_DELIVERED       /* a DSN saying delivered, relayed or expanded */
};

/* A piece of text: LEN bytes at PTR, not NUL-terminated.  LEN 0 means
 * the field is absent. */
struct rebound_span {
	const char *ptr;
	size_t len;
};

/* Record flags. */
#define REBOUND_RECORD_TRUNCATED      0x001u /* a field was cut at REBOUND_MAX_DIAGNOSTIC
                                                or REBOUND_MAX_FIELD */
#define REBOUND_RECORD_RECIPIENTS_CUT 0x002u /* more than REBOUND_MAX_RECIPIENTS recipients;
                                                the rest were not reported */
#define REBOUND_RECORD_MIME_LIMIT     0x004u /* REBOUND_MAX_MIME_DEPTH or REBOUND_MAX_PARTS
                                                was reached; some parts went unread */
#define REBOUND_RECORD_SCAN_LIMIT     0x008u /* bounce text beyond REBOUND_MAX_NDR_SCAN
                                                was not searched */
#define REBOUND_RECORD_MALFORMED      0x010u /* broken structure: a MIME boundary that
                                                never closes, bad encoding, ... */
#define REBOUND_RECORD_GUESSED        0x020u /* the recipient was not stated next to the
                                                error but taken from X-Failed-Recipients
                                                or the returned message's headers */
#define REBOUND_RECORD_NO_RECIPIENT   0x040u /* no recipient address could be found */

/* One finding.  Spans point into the message or into the caller's
 * scratch and are valid only during the callback. */
struct rebound_record {
	enum rebound_kind kind;
	struct rebound_span recipient;          /* bare address, no <> */
	struct rebound_span original_recipient; /* DSN Original-Recipient */
	struct rebound_span action;             /* DSN Action: failed, delayed, ... */
	struct rebound_span status;             /* DSN Status, e.g. "5.1.1" */
	struct rebound_span diagnostic;         /* the text that was classified */
	struct rebound_span remote_mta;         /* remote MTA host */
	struct rebound_span reporting_mta;      /* the MTA that wrote the report */
	struct rebound_span date;               /* last attempt or arrival date */
	struct rebound_span feedback_type;      /* ARF Feedback-Type: abuse, ... */
	struct rebound_span subject;            /* the message's Subject, decoded */
	struct rebound_span returned_headers;   /* header block of the message the
	                                           report is about (the returned copy,
	                                           a complaint's original), as sent:
	                                           folded, not decoded; read it with
	                                           rebound_header_field() */
	struct rebound_span message_id;         /* that message's Message-ID, <...>
	                                           included; for an auto-reply, the
	                                           In-Reply-To of the reply */
	struct rebound_span sender;             /* the address of that message's
	                                           From field */
	unsigned flags;                         /* REBOUND_RECORD_* */
	struct rebound_result result;           /* from rebound_classify(); for a
	                                           feedback, auto-reply or delivered
	                                           record, or a delayed one whose text
	                                           names no cause, the message's
	                                           structure settles the class and
	                                           rule->file is "runtime/message.c"
	                                           (see doc/parsing.md) */
};

/* Called once per record, on the thread that called rebound_parse;
 * return non-zero to stop the parse.  It must not keep pointers into
 * *REC past its return. */
typedef int (*rebound_record_fn)(void *ctx, const struct rebound_record *rec);

/* Scratch that always suffices for a message of N bytes: the decoded
 * copies of its encoded parts plus fixed tables.  N must be small
 * enough for the sum not to overflow a size_t. */
#define REBOUND_PARSE_SCRATCH_FIXED ((size_t)2u * 1024u * 1024u)
#define REBOUND_PARSE_SCRATCH(n) ((size_t)(n) + REBOUND_PARSE_SCRATCH_FIXED)

/*
 * Parse one message of LEN bytes at MSG and report its records.
 *
 * The message and SCRATCH stay the caller's: rebound_parse reads MSG,
 * writes only inside SCRATCH, and keeps nothing of either after it
 * returns.  Give each thread its own SCRATCH; threads may parse the
 * same MSG at once.
 *
 * Line ends may be LF, CRLF or CR; a leading mbox "From " line is
 * skipped.  Q (may be NULL) supplies the profile and provider for
 * rebound_classify; its other fields are filled in per record from the
 * message.  SCRATCH must hold REBOUND_PARSE_SCRATCH(LEN) bytes (any
 * alignment).
 *
 * A message that is not a bounce, complaint, auto-reply or success
 * notice yields exactly one record of kind REBOUND_KIND_NOT_BOUNCE, so
 * that every message gets a verdict and its flags are never lost.
 *
 * Returns the number of records reported (the one FN stopped at
 * included), or a negative REBOUND_E* code before reporting anything:
 * REBOUND_EINVAL for NULL pointers, REBOUND_EPROFILE or
 * REBOUND_EPROVIDER for a query naming what the rules lack, and
 * REBOUND_ESCRATCH for too little scratch.  Time is about linear in
 * LEN.
 */
REBOUND_API int rebound_parse(const char *msg, size_t len, const struct rebound_query *q,
                              void *scratch, size_t scratch_size,
                              rebound_record_fn fn, void *ctx);

/*
 * Find the next message of an mbox buffer.  Messages start with a line
 * beginning "From " at the start of the buffer or after an empty line.
 * *POS is where to look (0 to begin); on success *MSG is set to the
 * message without its "From " line and without the empty line that
 * separates it from the next one, *POS moves past it, and 1 is
 * returned.  Returns 0 when no message is left, or when BUF, POS or MSG
 * is NULL.  A buffer that does not start with "From " is taken as one
 * message up to the first separator.  BUF is only read; *MSG points
 * into it.
 */
REBOUND_API int rebound_mbox_next(const char *buf, size_t len, size_t *pos,
                                  struct rebound_span *msg);

/*
 * For a recipient that a queue retried until it gave up (a DSN's
 * "failed" with a 4.x.x status, a mail log's expiry), given RES, the
 * classification of its last temporary reply: when that reply names no
 * cause beyond its codes, or only a failed connection, the expiry is the
 * reason, and RES becomes class "expired" (rule "message-delayed");
 * a cause that persists (a full mailbox, a block, a DNS answer) keeps its
 * class.  Returns 1 if RES changed.  rebound_parse applies the same
 * reading to DSN records.
 */
REBOUND_API int rebound_settle_expired(struct rebound_result *res);

/*
 * The value of the first header field NAME (any case, no colon) in
 * HEADERS, such as a record's returned_headers: *VALUE is set to the
 * raw value, blanks around it removed, line ends of folded lines kept,
 * pointing into HEADERS.  Returns 1 if the field is there, else 0
 * (also for NULL arguments).
 */
REBOUND_API int rebound_header_field(struct rebound_span headers, const char *name,
                                     struct rebound_span *value);

/* The name of a kind, e.g. "dsn", "not-bounce"; a static string,
 * "unknown" for a value out of range. */
REBOUND_API const char *rebound_kind_name(enum rebound_kind k);

#ifdef __cplusplus
}
#endif

#endif /* REBOUND_H */
