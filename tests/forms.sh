#!/usr/bin/env bash
# forms.sh -- the final forms as a district office reads them, on a term with what the
# small end-to-end term lacks: the districts' own staff, a courier shipment, a transfer, a
# surplus not fully returned and a supplement the city could not fully deliver.
#
#   Annex 5: the rows (schools and the district's own line 区直) sum to the district's 小计, the
#            小计 to the one 合计; every school row balances (签收数 + 调剂 + 补充数 - 退回数 =
#            发放数 + 结存).
#   Annex 6: the school table's total is the sum of its rows; the verdict names the supplement
#            the city did not deliver and never says 账实相符 then.
#   coverage: the city's 合计 is the sum of the districts; a district's row the sum of its rows.
#   Every form names the term 2016年秋季学期, never 2016-autumn.
#   XLSX: counts, yuan and rates are number cells with a number format.
#   A second signer of the final report is refused, naming the first; the same signer again
#   changes nothing.
# Set FORMS_KEEP=DIR to keep the forms (e.g. to look at the HTML in a browser).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/reconcile_lib.sh"
C=$CARDCTL
TERM_=2016-autumn
AUDIT_TERM=$TERM_
R=${FORMS_KEEP:-$T}
"$C" db migrate >/dev/null
PY=
for p in /usr/bin/python3 python3; do "$p" -c 'import openpyxl' 2>/dev/null && { PY=$p; break; }; done
if [ -z "$PY" ]; then echo "python3-openpyxl is not installed: the XLSX forms cannot be read back"; exit 77; fi

# City C; districts D01 (S0101, S0102, 8 staff), D02 (S0201, S0202 by courier, 4 staff).
printf '编码,名称,类型,上级编码\nC,示范市教育局,市,\nD01,东区,区,C\nD02,西区,区,C\n' >"$T/orgs.csv"
printf 'S0101,东区一小,校,D01\nS0102,东区二小,校,D01\nS0201,西区一小,校,D02\nS0202,西区中学,校,D02\n' >>"$T/orgs.csv"
expect_status 0 "$C" org import "$T/orgs.csv"
expect_status 0 at 2016-05-01 "$C" term new $TERM_ --start 2016-09-01 --census-due 2016-06-25
"$C" key new --keyring "$T/keyring" --id 1 --label $TERM_ >/dev/null
# A real (1x1) PNG as the photo of every signed receipt.
"$PY" - "$T/receipt.png" <<'PY'
import struct, sys, zlib
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 2, 0, 0, 0))
                              + chunk(b'IDAT', zlib.compress(b'\x00\xff\xff\xff')) + chunk(b'IEND', b''))
PY

# Census: S0101 50+5=55, S0102 40+4=44, D01 staff 8 -> D01 107;
#         S0201 30+3=33, S0202 20+2=22, D02 staff 4 -> D02 59; 166, reserve 1 % -> 2.
cat >"$T/census.csv" <<'EOF'
unit,category,grade,count,textbooks
S0101,student,1,50,50
S0101,teacher,,5,
S0102,student,1,40,40
S0102,teacher,,4,
D01,staff,,8,
S0201,student,7,30,30
S0201,teacher,,3,
S0202,student,7,20,20
S0202,teacher,,2,
D02,staff,,4,
EOF
expect_status 0 at 2016-06-20 "$C" census import --term $TERM_ "$T/census.csv"
for d in D01 D02; do
	at 2016-06-22 "$C" census submit --term $TERM_ --district $d >/dev/null
	at 2016-06-23 "$C" census approve --term $TERM_ --district $d --approver "局长" >/dev/null
