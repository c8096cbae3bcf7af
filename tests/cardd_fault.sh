#!/usr/bin/env bash
# cardd_fault.sh -- faults of the database under a load of distinct redemptions, real
# processes only: cardd's connections killed by pg_terminate_backend, PostgreSQL restarted,
# and the file system of the WAL full (a size-limited tmpfs, mounted only when the test runs
# as root and may mount; otherwise that part is skipped and says why).  After each fault:
# 503 with Retry-After while it lasted, every acknowledged redemption in the database, none
# doubled, every refused one redeemable by its own account afterwards (201, or 200 if it had
# committed unacknowledged), `cardctl audit` balances, and cardd serves again without a restart.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/cardd_lib.sh"
CLIENT="python3 $top_srcdir/tests/cardd_client.py"
count_201() { local n; n=$(grep -c ' 201$' "$1" 2>/dev/null || true); echo "${n:-0}"; }
cardd_setup
cardd_start account_rate=0 ip_rate=0 log_requests=no db_timeout=2000 retry_after=1

# start_load NAME FIRST LAST: 8 clients redeem serials FIRST..LAST for at most 8 s, in the
# background (LOADER); returns once 150 are acknowledged.
start_load() {
	sed -n "$2,$3p" "$T/codes" >"$T/$1.codes"
	$CLIENT load "$URL" "$T/$1.codes" "$T/$1.out" 8 8 >"$T/$1.sum" &
	LOADER=$!
	for i in $(seq 200); do
		[ "$(count_201 "$T/$1.out")" -ge 150 ] && break
		sleep 0.05
	done
}

# after_fault NAME FIRST LAST: the checks every fault must pass.
after_fault() {
	local name=$1 first=$2 last=$3 retried=0 badretry=0 s st
	wait "$LOADER"
	# While it lasted: 201, or 503 with Retry-After (the client records one without it as
	# "503-without-Retry-After"); never a broken connection or another status.
	[ -z "$(awk '$2 != 201 && $2 != 503' "$T/$name.out" | head -1)" ] && ok "$name: only 201 and 503 with Retry-After ($(cat "$T/$name.sum"))" || bad "$name: other answers: $(cat "$T/$name.sum")"
	wait_ready
	http GET /readyz; expect_http 200 "$name: ready again, no restart"
	kill -0 "$CARDD_PID" && ok "$name: the same cardd process" || bad "$name: cardd died"
	{ grep ' 201$' "$T/$name.out" || true; } | awk '{print $1}' | sort >"$T/$name.acked"
	psql -Atc "SELECT serial FROM card.redemption WHERE serial BETWEEN $first AND $last AND account = 'acct-' || serial" | sort >"$T/$name.indb"
	[ "$(comm -23 "$T/$name.acked" "$T/$name.indb" | wc -l)" = 0 ] && ok "$name: every acknowledged redemption is in the database ($(wc -l <"$T/$name.acked"))" || bad "$name: acknowledged redemptions lost"
	[ "$(psql -Atc 'SELECT count(*) - count(DISTINCT serial) FROM card.redemption')" = 0 ] && ok "$name: no card redeemed twice" || bad "$name: a card redeemed twice"
	# Every request that was refused (503, broken connection) is retried by its own account:
	# 201, or 200 when it had committed before its answer was lost; never anything else.
	{ grep -v ' 201$' "$T/$name.out" || true; } | awk '{print $1}' | sort -u | head -100 >"$T/$name.retry"
	while read -r s; do
		st=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
			--data-binary "{\"code\":\"$(code_of "$s")\",\"account\":\"acct-$s\"}" "$URL/v1/redemptions")
		retried=$((retried + 1))
		case "$st" in 200|201) ;; *) badretry=$((badretry + 1)); echo "# retry of $s: $st" >&2 ;; esac
	done <"$T/$name.retry"
	[ "$badretry" = 0 ] && ok "$name: $retried refused redemptions retried: each 201 or 200" || bad "$name: $badretry of $retried retries failed"
	audit_ok "$name"
	http POST /v1/redemptions "{\"code\":\"$(code_of $((last + 1)))\",\"account\":\"after-$name\"}"; expect_http 201 "$name: serves new redemptions"
}

