#!/bin/sh
# t-fresh.sh - generated/ is exactly what the committed rules produce, and
# producing it is deterministic.
. "${srcdir:-.}/tests/tap.sh"
[ -x "$REBOUNDC" ] || skip_all "reboundc not built (needs bison and re2c)"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/a" "$tmp/b"

(cd "$srcdir" && LC_ALL=C "$REBOUNDC" -o "$tmp/a" rules.d) 2>"$tmp/err"
ok $? "reboundc compiles rules.d"
(cd "$srcdir" && LC_ALL=C "$REBOUNDC" -o "$tmp/b" rules.d) 2>/dev/null
diff -r "$tmp/a" "$tmp/b" >/dev/null; ok $? "two runs give identical output"

diff -r "$srcdir/generated" "$tmp/a" >"$tmp/diff" 2>&1
ok $? "the committed generated/ matches the committed rules byte for byte"
[ -s "$tmp/diff" ] && { diag "generated/ is stale; run 'make regen' and commit:"; head -20 "$tmp/diff" | diag "$(cat)"; }

(cd "$srcdir" && LC_ALL=C "$REBOUNDC" --doc "$tmp/rules.md" rules.d) 2>/dev/null
cmp -s "$srcdir/doc/rules.md" "$tmp/rules.md"; ok $? "doc/rules.md matches the committed rules"

# a one-rule change gives a small diff
cp -r "$srcdir/rules.d" "$tmp/rules.d"
cat >>"$tmp/rules.d/99-extra.rules" <<'RULES'
rule fresh-test-extra {
    text "fresh test phrase"
    class undetermined
    example "fresh test phrase" => undetermined
}
RULES
mkdir "$tmp/c"
(cd "$tmp" && LC_ALL=C "$REBOUNDC" -o "$tmp/c" rules.d) 2>/dev/null
lines=$(diff -r "$tmp/a" "$tmp/c" | grep -c '^[<>]')
[ "$lines" -gt 0 ] && [ "$lines" -lt 120 ]; ok $? "adding one rule changes $lines generated lines"
done_testing
