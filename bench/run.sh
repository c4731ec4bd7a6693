#!/bin/sh
# run.sh - rebound's benchmark suite.  See bench/README.md for the method
# and what every figure means.
#
#   sh bench/run.sh                  from the repository root, after building
#   BUILD=_build ROUNDS=7 sh bench/run.sh
#
# Environment:
#   BUILD       build tree with rebound, reboundc, .libs/libreboundcore.a
#               (default: _build if it has them, else /tmp/build)
#   BENCH_OUT   scratch and results folder (default /tmp/rebound-bench)
#   RULES       the rules folder whose patterns the contenders get and that
#               the scaling runs extend (default: rules.d of this checkout;
#               it should be the one the build's generated/ came from)
#   ROUNDS      interleaved rounds of the throughput runs (default 5)
#   SKIP        sections to leave out, any of: throughput contenders callgrind startup
#               rss sizes messages scaling adversarial profile; or
#               callgrind-ID for one program's callgrind runs (e.g.
#               callgrind-hsblock, which takes minutes: its start-up
#               compiles the patterns, some 5e9 instructions)
#   SCALES      synthetic rule-base factors (default "2 3 4 10 100")
#   SCALE_MAX_STATES  reboundc --max-states for the synthetic bases
#               (default 1000000; the real base keeps the default limit)
#   MSG_REPEAT  how many times the email list is fed to each parser (default 4)
#   PARSE_CMD   how to run rebound's message parser on files
#               (default "$REBOUND parse"; the files are appended)
#   NO_INSTALL  set to 1 to never call apt-get
#   COMPARE     another build tree (e.g. of the commit before a change): its
#               `rebound classify` runs as one more contender, "(compare)",
#               in the same interleaved rounds, for before/after figures
#   CC, CXX, BENCH_CFLAGS (default "-O2 -g", as the project's build)
#
# Everything runs as whole processes, one after another (the machine has
# two cores and is shared, so nothing runs in parallel), and the timing
# runs are interleaved: round 1 runs every program once, then round 2, and
# so on, so that a slow spell of the machine hits all of them alike.  The
# report gives medians and ratios; absolute times are only context.
set -u
LC_ALL=C
export LC_ALL