# ---- cardd's database connections killed in the middle of a load
start_load terminate 10001 20000
for i in 1 2 3; do
	psql -Atc "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'cardd_test'" >>"$T/killed"
	sleep 0.7
done
[ "$(awk '{ s += $1 } END { print s + 0 }' "$T/killed")" -ge 1 ] && ok "terminate: cardd's backends killed ($(tr '\n' ' ' <"$T/killed"))" || bad "terminate: nothing to kill"
after_fault terminate 10001 20000

# ---- PostgreSQL restarted in the middle of a load
start_load restart 20002 30000
$CARD_TEST_PGCTL stop >/dev/null
sleep 1.5
$CARD_TEST_PGCTL start >/dev/null
grep -q ' 503$' "$T/restart.out" && ok "restart: 503 while PostgreSQL was down" || bad "restart: no 503 while PostgreSQL was down"
after_fault restart 20002 30000

# ---- the WAL's file system full
wal_skip=
if [ "$(id -u)" != 0 ]; then
	wal_skip="the test does not run as root, so it cannot mount a small tmpfs for the WAL"
else
	mkdir -p "$CARD_TEST_PGDIR/walfs"
	mount -t tmpfs -o size=160m,mode=0700 tmpfs "$CARD_TEST_PGDIR/walfs" 2>"$T/mount.err" ||
		wal_skip="mount -t tmpfs failed: $(tr '\n' ' ' <"$T/mount.err") (no CAP_SYS_ADMIN here?)"
fi
if [ -n "$wal_skip" ]; then
	echo "# skip: WAL file system full: $wal_skip"
else
	trap 'umount -l "$CARD_TEST_PGDIR/walfs" 2>/dev/null || true; rm -rf "$T"' EXIT
	wal=$CARD_TEST_PGDIR/data/pg_wal
	$CARD_TEST_PGCTL stop >/dev/null
	cp -a "$wal/." "$CARD_TEST_PGDIR/walfs/" && chown --reference="$wal" "$CARD_TEST_PGDIR/walfs" && rm -rf "$wal" && ln -s "$CARD_TEST_PGDIR/walfs" "$wal"
	$CARD_TEST_PGCTL start >/dev/null
	wait_ready
	start_load walfull 30002 40000
	# Fill the WAL's file system: PostgreSQL can write no more WAL (it stops, PANIC).
	dd if=/dev/zero of="$CARD_TEST_PGDIR/walfs/filler" bs=1M count=200 2>/dev/null || true
	# The segments already there have room for a while: write WAL until a new one is needed.
	psql -qc "CREATE TABLE public.fault_fill AS SELECT g, repeat('x', 800) AS pad FROM generate_series(1, 300000) g" >/dev/null 2>&1 || true
	sleep 2
	rm -f "$CARD_TEST_PGDIR/walfs/filler"
	# PostgreSQL gave up on the full disk; once there is room the operator starts it again.
	$CARD_TEST_PGCTL start >/dev/null 2>&1 || true
	grep -q ' 503$' "$T/walfull.out" && ok "walfull: 503 while the WAL could not be written" || bad "walfull: no 503"
	after_fault walfull 30002 40000
	grep -qi 'No space left on device' "$CARD_TEST_PGDIR/log" && ok "walfull: PostgreSQL saw the full disk" || bad "walfull: the disk never filled"
fi
cardd_stop
if [ -z "$wal_skip" ]; then
	$CARD_TEST_PGCTL stop >/dev/null 2>&1 || true
	umount -l "$CARD_TEST_PGDIR/walfs" 2>/dev/null || true
fi
finish
