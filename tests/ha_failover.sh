#!/usr/bin/env bash
# ha_failover.sh -- a failover that loses nothing, on loopback: etcd, three PostgreSQL nodes
# under Patroni (synchronous_mode: an acknowledged commit is on two nodes), HAProxy routing
# writes to the primary by Patroni's REST API, two cardd behind HAProxy -- one reaching the
# database through HAProxy, the other through libpq's multi-host conninfo with
# target_session_attrs=read-write.  Students redeem distinct codes, retrying on 5xx; in the
# middle, the primary's PostgreSQL and its Patroni are killed with -9.  Then: seconds until 201s
# resume, every acknowledged redemption on the new primary exactly once, none doubled, audit
# balances, the old primary back as a replica by pg_rewind, reports read from a replica.  A
# last round kills one cardd: HAProxy routes around it, nothing lost.
#
# CARD_HA_ROUNDS (default 1) failovers in a row; `make check-ha` runs 2.  Skips (77) without
# the Debian packages patroni, etcd-server and haproxy.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/cardd_lib.sh"
. "$top_srcdir/tests/ha_lib.sh"
ha_require
ROUNDS=${CARD_HA_ROUNDS:-1}
CLIENT="python3 $top_srcdir/tests/ha_client.py"
t_start=$(date +%s)

ha_cluster_start
ok "etcd and three Patroni nodes up, synchronous standby: $(ha_members | awk '$2 == "sync_standby" { print $1 }')"
ha_haproxy_start 2
export PGHOST=127.0.0.1 PGPORT=$HA_PG PGUSER=postgres PGDATABASE=postgres
cardd_setup
# Ship the cards out of city stock (as the workflow would) and hold the void card void, so that
# the audit's "every redeemed card had left city stock" and void checks can balance.
psql -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO card.document (id, kind, term) VALUES ('33333333-3333-4333-8333-333333333333', 'shipment', '2026-autumn');
SELECT card.move('2026-autumn', '33333333-3333-4333-8333-333333333333', 'shipment', 'C', 'stock', 'S1', 'stock', '[1,99999)');
SELECT card.move('2026-autumn', '$VOID_DOC', 'void', 'C', 'stock', 'C', 'void', '[99999,100000)');
SQL
ha_cardd_start 1 "host=127.0.0.1 port=$HA_PG dbname=postgres user=cardd_test connect_timeout=2"
ha_cardd_start 2 "host=127.0.0.1,127.0.0.1,127.0.0.1 port=$PG_PORT_1,$PG_PORT_2,$PG_PORT_3 dbname=postgres user=cardd_test connect_timeout=2 target_session_attrs=read-write"
ha_wait 20 "HAProxy to see both cardd" bash -c "for i in 1 2 3 4; do curl -sf $URL/healthz >/dev/null || exit 1; done"
ok "two cardd ($CARDD) behind HAProxy ($(( $(date +%s) - t_start )) s to set up)"

# acked FILE: the serials answered 201 or 200 (settled as redeemed for their account).
acked() { awk '$4 == 201 || $4 == 200 { print $3 }' "$1" | sort -n | uniq; }
n201() { awk '$4 == 201' "$1" 2>/dev/null | wc -l; }

# check_books OUT FIRST LAST WHAT: every acknowledged redemption of serials FIRST..LAST is on
# the primary exactly once and for its account; no code was answered 201 twice.
check_books() {
	local out=$1 first=$2 last=$3 what=$4 missing doubled
	acked "$out" >"$T/acked"
	psql -Atc "SELECT serial FROM card.redemption WHERE serial BETWEEN $first AND $last AND account = 'acct-' || serial ORDER BY serial" >"$T/indb"
	missing=$(comm -23 <(sort "$T/acked") <(sort "$T/indb") | wc -l)
	doubled=$(awk '$4 == 201 { print $3 }' "$out" | sort | uniq -d | wc -l)
	doubled=$((doubled + $(psql -Atc "SELECT count(*) - count(DISTINCT serial) FROM card.redemption")))
	echo "$what: acknowledged $(wc -l <"$T/acked"), lost $missing, doubled $doubled"
	[ "$missing" = 0 ] && ok "$what: every acknowledged redemption is on the primary ($(wc -l <"$T/acked"))" || bad "$what: $missing acknowledged redemptions lost"
	[ "$doubled" = 0 ] && ok "$what: none doubled" || bad "$what: $doubled doubled"
}

