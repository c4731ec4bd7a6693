#!/bin/sh
# make-corpus.sh - build the benchmark corpus: 1,000,000 reply lines drawn
# with a fixed seed from the reply texts in ../shared (and ../research when
# it is there), plus cuts of the first 100,000, 10,000, 1,000 and 10 lines.
#
#   sh bench/make-corpus.sh [OUTDIR]
#
# OUTDIR defaults to $BENCH_OUT or /tmp/rebound-bench.  Environment:
#   SHARED    the shared folder (default: ../shared beside the checkout)
#   RESEARCH  the research folder (default: ../research; skipped if absent)
#   SEED      generator seed (default 1); LINES line count (default 1000000)
#   CC        C compiler (default cc)
#
# Prints the mean line length and a checksum (cksum) of every file, so two
# machines can tell whether they measured the same input.
set -eu
LC_ALL=C
export LC_ALL

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:-${BENCH_OUT:-/tmp/rebound-bench}}
shared=${SHARED:-$root/../shared}
research=${RESEARCH:-$root/../research}
seed=${SEED:-1}
lines=${LINES:-1000000}
cc=${CC:-cc}

if [ ! -d "$shared" ]; then
	echo "make-corpus: the shared folder '$shared' is missing; it holds the reply texts" \
	     "the corpus is made from (set SHARED=DIR)" >&2
	exit 1
fi
jsonl=$shared/corpus/sisimai/lines.jsonl
seeds=$shared/expect/seed-cases.tsv
for f in "$jsonl" "$seeds"; do
	if [ ! -r "$f" ]; then
		echo "make-corpus: cannot read $f" >&2
		exit 1
	fi
done
set -- "json:$jsonl" "tsv:$seeds:5"
if [ -r "$research/replies.tsv" ]; then
	set -- "$@" "tsv:$research/replies.tsv:3"
else
	echo "make-corpus: $research/replies.tsv not found; using the shared texts only" >&2
fi

mkdir -p "$out/bin"
gen=$out/bin/corpus-gen
# always rebuilt: it takes a moment, and a stale generator would make
# another corpus under the same seed
$cc -std=c11 -O2 -Wall -Wextra -o "$gen" "$here/corpus-gen.c"

full=$out/corpus-1m.txt
"$gen" "$seed" "$lines" "$@" > "$full.tmp" 2> "$out/corpus-gen.log" || {
	cat "$out/corpus-gen.log" >&2
	exit 1
}
mv "$full.tmp" "$full"
head -n 100000 "$full" > "$out/corpus-100k.txt"
head -n 10000 "$full" > "$out/corpus-10k.txt"
head -n 1000 "$full" > "$out/corpus-1k.txt"
head -n 10 "$full" > "$out/corpus-10.txt"

grep '^corpus-gen:' "$out/corpus-gen.log" >&2
for f in corpus-1m corpus-100k corpus-10k corpus-1k corpus-10; do
	# mean length without the newline; cksum is POSIX CRC-32 and size
	awk -v name="$f" '{ n++; b += length($0) }
	     END { printf "%-12s %8d lines, mean length %.1f bytes, ", name, n, n ? b / n : 0 }' \
	    "$out/$f.txt"
	cksum < "$out/$f.txt" | awk '{ printf "cksum %s (%s bytes)\n", $1, $2 }'
done
