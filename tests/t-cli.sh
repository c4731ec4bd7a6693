#!/bin/sh
# t-cli.sh - the rebound command: options, formats, exit codes, errors.
. "${srcdir:-.}/tests/tap.sh"
[ -x "$REBOUND" ] || skip_all "rebound not built"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT

"$REBOUND" --help >"$tmp/out" 2>&1
ok $? "--help exits 0"
grep -q 'classify' "$tmp/out"; ok $? "--help names the classify command"

"$REBOUND" --version >"$tmp/out"; ok $? "--version exits 0"
grep -q 'rebound-rules-' "$tmp/out"; ok $? "--version shows the rules fingerprint"

"$REBOUND" frobnicate >/dev/null 2>"$tmp/err"; [ $? -eq 2 ]; ok $? "unknown command exits 2"
grep -q "unknown command 'frobnicate'" "$tmp/err"; ok $? "unknown command is named on stderr"

"$REBOUND" classify --profile nosuch x >/dev/null 2>"$tmp/err"; [ $? -eq 2 ]; ok $? "unknown profile exits 2"
grep -q "unknown profile 'nosuch'" "$tmp/err"; ok $? "unknown profile is named on stderr"

"$REBOUND" classify --format yaml x >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "unknown format exits 2"

"$REBOUND" classify -f json '550 5.1.1 <a@example.org>: user unknown' >"$tmp/out"
ok $? "classify -f json exits 0"
for key in input reply status type class blame action provider rule sisimai bounce_code; do
	grep -q "\"$key\":" "$tmp/out"; ok $? "JSON has key '$key'"
done
grep -q '"reply":550,"status":"5.1.1","type":"hard"' "$tmp/out"; ok $? "JSON carries reply, status and type"

# text output: the columns line up whatever the type's name
"$REBOUND" classify '550 5.1.1 <a@example.org>: user unknown' 'hello there' '250 2.0.0 OK' >"$tmp/out"
awk '{ match($0, /^[^ ]+ +/); n = RLENGTH } NR == 1 { first = n } n != first { bad = 1 } END { exit bad || NR != 3 }' "$tmp/out"
ok $? "text: the class column starts at one place for hard, undetermined and success"

printf '550 5.1.1 a\r\n421 4.7.0 b\n\n452 4.2.2 c' | "$REBOUND" classify -f tsv >"$tmp/out"
ok $? "classify reads standard input"
[ "$(wc -l <"$tmp/out")" -eq 5 ]; ok $? "one TSV header and one line per input line, empty ones too"
sed -n 2p "$tmp/out" | grep -q "^hard	"; ok $? "CR before LF is dropped and the line classified"

printf 'a\000b 550 5.1.1 c\n\377\376 452 4.2.2\n' | "$REBOUND" classify -f json >"$tmp/out"
ok $? "NUL bytes and invalid UTF-8 on input are handled"
grep -q '"input":"a\\u0000b 550' "$tmp/out"; ok $? "NUL is escaped in JSON"
grep -q '\\ufffd\|�' "$tmp/out"; ok $? "invalid UTF-8 becomes U+FFFD in JSON"

head -c 2000000 /dev/zero | tr '\0' 'x' | "$REBOUND" classify -f tsv >"$tmp/out"
ok $? "a 2 MB line is classified"

"$REBOUND" explain '550 5.1.1 no such user' >"$tmp/out"; ok $? "explain exits 0"
grep -q '^  \* ' "$tmp/out"; ok $? "explain marks the deciding rule"
grep -q '^advice:' "$tmp/out"; ok $? "explain gives advice"

"$REBOUND" list classes >"$tmp/out"; ok $? "list classes"
grep -q '^user_unknown ' "$tmp/out"; ok $? "list classes shows user_unknown"
"$REBOUND" list profiles >"$tmp/out"; ok $? "list profiles"
"$REBOUND" list nonsense >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "list of something unknown exits 2"

"$REBOUND" classify x >/dev/full 2>/dev/null; [ $? -eq 1 ]; ok $? "a write error exits 1"

# Parts of each output line are formatted once per result and reused: a
# stream where results repeat in a mixed order must print, line for line,
# what each text gives on its own.
grep -v '^#' "$srcdir/tests/replies.tsv" | cut -f 1 | awk 'NR % 7 == 1' | head -n 150 >"$tmp/some"
cat "$tmp/some" "$tmp/some" | sort -R --random-source="$tmp/some" >"$tmp/mixed" 2>/dev/null ||
	cat "$tmp/some" "$tmp/some" >"$tmp/mixed"
for f in text tsv json; do
	"$REBOUND" classify -f "$f" <"$tmp/mixed" | grep -v '^type	' >"$tmp/stream"
	: >"$tmp/alone"
	while IFS= read -r line; do
		"$REBOUND" classify -f "$f" -- "$line" | grep -v '^type	' >>"$tmp/alone"
	done <"$tmp/mixed"
	[ -s "$tmp/stream" ] && cmp -s "$tmp/stream" "$tmp/alone"
	ok $? "-f $f: a stream of $(wc -l <"$tmp/mixed") repeating replies prints what each gives alone"
done
done_testing
