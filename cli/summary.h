/* summary.h - "--summary" of log and parse: one line per recipient with
 * its events counted and a decision (suppress, fix-sender, back-off,
 * retry, ok, review) with the reason for it. */
#ifndef REBOUND_CLI_SUMMARY_H
#define REBOUND_CLI_SUMMARY_H

#include <stddef.h>
#include "output.h"
#include "rebound.h"

/* Defaults of the soft-failure streak that suppresses a recipient:
 * five messages (what PowerMTA users escalate at) over at least three
 * days (how long hosted senders let 4xx replies last before giving up). */
#define SUMMARY_SOFT_LIMIT 5u
#define SUMMARY_SOFT_DAYS 3u
/* Messages of one recipient's streak remembered; also the largest limit. */
#define SUMMARY_MAX_MARKS 64u
/* Recipients counted; the events of others are left out, and stderr says so. */
#ifndef SUMMARY_MAX_RECIPIENTS
#define SUMMARY_MAX_RECIPIENTS 1000000u
#endif

/* What a record reports, as the summary counts it. */
enum summary_event {
	SUMMARY_FAILED,    /* a failure, hard or soft by its verdict */
	SUMMARY_DELAYED,   /* a deferral */
	SUMMARY_EXPIRED,   /* given up after the retry period */
	SUMMARY_DELIVERED,
	SUMMARY_COMPLAINT,
	SUMMARY_AUTOREPLY,
	SUMMARY_OTHER      /* any other verdict */
};

struct summary;

/* A new, empty summary; NULL without memory.  SOFT_LIMIT messages over
 * SOFT_DAYS days; AS_OF (seconds since 1970, UTC) places dates written
 * without a year in the latest year that puts them at most a day after it;
 * dates written without a zone are ZONE seconds east of UTC. */
struct summary *summary_new(unsigned soft_limit, unsigned soft_days, long long as_of,
                            long long zone);
/* The input changes (a new file): undated records are ordered after the
 * last dated record of their own input only. */
void summary_begin_input(struct summary *s);
/* One event of RECIPIENT (N bytes); DATE as the record wrote it (may be
 * empty), MSG_ID the message's id (queue id; empty: a message of its
 * own).  WHERE and LINE (0: none) name the input for a message on
 * stderr.  Returns -1 when memory runs out, else 0. */
int summary_add(struct summary *s, const char *recipient, size_t n, enum summary_event ev,
                const struct rebound_result *r, const char *date, size_t date_len,
                const char *msg_id, size_t msg_id_len, const char *where, unsigned long line);
/* Every recipient, sorted by address, in format F. */
void summary_write(struct summary *s, struct out *o, enum format f);
void summary_free(struct summary *s);

/* Parses the summary options at argv[*i] ("--soft-limit N", "--soft-days
 * D", "--as-of DATE", "--zone OFFSET"): 1 if one was taken (advancing *i),
 * 0 if argv[*i] is another option, -1 (after a message on stderr) for a
 * bad value. */
int summary_option(int argc, char **argv, int *i, unsigned *limit, unsigned *days,
                   long long *as_of, long long *zone);

#endif
