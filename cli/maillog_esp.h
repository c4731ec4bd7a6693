/*
 * maillog_esp.h - the bounce and delivery events of email service
 * providers for "rebound log" (maillog_esp.c): Amazon SES notifications
 * (bare or in an SNS envelope), SendGrid's event webhook, Mailgun's
 * events, Postmark's bounce webhooks, SparkPost's (MessageBird's)
 * message events, Mandrill's webhook events, Mailjet's events, Brevo's
 * transactional webhooks, Resend's and Postal's webhooks, one JSON object
 * per line or in JSON arrays, compact or spread over lines.
 */
#ifndef REBOUND_CLI_MAILLOG_ESP_H
#define REBOUND_CLI_MAILLOG_ESP_H

#include <stddef.h>
#include "maillog_reader.h"

/* A value bigger than this is reported and dropped. */
#define ESP_MAX_VALUE (8u << 20)

enum esp_mode { ESP_IDLE, ESP_VALUE, ESP_ARRAY, ESP_ELEM };

/* The value being gathered over lines; all zero between files. */
struct esp_state {
	enum esp_mode mode;
	char *buf, *work; /* the value's text; the texts unescaped from it */
	size_t n, cap, work_cap;
	size_t depth;
	int in_str, esc;
	int multi, array_multi;            /* the value (array) may go on over lines */
	unsigned long start, array_start; /* their first lines */
};

enum { ESP_NOT_MINE, ESP_KNOWN, ESP_TAKEN };

/* Reads line LINENO of PATH; the events it completes are handed to EACH,
 * broken JSON is reported on stderr.  Returns ESP_KNOWN if the line
 * completed an event of a known feed, ESP_TAKEN if it belongs to JSON this
 * reader took all the same (a value still open, broken or of no known
 * feed), ESP_NOT_MINE if another reader should look at it: a line that is
 * no JSON, or a whole one-line value of no feed known here. */
int esp_line(struct esp_state *s, const char *path, unsigned long lineno, const char *line,
             size_t len, mlog_each *each, void *ctx);

/* At the end of a file: a value still open is reported and dropped. */
void esp_end(struct esp_state *s, const char *path);

void esp_free(struct esp_state *s);

#endif
