#!/usr/bin/env bash
# http.sh -- redemptions over HTTP (cardd + wrk) against the same SQL run by pgbench.
#
# Usage: bench/http.sh [BUILDDIR]        (default: _build/dev beside this script)
#        DURATION=10 CONNS="16 64" bench/http.sh ...
#
# In one run, on one DURABLE private cluster (CARD_PG_DURABLE=1 tests/pg-run: fsync and
# synchronous_commit on -- durability is the point), loopback only:
#  1. mints a batch, derives distinct codes with `cardctl code derive`;
#  2. runs cardd and drives POST /v1/redemptions with wrk (bench/redeem.lua: every request a
#     different valid code, its own account and Idempotency-Key) at each of CONNS connections;
#  3. runs pgbench with the single-redemption SQL cardd calls (card.redeem_many with one
#     element: one redemption per transaction, random distinct serials, an Idempotency-Key)
#     at the same concurrency on the same database;
#  4. prints both rates and the ratio (target: cardd >= 1.0x pgbench), p99 latency at about
#     half of cardd's peak rate (fewer connections, below), and cardd's RSS under load.
# Each measured run lasts DURATION seconds (default 10, at most 20).
#
# Latency at half the peak: wrk2 (fixed-rate wrk) is not packaged, so this uses wrk's latency
# distribution with fewer connections: short probes at 32, 16, 8, ... connections find the
# count whose rate is nearest half of the peak, and a full run at that count gives p99.  It is
# closed-loop (a slow answer delays that connection's next request), so its p99 is somewhat
# optimistic against an open-loop generator at the same rate; the achieved rate is printed.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)

if [ "${1:-}" != --inner ]; then
	B=$(cd "${1:-$TOP/_build/dev}" && pwd)
	for t in wrk pgbench curl; do
		command -v "$t" >/dev/null || { echo "http.sh: $t is not installed" >&2; exit 1; }
	done
	[ -x "$B/daemon/cardd" ] && [ -x "$B/tools/cardctl" ] \
		|| { echo "http.sh: build first: no $B/daemon/cardd or $B/tools/cardctl" >&2; exit 1; }
	exec env CARD_PG_DURABLE=1 "$TOP/tests/pg-run" bash "$0" --inner "$B"
fi
B=$2
DURATION=${DURATION:-10}
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 20 ] || { echo "http.sh: DURATION must be 1..20" >&2; exit 1; }
CONNS=${CONNS:-16 64}
THREADS=2
CARDCTL="$B/tools/cardctl"
T=$(mktemp -d "${TMPDIR:-/tmp}/libcard-bench.XXXXXX")
CARDD_PID=
cleanup() {
	[ -z "$CARDD_PID" ] || { kill "$CARDD_PID" 2>/dev/null; wait "$CARDD_PID" 2>/dev/null || true; }
	rm -rf "$T"
}
trap cleanup EXIT

echo "== durable cluster: fsync=$(psql -XAtc 'SHOW fsync') synchronous_commit=$(psql -XAtc 'SHOW synchronous_commit')"
"$CARDCTL" db migrate >/dev/null
"$CARDCTL" key new --keyring "$T/keyring" --id 0 --label bench >/dev/null

# Serials: each cardd run gets its own range of codes, each pgbench run its own range; every
# request redeems a card nobody has redeemed.  Room for 40 k/s for DURATION seconds per run.
PER_RUN=$((40000 * DURATION))
NRUNS=$(( $(echo "$CONNS" | wc -w) * 2 + 7 ))
TOTAL=$((PER_RUN * NRUNS))
printf 'code,name,kind,parent\nC,city,city,\n' >"$T/org.csv"
"$CARDCTL" org import "$T/org.csv" >/dev/null
"$CARDCTL" term new 2026-autumn --start 2026-09-01 >/dev/null
"$CARDCTL" --json batch mint --term 2026-autumn --count "$TOTAL" --keyring "$T/keyring" --key-id 0 >"$T/batch.json"
FIRST=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["first_serial"])' "$T/batch.json")
next_range=$FIRST
take_range() { RANGE_START=$next_range; next_range=$((next_range + PER_RUN)); }

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$T/cardd.conf" <<CONF
listen = 127.0.0.1:$PORT
keyring = $T/keyring
foreground = yes
ip_rate = 0
account_rate = 0
CONF
"$B/daemon/cardd" -c "$T/cardd.conf" >"$T/cardd.log" 2>&1 &
CARDD_PID=$!
for _ in $(seq 100); do
	curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
	kill -0 "$CARDD_PID" 2>/dev/null || { echo "cardd exited:"; cat "$T/cardd.log"; exit 1; }
	sleep 0.1
