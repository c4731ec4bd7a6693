#!/bin/sh
# fuzz/run.sh - build rebound's libFuzzer harnesses with clang, straight
# from the sources (no libtool), and run each for a bounded time.
#
#   sh fuzz/run.sh [classify] [compile] [parse] [log]     (default: all four)
#
# Environment:
#   FUZZ_SECONDS  seconds per harness (default 60)
#   FUZZ_OUT      binaries, grown corpora, logs and crash inputs
#                 (default ./fuzz-out)
#   FUZZ_CC       the clang to use (default clang)
#   FUZZ_FLAGS    more libFuzzer flags, e.g. "-jobs=2 -workers=2"
#   FUZZ_CFLAGS   more compiler flags, e.g. -fno-sanitize=nonnull-attribute
#                 to look past a known report
#   FUZZ_INSTALL  "no" to never apt-get install clang when it is missing
#
# The compile harness needs bison and re2c (or a tarball's
# grammar/parse.c) and is skipped with a note otherwise.  Seeds are
# rebuilt on every run by fuzz/seeds.sh into $FUZZ_OUT/seeds/NAME (from
# rules.d/, tests/, fuzz/seeds/ and $SHARED, default ../shared); what
# the fuzzer adds goes to $FUZZ_OUT/corpus-NAME and is kept between runs.
#
# Exit status: 0 no crash, 1 a harness crashed (or hung, or ran out of
# memory), 2 nothing could be built.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-60}
out=${FUZZ_OUT:-$PWD/fuzz-out}
cc=${FUZZ_CC:-clang}
extra=${FUZZ_FLAGS:-}
names=${*:-classify compile parse log}

mkdir -p "$out" || exit 2
out=$(cd "$out" && pwd)

say() { printf 'fuzz: %s\n' "$*"; }

# ---- a clang that can build fuzzers --------------------------------------

probe() {
	printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
		>"$out/probe.c"
	"$cc" -fsanitize=fuzzer,address,undefined -o "$out/probe" "$out/probe.c" >/dev/null 2>&1
}

