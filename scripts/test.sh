#!/bin/sh
# test.sh - the whole test suite, as CI runs it (.ci/run and the README call
# it).  The last line is always "N passed, N failed".
#
# Stages, each counted in the last line:
#   check     build into _build/ and run make check (each test result counts)
#   asan      configure _build-asan/ --enable-sanitizers (ASan + UBSan) and
#             run make check there (each test result counts)
#   tsan      tests/t-threads under ThreadSanitizer (fuzz/tsan.sh)
#   valgrind  every C test program of _build/ under valgrind memcheck: no
#             error and no leak (one result per program)
#   fuzz      each libFuzzer harness for FUZZ_SECONDS seconds with ASan +
#             UBSan (one result per harness)
#
#   TEST_STAGES   the stages to run (default: "check asan tsan valgrind fuzz")
#   FUZZ_SECONDS  seconds per fuzz harness (default 30)
#
# What a stage needs (valgrind, clang) is installed with apt-get when it is
# missing and we may; when that is impossible the stage is skipped with a
# note, which is not a failure.
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)
stages=${TEST_STAGES:-check asan tsan valgrind fuzz}
export SHARED="${SHARED:-$top/../shared}"
jobs=$(nproc 2>/dev/null || echo 2)
passed=0
failed=0
skipped=

say() { printf '== %s\n' "$*"; }
pass() { passed=$((passed + ${1:-1})); }
fail() { failed=$((failed + ${1:-1})); }
skip() { say "$1: skipped ($2)"; skipped="$skipped $1"; }
elapsed() { echo $(($(date +%s) - $1)); }

# apt-get install PACKAGE... when root or allowed to sudo without a password
apt_updated=
install_pkgs() {
	command -v apt-get >/dev/null 2>&1 || return 1
	sudo=
	if [ "$(id -u)" -ne 0 ]; then
		sudo -n true 2>/dev/null || return 1
		sudo="sudo -n"
	fi
	say "installing $*"
	if [ -z "$apt_updated" ]; then
		$sudo apt-get update -qq >/dev/null 2>&1
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null 2>&1
}

# Count the results of a make check log: every PASS and FAIL line of the
# TAP driver; ERROR (a test that crashed or lost its plan) is a failure.
count_check() { # LOG STATUS
	p=$(sed -n 's/^# PASS: *//p' "$1" | tail -n 1)
	f=$(sed -n 's/^# FAIL: *//p' "$1" | tail -n 1)
	e=$(sed -n 's/^# ERROR: *//p' "$1" | tail -n 1)
	grep -E '^(FAIL|ERROR|XPASS|SKIP): ' "$1" | head -n 40
	grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$1" || tail -n 20 "$1"
	p=${p:-0}
	f=$((${f:-0} + ${e:-0}))
	# make failed before or outside the tests (a build error): one failure
	[ "$2" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	pass "$p"
	fail "$f"
}

has() { case " $stages " in *" $1 "*) return 0 ;; esac; return 1; }

# ---- check: the plain build --------------------------------------------------
t0=$(date +%s)
if ! sh scripts/build.sh; then
	echo "build failed"
	echo "$passed passed, $((failed + 1)) failed"
	exit 1
fi
if has check; then
	say "check: make check in _build/"
	(cd _build && make -j"$jobs" check >make-check.out 2>&1)
	count_check _build/make-check.out $?
	say "check: $(elapsed "$t0") s"
fi

# ---- asan: everything again with AddressSanitizer and UBSan -------------------
if has asan; then
	t0=$(date +%s)
	mkdir -p _build-asan
	if ! (cd _build-asan && { [ -f Makefile ] || ../configure --quiet --enable-sanitizers; }) \
		>_build-asan/configure.out 2>&1; then
		skip asan "configure --enable-sanitizers failed: $(tail -n 1 _build-asan/configure.out)"
	else
		say "asan: make check in _build-asan/ (ASan + UBSan)"
		(cd _build-asan && make -j"$jobs" check >make-check.out 2>&1)
		count_check _build-asan/make-check.out $?
		say "asan: $(elapsed "$t0") s"
	fi
fi