done

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$CARDD_PID/status"; }
# wrk_run NAME CONNS: sets RATE and P99 (ms), peak RSS in $T/rss.NAME; the full
# output in $T/wrk.NAME.  Not in a subshell: it takes a serial range.
wrk_run() {
	local name=$1 c=$2 peak=0 r
	take_range
	"$CARDCTL" code derive --keyring "$T/keyring" --key-id 0 --serial "$RANGE_START" --count $((40000 * DURATION)) \
		| awk '{ print $2 }' >"$T/codes.$name"
	CODES="$T/codes.$name" WRK_THREADS=$THREADS RUN=$name \
		wrk -t"$THREADS" -c"$c" -d"${DURATION}s" --latency -s "$TOP/bench/redeem.lua" \
		"http://127.0.0.1:$PORT/" >"$T/wrk.$name" 2>&1 &
	local w=$!
	while kill -0 "$w" 2>/dev/null; do
		r=$(rss_kb); [ "${r:-0}" -gt "$peak" ] && peak=$r
		sleep 0.5
	done
	wait "$w" || { cat "$T/wrk.$name" >&2; exit 1; }
	echo "$peak" >"$T/rss.$name"
	rm -f "$T/codes.$name"
	local st; st=$(grep '^statuses:' "$T/wrk.$name")
	# Every answer must be a fresh redemption: anything else would flatter or spoil the rate.
	if ! echo "$st" | grep -Eq '^statuses: 201=[0-9]+ exhausted=0$'; then
		echo "http.sh: run $name: not every request redeemed a fresh card: $st" >&2
		grep -E 'Socket errors|Non-2xx' "$T/wrk.$name" >&2 || true
		exit 1
	fi
	read -r RATE P99 < <(awk '/^Requests\/sec:/ { rate = $2 } /^p50_us:/ { p99 = $6 / 1000 }
		END { printf "%.0f %.1f\n", rate, p99 }' "$T/wrk.$name")
	N201=$((N201 + $(sed -n 's/^statuses: 201=\([0-9]*\).*/\1/p' "$T/wrk.$name")))
}
N201=0 NPGB=0

# pgbench_run RUN CONNS: sets TPS (transactions per second, without connection time); RUN is
# a number, unique per run (it goes into the Idempotency-Keys).
cat >"$T/redeem.sql" <<'SQL'
\set n :n + 1
\set serial :first + permute((:client_id * :per_client + :n) % :range, :range, 1)
SELECT outcome FROM card.redeem_many(ARRAY[:serial]::bigint[], ARRAY[0], ARRAY['pgbench-' || :client_id],
	ARRAY['pgb-' || :run || '-' || :client_id || '-' || :n]);
SQL
pgbench_run() {
	local name=$1 c=$2
	take_range
	pgbench -n -c "$c" -j "$THREADS" -T "$DURATION" -f "$T/redeem.sql" \
		-D n=0 -D first="$RANGE_START" -D range="$PER_RUN" -D per_client=$((PER_RUN / c)) -D run="$name" \
		>"$T/pgbench.$name" 2>&1 || { cat "$T/pgbench.$name" >&2; exit 1; }
	TPS=$(awk '/^tps = / { printf "%.0f\n", $3 }' "$T/pgbench.$name")
	NPGB=$((NPGB + $(awk '/^number of transactions actually processed:/ { print $6 }' "$T/pgbench.$name")))
	# A failed transaction would be an error above; a repeated serial an outcome we did not want.
}

echo "== $DURATION s per run, $THREADS wrk threads / pgbench threads, loopback, cardd defaults but rate limits off"
printf '%-6s %12s %12s %7s %10s %12s\n' conns "cardd r/s" "pgbench t/s" ratio "cardd p99" "cardd RSS"
peak=0
for c in $CONNS; do
	wrk_run "c$c" "$c"
	pgbench_run "$c" "$c"
	[ "$RATE" -gt "$peak" ] && peak=$RATE
	printf '%-6s %12s %12s %6.2fx %8s ms %9s kB\n' "$c" "$RATE" "$TPS" "$(awk -v a="$RATE" -v b="$TPS" 'BEGIN { print a / b }')" \
		"$P99" "$(cat "$T/rss.c$c")"
done

# Half the peak: the connection count whose closed-loop rate is nearest half of cardd's peak,
# found by 3-second probes from 32 connections down, then measured for DURATION seconds.
half=$((peak / 2))
best_c=0 best_d=-1
DURATION_SAVE=$DURATION; DURATION=3
for c in 32 16 8 4 2 1; do
	wrk_run "probe$c" "$c"
	dist=$(( RATE > half ? RATE - half : half - RATE ))
	if [ "$best_d" -lt 0 ] || [ "$dist" -lt "$best_d" ]; then best_c=$c best_d=$dist; fi
	[ "$RATE" -gt "$half" ] || break
done
DURATION=$DURATION_SAVE
wrk_run half "$best_c"
echo "== latency at about half of cardd's peak ($peak r/s): $best_c connections, no pause:"
echo "   achieved $RATE r/s, p99 $P99 ms ($(grep -E '^ +(50|75|90|99)%' "$T/wrk.half" | awk '{ printf "%s %s  ", $1, $2 }'))"
echo "== cardd RSS: peak under load $(sort -n "$T"/rss.* | tail -1) kB; VmHWM $(awk '/^VmHWM:/ { print $2 }' "/proc/$CARDD_PID/status") kB"
# Redeemed rows must match the 201s and pgbench's transactions: nothing lost, nothing twice.
# A run's last requests (at most one per connection) may commit after wrk or pgbench stopped
# counting, so the database may hold up to that many more.
slack=$(( $(echo "$CONNS" | tr ' ' '\n' | awk '{ s += 2 * $1 } END { print s }') + 2 * 64 + 32 ))
got=$(psql -XAtc "SELECT count(*) FROM card.redemption")
echo "== redemptions in the database: $got (cardd answered 201 to $N201, pgbench counted $NPGB)"
if [ "$got" -lt $((N201 + NPGB)) ] || [ "$got" -gt $((N201 + NPGB + slack)) ]; then
	echo "http.sh: the database does not match the answers" >&2
	exit 1
fi
