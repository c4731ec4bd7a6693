#!/bin/sh
# t-log.sh - "rebound log": delivery lines of Postfix, Sendmail, Exim and
# qmail logs become one classified record per recipient (tests/logs/).
. "${srcdir:-.}/tests/tap.sh"
[ -x "$REBOUND" ] || skip_all "rebound not built"
logs="$srcdir/tests/logs"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT

# every sample log gives exactly the records expect.tsv lists, in order
for f in postfix.log sendmail.log qmail-send.log exim_mainlog powermta-acct.csv kumomta.jsonl \
	exchange-msgtrk.log exchange-msgtrk-2010.log m365-extended-report.csv m365-message-trace.csv \
	m365-message-trace-detail.csv; do
	"$REBOUND" log --delivered -f tsv "$logs/$f" >"$tmp/out"
	ok $? "$f is read"
	tail -n +2 "$tmp/out" | awk -F'\t' -v OFS='\t' -v f="$f" '{ print f, $2, $5, $6, $11 }' >"$tmp/got"
	awk -F'\t' -v f="$f" '$1 == f' "$logs/expect.tsv" >"$tmp/want"
	[ -s "$tmp/want" ] && cmp -s "$tmp/got" "$tmp/want"
	ok $? "$f: the records of expect.tsv (line, event, recipient, class)"
	[ $? -eq 0 ] || diff "$tmp/want" "$tmp/got" | sed 's/^/# /'
done

"$REBOUND" log -f json "$logs/postfix.log" >"$tmp/out"
for key in file line mta queue_id event recipient original_recipient status reply type class \
	blame next_action provider rule sisimai bounce_code remote_mta reporting_mta date diagnostic; do
	grep -q "\"$key\":" "$tmp/out"; ok $? "JSON has key '$key'"
done
grep -q '"queue_id":"8CCC0002D","event":"failed","recipient":"frank@outlook.com","original_recipient":"frank@alias.example","status":"5.7.1","reply":550' "$tmp/out"
ok $? "Postfix: queue id, orig_to, dsn and reply code"
grep '"recipient":"frank@outlook.com"' "$tmp/out" | grep -q '"blame":"sender".*"remote_mta":"outlook-com.olc.protection.outlook.com","reporting_mta":"mx1","date":"2026-11-22T10:03:00.123456+00:00"'
ok $? "Postfix: a block of the sender's IP blames the sender; relay host, log host and ISO date"
grep '"recipient":"carol@gmail.com"' "$tmp/out" | grep -q '"provider":"gmail"'
ok $? "the relay and the text find the provider"
! grep -q '"event":"delivered"' "$tmp/out"; ok $? "deliveries are left out unless --delivered"
! grep -q 'NOQUEUE' "$tmp/out"; ok $? "the server's own refusals of incoming mail are not deliveries"

"$REBOUND" log -f json "$logs/exim_mainlog" >"$tmp/out"
grep -q '"recipient":"uma@example.biz","original_recipient":"uma@alias.example"' "$tmp/out"
ok $? "Exim: the original address after the recipient"
grep '"recipient":"pat@example.org"' "$tmp/out" | grep -q '"remote_mta":"mx.example.org"'
ok $? "Exim: H= is the remote host, a quoted DN= does not end the fields"

"$REBOUND" log --final -f tsv "$logs/postfix.log" "$logs/exim_mainlog" >"$tmp/out"
! cut -f5 "$tmp/out" | grep -q delayed; ok $? "--final leaves deferrals out"
[ "$(cut -f5 "$tmp/out" | grep -c expired)" -eq 2 ]; ok $? "--final keeps the expiries"

"$REBOUND" log -f json "$logs/powermta-acct.csv" >"$tmp/out"
grep -q '"mta":"powermta","queue_id":"job-42","event":"failed","recipient":"bea@gmail.com","original_recipient":"bea@gmail.com","status":"5.1.1"' "$tmp/out"
ok $? "PowerMTA: columns found by the header, rfc822; and the status's gloss dropped"
grep '"recipient":"bea@gmail.com"' "$tmp/out" | grep -q '"remote_mta":"gmail-smtp-in.l.google.com"'
ok $? "PowerMTA: the host of dsnMta"
grep '"recipient":"fay@example.net"' "$tmp/out" | grep -q '"class":"expired"'
ok $? "PowerMTA: a bounce with a temporary status that names only a timeout has expired"
printf 'b,x@example.org,550 5.1.1 no such user\n' | "$REBOUND" log >"$tmp/out"
[ ! -s "$tmp/out" ]; ok $? "PowerMTA: no record without a header line to name the columns"

