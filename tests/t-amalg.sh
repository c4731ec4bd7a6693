#!/bin/sh
# t-amalg.sh - the one-file build (build-aux/amalgamate.sh): rebound.c
# compiles warning-free as strict C99 with every compiler at hand,
# exports nothing but rebound_*, and a program built from only rebound.c
# and rebound.h classifies exactly as the library does.
#
# Uses $CC when set (make check passes the configured compiler), then gcc
# and clang when installed; $REBOUND (the built CLI) is the reference.
. "${srcdir:-.}/tests/tap.sh"
srcdir=$(cd "$srcdir" && pwd)
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
STRICT="-std=c99 -pedantic -Wall -Wextra -Werror"

sh "$srcdir/build-aux/amalgamate.sh" "$tmp/out" "$srcdir" 2>"$tmp/err"
[ $? -eq 0 ] && [ -s "$tmp/out/rebound.c" ] && cmp -s "$tmp/out/rebound.h" "$srcdir/runtime/rebound.h"
ok $? "amalgamate.sh writes rebound.c and a copy of rebound.h"
[ -s "$tmp/err" ] && diag "$(cat "$tmp/err")"
[ -s "$tmp/out/rebound.c" ] || { done_testing; exit 1; }

# The define must come before any line of code; comments may precede it.
first=$(grep -v '^ *\*\|^/\*\|^ *$' "$tmp/out/rebound.c" | head -n 1)
[ "$first" = "#define REBOUND_AMALGAMATION 1" ]
ok $? "REBOUND_AMALGAMATION is defined before anything else"

n_bad=0
for f in runtime/api.c runtime/classify.c runtime/codes.c runtime/names.c runtime/internal.h \
         runtime/rebound.h generated/ids.h generated/classes.c generated/rules.c \
         generated/match.c generated/tables.c; do
	b=$(grep -c "^/\*.* begin file $f .*\*/\$" "$tmp/out/rebound.c")
	e=$(grep -c "^/\*.* end file $f .*\*/\$" "$tmp/out/rebound.c")
	if [ "$b" -ne 1 ] || [ "$e" -ne 1 ]; then
		diag "$f: $b begin and $e end banners"
		n_bad=$((n_bad + 1))
	fi
done
[ "$n_bad" -eq 0 ]; ok $? "every file is pasted exactly once, between banners"
! grep -q '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$tmp/out/rebound.c"
ok $? "no project header is left to include"

# Compilers: $CC first, then gcc and clang if installed and not the same.
compilers=
for c in "${CC:-}" gcc clang; do
	[ -n "$c" ] || continue
	set -- $c
	command -v "$1" >/dev/null 2>&1 || continue
	case " $compilers " in *" $c "*) continue ;; esac
	compilers="$compilers $c"
done
[ -n "$compilers" ] || { diag "no C compiler found"; done_testing; exit 1; }

obj=
i=0
for c in $compilers; do
	i=$((i + 1))
	$c $STRICT -c -o "$tmp/rebound-$i.o" "$tmp/out/rebound.c" 2>"$tmp/err"
	ok $? "rebound.c compiles with '$c $STRICT'"
	[ -s "$tmp/err" ] && diag "$(head -n 20 "$tmp/err")"
	[ -f "$tmp/rebound-$i.o" ] && [ -z "$obj" ] && obj="$tmp/rebound-$i.o" && cc1=$c
done

if [ -n "$obj" ]; then
	# POSIX output: name, type, value, size; U is undefined, w/v weak undefined
	nm -gP "$obj" >"$tmp/nm" 2>"$tmp/err"
	awk '$2 != "U" && $2 != "w" && $2 != "v" && $1 !~ /^_?rebound_/ { print $1 }' "$tmp/nm" >"$tmp/foreign"
	n=$(awk '$2 != "U" && $1 ~ /^_?rebound_/' "$tmp/nm" | wc -l)
	[ -s "$tmp/nm" ] && [ ! -s "$tmp/foreign" ] && [ "$n" -gt 0 ]
	ok $? "the only global symbols are rebound_* ($n of them)"
	[ -s "$tmp/foreign" ] && diag "also global: $(tr '\n' ' ' <"$tmp/foreign")"
	# and every function the header declares is there (a source missing
	# from the amalgamation shows up here, not in a user's link)
	missing=
	for f in $(sed -n 's/^REBOUND_API [^(]*[ *]\(rebound_[a-z_]*\)(.*/\1/p' "$srcdir/runtime/rebound.h"); do
		awk -v f="$f" '$2 != "U" && ($1 == f || $1 == "_" f) { found = 1 } END { exit !found }' "$tmp/nm" ||
			missing="$missing $f"
	done
	[ -z "$missing" ]; ok $? "every REBOUND_API function of rebound.h is defined"
	[ -n "$missing" ] && diag "missing:$missing"