done
expect_status 0 "$C" plan make --term $TERM_ --reserve 1
expect_eq 168 "$(q "SELECT sum(total) FROM card.plan_line WHERE term = '$TERM_'")" "plan (166 + reserve 2)"
expect_status 0 "$C" batch mint --term $TERM_ --plan --keyring "$T/keyring" --key-id 1
# D01 gets 107 and passes 99 on (keeps its staff's 8); D02 gets 37, passes 33 on; S0202's 22
# come by courier.
ship_recv 2016-08-24 --to D01 --count 107
ship_recv 2016-08-24 --to D02 --count 37
ship_recv 2016-08-24 --to S0202 --count 22 --address "西区学府路1号" --contact "周老师" --phone 010-5555-0101
ship_recv 2016-08-25 --from D01 --to S0101 --count 55
ship_recv 2016-08-25 --from D01 --to S0102 --count 44
ship_recv 2016-08-25 --from D02 --to S0201 --count 33
dist() { at 2016-09-05 "$C" distribute --term $TERM_ --school "$1" --count "$2" --date 2016-09-05 >/dev/null || bad "distribute $2 at $1"; }
# S0101 hands out 50 (5 left), gives 3 to S0102 (3 arrived late there): S0102 47; staff 8 + 4.
dist S0101 50; dist S0102 44; dist D01 8; dist S0201 33; dist S0202 22; dist D02 4
expect_status 0 at 2016-08-30 "$C" transfer --term $TERM_ --from S0101 --to S0102 --count 3
dist S0102 3
# Annex 4: D01 S0101 surplus 2; D02 S0201 short 4.  Settlement: D01 returns 2, D02 gets 4 (the
# reserve 2 + D01's 2).  D01 returns only 1: the city can supply 3 of the 4.
printf 'school,surplus,shortage,reason\nS0101,2,,学生转出\n' >"$T/d01.csv"
printf 'school,surplus,shortage,reason\nS0201,,4,插班生\n' >"$T/d02.csv"
expect_status 0 at 2016-09-10 "$C" adjust file --term $TERM_ --district D01 "$T/d01.csv"
expect_status 0 at 2016-09-10 "$C" adjust file --term $TERM_ --district D02 "$T/d02.csv"
for d in D01 D02; do expect_status 0 "$C" adjust approve --term $TERM_ --district $d --approver "王主任"; done
expect_status 0 at 2016-09-18 "$C" adjust settle --term $TERM_ --confirm
expect_eq "D01:return:2 D02:supplement:4" "$(q "SELECT string_agg(district || ':' || kind || ':' || count, ' ' ORDER BY district) FROM card.settle_order")" "orders"
expect_status 0 at 2016-09-19 "$C" return --term $TERM_ --district D01 --from S0101 --count 1 --signer "钱科长" --date 2016-09-19 --photo "$T/receipt.png"
expect_status 0 at 2016-09-20 "$C" supplement --term $TERM_ --to S0201 --count 3 --signer "赵校长" --date 2016-09-20 --photo "$T/receipt.png"
dist S0201 3
# Students redeem 30 of S0101's cards (serials 1-30) and 6 of S0202's (145-150).
q "SELECT count(*) FROM card.redeem_many(array(SELECT g FROM generate_series(1, 30) g UNION ALL
        SELECT g FROM generate_series(145, 150) g), array_fill(1, ARRAY[36]),
        array(SELECT 'acct' || g FROM generate_series(1, 36) g))" >/dev/null
expect_status 0 at 2016-10-02 "$C" charge --term $TERM_
audit_ok "the term"

# --- Annex 5 --------------------------------------------------------------------------------
for fmt in csv xlsx; do expect_status 0 "$C" report annex5 --term $TERM_ --format $fmt --out "$R/annex5.$fmt"; done
expect_status 0 "$C" report annex5 --term $TERM_
cp "$T/out" "$R/annex5.txt"
# By hand: D01's own line: planned 8 (staff), shipped 107 - 99 = 8, received 8, handed out 8.
expect_grep '^D01,东区,D01,区直（工作人员）,8,8,8,签收人,2016-08-24,0,8,0,0,0,0,,' "$R/annex5.csv"
expect_grep '^D01,东区,S0101,东区一小,55,55,55,签收人,2016-08-25,-3,50,1,1,0,0,,' "$R/annex5.csv"
expect_grep '^D01,东区,S0102,东区二小,44,44,44,签收人,2016-08-25,3,47,0,0,0,0,,' "$R/annex5.csv"
expect_grep '^D01,东区,,小计,107,107,107,签收人,2016-08-24,0,105,1,1,0,0,1,50.00' "$R/annex5.csv"
expect_grep '^D02,西区,,小计,59,59,59,签收人,2016-08-24,0,62,0,0,3,0,0,0.00' "$R/annex5.csv"
expect_grep '^合计,,,,166,166,166,,,0,167,1,1,3,0,1,50.00' "$R/annex5.csv"
"$PY" - "$R/annex5.csv" <<'PY' && ok "Annex 5: rows sum to 小计, 小计 to 合计, every school row balances" || bad "Annex 5 does not add up"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding='utf-8-sig', newline='')))
N = ['计划数', '发出数', '签收数', '调剂(转入+/转出-)', '发放数', '结存', '退回数', '补充数', '补换数']
n = lambda r, k: int(r[k] or 0)
subs = [r for r in rows if r['学校名称'] == '小计']
assert len(subs) == 2 and sum(r['学校名称'] == '合计' or r['区县编码'] == '合计' for r in rows) == 1
for s in subs:
    mine = [r for r in rows if r['区县编码'] == s['区县编码'] and r['学校编码']]
    assert any(r['学校编码'] == s['区县编码'] for r in mine), 'no staff line'
    for k in N:
        assert sum(n(r, k) for r in mine) == n(s, k), (s['区县编码'], k, [n(r, k) for r in mine], n(s, k))
    for r in mine:
        if r['学校编码'] != r['区县编码']:
            assert n(r, '签收数') + n(r, '调剂(转入+/转出-)') + n(r, '补充数') - n(r, '退回数') == n(r, '发放数') + n(r, '结存'), r
