#!/bin/sh
# t-rule-limits.sh - the rule compiler's limits, each at its edge and one
# past it: the largest rule file, the most rules, text patterns and
# profiles, the largest automaton, the deepest regex group, the largest
# repetition count and the longest name.  At the edge the rules compile;
# one past it they get an error that says which limit and, for the
# automaton, which patterns; reboundc --max-states moves the automaton's.  The limits are read from the sources, so
# the test follows them when they change.
. "${srcdir:-.}/tests/tap.sh"
[ -x "$REBOUNDC" ] || skip_all "reboundc not built (needs bison and re2c)"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
base=$srcdir/tests/base.rules

# A limit as written in a header: "#define NAME 65000u" or "(16u * 1024u)".
limit() {
	v=$(sed -n "s/^#define $1 \\([^/]*\\).*/\\1/p" "$srcdir/$2" | tr -d 'u()' | head -n 1)
	echo $(($v))
}
max_rules=$(limit RB_MAX_RULES runtime/internal.h)
max_atoms=$(limit RB_MAX_ATOMS runtime/internal.h)
max_states=$(limit RB_MAX_STATES runtime/internal.h)
max_file=$(limit RB_MAX_RULE_FILE compiler/ast.h)
max_depth=$(limit RB_MAX_GROUP_DEPTH compiler/ast.h)
max_repeat=$(limit RB_MAX_REPEAT compiler/ast.h)
max_name=$(limit RB_MAX_NAME compiler/ast.h)
max_profiles=$(limit RB_MAX_PROFILES runtime/internal.h)
for v in "$max_rules" "$max_atoms" "$max_states" "$max_file" "$max_depth" "$max_repeat" "$max_name" \
         "$max_profiles"; do
	[ "$v" -gt 0 ] 2>/dev/null || { echo "not ok 1 - the limits could not be read"; echo "1..1"; exit 1; }
done
diag "limits: $max_rules rules, $max_atoms patterns, $max_states states, $max_file bytes," \
     "groups $max_depth deep, repetitions up to $max_repeat, names of $max_name," \
     "$max_profiles profiles"

compile() { # FILE [OPTIONS] -> exit status in $status, stderr in $tmp/err
	# shellcheck disable=SC2086
	"$REBOUNDC" ${2:---check} -Wno-unused-class "$1" >"$tmp/out" 2>"$tmp/err"
	status=$?
}
summary() { tail -n 1 "$tmp/out" | cut -c 1-200; }

# ---- the size of a rule file --------------------------------------------
# tests/base.rules padded with one comment line to exactly N bytes
sized() {
	have=$(wc -c <"$base")
	{ cat "$base"; printf '#'; head -c $(($1 - have - 2)) /dev/zero | tr '\0' 'x'; echo; } >"$2"
}
sized "$max_file" "$tmp/big.rules"
compile "$tmp/big.rules"
[ "$(wc -c <"$tmp/big.rules")" -eq "$max_file" ] && [ $status -eq 0 ]
ok $? "a rule file of RB_MAX_RULE_FILE ($max_file) bytes is read"
sized $((max_file + 1)) "$tmp/big.rules"
compile "$tmp/big.rules"
[ $status -eq 2 ] && grep -q "big.rules' is larger than $max_file bytes" "$tmp/err"
ok $? "one byte more: refused with a message naming the file (exit 2)"
rm -f "$tmp/big.rules"

