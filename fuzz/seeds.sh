#!/bin/sh
# fuzz/seeds.sh - build the seed corpora of the fuzz harnesses.
#
#   sh fuzz/seeds.sh OUT [SHARED]
#
# Writes OUT/classify, OUT/compile, OUT/parse and OUT/log from the repository
# (rules.d/, tests/, fuzz/seeds/) and, when present, SHARED (default
# ../shared next to the source tree): the spec's reply lines, the
# corpus's diagnostic lines and its messages.  Nothing is committed:
# the seeds are rebuilt on every run, so they follow the rules and the
# corpus as they change.  Needs only sh, awk and printf.
set -eu
[ $# -ge 1 ] || { echo "usage: seeds.sh OUT [SHARED]" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
shared=${2:-${SHARED:-$top/../shared}}

for d in classify compile parse log; do
	rm -rf "$out/$d"
	mkdir -p "$out/$d"
done

# ---- classify -------------------------------------------------------------
# fuzz_classify.c reads a 5-byte header (profile, provider, flags, reply
# high, reply low) before the text; five zero bytes mean "no query".
# awk writes one file per line; NUL bytes cannot pass through awk, so the
# header is prepended by the shell afterwards.
lines() { # FILE FIELD-PROGRAM PREFIX
	awk -v dir="$out/classify" -v prefix="$3" "$2" "$1"
}
if [ -f "$shared/expect/seed-cases.tsv" ]; then
	# column 5 is the reply text, column 4 a status known from elsewhere
	lines "$shared/expect/seed-cases.tsv" 'BEGIN { FS = "\t" }
		NR > 1 && $5 != "" { f = sprintf("%s/%s%04d", dir, prefix, NR); printf "%s", $5 > f; close(f) }' spec-
fi
if [ -f "$shared/corpus/sisimai/lines.jsonl" ]; then
	# the "text" member; JSON escapes other than \" and \\ stay as they
	# are, which is fine for a seed
	lines "$shared/corpus/sisimai/lines.jsonl" '{
		s = $0; i = index(s, "\"text\": \""); if (!i) next
		s = substr(s, i + 9); t = ""
		while (length(s) > 0) {
			c = substr(s, 1, 1)
			if (c == "\\") { t = t substr(s, 2, 1); s = substr(s, 3); continue }
			if (c == "\"") break
			t = t c; s = substr(s, 2)
		}
		f = sprintf("%s/%s%04d", dir, prefix, NR); printf "%s", t > f; close(f) }' corpus-
fi
for f in "$out"/classify/*; do
	[ -f "$f" ] || continue
	{ printf '\000\000\000\000\000'; cat "$f"; } >"$f.q" && mv "$f.q" "$f"
done
# corners the header can express: no query at all, a NULL text, an
# unknown profile and provider, the cut-off at REBOUND_MAX_TEXT, codes
# given in the query only
t='550 5.1.1 <pat@example.org>: Recipient address rejected: User unknown'
c=$out/classify
printf '' >"$c/corner-empty"
printf '550' >"$c/corner-short"
printf '\000\000\020\000\000%s' "$t" >"$c/corner-null-query"
printf '\000\000\040\000\000' >"$c/corner-null-text"
printf '\377\000\000\000\000%s' "$t" >"$c/corner-unknown-profile"
printf '\000\377\000\000\000%s' "$t" >"$c/corner-unknown-provider"
printf '\000\000\100\000\000%s ' "$t" >"$c/corner-long"
printf '\000\000\014\002\046%s\n%s' 5.2.2 'mailbox full' >"$c/corner-query-codes"
printf '\000\000\003\000\000%s\n%s\n%s' mx.google.com example.org "$t" >"$c/corner-host-domain"
printf '\000\000\000\000\000550 5.1.1 user\000unknown\377\376' >"$c/corner-nul"

# ---- compile ---------------------------------------------------------------
# every rule file alone, and each test file after tests/base.rules as
# the compiler tests pair them; "#%file" starts the next file (see
# fuzz_compile.c)
k=$out/compile
for f in "$top"/rules.d/*.rules "$top"/tests/errors/*.rules "$top"/tests/compile/*.rules \
         "$top"/fuzz/seeds/compile/*.rules; do
	[ -f "$f" ] || continue
	n=$(basename "$(dirname "$f")")-$(basename "$f")
	cp "$f" "$k/$n"
	case $f in
	*/tests/*|*/fuzz/*) { cat "$top/tests/base.rules"; printf '\n#%%file\n'; cat "$f"; } >"$k/base+$n" ;;
	esac
done
cp "$top/tests/base.rules" "$k/base.rules"

# ---- parse ------------------------------------------------------------------
# fuzz/seeds/parse/grown-*: small inputs kept from a long campaign for the
# code they reach that the tests and the corpus do not
p=$out/parse
for f in "$shared"/corpus/sisimai/maildir/*/*.eml "$top"/fuzz/seeds/parse/* "$top"/tests/messages/*.eml; do
	[ -f "$f" ] && cp "$f" "$p/"
done
# an mbox of two messages, for rebound_mbox_next
set -- "$p"/*.eml
if [ $# -ge 2 ] && [ -f "$1" ]; then
	{ echo 'From a@example.org Mon Jan  1 00:00:00 2024'; cat "$1"; echo
	  echo 'From b@example.org Mon Jan  1 00:00:00 2024'; cat "$2"; } >"$p/two.mbox"
fi
# ---- log ----------------------------------------------------------------------
# the sample logs, and fuzz/seeds/log/grown-*: small inputs kept from a
# long campaign for the code they reach that the samples do not
for f in "$top"/tests/logs/* "$top"/fuzz/seeds/log/*; do
	case $f in */expect.tsv) ;; *) if [ -f "$f" ]; then cp "$f" "$out/log/"; fi ;; esac
done

for d in classify compile parse log; do
	printf 'seeds: %s: %s files\n' "$d" "$(ls "$out/$d" | wc -l | tr -d ' ')"
done
