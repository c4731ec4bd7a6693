/* result-equal.h - do two classifications say the same thing?  Shared by
 * the thread test and the classify fuzzer, which both compare a result
 * with one computed again. */
#ifndef REBOUND_TESTS_RESULT_EQUAL_H
#define REBOUND_TESTS_RESULT_EQUAL_H

#include <string.h>
#include "rebound.h"

static int result_equal(const struct rebound_result *a, const struct rebound_result *b)
{
	return a->reply == b->reply && a->status_class == b->status_class &&
	       a->status_subject == b->status_subject && a->status_detail == b->status_detail &&
	       strcmp(a->status, b->status) == 0 && a->type == b->type && a->cls == b->cls &&
	       a->rule == b->rule && a->provider == b->provider &&
	       a->provider_source == b->provider_source && a->retry_after == b->retry_after &&
	       a->flags == b->flags;
}

#endif