# ---- the number of rules ---------------------------------------------------
# base.rules has one rule; each added rule has a status of its own
rules() {
	cat "$base"
	awk -v n=$(($1 - 1)) 'BEGIN { for (i = 0; i < n; i++) {
		s = 100 + i % 800; d = int(i / 800)
		printf "rule r%d {\n    status 5.%d.%d\n    class user_unknown\n", i, s, d
		printf "    example \"5.%d.%d\" => user_unknown\n}\n", s, d } }'
}
rules "$max_rules" >"$tmp/rules.rules"
compile "$tmp/rules.rules" --dump
[ $status -eq 0 ] && summary | grep -q "^# $max_rules rules,"
ok $? "RB_MAX_RULES ($max_rules) rules compile"
[ $status -eq 0 ] || diag "$(head -n 5 "$tmp/err")"
rules $((max_rules + 1)) >"$tmp/rules.rules"
compile "$tmp/rules.rules"
[ $status -eq 1 ] && grep -q "error: $((max_rules + 1)) rules, more than the limit of $max_rules" "$tmp/err"
ok $? "one rule more: an error naming the limit"
rm -f "$tmp/rules.rules"

# ---- the number of text patterns ------------------------------------------
# one rule with N phrases "q00000" | "q00001" | ...
patterns() {
	cat "$base"
	awk -v n="$1" 'BEGIN { printf "rule many {\n    class user_unknown\n    text "
		for (i = 0; i < n; i++) printf "%s\"q%05d\"", i ? " | " : "", i
		printf "\n    example \"q00001\" => user_unknown\n}\n" }'
}
patterns "$max_atoms" >"$tmp/atoms.rules"
compile "$tmp/atoms.rules" --dump
[ $status -eq 0 ] && summary | grep -q " $max_atoms text patterns,"
ok $? "RB_MAX_ATOMS ($max_atoms) text patterns compile"
patterns $((max_atoms + 1)) >"$tmp/atoms.rules"
compile "$tmp/atoms.rules"
[ $status -eq 1 ] && grep -q "error: $((max_atoms + 1)) text patterns, more than the limit of $max_atoms" "$tmp/err"
ok $? "one pattern more: an error naming the limit"
rm -f "$tmp/atoms.rules"

# ---- the size of the automaton --------------------------------------------
# 1000 phrases "q000".."q999" need a known number of states; a run of
# z's after each adds one state per letter, so the total can be set to
# the exact limit and to one more.
states() { # N-PHRASES EXTRA-LETTERS
	cat "$base"
	awk -v n="$1" -v extra="$2" 'BEGIN {
		per = int(extra / n); more = extra - per * n
		printf "rule many {\n    class user_unknown\n    text "
		for (i = 0; i < n; i++) {
			s = ""
			for (k = 0; k < per + (i < more); k++) s = s "z"
			if (i == 0) first = "q000" s
			printf "%s\"q%03d%s\"", i ? " | " : "", i, s
		}
		printf "\n    example \"%s\" => user_unknown\n}\n", first }'
}
states 1000 0 >"$tmp/states.rules"
compile "$tmp/states.rules" --dump
plain=$(summary | sed -n 's/.* \([0-9]*\) DFA states.*/\1/p')
if [ -z "$plain" ] || [ "$plain" -ge "$max_states" ]; then
	ok 1 "1000 phrases compile (to learn their number of states)"
else
	states 1000 $((max_states - plain)) >"$tmp/states.rules"
	compile "$tmp/states.rules" --dump
	[ $status -eq 0 ] && summary | grep -q " $max_states DFA states,"
	ok $? "an automaton of exactly RB_MAX_STATES ($max_states) states compiles"
	states 1000 $((max_states - plain + 1)) >"$tmp/states.rules"
	compile "$tmp/states.rules"
	[ $status -eq 1 ] && grep -q "error: the text patterns need more than $max_states automaton states" "$tmp/err"
	ok $? "one state more: an error naming the limit"
	# the patterns are on line 38 of the file; the last one tips it over
	last=$(grep -n '"q999' "$tmp/states.rules" | cut -d: -f1)
	col=$(awk -v l="$last" 'NR == l { print index($0, "\"q999"); exit }' "$tmp/states.rules")
	grep -q "states.rules:$last:$col: note: this pattern takes the automaton past the limit" "$tmp/err"
	ok $? "the note names the pattern that tips it over, with its line and column"
	[ $? -eq 0 ] || diag "$(head -n 12 "$tmp/err" | cut -c 1-200)"
	# --max-states moves the limit both ways
	compile "$tmp/states.rules" "--check --max-states=$((max_states + 1)) --dump"
	[ $status -eq 0 ] && summary | grep -q " $((max_states + 1)) DFA states,"
	ok $? "--max-states $((max_states + 1)) lets the automaton one state over the default compile"
	states 1000 0 >"$tmp/states.rules"
	compile "$tmp/states.rules" "--check --max-states $((plain - 1))"
	[ $status -eq 1 ] && grep -q "error: the text patterns need more than $((plain - 1)) automaton states" "$tmp/err"
	ok $? "--max-states $((plain - 1)) refuses the $plain states of 1000 phrases"