here=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$here")
OUT=${BENCH_OUT:-/tmp/rebound-bench}
ROUNDS=${ROUNDS:-5}
SKIP=" ${SKIP:-} "
SCALES=${SCALES:-"2 3 4 10 100"}
SCALE_MAX_STATES=${SCALE_MAX_STATES:-1000000}
MSG_REPEAT=${MSG_REPEAT:-4}
CC=${CC:-cc}
CXX=${CXX:-c++}
CFLAGS_B=${BENCH_CFLAGS:--O2 -g}
SHARED=${SHARED:-$ROOT/../shared}
RULES=${RULES:-$ROOT/rules.d}
case $RULES in /*) ;; *) RULES=$(pwd)/$RULES ;; esac

say() { printf '%s\n' "$*" >&2; }
die() { say "bench: $*"; exit 1; }
skipped() { case $SKIP in *" $1 "*) return 0 ;; esac; return 1; }

if [ -z "${BUILD:-}" ]; then
	if [ -x "$ROOT/_build/rebound" ]; then BUILD=$ROOT/_build; else BUILD=/tmp/build; fi
fi
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
for f in rebound reboundc .libs/libreboundcore.a; do
	[ -e "$BUILD/$f" ] || die "$BUILD/$f is missing: build first (make -C $BUILD), or set BUILD=dir"
done

BIN=$OUT/bin
RES=$OUT/results
rm -rf "$RES"
mkdir -p "$BIN" "$RES" || die "cannot create $OUT"
REPORT=$OUT/report.txt
: > "$REPORT"
# report lines go to the report file and to standard output
rep() { printf '%s\n' "$*" | tee -a "$REPORT"; }
repf() { fmt=$1; shift; printf "$fmt" "$@" | tee -a "$REPORT"; }

# ---- packages -------------------------------------------------------------

APT_UPDATED=0
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
# ensure_pkg PKG: 0 if installed (installing it if we may), 1 if not
ensure_pkg() {
	have_pkg "$1" && return 0
	command -v apt-get >/dev/null 2>&1 || return 1
	[ "${NO_INSTALL:-0}" = 1 ] && return 1
	[ "$(id -u)" = 0 ] || { say "bench: $1 is not installed and we are not root"; return 1; }
	if [ $APT_UPDATED = 0 ] && ! apt-cache show "$1" >/dev/null 2>&1; then
		apt-get update -qq >/dev/null 2>&1
		APT_UPDATED=1
	fi
	if ! apt-cache show "$1" >/dev/null 2>&1; then
		say "bench: package $1 does not exist in this system's archive"
		return 1
	fi
	say "bench: installing $1"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1 || return 1
	have_pkg "$1"
}

ensure_pkg time || true
ensure_pkg valgrind || true
ensure_pkg pkg-config || true
[ -x /usr/bin/time ] && GNU_TIME=/usr/bin/time || GNU_TIME=

# ---- snapshot of the build --------------------------------------------------
# The build tree may be rebuilt while we run; copy what we measure.

cp "$BUILD/rebound" "$BIN/rebound" && cp "$BUILD/reboundc" "$BIN/reboundc" &&
	cp "$BUILD/.libs/libreboundcore.a" "$BIN/libreboundcore.a" || die "cannot copy the build"
REBOUND=$BIN/rebound
REBOUNDC=$BIN/reboundc
if [ -n "${COMPARE:-}" ]; then
	cp "$COMPARE/rebound" "$BIN/rebound-compare" || die "cannot copy $COMPARE/rebound"
fi

stale=$(find "$ROOT/runtime" "$ROOT/cli" "$ROOT/generated" -name '*.[ch]' -newer "$BUILD/rebound" 2>/dev/null | head -3)
[ -n "$stale" ] && say "bench: warning: sources are newer than $BUILD/rebound (e.g. $(echo $stale)); rebuild for current figures"

# ---- corpus -----------------------------------------------------------------

sh "$here/make-corpus.sh" "$OUT" > "$RES/corpus.txt" || die "cannot build the corpus"
C1M=$OUT/corpus-1m.txt
C100K=$OUT/corpus-100k.txt
C10K=$OUT/corpus-10k.txt
C1K=$OUT/corpus-1k.txt
C10=$OUT/corpus-10.txt
nlines() { wc -l < "$1" | tr -d ' '; }

# ---- patterns -------------------------------------------------------------
# The contenders get exactly the patterns the rule base has.  rebound itself
# was built from generated/; if that no longer matches rules.d, say so.

PATS=$OUT/patterns.txt
(cd "$RULES/.." && "$REBOUNDC" --export-patterns "$(basename "$RULES")") > "$PATS" 2> "$RES/export.err" ||
	die "reboundc --export-patterns failed: $(cat "$RES/export.err")"
NPATS=$(grep -c . "$PATS")
rm -rf "$OUT/gen-check"
if (cd "$RULES/.." && "$REBOUNDC" -o "$OUT/gen-check" "$(basename "$RULES")") > /dev/null 2>&1; then
	for f in "$OUT"/gen-check/*; do
		if ! cmp -s "$f" "$ROOT/generated/$(basename "$f")"; then
			say "bench: warning: generated/ does not match rules.d (make regen); rebound measures generated/, the contenders rules.d"
			break
		fi
	done
fi

# ---- build the benchmark programs ------------------------------------------

WFLAGS="-Wall -Wextra -Wshadow"
# Every program reads its input with rebound's own line reader (cli/lines.c).
$CC -std=c11 $CFLAGS_B $WFLAGS -c -o "$BIN/lines.o" "$ROOT/cli/lines.c" || die "cannot build cli/lines.c"
cc_b() { out=$1; shift; $CC -std=c11 $CFLAGS_B $WFLAGS -I"$ROOT/cli" -o "$BIN/$out" "$@" "$BIN/lines.o"; }
cc_b timeit "$here/timeit.c" || die "cannot build timeit"
cc_b floor-lines "$here/floor-lines.c" || die "cannot build floor-lines"
cc_b floor-dfa "$here/floor-dfa.c" || die "cannot build floor-dfa"
cc_b classify-api -I"$ROOT/runtime" "$here/classify-api.c" "$BIN/libreboundcore.a" ||
	die "cannot build classify-api"
cc_b synth-rules "$here/synth-rules.c" || die "cannot build synth-rules"
cc_b parse-api -I"$ROOT/runtime" "$here/parse-api.c" "$BIN/libreboundcore.a" ||
	die "cannot build parse-api"
TIMEIT=$BIN/timeit

pc() { pkg-config "$@" 2>/dev/null; }
HAVE_RE2=0 HAVE_HS=0 HAVE_PCRE2=0
NOTES=$RES/notes.txt
: > "$NOTES"
if ! skipped contenders; then
	if ensure_pkg libre2-dev && command -v "$CXX" >/dev/null 2>&1; then
		# shellcheck disable=SC2046 # the flags are separate words
		$CXX -std=c++17 $CFLAGS_B $WFLAGS -I"$ROOT/cli" -o "$BIN/re2set" "$here/re2set.cc" \
			"$BIN/lines.o" $(pc --cflags --libs re2 || echo -lre2) && HAVE_RE2=1
	fi
	[ $HAVE_RE2 = 1 ] || echo "RE2::Set: skipped (libre2-dev or a C++ compiler is missing)" >> "$NOTES"
	hs_pkg=
	for p in libhyperscan-dev libvectorscan-dev; do
		if ensure_pkg $p; then hs_pkg=$p; break; fi
	done
	if [ -n "$hs_pkg" ]; then
		# shellcheck disable=SC2046 # the flags are separate words
		cc_b hsblock "$here/hsblock.c" $(pc --cflags --libs libhs || echo -lhs) && HAVE_HS=1
		HS_NAME=Hyperscan
		[ $hs_pkg = libvectorscan-dev ] && HS_NAME=Vectorscan
	fi
	[ $HAVE_HS = 1 ] || echo "Hyperscan/Vectorscan: skipped (neither libhyperscan-dev nor libvectorscan-dev could be installed)" >> "$NOTES"
	if ensure_pkg libpcre2-dev; then
		# shellcheck disable=SC2046 # the flags are separate words
		cc_b pcre2loop "$here/pcre2loop.c" $(pc --cflags --libs libpcre2-8 || echo -lpcre2-8) && HAVE_PCRE2=1
	fi
	[ $HAVE_PCRE2 = 1 ] || echo "PCRE2: skipped (libpcre2-dev could not be installed)" >> "$NOTES"
fi

# ---- the programs ------------------------------------------------------------
# One line each: id, corpus, label, command.  PCRE2 tries every pattern on
# every line, some hundred times the work per line of the others, so it
# reads the 10k cut; lines/s stays comparable.

PROGS=$RES/programs.txt
: > "$PROGS"
prog() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$PROGS"; }
prog floor-lines "$C1M" "floor: find lines" "$BIN/floor-lines"
prog floor-dfa "$C1M" "floor: + 1 table step/byte" "$BIN/floor-dfa"
prog api "$C1M" "rebound_classify() loop" "$BIN/classify-api"
prog cli-tsv "$C1M" "rebound classify -f tsv" "$REBOUND classify --format tsv"
prog cli-text "$C1M" "rebound classify (text)" "$REBOUND classify"
[ -n "${COMPARE:-}" ] && prog cli-compare "$C1M" "rebound classify (compare)" "$BIN/rebound-compare classify"
[ $HAVE_RE2 = 1 ] && prog re2set "$C1M" "RE2::Set" "$BIN/re2set $PATS"
[ $HAVE_HS = 1 ] && prog hsblock "$C1M" "$HS_NAME block mode" "$BIN/hsblock $PATS"
[ $HAVE_PCRE2 = 1 ] && prog pcre2-all "$C10K" "PCRE2 JIT, every pattern" "$BIN/pcre2loop $PATS"
[ $HAVE_PCRE2 = 1 ] && prog pcre2-first "$C10K" "PCRE2 JIT, stop at 1st hit" "$BIN/pcre2loop -f $PATS"

# field N of the line for program ID
pfield() { awk -F '\t' -v id="$1" -v n="$2" '$1 == id { print $n }' "$PROGS"; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (!NR) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ---- cross-check: do the engines find the same patterns? --------------------

XCHECK="not run"
if [ $HAVE_RE2 = 1 ] || [ $HAVE_HS = 1 ] || [ $HAVE_PCRE2 = 1 ]; then
	xc=
	[ $HAVE_RE2 = 1 ] && "$BIN/re2set" -a "$PATS" < "$C10K" > "$RES/x-re2.txt" 2>/dev/null && xc="$xc re2"
	[ $HAVE_HS = 1 ] && "$BIN/hsblock" -a "$PATS" < "$C10K" > "$RES/x-hs.txt" 2>/dev/null && xc="$xc hs"
	[ $HAVE_PCRE2 = 1 ] && "$BIN/pcre2loop" -a "$PATS" < "$C10K" > "$RES/x-pcre2.txt" 2>/dev/null && xc="$xc pcre2"
	set -- $xc
	if [ $# -ge 2 ]; then
		XCHECK="identical match sets on all 10,000 lines ($*)"
		first=$1
		shift
		for e in "$@"; do
			d=$(paste -d '|' "$RES/x-$first.txt" "$RES/x-$e.txt" | awk -F '|' '$1 != $2' | wc -l | tr -d ' ')
			[ "$d" != 0 ] && XCHECK="$first and $e differ on $d of 10,000 lines"
		done
	fi
fi

# ---- throughput: interleaved rounds ------------------------------------------

R_THRU=$ROUNDS
skipped throughput && R_THRU=0
say "bench: $R_THRU interleaved rounds of $(wc -l < "$PROGS" | tr -d ' ') programs"
r=1
while [ $r -le "$R_THRU" ]; do
	while IFS='	' read -r id corpus label cmd; do
		[ -e "$RES/$id.failed" ] && continue
		# shellcheck disable=SC2086
		if ! "$TIMEIT" -i "$corpus" -e "$RES/$id.stderr" -- $cmd >> "$RES/$id.runs" 2>> "$RES/$id.timeit"; then
			touch "$RES/$id.failed"
			say "bench: $label failed: $(tail -n 2 "$RES/$id.stderr" "$RES/$id.timeit" 2>/dev/null | tr '\n' ' ')"
		fi
	done < "$PROGS"
	say "bench: round $r done"
	r=$((r + 1))
done

# median wall seconds and lines/s of a program
med_s() { [ -s "$RES/$1.runs" ] && [ ! -e "$RES/$1.failed" ] && awk '{ print $1 }' "$RES/$1.runs" | median; }
lps() {
	s=$(med_s "$1") || return 1
	[ -n "$s" ] || return 1
	awk -v n="$(nlines "$(pfield "$1" 2)")" -v s="$s" 'BEGIN { printf "%.0f", n / s }'
}
# median CPU seconds (user + system): less disturbed by other load than wall time
med_cpu() { [ -s "$RES/$1.runs" ] && awk '{ print $2 + $3 }' "$RES/$1.runs" | median; }
spread() { awk '{ print $1 }' "$RES/$1.runs" | sort -n | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.0f%%", (m > 0 ? 100 * (v[NR] - v[1]) / m : 0) }'; }
mfmt() { awk -v v="$1" 'BEGIN { if (v >= 1e6) printf "%.2f M", v / 1e6; else if (v >= 1e3) printf "%.1f k", v / 1e3; else printf "%.0f", v }'; }

# start-up: the whole process on the 10-line file, median of 11 runs,
# interleaved like the rounds above
if ! skipped startup; then
	i=1
	while [ $i -le 11 ]; do
		while IFS='	' read -r id corpus label cmd; do
			[ -e "$RES/$id.nostartup" ] && continue
			# shellcheck disable=SC2086
			"$TIMEIT" -i "$C10" -- $cmd >> "$RES/$id.startup" 2>/dev/null ||
				touch "$RES/$id.nostartup"
		done < "$PROGS"
		i=$((i + 1))
	done
	for f in "$RES"/*.nostartup; do
		[ -e "$f" ] && rm -f "$f" "${f%.nostartup}.startup"
	done
fi
startup_s() { [ -s "$RES/$1.startup" ] && awk '{ print $1 }' "$RES/$1.startup" | median; }
# lines/s once started: (median - start-up) over the lines
lps_run() {
	s=$(med_s "$1") && [ -n "$s" ] || return 1
	u=$(startup_s "$1") && [ -n "$u" ] || return 1
	awk -v n="$(nlines "$(pfield "$1" 2)")" -v s="$s" -v u="$u" 'BEGIN { if (s > u) printf "%.0f", n / (s - u); else exit 1 }'
}

FLOOR_LPS=$(lps floor-dfa)

rep "rebound benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  $(uname -m), $(nproc 2>/dev/null || echo '?') cores"
rep "build: $BUILD   rebound: $("$REBOUND" --version 2>/dev/null)"
rep "patterns: $NPATS exported from rules.d   rounds: $ROUNDS (interleaved; medians)"
rep ""
rep "== Corpus"
sed 's/^/  /' "$RES/corpus.txt" | tee -a "$REPORT"
rep ""
rep "== Throughput (whole processes; stdout to /dev/null)"
repf '  %-30s %-5s %9s %6s %7s %11s %13s %11s\n' program input "median s" spread "cpu s" lines/s "time vs floor" "once up"
while IFS='	' read -r id corpus label cmd; do
	cut=$(basename "$corpus" .txt | sed 's/corpus-//')
	if v=$(lps "$id"); then
		ratio=$(awk -v f="$FLOOR_LPS" -v v="$v" 'BEGIN { printf "%.2fx", f / v }')
		up=$(lps_run "$id") && up=$(mfmt "$up") || up=-
		repf '  %-30s %-5s %9.3f %6s %7.3f %11s %13s %11s\n' "$label" "$cut" "$(med_s "$id")" "$(spread "$id")" "$(med_cpu "$id")" "$(mfmt "$v")" "$ratio" "$up"
	else
		repf '  %-30s %-5s %9s\n' "$label" "$cut" "failed"
	fi
done < "$PROGS"
rep "  (spread: (slowest - fastest) / median over the rounds.  cpu s: median user + system"
rep "   time, less disturbed by other load on a shared machine.  time vs floor: time per line"
rep "   over that of the table-step floor, whole processes; 1.00x = as fast as reading the"
rep "   lines and taking one table step per byte.  once up: lines/s after subtracting the"
rep "   median start-up on the 10-line file, i.e. without compiling the patterns)"
if v_re2=$(lps re2set); then
	c_re2=$(med_cpu re2set)
	n_re2=$(nlines "$(pfield re2set 2)")
	for id in cli-tsv cli-text cli-compare api; do
		v=$(lps "$id") || continue
		repf '  %-30s RE2::Set time per line / its own: wall %.2f, cpu %.2f\n' "$(pfield "$id" 3)" \
			"$(awk -v a="$v" -v b="$v_re2" 'BEGIN { print a / b }')" \
			"$(awk -v a="$c_re2" -v na="$n_re2" -v b="$(med_cpu "$id")" -v nb="$(nlines "$(pfield "$id" 2)")" \
				'BEGIN { print (a / na) / (b / nb) }')"
	done
	rep "  (above 1: faster than RE2::Set on the same patterns; below 1: slower)"
fi
rep "  cross-check of the pattern engines on corpus-10k: $XCHECK"
[ -s "$NOTES" ] && sed 's/^/  /' "$NOTES" | tee -a "$REPORT"
for id in re2set hsblock pcre2-all api; do
	[ -s "$RES/$id.stderr" ] && rep "  $(tail -n 1 "$RES/$id.stderr")"
done

# ---- instructions per line (callgrind) -----------------------------------------

cg_total() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }
# callgrind ID CUT-FILE OUTFILE: run program ID under callgrind on CUT
cg_run() {
	cmd=$(pfield "$1" 4)
	# shellcheck disable=SC2086
	valgrind --tool=callgrind --callgrind-out-file="$3" $cmd < "$2" > /dev/null 2> "$3.log"
}
if ! skipped callgrind && command -v valgrind >/dev/null 2>&1; then
	rep ""
	rep "== Instructions per line (callgrind; (I_big - I_10) / (lines_big - 10), start-up cancels)"
	repf '  %-30s %-5s %14s\n' program cut "instr/line"
	while IFS='	' read -r id corpus label cmd; do
		case $id in pcre2*) big=$C1K ;; *) big=$C100K ;; esac
		case $SKIP in *" callgrind-$id "*) continue ;; esac
		if cg_run "$id" "$big" "$RES/cg-$id.big" && cg_run "$id" "$C10" "$RES/cg-$id.10"; then
			ib=$(cg_total "$RES/cg-$id.big")
			i10=$(cg_total "$RES/cg-$id.10")
			n=$(nlines "$big")
			ipl=$(awk -v a="$ib" -v b="$i10" -v n="$n" 'BEGIN { printf "%.0f", (a - b) / (n - 10) }')
			echo "$ipl" > "$RES/$id.ipl"
			echo "$i10" > "$RES/$id.i10"
			repf '  %-30s %-5s %14s\n' "$label" "$(basename "$big" .txt | sed 's/corpus-//')" "$ipl"
		else
			repf '  %-30s %-5s %14s\n' "$label" "" "failed (see $RES/cg-$id.big.log)"
		fi
	done < "$PROGS"
fi

# ---- start-up and peak RSS -------------------------------------------------------

if [ -n "$(ls "$RES"/*.startup 2>/dev/null)" ]; then
	rep ""
	rep "== Start-up: whole process on the 10-line file (median of 11 runs)"
	repf '  %-30s %10s %16s\n' program "ms" "instructions"
	while IFS='	' read -r id corpus label cmd; do
		if u=$(startup_s "$id") && [ -n "$u" ]; then
			repf '  %-30s %10.2f %16s\n' "$label" "$(awk -v u="$u" 'BEGIN { print u * 1000 }')" \
				"$(cat "$RES/$id.i10" 2>/dev/null || echo -)"
		else
			repf '  %-30s %10s\n' "$label" failed
		fi
	done < "$PROGS"
	rep "  (instructions: callgrind's count for the same 10-line run)"
fi

if ! skipped rss; then
	rep ""
	if [ -n "$GNU_TIME" ]; then
		rep "== Peak RSS (/usr/bin/time -f %M on the 100k cut; PCRE2 on the 1k cut)"
		while IFS='	' read -r id corpus label cmd; do
			case $id in pcre2*) in=$C1K ;; *) in=$C100K ;; esac
			# shellcheck disable=SC2086
			kb=$("$GNU_TIME" -f %M -o "$RES/$id.rss" $cmd < "$in" > /dev/null 2>&1; tail -n 1 "$RES/$id.rss")
			repf '  %-30s %8s KiB\n' "$label" "$kb"
		done < "$PROGS"
	else
		rep "== Peak RSS: skipped (/usr/bin/time is missing and could not be installed)"
	fi
fi

# ---- size of the generated tables -------------------------------------------------

if ! skipped sizes; then
	rep ""
	rep "== Size of the generated tables (size(1) of the objects in $BUILD/generated)"
	objs=$(ls "$BUILD"/generated/.libs/*.o 2>/dev/null || ls "$BUILD"/generated/*.o 2>/dev/null)
	if [ -n "$objs" ]; then
		# shellcheck disable=SC2086
		size $objs | awk 'NR == 1 { printf "  %10s %10s %10s %10s  %s\n", "text", "data", "bss", "total", "object"; next }
			{ n = split($6, p, "/"); printf "  %10d %10d %10d %10d  %s\n", $1, $2, $3, $4, p[n]; t += $4 }
			END { printf "  %43d  all generated tables\n", t }' | tee -a "$REPORT"
		size "$REBOUND" | awk 'NR == 2 { printf "  %10d %10d %10d %10d  rebound (whole binary)\n", $1, $2, $3, $4 }' | tee -a "$REPORT"
	else
		rep "  no objects found under $BUILD/generated"
	fi
fi

# ---- whole messages ------------------------------------------------------------------

if ! skipped messages; then
	rep ""
	rep "== Whole messages: emails/s over the Sisimai maildir ($MSG_REPEAT passes per run)"
	EML_LIST=$OUT/emails.txt
	if [ -d "$SHARED/corpus/sisimai/maildir" ]; then
		find "$SHARED/corpus/sisimai/maildir" -name '*.eml' | sort > "$OUT/emails-1.txt"
		: > "$EML_LIST"
		i=0
		while [ $i -lt "$MSG_REPEAT" ]; do cat "$OUT/emails-1.txt" >> "$EML_LIST"; i=$((i + 1)); done
		NEML=$(nlines "$EML_LIST")
		# the same emails as one mbox, one open for all of them, for both
		# programs: a "From " line before each file that lacks one (some
		# files are already mboxes of their own)
		MBOX=$OUT/emails.mbox
		while read -r f; do
			tr -d '\r' < "$f" | awk 'NR == 1 && !/^From / {
				print "From MAILER-DAEMON Thu Jan  1 00:00:00 2026" } { print } END { print "" }'
		done < "$EML_LIST" > "$MBOX"
		PARSE=${PARSE_CMD:-"$REBOUND parse"}
		first=$(head -n 1 "$OUT/emails-1.txt")
		# shellcheck disable=SC2086
		$PARSE "$first" > /dev/null 2> "$RES/parse-probe.err"
		rc=$?
		if [ $rc = 0 ]; then
			HAVE_PARSE=1
		else
			HAVE_PARSE=0
			if grep -qi 'unknown command' "$RES/parse-probe.err"; then
				rep "  rebound parse: skipped (not available yet in this build)"
			else
				rep "  rebound parse: skipped (exit $rc on $first: $(head -n 1 "$RES/parse-probe.err"))"
			fi
		fi
		HAVE_SIS=0
		if ensure_pkg libsisimai-perl && perl -MSisimai -e 1 2>/dev/null; then
			HAVE_SIS=1
		else
			rep "  Sisimai: skipped (libsisimai-perl could not be installed)"
		fi
		HAVE_LOOP=1
		r=1
		while [ $r -le "$ROUNDS" ]; do
			if [ $HAVE_SIS = 1 ]; then
				"$TIMEIT" -i "$EML_LIST" -e "$RES/sisimai.stderr" -- perl "$here/sisimai-parse.pl" - \
					>> "$RES/sisimai.runs" 2>/dev/null || HAVE_SIS=0
			fi
			if [ $HAVE_PARSE = 1 ]; then
				# shellcheck disable=SC2046,SC2086
				"$TIMEIT" -e "$RES/parse.stderr" -- $PARSE $(cat "$EML_LIST") \
					>> "$RES/parse.runs" 2>/dev/null || HAVE_PARSE=0
			fi
			if [ $HAVE_SIS = 1 ]; then
				"$TIMEIT" -e "$RES/sisimai-mbox.stderr" -- perl "$here/sisimai-parse.pl" "$MBOX" \
					>> "$RES/sisimai-mbox.runs" 2>/dev/null
			fi
			if [ $HAVE_PARSE = 1 ]; then
				# shellcheck disable=SC2086
				"$TIMEIT" -e "$RES/parse-mbox.stderr" -- $PARSE "$MBOX" \
					>> "$RES/parse-mbox.runs" 2>/dev/null
			fi
			# the same emails read into memory first; the program times its
			# parse loop itself ("loop W s wall C s cpu" on standard error)
			if [ $HAVE_LOOP = 1 ]; then
				if "$TIMEIT" -i "$OUT/emails-1.txt" -e "$RES/parse-api.stderr" -- \
					"$BIN/parse-api" -p "$MSG_REPEAT" - >> "$RES/parse-api.runs" 2>/dev/null; then
					sed -n 's/.*loop \([0-9.]*\) s wall \([0-9.]*\) s cpu.*/\1 \2 0/p' \
						"$RES/parse-api.stderr" >> "$RES/parse-api.loops"
				else
					HAVE_LOOP=0
				fi
			fi
			r=$((r + 1))
		done
		# emails/s from the median wall time (column 1) or CPU time (2 + 3) of FILE
		eps() { awk '{ print $1 }' "$1" | median | awk -v n="$NEML" '{ printf "%.0f", n / $1 }'; }
		eps_cpu() { awk '{ print $2 + $3 }' "$1" | median | awk -v n="$NEML" '{ printf "%.0f", ($1 > 0 ? n / $1 : 0) }'; }
		repf '  %-34s %10s %14s\n' "" "emails/s" "emails/cpu-s"
		if [ -s "$RES/sisimai.runs" ]; then
			S_EPS=$(eps "$RES/sisimai.runs")
			S_CPU=$(eps_cpu "$RES/sisimai.runs")
			repf '  %-34s %10s %14s  (%s)\n' "Sisimai (Perl, one process)" "$S_EPS" "$S_CPU" "$(tail -n 1 "$RES/sisimai.stderr")"
		fi
		if [ -s "$RES/parse.runs" ]; then
			P_EPS=$(eps "$RES/parse.runs")
			P_CPU=$(eps_cpu "$RES/parse.runs")
			repf '  %-34s %10s %14s\n' "${PARSE_CMD:+$PARSE_CMD }rebound parse (one process)" "$P_EPS" "$P_CPU"
		fi
		if [ -s "$RES/sisimai-mbox.runs" ]; then
			SM_EPS=$(eps "$RES/sisimai-mbox.runs")
			SM_CPU=$(eps_cpu "$RES/sisimai-mbox.runs")
			repf '  %-34s %10s %14s\n' "Sisimai, the same emails in one mbox" "$SM_EPS" "$SM_CPU"
		fi
		if [ -s "$RES/parse-mbox.runs" ]; then
			PM_EPS=$(eps "$RES/parse-mbox.runs")
			PM_CPU=$(eps_cpu "$RES/parse-mbox.runs")
			repf '  %-34s %10s %14s\n' "rebound parse, one mbox" "$PM_EPS" "$PM_CPU"
		fi
		if [ -s "$RES/parse-api.loops" ]; then
			L_EPS=$(eps "$RES/parse-api.loops")
			L_CPU=$(eps_cpu "$RES/parse-api.loops")
			repf '  %-34s %10s %14s  (%s)\n' "rebound_parse() loop, in memory" "$L_EPS" "$L_CPU" \
				"$(tail -n 1 "$RES/parse-api.stderr" | sed 's/, loop .*//')"
		fi
		if [ -n "${S_EPS:-}" ]; then
			for who in P L; do
				eval "v=\${${who}_EPS:-} c=\${${who}_CPU:-}"
				[ -n "$v" ] || continue
				label="rebound parse / Sisimai:"
				[ $who = L ] && label="in-memory loop / Sisimai:"
				repf '  %-26s %.1fx the emails per second (%.1fx per CPU second)\n' "$label" \
					"$(awk -v a="$v" -v b="$S_EPS" 'BEGIN { print a / b }')" \
					"$(awk -v a="$c" -v b="$S_CPU" 'BEGIN { print (b > 0 ? a / b : 0) }')"
			done
		fi
		if [ -n "${SM_EPS:-}" ] && [ -n "${PM_EPS:-}" ]; then
			repf '  %-26s %.1fx the emails per second (%.1fx per CPU second)\n' "one mbox, rebound / Sisimai:" \
				"$(awk -v a="$PM_EPS" -v b="$SM_EPS" 'BEGIN { print a / b }')" \
				"$(awk -v a="$PM_CPU" -v b="$SM_CPU" 'BEGIN { print (b > 0 ? a / b : 0) }')"
		fi
		# instructions per email: one pass less from two passes, so that
		# start-up and reading the files cancel
		if ! skipped callgrind && command -v valgrind >/dev/null 2>&1; then
			for p in 1 2; do
				valgrind --tool=callgrind --callgrind-out-file="$RES/cg-parse-api.$p" "$BIN/parse-api" -p $p - \
					< "$OUT/emails-1.txt" > /dev/null 2> "$RES/cg-parse-api.$p.log"
			done
			i1=$(cg_total "$RES/cg-parse-api.1")
			i2=$(cg_total "$RES/cg-parse-api.2")
			if [ -n "$i1" ] && [ -n "$i2" ]; then
				repf '  rebound_parse(): %s instructions per email (callgrind, 2 passes less 1)\n' \
					"$(awk -v a="$i2" -v b="$i1" -v n="$(nlines "$OUT/emails-1.txt")" 'BEGIN { printf "%.0f", (a - b) / n }')"
			fi
		fi
		rep "  ($NEML emails per run: $(nlines "$OUT/emails-1.txt") files x $MSG_REPEAT; medians of $ROUNDS interleaved"
		rep "   rounds.  The processes include start-up and reading the files; the in-memory loop"
		rep "   reads every file once before its clock starts and parses it $MSG_REPEAT times)"
	else
		rep "  skipped: $SHARED/corpus/sisimai/maildir is missing"
	fi
