/* dump.h - views of a compiled rule base for people and other tools. */
#ifndef REBOUNDC_DUMP_H
#define REBOUNDC_DUMP_H

#include <stdio.h>
#include "build.h"

/* The rule table, strongest first, one rule per line. */
void dump_rules(FILE *f, const struct ruleset *rs, const struct built *b);

/* Every text pattern as a case-insensitive PCRE/RE2-style regex, one per
 * line, in atom order (for benchmarks against regex engines). */
void export_regexes(FILE *f, const struct built *b);

/* The class table as Markdown.  Returns 0 or -1. */
int write_class_doc(const char *path, const struct ruleset *rs, const struct built *b);

#endif