# ---- tsan: the threads test under ThreadSanitizer -----------------------------
if has tsan; then
	t0=$(date +%s)
	cc=
	for c in clang gcc; do
		printf 'int main(void) { return 0; }\n' >_build/tsan-probe.c
		if command -v "$c" >/dev/null 2>&1 &&
		   "$c" -fsanitize=thread -o _build/tsan-probe _build/tsan-probe.c >/dev/null 2>&1; then
			cc=$c
			break
		fi
	done
	rm -f _build/tsan-probe _build/tsan-probe.c
	if [ -z "$cc" ]; then
		skip tsan "no compiler here builds with -fsanitize=thread"
	else
		say "tsan: tests/t-threads under ThreadSanitizer ($cc)"
		TSAN_CC=$cc sh fuzz/tsan.sh >_build/tsan.out 2>&1
		status=$?
		p=$(grep -c '^ok ' _build/tsan.out)
		f=$(grep -c '^not ok ' _build/tsan.out)
		grep -E '^not ok |WARNING: ThreadSanitizer|SUMMARY' _build/tsan.out | head -n 20
		[ "$status" -ne 0 ] && [ "$f" -eq 0 ] && f=1 && tail -n 30 _build/tsan.out
		pass "$p"
		fail "$f"
		say "tsan: $p passed, $f failed, $(elapsed "$t0") s"
	fi
fi

# ---- valgrind: the C test programs under memcheck -----------------------------
if has valgrind; then
	t0=$(date +%s)
	command -v valgrind >/dev/null 2>&1 || install_pkgs valgrind
	if ! command -v valgrind >/dev/null 2>&1; then
		skip valgrind "valgrind is not installed and could not be"
	else
		say "valgrind: the test programs of _build/ under memcheck"
		p=0
		f=0
		for t in _build/tests/t-*; do
			[ -f "$t" ] && [ -x "$t" ] || continue
			case $t in *.sh | *.log | *.trs | *.o) continue ;; esac
			name=${t#_build/}
			# 99: valgrind found an error or a leak; otherwise the test's own status
			(cd _build && srcdir=$top valgrind -q --error-exitcode=99 --leak-check=full \
				--show-leak-kinds=definite,indirect,possible \
				--errors-for-leak-kinds=definite,indirect,possible \
				"./$name" >"$name.vg.out" 2>"$name.vg.err")
			status=$?
			if [ "$status" -eq 0 ]; then
				p=$((p + 1))
			else
				f=$((f + 1))
				echo "FAIL: valgrind $name (exit $status)"
				grep -E '^==[0-9]+== ' "_build/$name.vg.err" | head -n 20
				grep '^not ok' "_build/$name.vg.out" | head -n 5
			fi
		done
		pass "$p"
		fail "$f"
		say "valgrind: $p passed, $f failed, $(elapsed "$t0") s"
	fi
fi

# ---- fuzz: each harness for a bounded time ------------------------------------
if has fuzz; then
	t0=$(date +%s)
	probe() {
		printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
			>_build/fuzz-probe.c
		clang -fsanitize=fuzzer,address,undefined -o _build/fuzz-probe _build/fuzz-probe.c \
			>/dev/null 2>&1
		s=$?
		rm -f _build/fuzz-probe _build/fuzz-probe.c
		return $s
	}
	command -v clang >/dev/null 2>&1 || install_pkgs clang
	if command -v clang >/dev/null 2>&1 && ! probe; then
		v=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
		install_pkgs "libclang-rt-$v-dev"
	fi
	if ! command -v clang >/dev/null 2>&1 || ! probe; then
		skip fuzz "clang with libFuzzer is not installed and could not be"
	else
		say "fuzz: each harness for ${FUZZ_SECONDS:-30} s (ASan + UBSan)"
		FUZZ_SECONDS=${FUZZ_SECONDS:-30} FUZZ_OUT=$top/_build/fuzz-out FUZZ_INSTALL=no \
			sh fuzz/run.sh >_build/fuzz.out 2>&1
		status=$?
		p=$(grep -Ec '^(classify|compile|parse|log): .* exit 0$' _build/fuzz.out)
		f=$(grep -Ec '^(classify|compile|parse|log): .*FAILED$' _build/fuzz.out)
		grep -E '^(classify|compile|parse|log): ' _build/fuzz.out
		if [ "$f" -gt 0 ] || { [ "$status" -ne 0 ] && [ "$p" -eq 0 ]; }; then
			grep -E '^fuzz: |^  \|' _build/fuzz.out | head -n 60
			[ "$f" -eq 0 ] && f=1
		fi
		pass "$p"
		fail "$f"
		say "fuzz: $p passed, $f failed, $(elapsed "$t0") s"
	fi
fi

[ -n "$skipped" ] && say "skipped:$skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
