#!/usr/bin/env bash
# pgbouncer_txn.sh -- why cardd needs PgBouncer in session mode (contrib/ha/README.md,
# "PgBouncer"): the same run through PgBouncer 1.18 in transaction mode and in session mode.
#
# libcard prepares its named statements once per connection.  In transaction mode PgBouncer
# hands each transaction whichever server connection is free, so a statement lives on the
# server connections it happened to be prepared on; cardd works while those connections live,
# by luck.  When PgBouncer replaces them (server_lifetime, server_idle_timeout, a restarted
# backend: here the backends are terminated, as happens routinely), cardd's connections to
# PgBouncer stay up and every redemption fails with 'prepared statement "redeem_many" does not
# exist' until cardd is restarted: students get 503, losing nothing.  In session mode the
# same event closes cardd's connection, cardd connects again, prepares again and redeems.
# Skips (77) without PgBouncer.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/cardd_lib.sh"
CLIENT="python3 $top_srcdir/tests/cardd_client.py"

# --- one run, through PgBouncer (tests/pgbouncer-run MODE bash $0 --run MODE DIR FIRST):
# a load of 500 codes from serial FIRST, the server connections replaced, a load of the next
# 1000, then three single redemptions a second apart.  Results stay in DIR for the caller.
if [ "${1:-}" = --run ]; then
	rm -rf "$T"
	mode=$2 T=$3 first=$4
	trap - EXIT
	KR="$T/keyring"
	: >"$T/cardd.log"
	cardd_start account_rate=0 ip_rate=0 log_requests=no
	sed -n "$first,$((first + 499))p" "$T/codes" >"$T/$mode.warm"
	$CLIENT load "$URL" "$T/$mode.warm" "$T/$mode.warm.out" 16 30 >/dev/null
	# PgBouncer's server connections end: it opens new ones for the next transactions.
	psql -h "$DIRECT_PGHOST" -p "$DIRECT_PGPORT" -XAtqc \
		"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'cardd_test'" >/dev/null
	sleep 0.5
	sed -n "$((first + 500)),$((first + 1499))p" "$T/codes" >"$T/$mode.after"
	$CLIENT load "$URL" "$T/$mode.after" "$T/$mode.after.out" 16 30 >/dev/null
	for i in 1 2 3; do
		s=$((first + 1500 + i))
		http POST /v1/redemptions "{\"code\":\"$(code_of $s)\",\"account\":\"acct-$s\"}"
		echo "$s $code" >>"$T/$mode.single"
		sleep 1
	done
	cardd_stop
	cp "$T/cardd.log" "$T/$mode.cardd.log"
	exit 0
fi

PGB=$(command -v pgbouncer || true)
[ -x "${PGB:-/usr/sbin/pgbouncer}" ] || [ -x /usr/sbin/pgbouncer ] \
	|| { echo "SKIP: pgbouncer not installed (Debian: pgbouncer)"; exit 77; }
# Set up directly (not through PgBouncer), then run cardd through it; PgBouncer 1.18 refuses
# the startup parameter "options", so cardd's timeouts are its role's (contrib/ha/README.md).
cardd_setup
psql -q -v ON_ERROR_STOP=1 -c "ALTER ROLE cardd_test SET statement_timeout = 3000" \
	-c "ALTER ROLE cardd_test SET idle_in_transaction_session_timeout = 12000" >/dev/null
run() {
	DIRECT_PGHOST=$PGHOST DIRECT_PGPORT=$PGPORT \
		"$top_srcdir/tests/pgbouncer-run" "$1" bash "$0" --run "$1" "$T" "$2" >"$T/$1.run" 2>&1
	local rc=$?
	[ "$rc" = 77 ] && { echo "SKIP: pgbouncer-run skipped"; exit 77; }
	[ "$rc" = 0 ] && ok "cardd through PgBouncer in $1 mode ran" || { bad "the $1 run failed ($rc)"; cat "$T/$1.run" >&2; }
}
n() { { grep -c " $2\$" "$T/$1" || true; } | head -1; }
# Every 201 of a run is in the database once, with its account; nothing else of its codes is.
books() {
	cat "$T/$1".*.out "$T/$1.single" | awk '$2 == 201 { print $1 }' | sort -n >"$T/$1.acked"
	psql -XAtc "SELECT serial FROM card.redemption WHERE serial BETWEEN $2 AND $(($2 + 1503))
	            AND account = 'acct-' || serial ORDER BY serial" >"$T/$1.indb"
	if cmp -s "$T/$1.acked" "$T/$1.indb"; then ok "$1 mode: the $(wc -l <"$T/$1.acked") acknowledged redemptions are in the database, nothing else"
	else bad "$1 mode: acknowledged and stored redemptions differ"; diff "$T/$1.acked" "$T/$1.indb" | head >&2; fi
	[ "$(psql -XAtc "SELECT count(*) FROM card.redemption WHERE serial BETWEEN $2 AND $(($2 + 1503))")" \
		= "$(wc -l <"$T/$1.indb")" ] && ok "$1 mode: no other row for those cards" || bad "$1 mode: rows of other accounts"
}
set +e

# Transaction mode: once the server connections change, every redemption fails and keeps
# failing, with the error the documentation names.
run transaction 1001
[ "$(n transaction.after.out 201)" = 0 ] && [ "$(n transaction.after.out 503)" = 1000 ] \
	&& ok "transaction mode: after the server connections changed, 1000 of 1000 answered 503" \
	|| bad "transaction mode after the change: $(awk '{print $2}' "$T/transaction.after.out" | sort | uniq -c | tr '\n' ' ')"
[ "$(n transaction.single 503)" = 3 ] && ok "transaction mode: still 503 seconds later (cardd does not recover)" \
	|| bad "transaction mode, single requests: $(tr '\n' ' ' <"$T/transaction.single")"
grep -q 'prepared statement \\"redeem_many\\" does not exist' "$T/transaction.cardd.log" \
	&& ok "cardd's log says why: prepared statement \"redeem_many\" does not exist" \
	|| { bad "cardd's log lacks the prepared statement error"; tail -5 "$T/transaction.cardd.log" >&2; }
books transaction 1001

# Session mode, the same run: cardd connects again and redeems.
run session 5001
[ "$(n session.after.out 201)" -gt 0 ] && ok "session mode: redemptions succeed after the server connections changed ($(n session.after.out 201) of 1000)" \
	|| bad "session mode after the change: $(awk '{print $2}' "$T/session.after.out" | sort | uniq -c | tr '\n' ' ')"
[ "$(n session.single 201)" = 3 ] && ok "session mode: single redemptions 201" \
	|| bad "session mode, single requests: $(tr '\n' ' ' <"$T/session.single")"
grep -q 'prepared statement' "$T/session.cardd.log" && bad "session mode: a prepared statement error" \
	|| ok "session mode: no prepared statement error"
books session 5001
[ "$(psql -XAtc 'SELECT count(*) - count(DISTINCT serial) FROM card.redemption')" = 0 ] \
	&& ok "no card redeemed twice" || bad "a serial redeemed twice"
set -e
finish