fi
rm -f "$tmp/states.rules"
for bad in 0 -5 12x "" 99999999999; do
	"$REBOUNDC" --check --max-states "$bad" "$base" >/dev/null 2>"$tmp/err"
	[ $? -eq 2 ] && grep -q "error: '--max-states' needs a number from 1 to" "$tmp/err" || break
done
ok $? "--max-states refuses 0, negative, malformed, empty and huge numbers (exit 2)"

# many modest phrases that share words, like a large synthetic rule base:
# refused at once, naming the phrases in progress in the most states and
# the one at which they pass the limit
phrases() {
	cat "$base"
	awk 'BEGIN { n = split("mail box full quota over user unknown relay denied access host " \
	             "lookup failed sender rejected spam policy blocked address invalid", w, " ")
		printf "rule phrases {\n    class user_unknown\n    text \"%s %s %s\"\n", w[1], w[2], w[3]
		for (i = 0; i < 300; i++)
			printf "       | \"%s %s %s\"\n", w[1 + i % n], w[1 + int(i / n) % n], w[1 + (i * 7 + 3) % n]
		printf "    example \"mail box full\" => user_unknown\n}\n" }'
}
phrases >"$tmp/phrases.rules"
compile "$tmp/phrases.rules" "--check --max-states 2000"
[ $status -eq 1 ] && grep -q "error: the text patterns need more than 2000 automaton states" "$tmp/err" &&
	grep -q "phrases.rules:[0-9]*:10: note: this pattern is part-way matched in [0-9]* of the 2000 states built" "$tmp/err" &&
	grep -q "phrases.rules:[0-9]*:10: note: this pattern takes the automaton past the limit" "$tmp/err" &&
	grep -q "note: .*--max-states raises the limit" "$tmp/err"
ok $? "300 phrases over 2000 states: refused, naming the phrases to blame and the option"
[ $? -eq 0 ] || diag "$(head -n 12 "$tmp/err" | cut -c 1-200)"
rm -f "$tmp/phrases.rules"

# a single regex whose automaton is too big on its own
cat "$base" >"$tmp/wide.rules"
cat >>"$tmp/wide.rules" <<'EOF'
rule wide {
    class mailbox_full
    text /q[a-z]{40}z/
    example "qabcdefghijklmnopqrstuvwxyzabcdefghijklmnz" => mailbox_full
}
EOF
compile "$tmp/wide.rules"
[ $status -eq 1 ] &&
	grep -q "wide.rules:[0-9]*:10: note: this pattern alone needs more than $max_states states" "$tmp/err"
ok $? "a regex too big on its own is named, with its location"
[ $? -eq 0 ] || diag "$(head -n 12 "$tmp/err" | cut -c 1-200)"
# the refused build itself tells which pattern is in progress in most of
# its states: named first, before any pattern is counted alone
sed -n 2p "$tmp/err" |
	grep -q "wide.rules:[0-9]*:10: note: this pattern is part-way matched in [0-9]* of the $max_states states built"
ok $? "the first note names the regex that is part-way matched in the most states"