fi

# ---- scaling: synthetic rule bases --------------------------------------------------------

# runtime sources as Makefile.am lists them for libreboundcore
runtime_sources() {
	awk '/^RUNTIME_SOURCES *=/ { on = 1 }
	     on { for (i = 1; i <= NF; i++) if ($i ~ /^runtime\/.*\.c$/) print $i; if ($0 !~ /\\$/) on = 0 }' \
		"$ROOT/Makefile.am"
}
# build_classifier DIR: DIR/gen holds reboundc's output; makes DIR/classify
build_classifier() {
	d=$1
	mkdir -p "$d/obj"
	for s in $(runtime_sources) ; do
		o=$d/obj/$(basename "$s" .c).o
		$CC -std=c11 $CFLAGS_B -I"$ROOT/runtime" -I"$d/gen" -c -o "$o" "$ROOT/$s" 2>> "$d/build.log" ||
			say "bench: note: $s does not compile against the synthetic tables (left out)"
	done
	for g in "$d"/gen/*.c; do
		o=$d/obj/gen-$(basename "$g" .c).o
		# a big match.c needs a few hundred MB to compile; on a shared
		# machine that can fail for want of memory, so try twice
		$CC -std=c11 $CFLAGS_B -I"$ROOT/runtime" -I"$d/gen" -c -o "$o" "$g" 2>> "$d/build.log" ||
			$CC -std=c11 $CFLAGS_B -I"$ROOT/runtime" -I"$d/gen" -c -o "$o" "$g" 2>> "$d/build.log" || {
			echo "$CC failed on $g with status $?" >> "$d/build.log"
			return 1
		}
	done
	rm -f "$d/libcore.a"
	ar rcs "$d/libcore.a" "$d"/obj/*.o || return 1
	$CC -std=c11 $CFLAGS_B $WFLAGS -I"$ROOT/runtime" -I"$ROOT/cli" -o "$d/classify" "$here/classify-api.c" \
		"$d/libcore.a" "$BIN/lines.o" 2>> "$d/build.log"
}
dfa_states() { awk '/^\tS_start,$/ { s = NR } /^\tRB_NSTATES/ { if (s) print NR - s; exit }' "$1/gen/match.c"; }
gen_bytes() { size "$1"/obj/gen-*.o | awk 'NR > 1 { t += $4 } END { print t }'; }

if ! skipped scaling; then
	rep ""
	rep "== Scaling: synthetic rule bases with more text patterns (bench/synth-rules.c)"
	SC=$OUT/scale
	rm -rf "$SC"
	mkdir -p "$SC"
	OKSCALES=
	for k in 1 $SCALES; do
		d=$SC/x$k
		mkdir -p "$d/rules.d"
		cp "$RULES"/*.rules "$d/rules.d/"
		if [ "$k" != 1 ]; then
			"$BIN/synth-rules" "$PATS" "$k" 1 > "$d/rules.d/zz-bench-synthetic.rules" 2> "$d/synth.log" ||
				{ echo "synth-rules failed" > "$d/error"; continue; }
		fi
		t0=$(date +%s)
		mkdir -p "$d/gen"
		# the synthetic bases are compiled with a raised state limit (the
		# default guards real rule bases; 10x needs some 260,000 states)
		lim_opt=
		[ "$k" != 1 ] && lim_opt="--max-states=$SCALE_MAX_STATES"
		# shellcheck disable=SC2086
		if (cd "$d" && "$REBOUNDC" $lim_opt -o gen rules.d) > "$d/reboundc.log" 2>&1; then
			echo $(( $(date +%s) - t0 )) > "$d/compile-s"
			if build_classifier "$d"; then
				OKSCALES="$OKSCALES $k"
			else
				echo "the classifier did not build (see $d/build.log)" > "$d/error"
			fi
		else
			echo $(( $(date +%s) - t0 )) > "$d/compile-s"
			grep 'error:' "$d/reboundc.log" | head -n 1 | sed 's/^reboundc: error: //' > "$d/error"
		fi
		say "bench: scale x$k: $(cat "$d/error" 2>/dev/null || echo ok)"
	done
	r=1
	while [ $r -le "$ROUNDS" ]; do
		for k in $OKSCALES; do
			"$TIMEIT" -i "$C1M" -e "$SC/x$k/run.stderr" -- "$SC/x$k/classify" >> "$SC/x$k/runs" 2>/dev/null
		done
		r=$((r + 1))
	done
	base=$(awk '{ print $1 }' "$SC/x1/runs" 2>/dev/null | median)
	base_sum=$(sed 's/.*sum //' "$SC/x1/run.stderr" 2>/dev/null)
	n1=$(grep -c . "$PATS")
	s1=$(dfa_states "$SC/x1" 2>/dev/null)
	repf '  %-7s %9s %9s %11s %11s %10s %9s %8s  %s\n' factor patterns states "table bytes" lines/s "vs 1x" "RSS KiB" compile same?
	kmax=1 smax=$s1
	for k in 1 $SCALES; do
		d=$SC/x$k
		np=$(awk -v n="$n1" -v k="$k" 'BEGIN { printf "%d", n * k }')
		[ -s "$d/synth.log" ] && np=$(awk -v n="$n1" '/rules with/ { for (i = 1; i <= NF; i++) if ($(i + 1) == "phrases") print n + $i }' "$d/synth.log")
		if [ -s "$d/runs" ]; then
			s=$(dfa_states "$d")
			m=$(awk '{ print $1 }' "$d/runs" | median)
			rss=$(awk '{ print $4 }' "$d/runs" | sort -n | tail -n 1)
			same=no
			[ "$(sed 's/.*sum //' "$d/run.stderr")" = "$base_sum" ] && same=yes
			repf '  %-7s %9s %9s %11s %11s %10s %9s %7ss  %s\n' "${k}x" "$np" "$s" "$(gen_bytes "$d")" \
				"$(mfmt "$(awk -v m="$m" -v n="$(nlines "$C1M")" 'BEGIN { printf "%.0f", n / m }')")" \
				"$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.2fx", a / b }')" "$rss" "$(cat "$d/compile-s")" "$same"
			kmax=$k smax=$s
		else
			repf '  %-7s %9s %9s %11s %11s %10s %9s %7ss  %s\n' "${k}x" "$np" "-" "-" "-" "-" "-" \
				"$(cat "$d/compile-s" 2>/dev/null || echo '?')" "refused: $(cat "$d/error" 2>/dev/null)"
		fi
	done
	rep "  (vs 1x: time per line over the real rule base's, same build method; target <= 2.00x."
	rep "   same?: the decisions on the corpus equal the real rule base's, as they must, since"
	rep "   the synthetic rules only apply to provider 'synth')"
	if [ "$kmax" != 1 ] && [ -n "$s1" ]; then
		per=$(awk -v a="$smax" -v b="$s1" -v k="$kmax" 'BEGIN { printf "%.0f", (a - b) / (k - 1) }')
		lim() { sed -n "s/^#define $1 \\([0-9]*\\)u.*/\\1/p" "$ROOT/runtime/internal.h"; }
		rep "  DFA states grow by about $per per extra 1x of patterns (1x: $s1, ${kmax}x: $smax); the limits"
		rep "  are $(lim RB_MAX_STATES) states (RB_MAX_STATES; 16-bit state numbers up to 65,536, 32-bit"
		rep "  beyond; the synthetic bases are compiled with --max-states=$SCALE_MAX_STATES) and"
		rep "  $(lim RB_MAX_ATOMS) patterns (RB_MAX_ATOMS)."
		for k in $SCALES; do
			need=$(awk -v b="$s1" -v p="$per" -v k="$k" 'BEGIN { printf "%.0f", b + p * (k - 1) }')
			if grep -q 'automaton states' "$SC/x$k/error" 2>/dev/null; then
				rep "  ${k}x would need about $need states (extrapolated; the compiler stops at the limit)."
			elif grep -q 'text patterns, more than' "$SC/x$k/error" 2>/dev/null; then
				rep "  ${k}x is over the pattern limit first; its automaton would need about $need states."
			fi
		done
	fi
fi

# ---- adversarial inputs --------------------------------------------------------------

if ! skipped adversarial; then
	rep ""
	rep "== Adversarial inputs"
	AD=$OUT/adversarial
	mkdir -p "$AD"
	# a plain phrase of three words or more, and its prefix less one byte
	phrase=$(awk '/^[a-z]+(\\s\+[a-z]+)+$/ { gsub(/\\s\+/, " "); if (split($0, w, " ") >= 3) { print; exit } }' "$PATS")
	[ -n "$phrase" ] || phrase="recipient address rejected"
	prefix=${phrase%?}
	rep "  prefix: \"$prefix\" (pattern \"$phrase\" less its last byte)"
	# each file holds 64 MiB (less if the corpus is smaller): 64 lines of
	# 1 MiB, 32 of 2 MiB, 16 of 4, 8 of 8
	MB=1048576
	mk_prefix() { yes "$prefix" | tr -d '\n' | head -c $((64 * MB)) | fold -b -w "$1" > "$2"; echo >> "$2"; }
	mk_text() { tr '\n' ' ' < "$C1M" | head -c $((64 * MB)) | fold -b -w "$1" > "$2"; echo >> "$2"; }
	mib() { wc -c < "$1" | awk '{ print $1 / 1048576 }'; }
	for m in 1 2 4 8; do
		mk_prefix $((m * MB)) "$AD/prefix-${m}m.txt"
		mk_text $((m * MB)) "$AD/text-${m}m.txt"
	done
	{ tr '\n' ' ' < "$C1M" | head -c $((10 * MB)); echo; } > "$AD/text-10m.txt"
	{ yes "$prefix" | head -n 100000 | tr -d '\n'; echo; } > "$AD/prefix-100000x.txt"
	# median CPU time (user + system) of 5 runs, in ms: runs of some tens of
	# ms are where other load on the machine distorts wall time most
	t5() { f=$1; shift; "$TIMEIT" -r 5 -i "$f" -- "$@" 2>/dev/null | awk '{ print ($2 + $3) * 1000 }' | median; }
	up_cli=$("$TIMEIT" -r 11 -i "$C10" -- "$REBOUND" classify 2>/dev/null | awk '{ print ($2 + $3) * 1000 }' | median)
	up_api=$("$TIMEIT" -r 11 -i "$C10" -- "$BIN/classify-api" 2>/dev/null | awk '{ print ($2 + $3) * 1000 }' | median)
	rep "  Lines of N MiB, 64 MiB per file, whole process (stdout to /dev/null), median CPU time"
	rep "  of 5 runs less that of the 10-line file ($up_cli ms; $up_api ms), in ms per MiB:"
	repf '  %-36s %9s %9s %9s %9s   %s\n' "program / line length" "1 MiB" "2 MiB" "4 MiB" "8 MiB" "8 MiB vs 1 MiB"
	for kind in text prefix; do
		for who in cli api; do
			case $who in
			cli) label="rebound classify, $kind" ;;
			api) label="rebound_classify() loop, $kind" ;;
			esac
			row='' t1='' t8=''
			for m in 1 2 4 8; do
				if [ $who = cli ]; then
					t=$(t5 "$AD/$kind-${m}m.txt" "$REBOUND" classify)
					t=$(awk -v t="$t" -v u="$up_cli" 'BEGIN { print t - u }')
				else
					t=$(t5 "$AD/$kind-${m}m.txt" "$BIN/classify-api")
					t=$(awk -v t="$t" -v u="$up_api" 'BEGIN { print t - u }')
				fi
				[ $m = 1 ] && t1=$(awk -v t="$t" -v m="$(mib "$AD/$kind-${m}m.txt")" 'BEGIN { print t / m }')
				[ $m = 8 ] && t8=$(awk -v t="$t" -v m="$(mib "$AD/$kind-${m}m.txt")" 'BEGIN { print t / m }')
				row="$row $(awk -v t="$t" -v m="$(mib "$AD/$kind-${m}m.txt")" 'BEGIN { printf "%9.2f", t / m }')"
			done
			repf '  %-36s%s   %s\n' "$label" "$row" "$(awk -v a="$t8" -v b="$t1" 'BEGIN { printf "%.2fx per MiB", (b > 0 ? a / b : 0) }')"
		done
	done
	rep "  (linear in line length: equal ms per MiB across a row, i.e. 1.00x per MiB.  rebound"
	rep "   examines only the first REBOUND_MAX_TEXT = 65,536 bytes of a reply; the rest is only"
	rep "   read, so these rows measure reading long lines.)"
	# below the cap: 16 MiB of lines of 1, 8 and 64 KiB each, in-process
	rep "  Below the 64 KiB cap: 16 MiB of lines of one size each, rebound_classify() loop, median"
	rep "  CPU time of 5 runs, ns per byte (start-up not subtracted, about 1 ms of some 50-200):"
	repf '  %-36s %9s %9s %9s\n' "line content" "1 KiB" "8 KiB" "64 KiB"
	for kind in text prefix; do
		row=
		for kb in 1 8 64; do
			f=$AD/$kind-lines-${kb}k.txt
			if [ $kind = prefix ]; then
				yes "$prefix" | tr -d '\n' | head -c $((16 * MB)) | fold -b -w $((kb * 1024)) > "$f"
			else
				tr '\n' ' ' < "$C1M" | head -c $((16 * MB)) | fold -b -w $((kb * 1024)) > "$f"
			fi
			echo >> "$f"
			t=$(t5 "$f" "$BIN/classify-api")
			row="$row $(awk -v t="$t" -v b=$((16 * MB)) 'BEGIN { printf "%9.2f", t * 1e6 / b }')"
		done
		repf '  %-36s%s\n' "$kind" "$row"
	done
	rep "  Contenders on the same long lines (one run each; whole process, start-up included; ms;"
	rep "  rebound matches only the first 64 KiB and reads the rest, the engines match it all):"
	repf '  %-30s %14s %14s\n' program "10 MiB text" "100000x prefix"
	for id in cli-text re2set hsblock pcre2-all; do
		cmd=$(pfield "$id" 4)
		[ -n "$cmd" ] || continue
		row=
		for f in "$AD/text-10m.txt" "$AD/prefix-100000x.txt"; do
			# shellcheck disable=SC2086
			t=$("$TIMEIT" -i "$f" -- timeout 300 $cmd 2>/dev/null | awk '{ printf "%.1f", $1 * 1000 }')
			row="$row $(printf '%14s' "${t:-timeout}")"
		done
		repf '  %-30s%s\n' "$(pfield "$id" 3)" "$row"
	done
	rm -f "$AD"/*.txt
fi

# ---- where rebound classify spends its instructions ------------------------------------

if ! skipped profile && [ -s "$RES/cg-cli-tsv.big" ]; then
	rep ""
	rep "== Where rebound classify's instructions per line go (callgrind, 100k cut)"
	repf '  %-44s %10s %10s\n' "part" "-f tsv" "text"
	for id in cli-tsv cli-text; do
		awk -f "$here/callgrind-split.awk" "$RES/cg-$id.big" > "$RES/cg-$id.split"
	done
	# runtime/classify.c: scan16/scan32 and their _run (one chain) and
	# _two (two chains) parts hold the DFA loop, hit() and hits() (a
	# list of them at a time) note matches and code marks, rb_codes_at()
	# reads the codes at the marks
	# (rb_find_codes() scans instead when there were too many marks)
	part() {
		awk -v what="$1" -v n=100000 '
			$1 == "total" { total = $2 }
			# a copy the compiler specialised ("scan16.constprop.0") counts as the function
			$1 == "incl" { f = $2; sub(/\..*/, "", f); incl[f] += $3 }
			$1 == "self" { f = $2; sub(/\..*/, "", f); self[f] += $3 }
			END {
				cls = incl["rb_classify"]
				codes = incl["rb_codes_at"] + incl["rb_find_codes"]
				dfa = self["scan16"] + self["scan32"] + self["scan16_run"] + self["scan32_run"] + \
					self["scan16_two"] + self["scan32_two"]
				mark = incl["hit"] + incl["hits"]
				out = incl["out_classify"]; inp = incl["lines_next"]
				if (what == "input") v = inp
				else if (what == "codes") v = codes
				else if (what == "dfa") v = dfa
				else if (what == "mark") v = mark
				else if (what == "rules") v = cls - codes - dfa - mark
				else if (what == "output") v = out
				else if (what == "total") v = total
				else if (what == "other") v = total - inp - incl["rebound_classify"] - out
				printf "%.0f", v / n
			}' "$RES/cg-$2.split"
	}
	for p in "input:reading lines (lines_next, fread)" \
		"dfa:DFA loop (scan16*, one load per byte)" \
		"mark:noting matches and code marks (hit, hits)" \
		"codes:reply/status codes at the marks (rb_codes_at)" \
		"rules:rules, provider, result (rest of rb_classify)" \
		"output:output formatting (out_classify)" \
		"other:start-up, main loop, rest" \
		"total:total per line (100k run / 100k)"; do
		key=${p%%:*}
		repf '  %-44s %10s %10s\n' "${p#*:}" "$(part "$key" cli-tsv)" "$(part "$key" cli-text)"
	done
	rep "  top functions by own instructions per line (-f tsv):"
	awk '$1 == "self" { printf "%.0f %s\n", $3 / 100000, $2 }' "$RES/cg-cli-tsv.split" | sort -rn | head -n 8 |
		awk '{ printf "    %8d  %s\n", $1, $2 }' | tee -a "$REPORT"
	rep "  hottest source line: $(grep '^line' "$RES/cg-cli-tsv.split" | sort -k3 -rn | head -n 1 |
		awk '{ n = split($2, p, "/"); printf "%s, %.0f instructions per line", p[n], $3 / 100000 }')"
fi

rep ""
rep "raw data: $RES   report: $REPORT"
