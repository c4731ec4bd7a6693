#!/bin/sh
# t-summary.sh - "rebound log --summary" and "rebound parse --summary": one
# line per recipient with its events counted and a decision (tests/logs/
# summary-*, two rotated Postfix logs and KumoMTA records; tests/messages).
. "${srcdir:-.}/tests/tap.sh"
[ -x "$REBOUND" ] || skip_all "rebound not built"
logs="$srcdir/tests/logs"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT

# the later log first: the files are not in time order
"$REBOUND" log --summary -f tsv --as-of 2026-11-30 "$logs/summary-new.log" "$logs/summary-old.log" \
	"$logs/summary-kumo.jsonl" >"$tmp/sum"
ok $? "log --summary: exit 0"
head -n 1 "$tmp/sum" | grep -q '^recipient	decision	reason	hard	soft	expired	delivered	complaints	autoreplies	other	undated	first_seen	last_seen	span_days	streak	streak_days	last_event	last_type	last_class	last_rule	retry_after$'
ok $? "TSV header names the columns"
# column N of RECIPIENT's line
col() { awk -F'\t' -v r="$1" -v c="$2" '$1 == r { print $c }' "${3:-$tmp/sum}"; }

tail -n +2 "$tmp/sum" | cut -f1,2 >"$tmp/got"
printf '%s\t%s\n' back@example.com ok below@example.com retry blocked@example.net fix-sender \
	full@example.com suppress gone@example.com suppress kim@example.com suppress \
	nodate@example.com retry reset@example.com retry slow@yahoo.com back-off >"$tmp/want"
cmp -s "$tmp/got" "$tmp/want"; ok $? "one line per recipient, sorted by address, with its decision"
[ $? -eq 0 ] || diff "$tmp/want" "$tmp/got" | sed 's/^/# /'

[ "$(col gone@example.com 3)" = "hard failure: user_unknown" ] && [ "$(col gone@example.com 4)" = 1 ]
ok $? "a hard failure blamed on the recipient suppresses it"
[ "$(col kim@example.com 3)" = complaint ] && [ "$(col kim@example.com 8)" = 1 ] && [ "$(col kim@example.com 7)" = 1 ]
ok $? "a complaint suppresses, even with a later delivery; addresses are compared without case"
[ "$(col full@example.com 15)" = 5 ] && [ "$(col full@example.com 16)" = 5.1 ] &&
	[ "$(col full@example.com 5)" = 7 ] && [ "$(col full@example.com 12)" = 2026-11-10T08:00:00Z ] &&
	col full@example.com 3 | grep -q '^soft streak: 5 messages (mailbox_full) over 5.1 days, limit 5 over 3$'
ok $? "5 messages of a full mailbox over 5.1 days across two files suppress; a message's retries count once"
[ "$(col below@example.com 15)" = 3 ] && [ "$(col below@example.com 16)" = 4.0 ]
ok $? "3 messages over 4 days stay below the limit of 5: retry"
[ "$(col reset@example.com 15)" = 1 ] && [ "$(col reset@example.com 5)" = 5 ] && [ "$(col reset@example.com 7)" = 1 ]
ok $? "a delivery between the failures resets the streak (5 soft, streak 1)"
[ "$(col back@example.com 4)" = 1 ] && [ "$(col back@example.com 17)" = delivered ]
ok $? "a delivery after a hard failure: ok"
[ "$(col blocked@example.net 3)" = "blamed on the sender: ip_blocklisted" ] && [ "$(col blocked@example.net 4)" = 2 ]
ok $? "two blocklist rejections blame the sender and never suppress the recipient"
[ "$(col slow@yahoo.com 21)" = 7200 ] && [ "$(col slow@yahoo.com 19)" = reputation_throttled ]
ok $? "back-off carries the verdict's retry_after"
[ "$(col nodate@example.com 11)" = 5 ] && [ -z "$(col nodate@example.com 12)" ] &&
	[ -z "$(col nodate@example.com 16)" ] && [ "$(col nodate@example.com 15)" = 5 ] &&
	col nodate@example.com 3 | grep -q 'span unknown (dates unreadable)'
ok $? "unreadable dates: events counted, span unknown, the limit alone does not suppress"
[ "$(col back@example.com 14)" = 6.0 ] && [ "$(col back@example.com 13)" = 2026-11-16T11:00:00Z ]
ok $? "first and last seen, and the span between them"

