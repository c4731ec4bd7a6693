/* examples.h - check the examples written in the rules. */
#ifndef REBOUNDC_EXAMPLES_H
#define REBOUNDC_EXAMPLES_H

#include "build.h"

/* Classify every example with the built tables; report each that comes
 * out other than written, and each rule no example proves.  Returns the
 * number of errors. */
int check_examples(struct ruleset *rs, struct built *b);

#endif