fi

# A program that has only the two files: one line in, nine columns of
# 'rebound classify --format tsv' out (picked by name from its header, so
# the CLI may reorder its columns).
mkdir "$tmp/app"
cp "$tmp/out/rebound.c" "$tmp/out/rebound.h" "$tmp/app/"
cat >"$tmp/app/main.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rebound.h"

static void one(const char *t, size_t n, const struct rebound_query *q)
{
	struct rebound_result r;
	const struct rebound_class *c;
	if (n && t[n - 1] == '\r')
		n--;
	rebound_classify(t, n, q, &r);
	c = r.cls;
	printf("%s\t%s\t%s\t%s\t%s\t", rebound_type_name(r.type), c->name,
	       rebound_blame_name(c->blame), rebound_action_name(c->action),
	       rebound_category_name(c->category));
	if (r.reply)
		printf("%u", r.reply);
	printf("\t%s\t%s\t%s\n", r.status, r.provider ? r.provider->id : "", r.rule->id);
}

int main(int argc, char **argv)
{
	struct rebound_query q;
	size_t cap = 1 << 16, len = 0, got, start, i;
	char *buf = malloc(cap);
	memset(&q, 0, sizeof q);
	if (argc > 1)
		q.profile = argv[1];
	if (!buf)
		return 1;
	while ((got = fread(buf + len, 1, cap - len, stdin)) > 0) {
		len += got;
		if (len == cap && !(buf = realloc(buf, cap *= 2)))
			return 1;
	}
	for (start = i = 0; i < len; i++)
		if (buf[i] == '\n') {
			one(buf + start, i - start, &q);
			start = i + 1;
		}
	if (start < len)
		one(buf + start, len - start, &q);
	free(buf);
	return 0;
}
EOF
(cd "$tmp/app" && $cc1 -std=c99 -Wall -Wextra -Werror -o app main.c rebound.c) 2>"$tmp/err"
ok $? "a program built from only rebound.c and rebound.h links"
[ -s "$tmp/err" ] && diag "$(head -n 20 "$tmp/err")"

if [ ! -x "$REBOUND" ] || [ ! -x "$tmp/app/app" ]; then
	diag "no \$REBOUND or no program: cannot compare with the library"
	done_testing
	exit
fi

# Inputs: the examples, the seed cases when ../shared is there, and a few
# awkward lines (CR, NUL, invalid UTF-8, no code, a code alone).
cp "$srcdir/examples/replies.txt" "$tmp/in"
if [ -f "$SHARED/expect/seed-cases.tsv" ]; then
	tail -n +2 "$SHARED/expect/seed-cases.tsv" | cut -f 5 >>"$tmp/in"
fi
printf '550 5.1.1 user unknown\r\n\n552\nmailbox full\n421 4.7.0 a\000b\n\377\376 550 5.7.1 spam\n' >>"$tmp/in"
lines=$(wc -l <"$tmp/in")

for p in "" $("$REBOUND" list profiles | awk 'NR > 1 { print $1 }'); do
	"$tmp/app/app" $p <"$tmp/in" >"$tmp/amalg.out"
	if [ -n "$p" ]; then
		"$REBOUND" classify --format tsv --profile "$p" <"$tmp/in"
	else
		"$REBOUND" classify --format tsv <"$tmp/in"
	fi | awk -F '\t' -v OFS='\t' '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ print $col["type"], $col["class"], $col["blame"], $col["action"], $col["category"],
		        $col["reply"], $col["status"], $col["provider"], $col["rule"] }' >"$tmp/lib.out"
	cmp -s "$tmp/amalg.out" "$tmp/lib.out" && [ -s "$tmp/lib.out" ]
	ok $? "the one-file build classifies $lines lines as the library does (profile ${p:-default})"
	diff "$tmp/lib.out" "$tmp/amalg.out" >"$tmp/diff" || diag "$(head -n 20 "$tmp/diff")"
done
done_testing
