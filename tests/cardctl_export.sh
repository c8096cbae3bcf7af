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
cut -d, -f2 "$T/p1.csv" | tail -n +2 | head -50 >"$T/codes"
expect_status 0 sh -c "'$C' verify --keyring '$KR' <'$T/codes'"
# Sub-range; a range outside the batch is refused.
expect_status 0 "$C" --json batch export "$b1" --keyring "$KR" --out "$T/p2.csv" --range 11-20
expect_grep '"rows": 10, "first_serial": 11, "last_serial": 20' "$T/out"
expect_status 2 "$C" batch export "$b1" --keyring "$KR" --out "$T/p3.csv" --range 1990-2010
[ ! -e "$T/p3.csv" ] && ok "refused range wrote nothing" || bad "p3.csv exists"

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
