#!/usr/bin/env bash
# workflow_term.sh -- workflow part 1 end to end: a small city plays a term from the org
# import and the census to the last card handed out, with every count checked (status
# --json) and the books audited after each step.  Figures: tests/workflow_lib.sh.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/workflow_lib.sh"
setup_city
KR=$T/keyring
"$CARDCTL" key new --keyring "$KR" --id 1 --label "$TERM" >/dev/null

status_json() { "$CARDCTL" --json status --term "$TERM" "$@" >"$T/st.json"; }

# ---- census -------------------------------------------------------------------------------
census_d1 >"$T/d1.csv"
census_d2 >"$T/d2.csv"
iconv -f UTF-8 -t GB18030 "$T/d2.csv" >"$T/d2-gb.csv"
census_d3 >"$T/d3.csv"
census_dz >"$T/dz.csv"
cmp -s "$T/d2.csv" "$T/d2-gb.csv" && bad "the GB18030 twin is not different bytes" || ok "GB18030 twin differs in bytes"

expect_status 0 "$CARDCTL" census import --term "$TERM" --district D1 "$T/d1.csv"
grep -q 'NOTICE' "$T/err" && bad "a server NOTICE reached the clerk: $(head -1 "$T/err")" || ok "census import: no server NOTICE on the terminal"
expect_grep 'D1 .* 233 .* 23 .* 3 .* 245' "$T/out"
expect_status 0 "$CARDCTL" census import --term "$TERM" --district D2 "$T/d2.csv"
expect_status 0 "$CARDCTL" report annex2 --term "$TERM" --district D2 --format csv --out "$T/d2-utf8.annex2.csv"
expect_status 0 "$CARDCTL" census import --term "$TERM" --district D2 --encoding auto "$T/d2-gb.csv"
expect_status 0 "$CARDCTL" report annex2 --term "$TERM" --district D2 --format csv --out "$T/d2-gb.annex2.csv"
cmp -s "$T/d2-utf8.annex2.csv" "$T/d2-gb.annex2.csv" && ok "GB18030 census imports the same as its UTF-8 twin" \
	|| bad "GB18030 census differs from its UTF-8 twin"
expect_grep '西山三小,学生,四年级,26,26' "$T/d2-gb.annex2.csv"
expect_status 0 "$CARDCTL" census import --term "$TERM" "$T/d3.csv"   # the city imports for D3
expect_status 0 "$CARDCTL" census import --term "$TERM" --district DZ "$T/dz.csv"
expect_status 0 "$CARDCTL" --json census show --term "$TERM"
cp "$T/out" "$T/c.json"
jexpect "$T/c.json" "[x['students'] for x in d['districts']]" "[233, 116, 66, 99]"
jexpect "$T/c.json" "[x['teachers'] + x['staff'] for x in d['districts']]" "[26, 15, 11, 13]"
jexpect "$T/c.json" "[x['state'] for x in d['districts']]" "['draft', 'draft', 'draft', 'draft']"
jexpect "$T/c.json" "[x['unexplained'] for x in d['districts']]" "[1, 0, 0, 0]"

for dist in D1 D2 D3 DZ; do
	expect_status 0 "$CARDCTL" --json census submit --term "$TERM" --district "$dist"
	expect_grep '"late": false' "$T/out"
done
# The plan waits for every district's approval.
reject 2 'not every district has an approved census' "plan before approval" \
	"$CARDCTL" plan make --term "$TERM"
# S103 (60 students, 70 textbooks) blocks D1's approval until explained.
reject 2 'differs from the textbook orders' "approval with an unexplained difference" \
	"$CARDCTL" census approve --term "$TERM" --district D1 --approver 张局长
expect_grep 'S103 (census 60, textbooks 70)' "$T/err"
expect_status 0 "$CARDCTL" census approve --term "$TERM" --district D1 --approver 张局长 \
	--explain 'S103=高一新生10人尚未报到, 课本按计划订购'
for dist in D2 D3 DZ; do
	expect_status 0 "$CARDCTL" census approve --term "$TERM" --district "$dist" --approver 李局长
done
expect_status 0 "$CARDCTL" --json census show --term "$TERM" --district D1
cp "$T/out" "$T/c1.json"
jexpect "$T/c1.json" "d['districts'][0]['state'] + ' ' + d['districts'][0]['approver']" "approved 张局长"
jexpect "$T/c1.json" "[s['school'] for s in d['schools'] if s['flagged']]" "['S103']"
jexpect "$T/c1.json" "d['schools'][2]['explanation'][:7]" "高一新生10人"

