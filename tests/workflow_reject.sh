#!/usr/bin/env bash
# workflow_reject.sh -- every rejection of workflow part 1, each triggered by a crafted bad
# file or command: the exit status, the message (with the line number for files), and that
# nothing changed in the database (a dump of the card schema before and after).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/workflow_lib.sh"
setup_city
KR=$T/keyring
"$CARDCTL" key new --keyring "$KR" --id 1 >/dev/null
H='单位编码,类别,年级,人数,课本数'
bad_census() { # bad_census NAME ROWS...: a census file with the Chinese header
	local f=$T/$1.csv; shift
	printf '%s\r\n' "$H" "$@" >"$f"
}

# A good draft for D1 first, so "nothing changed" also covers replacing it.
census_d1 >"$T/d1.csv"
expect_status 0 "$CARDCTL" census import --term "$TERM" --district D1 "$T/d1.csv"

# ---- census import ------------------------------------------------------------------------
bad_census unknown 'S101,学生,一年级,40,40' 'S999,学生,一年级,5,5'
reject 2 'line 3: unknown school "S999"' "unknown school" \
	"$CARDCTL" census import --term "$TERM" --district D1 "$T/unknown.csv"
bad_census outside 'S101,学生,一年级,40,40' 'S201,学生,一年级,30,30'
reject 2 'line 3: school "S201" is outside district "D1"' "school outside the district" \
	"$CARDCTL" census import --term "$TERM" --district D1 "$T/outside.csv"
bad_census negative 'S101,学生,一年级,40,40' 'S101,教师,,-6,'
reject 2 'line 3: count -6 is negative' "negative count" \
	"$CARDCTL" census import --term "$TERM" --district D1 "$T/negative.csv"
bad_census fraction 'S101,学生,一年级,40.5,40'
reject 2 'line 2: count "40.5" is not a whole number' "non-integer count" \
	"$CARDCTL" census import --term "$TERM" --district D1 "$T/fraction.csv"
bad_census words 'S101,学生,一年级,四十,40'
reject 2 'line 2: count "四十" is not a whole number' "count in words" \
	"$CARDCTL" census import --term "$TERM" --district D1 "$T/words.csv"
bad_census tbneg 'S101,学生,一年级,40,-1'
reject 2 'line 2: textbook count -1 is negative' "negative textbook count" \
	"$CARDCTL" census import --term "$TERM" --district D1 "$T/tbneg.csv"
bad_census dup 'S101,学生,一年级,40,40' 'S101,教师,,6,' 'S101,学生,一年级,41,40'
reject 2 'line 4: duplicate of line 2' "duplicate row" \
	"$CARDCTL" census import --term "$TERM" --district D1 "$T/dup.csv"
bad_census total 'S101,学生,一年级,40,40' 'S101,教师,,6,' '合计,,,47,40'
reject 2 'line 4: the total 47 does not add up: the rows sum to 46' "total row that does not add up" \
	"$CARDCTL" census import --term "$TERM" --district D1 "$T/total.csv"
bad_census cat 'S101,家长,,3,'
reject 2 'line 2: unknown category "家长"' "unknown category" \
	"$CARDCTL" census import --term "$TERM" --district D1 "$T/cat.csv"
bad_census grade 'S101,学生,,40,40' 'S101,教师,一年级,6,'
reject 2 'line 2: a student row needs a grade' "student row without grade" \
	"$CARDCTL" census import --term "$TERM" --district D1 "$T/grade.csv"
expect_grep 'line 3: only student rows have a grade' "$T/err"
bad_census staffschool 'S101,工作人员,,3,'
reject 2 'line 2: staff rows name their district' "staff row naming a school" \
	"$CARDCTL" census import --term "$TERM" --district D1 "$T/staffschool.csv"
bad_census empty
reject 2 'no census rows' "a file with a header only" \
	"$CARDCTL" census import --term "$TERM" --district D1 "$T/empty.csv"
