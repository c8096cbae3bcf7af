#!/usr/bin/env bash
# http.sh -- redemptions over HTTP (cardd + wrk) against PostgreSQL's own ceiling, in one run.
#
# Usage: bench/http.sh [BUILDDIR]        (default: _build/dev beside this script)
#        DURATION=10 CONNS="16 64" bench/http.sh ...
#        MINT_MORE=0 HALF=0 bench/http.sh ...   (skip the 20 M cards step, the half-peak step)
#        CARDD_CONF="http_threads = 2" bench/http.sh ...   (more lines for cardd.conf)
#
# In one run, on one DURABLE private cluster (CARD_PG_DURABLE=1 tests/pg-run: fsync and
# synchronous_commit on -- durability is the point), loopback only:
#  1. mints a batch, derives distinct codes with `cardctl code derive`;
#  2. at each of CONNS connections:
#     - the baseline: pgbench with one plain `INSERT ... ON CONFLICT DO NOTHING` per
#       transaction into a bare table (serial primary key, account, timestamp; no checks at
#       all), random serials: PostgreSQL's ceiling for one durable row per transaction;
#     - cardd driven by wrk (bench/redeem.lua: POST /v1/redemptions, every request a different
#       valid code, its own account and Idempotency-Key): rate, p99, and the ratio to the
#       baseline (target >= 1.2x at 64 connections, >= 1.0x at 16);
#     - CPU per redemption during that cardd run: PostgreSQL's and cardd's core-seconds (from
#       /proc: utime + stime of cardd, of the postmaster and its children, and of the children
#       reaped meanwhile) divided by the redemptions answered (target PostgreSQL + cardd <= 60 us),
#       and the mean batch (redemptions per database transaction, from cardd's /metrics);
#  3. pgbench calling card.redeem_many with 256, then 16, distinct serials and Idempotency-Keys
#     per transaction: the database's own rate for the redemption SQL, and its CPU per
#     redemption (at 16, the size of cardd's batches here, the call's fixed cost shows);
#  4. p99 at about half of cardd's peak rate (fewer connections, below; target <= 20 ms);
#  5. mints 19 M more cards (20 M in all) and runs cardd again at the last of CONNS: the rate
#     must not depend on how many cards were minted (target within 10 %);
#  6. cardd's peak RSS under load (target <= 64 MB), and a check that the database holds
#     exactly the redemptions answered.
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
MINT_MORE=${MINT_MORE:-1}
HALF=${HALF:-1}
THREADS=2
CARDCTL="$B/tools/cardctl"
T=$(mktemp -d "${TMPDIR:-/tmp}/libcard-bench.XXXXXX")
CARDD_PID=
cleanup() {
	[ -z "$CARDD_PID" ] || { kill "$CARDD_PID" 2>/dev/null; wait "$CARDD_PID" 2>/dev/null || true; }
	rm -rf "$T"
}
trap cleanup EXIT

echo "== durable cluster: fsync=$(psql -XAtc 'SHOW fsync') synchronous_commit=$(psql -XAtc 'SHOW synchronous_commit');" \
	"$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
"$CARDCTL" db migrate >/dev/null
"$CARDCTL" key new --keyring "$T/keyring" --id 0 --label bench >/dev/null

# Serials: each cardd run gets its own range of codes, each pgbench run its own range; every
# request redeems a card nobody has redeemed.  Room for 100 k/s for DURATION seconds per run (pgbench with 256 per call passes 60 k/s).
PER_RUN=$((100000 * DURATION))
NRUNS=$(( $(echo "$CONNS" | wc -w) + 12 ))
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
${CARDD_CONF:-}
CONF
"$B/daemon/cardd" -c "$T/cardd.conf" >"$T/cardd.log" 2>&1 &
CARDD_PID=$!
for _ in $(seq 100); do
	curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
	kill -0 "$CARDD_PID" 2>/dev/null || { echo "cardd exited:"; cat "$T/cardd.log"; exit 1; }
	sleep 0.1
done