"$REBOUND" log -f json "$logs/kumomta.jsonl" >"$tmp/out"
grep -q '"mta":"kumomta","queue_id":"2e98076abbbc11ed940250ebf67f93be","event":"failed","recipient":"hal@gmail.com","original_recipient":null,"status":"5.7.26","reply":550' "$tmp/out"
ok $? "KumoMTA: id, recipient, reply code and enhanced code from the response object"
grep -q 'DmarcRejection é b2si999' "$tmp/out"; ok $? "KumoMTA: JSON escapes in the content are decoded"
grep '"recipient":"kit@example.com"' "$tmp/out" | grep -q '"event":"complaint","recipient":"kit@example.com".*"class":"complaint"'
ok $? "KumoMTA: a feedback record is a complaint"
! grep -q '"line":1,' "$tmp/out" && ! grep -q '"line":7,' "$tmp/out"
ok $? "KumoMTA: receptions and a broken record give nothing"

# Exchange: the columns come from the header, several recipients share a line
"$REBOUND" log -f json "$logs/exchange-msgtrk.log" >"$tmp/out"
grep -q '"mta":"exchange","queue_id":"<m1@example.com>","event":"failed","recipient":"ann@example.org","original_recipient":null,"status":"5.1.1","reply":550' "$tmp/out"
ok $? "Exchange: message id, recipient and the reply of recipient-status"
grep '"recipient":"ann@example.org"' "$tmp/out" | grep -q '"remote_mta":null,"reporting_mta":"exch1","date":"2026-11-22T10:00:01.300Z"'
ok $? "Exchange: a routing failure is the logging server's own, with its date"
grep '"recipient":"eli@example.net"' "$tmp/out" | grep -q '"remote_mta":"mx2.example.net".*"diagnostic":"452 4.2.2 Mailbox full"}'
ok $? "Exchange: the LED and FQDN of a bracketed status, the second recipient's own"
grep '"recipient":"gus@example.com"' "$tmp/out" | grep -q '"diagnostic":"550 5.2.2 <gus@example.com>: mailbox full"'
ok $? "Exchange: a status with '; ' inside it does not split the recipients' statuses"
! grep -q 'sender@example.com' "$tmp/out"; ok $? "Exchange: the DSN sent back to the sender is no failure of its own"
sed 's/$/\r/' "$logs/exchange-msgtrk.log" | "$REBOUND" log -f json >"$tmp/crlf"
sed 's/"file":"[^"]*"/"file":"-"/' "$tmp/out" >"$tmp/lf"
cmp -s "$tmp/lf" "$tmp/crlf"; ok $? "Exchange: CRLF line ends (as Windows writes them) read the same"
"$REBOUND" log -f tsv "$logs/m365-message-trace-detail.csv" >"$tmp/out"
grep -q '	exchange-online	0b1c0000-0000-4000-8000-0000000000b3	delayed	ros@example.net	.*	mx.example.net	11/22/2026 10:10:00 AM	451 4.7.650 ' "$tmp/out"
ok $? "Get-MessageTraceDetail: trace id, the reply and host of the Detail's reason"
"$REBOUND" log --final -f tsv "$logs/exchange-msgtrk.log" "$logs/m365-message-trace-detail.csv" >"$tmp/out"
! cut -f5 "$tmp/out" | grep -q delayed && [ "$(cut -f5 "$tmp/out" | grep -c expired)" -eq 2 ]
ok $? "Exchange: --final leaves DEFER out and keeps the QUEUE.Expired failures"
F='date-time,server-hostname,source,event-id,message-id,recipient-address,recipient-status'
printf '2026-11-22T10:00:00.000Z,h,SMTP,FAIL,<a@example.com>,x@example.org,550 5.1.1 unknown\n' >"$tmp/x1"
"$REBOUND" log "$tmp/x1" >"$tmp/out" 2>/dev/null; [ ! -s "$tmp/out" ]
ok $? "Exchange: no record without a header line to name the columns"
printf '#Software: Microsoft Exchange Server\n#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\n2026-11-22T10:00:00.000Z,c,s,0,192.0.2.1:25,192.0.2.2:1234,*,550 5.1.1 x@example.org unknown,\n' >"$tmp/x2"
"$REBOUND" log "$tmp/x2" >"$tmp/out" 2>"$tmp/err"; [ ! -s "$tmp/out" ] && grep -q 'none of its 3 lines' "$tmp/err"
ok $? "Exchange: a protocol log's #Fields line is not a tracking log's, and the file is named as unknown"
printf '#Fields: %s\n%s\n%s\n%s\n%s\n' "$F" \
	'2026-11-22T10:00:00.000Z,h,SMTP,FAIL,<a@example.com>,"x@example.org;y@example.org",550 5.1.1 unknown' \
	'2026-11-22T10:00:00.000Z,h,SMTP,FAIL,"<b@example.com>,z@example.org,"550 5.1.1 unknown' \
	',,,,,,' '2026-11-22T10:00:00.000Z,h,SMTP,RECEIVE,<c@example.com>,w@example.org,' >"$tmp/x3"
