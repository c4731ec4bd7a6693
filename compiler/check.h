/* check.h - semantic checks and precedence of a parsed rule base. */
#ifndef REBOUNDC_CHECK_H
#define REBOUNDC_CHECK_H

#include "ast.h"

/* Resolve names, validate values, rank rules and retypes, report
 * conflicts and shadowed rules.  Returns the number of errors found. */
int check_ruleset(struct ruleset *rs);

/* The words of the vocabularies a class may map to. */
extern const char *const sisimai_reasons[];
extern const int n_sisimai_reasons;
extern const char *const powermta_categories[];
extern const int n_powermta_categories;

/* 1 if two patterns are written identically. */
int same_pattern(const struct pat *a, const struct pat *b);

#endif