# Annex 2 as CSV and XLSX, the same cells.
expect_status 0 "$CARDCTL" report annex2 --term "$TERM" --format csv --out "$T/annex2.csv"
expect_status 0 "$CARDCTL" report annex2 --term "$TERM" --format xlsx --out "$T/annex2.xlsx"
expect_grep '^合计,,,,,,579,' "$T/annex2.csv"
xlsx_matches_csv "$T/annex2.xlsx" "$T/annex2.csv"
expect_status 0 "$CARDCTL" report annex2 --term "$TERM" --format csv
expect_grep '东湖高中,学生,高一,60,70' "$T/out"

# ---- plan ---------------------------------------------------------------------------------
expect_status 0 "$CARDCTL" plan make --term "$TERM" --reserve 2
expect_status 0 "$CARDCTL" --json plan show --term "$TERM"
cp "$T/out" "$T/plan.json"
jexpect "$T/plan.json" "[(l['org'], l['total']) for l in d['lines']]" \
	"[('D1', 259), ('D2', 131), ('D3', 77), ('DZ', 112), ('C', 12)]"
expect_status 0 "$CARDCTL" plan export --term "$TERM" --format csv --out "$T/plan.csv"
expect_status 0 "$CARDCTL" plan export --term "$TERM" --format xlsx --out "$T/plan.xlsx"
expect_grep '^合计,,514,58,7,12,591,29550' "$T/plan.csv"
xlsx_matches_csv "$T/plan.xlsx" "$T/plan.csv"
audit_ok

# ---- mint the plan ------------------------------------------------------------------------
expect_status 0 "$CARDCTL" batch mint --term "$TERM" --plan --keyring "$KR" --key-id 1
expect_status 0 "$CARDCTL" --json plan show --term "$TERM"
cp "$T/out" "$T/plan.json"
jexpect "$T/plan.json" "[l['last_serial'] - l['first_serial'] + 1 for l in d['lines']]" "[259, 131, 77, 112, 12]"
jexpect "$T/plan.json" "all(d['lines'][i]['last_serial'] + 1 == d['lines'][i+1]['first_serial'] for i in range(4))" "True"
reject 2 'already minted' "minting the plan twice" \
	"$CARDCTL" batch mint --term "$TERM" --plan --keyring "$KR" --key-id 1
status_json
jexpect "$T/st.json" "d['totals']['minted'], d['totals']['city_stock'], d['totals']['transit']" "(591, 591, 0)"
audit_ok
D1FIRST=$(jget "$T/plan.json" "d['lines'][0]['first_serial']")
BATCH=$(jget "$T/plan.json" "d['batch']")

# The print file of one district, with a QR code per card; verified against its manifest.
expect_status 0 "$CARDCTL" --json batch export "$BATCH" --keyring "$KR" --out "$T/d2.print.csv" \
	--district D2 --qr https://card.example.cn/r/
jexpect "$T/out" "(d['rows'], d['first_serial'], d['last_serial'])" \
	"(131, $(jget "$T/plan.json" "d['lines'][1]['first_serial']"), $(jget "$T/plan.json" "d['lines'][1]['last_serial']"))"
expect_grep '^serial,code,batch,term,qr$' "$T/d2.print.csv"
expect_status 0 "$CARDCTL" batch verify "$T/d2.print.csv" --keyring "$KR"
if "${PYTHON:-python3}" - "$T/d2.print.csv" <<'PY'
import csv, sys, xml.etree.ElementTree as ET
rows = list(csv.reader(open(sys.argv[1], encoding='utf-8')))
assert len(rows) == 132 and all(len(r) == 5 for r in rows)
for r in rows[1:]:
    svg = ET.fromstring(r[4])
    assert svg.tag.endswith('svg')
    w = int(svg.get('viewBox').split()[2])
    assert w >= 21 + 8 and (w - 8 - 17) % 4 == 0, w      # a QR version's size plus the quiet zone
    assert svg[1].get('d').count('M') > 50
assert rows[1][4] != rows[2][4]
PY
then ok "every row of the print file has its own well-formed QR SVG"; else bad "QR column"; fi
reject 2 'does not exist' "a district export of an unknown batch" \
	"$CARDCTL" batch export 00000000-0000-4000-8000-000000000000 --keyring "$KR" --out "$T/x.csv" --district D2
reject 1 '--qr wants an http(s) URL' "a QR base that is not a URL" \
	"$CARDCTL" batch export "$BATCH" --keyring "$KR" --out "$T/x.csv" --qr 'ftp://x?y'