"$REBOUND" log -f tsv "$tmp/x3" >"$tmp/out" 2>"$tmp/err"
ok $? "Exchange: broken records, exit 0"
[ "$(tail -n +2 "$tmp/out" | cut -f6 | tr '\n' ' ')" = "x@example.org y@example.org " ] && [ ! -s "$tmp/err" ]
ok $? "Exchange: one status for two recipients is both's; a broken quote and an empty record give nothing"
printf '#Fields: %s\n%s\n' "$F" \
	'Nov 22 10:00:00 h postfix/smtp[1]: AAA1: to=<p@example.org>, relay=none, delay=1, delays=1/0/0/0, dsn=5.1.1, status=bounced (550 5.1.1 unknown)' |
	"$REBOUND" log -f tsv | tail -n +2 | cut -f3,6 | grep -qx 'postfix	p@example.org'
ok $? "Exchange: a line of another log with as many commas is still that log's"

# the expiry reports the last deferral of each recipient of the message
printf '%s\n' \
	'Nov 22 10:00:00 h postfix/smtp[1]: AAA111: to=<a@example.org>, relay=none, delay=1, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.9]:25: Connection refused)' \
	'Nov 22 11:00:00 h postfix/smtp[1]: AAA111: to=<a@example.org>, relay=mx.example.org[192.0.2.9]:25, delay=1, dsn=4.7.1, status=deferred (host mx.example.org[192.0.2.9] said: 451 4.7.1 Greylisted, please try again later (in reply to RCPT TO command))' \
	'Nov 22 12:00:00 h postfix/qmgr[2]: AAA111: from=<s@example.net>, status=expired, returned to sender' \
	'Nov 22 12:00:01 h postfix/qmgr[2]: BBB222: removed' \
	'Nov 22 12:00:02 h postfix/smtp[1]: BBB222: to=<b@example.org>, relay=none, delay=1, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.9]:25: Connection refused)' \
	'Nov 22 12:00:03 h postfix/qmgr[2]: BBB222: removed' \
	'Nov 22 12:00:04 h postfix/qmgr[2]: BBB222: from=<s@example.net>, status=expired, returned to sender' |
	"$REBOUND" log --final -f tsv >"$tmp/out"
[ "$(tail -n +2 "$tmp/out" | wc -l)" -eq 1 ] && tail -n +2 "$tmp/out" | cut -f2,5,6,11 | grep -q '^3	expired	a@example.org	greylisted$'
ok $? "an expiry reports each recipient once, with its last deferral; a removed message is forgotten"