printf '单位,类别,年级,人数\r\nS101,学生,一年级,40\r\n' >"$T/header.csv"
reject 2 ':1:' "unknown header column (line 1)" \
	"$CARDCTL" census import --term "$TERM" --district D1 "$T/header.csv"
printf '%s\r\nS101,学生,一年级,40,40\r\nS101,教师,6\r\n' "$H" >"$T/fields.csv"
reject 2 ':3:' "a row with too few fields (line 3)" \
	"$CARDCTL" census import --term "$TERM" --district D1 "$T/fields.csv"
reject 2 'term "2031-spring" does not exist' "unknown term" \
	"$CARDCTL" census import --term 2031-spring --district D1 "$T/d1.csv"
reject 1 'invalid --threshold' "bad threshold" \
	"$CARDCTL" census import --term "$TERM" --district D1 --threshold 2x "$T/d1.csv"
# Several problems at once: all listed, the first in the message.
bad_census many 'S999,学生,一年级,1,1' 'S101,学生,一年级,-1,1' 'S101,student,一年级,1,1'
reject 2 'line 2: unknown school' "several problems" \
	"$CARDCTL" census import --term "$TERM" --district D1 "$T/many.csv"
expect_grep '3 problems' "$T/err"
expect_grep 'line 4: duplicate of line 3' "$T/err"

# ---- census workflow ----------------------------------------------------------------------
reject 2 'is draft, not submitted' "approval before submission" \
	"$CARDCTL" census approve --term "$TERM" --district D1 --approver 张局长
reject 1 '--approver NAME is required' "approval without approver" \
	"$CARDCTL" census approve --term "$TERM" --district D1
reject 2 'district "D2" has no census' "submitting a district without a census" \
	"$CARDCTL" census submit --term "$TERM" --district D2
expect_status 0 "$CARDCTL" census submit --term "$TERM" --district D1
reject 2 'only a draft can be replaced' "re-import after submission" \
	"$CARDCTL" census import --term "$TERM" --district D1 "$T/d1.csv"
reject 2 'is already submitted' "submitting twice" \
	"$CARDCTL" census submit --term "$TERM" --district D1
reject 2 'school "S201" has no students in the census of district "D1"' "explaining another district's school" \
	"$CARDCTL" census approve --term "$TERM" --district D1 --approver 张局长 --explain S201=x
reject 1 '--explain wants SCHOOL=TEXT' "malformed explanation" \
	"$CARDCTL" census approve --term "$TERM" --district D1 --approver 张局长 --explain S103
# A looser threshold (15 % or 20 cards) lets S103's 10 extra textbooks pass.
expect_status 0 "$CARDCTL" census approve --term "$TERM" --district D1 --approver 张局长 --threshold 15%,20
# The city sends it back, and it can be replaced again.
expect_status 0 "$CARDCTL" census reopen --term "$TERM" --district D1
expect_status 0 "$CARDCTL" census import --term "$TERM" --district D1 "$T/d1.csv"
expect_status 0 "$CARDCTL" census submit --term "$TERM" --district D1
expect_status 0 "$CARDCTL" census approve --term "$TERM" --district D1 --approver 张局长 --explain S103=新生未报到

