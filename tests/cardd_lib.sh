# cardd_lib.sh -- helpers for the cardd end-to-end tests (sourced after lib.sh).
#
# cardd_setup     migrate the test database, make a city, district and school, term
#                 2026-autumn and a batch of serials 1..100000 under key 1 (cardctl org import,
#                 term new, batch mint), void serial 99999 (SQL: no command for it yet), make
#                 the login role cardd_test (member of card_daemon only), a keyring holding the
#                 published vector key as key 1, and $T/codes ("SERIAL CODE" for 1..101000).
# cardd_start [SETTING=VALUE...]
#                 start cardd in the foreground on a free loopback port with those extra
#                 settings; sets CARDD_PID, URL, CONF; waits for /healthz.
# cardd_stop      SIGTERM and wait (fails the test if cardd does not exit cleanly).
# http METHOD PATH [BODY] [CURL ARGS...]
#                 one request; sets $code (HTTP status); body in $T/body, headers in $T/hdr.
# expect_http CODE WHAT   check $code.
# wait_ready      poll /readyz for up to 5 s (its probe runs at most once a second, and a pool
#                 known down tries the database again once a second).
CARDD="$top_builddir/daemon/cardd"
VECTOR_HEX=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
VOID_DOC=22222222-2222-4222-8222-222222222222
VOID_SERIAL=99999
UNBATCHED_SERIAL=100500

code_of() { awk -v s="$1" '$1 + 0 == s + 0 { print $2 }' "$T/codes"; }

cardd_setup() {
	"$CARDCTL" db migrate >/dev/null
	KR="$T/keyring"
	echo "$VECTOR_HEX" | "$CARDCTL" key import --keyring "$KR" --id 1 --label vectors >/dev/null
	printf 'code,name,kind,parent\nC,市教育局,city,\nD1,一区,district,C\nS1,一中,school,D1\n' >"$T/org.csv"
	"$CARDCTL" org import "$T/org.csv" >/dev/null
	"$CARDCTL" term new 2026-autumn --start 2026-09-01 >/dev/null
	"$CARDCTL" --json batch mint --term 2026-autumn --count 100000 --keyring "$KR" --key-id 1 >"$T/batch.json"
	BATCH_ID=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["batch"])' "$T/batch.json")
	[ "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["first_serial"])' "$T/batch.json")" = 1 ] \
		|| { echo "cardd_setup: the batch does not start at serial 1" >&2; exit 99; }
	psql -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO card.document (id, kind, term) VALUES ('$VOID_DOC', 'replacement', '2026-autumn');
INSERT INTO card.void (serial, doc, reason) VALUES ($VOID_SERIAL, '$VOID_DOC', 'defective');
DO \$\$ BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cardd_test') THEN
		CREATE ROLE cardd_test LOGIN IN ROLE card_daemon;
	END IF;
END \$\$;
SQL
	# Through PgBouncer 1.18 (tests/pgbouncer-run), which refuses the startup parameter
	# "options", PGOPTIONS is empty and cardd's timeouts are its role's (docs/scaling.md).
	if [ -n "${CARD_TEST_PGBOUNCER:-}" ]; then
		psql -q -v ON_ERROR_STOP=1 -c "ALTER ROLE cardd_test SET statement_timeout = 3000" \
			-c "ALTER ROLE cardd_test SET idle_in_transaction_session_timeout = 12000" >/dev/null
	fi
	"$CARDCTL" code derive --keyring "$KR" --key-id 1 --serial 1 --count 101000 >"$T/codes"
	# A keyring with a different key 1 (forged codes) and one with only key 5 (unknown key).
	"$CARDCTL" key new --keyring "$T/other" --id 1 >/dev/null
	"$CARDCTL" key new --keyring "$T/other" --id 5 >/dev/null
	FORGED=$("$CARDCTL" code derive --keyring "$T/other" --key-id 1 --serial 10 | awk '{print $2}')
	UNKNOWN_KEY=$("$CARDCTL" code derive --keyring "$T/other" --key-id 5 --serial 10 | awk '{print $2}')
}

cardd_start() {
	local port i
	port=$(free_port)
	CONF="$T/cardd.conf"
	{
		echo "listen = 127.0.0.1:$port"
		echo "db = \"host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=cardd_test\""
		echo "keyring = $KR"
		echo "log = stderr"
		for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
	} >"$CONF"
	URL="http://127.0.0.1:$port"
	case " $* " in *" tls_cert="*) URL="https://127.0.0.1:$port" ;; esac
	"$CARDD" -c "$CONF" --foreground 2>>"$T/cardd.log" &
	CARDD_PID=$!
	for i in $(seq 100); do
		if curl -ks -o /dev/null "$URL/healthz"; then return 0; fi
		kill -0 "$CARDD_PID" 2>/dev/null || break
		sleep 0.1
	done
	bad "cardd did not start"; cat "$T/cardd.log" >&2
	return 1
}

cardd_stop() {
	local rc=0
	kill -TERM "$CARDD_PID" 2>/dev/null || true
	wait "$CARDD_PID" || rc=$?
	if [ "$rc" = 0 ]; then ok "cardd exits cleanly on SIGTERM"; else bad "cardd exit status $rc on SIGTERM"; tail -20 "$T/cardd.log" >&2; fi
}

http() {
	local method=$1 path=$2; shift 2
	local data=()
	if [ $# -gt 0 ] && [ "${1:0:1}" != "-" ]; then data=(--data-binary "$1" -H 'Content-Type: application/json'); shift; fi
	code=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X "$method" "${data[@]}" "$@" "$URL$path")
}

expect_http() {
	if [ "$code" = "$1" ]; then ok "$1: $2"; else bad "got $code, wanted $1: $2"; cat "$T/body" >&2; echo >&2; fi
}

wait_ready() {
	local i
	for i in $(seq 25); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] && return 0
		sleep 0.2
	done
}

# audit_ok WHAT: `cardctl audit` balances but for what cardd_setup's shortcuts make it report
# (cards redeemed straight from city stock -- nothing is shipped -- and serial 99999 voided by
# SQL without its holding): every other check ok, and it counts the redemptions in the table.
audit_ok() {
	local n
	"$CARDCTL" audit >"$T/audit.out" 2>&1 || true
	n=$(psql -Atc 'SELECT count(*) FROM card.redemption')
	if grep -E '^  [a-z_]+ +[0-9]+  MISMATCH' "$T/audit.out" | grep -vE '^  (redeemed_not_shipped|void_not_held_void +1 ) ' >"$T/audit.bad" ||
		! grep -qE "^  redeemed +$n  ok" "$T/audit.out" || ! grep -qE '^  held_once +[0-9]+  ok' "$T/audit.out" ||
		! grep -qE '^  ledger_chain .* ok' "$T/audit.out"; then
		bad "$1: cardctl audit"; cat "$T/audit.bad" >&2; tail -25 "$T/audit.out" >&2
	else
		ok "$1: cardctl audit balances ($n redemptions; only the fixture's shortcuts reported)"
	fi
}

# metric NAME_WITH_LABELS: the value from /metrics.
metric() { curl -s "$URL/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }
