# workflow_lib.sh -- fixtures and checks shared by the workflow tests (sourced after lib.sh).
#
# A small city: centre C; districts D1, D2, D3 and DZ (the city-direct schools); 12 schools.
# Census (students + teachers + staff): D1 233+23+3 = 259, D2 116+13+2 = 131, D3 66+9+2 = 77,
# DZ 99+13+0 = 112; the city 579.  S103 orders 70 textbooks for 60 students (flagged).
TERM=2027-spring
TODAY=$(TZ=Asia/Shanghai date +%F)
PYTHON=
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import openpyxl' 2>/dev/null; then PYTHON=$p; break; fi
done

# The organisations file, as Excel writes it (UTF-8 with BOM, CRLF).
write_orgs() {
	printf '\xef\xbb\xbf编码,名称,类型,上级编码,地址,联系人,电话\r\n'
	printf 'C,市教育局,市,,,,\r\n'
	printf 'D1,东湖区,区,C,,,\r\nD2,西山区,区,C,,,\r\nD3,高新区,区,C,,,\r\nDZ,市直属学校,区,C,,,\r\n'
	printf 'S101,东湖一小,校,D1,,,\r\nS102,东湖中学,校,D1,,,\r\nS103,东湖高中,校,D1,,,\r\n'
	printf 'S201,西山一小,校,D2,,,\r\nS202,西山二小,校,D2,,,\r\nS203,西山三小,校,D2,,,\r\n'
	printf 'S301,高新一小,校,D3,,,\r\nS302,高新二小,校,D3,,,\r\nS303,高新三小,校,D3,,,\r\n'
	printf 'S901,实验中学,校,DZ,"人民路1号",周老师,13800000901\r\n'
	printf 'S902,外国语学校,校,DZ,"人民路2号",吴老师,13800000902\r\n'
	printf 'S903,师大附中,校,DZ,"人民路3号",郑老师,13800000903\r\n'
}

# The census files of each district.
census_d1() {
	printf '\xef\xbb\xbf单位编码,类别,年级,人数,课本数\r\n'
	printf 'S101,学生,一年级,40,40\r\nS101,学生,二年级,38,38\r\nS101,教师,,6,\r\n'
	printf 'S102,学生,七年级,50,52\r\nS102,学生,八年级,45,45\r\nS102,教师,,8,\r\n'
	printf 'S103,学生,高一,60,70\r\nS103,教师,,9,\r\n'
	printf 'D1,工作人员,,3,\r\n'
	printf '合计,,,259,245\r\n'
}
census_d2() { # UTF-8 without BOM, LF; its GB18030 twin is made with iconv
	printf '单位编码,类别,年级,人数,课本数\n'
	printf 'S201,学生,一年级,30,30\nS201,学生,二年级,32,32\nS201,教师,,5,\n'
	printf 'S202,学生,三年级,28,28\nS202,教师,,4,\n'
	printf 'S203,学生,四年级,26,26\nS203,教师,,4,\n'
	printf 'D2,工作人员,,2,\n'
	printf '合计,学生,,116,116\n'
}
census_d3() { # English header, other column order
	printf 'count,unit,category,textbooks,grade\r\n'
	printf '20,S301,student,20,1\r\n3,S301,teacher,,\r\n22,S302,student,22,2\r\n3,S302,teacher,,\r\n'
	printf '24,S303,student,24,3\r\n3,S303,teacher,,\r\n2,D3,staff,,\r\n'
}
census_dz() {
	printf '单位编码,类别,年级,人数,课本数\r\n'
	printf 'S901,学生,七年级,35,35\r\nS901,教师,,5,\r\n'
	printf 'S902,学生,八年级,33,33\r\nS902,教师,,4,\r\n'
	printf 'S903,学生,九年级,31,31\r\nS903,教师,,4,\r\n'
}

# Receipt photos (tests/data: a 5x3 PNG and a 24x16 JPEG) and a text file named like a photo.
write_photos() {
	cp "$top_srcdir/tests/data/receipt.png" "$T/receipt.png"
	cp "$top_srcdir/tests/data/receipt.jpg" "$T/receipt.jpg"
	printf 'this is not a photo\n' >"$T/fake.png"
}