# ---- delivery -----------------------------------------------------------------------------
ship() { # ship ARGS...: run cardctl ship, set $SHIP to the shipment id
	expect_status 0 "$CARDCTL" --json ship --term "$TERM" "$@"
	SHIP=$(jget "$T/out" "d['shipment']")
}
ship --to D1 --count 259;  S_D1=$SHIP
jexpect "$T/out" "d['result']['ranges']" "$D1FIRST-$((D1FIRST + 258))"
ship --to D2 --count 131;  S_D2=$SHIP
ship --to D3 --count 77;   S_D3=$SHIP
ship --to S901 --count 40; S_901=$SHIP
jexpect "$T/out" "d['result']['courier']" "True"
ship --to S902 --count 37; S_902=$SHIP
ship --to S903 --count 35; S_903=$SHIP
expect_status 0 "$CARDCTL" ship show "$S_901"
expect_grep '人民路1号' "$T/out"
expect_status 0 "$CARDCTL" ship show "$S_901" --format csv --out "$T/ship901.csv"
expect_status 0 "$CARDCTL" ship show "$S_901" --format xlsx --out "$T/ship901.xlsx"
xlsx_matches_csv "$T/ship901.xlsx" "$T/ship901.csv"
status_json
jexpect "$T/st.json" "d['totals']['city_stock'], d['totals']['transit']" "(12, 579)"
jexpect "$T/st.json" "d['flags']['not_received']['count']" "6"
audit_ok

receive() { # receive SHIPMENT [--count N]
	local s=$1; shift
	expect_status 0 "$CARDCTL" --json receive "$s" --signer 签收人 --date "$TODAY" --photo "$T/receipt.png" "$@"
}
receive "$S_D1"
receive "$S_D2" --count 130      # one card short in the box
jexpect "$T/out" "d['result']['discrepancy']" "-1"
receive "$S_D3"
receive "$S_901"
expect_status 0 "$CARDCTL" --json receive "$S_902" --signer 吴老师 --date "$TODAY" --photo "$T/receipt.jpg"
receive "$S_903"
status_json
jexpect "$T/st.json" "d['totals']['district_stock'], d['totals']['school_stock'], d['totals']['transit']" "(466, 112, 1)"
jexpect "$T/st.json" "d['flags']['receipt_discrepancy']['which']" "D2:-1"
[ "$(org_field "$T/st.json" D2 transit)" = 1 ] && ok "the missing card stays in transit to D2" || bad "D2 transit"
audit_ok

# The districts hand their schools their cards, schools sign for them.
for pair in D1:S101:84 D1:S102:103 D1:S103:69 D2:S201:67 D2:S202:32 D2:S203:30 \
            D3:S301:23 D3:S302:25 D3:S303:27; do
	IFS=: read -r from to n <<<"$pair"
	ship --from "$from" --to "$to" --count "$n"
	receive "$SHIP"
done
status_json
jexpect "$T/st.json" "[$(for o in D1 D2 D3; do printf "%s," "$(org_field "$T/st.json" $o stock)"; done)]" "[3, 1, 2]"
jexpect "$T/st.json" "d['totals']['school_stock']" "572"
audit_ok

# ---- distribution -------------------------------------------------------------------------
printf '年级,班级,人数\r\n一年级,1班,20\r\n一年级,2班,20\r\n二年级,1班,38\r\n教师,,6\r\n' >"$T/dist101.csv"
expect_status 0 "$CARDCTL" distribute --term "$TERM" --school S101 --file "$T/dist101.csv"
for pair in S102:103 S103:69 S201:67 S202:32 S203:30 S301:23 S302:25 S303:27 S901:40 S902:37 S903:35 \
            D1:3 D3:2 D2:1; do
	IFS=: read -r org n <<<"$pair"
	expect_status 0 "$CARDCTL" distribute --term "$TERM" --school "$org" --count "$n"
done
status_json
jexpect "$T/st.json" "d['totals']['distributed']" "578"
jexpect "$T/st.json" "d['totals']['city_stock'], d['totals']['school_stock'], d['totals']['district_stock']" "(12, 0, 0)"
jexpect "$T/st.json" "[o['org'] for o in d['orgs'] if o['kind'] == 'school' and o['distributed'] != o['planned']]" "[]"
jexpect "$T/st.json" "sum(f['count'] for k, f in d['flags'].items() if k != 'receipt_discrepancy')" "0"
status_json --district D2
jexpect "$T/st.json" "[(o['org'], o['planned'], o['distributed']) for o in d['orgs']]" \
	"[('D2', 131, 1), ('S201', 67, 67), ('S202', 32, 32), ('S203', 30, 30)]"
expect_status 0 "$CARDCTL" status --term "$TERM"
expect_grep 'receipt_discrepancy' "$T/out"
expect_grep '^distribution ' "$T/out"
audit_ok
finish
