#!/usr/bin/env bash
# cardctl_clerk.sh -- what a clerk reads: one message for an option a command does not take
# (naming the command's --help), census import refusing --explain, a census with many problems
# listed in full (stderr, and with --json one object per problem), and the help, man page and
# docs/workflow.md saying the same thing about Annex 4, `db migrate` and `distribute --date`.
# Every refusal is checked for its exit status, its message and that nothing changed.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/workflow_lib.sh"
setup_city
MAN=$top_srcdir/man/cardctl.1
DOC=$top_srcdir/docs/workflow.md

# one_line WANT: stderr ($T/err) is exactly one line, and it is WANT.
one_line() {
	if [ "$(wc -l <"$T/err")" = 1 ] && [ "$(cat "$T/err")" = "$1" ]; then ok "one message: $1"; else
		bad "wanted the one line '$1', got:"; cat "$T/err" >&2; fi
}

# ---- an option a command does not take: one message, naming the command's --help -----------
census_d1 >"$T/d1.csv"
snapshot start
expect_status 1 "$CARDCTL" census import --bogus --term "$TERM" --district D1 "$T/d1.csv"
one_line "cardctl census import: unknown option --bogus (see cardctl census import --help)"
expect_status 1 "$CARDCTL" census import --bogus=3 --term "$TERM" --district D1 "$T/d1.csv"
one_line "cardctl census import: unknown option --bogus (see cardctl census import --help)"
expect_status 1 "$CARDCTL" transfer --term "$TERM" --from S101 --to S102 --count 1 --bogus
one_line "cardctl transfer: unknown option --bogus (see cardctl transfer --help)"
expect_status 1 "$CARDCTL" status --term "$TERM" -x
one_line "cardctl status: unknown option -x (see cardctl status --help)"
expect_status 1 "$CARDCTL" adjust settle --term "$TERM" --confirmed
one_line "cardctl adjust settle: unknown option --confirmed (see cardctl adjust settle --help)"
expect_status 1 "$CARDCTL" census submit --district D1 --term
one_line "cardctl census submit: --term needs a value (see cardctl census submit --help)"
expect_status 1 "$CARDCTL" --bogus status --term "$TERM"
one_line "cardctl: unknown option --bogus (see cardctl --help)"
# An option of another command is named as such, and refused: census import --explain (the
# explanations belong to census approve) would otherwise be lost.
expect_status 1 "$CARDCTL" census import --term "$TERM" --district D1 --explain 'S103=高一新生' "$T/d1.csv"
one_line "cardctl census import: --explain is not an option of census import (see cardctl census import --help)"
expect_status 1 "$CARDCTL" adjust file --term "$TERM" --district D1 --confirm "$T/d1.csv"
one_line "cardctl adjust file: --confirm is not an option of adjust file (see cardctl adjust file --help)"
# Every usage error is that one line.
expect_status 1 "$CARDCTL" transfer --term "$TERM" --from S101 --to S102 --count -2
one_line 'cardctl transfer: --count wants a positive whole number, not "-2" (see cardctl transfer --help)'
expect_status 1 "$CARDCTL" census bogus
one_line 'cardctl census: unknown command "census bogus" (see cardctl census --help)'
expect_status 1 "$CARDCTL" bogus
one_line 'cardctl: unknown command "bogus" (see cardctl --help)'
expect_status 1 "$CARDCTL" status --term "$TERM" --school S101
one_line "cardctl status: --school is not an option of status (see cardctl status --help)"
expect_status 1 "$CARDCTL" distribute --term "$TERM" --school S101 --count 1 --district D1
one_line "cardctl distribute: --district goes with --schools FILE (see cardctl distribute --help)"
unchanged start "refused options"
expect_status 0 "$CARDCTL" census import --help
grep -q -- '--explain' "$T/out" && bad "census import --help offers --explain" || ok "census import --help does not offer --explain"