# setup_city: migrate, import the organisations, create the term (census due Jan 15).
setup_city() {
	"$CARDCTL" db migrate >/dev/null
	write_orgs >"$T/orgs.csv"
	"$CARDCTL" org import "$T/orgs.csv" >/dev/null
	"$CARDCTL" term new "$TERM" --start 2027-02-22 --census-due 2027-01-15 >/dev/null
	write_photos
}

# snapshot NAME: the data of the card schema (sequence positions aside), sorted.
snapshot() {
	"$PG_BINDIR/pg_dump" --data-only --schema=card --no-owner 2>/dev/null |
		grep -v -e '^--' -e 'setval' -e '^$' -e '^\\restrict' -e '^\\unrestrict' | sort >"$T/snap.$1"
}
# unchanged NAME WHAT: the database is as in snapshot NAME.
unchanged() {
	snapshot now
	if cmp -s "$T/snap.$1" "$T/snap.now"; then ok "nothing changed: $2"; else
		bad "the database changed: $2"; diff "$T/snap.$1" "$T/snap.now" | head -20 >&2; fi
}
# reject STATUS PATTERN WHAT CMD...: CMD fails with STATUS, stderr has PATTERN, nothing changed.
reject() {
	local want=$1 pat=$2 what=$3; shift 3
	snapshot before
	expect_status "$want" "$@"
	if grep -q -- "$pat" "$T/err"; then ok "message '$pat': $what"; else
		bad "message lacks '$pat': $what"; cat "$T/err" >&2; fi
	unchanged before "$what"
}

# jget FILE EXPR: evaluate a Python expression over the JSON document d of FILE.
jget() { "${PYTHON:-python3}" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# jexpect FILE EXPR WANT: the expression has the value WANT.
jexpect() {
	local got
	got=$(jget "$1" "$2")
	if [ "$got" = "$3" ]; then ok "$2 = $3"; else bad "$2 = $got, wanted $3"; fi
}
# org_count FILE ORG FIELD: a field of one organisation in `status --json`.
org_field() { jget "$1" "[o['$3'] for o in d['orgs'] if o['org'] == '$2'][0]"; }

# audit_ok WHAT: `cardctl audit` proves the books balance (when the command exists).
audit_ok() {
	if "$CARDCTL" audit --help >/dev/null 2>&1; then
		expect_status 0 "$CARDCTL" audit
	fi
}

# xlsx_matches_csv XLSX CSV: the data rows of the XLSX (after title and header... from row 2)
# equal the CSV's (header included), cell by cell, numbers as integers.
xlsx_matches_csv() {
	if [ -z "$PYTHON" ]; then echo "# python3-openpyxl missing: XLSX not read back"; return; fi
	if "$PYTHON" - "$1" "$2" <<'PY'
import csv, sys, openpyxl, datetime
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.active
rows = []
for r in ws.iter_rows(min_row=2, values_only=True):
    out = []
    for v in r:
        if v is None: out.append('')
        elif isinstance(v, datetime.datetime): out.append(v.strftime('%Y-%m-%d'))
        elif isinstance(v, float) and v.is_integer(): out.append(str(int(v)))
        else: out.append(str(v))
    rows.append(out)
raw = open(sys.argv[2], 'rb').read()
assert raw.startswith(b'\xef\xbb\xbf'), 'no BOM'
assert b'\r\n' in raw and b'\n' not in raw.replace(b'\r\n', b''), 'not CRLF'
want = list(csv.reader(raw.decode('utf-8-sig').splitlines()))
title = ws.cell(row=1, column=1).value
assert title, 'no title row'
assert ws.cell(row=2, column=1).font.b, 'header not bold'
if rows != want:
    print('xlsx', rows[:3], '\ncsv ', want[:3], file=sys.stderr); sys.exit(1)
PY
	then ok "$(basename "$1") reads back equal to $(basename "$2")"; else bad "$(basename "$1") differs from $(basename "$2")"; fi
}
