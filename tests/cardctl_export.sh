#!/usr/bin/env bash
# cardctl_export.sh -- cardctl batch export|verify end to end: file modes, the database
# cross-check, tampering, --pubkey, and an export killed half-way leaving no file.
. "$top_srcdir/tests/lib.sh"
C="$CARDCTL"
KR="$T/keyring"
expect_status 0 "$C" db migrate
printf 'code,name,kind,parent\nC,市教育局,市,\n' >"$T/org.csv"
expect_status 0 "$C" org import "$T/org.csv"
expect_status 0 "$C" term new 2026-autumn --start 2026-09-01
expect_status 0 "$C" key new --keyring "$KR" --id 2
mint() { "$C" --json batch mint --term 2026-autumn --count "$1" --keyring "$KR" --key-id 2 | sed 's/.*"batch": "\([^"]*\)".*/\1/'; }
b1=$(mint 2000)
b2=$(mint 1000000)

expect_status 0 "$C" batch export "$b1" --keyring "$KR" --out "$T/p1.csv"
expect_grep '2000 cards of batch' "$T/out"
for f in p1.csv p1.csv.manifest; do
	[ "$(stat -c %a "$T/$f")" = 600 ] && ok "$f is 0600" || bad "$f mode $(stat -c %a "$T/$f")"
done
[ "$(stat -c %a "$KR.sign")" = 600 ] && ok "signing key is 0600" || bad "signing key mode"
[ "$(head -1 "$T/p1.csv")" = "serial,code,batch,term" ] && ok "header" || bad "header"
[ "$(wc -l <"$T/p1.csv")" = 2001 ] && ok "2000 rows" || bad "rows: $(wc -l <"$T/p1.csv")"
expect_status 0 "$C" batch verify "$T/p1.csv" --keyring "$KR"
expect_grep 'range matches the database' "$T/out"
expect_status 0 "$C" batch verify "$T/p1.csv" --pubkey "$KR.sign.pub"
expect_status 0 "$C" --db "host=$T/nowhere" batch verify "$T/p1.csv" --keyring "$KR"
expect_grep 'database not reachable' "$T/err"
# Every code checks out with the offline verifier too.
sed -n '2,51p' "$T/p1.csv" | cut -d, -f2 >"$T/codes"
expect_status 0 sh -c "'$C' verify --keyring '$KR' <'$T/codes'"
# Sub-range; a range outside the batch is refused.
expect_status 0 "$C" --json batch export "$b1" --keyring "$KR" --out "$T/p2.csv" --range 11-20
expect_grep '"rows": 10, "first_serial": 11, "last_serial": 20' "$T/out"
expect_status 2 "$C" batch export "$b1" --keyring "$KR" --out "$T/p3.csv" --range 1990-2010
[ ! -e "$T/p3.csv" ] && ok "refused range wrote nothing" || bad "p3.csv exists"
# The one serial-range syntax of cardctl (ship, return, batch export): A-B, or A alone.
expect_status 0 "$C" --json batch export "$b1" --keyring "$KR" --out "$T/p4.csv" --range 12
expect_grep '"rows": 1, "first_serial": 12, "last_serial": 12' "$T/out"
for bad_range in 20-11 11- -11 1x-2 99999999999999; do
	expect_status 1 "$C" batch export "$b1" --keyring "$KR" --out "$T/p5.csv" --range "$bad_range"
	expect_grep "range wants A-B (serials, inclusive) or one serial, not \"$bad_range\"" "$T/err"
done
[ ! -e "$T/p5.csv" ] && ok "malformed ranges wrote nothing" || bad "p5.csv exists"

