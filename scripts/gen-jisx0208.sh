#!/bin/sh
# gen-jisx0208.sh - write runtime/jisx0208.h, the JIS X 0208 to Unicode
# table that runtime/charset.c decodes ISO-2022-JP, EUC-JP and Shift_JIS
# with.  The table is committed: building rebound needs neither this
# script nor iconv.  Only a developer who wants to check or remake the
# table runs it, on a machine with glibc's iconv program.
#
#   sh scripts/gen-jisx0208.sh                 # rewrite runtime/jisx0208.h
#   sh scripts/gen-jisx0208.sh /tmp/j.h && cmp /tmp/j.h runtime/jisx0208.h
#
# The second line is the check: a rerun must give the same bytes
# (sorted loops, C locale, no dates or host names in the output).
#
# How: every two-byte EUC-JP code (row and cell 0xA1..0xFE, which is JIS
# X 0208 row and cell 1..94 plus 0xA0) goes through iconv on a line of
# its own; a code iconv cannot map leaves its line empty and becomes 0.
# glibc's EUC-JP holds JIS X 0208 alone in these codes: no NEC row 13,
# no IBM or CP932 extensions, and its own choices for the few codes
# where mappings differ (0x2141 is U+301C WAVE DASH, 0x215D U+2212).
set -eu
LC_ALL=C
export LC_ALL
out=${1:-runtime/jisx0208.h}
command -v iconv >/dev/null 2>&1 || { echo "$0: needs iconv (glibc)" >&2; exit 1; }
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT

awk 'BEGIN { for (r = 161; r <= 254; r++) for (c = 161; c <= 254; c++) printf "%c%c\n", r, c }' |
	iconv -c -f EUC-JP -t UTF-32BE | od -An -v -tx1 |
	awk '
	BEGIN { n = 0; k = 0; cur = ""; bad = 0 }
	{
		for (i = 1; i <= NF; i++) {
			unit = unit $i
			if (++k < 4)
				continue
			k = 0
			if (unit == "0000000a") {
				v[n++] = cur == "" ? "0" : "0x" toupper(substr(cur, 5, 4))
				cur = ""
			} else if (cur != "" || substr(unit, 1, 4) != "0000") {
				bad = 1 # two code points, or one past the BMP
			} else
				cur = unit
			unit = ""
		}
	}
	END {
		if (bad || n != 94 * 94) {
			printf "gen-jisx0208.sh: iconv gave %d entries (want 8836)%s\n", n,
			    bad ? " and codes that do not fit 16 bits" : "" > "/dev/stderr"
			exit 1
		}
		print "/* jisx0208.h - JIS X 0208 to Unicode: entry (row - 1) * 94 + (cell - 1),"
		print " * 0 where the code is not assigned.  Written by scripts/gen-jisx0208.sh"
		print " * from glibc iconv'\''s EUC-JP; do not edit (rerun the script and check"
		print " * that the output is unchanged).  Included by runtime/charset.c only. */"
		print "#ifndef REBOUND_JISX0208_H"
		print "#define REBOUND_JISX0208_H"
		print ""
		print "#include <stdint.h>"
		print ""
		print "static const uint16_t rbp_jisx0208[94 * 94] = {"
		for (r = 0; r < 94; r++) {
			printf "\t/* row %d */\n", r + 1
			for (c = 0; c < 94; c++) {
				if (c % 10 == 0)
					printf "\t"
				printf "%s,", v[r * 94 + c]
				printf (c % 10 == 9 || c == 93) ? "\n" : " "
			}
		}
		print "};"
		print ""
		print "#endif"
	}' >"$tmp"
mv "$tmp" "$out"
trap - EXIT
