#!/bin/sh
# test.sh - build and run the whole test suite; ends with "N passed, N failed".
cd "$(dirname "$0")/.." || exit 1
if ! sh scripts/build.sh; then
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi
cd _build || exit 1
make -j"$(nproc 2>/dev/null || echo 2)" check >make-check.out 2>&1
status=$?
grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP): ' make-check.out | grep -v '^PASS' || true
grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' make-check.out || tail -20 make-check.out
passed=$(sed -n 's/^# PASS: *//p' make-check.out | tail -1)
failed=$(sed -n 's/^# FAIL: *//p' make-check.out | tail -1)
errors=$(sed -n 's/^# ERROR: *//p' make-check.out | tail -1)
passed=${passed:-0}
failed=$(( ${failed:-0} + ${errors:-0} ))
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
