#!/usr/bin/env bash
# demo.sh BUILDDIR -- README's first command (`./run.sh demo`): a private PostgreSQL, a small
# city played through the real workflow (organisations, census, plan, minted batch, delivery
# with receipts, distribution), then cardd serving the student redemption page on
# http://127.0.0.1:8080/ with a few codes to try.  Ctrl-C stops cardd and removes everything.
#
# DEMO_LISTEN=HOST:PORT changes the address; DEMO_SECONDS=N stops cardd after N seconds
# (for scripted runs); otherwise cardd serves until Ctrl-C.
set -euo pipefail
B=$(cd "${1:?usage: demo.sh BUILDDIR}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${PGHOST:-}" ] || [ -z "${CARD_TEST_PGDIR:-}" ]; then
	# Re-run ourselves inside a private cluster (unix socket only, removed afterwards).
	CARD_PG_DURABLE=1 exec "$TOP/tests/pg-run" "$0" "$B"
fi

C="$B/tools/cardctl"
CARDD="$B/daemon/cardd"
LISTEN=${DEMO_LISTEN:-127.0.0.1:8080}
TERM_CODE=2027-spring
D=$(mktemp -d "${TMPDIR:-/tmp}/libcard-demo.XXXXXX")
cardd_pid=
cleanup() {
	[ -n "$cardd_pid" ] && kill "$cardd_pid" 2>/dev/null && wait "$cardd_pid" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ cardctl %s\n' "$*"; "$C" "$@"; }

step "database: private cluster at $PGHOST (unix socket only)"
run db migrate

step "organisations: the city centre, three districts, the city-direct schools, 12 schools"
cat >"$D/orgs.csv" <<'CSV'
编码,名称,类型,上级编码,地址,联系人,电话
C,市教育局,市,,,,
D1,东湖区,区,C,,,
D2,西山区,区,C,,,
D3,高新区,区,C,,,
DZ,市直属学校,区,C,,,
S101,东湖一小,校,D1,,,
S102,东湖中学,校,D1,,,
S103,东湖高中,校,D1,,,
S201,西山一小,校,D2,,,
S202,西山二小,校,D2,,,
S203,西山三小,校,D2,,,
S301,高新一小,校,D3,,,
S302,高新二小,校,D3,,,
S303,高新三小,校,D3,,,
S901,实验中学,校,DZ,人民路1号,周老师,13800000901
S902,外国语学校,校,DZ,人民路2号,吴老师,13800000902
S903,师大附中,校,DZ,人民路3号,郑老师,13800000903
CSV
run org import "$D/orgs.csv"

step "term $TERM_CODE and its deadline calendar"
run term new "$TERM_CODE" --start 2027-02-22 --census-due 2027-01-15
run term show "$TERM_CODE"

step "census (Annex 2): each district imports, submits, its bureau approves"
census() { printf '单位编码,类别,年级,人数,课本数\n'; cat; }
census >"$D/D1.csv" <<'CSV'
S101,学生,一年级,40,40
S101,学生,二年级,38,38
S101,教师,,6,
S102,学生,七年级,50,50
S102,学生,八年级,45,45
S102,教师,,8,
S103,学生,高一,60,60
S103,教师,,9,
D1,工作人员,,3,
CSV
census >"$D/D2.csv" <<'CSV'
S201,学生,一年级,30,30
S201,学生,二年级,32,32
S201,教师,,5,
S202,学生,三年级,28,28
S202,教师,,4,
S203,学生,四年级,26,26
S203,教师,,4,
D2,工作人员,,2,
CSV
census >"$D/D3.csv" <<'CSV'
S301,学生,一年级,20,20
S301,教师,,3,
S302,学生,二年级,22,22
S302,教师,,3,
S303,学生,三年级,24,24
S303,教师,,3,
D3,工作人员,,2,
CSV
census >"$D/DZ.csv" <<'CSV'
S901,学生,七年级,35,35
S901,教师,,5,
S902,学生,八年级,33,33
S902,教师,,4,
S903,学生,九年级,31,31
S903,教师,,4,
CSV
for d in D1 D2 D3 DZ; do
	run census import --term "$TERM_CODE" --district "$d" "$D/$d.csv"
	run census submit --term "$TERM_CODE" --district "$d" >/dev/null
	run census approve --term "$TERM_CODE" --district "$d" --approver 区教育局 >/dev/null
done
run census show --term "$TERM_CODE"

step "issuance plan (2% city reserve) and the print batch, one serial range per district"
run plan make --term "$TERM_CODE" --reserve 2
run key new --keyring "$D/keyring" --id 1 --label "$TERM_CODE"
run batch mint --term "$TERM_CODE" --plan --keyring "$D/keyring" --key-id 1

step "delivery: city -> districts -> schools, each with a signed receipt photo"
# A real 1x1 PNG stands in for the photo of the signed, stamped receipt.
python3 - "$D/receipt.png" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
TODAY=$(TZ=Asia/Shanghai date +%F)  # the bureau's calendar day
ship_receive() { # ship_receive ARGS...: ship, then sign for it
	local id
	id=$("$C" --json ship --term "$TERM_CODE" "$@" | python3 -c 'import json,sys; print(json.load(sys.stdin)["shipment"])')
	printf '$ cardctl ship --term %s %s   -> shipment %s\n' "$TERM_CODE" "$*" "$id"
	"$C" receive "$id" --signer 签收人 --date "$TODAY" --photo "$D/receipt.png" >/dev/null
}
ship_receive --to D1 --count 259
ship_receive --to D2 --count 131
ship_receive --to D3 --count 77
for s in S901:40 S902:37 S903:35; do ship_receive --to "${s%%:*}" --count "${s##*:}"; done
for p in D1:S101:84 D1:S102:103 D1:S103:69 D2:S201:67 D2:S202:32 D2:S203:30 D3:S301:23 D3:S302:25 D3:S303:27; do
	IFS=: read -r from to n <<<"$p"
	ship_receive --from "$from" --to "$to" --count "$n"
done

step "distribution: every student and teacher gets exactly one card"
for p in S101:84 S102:103 S103:69 S201:67 S202:32 S203:30 S301:23 S302:25 S303:27 S901:40 S902:37 S903:35 \
         D1:3 D2:2 D3:2; do
	"$C" distribute --term "$TERM_CODE" --school "${p%%:*}" --count "${p##*:}" >/dev/null
done
echo "(15 distributions recorded)"
run status --term "$TERM_CODE"
run audit --term "$TERM_CODE"

step "cardd: the online redemption service"
# cardd logs in as a role that can only redeem and read (card_daemon).
psql -qX -c "CREATE ROLE cardd LOGIN IN ROLE card_daemon" >/dev/null
HELPDESK=$("$C" token new --role helpdesk --label demo | grep -Eo '[A-Za-z0-9_-]{30,}' | head -1 || true)
first=$("$C" --json plan show --term "$TERM_CODE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["lines"][0]["first_serial"])')
"$C" code derive --keyring "$D/keyring" --key-id 1 --serial "$first" --count 5 >"$D/codes"
"$CARDD" --listen "$LISTEN" --keyring "$D/keyring" --db "host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=cardd" \
	--foreground 2>"$D/cardd.log" &
cardd_pid=$!
for _ in $(seq 50); do curl -fsS "http://$LISTEN/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://$LISTEN/readyz" >/dev/null || { cat "$D/cardd.log" >&2; exit 1; }
code1=$(sed -n 1p "$D/codes" | cut -d' ' -f2)
printf '$ curl -X POST http://%s/v1/redemptions -d {"code": "%s", "account": "demo-student-1"}\n' "$LISTEN" "$code1"
curl -sS -X POST -H 'Content-Type: application/json' "http://$LISTEN/v1/redemptions" \
	-d "{\"code\": \"$code1\", \"account\": \"demo-student-1\"}"
echo
cat <<MSG

cardd is serving the student redemption page:  http://$LISTEN/
These cards were handed out at 东湖一小 (S101); try them on the page (the first is redeemed
already, by demo-student-1; try it with another account too, or change one character):

$(sed 1d "$D/codes" | sed 's/^/    serial /; s/ \([0-9A-Z-]\{24\}\)$/   code \1/')

Help desk: curl -H "Authorization: Bearer $HELPDESK" http://$LISTEN/v1/cards/$(sed -n 2p "$D/codes" | cut -d' ' -f1)
Metrics:   curl http://$LISTEN/metrics
MSG
if [ -n "${DEMO_SECONDS:-}" ]; then
	sleep "$DEMO_SECONDS"
else
	echo "Press Ctrl-C to stop cardd and remove the demo database."
	wait "$cardd_pid" || true
fi
