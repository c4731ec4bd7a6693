#!/bin/sh
# t-parse.sh - "rebound parse": inputs (file, standard input, maildir, mbox,
# a tree), formats, errors and exit codes.  The messages are the small
# hand-written ones in tests/messages/.
. "${srcdir:-.}/tests/tap.sh"
[ -x "$REBOUND" ] || skip_all "rebound not built"
msgs="$srcdir/tests/messages"
[ -f "$msgs/dsn-two-recipients.eml" ] || skip_all "tests/messages not found"
tmp=$(mktemp -d) && trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

# one JSON field of every line: field KEY <FILE
field() { sed -n "s/.*\"$1\":\\(\"[^\"]*\"\\|[0-9][0-9]*\\|null\\).*/\\1/p"; }

# ---- a file -------------------------------------------------------------
"$REBOUND" parse -f json "$msgs/dsn-two-recipients.eml" >"$tmp/out" 2>"$tmp/err"
ok $? "a DSN file: exit 0"
[ "$(wc -l <"$tmp/out")" -eq 2 ]; ok $? "a DSN file: one line per recipient"
[ ! -s "$tmp/err" ]; ok $? "a DSN file: nothing on stderr"
for key in file kind recipient original_recipient action status reply diagnostic remote_mta \
	provider class type blame sisimai bounce_code rule date feedback_type flags; do
	grep -q "\"$key\":" "$tmp/out"; ok $? "JSON has key '$key'"
done
sed -n 1p "$tmp/out" | grep -q '"kind":"dsn","recipient":"ana@example.com","original_recipient":"Ana@Example.com","action":"failed","status":"5.1.1","reply":550'
ok $? "first recipient: kind, address, Original-Recipient, action, status, reply"
sed -n 1p "$tmp/out" | grep -q '"class":"user_unknown","type":"hard","blame":"recipient"'
ok $? "first recipient classified user_unknown, hard, blame recipient"
sed -n 1p "$tmp/out" | grep -q '"remote_mta":"mx1.example.com"'; ok $? "Remote-MTA without its type"
sed -n 2p "$tmp/out" | grep -q '"recipient":"ben@example.com","original_recipient":null,"action":"delayed","status":"4.2.2"'
ok $? "second recipient: delayed, absent fields are null"
sed -n 2p "$tmp/out" | grep -q '"type":"soft"'; ok $? "a delayed, full mailbox is soft"
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json,sys
for l in sys.stdin: json.loads(l)' <"$tmp/out"
	ok $? "every line is valid JSON"
fi

# ---- every kind ---------------------------------------------------------
"$REBOUND" parse -f json "$msgs/exim-notice.eml" >"$tmp/out"
grep -q '"kind":"ndr","recipient":"carla@example.com"' "$tmp/out"; ok $? "an Exim notice: kind ndr"
grep -q '"status":"5.2.1"' "$tmp/out"; ok $? "an Exim notice: status read from the server's reply"
"$REBOUND" parse -f json "$msgs/out-of-office.eml" >"$tmp/out"
grep -q '"kind":"autoreply","recipient":"dana@example.com"' "$tmp/out" && grep -q '"class":"auto_reply"' "$tmp/out" &&
	grep -q '"bounce_code":60' "$tmp/out"
ok $? "an out-of-office reply: kind autoreply, class auto_reply, bounce code 60"
"$REBOUND" parse -f json "$msgs/abuse-report.eml" >"$tmp/out"
grep -q '"kind":"feedback","recipient":"erik@example.com"' "$tmp/out" && grep -q '"feedback_type":"abuse"' "$tmp/out" &&
	grep -q '"type":"complaint"' "$tmp/out"