if ! probe; then
	if [ "${FUZZ_INSTALL:-yes}" != no ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
		say "installing clang and its fuzzer runtime with apt-get"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang >/dev/null 2>&1 ||
			{ apt-get update -qq >/dev/null 2>&1
			  DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang >/dev/null 2>&1; }
		cc=${FUZZ_CC:-clang}
		if ! probe; then
			v=$("$cc" -dumpversion 2>/dev/null | cut -d. -f1)
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q "libclang-rt-$v-dev" >/dev/null 2>&1
		fi
	fi
	probe || { say "'$cc' cannot build libFuzzer targets (need clang and libclang-rt-*-dev)"; exit 2; }
fi

# Harness files must be warning-free; the project's own sources get the
# warnings without -Werror, so a new clang warning there does not stop
# fuzzing (the regular build is where those are enforced).
SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
CFLAGS="-std=c11 -g -O1 $SAN -Wall -Wextra ${FUZZ_CFLAGS:-}"
HARNESS_CFLAGS="$CFLAGS -Werror"

# Core runtime only: the harnesses for classify and compile must not pick
# up the message parser while it is being written.
CORE="runtime/api.c runtime/classify.c runtime/codes.c runtime/names.c
      generated/classes.c generated/rules.c generated/match.c generated/tables.c"

build_classify() {
	(cd "$top" && "$cc" $HARNESS_CFLAGS -Iruntime -c -o "$out/fuzz_classify.o" fuzz/fuzz_classify.c &&
	 "$cc" $CFLAGS -Iruntime -Igenerated -o "$out/fuzz_classify" "$out/fuzz_classify.o" $CORE)
}

build_compile() {
	g="$out/grammar"
	mkdir -p "$g"
	if command -v bison >/dev/null 2>&1 && command -v re2c >/dev/null 2>&1; then
		bison -Wall --no-lines -d -o "$g/parse.c" "$top/grammar/parse.y" &&
		re2c -W --no-generation-date --no-version --no-debug-info -o "$g/lex.c" "$top/grammar/lex.re" ||
			return 1
	elif [ -f "$top/grammar/parse.c" ] && [ -f "$top/grammar/lex.c" ]; then
		cp "$top/grammar/parse.c" "$top/grammar/parse.h" "$top/grammar/lex.c" "$g/"
	else
		say "compile: skipped (needs bison and re2c, or grammar/parse.c from a tarball)"
		return 3
	fi
	# every compiler file gets the allocation tracker (see compile_alloc.h)
	inc="-include $top/fuzz/compile_alloc.h -I$top/compiler -I$g -I$top/grammar -I$top/runtime -D_POSIX_C_SOURCE=200809L"
	objs=
	for f in compiler/util.c compiler/diag.c compiler/pattern.c compiler/dfa.c compiler/check.c \
	         compiler/build.c compiler/examples.c compiler/emit.c compiler/dump.c \
	         runtime/classify.c runtime/codes.c runtime/names.c "$g/parse.c" "$g/lex.c"; do
		case $f in /*) src=$f ;; *) src=$top/$f ;; esac
		o="$out/compile-$(basename "$f" .c).o"
		"$cc" $CFLAGS $inc -c -o "$o" "$src" || return 1
		objs="$objs $o"
	done
	"$cc" $HARNESS_CFLAGS $inc -c -o "$out/fuzz_compile.o" "$top/fuzz/fuzz_compile.c" &&
	"$cc" $CFLAGS -o "$out/fuzz_compile" "$out/fuzz_compile.o" $objs
}

build_parse() {
	(cd "$top" && "$cc" $HARNESS_CFLAGS -Iruntime -c -o "$out/fuzz_parse.o" fuzz/fuzz_parse.c &&
	 "$cc" $CFLAGS -Iruntime -Igenerated -o "$out/fuzz_parse" "$out/fuzz_parse.o" runtime/*.c \
		generated/classes.c generated/rules.c generated/match.c generated/tables.c)
}

# "rebound log": the reader is included whole (fuzz_log.c), with the CLI's
# line reader, output and summary, over the whole runtime.
build_log() {
	(cd "$top" && "$cc" $HARNESS_CFLAGS -D_POSIX_C_SOURCE=200809L -Iruntime -Icli \
		-c -o "$out/fuzz_log.o" fuzz/fuzz_log.c &&
	 "$cc" $CFLAGS -D_POSIX_C_SOURCE=200809L -Iruntime -Igenerated -Icli -o "$out/fuzz_log" \
		"$out/fuzz_log.o" cli/lines.c cli/output.c cli/summary.c cli/dates.c runtime/*.c \
		generated/classes.c generated/rules.c generated/match.c generated/tables.c)
}

# libFuzzer's dictionary takes bytes of 128 and up only as \xNN
dict_bytes() {
	LC_ALL=C awk 'BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i }
	{ o = ""; for (i = 1; i <= length($0); i++) { c = substr($0, i, 1)
	  o = o (ord[c] >= 128 ? sprintf("\\x%02X", ord[c]) : c) } print o }'
}

# The phrases of the rule base make a good dictionary for the classifier:
# the DFA is a table walk, which coverage feedback cannot see into.
make_classify_dict() {
	sed -n 's/^[[:space:]]*\(text\|unless\|marker\)[[:space:]]//p' "$top"/rules.d/*.rules |
		grep -o '"[^"\\]*"' | sort -u | grep -v '^""$' | dict_bytes >"$out/classify.dict"
	printf '"%s"\n' 550 421 452 554 5.1.1 4.2.2 5.7.1 "smtp;" "said:" "#550" "(#5.1.1)" \
		"Diagnostic-Code:" "Status:" "X-Postfix;" "gsmtp" >>"$out/classify.dict"
}

# The parser and the log reader look for words and field names (string
# literals in their sources); a dictionary of those lets the fuzzer put
# them together far sooner than byte mutation would.  Escapes other than
# \t, \n and \r are dropped (libFuzzer reads only \\, \" and \xNN).
make_source_dict() { # NAME FILE...
	d="$out/$1.dict"
	shift
	(cd "$top" && grep -ho '"[^"\\]*\(\\.[^"\\]*\)*"' "$@") | grep -v '%' |
		grep -v '\.h"$' | grep -v '^"-' | awk 'length($0) >= 4 && length($0) <= 40' |
		sed 's/^"\^/"/; s/\\t/\\x09/g; s/\\n/\\x0A/g; s/\\r/\\x0D/g' |
		grep -v '\\[^x"\\]' | LC_ALL=C sort -u | dict_bytes >"$d"
}

# ---- run ----------------------------------------------------------------

crashed=0
built=0
summary=
sh "$top/fuzz/seeds.sh" "$out/seeds" >"$out/seeds.log" 2>&1 ||
	{ say "seeds.sh failed:"; sed 's/^/  | /' "$out/seeds.log"; exit 2; }

run_one() {
	name=$1
	shift
	bin="$out/fuzz_$name"
	mkdir -p "$out/corpus-$name" "$out/crashes"
	rm -f "$out/crashes/$name-"*
	say "$name: running for $seconds s"
	"$bin" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=4096 \
		-artifact_prefix="$out/crashes/$name-" "$@" $extra \
		"$out/corpus-$name" "$out/seeds/$name" >"$out/$name.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$name.log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$out/$name.log" | tail -n 1)
	line="$name: ${execs:-?} executions in $seconds s, $cov, exit $rc"
	# slow units are worth a look but are not failures
	found=$(ls "$out/crashes/" 2>/dev/null | grep "^$name-" | grep -v 'slow-unit' || true)
	if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
		crashed=1
		line="$line: FAILED"
		say "$name: failure; the report:"
		grep -E -A40 '^==[0-9]+==ERROR|runtime error:|check failed|^ALARM|out-of-memory|deadly signal' \
			"$out/$name.log" | head -n 60 | sed 's/^/  | /'
		for f in $found; do
			say "$name: reproducer $out/crashes/$f ($(wc -c <"$out/crashes/$f") bytes), first 256 bytes in hex:"
			od -An -tx1 -v "$out/crashes/$f" | head -n 16 | sed 's/^/  |/'
			say "$name: rerun with: $bin $out/crashes/$f"
		done
	fi
	say "$line"
	summary="$summary$line
"
}

for name in $names; do
	case $name in
	classify|compile|parse|log) ;;
	*) say "unknown harness '$name' (classify, compile, parse or log)"; exit 2 ;;
	esac
	say "$name: building"
	"build_$name" >"$out/build-$name.log" 2>&1
	rc=$?
	if [ "$rc" -eq 3 ]; then
		cat "$out/build-$name.log"
		continue
	elif [ "$rc" -ne 0 ]; then
		say "$name: build failed:"
		sed 's/^/  | /' "$out/build-$name.log"
		crashed=1
		continue
	fi
	built=$((built + 1))
	case $name in
	classify)
		make_classify_dict
		run_one classify -max_len=4096 -timeout=10 -dict="$out/classify.dict" ;;
	compile)
		# diagnostics are the compiler's normal output; drop them (fd 2)
		# but keep libFuzzer's and the sanitizers' reports
		run_one compile -max_len=32768 -timeout=60 -close_fd_mask=3 \
			-dict="$top/fuzz/compile.dict" ;;
	parse)
		make_source_dict parse runtime/message.c runtime/mime.c runtime/dsn.c runtime/ndr.c \
			runtime/ndr_formats.c runtime/notice_json.c runtime/autoreply.c runtime/scan.c \
			runtime/charset.c
		printf '"%s"\n' "multipart/report; boundary=" "message/delivery-status" "\x0A--" "--\x0A" \
			"Final-Recipient: rfc822; " "Diagnostic-Code: smtp; " "Status: 5.1.1" "?=" \
			"=?utf-8?B?" "=?iso-2022-jp?Q?" "\x1B\$B" "\x1B(B" >>"$out/parse.dict"
		run_one parse -max_len=131072 -timeout=30 -dict="$out/parse.dict" ;;
	log)
		make_source_dict log cli/maillog.c cli/maillog_esp.c cli/maillog_exchange.c \
			cli/maillog_haraka.c cli/maillog_smtpd.c cli/logjson.c
		printf '"%s"\n' "postfix/smtp[1]: " "status=bounced" "status=deferred" "said: 550 5.1.1" \
			"qmail: " "starting delivery 1: msg 2 to remote " "delivery 1: failure: " \
			"sendmail[1]: " "dsn=5.1.1" "exim[1]: " " ** " " == " >>"$out/log.dict"
		run_one log -max_len=16384 -timeout=30 -dict="$out/log.dict" ;;
	esac
done

printf '%s' "$summary"
[ "$built" -gt 0 ] || exit 2
exit "$crashed"