printf '%s\n' \
	'Nov 22 10:00:00 h postfix/smtp[1]: DDD444: to=<d1@example.org>, relay=none, delay=1, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.9]:25: Connection refused)' \
	'Nov 22 10:00:00 h postfix/smtp[1]: DDD444: to=<d2@example.org>, relay=none, delay=1, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.9]:25: Connection refused)' \
	'Nov 22 10:00:00 h postfix/smtp[1]: DDD444: to=<d3@example.org>, relay=none, delay=1, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.9]:25: Connection refused)' \
	'Nov 22 11:00:00 h postfix/smtp[1]: DDD444: to=<d2@example.org>, relay=mx.example.org[192.0.2.9]:25, delay=1, dsn=2.0.0, status=sent (250 2.0.0 Ok)' \
	'Nov 27 10:00:00 h postfix/qmgr[2]: DDD444: from=<s@example.net>, status=expired, returned to sender' \
	'Nov 27 10:00:00 h postfix/error[3]: DDD444: to=<d3@example.org>, relay=none, delay=432000, dsn=4.4.1, status=expired, returned to sender' |
	"$REBOUND" log --final -f tsv >"$tmp/out"
tail -n +2 "$tmp/out" | cut -f2,5,6,11 >"$tmp/got"
printf '6\texpired\td3@example.org\texpired\n5\texpired\td1@example.org\texpired\n' >"$tmp/want"
cmp -s "$tmp/got" "$tmp/want"
ok $? "a per-recipient expiry speaks for itself, a delivered recipient is not expired, an unlogged removal is settled at the end"

# input that is no log, binary bytes and a very long line
printf 'hello\n\000\377\376 to= status=\n: to=\nstatus=bounced (\n1a-b-c ** \ndelivery 5: failure: x\n' >"$tmp/junk"
head -c 3000000 /dev/zero | tr '\0' 'x' >>"$tmp/junk"
printf '\nNov 22 10:00:00 h postfix/smtp[1]: CCC333: to=<c@example.org>, relay=none, dsn=5.1.1, status=bounced (%s 550 5.1.1 user unknown)\n' \
	"$(head -c 100000 /dev/zero | tr '\0' 'y')" >>"$tmp/junk"
"$REBOUND" log -f tsv "$tmp/junk" >"$tmp/out" 2>"$tmp/err"
ok $? "junk, NUL bytes and long lines: exit 0"
[ "$(tail -n +2 "$tmp/out" | wc -l)" -eq 1 ] && tail -n +2 "$tmp/out" | cut -f6 | grep -qx 'c@example.org'
ok $? "only the real delivery line of it gives a record"

# a NUL byte inside an address once stopped the address list from moving on
printf 'Nov 22 10:00:00 h postfix/smtp[1]: EEE555: to=<a\000b@example.org>,<c@example.org>, relay=none, dsn=5.1.1, status=bounced (550 5.1.1 user unknown)\n' >"$tmp/nul"
if command -v timeout >/dev/null 2>&1; then t="timeout 20"; else t=; fi
$t "$REBOUND" log -f tsv "$tmp/nul" >"$tmp/out"
ok $? "a NUL byte in an address: the line ends, exit 0"
tail -n +2 "$tmp/out" | cut -f6 | grep -qx 'c@example.org'; ok $? "the addresses after it are still read"

printf 'hello\nworld\n' | "$REBOUND" log >"$tmp/out" 2>"$tmp/err"
ok $? "a file in no known format: exit 0"
[ ! -s "$tmp/out" ] && grep -q "none of its 2 lines is a delivery record" "$tmp/err"
ok $? "a file in no known format is named on stderr instead of passing in silence"
"$REBOUND" log "$logs/qmail-send.log" >/dev/null 2>"$tmp/err"
[ ! -s "$tmp/err" ]; ok $? "a log whose lines are known says nothing on stderr"

"$REBOUND" log "$tmp/nosuch" "$logs/sendmail.log" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ]; ok $? "an unreadable file: exit 1"
grep -q "nosuch" "$tmp/err"; ok $? "the unreadable file is named on stderr"
grep -q 'vic@example.com' "$tmp/out"; ok $? "the other files are still read"

"$REBOUND" log - <"$logs/sendmail.log" >"$tmp/a" && "$REBOUND" log <"$logs/sendmail.log" >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" && grep -q '^-:2: failed vic@example.com' "$tmp/a"
ok $? "standard input, named '-' or not"
"$REBOUND" log --profile nosuch "$logs/postfix.log" >/dev/null 2>&1; [ $? -eq 2 ]
ok $? "an unknown profile is a usage error"
"$REBOUND" log --help | grep -q 'Postfix'; ok $? "--help names the formats read"
"$REBOUND" log --help | grep -q 'Exchange'; ok $? "--help names Exchange"

done_testing