total = [r for r in rows if r['区县编码'] == '合计'][0]
for k in N + ['扣款(张)']:
    assert sum(n(s, k) for s in subs) == n(total, k), k
assert sum(float(s['扣款(元)']) for s in subs) == float(total['扣款(元)'])
PY

# --- Annex 6 --------------------------------------------------------------------------------
expect_status 0 at 2016-10-01 "$C" report annex6 --term $TERM_ --district D01 --format html --out "$R/annex6-d01.html" --sign "孙局长"
expect_grep "final report of D01 filed, document" "$T/out"
for fmt in html xlsx csv; do expect_status 0 "$C" report annex6 --term $TERM_ --district D02 --format $fmt --out "$R/annex6-d02.$fmt"; done
expect_status 0 "$C" report annex6 --term $TERM_ --district D02
cp "$T/out" "$R/annex6-d02.txt"
expect_status 0 "$C" report annex6 --term $TERM_ --district D01
cp "$T/out" "$R/annex6-d01.txt"
# D02 was ordered 4 supplement cards and got 3 (D01 returned 1 of 2): named, not 账实相符.
expect_grep '^验收意见  *补充卡应到4张，实到3张，短缺1张' "$R/annex6-d02.txt"
if grep -q '账实相符' "$R/annex6-d02.txt" "$R/annex6-d02.html"; then bad "D02's certificate says 账实相符 although a supplement card never came"; else ok "D02's certificate does not say 账实相符"; fi
expect_grep '未退回 1 张，按面值扣款 50.00 元后，同意验收。' "$R/annex6-d01.html"
for d in d01 d02; do
	"$PY" - "$R/annex6-$d.html" <<'PY' && ok "Annex 6 $d: the school table's total is the sum of its rows" || bad "Annex 6 $d: the school table does not add up"
import re, sys
page = open(sys.argv[1], encoding='utf-8').read()
table = page[page.index('各校发放情况'):]
table = table[:table.index('</table>')]
rows = [re.findall(r'<t[dh][^>]*>(.*?)</t[dh]>', tr) for tr in re.findall(r'<tr[^>]*>(.*?)</tr>', table)]
head, body, total = rows[0], rows[1:-1], rows[-1]
assert total[0] == '合计' and any(r[0] == '区直（工作人员）' for r in body), rows
for k in range(1, len(head)):
    assert sum(int(r[k]) for r in body) == int(total[k]), (head[k], [r[k] for r in body], total[k])
PY
done

# --- Signing: once; another name is refused naming the first, the same name changes nothing.
expect_unchanged_status 2 at 2016-10-03 "$C" report annex6 --term $TERM_ --district D01 --sign "李副局长"
expect_grep 'final report of district "D01" was signed by 孙局长 on 2016-10-01' "$T/err"
expect_eq "孙局长" "$(q "SELECT signer FROM card.final_report WHERE district = 'D01'")" "the first signer stays"
expect_unchanged_status 0 at 2016-10-03 "$C" report annex6 --term $TERM_ --district D01 --sign "孙局长" --out "$T/again.csv"
expect_grep 'already signed by 孙局长 on 2016-10-01' "$T/out"