# Tampering: the file, the manifest, another signing key.
cp "$T/p1.csv" "$T/t1.csv"; cp "$T/p1.csv.manifest" "$T/t1.csv.manifest"
sed -i '3s/^0000000000002,\(....\)/0000000000002,\1/; 3s/-\(.\)/-0/' "$T/t1.csv"
if cmp -s "$T/p1.csv" "$T/t1.csv"; then sed -i '3s/-./-1/' "$T/t1.csv"; fi
expect_status 2 "$C" batch verify "$T/t1.csv" --keyring "$KR"
expect_grep 't1.csv:3: ' "$T/err"
expect_grep 'REJECTED' "$T/err"
cp "$T/p1.csv" "$T/t2.csv"; sed 's/^rows: 2000$/rows: 1999/' "$T/p1.csv.manifest" >"$T/t2.csv.manifest"
sed -i '$d' "$T/t2.csv"
expect_status 2 "$C" batch verify "$T/t2.csv" --keyring "$KR"
expect_grep 'signature does not match' "$T/err"
cp "$T/p1.csv" "$T/t3.csv"
expect_status 2 "$C" batch verify "$T/t3.csv" --keyring "$KR"
expect_grep 'could not open manifest' "$T/err"
expect_status 0 "$C" key new --keyring "$T/other" --id 2
expect_status 0 "$C" batch export "$b1" --keyring "$T/other" --out "$T/t4.csv" --range 1-5
expect_status 2 "$C" batch verify "$T/t4.csv" --keyring "$KR"
expect_grep 'not by this signing key' "$T/err"
chmod 644 "$KR.sign"
expect_status 2 "$C" batch export "$b1" --keyring "$KR" --out "$T/t5.csv"
expect_grep 'must be a regular file of mode 0600' "$T/err"
chmod 600 "$KR.sign"
expect_status 1 "$C" batch verify "$T/p1.csv"
expect_status 2 "$C" batch export 00000000-0000-4000-8000-000000000000 --keyring "$KR" --out "$T/t6.csv"

# Roles: a city login imports, mints and exports; a district login and the daemon may not
# mint or import, and their attempts change nothing.
psql -qc "CREATE ROLE city1 LOGIN IN ROLE card_city" -c "CREATE ROLE dist1 LOGIN IN ROLE card_district" \
	-c "CREATE ROLE daemon1 LOGIN IN ROLE card_daemon"
printf 'code,name,kind,parent\nC,市教育局,市,\nD1,一区,区,C\nS1,一中,校,D1\n' >"$T/org2.csv"
expect_status 0 "$C" --db "user=city1" org import "$T/org2.csv"
expect_grep '2 new, 0 updated, 1 unchanged' "$T/out"
psql -qc "INSERT INTO card.district_login (role, district) VALUES ('dist1', 'D1')"
expect_status 0 "$C" --db "user=city1" batch mint --term 2026-autumn --count 10 --keyring "$KR" --key-id 2
b3=$(sed -n 's/^batch \([0-9a-f-]*\):.*/\1/p' "$T/out")
expect_status 0 "$C" --db "user=city1" batch export "$b3" --keyring "$KR" --out "$T/city.csv"
expect_status 0 "$C" --db "user=city1" batch verify "$T/city.csv" --keyring "$KR"
n_before=$(psql -Atc "SELECT count(*) || '/' || (SELECT next_serial FROM card.serial_counter) FROM card.batch")
for who in dist1 daemon1; do
	expect_status 2 "$C" --db "user=$who" batch mint --term 2026-autumn --count 10 --keyring "$KR" --key-id 2
	expect_grep 'permission denied' "$T/err"
	printf 'code,name,kind,parent\nS9,x,校,D1\n' >"$T/org3.csv"
	set +e; "$C" --db "user=$who" org import "$T/org3.csv" >"$T/out" 2>"$T/err"; st=$?; set -e
	[ "$st" = 2 ] || [ "$st" = 3 ] && ok "$who cannot import organisations (exit $st)" || bad "$who org import exit $st"
done
[ "$(psql -Atc "SELECT count(*) || '/' || (SELECT next_serial FROM card.serial_counter) FROM card.batch")" = "$n_before" ] \
	&& ok "refused mints changed nothing" || bad "batches or counter changed"
[ "$(psql -Atc "SELECT count(*) FROM card.org WHERE code = 'S9'")" = 0 ] && ok "S9 not imported" || bad "S9 imported"

# An export killed half-way leaves nothing under the final name.
"$C" batch export "$b2" --keyring "$KR" --out "$T/big.csv" >"$T/big.out" 2>&1 &
pid=$!
for _ in $(seq 1 200); do
	s=$(stat -c %s "$T"/big.csv.tmp.* 2>/dev/null | head -1 || true)
	[ -n "$s" ] && [ "$s" -gt 1000000 ] && break
	sleep 0.05
done
kill -TERM "$pid" 2>/dev/null || true
set +e; wait "$pid"; st=$?; set -e
if [ -e "$T/big.csv" ]; then
	bad "an interrupted export left big.csv (exit $st; the export may have finished first)"
else
	ok "interrupted export (exit $st) left no big.csv"
fi
ls "$T"/big.csv.tmp.* >/dev/null 2>&1 && bad "temporary file left after SIGTERM" || ok "no temporary file left"
[ ! -e "$T/big.csv.manifest" ] && ok "no manifest either" || bad "manifest left"
finish
