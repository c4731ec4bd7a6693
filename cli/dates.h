/* dates.h - the dates of mail logs and messages, read into seconds
 * since 1970 (UTC) and written back in ISO 8601. */
#ifndef REBOUND_CLI_DATES_H
#define REBOUND_CLI_DATES_H

#include <stddef.h>

#define DAY 86400LL

/* A date of a log or a message, in seconds since 1970 (UTC): RFC 5322,
 * ISO 8601 / RFC 3339, "YYYY-MM-DD HH:MM:SS[ zone]", syslog's "Mon DD
 * HH:MM:SS" (year from AS_OF), epoch seconds and TAI64N.  A time without
 * a zone is taken as LOCAL seconds east of UTC (0: UTC).  Returns 1 and
 * sets *T, or 0 if unreadable. */
int date_seconds(const char *s, size_t n, long long as_of, long long local, long long *t);

/* "+HH:MM", "-HHMM", "+HH" or "Z"/"UTC" as seconds east of UTC; 0 if
 * unreadable, 1 and *OFFSET otherwise. */
int date_offset(const char *s, long long *offset);

/* T as "YYYY-MM-DDTHH:MM:SSZ" in BUF. */
void date_iso(long long t, char buf[40]);

#endif
