#!/usr/bin/env bash
# cardctl_org.sh -- cardctl org import|list, term new|show|list, batch mint|list|show:
# acceptance, every rejection (exit status, message with line number, nothing changed),
# the GB18030 twin of a UTF-8 file.
. "$top_srcdir/tests/lib.sh"
C="$CARDCTL"
snap() { "$C" --json org list >"$T/snap.$1"; }
same() { if cmp -s "$T/snap.$1" "$T/snap.$2"; then ok "unchanged: $3"; else bad "changed: $3"; diff "$T/snap.$1" "$T/snap.$2" >&2 || true; fi; }
# reject FILE 'message' : exit 2, the message, and the organisations unchanged.
reject() {
	snap before
	expect_status 2 "$C" org import "$1"
	expect_grep "$2" "$T/err"
	snap after
	same before after "$1"
}

# Before the schema: every command says to run 'cardctl db migrate'; db status lists what is pending.
expect_status 3 "$C" org list
expect_grep "cardctl db migrate" "$T/err"
expect_status 2 "$C" db status
expect_grep "functions/census  *pending" "$T/out"
expect_status 0 "$C" db migrate
expect_status 0 "$C" db status
# A function file the database has in another text: refused until migrate loads it again.
psql -qX -v ON_ERROR_STOP=1 -c "UPDATE card.function_file SET sha256 = repeat('0', 64) WHERE name = 'census'"
expect_status 3 "$C" org list
expect_grep "server functions (census)" "$T/err"
expect_status 2 "$C" --json db status
expect_grep '"file": "census", "sha256": "[0-9a-f]*", "state": "changed"' "$T/out"
expect_status 0 "$C" db migrate
expect_grep "loaded 1 function file" "$T/out"
expect_status 0 "$C" org list

# Parents after children, Chinese header with BOM and CRLF, optional contact columns.
printf '\xef\xbb\xbf编码,名称,类型,上级编码,地址,联系人,电话\r\n' >"$T/org.csv"
printf 'S1,第一中学,校,D1,"一路1号",张老师,0571-1\r\nS2,"第二中学, 分校",校,D2,,,\r\n' >>"$T/org.csv"
printf 'C,某市教育局,市,,,,\r\nD1,高新区,区,C,,,\r\nD2,城区,区,C,,,\r\nD9,市直学校,区,C,,,\r\n' >>"$T/org.csv"
expect_status 0 "$C" org import "$T/org.csv"
expect_grep '6 new, 0 updated, 0 unchanged' "$T/out"
expect_status 0 "$C" org import "$T/org.csv"
expect_grep '0 new, 0 updated, 6 unchanged' "$T/out"
expect_status 0 "$C" --json org list --district D1
expect_grep '"code": "S1", "name": "第一中学", "kind": "school", "parent": "D1", "district": "D1", "address": "一路1号", "contact": "张老师"' "$T/out"
expect_grep '"code": "D1", "name": "高新区", "kind": "district", "parent": "C", "district": "D1"' "$T/out"
expect_status 0 "$C" org list
expect_grep '第二中学, 分校' "$T/out"

# The GB18030 twin imports identically: a no-op here, and the same list in a fresh database.
sed '1s/^\xef\xbb\xbf//' "$T/org.csv" | iconv -f UTF-8 -t GB18030 >"$T/org-gb.csv"
if cmp -s "$T/org.csv" "$T/org-gb.csv"; then bad "GB18030 twin differs"; else ok "GB18030 twin differs in bytes"; fi
expect_status 0 "$C" org import "$T/org-gb.csv"
expect_grep '(GB18030): 0 new, 0 updated, 6 unchanged' "$T/out"
psql -qc 'CREATE DATABASE twin' >/dev/null
expect_status 0 "$C" --db dbname=twin db migrate
expect_status 0 "$C" --db dbname=twin org import --encoding GB18030 "$T/org-gb.csv"
"$C" --json org list | sed 's/"created_at[^,]*,//' >"$T/list1"
"$C" --db dbname=twin --json org list >"$T/list2"
if cmp -s "$T/list1" "$T/list2"; then ok "GB18030 and UTF-8 import identically"; else bad "twin lists differ"; fi

