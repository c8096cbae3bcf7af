#!/usr/bin/env bash
# cardd_ops.sh -- operating cardd: command line and config errors, keyring mode, TLS, SIGHUP
# keyring reload, privilege drop when started as root, least-privilege database role.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/cardd_lib.sh"
cardd_setup

# cardd refuses a database whose schema is not its libcard's, and says what to do.
psql -qX -v ON_ERROR_STOP=1 -c "UPDATE card.function_file SET sha256 = repeat('0', 64) WHERE name = 'redeem'"
printf 'listen = 127.0.0.1:%s\ndb = "host=%s port=%s dbname=%s user=cardd_test"\nkeyring = %s\nlog = stderr\n' \
	"$(free_port)" "$PGHOST" "$PGPORT" "$PGDATABASE" "$KR" >"$T/stale.conf"
expect_status 1 "$CARDD" -c "$T/stale.conf" --foreground
expect_grep "cardctl db migrate" "$T/err"
expect_status 0 "$CARDCTL" db migrate

expect_status 0 "$CARDD" --help
expect_grep "\-\-listen HOST:PORT" "$T/out"
expect_status 1 "$CARDD" --bogus
expect_status 1 "$CARDD" --foreground
expect_grep "no keyring" "$T/err"
echo "listen = nowhere" >"$T/bad.conf"
expect_status 1 "$CARDD" -c "$T/bad.conf" --foreground --keyring "$KR"
expect_grep "bad.conf:1: invalid value for \"listen\"" "$T/err"
echo "colour = blue" >"$T/bad.conf"
expect_status 1 "$CARDD" -c "$T/bad.conf" --foreground --keyring "$KR"
expect_grep 'unknown setting "colour"' "$T/err"
cp "$KR" "$T/kr644"; chmod 644 "$T/kr644"
expect_status 1 "$CARDD" --foreground --keyring "$T/kr644" --listen 127.0.0.1:1
expect_grep "keyring" "$T/err"
expect_status 1 "$CARDD" --foreground --keyring "$KR" --listen 127.0.0.1:99999

# ---- the daemon role can redeem but not read or write tables
set +e
psql -U cardd_test -Atc "SELECT count(*) FROM card.redemption" >/dev/null 2>&1; r1=$?
psql -U cardd_test -Atc "INSERT INTO card.redemption (serial, account, batch) VALUES (5, 'x', '$BATCH_ID')" >/dev/null 2>&1; r2=$?
set -e
[ "$r1" != 0 ] && [ "$r2" != 0 ] && ok "card_daemon has no table access" || bad "card_daemon reads or writes card.redemption"

# ---- TLS, and SIGHUP reloading the keyring
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	-subj /CN=127.0.0.1 >/dev/null 2>&1
cardd_start tls_cert="$T/cert.pem" tls_key="$T/key.pem" ip_rate=0 account_rate=0
http GET /healthz -k; expect_http 200 "healthz over HTTPS"
http POST /v1/redemptions "{\"code\":\"$(code_of 11)\",\"account\":\"tls\"}" -k; expect_http 201 "redeem over HTTPS"
plain=$(curl -s -o /dev/null -w '%{http_code}' "${URL/https:/http:}/healthz" || true)
[ "$plain" != 200 ] && ok "no plain HTTP on the TLS port" || bad "plain HTTP served"
# Replace the keyring: key 1 changes, so the old codes become invalid and the other ring's valid.
cp "$T/other" "$KR.new"; mv "$KR.new" "$KR"
kill -HUP "$CARDD_PID"; sleep 0.3
http POST /v1/redemptions "{\"code\":\"$(code_of 12)\",\"account\":\"tls\"}" -k; expect_http 422 "old key refused after SIGHUP"
http POST /v1/redemptions "{\"code\":\"$FORGED\",\"account\":\"tls\"}" -k; expect_http 201 "new key accepted after SIGHUP"
grep -q "keyring reloaded" "$T/cardd.log" && ok "reload logged" || bad "no reload line"
cardd_stop

# ---- a keyring path that is a FIFO never blocks: cardctl refuses it, and a SIGHUP that finds
# one leaves SIGTERM working; the keys are locked in memory, out of core dumps, no core files
mkfifo "$T/fifo"
set +e; timeout 10 "$CARDCTL" key list --keyring "$T/fifo" >"$T/out" 2>"$T/err"; rc=$?; set -e
[ "$rc" != 0 ] && [ "$rc" != 124 ] && ok "cardctl refuses a FIFO keyring at once (exit $rc)" || bad "cardctl on a FIFO keyring: exit $rc"
expect_grep "unsafe permissions" "$T/err"
cardd_start ip_rate=0 account_rate=0
pid=$CARDD_PID
[ "$(awk '/^Max core file size/ {print $5, $6}' "/proc/$pid/limits")" = "0 0" ] && ok "cardd runs with core files off" || bad "core limit: $(grep core "/proc/$pid/limits")"
# The keyring is one anonymous page of its own: find it by its MADV_DONTDUMP flag.
awk '/^[0-9a-f]+-[0-9a-f]+ rw-p 00000000 00:00 0 *$/ { anon = 1; next } /^[0-9a-f]+-[0-9a-f]+ / { anon = 0 }
	anon && /^Size:/ { size = $2 } anon && /^VmFlags:/ && / dd( |$)/ && size <= 8 { print }' "/proc/$pid/smaps" >"$T/keypage"