# ---- a census with many problems: every one listed, in full --------------------------------
LONG='S0东湖区第一实验小学暨东湖区外国语学校附属初级中学（东校区与西校区合并前的原编码）'
{
	printf '单位编码,类别,年级,人数,课本数\r\n'
	for i in $(seq 1 9); do printf 'S101,学生,%s年级,四十,40\r\n' "$i"; done    # lines 2-10: not a number
	for i in $(seq 1 8); do printf 'S9%02d9,学生,一年级,1,1\r\n' "$i"; done      # lines 11-18: unknown school
	printf '%s,学生,一年级,5,5\r\n' "$LONG"                                      # line 19
	printf 'S101,家长,,3,\r\n'                                                   # line 20
} >"$T/many.csv"
snapshot before
expect_status 2 "$CARDCTL" census import --term "$TERM" --district D1 "$T/many.csv"
expect_grep '^cardctl: census import: 19 problems, nothing was imported:$' "$T/err"
for l in $(seq 2 10); do expect_grep "^  line $l: count \"四十\" is not a whole number$" "$T/err"; done
for l in $(seq 11 18); do expect_grep "^  line $l: unknown school \"S9" "$T/err"; done
expect_grep "^  line 19: unknown school \"$LONG\"$" "$T/err"
expect_grep '^  line 20: unknown category "家长"' "$T/err"
expect_grep '^HINT: Correct the file and import it again.$' "$T/err"
if [ "$(grep -c '^  line ' "$T/err")" = 19 ]; then ok "19 problem lines"; else bad "not 19 problem lines"; cat "$T/err" >&2; fi
unchanged before "a census with 19 problems"
expect_status 2 "$CARDCTL" --json census import --term "$TERM" --district D1 "$T/many.csv"
jexpect "$T/out" "d['refused'], len(d['problems'])" "(True, 19)"
jexpect "$T/out" "[p['line'] for p in d['problems']] == list(range(2, 21))" "True"
jexpect "$T/out" "d['problems'][17]['problem'] == 'line 19: unknown school \"$LONG\"'" "True"
unchanged before "a census with 19 problems (--json)"
# A good file still imports.
expect_status 0 "$CARDCTL" census import --term "$TERM" --district D1 "$T/d1.csv"
expect_grep 'census imported as draft' "$T/out"

# ---- help, man page and docs say the same -------------------------------------------------
# Annex 4: the schools with a surplus or a shortage; the others may be left out or give 0,0; a
# district with nothing to report files one line 0,0.
expect_status 0 "$CARDCTL" adjust file --help
tr '\n' ' ' <"$T/out" | tr -s ' ' >"$T/help1"
expect_grep 'One line per school of the district with a surplus or a shortage; a school with nothing to report may be left out or given 0,0, and a district with nothing to report files one line 0,0' "$T/help1"
tr '\n' ' ' <"$MAN" | tr -s ' ' >"$T/man1"
expect_grep 'One line per school with a surplus or a shortage; a school with nothing to report may be left out or given 0,0, and a district with nothing to report files one line 0,0' "$T/man1"
tr '\n' ' ' <"$DOC" | tr -s ' ' >"$T/doc1"
expect_grep 'A school with nothing to report may be left out or given `0,0`; a district with nothing to report files one line `0,0`' "$T/doc1"
grep -q 'one line per school of the district"\|One line per school of the district;' "$T/help1" "$T/man1" && bad "the old Annex 4 wording is back" || ok "no 'one line per school of the district;'"
# Part 1 starts with the schema, and explains distribute --date.
part1=$(sed -n '/^## 1\./,/^## 8\./p' "$DOC")
grep -q '    cardctl db migrate' <<<"$part1" && ok "workflow part 1 shows cardctl db migrate" || bad "workflow part 1 lacks cardctl db migrate"
grep -q -- '`--date YYYY-MM-DD` is the day the cards were handed out' <<<"$part1" && ok "workflow part 1 explains distribute --date" || bad "workflow part 1 does not explain distribute --date"
expect_status 0 "$CARDCTL" distribute --help
expect_grep 'is the day the cards were handed out' "$T/out"
expect_grep 'supplement-distribution' "$T/out"
expect_grep 'is the day the cards were handed out' "$MAN"
finish
