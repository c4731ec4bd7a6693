/*
 * maillog_haraka.h - Haraka's outbound delivery lines for "rebound log"
 * (maillog_haraka.c).
 */
#ifndef REBOUND_CLI_MAILLOG_HARAKA_H
#define REBOUND_CLI_MAILLOG_HARAKA_H

#include <stddef.h>
#include "maillog_reader.h"

/* Reads LINE (LEN bytes): a recipient's rejection or deferral calls EACH
 * and returns 1; the outbound lines that name no recipient ("delivered
 * file=...", "bouncing mail: ...") return 1 with no call; others 0. */
int haraka_line(const char *line, size_t len, mlog_each *each, void *ctx);

#endif
