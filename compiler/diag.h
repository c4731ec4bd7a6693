/* diag.h - GNU-style diagnostics: "file:line:col: error: message". */
#ifndef REBOUNDC_DIAG_H
#define REBOUNDC_DIAG_H

#include "ast.h"

enum warning {
	W_SHADOW,       /* a rule that can never decide anything */
	W_UNUSED_CLASS, /* a class no rule uses */
	W_COUNT
};

extern int diag_errors;
extern int diag_warnings;

void diag_error(struct loc at, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void diag_warning(enum warning w, struct loc at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_note(struct loc at, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* An error with no location: "reboundc: error: ..." */
void diag_plain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Handle -Wname, -Wno-name, -Werror, -Werror=name.  Returns 0 if the
 * option is unknown. */
int diag_option(const char *opt);

/* The candidate closest to S by edit distance, or NULL if none is close. */
const char *did_you_mean(const char *s, const char *const *cands, int n);

#endif
