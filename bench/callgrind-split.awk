# callgrind-split.awk - read a callgrind output file (made with the
# default --dump-line=yes) and print, one per line:
#
#   total N                     all instructions of the run
#   incl FUNCTION N             inclusive cost of FUNCTION (every call into it)
#   self FUNCTION N             instructions executed in FUNCTION itself
#   line FILE:LINE N            instructions attributed to a source line
#                               (inlined code counts at its own line)
#
# The file format compresses names ("fn=(12) name" once, "fn=(12)" after)
# and positions ("+3", "-2", "*" relative to the previous cost line); a
# cost line right after "calls=" is the inclusive cost of that call.
function name_of(kind, s,    id, rest) {
	# s is "(id) name" or "(id)"
	if (match(s, /^\([0-9]+\)/)) {
		id = substr(s, 2, RLENGTH - 2)
		rest = substr(s, RLENGTH + 1)
		sub(/^ /, "", rest)
		if (rest != "")
			names[kind, id] = rest
		return names[kind, id]
	}
	return s
}
/^fl=/ { fl = name_of("f", substr($0, 4)); file = fl; next }
/^fi=/ || /^fe=/ { file = name_of("f", substr($0, 4)); next }
/^fn=/ { fn = name_of("n", substr($0, 4)); file = fl; next }
/^cfi=/ || /^cfl=/ { name_of("f", substr($0, 5)); next }
/^cfn=/ { callee = name_of("n", substr($0, 5)); next }
/^calls=/ { incall = 1; next }
/^summary:/ || /^totals:/ { total = $2; next }
/^[0-9+*-]/ {
	pos = $1
	if (pos == "*")
		line = last
	else if (pos ~ /^\+/)
		line = last + substr(pos, 2)
	else if (pos ~ /^-/)
		line = last - substr(pos, 2)
	else
		line = pos + 0
	last = line
	cost = $2 + 0
	if (incall) {
		incl[callee] += cost
		incall = 0
	} else {
		self[fn] += cost
		bylines[file ":" line] += cost
	}
	next
}
END {
	print "total", total + 0
	for (f in incl)
		print "incl", f, incl[f]
	for (f in self)
		print "self", f, self[f]
	for (l in bylines)
		print "line", l, bylines[l]
}