# --- coverage -------------------------------------------------------------------------------
for fmt in csv xlsx html; do expect_status 0 "$C" report coverage --term $TERM_ --format $fmt --out "$R/coverage.$fmt"; done
expect_status 0 "$C" report coverage --term $TERM_
cp "$T/out" "$R/coverage.txt"
# 166 planned, 167 handed out, 36 redeemed = 21.6 %.
expect_grep '^,,C,合计,全市,166,167,36,21.6,131,,,,' "$R/coverage.csv"
"$PY" - "$R/coverage.csv" <<'PY' && ok "coverage: districts sum to 合计, rows to their district" || bad "coverage does not add up"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding='utf-8-sig', newline='')))
K = ['计划数', '发放数', '兑换数', '未兑换']
ds = [r for r in rows if r['类型'] == '区县']
total = [r for r in rows if r['类型'] == '全市']
assert len(total) == 1 and total[0]['单位名称'] == '合计'
for k in K:
    assert sum(int(r[k]) for r in ds) == int(total[0][k]), k
for d in ds:
    mine = [r for r in rows if r['区县编码'] == d['区县编码'] and r['类型'] in ('学校', '区直')]
    for k in K:
        assert sum(int(r[k]) for r in mine) == int(d[k]), (d['区县编码'], k)
PY
expect_grep '<tr class="sum"><td>合计</td>' "$R/coverage.html"

# --- The term as officials write it, on every form --------------------------------------------
for f in annex5.txt annex6-d02.txt annex6-d01.html annex6-d02.html coverage.txt coverage.html; do
	expect_grep '2016年秋季学期' "$R/$f"
done
expect_status 0 "$C" report annex2 --term $TERM_
expect_grep '^附件2 人数统计表 2016年秋季学期' "$T/out"
for f in annex4 finance; do expect_status 0 "$C" report $f --term $TERM_; expect_grep '2016年秋季学期' "$T/out"; done
if grep -l '2016-autumn' "$R"/annex5.txt "$R"/annex6-* "$R"/coverage.txt "$R"/coverage.html; then bad "a form names the term 2016-autumn"; else ok "no form names the term 2016-autumn"; fi

# --- XLSX: numbers with number formats ------------------------------------------------------
expect_status 0 "$C" report finance --term $TERM_ --format xlsx --out "$R/finance.xlsx"
"$PY" - "$R/annex5.xlsx" "$R/coverage.xlsx" "$R/finance.xlsx" "$R/annex6-d02.xlsx" <<'PY' && ok "XLSX: counts, yuan and rates are number cells with number formats" || bad "XLSX cells"
import sys, openpyxl
def sheet(p):
    ws = openpyxl.load_workbook(p).active
    assert '2016年秋季学期' in ws.cell(1, 1).value, ws.cell(1, 1).value
    head = [c.value for c in ws[2]]
    return ws, head
def col(ws, head, name):
    return [ws.cell(r, head.index(name) + 1) for r in range(3, ws.max_row + 1)]
def numbers(cells, fmt, what):
    cells = [c for c in cells if c.value is not None]
    assert cells, what
    for c in cells:
        assert c.data_type == 'n' and c.number_format == fmt, (what, c.coordinate, c.value, c.data_type, c.number_format)
ws, head = sheet(sys.argv[1])
for k in ('计划数', '发出数', '签收数', '调剂(转入+/转出-)', '发放数', '结存', '扣款(张)'):
    numbers(col(ws, head, k), '0', 'annex5 ' + k)
numbers(col(ws, head, '扣款(元)'), '0.00', 'annex5 扣款(元)')
assert [c.value for c in col(ws, head, '扣款(元)') if c.value is not None][-1] == 50
ws, head = sheet(sys.argv[2])
numbers(col(ws, head, '普及率(%)'), '0.0%', 'coverage 普及率')
assert abs([c.value for c in col(ws, head, '普及率(%)') if c.value is not None][-1] - 0.216) < 1e-9
numbers(col(ws, head, '兑换数'), '0', 'coverage 兑换数')
ws, head = sheet(sys.argv[3])
numbers(col(ws, head, '面值(元)'), '0.00', 'finance 面值(元)')
numbers(col(ws, head, '扣款(元)'), '0.00', 'finance 扣款(元)')
ws, head = sheet(sys.argv[4])
form = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(3, ws.max_row + 1)}
numbers([form['计划发放数(张)'], form['发放数(张)'], form['未退回(张)']], '0', 'annex6 counts')
numbers([form['扣款金额(元)']], '0.00', 'annex6 扣款金额(元)')
assert form['计划发放数(张)'].value == 59 and form['区县'].data_type == 's'
PY
audit_ok "after the forms"
finish