# CPU, in clock ticks, from /proc: "PG CARDD".  PostgreSQL is the postmaster, its live children
# and the children it reaped (cutime + cstime), so backends that exit mid-run still count.
HZ=$(getconf CLK_TCK)
PM_PID=$(head -1 "$CARD_TEST_PGDIR/data/postmaster.pid")
cpu_ticks() {
	local pg=0 p stat
	for p in /proc/[0-9]*; do
		stat=$(cat "$p/stat" 2>/dev/null) || continue
		stat=${stat##*) } # fields from 3 on: state ppid ... utime(14) stime(15) cutime(16) cstime(17)
		# shellcheck disable=SC2086
		set -- $stat
		if [ "${p#/proc/}" = "$PM_PID" ]; then
			pg=$((pg + ${12} + ${13} + ${14} + ${15}))
		elif [ "$2" = "$PM_PID" ]; then
			pg=$((pg + ${12} + ${13}))
		fi
	done
	stat=$(cat "/proc/$CARDD_PID/stat")
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	echo "$pg $((${12} + ${13}))"
}
# us_per N TICKS: microseconds of CPU per operation.
us_per() { awk -v n="$1" -v t="$2" -v hz="$HZ" 'BEGIN { printf "%.1f", (n > 0) ? t / hz * 1e6 / n : 0 }'; }

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$CARDD_PID/status"; }
# batches: "REDEMPTIONS TRANSACTIONS" so far, from cardd's /metrics (cardd_db_batch_size).
batches() {
	curl -fsS "http://127.0.0.1:$PORT/metrics" \
		| awk '/^cardd_db_batch_size_sum / { s = $2 } /^cardd_db_batch_size_count / { n = $2 } END { print s + 0, n + 0 }'
}
# wrk_run NAME CONNS: sets RATE, P99 (ms), N (201s of this run), PG_US and CARDD_US (CPU
# per redemption), BATCH_MEAN (redemptions per database transaction, from cardd's metrics);
# peak RSS in $T/rss.NAME; the full output in $T/wrk.NAME.  Not in a subshell: it takes a
# serial range.
wrk_run() {
	local name=$1 c=$2 peak=0 r c0 c1 b0 b1 s0 s1 n0 n1
	take_range
	"$CARDCTL" code derive --keyring "$T/keyring" --key-id 0 --serial "$RANGE_START" --count "$PER_RUN" \
		| awk '{ print $2 }' >"$T/codes.$name"
	b0=$(batches)
	c0=$(cpu_ticks)
	CODES="$T/codes.$name" WRK_THREADS=$THREADS RUN=$name \
		wrk -t"$THREADS" -c"$c" -d"${DURATION}s" --latency -s "$TOP/bench/redeem.lua" \
		"http://127.0.0.1:$PORT/" >"$T/wrk.$name" 2>&1 &
	local w=$!
	while kill -0 "$w" 2>/dev/null; do
		r=$(rss_kb); [ "${r:-0}" -gt "$peak" ] && peak=$r
		sleep 0.5
	done
	wait "$w" || { cat "$T/wrk.$name" >&2; exit 1; }
	c1=$(cpu_ticks)
	b1=$(batches)
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
	N=$(sed -n 's/^statuses: 201=\([0-9]*\).*/\1/p' "$T/wrk.$name")
	N201=$((N201 + N))
	read -r p0 d0 <<<"$c0"
	read -r p1 d1 <<<"$c1"
	PG_US=$(us_per "$N" $((p1 - p0)))
	CARDD_US=$(us_per "$N" $((d1 - d0)))
	read -r s0 n0 <<<"$b0"
	read -r s1 n1 <<<"$b1"
	BATCH_MEAN=$(awk -v s=$((s1 - s0)) -v n=$((n1 - n0)) 'BEGIN { printf "%.1f", (n > 0) ? s / n : 0 }')
}
N201=0 NPGB=0

# The baseline: a bare table and one plain INSERT per transaction.
psql -XAqc 'CREATE TABLE bench_ceiling (serial bigint PRIMARY KEY, account text NOT NULL,
	redeemed_at timestamptz NOT NULL DEFAULT now())'
cat >"$T/ceiling.sql" <<'SQL'
\set r random(1, 1000000000)
INSERT INTO bench_ceiling (serial, account) VALUES (:r, 'x') ON CONFLICT (serial) DO NOTHING;
SQL
# ceiling_run CONNS: sets TPS.
ceiling_run() {
	pgbench -n -M prepared -c "$1" -j "$THREADS" -T "$DURATION" -f "$T/ceiling.sql" >"$T/ceiling.$1" 2>&1 \
		|| { cat "$T/ceiling.$1" >&2; exit 1; }
	TPS=$(awk '/^tps = / { printf "%.0f\n", $3 }' "$T/ceiling.$1")
}

# card.redeem_many with BATCH distinct serials per call (scattered over this run's range: x ->
# x * 7919 mod range is one-to-one, 7919 being a prime that does not divide the range), each
# with its own account and Idempotency-Key, as cardd sends them: 256 (a rush) and 16 (about
# what cardd's batches hold at 16 connections here, so the call's fixed cost shows).
# redeem_many_run CONNS BATCH: sets RPS (redemptions per second) and PGB_US (PostgreSQL CPU per
# redemption).
redeem_many_run() {
	local c=$1 batch=$2 c0 c1 p0 p1 txn red0 red
	cat >"$T/redeem_many.sql" <<SQL
\\set n :n + 1
\\set base (:client_id * :per_client + :n * $batch) % :range
SELECT count(*) FILTER (WHERE outcome = 'redeemed') FROM card.redeem_many(
	ARRAY(SELECT :first + (((:base::bigint + g) % :range) * 7919) % :range FROM generate_series(0, $((batch - 1))) g),
	array_fill(0, ARRAY[$batch]),
	ARRAY(SELECT 'pgbench-' || :client_id || '-' || g FROM generate_series(0, $((batch - 1))) g),
	ARRAY(SELECT 'pgb-' || :first || '-' || :client_id || '-' || :n || '-' || g FROM generate_series(0, $((batch - 1))) g));
SQL
	take_range
	red0=$(psql -XAtc "SELECT count(*) FROM card.redemption")
	c0=$(cpu_ticks)
	pgbench -n -M prepared -c "$c" -j "$THREADS" -T "$DURATION" -f "$T/redeem_many.sql" \
		-D n=0 -D first="$RANGE_START" -D range="$PER_RUN" -D per_client=$((PER_RUN / c)) \
		>"$T/redeem_many.$c" 2>&1 || { cat "$T/redeem_many.$c" >&2; exit 1; }
	c1=$(cpu_ticks)
	txn=$(awk '/^number of transactions actually processed:/ { print $6 }' "$T/redeem_many.$c")
	# Every request must redeem a fresh card (a run faster than its range has room for would
	# wrap round): cheap repeats would flatter the figures.
	red=$(( $(psql -XAtc "SELECT count(*) FROM card.redemption") - red0 ))
	if [ "$red" -lt $((txn * batch)) ]; then
		echo "http.sh: pgbench with $batch per call: $((txn * batch)) requests but $red redeemed" >&2
		exit 1
	fi
	NPGB=$((NPGB + txn * batch))
	RPS=$(awk -v b="$batch" '/^tps = / { printf "%.0f\n", $3 * b }' "$T/redeem_many.$c")
	read -r p0 _ <<<"$c0"
	read -r p1 _ <<<"$c1"
	PGB_US=$(us_per $((txn * batch)) $((p1 - p0)))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0) ? a / b : 0 }'; }

