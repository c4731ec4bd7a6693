#!/bin/sh
# t-install.sh - what "make install" puts where, and that a program can be
# built against the installed library with nothing but pkg-config.
#
# Configures the source tree into a scratch build folder with the options
# of the build tree the test runs in (minus --prefix and the sanitizers,
# which an outside program would have to link too) and installs into a
# scratch prefix.  Skips when the source tree is configured in place,
# since configure then refuses a second build folder.
. "${srcdir:-.}/tests/tap.sh"
srcdir=$(cd "$srcdir" && pwd)
top_build=$(pwd)
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $1"; }

[ -x "$srcdir/configure" ] || skip_all "no configure script in $srcdir"
if [ -f "$srcdir/config.status" ] && [ "$srcdir" != "$top_build" ]; then
	skip_all "the source tree is configured in place"
fi
command -v pkg-config >/dev/null 2>&1 || skip_all "pkg-config is not installed"

# The current build tree's configure arguments, as config.status quotes them.
args=
if [ -x "$top_build/config.status" ]; then
	eval "set -- $("$top_build/config.status" --config)"
	for a in "$@"; do
		case $a in
		--prefix=* | --prefix | --enable-sanitizers | --srcdir=* | --cache-file=*) ;;
		*) args="$args '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'" ;;
		esac
	done
fi

# A make run from "make check" must not inherit its flags and variables.
unset MAKEFLAGS MFLAGS MAKELEVEL
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
mkdir "$tmp/build"
(
	cd "$tmp/build" &&
	eval "\"$srcdir/configure\" --prefix=\"$prefix\" --disable-dependency-tracking $args" &&
	${MAKE:-make} -j"$jobs" install
) >"$tmp/log" 2>&1
status=$?
if [ $status -ne 0 ]; then
	echo "1..0 # SKIP make install failed ($(tail -n 1 "$tmp/log"))"
	sed 's/^/# /' "$tmp/log" | tail -n 30
	exit 0
fi
ok 0 "configure --prefix=(scratch) and make install succeed"

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$prefix/lib64/pkgconfig:$prefix/share/pkgconfig"
pcfile=$(ls "$prefix"/lib*/pkgconfig/rebound.pc "$prefix"/share/pkgconfig/rebound.pc 2>/dev/null | head -n 1)
[ -n "$pcfile" ]; ok $? "rebound.pc is installed"
want_version=$(sed -n 's/^#define REBOUND_VERSION_STRING "\(.*\)"/\1/p' "$srcdir/runtime/rebound.h")
[ "$(pkg-config --modversion rebound 2>/dev/null)" = "$want_version" ]
ok $? "pkg-config finds rebound $want_version"
includedir=$(pkg-config --variable=includedir rebound)
libdir=$(pkg-config --variable=libdir rebound)
cmp -s "$includedir/rebound.h" "$srcdir/runtime/rebound.h"; ok $? "rebound.h is installed"
[ -x "$prefix/bin/rebound" ]; ok $? "rebound is installed"
if [ -x "$tmp/build/reboundc" ]; then
	[ -x "$prefix/bin/reboundc" ]; ok $? "reboundc is installed"
else
	skip "reboundc is not built here"
fi
for m in man1/rebound.1 man1/reboundc.1 man3/rebound.3 man5/rebound-rules.5; do
	if [ -f "$srcdir/man/${m#*/}" ]; then
		[ -f "$prefix/share/man/$m" ]; ok $? "man page $m is installed"
	else
		skip "no man/${m#*/} in this source tree"
	fi
done

# The example of rebound(3), built as a user would.
cat >"$tmp/use.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <rebound.h>

int main(int argc, char **argv)
{
	const char *text = argc > 1 ? argv[1] : "550 5.1.1 user unknown";
	struct rebound_query q = { .recipient_domain = "example.org" };
	struct rebound_result r;

	if (rebound_classify(text, strlen(text), &q, &r) != REBOUND_OK)
		return 1;
	printf("%s %s %s %s\n", rebound_type_name(r.type), r.cls->name,
	       rebound_blame_name(r.cls->blame), r.rule->id);
	return 0;
}
EOF
cc=${CC:-cc}
# shellcheck disable=SC2046
$cc -std=c99 -o "$tmp/use" "$tmp/use.c" $(pkg-config --cflags --libs rebound) 2>"$tmp/err"
ok $? "a program builds with \$(pkg-config --cflags --libs rebound)"
[ -s "$tmp/err" ] && diag "$(cat "$tmp/err")"
out=$(LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
      DYLD_LIBRARY_PATH="$libdir" "$tmp/use" "550 5.1.1 user unknown" 2>&1)
case $out in
"hard user_unknown recipient "*) ok 0 "it classifies \"550 5.1.1 user unknown\" as user_unknown" ;;
*) ok 1 "it classifies \"550 5.1.1 user unknown\" as user_unknown"; diag "got: $out" ;;
esac

# The shared library exports the API and nothing else.
so=$(ls "$libdir"/librebound.so.* "$libdir"/librebound.so "$libdir"/librebound.dylib 2>/dev/null | head -n 1)
if [ -n "$so" ] && nm -D --defined-only "$so" >"$tmp/nm" 2>/dev/null; then
	awk 'NF >= 3 && $3 !~ /^rebound_/ { print $3 }' "$tmp/nm" >"$tmp/foreign"
	n=$(awk 'NF >= 3 && $3 ~ /^rebound_/' "$tmp/nm" | wc -l)
	[ ! -s "$tmp/foreign" ] && [ "$n" -gt 0 ]
	ok $? "$(basename "$so") exports only rebound_* ($n symbols)"
	[ -s "$tmp/foreign" ] && diag "also exported: $(tr '\n' ' ' <"$tmp/foreign")"
	# every function of the header is there
	missing=
	for f in $(sed -n 's/^REBOUND_API [^(]*[ *]\(rebound_[a-z_]*\)(.*/\1/p' "$srcdir/runtime/rebound.h"); do
		grep -q " $f\$" "$tmp/nm" || missing="$missing $f"
	done
	[ -z "$missing" ]; ok $? "every REBOUND_API function of rebound.h is exported"
	[ -n "$missing" ] && diag "missing:$missing"
else
	skip "no shared library (configured with --disable-shared?)"
	skip "no shared library"
fi
done_testing