# Rejections, each with its line number, nothing changed.
w() { f="$T/$1.csv"; shift; printf "$@" >"$f"; echo "$f"; }
reject "$(w unknown_parent 'code,name,kind,parent\nS5,x,校,D1\nS6,y,校,DX\n')" 'unknown_parent.csv:3: unknown parent "DX" of "S6"'
reject "$(w dup 'code,name,kind,parent\nS5,x,校,D1\n\nS5,y,校,D2\n')" 'dup.csv:4: duplicate organisation code "S5"'
reject "$(w dup_db 'code,name,kind,parent\nS1,x,校,D1\nS1,x,校,D1\n')" 'dup_db.csv:3: duplicate organisation code "S1"'
reject "$(w school_city 'code,name,kind,parent\nS5,x,校,C\n')" 'school_city.csv:2: school "S5" must be under a district, not under the city centre "C"'
reject "$(w school_school 'code,name,kind,parent\nS5,x,school,S1\n')" 'school_school.csv:2: school "S5" must be under a district, not under school "S1"'
reject "$(w dist_dist 'code,name,kind,parent\nD5,x,区,D5x\nD5x,y,区,C\n')" 'dist_dist.csv:2: district "D5" must be under the city centre, not under district "D5x"'
reject "$(w city2 'code,name,kind,parent\nC2,x,市,\n')" 'city2.csv:2: a second city centre "C2"'
reject "$(w city2f 'code,name,kind,parent\nC,某市教育局,市,\nD1,高新区,区,C\nC3,x,city,\n')" 'city2f.csv:4: a second city centre "C3"'
reject "$(w kind 'code,name,kind,parent\nS5,x,小学,D1\n')" 'kind.csv:2: unknown kind "小学" of "S5"'
reject "$(w code 'code,name,kind,parent\nS 5,x,校,D1\n')" 'code.csv:2: invalid organisation code "S 5"'
reject "$(w noname 'code,name,kind,parent\nS5,,校,D1\n')" 'noname.csv:2: the name of "S5" must be 1 to 200 characters'
reject "$(w noparent 'code,name,kind,parent\nS5,x,校,\n')" 'noparent.csv:2: school "S5" needs a parent'
reject "$(w cityparent 'code,name,kind,parent\nC,x,市,D1\n')" 'cityparent.csv:2: the city centre "C" cannot have a parent'
reject "$(w missing 'code,name,parent\nS5,x,D1\n')" 'missing.csv:1: missing column "类型" (kind) in header'
reject "$(w unknowncol 'code,name,kind,parent,colour\n')" 'unknowncol.csv:1: unknown column "colour" in header'
reject "$(w dupcol 'code,name,kind,parent,编码\n')" 'dupcol.csv:1: duplicate column "编码" (code) in header'
reject "$(w ragged 'code,name,kind,parent\nS5,x,校,D1\nS6,x,校\n')" 'ragged.csv:3: row has 3 fields, but the header has 4'
reject "$(w badenc 'code,name,kind,parent\nS5,x,校,D1\nS6,\xff\xfe,校,D1\n')" 'badenc.csv:3: invalid byte sequence'
reject "$(w badutf8 'code,name,kind,parent\nS6,\xb5\xda,校,D1\n')" 'badutf8.csv:2: invalid byte sequence: the file is neither UTF-8 nor GB18030'
expect_status 2 "$C" org import --encoding UTF-8 "$T/badutf8.csv"
expect_grep 'badutf8.csv:2: invalid byte sequence for encoding UTF-8' "$T/err"
# A BOM converted to GB18030 along with the text is dropped too.
iconv -f UTF-8 -t GB18030 <"$T/org.csv" >"$T/org-gb-bom.csv"
expect_status 0 "$C" org import "$T/org-gb-bom.csv"
expect_grep '(GB18030): 0 new, 0 updated, 6 unchanged' "$T/out"
expect_status 1 "$C" org import
expect_status 3 "$C" org import "$T/no-such-file.csv"
expect_status 3 "$C" --db "host=$T/nowhere" org import "$T/org.csv"

# Updates: names and contacts change; a school without cards may move district.
w rename 'code,name,kind,parent,电话\nS2,第二中学,校,D1,0571-2\n' >/dev/null
expect_status 0 "$C" org import "$T/rename.csv"
expect_grep '0 new, 1 updated, 0 unchanged' "$T/out"
expect_status 0 "$C" --json org list --district D1
expect_grep '"code": "S2", "name": "第二中学", "kind": "school", "parent": "D1", "district": "D1", "address": null, "contact": null, "phone": "0571-2"' "$T/out"
# A district with schools cannot become a school.
reject "$(w demote 'code,name,kind,parent\nD1,高新区,校,D2\n')" 'demote.csv:2: cannot make "D1" a school: school "S1" is under it'

# Terms.
expect_status 0 "$C" term new 2026-autumn --start 2026-09-01
expect_grep 'census due 2026-06-25' "$T/out"
expect_status 2 "$C" term new 2026-autumn --start 2026-09-01
expect_grep 'already exists' "$T/err"
expect_status 2 "$C" term new 2026-summer --start 2026-09-01
expect_status 2 "$C" term new 2027-spring --start 2027-02-20 --census-due 2027-02-15
expect_grep 'after the delivery deadline 2027-02-13' "$T/err"
expect_status 1 "$C" term new 2027-spring --start 2027-02-30
expect_status 0 "$C" term new 2027-spring --start 2027-02-20 --face-value 4000
expect_status 0 "$C" term show 2026-autumn
expect_grep '^delivery  *2026-08-25' "$T/out"
expect_grep '^self-adjustment  *2026-09-01' "$T/out"
expect_grep '^close  *2026-10-01' "$T/out"
expect_status 0 "$C" --json term show 2027-spring
expect_grep '"step": "census", "zh": "人数统计", "who": "district", "due": "2027-01-15"' "$T/out"
expect_grep '"step": "city-adjustment", "zh": "全市调剂", "who": "city", "due": "2027-03-12", "offset_days": 20' "$T/out"
expect_status 2 "$C" term show 2030-autumn
expect_grep '"step": "replacement", "zh": "换卡", "who": "district", "base": "request", "days": 7' <("$C" --json term show 2027-spring)