ok $? "an ARF report: kind feedback, its feedback type, type complaint"
"$REBOUND" parse -f json "$msgs/delivered.eml" >"$tmp/out"
grep -q '"kind":"delivered","recipient":"fay@example.com"' "$tmp/out" && grep -q '"type":"success"' "$tmp/out"
ok $? "a success DSN: kind delivered, type success"
"$REBOUND" parse -f json "$msgs/plain-letter.eml" >"$tmp/out"
ok $? "an ordinary message: exit 0"
[ "$(wc -l <"$tmp/out")" -eq 1 ] && grep -q '"kind":"not-bounce","recipient":null' "$tmp/out" &&
	grep -q '"class":null,"type":null' "$tmp/out"
ok $? "an ordinary message: one not-bounce record without a verdict"
: >"$tmp/empty.eml"
"$REBOUND" parse -f json "$tmp/empty.eml" | grep -q '"kind":"not-bounce"'; ok $? "an empty file is not a bounce"

# ---- notices whose records tests/messages/expect.tsv lists ---------------
# One line of expect.tsv per record, in the order the records come; a
# file gives exactly as many records as it has lines there.
unq() { sed 's/^"//; s/"$//'; }
files=$(grep -v '^#' "$msgs/expect.tsv" | cut -f1 | uniq)
for f in $files; do
	"$REBOUND" parse -f json "$msgs/$f" >"$tmp/out"
	want=$(grep -c "^$f	" "$msgs/expect.tsv")
	[ "$(wc -l <"$tmp/out")" -eq "$want" ]; ok $? "$f: $want record(s)"
	n=0
	grep "^$f	" "$msgs/expect.tsv" | while IFS='	' read -r _ kind rcpt status reply class; do
		n=$((n + 1))
		got=$(sed -n "${n}p" "$tmp/out")
		for kv in "kind=$kind" "recipient=$rcpt" "status=$status" "reply=$reply" "class=$class"; do
			k=${kv%%=*} v=${kv#*=}
			g=$(printf '%s\n' "$got" | field "$k" | unq)
			[ "$g" = "$v" ] || { echo "$f record $n: $k is '$g', not '$v'"; exit 1; }
		done
	done >"$tmp/why"
	ok $? "$f: kind, recipient, status, reply and class of each record"
	[ -s "$tmp/why" ] && diag "$(cat "$tmp/why")"
done

# ---- standard input -----------------------------------------------------
"$REBOUND" parse -f json - <"$msgs/dsn-two-recipients.eml" >"$tmp/stdin"
ok $? "standard input: exit 0"
"$REBOUND" parse -f json "$msgs/dsn-two-recipients.eml" | sed 's|"file":"[^"]*"|"file":"-"|' >"$tmp/file"
cmp -s "$tmp/stdin" "$tmp/file"; ok $? "standard input gives the same records, file \"-\""
cat "$msgs/exim-notice.eml" | "$REBOUND" parse -f json - | grep -q '"recipient":"carla@example.com"'
ok $? "standard input from a pipe"

# ---- named paths of every size and type ---------------------------------
# A named path is read before its type is asked for: each kind of file
# must give the records its bytes give on standard input.
same_as_stdin() { # FILE PATH-TO-NAME
	"$REBOUND" parse -f json - <"$1" >"$tmp/want" &&
		"$REBOUND" parse -f json "$2" | sed 's|"file":"[^"]*"|"file":"-"|' >"$tmp/got" &&
		[ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got"
}
{ cat "$msgs/dsn-two-recipients.eml"; yes 'a long body line to make the file big' | head -n 3000; } >"$tmp/big.eml"
same_as_stdin "$tmp/big.eml" "$tmp/big.eml"; ok $? "a named file bigger than the first read: all of it read"
{ cat "$msgs/exim-notice.eml"; yes 'a long body line to make the file huge' | head -n 150000; } >"$tmp/huge.eml"
same_as_stdin "$tmp/huge.eml" "$tmp/huge.eml"; ok $? "a named file of megabytes (mapped): the same records"
"$REBOUND" parse -f json /dev/null | grep -q '"kind":"not-bounce"'; ok $? "a named character device (/dev/null): read, empty"
if command -v mkfifo >/dev/null 2>&1 && mkfifo "$tmp/fifo" 2>/dev/null; then
	# written in two pieces with a pause: the first read is short, and
	# is not the end
	{ head -c 200 "$msgs/dsn-two-recipients.eml"; sleep 1; tail -c +201 "$msgs/dsn-two-recipients.eml"; } >"$tmp/fifo" &
	same_as_stdin "$msgs/dsn-two-recipients.eml" "$tmp/fifo"; ok $? "a named FIFO written in pieces: read to its end"
	wait
else
	ok 0 "# SKIP mkfifo not available"
fi
mkdir -p "$tmp/named/sub" && cp "$msgs/delivered.eml" "$tmp/named/sub/1.eml"
"$REBOUND" parse -f json "$msgs/exim-notice.eml" "$tmp/named" "$tmp/vanished.eml" "$msgs/delivered.eml" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'vanished.eml: No such file or directory' "$tmp/err" &&
	[ "$(field file <"$tmp/out" | tr '\n' ' ')" = "\"$msgs/exim-notice.eml\" \"$tmp/named/sub/1.eml\" \"$msgs/delivered.eml\" " ]
ok $? "named file, directory, missing file, file: each in turn, the missing one reported, exit 1"

# ---- a tree, a maildir --------------------------------------------------
mkdir -p "$tmp/tree/b/deeper" "$tmp/tree/a" "$tmp/tree/.hidden"
cp "$msgs/delivered.eml" "$tmp/tree/b/deeper/1.eml"
cp "$msgs/exim-notice.eml" "$tmp/tree/a/2.eml"
cp "$msgs/plain-letter.eml" "$tmp/tree/z.eml"
cp "$msgs/abuse-report.eml" "$tmp/tree/.hidden/x.eml"
cp "$msgs/abuse-report.eml" "$tmp/tree/.dotfile"
"$REBOUND" parse -f json "$tmp/tree" >"$tmp/out"
ok $? "a tree of files: exit 0"
[ "$(field file <"$tmp/out" | tr '\n' ' ')" = "\"$tmp/tree/a/2.eml\" \"$tmp/tree/b/deeper/1.eml\" \"$tmp/tree/z.eml\" " ]
ok $? "a tree: every file once, in sorted order, hidden names skipped"

mkdir -p "$tmp/Maildir/cur" "$tmp/Maildir/new" "$tmp/Maildir/tmp"
cp "$msgs/dsn-two-recipients.eml" "$tmp/Maildir/new/1741000000.M1P1.host"
cp "$msgs/out-of-office.eml" "$tmp/Maildir/cur/1741000001.M2P1.host:2,S"
cp "$msgs/plain-letter.eml" "$tmp/Maildir/tmp/1741000002.M3P1.host"
"$REBOUND" parse -f json "$tmp/Maildir" >"$tmp/out"
ok $? "a maildir: exit 0"
[ "$(field kind <"$tmp/out" | tr '\n' ' ')" = '"autoreply" "dsn" "dsn" ' ]
ok $? "a maildir: cur/ then new/, tmp/ left alone"

# ---- an mbox ------------------------------------------------------------
{
	echo "From MAILER-DAEMON Mon Mar  3 10:15:02 2025"
	cat "$msgs/dsn-two-recipients.eml"
	echo
	echo "From gus@example.com Sat Mar  8 15:45:00 2025"
	cat "$msgs/plain-letter.eml"
	echo
	echo "From dana@example.com Wed Mar  5 09:30:00 2025"
	cat "$msgs/out-of-office.eml"
} >"$tmp/box.mbox"
"$REBOUND" parse -f json "$tmp/box.mbox" >"$tmp/out"
ok $? "an mbox: exit 0"
[ "$(field message <"$tmp/out" | tr '\n' ' ')" = "1 1 2 3 " ]; ok $? "an mbox: every message, numbered from 1"
[ "$(field kind <"$tmp/out" | tr '\n' ' ')" = '"dsn" "dsn" "not-bounce" "autoreply" ' ]
ok $? "an mbox: each message parsed on its own"
"$REBOUND" parse -f json "$msgs/plain-letter.eml" | grep -q '"message"'
[ $? -ne 0 ]; ok $? "a single message has no message number"

# ---- formats ------------------------------------------------------------
"$REBOUND" parse -f tsv "$msgs/dsn-two-recipients.eml" "$msgs/plain-letter.eml" >"$tmp/out"
ok $? "--format tsv: exit 0"
head -1 "$tmp/out" | grep -q '^file	message	kind	recipient	' ; ok $? "TSV: a header line"
[ "$(wc -l <"$tmp/out")" -eq 4 ]; ok $? "TSV: header and one line per record"
[ "$(awk -F'\t' '{print NF}' "$tmp/out" | sort -u)" = 23 ]; ok $? "TSV: the same number of columns on every line"
grep -q '	ana@example.com	Ana@Example.com	failed	5.1.1	550	hard	user_unknown	' "$tmp/out"
ok $? "TSV: the fields of a recipient in their columns"
"$REBOUND" parse "$msgs/dsn-two-recipients.eml" "$msgs/plain-letter.eml" >"$tmp/out"
ok $? "text (the default): exit 0"
grep -q 'dsn-two-recipients.eml: dsn ana@example.com 5.1.1  hard  *user_unknown *recipient *suppress *\[user-unknown\]' "$tmp/out"
ok $? "text: kind, recipient, status and the verdict"
grep -q 'plain-letter.eml: not-bounce$' "$tmp/out"; ok $? "text: a message that is no bounce says so"
"$REBOUND" parse -f text "$tmp/box.mbox" | grep -q 'box.mbox#2: not-bounce'; ok $? "text: mbox messages numbered"

# ---- the message that bounced ----------------------------------------------
# Its Message-ID and sender, from a text/rfc822-headers part, from headers
# pasted after a notice, and, for an auto-reply, from In-Reply-To.
"$REBOUND" parse -f json "$msgs/dsn-two-recipients.eml" "$msgs/exim-notice.eml" \
	"$msgs/out-of-office.eml" "$msgs/plain-letter.eml" >"$tmp/out"
[ "$(field message_id <"$tmp/out" | tr '\n' ' ')" = \
  '"<march-news-17@example.org>" "<march-news-17@example.org>" "<order-88@shop.example.org>" "<order-88@shop.example.org>" null ' ]
ok $? "message_id of the returned message (MIME part, pasted copy), of the message an auto-reply answers"
[ "$(field sender <"$tmp/out" | tr '\n' ' ')" = '"news@example.org" "news@example.org" "shop@example.org" null null ' ]
ok $? "sender: the address of the returned message's From"
"$REBOUND" parse -f json --header X-Campaign -H subject "$msgs/dsn-two-recipients.eml" "$msgs/exim-notice.eml" >"$tmp/out"
head -1 "$tmp/out" | grep -q '"headers":{"X-Campaign":"march news","subject":"March news"}'
ok $? "--header: named fields of the returned message, any case, folds undone"
sed -n 3p "$tmp/out" | grep -q '"headers":{"X-Campaign":null,"subject":"Your order"}'
ok $? "--header: a field the message lacks is null"
"$REBOUND" parse -f tsv -H X-Campaign "$msgs/dsn-two-recipients.eml" >"$tmp/out"
head -1 "$tmp/out" | grep -q '	flags	header:X-Campaign	diagnostic$' &&
	sed -n 2p "$tmp/out" | grep -q '	march news	host mx1'
ok $? "--header: a TSV column before the diagnostic"
# a value far longer than any fixed buffer: whole, its folds undone
long=$(awk 'BEGIN { for (i = 0; i < 400; i++) printf "w%04d ", i }')
awk -v long="$long" '/^X-Campaign:/ { n = split(long, w, " "); printf "X-Campaign:";
	for (i = 1; i <= n; i++) printf "%s%s", (i % 10 == 1 && i > 1) ? "\n\t" : " ", w[i]; print "";
	skip = 1; next } skip && /^[ \t]/ { next } { skip = 0 } 1' \
	"$msgs/dsn-two-recipients.eml" >"$tmp/long-header.eml"
"$REBOUND" parse -f tsv -H X-Campaign "$tmp/long-header.eml" >"$tmp/out"
[ "$(sed -n 2p "$tmp/out" | awk -F '\t' '{ print $(NF - 1) }')" = "${long% }" ]
ok $? "--header: a folded value of 2,400 bytes comes out whole"
"$REBOUND" parse -H 'X-Campaign:' "$msgs/dsn-two-recipients.eml" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "without ':'" "$tmp/err"; ok $? "--header with a colon: usage error"

# ---- errors and exit codes ----------------------------------------------
"$REBOUND" parse -f json "$tmp/no-such-file" "$msgs/plain-letter.eml" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ]; ok $? "a missing file: exit 1"
grep -q "no-such-file: No such file or directory" "$tmp/err"; ok $? "a missing file: named on stderr with the reason"
grep -q '"kind":"not-bounce"' "$tmp/out"; ok $? "a missing file: the other inputs are still parsed"
if [ "$(id -u)" -ne 0 ]; then
	cp "$msgs/plain-letter.eml" "$tmp/locked.eml" && chmod 000 "$tmp/locked.eml"
	mkdir "$tmp/locked-dir" && chmod 000 "$tmp/locked-dir"
	"$REBOUND" parse -f json "$tmp/locked.eml" "$tmp/locked-dir" "$msgs/delivered.eml" >"$tmp/out" 2>"$tmp/err"
	[ $? -eq 1 ] && grep -q "locked.eml: Permission denied" "$tmp/err" && grep -q "locked-dir: Permission denied" "$tmp/err" &&
		grep -q '"kind":"delivered"' "$tmp/out"
	ok $? "unreadable file and directory: reported, the rest parsed, exit 1"
