#!/usr/bin/env bash
# district.sh -- a district of N schools (default 300): the batch forms (one command each for
# ship, receive, distribute; tools/cmd_district.c) vs one single command per school, same
# database, same run.  Two districts of the same shape: D1 plays the batches, D2 the single
# commands.  Prints the seconds of each and the ratio batch / single.
#
# Usage (from the build directory): ../../bench/district.sh [N]
# Starts its own private cluster (tests/pg-run).  Build without sanitizers for real figures.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(dirname "$here")
build=${top_builddir:-$PWD}
N=${1:-300}
if [ -z "${CARD_TEST_PGDIR:-}" ]; then
	top_builddir=$build exec "$top_srcdir/tests/pg-run" bash "$0" "$@"
fi
C="$build/tools/cardctl"
TERM_=2027-spring
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
today=$(TZ=Asia/Shanghai date +%F)

# A real PNG of about 120 kB (noise does not compress), as a receipt photo.
python3 - "$tmp/receipt.png" <<'PY'
import os, struct, sys, zlib
w = h = 200
raw = b''.join(b'\0' + os.urandom(3 * w) for _ in range(h))
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) \
      + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
open(sys.argv[1], 'wb').write(png)
PY

"$C" db migrate >/dev/null
{
	printf 'code,name,kind,parent\nC,city,city,\nD1,d1,district,C\nD2,d2,district,C\n'
	for d in 1 2; do for i in $(seq 1 "$N"); do printf 'S%d%04d,s,school,D%d\n' "$d" "$i" "$d"; done; done
} >"$tmp/org.csv"
"$C" org import "$tmp/org.csv" >/dev/null
"$C" term new "$TERM_" --start 2027-02-22 --census-due 2027-01-15 >/dev/null
"$C" key new --keyring "$tmp/kr" --id 1 >/dev/null
for d in 1 2; do
	{
		printf 'unit,category,grade,count,textbooks\n'
		for i in $(seq 1 "$N"); do printf 'S%d%04d,student,1,40,40\nS%d%04d,teacher,,3,\n' "$d" "$i" "$d" "$i"; done
	} >"$tmp/census$d.csv"
	"$C" census import --term "$TERM_" --district "D$d" "$tmp/census$d.csv" >/dev/null
	"$C" census submit --term "$TERM_" --district "D$d" >/dev/null
	"$C" census approve --term "$TERM_" --district "D$d" --approver x >/dev/null
done
"$C" plan make --term "$TERM_" >/dev/null
"$C" batch mint --term "$TERM_" --plan --keyring "$tmp/kr" --key-id 1 >/dev/null
for d in 1 2; do
	s=$("$C" --json ship --term "$TERM_" --to "D$d" --count $((43 * N)) |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["shipment"])')
	"$C" receive "$s" --signer x --date "$today" --photo "$tmp/receipt.png" >/dev/null
done

now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }

# Batches, D1.
{ printf 'school,date,signer,photo\n'; for i in $(seq 1 "$N"); do printf 'S1%04d,%s,x,%s\n' "$i" "$today" "$tmp/receipt.png"; done; } >"$tmp/recv.csv"
{ printf 'school,count\n'; for i in $(seq 1 "$N"); do printf 'S1%04d,43\n' "$i"; done; } >"$tmp/dist.csv"
t0=$(now); "$C" ship --term "$TERM_" --from D1 --all-schools >/dev/null
t1=$(now); "$C" receive --term "$TERM_" --district D1 --schools "$tmp/recv.csv" >/dev/null
t2=$(now); "$C" distribute --term "$TERM_" --district D1 --schools "$tmp/dist.csv" >/dev/null
t3=$(now)
b_ship=$(secs "$t0" "$t1"); b_recv=$(secs "$t1" "$t2"); b_dist=$(secs "$t2" "$t3")

# Single commands, D2: one process and one connection each, as a clerk's script would.
t0=$(now)
for i in $(seq 1 "$N"); do
	"$C" --json ship --term "$TERM_" --from D2 --to "$(printf 'S2%04d' "$i")" --count 43 >>"$tmp/ships.json"
	printf '\n' >>"$tmp/ships.json"
done
t1=$(now)
python3 -c 'import json,sys; [print(json.loads(l)["shipment"]) for l in open(sys.argv[1]) if l.strip()]' "$tmp/ships.json" >"$tmp/ids"
while read -r s; do "$C" receive "$s" --signer x --date "$today" --photo "$tmp/receipt.png" >/dev/null; done <"$tmp/ids"
t2=$(now)
for i in $(seq 1 "$N"); do "$C" distribute --term "$TERM_" --school "$(printf 'S2%04d' "$i")" --count 43 >/dev/null; done
t3=$(now)
s_ship=$(secs "$t0" "$t1"); s_recv=$(secs "$t1" "$t2"); s_dist=$(secs "$t2" "$t3")

"$C" audit >/dev/null
printf '%d schools, %d cards each\n%-12s %10s %10s %8s\n' "$N" 43 step "batch s" "single s" ratio
missed=0
for step in ship recv dist; do
	b=b_$step; s=s_$step
	ratio=$(python3 -c "print(f'{${!b} / ${!s}:.3f}')")
	printf '%-12s %10s %10s %8s\n' "$step" "${!b}" "${!s}" "$ratio"
	python3 -c "import sys; sys.exit(0 if $ratio <= 0.2 else 1)" || missed=1
done
# Target (bench/README.md): each batch at most 0.2 x the single commands.
if [ "$missed" = 0 ]; then echo "target (batch <= 0.2 x single): met"; else echo "target (batch <= 0.2 x single): MISSED"; fi
# The two districts came out the same.
"$C" --json status --term "$TERM_" | python3 -c '
import json, sys
d = json.load(sys.stdin)
o = {x["org"]: x for x in d["orgs"]}
bad = [k for k in o if k.startswith("S1") and
       [o[k][f] for f in ("planned", "stock", "transit", "distributed")] !=
       [o["S2" + k[2:]][f] for f in ("planned", "stock", "transit", "distributed")]]
print("D1 (batches) and D2 (single commands) agree" if not bad else "DIFFER: %s" % bad[:5])
sys.exit(1 if bad else 0)'
[ "$missed" = 0 ] || exit 2
