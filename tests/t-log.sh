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
	m365-message-trace-detail.csv opensmtpd.log haraka.log haraka-protocol.log ses-events.jsonl \
	sendgrid-events.json \
	mailgun-events.jsonl postmark-bounces.json sparkpost-events.json mandrill-events.json \
	mailjet-events.json brevo-events.jsonl resend-events.jsonl postal-webhooks.jsonl wrapped.log \
	powermta-comment-header.csv; do
	"$REBOUND" log --delivered -f tsv "$logs/$f" >"$tmp/out" 2>/dev/null
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

# lines inside what a collector wrapped them in (docker compose, docker
# logs -t, syslog's <PRI> and RFC 5424 header, a facility tag, Solaris's
# "[ID n fac.level]", journalctl's weekday) keep the line's date and host
"$REBOUND" log --delivered -f json "$logs/wrapped.log" >"$tmp/out"
for want in 'amy@example.org:mx1:Nov 22 10:00:01' 'bo@example.net:mx1:2026-11-22T10:00:02.123456789Z' \
	'cy@example.com:mx1:2026-11-22T10:00:03.000000001Z' 'di@example.org:mx1:Nov 22 10:00:04' \
	'ed@example.net:mx1:Nov 22 10:00:05' 'flo@example.com:mx2:2026-11-22T10:00:06.500+00:00' \
	'gus@example.org:mx3:Nov 22 10:00:07' 'hal@example.net:mx3:Nov 22 10:00:08' \
	'ivy@example.com:mx1:Mon 2026-11-23 10:00:09 CET' 'kim@example.org:192.0.2.5:2026-11-22 10:00:11.250' \
	'lu@example.com:mx4:Nov 22 10:00:12'; do
	rcpt=${want%%:*} rest=${want#*:}
	grep "\"recipient\":\"$rcpt\"" "$tmp/out" | grep -q "\"reporting_mta\":\"${rest%%:*}\",\"date\":\"${rest#*:}\""
	ok $? "wrapped line: $rcpt has the host and date of its own frame"
done
grep '"recipient":"mia@example.org"' "$tmp/out" | grep -q '"reporting_mta":null,"date":"Nov 22 10:00:13"'
ok $? "a syslog that writes no host name: the time is the date's, not a host"
grep '"recipient":"flo@example.com"' "$tmp/out" | grep -q '"queue_id":"9F60718293"'
ok $? "RFC 5424: the structured data (with an escaped ']') is not part of the message"
grep '"recipient":"kim@example.org"' "$tmp/out" | grep -q '"queue_id":"1vAbCd-00000000Xyz-1aBc"'
ok $? "Exim through syslog: Exim's own date, without the +pid, and its message id"
printf '%s\n' '<22>1' '<22>1 2026-11-22T10:00:00Z mx [unclosed "]' '<9999999>x' ' | ' 'a  |' \
	'mail.: x' '2026-11-22T10:00:00Z' 'Nov 22 10:00:00 mx postfix/smtp[1]: [ID 1 mail.info' \
	'Nov 22 10:00:00 mx exim[1]: : ** ' 'Mon 2' ':  to=' >"$tmp/bad"
"$REBOUND" log --delivered "$tmp/bad" >"$tmp/out" 2>/dev/null
[ $? -eq 0 ] && [ ! -s "$tmp/out" ]; ok $? "broken wrappers give no record and no error"
"$REBOUND" log --summary --zone +01:00 --as-of 2026-12-01 "$logs/wrapped.log" >"$tmp/out"
! grep -q undated "$tmp/out"; ok $? "wrapped lines: every date is read (none undated)"
grep -q '^ivy@example.com .*2026-11-23T09:00:09Z' "$tmp/out"
ok $? "journalctl's weekday before the date; a zone name it does not know is --zone's"

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
grep -q '	exchange-online	0b1c0000-0000-4000-8000-0000000000b3	delayed	ros@example.net	.*	mx.example.net	11/22/2026 10:10:00 AM		451 4.7.650 ' "$tmp/out"
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
"$REBOUND" log --help | grep -q 'OpenSMTPD' && "$REBOUND" log --help | grep -q 'SendGrid' && "$REBOUND" log --help | grep -q 'Brevo'
ok $? "--help names OpenSMTPD and the ESP feeds"

# OpenSMTPD: the mta's quoted fields, the mda's bare ones, the queue's expiry
"$REBOUND" log --delivered -f json "$logs/opensmtpd.log" >"$tmp/out" 2>"$tmp/err"
grep -q '"line":3,"mta":"opensmtpd","queue_id":"5e3d1c2a0b9f7e11","event":"failed","recipient":"ann@example.org","original_recipient":null,"status":"5.1.1","reply":550' "$tmp/out"
ok $? "OpenSMTPD: envelope id, recipient, status and reply of a PermFail"
grep '"recipient":"ann@example.org"' "$tmp/out" | grep -q '"remote_mta":"mx.example.org","reporting_mta":"mx1","date":"Nov 22 10:00:05","esp_verdict":null,"diagnostic":"550 5.1.1 <ann@example.org>: Recipient'
ok $? "OpenSMTPD: the relay's name, the syslog host and date, the text without its quotes"
grep -q '"recipient":"fay@example.org","original_recipient":"fay.alias@example.net"' "$tmp/out"
ok $? "OpenSMTPD: rcpt= is the original recipient when it is not the final one"
grep '"recipient":"dan@mx1.example.net"' "$tmp/out" | grep -q '"event":"delayed".*"remote_mta":null.*"diagnostic":"Error (\\"mail.local'
ok $? "OpenSMTPD: an mda line, its unquoted result and text"
grep -q '"line":11,"mta":"opensmtpd","queue_id":"5e3d1c2a3c4d5e22","event":"expired","recipient":"bob@example.com"' "$tmp/out"
ok $? "OpenSMTPD: the queue's Expire line is an expiry"
grep -q '"line":14,"mta":"opensmtpd","queue_id":"1f2e3d4c5b6a7981","event":"failed","recipient":"iris@example.com","original_recipient":"iris.old@example.net".*"remote_mta":"mx.example.com","reporting_mta":"mx2"' "$tmp/out"
ok $? "OpenSMTPD: the older 'relay: PermFail for' lines, their rcpt= and relay="
! grep -q 'nobody@\|eve@\|"line":12,' "$tmp/out" && [ ! -s "$tmp/err" ]
ok $? "OpenSMTPD: a refused incoming RCPT, a cut line and a removal give no record"

# Haraka: only the RCPT replies name a recipient
"$REBOUND" log -f json "$logs/haraka.log" >"$tmp/out" 2>"$tmp/err"
grep -q '"line":3,"mta":"haraka","queue_id":"A1B2C3D4-0E0F-4A1B-9C2D-3E4F5A6B7C8D.1","event":"failed","recipient":"gus@example.org"' "$tmp/out"
ok $? "Haraka: the transaction's uuid, a rejected recipient"
grep '"recipient":"gus@example.org"' "$tmp/out" | grep -q '"reporting_mta":null,"date":"2026-11-22T10:00:02.300Z"'
ok $? "Haraka: the date of log_timestamps"
grep '"recipient":"ida@yahoo.com"' "$tmp/out" | grep -q '"event":"delayed".*"reporting_mta":"relay2","date":"Nov 22 10:00:04"'
ok $? "Haraka: a deferred recipient, through syslog"
[ "$(wc -l <"$tmp/out")" -eq 4 ] && [ ! -s "$tmp/err" ]
ok $? "Haraka: lines without a recipient and a cut line give nothing, and '[NOTICE]' is not taken for JSON"
# with protocol logging, the RCPT TO lines name the recipients of a bounce
# of the whole message; one already refused on its own is not failed twice
"$REBOUND" log -f json "$logs/haraka-protocol.log" >"$tmp/out"
grep '"recipient":"lee@example.com"' "$tmp/out" | grep -q '"line":11,.*"queue_id":"D4E5F6A7-3B4C-4D5E-8F6A-7B8C9D0E1F2A.1","event":"failed".*"date":"2026-11-22T11:00:00.600Z"'
ok $? "Haraka: a bounce of the message fails the recipients its RCPT TO lines named"
[ "$(grep -c '"recipient":"mo@example.com"' "$tmp/out")" -eq 1 ] && ! grep -q 'nia@example.org' "$tmp/out"
ok $? "Haraka: not a recipient refused on its own, nor one of a delivered transaction"
grep '"recipient":"pam@example.net"' "$tmp/out" | grep -q '"reporting_mta":"relay2","date":"Nov 22 11:04:01"'
ok $? "Haraka: RCPT TO with parameters, through syslog"

# ESP event feeds: rebound's class beside the provider's verdict
"$REBOUND" log --delivered -f json "$logs/ses-events.jsonl" >"$tmp/out" 2>"$tmp/err"
ok $? "SES: broken lines do not stop the file, exit 0"
grep -q '"line":1,"mta":"amazon-ses","queue_id":"0102019a5f6e7d8c-1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d-000000","event":"failed","recipient":"lea@example.org","original_recipient":null,"status":"5.1.1","reply":550' "$tmp/out"
ok $? "SES: the mail's message id, the bounced recipient's status and reply"
grep '"recipient":"max@example.com"' "$tmp/out" | grep -q '"class":"spam_detected".*"remote_mta":"192.0.2.25","reporting_mta":"e226-55.smtp-out.eu-west-1.amazonses.com","date":"2026-11-22T10:00:02.417Z","esp_verdict":"Permanent/General"'
ok $? "SES: each recipient its own diagnostic; the bounce type kept as esp_verdict"
grep -q '"line":5,.*"recipient":"quin@example.org".*"class":"mailbox_full".*"esp_verdict":"Transient/MailboxFull"' "$tmp/out"
ok $? "SES: a notification inside an SNS envelope's Message string"
grep -q '"event":"complaint","recipient":"ned@example.com".*"esp_verdict":"abuse"' "$tmp/out"
ok $? "SES: a complaint and its feedback type"
grep -q '"event":"delayed","recipient":"pam@example.net".*"esp_verdict":"MailboxFull"' "$tmp/out"
ok $? "SES: a DeliveryDelay event is a deferral"
grep -q '"line":9,.*"recipient":"samé@example.org"' "$tmp/out"
ok $? "SES: \\u escapes are decoded, and the line after two broken ones is read"
grep -qx 'rebound: .*ses-events.jsonl:7: JSON string broken by the end of the line; skipped' "$tmp/err" &&
	grep -qx 'rebound: .*ses-events.jsonl:8: not well-formed JSON; skipped' "$tmp/err" && [ "$(wc -l <"$tmp/err")" -eq 2 ]
ok $? "SES: a cut line and a malformed one are named with file and line on stderr"
! grep -q 'rex@example.com' "$tmp/out"; ok $? "SES: a Send event is no failure"
grep '"recipient":"uli@example.com"' "$tmp/out" | grep -q '"event":"failed".*"class":"virus_detected","blame":"content".*"date":"2026-11-22T13:00:00.000Z","esp_verdict":"Reject","diagnostic":"Bad content"'
ok $? "SES: a Reject event fails every destination of the mail, a virus blamed on the content"
grep '"recipient":"val@example.net"' "$tmp/out" | grep -q '"class":"content_error","blame":"content".*"esp_verdict":"Rendering Failure","diagnostic":"Attribute'
ok $? "SES: a Rendering Failure is the template's error, nothing was sent"
printf '%s\n' '{"eventType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"a@example.org","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 no such user"},{"emailAddress":"b@example.org","status":"5.2.2"}]}}' |
	"$REBOUND" log -f tsv | tail -n +2 | cut -f6,8,11,21 >"$tmp/got"
printf 'a@example.org\t5.1.1\tuser_unknown\tsmtp; 550 5.1.1 no such user\nb@example.org\t5.2.2\tmailbox_full\t\n' >"$tmp/want"
cmp -s "$tmp/got" "$tmp/want"; ok $? "SES: a recipient without a diagnostic has its own status and no one else's text"

"$REBOUND" log -f tsv "$logs/sendgrid-events.json" >"$tmp/out" 2>"$tmp/err"
head -1 "$tmp/out" | grep -q '	date	esp_verdict	diagnostic$'; ok $? "TSV: an esp_verdict column before the diagnostic"
tail -n +2 "$tmp/out" | cut -f2,5,6,11,20 >"$tmp/got"
printf '%s\t%s\t%s\t%s\t%s\n' 11 failed uma@example.org user_unknown 'bounce/Invalid Address' \
	23 failed vic@example.net ip_blocklisted blocked/Reputation 35 delayed wes@yahoo.com reputation_throttled deferred \
	45 failed xia@example.com undetermined dropped 64 complaint yul@example.org complaint spamreport >"$tmp/want"
cmp -s "$tmp/got" "$tmp/want" && [ ! -s "$tmp/err" ]
ok $? "SendGrid: a pretty-printed array, each event at its first line, with its type and classification"
"$REBOUND" log -f json "$logs/mailgun-events.jsonl" >"$tmp/out"
grep -q '"queue_id":"20261122100000.1.A1B2C3D4E5F60718@mg.example.net","event":"failed","recipient":"zed@example.com","original_recipient":null,"status":"5.1.1","reply":550' "$tmp/out" &&
	grep '"recipient":"zed@example.com"' "$tmp/out" | grep -q '"remote_mta":"mx.example.com".*"esp_verdict":"permanent/bounce"'
ok $? "Mailgun: event-data, delivery-status code, enhanced code and mx-host"
grep -q '"event":"delayed","recipient":"abe@example.org".*"esp_verdict":"temporary/generic"' "$tmp/out"
ok $? "Mailgun: a temporary failure is a deferral"
grep -q '"recipient":"cal@example.com".*"class":"suppressed"' "$tmp/out"
ok $? "Mailgun: an event of the events API (no envelope), and the description when there is no message"
"$REBOUND" log -f json "$logs/postmark-bounces.json" >"$tmp/out"
grep -q '"line":1,"mta":"postmark","queue_id":"883953f4-6105-42a2-a16a-77a8eac79483","event":"failed","recipient":"dee@example.com".*"esp_verdict":"HardBounce"' "$tmp/out"
ok $? "Postmark: a webhook body spread over lines, told at its first line"
grep -q '"event":"delayed","recipient":"eli@example.org"' "$tmp/out" && ! grep -q 'fox@example.net' "$tmp/out"
ok $? "Postmark: Transient is a deferral, an AutoResponder no failure"
"$REBOUND" log --delivered -f json "$logs/sparkpost-events.json" >"$tmp/out"
grep -q '"recipient":"ivo@example.com".*"reply":554.*"class":"spam_detected".*"esp_verdict":"out_of_band/50"' "$tmp/out"
ok $? "SparkPost: msys message events in a batch; error_code and bounce_class"
[ "$(wc -l <"$tmp/out")" -eq 4 ]; ok $? "SparkPost: a track event gives no record"
"$REBOUND" log --delivered -f json "$logs/mandrill-events.json" >"$tmp/out" 2>"$tmp/err"
grep -q '"line":1,"mta":"mandrill","queue_id":"4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d","event":"failed","recipient":"bo@example.com","original_recipient":null,"status":"4.2.2","reply":452' "$tmp/out" &&
	grep '"recipient":"bo@example.com"' "$tmp/out" | grep -q '"remote_mta":"192.0.2.44".*"esp_verdict":"soft_bounce/mailbox_full"'
ok $? "Mandrill: an array of events; a soft bounce's last SMTP event gives the reply and the host"
grep '"recipient":"cy@example.net"' "$tmp/out" | grep -q '"class":"suppressed".*"esp_verdict":"reject/hard-bounce"'
ok $? "Mandrill: mandrill_events as a string of JSON; a reject's reason"
[ "$(wc -l <"$tmp/out")" -eq 6 ] && grep -qx 'rebound: .*mandrill-events.json:7: JSON string broken by the end of the line; skipped' "$tmp/err"
ok $? "Mandrill: an open gives no record, a cut event is named"
"$REBOUND" log -f json "$logs/mailjet-events.json" >"$tmp/out"
grep -q '"line":2,"mta":"mailjet","queue_id":"1ab23cd4-5e6f-4a7b-8c9d-0e1f2a3b4c5d","event":"failed","recipient":"ida@example.org".*"esp_verdict":"hard/recipient/user unknown","diagnostic":"host mx.example.org said: 550 5.1.1' "$tmp/out"
ok $? "Mailjet: the comment is the text, hard_bounce and the error kept as the verdict"
grep '"recipient":"jo@example.com"' "$tmp/out" | grep -q '"class":"suppressed".*"esp_verdict":"blocked/recipient/preblocked"' &&
	grep '"recipient":"kim@example.net"' "$tmp/out" | grep -q '"esp_verdict":"soft/recipient/quota exceeded"'
ok $? "Mailjet: a block by Mailjet's own list is a suppression; a soft bounce"
"$REBOUND" log -f json "$logs/brevo-events.jsonl" >"$tmp/out"
grep -q '"mta":"brevo","queue_id":"<202611221030.11223344556@smtp-relay.mailin.fr>","event":"failed","recipient":"oda@example.org","original_recipient":null,"status":"5.1.1","reply":550' "$tmp/out" &&
	grep '"recipient":"quy@example.net"' "$tmp/out" | grep -q '"class":"suppressed".*"esp_verdict":"blocked"'
ok $? "Brevo: message-id, reason and event; a blocked contact is suppressed, not a blocklisted IP"
grep -q '"event":"delayed","recipient":"ria@example.org"' "$tmp/out" && ! grep -q '"recipient":"uma@example.org"' "$tmp/out"
ok $? "Brevo: deferred is a deferral, an open no record"
"$REBOUND" log -f json "$logs/resend-events.jsonl" >"$tmp/out"
grep -q '"mta":"resend","queue_id":"8c1f2e3d-4b5a-4697-8877-a6b5c4d3e2f1","event":"failed","recipient":"vic@example.org","original_recipient":null,"status":"5.1.1","reply":550.*"esp_verdict":"Permanent/General"' "$tmp/out" &&
	grep -q '"event":"delayed","recipient":"wen@example.com"' "$tmp/out" && [ "$(wc -l <"$tmp/out")" -eq 3 ]
ok $? "Resend: data.to and the bounce's message, type and subType; a delay; an open gives no record"
"$REBOUND" log -f json "$logs/postal-webhooks.jsonl" >"$tmp/out"
grep -q '"mta":"postal","queue_id":"5e1d2c3b-4a59-4867-b5a4-93827160f5e4@rp.postal.example.net","event":"failed","recipient":"yan@example.org".*"class":"ip_blocklisted".*"esp_verdict":"MessageDeliveryFailed/HardFail"' "$tmp/out" &&
	grep -q '"event":"delayed","recipient":"zoe@example.com".*"class":"greylisted"' "$tmp/out" && [ "$(wc -l <"$tmp/out")" -eq 2 ]
ok $? "Postal: the payload's output as the text, its status beside the event; a click gives no record"
"$REBOUND" log "$logs/ses-events.jsonl" 2>/dev/null | grep -q ':1: failed lea@example.org (esp: Permanent/General)  hard  *user_unknown'
ok $? "text: the ESP's verdict after the recipient"
printf '{\n  "name": "no feed",\n  "list": [1, 2]\n}\n' | "$REBOUND" log >"$tmp/out" 2>"$tmp/err"
[ ! -s "$tmp/out" ] && grep -q 'none of its 4 lines is a delivery record' "$tmp/err"
ok $? "JSON of no known feed, spread over lines, is named as unknown"

# the summary folds the events like any log's
"$REBOUND" log --summary -f tsv --as-of 2026-11-30 "$logs/ses-events.jsonl" >"$tmp/out" 2>/dev/null
grep -q '^lea@example.org	suppress	' "$tmp/out" && grep -q '^ned@example.com	suppress	complaint	' "$tmp/out" &&
	grep -q '^quin@example.org	retry	' "$tmp/out" && grep -q '^oli@example.com	ok	' "$tmp/out" &&
	grep -q '^tia@example.org	fix-sender	' "$tmp/out"
ok $? "--summary over an event file: suppress, complaint, retry, ok, and fix-sender for a rejected virus"

# broken JSON of every kind is reported and the next line is read
{
	printf '{\n  "eventType": "Bounce",\n  "bounce": {\n'
	printf '{"event":"bounce","email":"z1@example.org","reason":"550 5.1.1 unknown user","status":"5.1.1"}\n'
	printf '[{"event":"bounce","email":"z2@example.org","reason":"550 5.1.1 unknown user"},\n'
	printf '{"event":"bounce","email":"z3@example.org","reason":"550 5.1.1 unknown user"} trailing\n'
	printf '{"event":"bounce","email":"z4@example.org","reason":"550 5.1.1 unknown user"}\r\n'
	printf '{"a":%s1%s}\n' "$(head -c 300 /dev/zero | tr '\0' '[')" "$(head -c 300 /dev/zero | tr '\0' ']')"
	printf '{"Type":"Notification","Message":"{\\"eventType\\":\\"Bounce\\",\\"bounce\\":{\\"bouncedRecipients\\":[{\\"emailAddress\\":\\"z5@example.org\\",\\"diagnosticCode\\":\\"550 5.1.1 unknown\\"}]}}"}\n'
	printf '%s\n' "$(head -c 5000 /dev/zero | tr '\0' '[')"
} >"$tmp/bad.json"
"$REBOUND" log -f tsv "$tmp/bad.json" >"$tmp/out" 2>"$tmp/err"
ok $? "broken JSON: exit 0"
[ "$(tail -n +2 "$tmp/out" | cut -f2,6 | tr '\t\n' ': ')" = "4:z1@example.org 5:z2@example.org 6:z3@example.org 7:z4@example.org 9:z5@example.org " ]
ok $? "broken JSON: the whole events around the broken ones are read (a cut array's first too), CRLF too"
grep -q 'bad.json:1: JSON value cut short before the next record' "$tmp/err" &&
	grep -q 'bad.json:5: JSON array cut short at the end of its line' "$tmp/err" &&
	grep -q 'bad.json:6: text after a JSON value' "$tmp/err" && grep -q 'bad.json:8: not well-formed JSON' "$tmp/err" &&
	grep -q 'bad.json:10: JSON value not closed at the end of the file' "$tmp/err" && [ "$(wc -l <"$tmp/err")" -eq 5 ]
ok $? "broken JSON: each named with its line, nesting too deep too"

# a qmail line that ends at "delivery ", the number on a later line: no
# record, and nothing read past the line's end (a fuzzer's find)
printf '@400000006740a1c20000a1b31 starting delivery 18: msg 7 to local amy@example.net\n@400000006740a1c20000a1b32 delivery \n\n\n18: failure: Sorry,_no_mailbox_here_by_that_name\n' >"$tmp/qmail-cut.log"
"$REBOUND" log -f tsv "$tmp/qmail-cut.log" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ]
ok $? "qmail: a delivery number on another line gives no record"

done_testing