# A late submission is recorded as late (a term whose census was due in the past).
"$CARDCTL" term new 2026-autumn --start 2026-09-01 --census-due 2026-06-25 >/dev/null
census_dz >"$T/dz.csv"
expect_status 0 "$CARDCTL" census import --term 2026-autumn --district DZ "$T/dz.csv"
expect_status 0 "$CARDCTL" --json census submit --term 2026-autumn --district DZ
expect_grep '"late": true' "$T/out"
# Delivery and distribution after their due dates (S-7, S+7 of 2026-autumn) are flagged late.
expect_status 0 "$CARDCTL" --json batch mint --term 2026-autumn --count 5 --keyring "$KR" --key-id 1
expect_status 0 "$CARDCTL" --json ship --term 2026-autumn --to D1 --count 2
jexpect "$T/out" "d['result']['late'], d['result']['due']" "(True, '2026-08-25')"
LATE=$(jget "$T/out" "d['shipment']")
expect_status 0 "$CARDCTL" --json receive "$LATE" --signer 王 --date "$TODAY" --photo "$T/receipt.png"
jexpect "$T/out" "d['result']['late']" "True"
expect_status 0 "$CARDCTL" --json distribute --term 2026-autumn --school D1 --count 1
jexpect "$T/out" "d['result']['late'], d['result']['due']" "(True, '2026-09-08')"
expect_status 0 "$CARDCTL" --json status --term 2026-autumn
jexpect "$T/out" "d['flags']['census_late']['which']" "DZ"
jexpect "$T/out" "[d['flags'][k]['count'] for k in ('shipment_late', 'receipt_late', 'distribution_late')]" "[1, 1, 1]"
jexpect "$T/out" "[x['step'] + ':' + x['state'] for x in d['deadlines']]" "['census:passed', 'delivery:passed', 'distribution:passed', 'self-adjustment:passed', 'adjustment-report:passed', 'city-adjustment:passed', 'supplement-distribution:passed', 'close:passed', 'final-report:passed']"
expect_status 0 "$CARDCTL" status --term 2026-autumn
expect_grep 'shipment_late' "$T/out"

# ---- plan ---------------------------------------------------------------------------------
reject 2 'not every district has an approved census' "plan with districts missing" \
	"$CARDCTL" plan make --term "$TERM"
expect_grep 'D2 (no census), D3 (no census), DZ (no census)' "$T/err"
reject 2 'not a district: "S101"' "proceeding without a school" \
	"$CARDCTL" plan make --term "$TERM" --proceed-without S101
reject 1 'wants a percentage' "bad reserve" \
	"$CARDCTL" plan make --term "$TERM" --reserve 120
reject 2 'has no plan' "minting without a plan" \
	"$CARDCTL" batch mint --term "$TERM" --plan --keyring "$KR" --key-id 1
expect_status 0 "$CARDCTL" plan make --term "$TERM" --proceed-without D2,D3,DZ
expect_status 0 "$CARDCTL" --json plan show --term "$TERM"
jexpect "$T/out" "[(l['org'], l['total']) for l in d['lines']]" "[('D1', 259)]"
reject 2 'no plan' "plan export of a term without plan" \
	"$CARDCTL" plan export --term 2026-autumn --format csv
reject 1 '--format csv|xlsx|text|json: "pdf" is none of them' "plan export in an unknown format" \
	"$CARDCTL" plan export --term "$TERM" --format pdf
reject 1 'cannot tell a report format from the name ".*plan.pdf": give --format' "plan export to a file of no known type" \
	"$CARDCTL" plan export --term "$TERM" --out "$T/plan.pdf"
[ ! -e "$T/plan.pdf" ] && ok "no plan.pdf written" || bad "plan.pdf written"
# Without --format: a text table for a person, JSON for a program, or the --out file's type.
expect_status 0 "$CARDCTL" plan export --term "$TERM"
expect_grep "^发放计划表 2027年春季学期$" "$T/out"
expect_grep '^单位编码  单位名称  学生数' "$T/out"
expect_grep '^D1  *东湖区  *233  *23  *3  *0  *259  *12950$' "$T/out"
expect_status 0 "$CARDCTL" --json plan export --term "$TERM"
jexpect "$T/out" "[(r[0], r[6]) for r in d['rows'] if r[0] == 'D1']" "[('D1', 259)]"
jexpect "$T/out" "d['columns'][:3]" "['单位编码', '单位名称', '学生数']"
expect_status 0 "$CARDCTL" plan export --term "$TERM" --out "$T/plan.csv"
expect_grep '^D1,东湖区,' "$T/plan.csv"
reject 1 'needs --out FILE' "XLSX to stdout" \
	"$CARDCTL" plan export --term "$TERM" --format xlsx
