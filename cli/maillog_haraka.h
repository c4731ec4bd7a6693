/*
 * maillog_haraka.h - Haraka's outbound delivery lines for "rebound log"
 * (maillog_haraka.c).
 */
#ifndef REBOUND_CLI_MAILLOG_HARAKA_H
#define REBOUND_CLI_MAILLOG_HARAKA_H

#include <stddef.h>
#include "maillog_reader.h"

#define HARAKA_RCPTS 32
#define HARAKA_ADDR 256

/* The recipients a protocol-level log showed the current transaction
 * giving in "C: RCPT TO:<...>", for a bounce of the whole message that
 * names none; zeroed before a file. */
struct haraka_state {
	char id[96];
	size_t id_n;
	int n;
	char rcpt[HARAKA_RCPTS][HARAKA_ADDR];
	size_t rcpt_n[HARAKA_RCPTS];
};

/* Reads LINE (LEN bytes): a recipient's rejection or deferral calls EACH
 * and returns 1; so does a bounce of the whole message ("Bouncing mail:
 * ...") for each recipient the protocol lines of its transaction named
 * (none without them); "delivered file=..." and the protocol lines return
 * 1 with no call; others 0. */
int haraka_line(struct haraka_state *st, const char *line, size_t len, mlog_each *each,
                void *ctx);

#endif
