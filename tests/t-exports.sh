#!/bin/sh
# t-exports.sh - the shared library of the build tree exports the
# functions of rebound.h, all named rebound_*, and nothing else: no
# internal rb_* function or table, no stray helper, nothing a program
# linking it could collide with.  (The static library holds the internal
# names too, as it must; they are hidden from the dynamic symbol table.)
. "${srcdir:-.}/tests/tap.sh"
lib=
for f in .libs/librebound.so .libs/librebound.dylib; do
	[ -f "$f" ] && lib=$f && break
done
[ -n "$lib" ] || skip_all "no shared library in .libs (configured with --disable-shared?)"
command -v nm >/dev/null 2>&1 || skip_all "nm is not installed"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT

# defined, dynamic symbols: "name type [value size]" with -P
if ! nm -D --defined-only -P "$lib" >"$tmp/nm" 2>/dev/null; then
	nm -gU -P "$lib" >"$tmp/nm" 2>/dev/null || skip_all "nm cannot list $lib"
fi
# the sanitizers' runtimes add symbols of their own to an instrumented
# library; a plain build must have none of them
awk '{ sub(/^_/, "", $1) } $1 !~ /^rebound_/ && $1 !~ /^(_init|_fini|__bss_start|_edata|_end)$/ { print $1 }' \
	"$tmp/nm" | grep -v '^__\(asan\|ubsan\|tsan\|sanitizer\|odr_asan\)' | sort >"$tmp/foreign"
awk '{ sub(/^_/, "", $1) } $1 ~ /^rebound_/ { print $1 }' "$tmp/nm" | sort -u >"$tmp/exported"
n=$(wc -l <"$tmp/exported" | tr -d ' ')
[ "$n" -gt 0 ] && [ ! -s "$tmp/foreign" ]
ok $? "$(basename "$lib") exports $n symbols, all rebound_*"
[ -s "$tmp/foreign" ] && diag "also exported: $(tr '\n' ' ' <"$tmp/foreign")"

# every REBOUND_API function of the header, and no rebound_* that the
# header does not declare
sed -n 's/^REBOUND_API [^(]*[ *]\(rebound_[a-z0-9_]*\)(.*/\1/p' "$srcdir/runtime/rebound.h" |
	sort -u >"$tmp/declared"
comm -23 "$tmp/declared" "$tmp/exported" >"$tmp/missing"
comm -13 "$tmp/declared" "$tmp/exported" >"$tmp/extra"
[ -s "$tmp/declared" ] && [ ! -s "$tmp/missing" ]
ok $? "every function declared REBOUND_API in rebound.h is exported ($(wc -l <"$tmp/declared" | tr -d ' '))"
[ -s "$tmp/missing" ] && diag "missing: $(tr '\n' ' ' <"$tmp/missing")"
[ ! -s "$tmp/extra" ]
ok $? "nothing rebound_* is exported that rebound.h does not declare"
[ -s "$tmp/extra" ] && diag "undeclared: $(tr '\n' ' ' <"$tmp/extra")"

# the soname carries the interface version (libtool's current - age)
if command -v objdump >/dev/null 2>&1 && [ "${lib##*.}" = so ]; then
	soname=$(objdump -p "$lib" 2>/dev/null | awk '$1 == "SONAME" { print $2 }')
	case $soname in
	librebound.so.[0-9]*) ok 0 "the soname is versioned ($soname)" ;;
	*) ok 1 "the soname is versioned (got '$soname')" ;;
	esac
fi
done_testing
