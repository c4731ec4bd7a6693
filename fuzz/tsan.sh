#!/bin/sh
# fuzz/tsan.sh - run tests/t-threads under ThreadSanitizer.
#
#   sh fuzz/tsan.sh            (SHARED=../shared for the full text list)
#
# t-threads compares every answer of 8 concurrent threads with a
# single-threaded pass, which catches wrong answers; TSan also catches
# races that happen to give right answers today.  The runtime and the
# test are compiled straight from the sources with clang (or $TSAN_CC)
# and -fsanitize=thread; a report makes the run fail (halt_on_error).
# Exit status: that of t-threads, 2 if it could not be built.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cc=${TSAN_CC:-clang}
out=$(mktemp -d) && trap 'rm -rf "$out"' EXIT

# shellcheck disable=SC2086
(cd "$top" && "$cc" -std=c11 -g -O1 -fsanitize=thread -Wall -Wextra -Werror \
	-D_POSIX_C_SOURCE=200809L -pthread -Iruntime -Igenerated -Itests \
	-o "$out/t-threads" tests/t-threads.c \
	runtime/*.c \
	generated/classes.c generated/rules.c generated/match.c generated/tables.c) || exit 2

SHARED=${SHARED:-$top/../shared} TSAN_OPTIONS="halt_on_error=1 ${TSAN_OPTIONS:-}" "$out/t-threads"
