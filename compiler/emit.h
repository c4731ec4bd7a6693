/* emit.h - write the built tables as C source. */
#ifndef REBOUNDC_EMIT_H
#define REBOUNDC_EMIT_H

#include "build.h"

/* Write generated/ids.h, classes.c, rules.c, match.c and tables.c into
 * DIR, leaving unchanged files untouched.  With DIR NULL, only build the
 * text (useful to time it).  Returns 0 or -1. */
int emit_all(struct ruleset *rs, struct built *b, const char *dir);

#endif