expect_status 0 "$CARDCTL" batch mint --term "$TERM" --plan --keyring "$KR" --key-id 1
reject 2 'is already minted' "re-making a minted plan" \
	"$CARDCTL" plan make --term "$TERM" --proceed-without D2,D3,DZ
reject 2 'can no longer change' "reopening a census after minting" \
	"$CARDCTL" census reopen --term "$TERM" --district D1
expect_status 0 "$CARDCTL" --json batch mint --term "$TERM" --count 3 --keyring "$KR" --key-id 1
OTHER=$(jget "$T/out" "d['batch']")
reject 2 "is not the plan's batch" "a district export from a batch that is not the plan's" \
	"$CARDCTL" batch export "$OTHER" --keyring "$KR" --out "$T/x.csv" --district D1
PLANBATCH=$("$CARDCTL" --json plan show --term "$TERM" | "${PYTHON:-python3}" -c 'import json,sys; print(json.load(sys.stdin)["batch"])')
reject 2 'has no line for "D2"' "a district export for a district outside the plan" \
	"$CARDCTL" batch export "$PLANBATCH" --keyring "$KR" --out "$T/x.csv" --district D2
reject 1 'exclude each other' "--district with --range" \
	"$CARDCTL" batch export "$PLANBATCH" --keyring "$KR" --out "$T/x.csv" --district D1 --range 1-2

# ---- delivery -----------------------------------------------------------------------------
reject 2 'holds 259 cards in' "shipping more than the district's range" \
	"$CARDCTL" ship --term "$TERM" --to D1 --count 260
reject 2 'needs its address, contact and phone' "courier shipment without an address" \
	"$CARDCTL" ship --term "$TERM" --to S101 --count 10
reject 2 'organisation "S777" does not exist' "shipping to an unknown school" \
	"$CARDCTL" ship --term "$TERM" --to S777 --count 10
reject 2 'ships only to its own schools' "a district shipping to another district's school" \
	"$CARDCTL" ship --term "$TERM" --from D1 --to S201 --count 1
reject 2 'does not hold serials' "shipping serials the city does not hold" \
	"$CARDCTL" ship --term "$TERM" --to D1 --serials 900000-900009
reject 1 '--serials wants A-B (serials, inclusive)' "malformed serial range" \
	"$CARDCTL" ship --term "$TERM" --to D1 --serials 10-5
reject 1 'one of --count or --serials' "shipping with neither count nor serials" \
	"$CARDCTL" ship --term "$TERM" --to D1
expect_status 0 "$CARDCTL" --json ship --term "$TERM" --to D1 --count 259
S=$(jget "$T/out" "d['shipment']")
reject 2 'no receipt without the photo' "receipt without photo" \
	"$CARDCTL" receive "$S" --signer 王 --date "$TODAY"
reject 2 'is not a JPEG, PNG or PDF' "a text file named .png" \
	"$CARDCTL" receive "$S" --signer 王 --date "$TODAY" --photo "$T/fake.png"
cp "$T/receipt.png" "$T/big.png" && truncate -s 11M "$T/big.png"
reject 2 'too large' "a photo over 10 MiB" \
	"$CARDCTL" receive "$S" --signer 王 --date "$TODAY" --photo "$T/big.png"
reject 2 'the receipt date 2099-01-01 is after today' "a receipt dated in the future" \
	"$CARDCTL" receive "$S" --signer 王 --date 2099-01-01 --photo "$T/receipt.png"
reject 2 "the receipt date 2000-01-01 is not between the shipment date $TODAY and today ($TODAY)" \
	"a receipt dated before the shipment" \
	"$CARDCTL" receive "$S" --signer 王 --date 2000-01-01 --photo "$T/receipt.png"