# ---- failover rounds: kill -9 the primary's PostgreSQL and Patroni in the middle of a load
first=1001
for round in $(seq "$ROUNDS"); do
	last=$((first + 7999))
	sed -n "${first},${last}p" "$T/codes" >"$T/codes.$round"
	out="$T/load.$round" stop="$T/stop.$round"
	$CLIENT "$URL" "$T/codes.$round" "$out" 6 120 "$stop" >"$T/sum.$round" &
	LOADER=$!
	ha_wait 60 "load to start" bash -c "[ \$(awk '\$4 == 201' $out 2>/dev/null | wc -l) -ge 300 ]"
	# Patroni promotes only the synchronous standby: each round starts once a standby is
	# synchronous again after the last failover (contrib/ha/README.md).  (One run of make
	# check-ha without this wait got no leader in its second round; its logs were not kept.)
	if ha_wait 60 "a synchronous standby" ha_has_sync; then ok "round $round: a synchronous standby before the kill ($(ha_members | awk '$2 == "sync_standby" { print $1 }'))"; else bad "round $round: no synchronous standby"; ha_members >&2; fi
	old=$(ha_leader)
	t0=$(date +%s.%N)
	ha_kill_node "$old"
	# 201s resume: wait for 200 more of them, answered after the kill.
	ha_wait 90 "201s after the kill" bash -c "[ \$(awk -v t=$t0 '\$1 > t && \$4 == 201' $out | wc -l) -ge 200 ]" || true
	touch "$stop"
	wait "$LOADER"
	new=$(ha_leader)
	# Recovered: the first 201 to a request sent after the first failed answer since the kill.
	tf=$(awk -v t="$t0" '$2 > t && $4 != 201 && $4 != 200 { if (!f || $2 < f) f = $2 } END { printf "%.3f", f ? f : t }' "$out")
	secs=$(awk -v t="$t0" -v tf="$tf" '$1 >= tf && $4 == 201 { if (!f || $2 < f) f = $2 } END { if (f) printf "%.1f", f - t; else print "never" }' "$out")
	fails=$(awk -v t="$t0" '$2 > t && $4 != 201 && $4 != 200' "$out" | wc -l)
	[ -n "$new" ] && [ "$new" != "$old" ] && ok "round $round: $new took over from $old" || bad "round $round: leader '$new' after killing $old"
	[ "$secs" != never ] && ok "round $round: 201s resumed $secs s after the kill ($fails retried answers meanwhile; $(cat "$T/sum.$round"))" \
		|| bad "round $round: no 201 after the kill ($(cat "$T/sum.$round"))"
	echo "FAILOVER round $round: recovered in $secs s"
	check_books "$out" "$first" "$last" "round $round"
	[ "$(awk '$4 ~ /^4/ && $4 != 409' "$out" | wc -l)" = 0 ] && ok "round $round: no 4xx" || bad "round $round: 4xx answers: $(awk '$4 ~ /^4/' "$out" | head -3 | tr '\n' ' ')"

	# The old primary comes back as a replica of the new one, rewound by pg_rewind.
	ha_node_start "$old"
	if ha_wait 90 "$old to rejoin" ha_member_streams "$old"; then ok "round $round: $old rejoined as a streaming replica"; else bad "round $round: $old did not rejoin"; ha_members >&2; fi
	grep -q 'pg_rewind exit code=0' "$T/$old/patroni.log" && ok "round $round: $old was rewound by pg_rewind" \
		|| { grep -qi 'rewind' "$T/$old/patroni.log" && bad "round $round: pg_rewind failed" || ok "round $round: $old needed no rewind (nothing diverged)"; }
	# The rejoined node holds the same redemptions once it has replayed.
	want=$(psql -Atc 'SELECT count(*) FROM card.redemption')
	if ha_wait 30 "$old to replay" bash -c "[ \"\$(psql -X -h 127.0.0.1 -p $(ha_var PG_PORT_$(ha_num "$old")) -U postgres -d postgres -Atc 'SELECT count(*) FROM card.redemption')\" = $want ]"; then
		ok "round $round: $old holds all $want redemptions"
	else
		bad "round $round: $old holds $(ha_psql "$old" -Atc 'SELECT count(*) FROM card.redemption'), the primary $want"
	fi
	first=$((last + 1))
done

expect_status 0 "$CARDCTL" audit
expect_grep "balance" "$T/out"

# ---- reports from a replica: through HAProxy's replica port, and libpq's prefer-standby
expect_status 0 "$CARDCTL" --db "host=127.0.0.1 port=$HA_RO dbname=postgres user=postgres" audit
[ "$(psql -X -h 127.0.0.1 -p "$HA_RO" -U postgres -d postgres -Atc 'SELECT pg_is_in_recovery()')" = t ] && ok "the replica port reaches a standby" || bad "the replica port reaches the primary"
expect_status 0 "$CARDCTL" --db "host=127.0.0.1,127.0.0.1,127.0.0.1 port=$PG_PORT_1,$PG_PORT_2,$PG_PORT_3 dbname=postgres user=postgres target_session_attrs=prefer-standby" audit
# A write on a standby is refused (a database error, exit 3) with a clear message, changing nothing.
expect_status 3 "$CARDCTL" --db "host=127.0.0.1 port=$HA_RO dbname=postgres user=postgres" term new 2027-spring --start 2027-02-20
expect_grep "read-only" "$T/err"
[ "$(psql -Atc "SELECT count(*) FROM card.term WHERE code = '2027-spring'")" = 0 ] && ok "nothing written by the refused command" || bad "a term appeared"

# ---- kill -9 one cardd in the middle of a load: HAProxy routes around it
last=$((first + 9999))
sed -n "${first},${last}p" "$T/codes" >"$T/codes.c"
$CLIENT "$URL" "$T/codes.c" "$T/load.c" 6 60 "$T/stop.c" >"$T/sum.c" &
LOADER=$!
ha_wait 60 "load to start" bash -c "[ \$(awk '\$4 == 201' $T/load.c 2>/dev/null | wc -l) -ge 300 ]"
t0=$(date +%s.%N)
kill -9 "$CARDD_PID_1"
ha_wait 60 "201s after killing cardd 1" bash -c "[ \$(awk -v t=$t0 '\$1 > t + 2 && \$4 == 201' $T/load.c | wc -l) -ge 200 ] || ! kill -0 $LOADER" || true
touch "$T/stop.c"
wait "$LOADER"
after=$(awk -v t="$t0" '$1 > t + 2 && $4 == 201' "$T/load.c" | wc -l)
[ "$after" -ge 200 ] && ok "cardd 1 killed: cardd 2 carries on ($after 201s after; $(cat "$T/sum.c"))" || bad "only $after 201s after killing cardd 1 ($(cat "$T/sum.c"))"
check_books "$T/load.c" "$first" "$last" "cardd killed"
expect_status 0 "$CARDCTL" audit
echo "total $(( $(date +%s) - t_start )) s"
finish