[ -s "$T/keypage" ] && ok "the key page is kept out of core dumps (MADV_DONTDUMP)" || bad "no small MADV_DONTDUMP page"
if grep -q libasan "/proc/$pid/maps"; then
	echo "# skip: mlock check: AddressSanitizer turns mlock() into a no-op"
else
	grep -q ' lo\( \|$\)' "$T/keypage" && ok "the key page is locked in memory" || bad "key page not locked: $(cat "$T/keypage")"
fi
sed -i "s|^keyring = .*|keyring = $T/fifo|" "$CONF"
kill -HUP "$CARDD_PID"; sleep 0.5
grep -q "keyring reload failed; keeping the old keys" "$T/cardd.log" && ok "SIGHUP with a FIFO keyring: reload refused, old keys kept" || bad "no reload failure logged"
c=$("$CARDCTL" code derive --keyring "$T/other" --key-id 1 --serial 15 | awk '{print $2}')
http POST /v1/redemptions "{\"code\":\"$c\",\"account\":\"fifo\"}"; expect_http 201 "still serves with the old keys"
# Quoted log values are escaped; libmicrohttpd's own messages come through the log.
mark=$(wc -l <"$T/cardd.log")
sed -i "s|^keyring = .*|keyring = $T/no\"such|" "$CONF"
kill -HUP "$CARDD_PID"; sleep 0.5
grep -qF 'no\"such\"' "$T/cardd.log" && ok "a quote in a logged value is escaped" || bad "quote not escaped: $(grep 'reload failed' "$T/cardd.log" | tail -1)"
python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n")
s.settimeout(3)
try:
    s.recv(100)
except OSError:
    pass' "${URL##*:}"
sleep 0.3
tail -n +"$((mark + 1))" "$T/cardd.log" >"$T/newlog"
grep -q 'msg="libmicrohttpd" detail="' "$T/newlog" && ok "libmicrohttpd's message is a structured log line" || bad "no libmicrohttpd log line"
[ -z "$(grep -v '^ts=' "$T/newlog")" ] && ok "nothing raw on stderr" || bad "raw lines: $(grep -v '^ts=' "$T/newlog" | head -3)"
kill -TERM "$CARDD_PID"
for i in $(seq 50); do kill -0 "$CARDD_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$CARDD_PID" 2>/dev/null; then bad "SIGTERM ignored after a SIGHUP on a FIFO"; kill -KILL "$CARDD_PID"; wait "$CARDD_PID" || true
else wait "$CARDD_PID" && ok "SIGTERM works after a SIGHUP on a FIFO" || bad "exit status $? after SIGTERM"; fi

# ---- privilege drop (only when the test runs as root)
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	cardd_start user=nobody ip_rate=0 account_rate=0
	uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$CARDD_PID/status")
	want=$(id -u nobody)
	[ "$uid" = "$want $want $want $want" ] && ok "running as nobody after start" || bad "uids: $uid"
	grep -q "dropped privileges" "$T/cardd.log" && ok "drop logged" || bad "no drop line"
	c=$("$CARDCTL" code derive --keyring "$T/other" --key-id 1 --serial 13 | awk '{print $2}')
	http POST /v1/redemptions "{\"code\":\"$c\",\"account\":\"nobody\"}"; expect_http 201 "serves after dropping privileges"
	cardd_stop
else
	echo "# skip: privilege drop needs root"
fi

# ---- started while the database is down: serves the page, 503 until the database is back
$CARD_TEST_PGCTL stop >/dev/null
cardd_start ip_rate=0 account_rate=0
http GET /readyz; expect_http 503 "readyz when started without the database"
http GET /; expect_http 200 "the page without the database"
c=$("$CARDCTL" code derive --keyring "$T/other" --key-id 1 --serial 14 | awk '{print $2}')
http POST /v1/redemptions "{\"code\":\"$c\",\"account\":\"late\"}"; expect_http 503 "redeem when started without the database"
$CARD_TEST_PGCTL start >/dev/null
wait_ready; http GET /readyz; expect_http 200 "ready once the database is up"
http POST /v1/redemptions "{\"code\":\"$c\",\"account\":\"late\"}"; expect_http 201 "redeem once the database is up"
cardd_stop
finish