# ---- regex nesting and repetition -------------------------------------------
regex() { # REGEX EXAMPLE
	cat "$base"
	printf 'rule r {\n    class user_unknown\n    text /%s/\n    example "%s" => user_unknown\n}\n' "$1" "$2"
}
open=$(printf '%*s' "$max_depth" '' | tr ' ' '(')
close=$(printf '%*s' "$max_depth" '' | tr ' ' ')')
regex "${open}x${close}" "x" >"$tmp/re.rules"
compile "$tmp/re.rules"
[ $status -eq 0 ]; ok $? "groups nested RB_MAX_GROUP_DEPTH ($max_depth) deep compile"
regex "(${open}x${close})" "x" >"$tmp/re.rules"
compile "$tmp/re.rules"
[ $status -eq 1 ] && grep -q "re.rules:[0-9]*:[0-9]*: error: groups nested too deeply" "$tmp/err"
ok $? "one level deeper: a located error"
xs=$(printf '%*s' "$max_repeat" '' | tr ' ' 'x')
regex "ax{$max_repeat}" "a$xs" >"$tmp/re.rules"
compile "$tmp/re.rules"
[ $status -eq 0 ]; ok $? "a repetition count of RB_MAX_REPEAT ($max_repeat) compiles"
regex "ax{$((max_repeat + 1))}" "a${xs}x" >"$tmp/re.rules"
compile "$tmp/re.rules"
[ $status -eq 1 ] && grep -q "re.rules:[0-9]*:[0-9]*: error: repetition counts stop at $max_repeat" "$tmp/err"
ok $? "one more: a located error"
# ---- the number of profiles -------------------------------------------------
profiles() {
	cat "$base"
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
		printf "profile p%d {\n    description \"profile %d\"\n}\n", i, i }'
}
profiles "$max_profiles" >"$tmp/profiles.rules"
compile "$tmp/profiles.rules"
[ $status -eq 0 ]; ok $? "RB_MAX_PROFILES ($max_profiles) profiles compile"
profiles $((max_profiles + 1)) >"$tmp/profiles.rules"
compile "$tmp/profiles.rules"
[ $status -eq 1 ] && grep -q "error: more than $max_profiles profiles" "$tmp/err"
ok $? "one profile more: an error naming the limit"

# ---- names -------------------------------------------------------------------
# ids become C identifiers in the generated tables
named() { # ID
	cat "$base"
	printf 'rule %s {\n    class user_unknown\n    text "xyz"\n    example "xyz" => user_unknown\n}\n' "$1"
}
id=r$(printf '%*s' $((max_name - 1)) '' | tr ' ' 'x')
named "$id" >"$tmp/name.rules"
compile "$tmp/name.rules"
[ $status -eq 0 ]; ok $? "a rule id of RB_MAX_NAME ($max_name) characters compiles"
named "${id}x" >"$tmp/name.rules"
compile "$tmp/name.rules"
[ $status -eq 1 ] && grep -q "name.rules:[0-9]*:6: error: rule id 'rxxx.*' is longer than $max_name characters" "$tmp/err"
ok $? "one character more: a located error"

# ---- what fuzzing found -----------------------------------------------------
# a file with no rule at all (it used to compile, with undefined behaviour
# on the way, into tables that decide nothing)
: >"$tmp/empty.rules"
compile "$tmp/empty.rules"
[ $status -eq 1 ] && grep -q "error: the rule files hold no rule" "$tmp/err"
ok $? "a rule base without rules is an error"
# a class name with '-' used to pass and then break the generated C
sed 's/^class blocked {/class block-ed {/; s/^class undetermined {/class un-determined {/' "$base" >"$tmp/dash.rules"
compile "$tmp/dash.rules"
[ $status -eq 1 ] && grep -q "dash.rules:[0-9]*:7: error: class name 'block-ed' must be lowercase letters, digits and '_'" "$tmp/err"
ok $? "a class name with '-' is a located error"
done_testing