# The bureau's day: the server's clock, or the drill day only the database owner sets.
expect_status 0 "$C" --json db today
expect_grep '"drill": false' "$T/out"
expect_status 0 "$C" db today --set 2026-10-15
expect_grep '^2026-10-15 (drill day' "$T/out"
expect_status 0 "$C" term show
expect_grep '^term 2026-autumn' "$T/out"
psql -qX -v ON_ERROR_STOP=1 -c "CREATE ROLE daylogin LOGIN IN ROLE card_city" >/dev/null
expect_status 2 env PGUSER=daylogin "$C" db today --clear
expect_grep 'database owner' "$T/err"
expect_status 0 env PGUSER=daylogin PGOPTIONS='-c card.today=2020-01-01' "$C" db today
expect_grep '^2026-10-15 (drill day' "$T/out"
expect_status 1 "$C" db today --set 2026-02-30
expect_status 1 "$C" db today --set 2026-10-15 --clear
expect_status 0 "$C" db today --clear
expect_status 0 "$C" --json db today
expect_grep '"drill": false' "$T/out"
expect_status 0 "$C" term list
expect_grep '2027-spring  2027-02-20 2027-01-15 4000' "$T/out"

# Batches.
KR="$T/keyring"
expect_status 0 "$C" key new --keyring "$KR" --id 3
expect_status 0 "$C" batch mint --term 2026-autumn --count 500 --keyring "$KR" --key-id 3
expect_grep 'serials 0000000000001-0000000000500, in city stock' "$T/out"
b1=$(sed -n 's/^batch \([0-9a-f-]*\):.*/\1/p' "$T/out")
expect_status 0 "$C" --json batch mint --term 2026-autumn --count 20 --keyring "$KR" --key-id 3
expect_grep '"first_serial": 501, "last_serial": 520, "count": 20' "$T/out"
expect_status 2 "$C" batch mint --term 2026-autumn --count 20 --keyring "$KR" --key-id 4
expect_grep 'the keyring has no key 4' "$T/err"
expect_status 2 "$C" batch mint --term 2031-autumn --count 20 --keyring "$KR" --key-id 3
expect_status 1 "$C" batch mint --term 2026-autumn --count 0 --keyring "$KR" --key-id 3
expect_status 0 "$C" batch show "$b1"
expect_grep 'serials  0000000000001-0000000000500' "$T/out"
expect_status 2 "$C" batch show 00000000-0000-4000-8000-000000000000
expect_status 0 "$C" batch list --term 2026-autumn
[ "$(wc -l <"$T/out")" = 2 ] && ok "two batches listed" || bad "batch list: $(cat "$T/out")"
[ "$(psql -Atc "SELECT count(*) FROM card.batch")" = 2 ] && ok "refused mints left nothing" || bad "extra batches"

# Once an organisation has cards, its kind and parent are fixed (a fixture holding for S1,
# outside every batch, stands in for a delivery).
psql -qc "INSERT INTO card.holding (serials, term, org, state) VALUES (int8range(900000, 900010), '2026-autumn', 'S1', 'stock')"
reject "$(w move 'code,name,kind,parent\nS1,第一中学,校,D2\n')" 'move.csv:2: cannot change the kind or parent of "S1": it already has cards'
reject "$(w city_kind 'code,name,kind,parent\nC,某市教育局,区,C\n')" 'city_kind.csv:2: '
w rename2 'code,name,kind,parent\nS1,第一中学（新）,校,D1\n' >/dev/null
expect_status 0 "$C" org import "$T/rename2.csv"
expect_grep '0 new, 1 updated' "$T/out"

# cardctl(1) shows, for each of these commands, exactly the usage line of its --help.
if command -v man >/dev/null && command -v col >/dev/null; then
	MANWIDTH=250 man -l "$top_srcdir/man/cardctl.1" 2>/dev/null | col -b | tr -s ' \t' ' ' >"$T/man"
	for cmd in "db migrate" "db status" "db today" "org import" "org list" "term new" "term show" "term list" \
	           "batch mint" "batch list" "batch show" "batch export" "batch verify"; do
		# shellcheck disable=SC2086
		"$C" $cmd --help >"$T/help" 2>&1 || true
		usage=$(sed -n 's/^Usage: //p' "$T/help" | tr -s ' ' ' ')
		grep -qxF " $usage" "$T/man" && ok "cardctl.1 has: $usage" || bad "cardctl.1 lacks the usage line: $usage"
	done
fi
finish