fi
"$REBOUND" parse >/dev/null 2>"$tmp/err"; [ $? -eq 2 ]; ok $? "no path: exit 2"
grep -q 'usage: rebound parse' "$tmp/err"; ok $? "no path: usage on stderr"
"$REBOUND" parse --format yaml "$msgs/delivered.eml" >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "unknown format: exit 2"
"$REBOUND" parse "$tmp/no-such-file" --format yaml >/dev/null 2>"$tmp/err"
! grep -q "no-such-file" "$tmp/err"; ok $? "a usage error is found before any path is read"
"$REBOUND" parse --profile nosuch "$msgs/delivered.eml" >/dev/null 2>"$tmp/err"; [ $? -eq 2 ]
ok $? "unknown profile: exit 2"
grep -q "unknown profile 'nosuch'" "$tmp/err"; ok $? "unknown profile: named on stderr"
"$REBOUND" parse --frobnicate "$msgs/delivered.eml" >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "unknown option: exit 2"
"$REBOUND" parse --help | grep -q 'Exit status'; ok $? "--help documents the exit status"
"$REBOUND" parse -f json "$msgs/delivered.eml" >/dev/full 2>/dev/null; [ $? -eq 1 ]; ok $? "a write error: exit 1"
"$REBOUND" parse --profile sinch -f json "$msgs/dsn-two-recipients.eml" >"$tmp/out"
[ $? -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 2 ]; ok $? "--profile: accepted, same records"
"$REBOUND" parse -f json -- "$msgs/delivered.eml" | grep -q '"kind":"delivered"'; ok $? "-- ends the options"

# ---- progress -----------------------------------------------------------
"$REBOUND" parse -f json "$tmp/tree" >/dev/null 2>"$tmp/err"
[ ! -s "$tmp/err" ]; ok $? "no progress line when stderr is not a terminal"
"$REBOUND" parse --progress -f json "$tmp/tree" >/dev/null 2>"$tmp/err"
grep -q 'rebound parse: 3/3 files' "$tmp/err"; ok $? "--progress: files done of files found"
done_testing
