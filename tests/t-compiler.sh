#!/bin/sh
# t-compiler.sh - reboundc's diagnostics, word for word, and the checks
# on the real rule base.
#
# tests/errors/NAME.rules is compiled together with tests/base.rules; its
# messages must equal tests/errors/NAME.err and the exit status must be 1
# (or 0 when NAME.err holds warnings only).
. "${srcdir:-.}/tests/tap.sh"
[ -x "$REBOUNDC" ] || skip_all "reboundc not built (needs bison and re2c)"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
cd "$srcdir" || exit 1

for f in tests/errors/*.rules; do
	name=${f%.rules}
	"$REBOUNDC" --check $(cat "$name.opts" 2>/dev/null || echo -Wno-unused-class) tests/base.rules "$f" >"$tmp/out" 2>"$tmp/err"
	status=$?
	want=1
	grep -q ': error: ' "$name.err" || want=0
	[ "$status" -eq "$want" ]; ok $? "$f: exit status $status"
	diff -u "$name.err" "$tmp/err" >"$tmp/diff"
	ok $? "$f: diagnostics as in $name.err"
	[ -s "$tmp/diff" ] && diag "$(cat "$tmp/diff")"
done

"$REBOUNDC" --check -Werror=shadow -Wno-unused-class tests/base.rules tests/errors/shadow.rules >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q '\[-Werror=shadow\]' "$tmp/err"; ok $? "-Werror=shadow turns the warning into an error"
"$REBOUNDC" --check -Wno-shadow -Wno-unused-class tests/base.rules tests/errors/shadow.rules >/dev/null 2>"$tmp/err"
! grep -q 'can never decide' "$tmp/err"; ok $? "-Wno-shadow silences it"

"$REBOUNDC" --check tests/no-such-file.rules >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "^reboundc: error: cannot open 'tests/no-such-file.rules'" "$tmp/err"
ok $? "a missing file is an I/O error, exit 2"
"$REBOUNDC" --bogus >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "an unknown option exits 2"
printf 'rule x {\n  text "\000"\n}\n' >"$tmp/nul.rules"
"$REBOUNDC" --check tests/base.rules "$tmp/nul.rules" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'NUL byte' "$tmp/err"; ok $? "a NUL byte is a located error, not a crash"
head -c 100000 /dev/urandom >"$tmp/garbage.rules"
"$REBOUNDC" --check "$tmp/garbage.rules" >/dev/null 2>&1; [ $? -eq 1 ]; ok $? "random bytes are reported, not crashed on"

for f in tests/compile/*.rules; do
	[ -f "$f" ] || continue
	"$REBOUNDC" --check -Wno-unused-class tests/base.rules "$f" >/dev/null 2>"$tmp/err"
	ok $? "$f compiles and every example in it holds"
	[ -s "$tmp/err" ] && diag "$(cat "$tmp/err")"
	if [ -f "${f%.rules}.dump" ]; then
		"$REBOUNDC" --dump -Wno-unused-class tests/base.rules "$f" 2>/dev/null >"$tmp/dump"
		diff -u "${f%.rules}.dump" "$tmp/dump" >"$tmp/diff"
		ok $? "$f ranks its rules as in ${f%.rules}.dump"
		[ -s "$tmp/diff" ] && diag "$(cat "$tmp/diff")"
	fi
done

"$REBOUNDC" --check rules.d 2>"$tmp/err"
ok $? "rules.d: every rule checks out and every example classifies as written"
[ -s "$tmp/err" ] && diag "$(cat "$tmp/err")"
"$REBOUNDC" --dump rules.d >"$tmp/dump" 2>/dev/null
n=$(grep -c '^ *[0-9]' "$tmp/dump")
[ "$n" -gt 0 ]; ok $? "--dump lists $n rules"
done_testing
