#!/bin/sh
# amalgamate.sh - write rebound's runtime as two files: rebound.h (the
# public header, unchanged) and rebound.c (the public header, every
# runtime source, the message parser and the generated tables, in one
# translation unit that includes nothing of the project).
#
#   sh build-aux/amalgamate.sh OUTDIR [SRCDIR]     (SRCDIR: this tree)
#
# REBOUND_AMALGAMATION comes first, so every internal function and table
# is static (see runtime/internal.h) and a program that compiles
# rebound.c gets only the rebound_* names.  Each header is pasted once,
# where it is first included, between "begin file" and "end file"
# banners; the macros a .c file defines are undefined after it, so two
# files may use the same macro name.  The sources are the .c files of
# RUNTIME_SOURCES and GENERATED_SOURCES in Makefile.am, in that order,
# so a new runtime file is picked up without touching this script.
set -eu
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: amalgamate.sh OUTDIR [SRCDIR]" >&2; exit 2; }
out=$1
src=${2:-$(cd "$(dirname "$0")/.." && pwd)}
mkdir -p "$out"

files=$(awk '
	/^(RUNTIME|GENERATED)_SOURCES *=/ { on = 1 }
	on { for (i = 1; i <= NF; i++) if ($i ~ /\.c$/) print $i
	     if ($0 !~ /\\$/) on = 0 }' "$src/Makefile.am")
[ -n "$files" ] || { echo "amalgamate.sh: no sources named in $src/Makefile.am" >&2; exit 1; }
version=$(sed -n 's/^#define REBOUND_VERSION_STRING "\(.*\)"/\1/p' "$src/runtime/rebound.h")
rules=$(sed -n 's/^[[:space:]]*"\(rebound-rules-[^"]*\)".*/\1/p' "$src/generated/tables.c" | head -n 1)

tmp=$out/rebound.c.tmp
{
	cat <<EOF
/*
 * rebound.c - rebound $version in one C file: the runtime, the message
 * parser and the rule tables ($rules).
 *
 * Compile it as C99 or later with rebound.h beside it (for your own
 * code; this file carries its own copy).  It needs only the C library.
 * Written by build-aux/amalgamate.sh from runtime/ and generated/;
 * change those, not this.
 */
#define REBOUND_AMALGAMATION 1
EOF
	awk -v src="$src" '
	function exists(p,    line, r) {
		r = (getline line < p) >= 0
		close(p)
		return r
	}
	# the file a quoted include names: beside the includer, else in
	# runtime/ or generated/
	function locate(dir, name) {
		if (exists(dir "/" name)) return dir "/" name
		if (exists(src "/runtime/" name)) return src "/runtime/" name
		if (exists(src "/generated/" name)) return src "/generated/" name
		return ""
	}
	function paste(path,    line, name, dir, defs, n, i, m, found, rel) {
		rel = index(path, src "/") == 1 ? substr(path, length(src) + 2) : path
		dir = path
		sub(/\/[^\/]*$/, "", dir)
		print "/* begin file " rel " */"
		n = 0
		while ((getline line < path) > 0) {
			if (line ~ /^#[ \t]*include[ \t]*"/) {
				name = line
				sub(/^#[ \t]*include[ \t]*"/, "", name)
				sub(/".*/, "", name)
				found = locate(dir, name)
				if (found == "") {
					print "amalgamate.sh: " rel ": cannot find \"" name "\"" > "/dev/stderr"
					failed = 1
					exit 1
				}
				if (!(found in done)) {
					done[found] = 1
					paste(found)
				}
				continue
			}
			if (path ~ /\.c$/ && line ~ /^#[ \t]*define[ \t]+[A-Za-z_]/) {
				m = line
				sub(/^#[ \t]*define[ \t]+/, "", m)
				sub(/[^A-Za-z0-9_].*/, "", m)
				defs[++n] = m
			}
			print line
		}
		close(path)
		for (i = 1; i <= n; i++)
			print "#undef " defs[i]
		print "/* end file " rel " */"
	}
	{
		p = src "/" $0
		if (!(p in done)) {
			done[p] = 1
			paste(p)
		}
	}
	END { if (failed) exit 1 }' <<EOF
runtime/rebound.h
$files
EOF
} >"$tmp"
mv "$tmp" "$out/rebound.c"
cp "$src/runtime/rebound.h" "$out/rebound.h.tmp"
mv "$out/rebound.h.tmp" "$out/rebound.h"