"$REBOUND" log --summary -f tsv --as-of 2026-11-30 "$logs/summary-kumo.jsonl" "$logs/summary-old.log" \
	"$logs/summary-new.log" >"$tmp/sum2"
cmp -s "$tmp/sum" "$tmp/sum2"; ok $? "the same summary whatever the order of the files"
"$REBOUND" log --summary --final -f tsv --as-of 2026-11-30 "$logs/summary-new.log" "$logs/summary-old.log" \
	"$logs/summary-kumo.jsonl" >"$tmp/sum2"
cmp -s "$tmp/sum" "$tmp/sum2"; ok $? "--final does not hide deferrals from the summary"
"$REBOUND" log --summary -f tsv --as-of 2026-11-30 "$logs/summary-new.log" >"$tmp/sum2"
[ "$(col full@example.com 2 "$tmp/sum2")" = retry ] && [ "$(col full@example.com 15 "$tmp/sum2")" = 2 ]
ok $? "the later log alone holds 2 messages of the streak: retry"

"$REBOUND" log --summary -f tsv --as-of 2026-11-30 --soft-limit 6 "$logs/summary-new.log" "$logs/summary-old.log" >"$tmp/sum2"
[ "$(col full@example.com 2 "$tmp/sum2")" = retry ]; ok $? "--soft-limit 6: the streak of 5 does not suppress"
"$REBOUND" log --summary -f tsv --as-of 2026-11-30 --soft-days=6 "$logs/summary-new.log" "$logs/summary-old.log" >"$tmp/sum2"
[ "$(col full@example.com 2 "$tmp/sum2")" = retry ]; ok $? "--soft-days 6: 5.1 days do not suppress"
"$REBOUND" log --summary -f tsv --as-of 2026-11-30 --soft-limit 3 "$logs/summary-new.log" "$logs/summary-old.log" >"$tmp/sum2"
[ "$(col below@example.com 2 "$tmp/sum2")" = suppress ] && [ "$(col reset@example.com 2 "$tmp/sum2")" = retry ]
ok $? "--soft-limit 3: 3 messages over 4 days suppress, a reset streak still does not"

# syslog dates carry no year: the latest year not after --as-of
"$REBOUND" log --summary -f tsv --as-of 2027-01-05 "$logs/summary-new.log" >"$tmp/sum2"
[ "$(col gone@example.com 12 "$tmp/sum2")" = 2026-11-14T10:00:00Z ]; ok $? "--as-of in January: November is last year's"
"$REBOUND" log --summary -f tsv --as-of 2026-11-14 "$logs/summary-new.log" >"$tmp/sum2"
[ "$(col gone@example.com 12 "$tmp/sum2")" = 2026-11-14T10:00:00Z ] &&
	[ "$(col blocked@example.net 12 "$tmp/sum2")" = 2025-11-16T10:05:00Z ] &&
	[ "$(col blocked@example.net 13 "$tmp/sum2")" = 2026-11-14T10:05:00Z ]
ok $? "a date more than a day after --as-of is taken from the year before"

# every format's dates are read (the sample logs of t-log.sh)
"$REBOUND" log --summary -f tsv --as-of 2026-12-01 "$logs/postfix.log" "$logs/sendmail.log" "$logs/exim_mainlog" \
	"$logs/powermta-acct.csv" "$logs/kumomta.jsonl" "$logs/qmail-send.log" >"$tmp/sum2"
[ "$(col frank@outlook.com 12 "$tmp/sum2")" = 2026-11-22T10:03:00Z ] &&
	[ "$(col pat@example.org 12 "$tmp/sum2")" = 2026-11-22T10:00:01Z ] &&
	[ "$(col bea@gmail.com 12 "$tmp/sum2")" = 2026-11-22T10:00:02Z ] &&
	[ "$(col gus@example.com 12 "$tmp/sum2")" = 2025-11-22T10:00:01Z ] &&
	[ "$(col ida@outlook.com 12 "$tmp/sum2")" = 2026-11-22T10:00:03Z ] &&
	[ "$(col zed@example.com 12 "$tmp/sum2")" = 2024-11-22T15:22:31Z ] &&
	[ "$(col vic@example.com 12 "$tmp/sum2")" = 2026-11-22T10:03:01Z ]