# A 3-second run first, not measured: the first run after the cluster starts and the cards are
# minted pays for cold caches and the first checkpoint (half again the CPU per redemption).
full=$DURATION DURATION=3
wrk_run warm "${CONNS%% *}"
DURATION=$full
echo "== $DURATION s per run (after a 3 s warm-up), $THREADS wrk threads / pgbench threads, loopback, cardd defaults but rate limits off"
printf '%-6s %13s %10s %7s %10s %22s %10s %6s\n' conns "baseline t/s" "cardd r/s" ratio "cardd p99" \
	"CPU/redemption PG+cardd" "cardd RSS" batch
peak=0 last_rate=0 last_c=0
for c in $CONNS; do
	ceiling_run "$c"
	wrk_run "c$c" "$c"
	[ "$RATE" -gt "$peak" ] && peak=$RATE
	last_rate=$RATE last_c=$c
	printf '%-6s %13s %10s %7s %7s ms %9s = %s + %s us %7s kB %6s\n' "$c" "$TPS" "$RATE" "$(ratio "$RATE" "$TPS")" \
		"$P99" "$(awk -v a="$PG_US" -v b="$CARDD_US" 'BEGIN { printf "%.1f", a + b }')" "$PG_US" "$CARDD_US" \
		"$(cat "$T/rss.c$c")" "$BATCH_MEAN"
done

for batch in 256 16; do
	redeem_many_run 4 "$batch"
	echo "== pgbench, card.redeem_many with $batch redemptions per transaction, 4 connections:" \
		"$RPS redemptions/s, PostgreSQL CPU $PGB_US us per redemption"
done

# Half the peak: the connection count whose closed-loop rate is nearest half of cardd's peak,
# found by 3-second probes from 32 connections down, then measured for DURATION seconds.
if [ "$HALF" = 1 ]; then
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
fi

if [ "$MINT_MORE" = 1 ] && [ "$TOTAL" -ge 20000000 ]; then
	echo "== 20 M cards step skipped: this run already minted $TOTAL"
elif [ "$MINT_MORE" = 1 ]; then
	# A batch is one row and the serial's batch is found through the gist index: 19 M more
	# cards (20 M in all, in a second batch) must not change the rate.
	"$CARDCTL" batch mint --term 2026-autumn --count $((20000000 - TOTAL)) --keyring "$T/keyring" --key-id 0 >/dev/null
	wrk_run m20 "$last_c"
	echo "== 20 M cards minted: cardd at $last_c connections $RATE r/s, $(ratio "$RATE" "$last_rate") the rate with $((TOTAL / 1000000)) M;" \
		"CPU per redemption $PG_US + $CARDD_US us"
fi
echo "== cardd RSS: peak under load $(sort -n "$T"/rss.* | tail -1) kB; VmHWM $(awk '/^VmHWM:/ { print $2 }' "/proc/$CARDD_PID/status") kB"
echo "== load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
# Redeemed rows must match the 201s and pgbench's redemptions: nothing lost, nothing twice.
# A run's last requests (at most one per connection) may commit after wrk stopped counting, so
# the database may hold up to that many more; pgbench counts only the transactions it saw
# commit, and its last ones (one per client) may commit after it stopped.
slack=$(( $(echo "$CONNS" | tr ' ' '\n' | awk '{ s += 2 * $1 } END { print s }') + 2 * 64 + 32 + 4 * 256 + 4 * 16 ))
got=$(psql -XAtc "SELECT count(*) FROM card.redemption")
echo "== redemptions in the database: $got (cardd answered 201 to $N201, pgbench redeemed $NPGB)"
if [ "$got" -lt $((N201 + NPGB)) ] || [ "$got" -gt $((N201 + NPGB + slack)) ]; then
	echo "http.sh: the database does not match the answers" >&2
	exit 1
fi