reject 2 'is not a shipment id' "a malformed shipment id" \
	"$CARDCTL" receive not-a-uuid --signer 王 --date "$TODAY" --photo "$T/receipt.png"
reject 2 'does not exist' "an unknown shipment" \
	"$CARDCTL" receive 00000000-0000-4000-8000-000000000000 --signer 王 --date "$TODAY" --photo "$T/receipt.png"
reject 1 'are required' "a receipt without signer" \
	"$CARDCTL" receive "$S" --date "$TODAY" --photo "$T/receipt.png"
expect_status 0 "$CARDCTL" receive "$S" --signer 王 --date "$TODAY" --photo "$T/receipt.png"
reject 2 'is already received' "receiving twice" \
	"$CARDCTL" receive "$S" --signer 王 --date "$TODAY" --photo "$T/receipt.png"
expect_status 0 "$CARDCTL" --json ship show "$S"
jexpect "$T/out" "d['shipment']['photo_sha256']" "$(sha256sum "$T/receipt.png" | cut -d' ' -f1)"

# Exactly a serial range (the extra batch), counted with one card too many: the surplus count is
# recorded as a positive discrepancy, the three cards shipped are received.
OFIRST=$("$CARDCTL" --json batch show "$OTHER" | "${PYTHON:-python3}" -c 'import json,sys; print(json.load(sys.stdin)["first_serial"])')
expect_status 0 "$CARDCTL" --json ship --term "$TERM" --to D3 --serials "$OFIRST-$((OFIRST + 2))"
jexpect "$T/out" "d['result']['ranges'], d['result']['count']" "('$OFIRST-$((OFIRST + 2))', 3)"
S=$(jget "$T/out" "d['shipment']")
expect_status 0 "$CARDCTL" --json receive "$S" --signer 赵 --date "$TODAY" --photo "$T/receipt.jpg" --count 4
jexpect "$T/out" "d['result']['received'], d['result']['discrepancy']" "(3, 1)"
expect_status 0 "$CARDCTL" --json status --term "$TERM" --district D3
jexpect "$T/out" "d['orgs'][0]['stock'], d['orgs'][0]['transit'], d['flags']['receipt_discrepancy']['which']" "(3, 0, 'D3:1')"

# ---- distribution -------------------------------------------------------------------------
expect_status 0 "$CARDCTL" --json ship --term "$TERM" --from D1 --to S101 --count 90
S=$(jget "$T/out" "d['shipment']")
reject 2 'holds 0 cards' "distributing cards not yet received" \
	"$CARDCTL" distribute --term "$TERM" --school S101 --count 1
expect_status 0 "$CARDCTL" receive "$S" --signer 校长 --date "$TODAY" --photo "$T/receipt.png"
reject 2 'more than its 84 students and teachers' "distributing beyond the census (not one extra)" \
	"$CARDCTL" distribute --term "$TERM" --school S101 --count 85
expect_status 0 "$CARDCTL" distribute --term "$TERM" --school S101 --count 80
reject 2 'would hand out 85 cards' "a second distribution beyond the census" \
	"$CARDCTL" distribute --term "$TERM" --school S101 --count 5
reject 2 'holds 0 cards' "distributing at a school that holds none" \
	"$CARDCTL" distribute --term "$TERM" --school S102 --count 1
printf '年级,班级,人数\r\n一年级,1班,2\r\n一年级,2班,x\r\n' >"$T/dist.csv"
reject 2 'dist.csv:3: count "x"' "a distribution file with a bad count" \
	"$CARDCTL" distribute --term "$TERM" --school S101 --file "$T/dist.csv"
reject 2 'is not a school or district' "distributing at the city" \
	"$CARDCTL" distribute --term "$TERM" --school C --count 1
reject 1 '--school and one of --count or --file' "distribute without a count" \
	"$CARDCTL" distribute --term "$TERM" --school S101
audit_ok
finish