ok $? "RFC 3339, Exim, PowerMTA, epoch and ISO KumoMTA, TAI64N and syslog dates"
[ "$(awk -F'\t' 'NR > 1 && $11 != 0' "$tmp/sum2" | wc -l)" -eq 0 ]; ok $? "no sample date is left unread"
[ "$(col dan@example.org 15 "$tmp/sum2")" = 1 ] && [ "$(col dan@example.org 6 "$tmp/sum2")" = 1 ] &&
	[ "$(col dan@example.org 16 "$tmp/sum2")" = 5.0 ]
ok $? "a deferral and the expiry of the same message are one message of the streak"

# queues that gave up: on servers that never answered, and on a blocklist
"$REBOUND" log --summary -f tsv --as-of 2026-11-30 "$logs/summary-dead-mx.log" >"$tmp/sum2"
[ "$(col ada@unreachable.example 2 "$tmp/sum2")" = suppress ] &&
	[ "$(col ada@unreachable.example 15 "$tmp/sum2")" = 5 ] && [ "$(col ada@unreachable.example 6 "$tmp/sum2")" = 5 ]
ok $? "5 expiries over 4 days on servers that never answered suppress (expired: retry, then suppress)"
[ "$(col ned@example.com 2 "$tmp/sum2")" = fix-sender ] && [ "$(col ned@example.com 15 "$tmp/sum2")" = 0 ]
ok $? "5 expiries after blocklist deferrals blame the sender and start no streak"

# syslog dates name no zone: --zone says which, dates with a zone keep theirs
"$REBOUND" log --summary -f tsv --as-of 2026-11-30 --zone +05:00 "$logs/summary-dead-mx.log" >"$tmp/sum2"
[ "$(col ada@unreachable.example 12 "$tmp/sum2")" = 2026-11-10T03:00:00Z ]
ok $? "--zone +05:00: a syslog date of 08:00 is 03:00 UTC"
"$REBOUND" log --summary -f tsv --as-of 2026-11-30 "$logs/summary-kumo.jsonl" >"$tmp/a"
"$REBOUND" log --summary -f tsv --as-of 2026-11-30 --zone -0800 "$logs/summary-kumo.jsonl" >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b"; ok $? "--zone leaves dates that carry their own zone alone"
"$REBOUND" log --summary --zone 5 "$logs/summary-kumo.jsonl" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q -- '--zone wants' "$tmp/err"; ok $? "--zone with a bad offset: usage error"

"$REBOUND" log --summary -f json --as-of 2026-11-30 "$logs/summary-new.log" >"$tmp/json"
for key in recipient decision reason hard soft expired delivered complaints autoreplies other undated \
	first_seen last_seen span_days streak streak_days last_event last_type last_class last_rule retry_after; do
	grep -q "\"$key\":" "$tmp/json"; ok $? "JSON has key '$key'"
done
grep -q '^{"recipient":"nodate@example.com","decision":"retry",.*"undated":5,"first_seen":null,"last_seen":null,"span_days":null,"streak":5,"streak_days":null,' "$tmp/json"
ok $? "JSON: null for what is unknown"
"$REBOUND" log --summary --as-of 2026-11-30 "$logs/summary-new.log" >"$tmp/text"
grep -q '^gone@example.com  suppress: hard failure: user_unknown  \[1 hard; 2026-11-14T10:00:00Z to 2026-11-14T10:00:00Z; last user_unknown (user-unknown)\]$' "$tmp/text"
ok $? "text: one line per recipient"

# a streak remembers its latest 64 messages; the count then says "64+"
i=0
while [ $i -lt 70 ]; do
	printf 'Nov %02d %02d:00:00 mx1 postfix/smtp[1]: M%04d: to=<many@example.org>, relay=none, dsn=4.2.2, status=deferred (452 4.2.2 Mailbox is full)\n' \
		$((1 + i / 10)) $((i % 10)) $i
	i=$((i + 1))
done >"$tmp/many.log"
printf 'Nov 22 10:00:00 h postfix/smtp[1]: EEE555: to=<>, relay=none, dsn=5.1.1, status=bounced (550 5.1.1 user unknown)\n' >>"$tmp/many.log"
"$REBOUND" log --summary -f tsv --as-of 2026-11-30 "$tmp/many.log" >"$tmp/sum2" 2>"$tmp/err"
[ "$(col many@example.org 15 "$tmp/sum2")" = 64 ] && [ "$(col many@example.org 5 "$tmp/sum2")" = 70 ] &&
	[ "$(col many@example.org 2 "$tmp/sum2")" = suppress ] && col many@example.org 3 "$tmp/sum2" | grep -q '^soft streak: 64+ messages'
ok $? "70 messages of a streak: 70 counted, the latest 64 remembered and said to be more"
[ "$(tail -n +2 "$tmp/sum2" | wc -l)" -eq 1 ] && grep -q 'left out of the summary: 1 records naming no recipient' "$tmp/err"
ok $? "a record without a recipient is left out, and stderr says so"

for bad in "--soft-limit 0" "--soft-limit 65" "--soft-days x" "--soft-days -1" "--as-of yesterday"; do
	# shellcheck disable=SC2086
	"$REBOUND" log --summary $bad "$logs/summary-new.log" >/dev/null 2>&1
	[ $? -eq 2 ]; ok $? "log $bad: usage error"
done

# whole messages: one line per recipient the notices name
"$REBOUND" parse --summary -f tsv "$srcdir/tests/messages" >"$tmp/psum"
ok $? "parse --summary: exit 0"
"$REBOUND" parse -f tsv "$srcdir/tests/messages" |
	awk -F'\t' 'NR > 1 && $3 != "not-bounce" && $4 != "" { print tolower($4) }' | sort -u >"$tmp/want"
tail -n +2 "$tmp/psum" | cut -f1 >"$tmp/got"
cmp -s "$tmp/got" "$tmp/want"; ok $? "parse --summary: every recipient of the records, once, sorted"
[ "$(col ana@example.com 2 "$tmp/psum")" = suppress ] && [ "$(col erik@example.com 3 "$tmp/psum")" = complaint ] &&
	[ "$(col dana@example.com 2 "$tmp/psum")" = ok ] && [ "$(col dana@example.com 9 "$tmp/psum")" = 1 ] &&
	[ "$(col cho@example.org 2 "$tmp/psum")" = fix-sender ] && [ "$(col ben@example.com 2 "$tmp/psum")" = retry ] &&
	[ "$(col ana@example.com 12 "$tmp/psum")" = 2025-03-03T10:14:58Z ] &&
	[ "$(col ola@example.pl 12 "$tmp/psum")" = 2026-03-08T06:00:00Z ]
ok $? "parse --summary: hard, complaint, auto-reply, sender block, soft; RFC 5322 dates with their zones"

# five notices of a full mailbox, a day apart: a streak in parse mode too
mkdir "$tmp/md"
for d in 3 4 5 6 7; do
	sed "s/ 3 Mar 2025 / $d Mar 2025 /; s/march-news-17@/march-news-$d@/" \
		"$srcdir/tests/messages/dsn-two-recipients.eml" >"$tmp/md/n$d.eml"
done
"$REBOUND" parse --summary -f tsv "$tmp/md" >"$tmp/psum"
[ "$(col ben@example.com 2 "$tmp/psum")" = suppress ] && [ "$(col ben@example.com 15 "$tmp/psum")" = 5 ] &&
	[ "$(col ben@example.com 16 "$tmp/psum")" = 4.0 ] && [ "$(col ana@example.com 4 "$tmp/psum")" = 5 ]
ok $? "parse --summary: 5 notices of a full mailbox over 4 days suppress"
# the same five notices about one sent message (one Message-ID): one message
for d in 3 4 5 6 7; do
	sed "s/ 3 Mar 2025 / $d Mar 2025 /" "$srcdir/tests/messages/dsn-two-recipients.eml" >"$tmp/md/n$d.eml"
done
"$REBOUND" parse --summary -f tsv "$tmp/md" >"$tmp/psum"
[ "$(col ben@example.com 2 "$tmp/psum")" = retry ] && [ "$(col ben@example.com 15 "$tmp/psum")" = 1 ] &&
	[ "$(col ben@example.com 5 "$tmp/psum")" = 5 ]
ok $? "parse --summary: notices returning one Message-ID are one message of the streak"
"$REBOUND" parse --summary -f tsv --soft-days 5 "$tmp/md" >"$tmp/psum"
[ "$(col ben@example.com 2 "$tmp/psum")" = retry ]; ok $? "parse --summary --soft-days 5: retry"

done_testing
