/*
 * maillog_smtpd.h - OpenSMTPD's delivery lines for "rebound log"
 * (maillog_smtpd.c).
 */
#ifndef REBOUND_CLI_MAILLOG_SMTPD_H
#define REBOUND_CLI_MAILLOG_SMTPD_H

#include <stddef.h>
#include "maillog_reader.h"

/* Reads LINE (LEN bytes): an "mta delivery" or "mda delivery" line, or
 * the queue's "Expire" and "Remove" lines, calls EACH for its recipient
 * (Remove gives none) and returns 1; any other line returns 0. */
int smtpd_line(const char *line, size_t len, mlog_each *each, void *ctx);

#endif
