#!/usr/bin/env bash
# cardd_attack.sh -- cardd attacked from loopback as an outsider would: connection floods and
# slow clients (per-address connection limit, request deadline), a holder of one real card
# trying to lock another account out, IPv6 clients grouped by prefix, /readyz hammered (one
# shared probe), 503 at once while the database is known down, and requests whose framing
# is ambiguous (400 and close).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/cardd_lib.sh"
ATTACK="$top_srcdir/tests/attack_client.py"
cardd_setup
port_of() { echo "${URL##*:}"; }

# ---- one address may not take every connection; the others are answered throughout
cardd_start ip_rate=0 account_rate=0 max_connections_per_ip=64 request_timeout=10
out=$(python3 "$ATTACK" conns "$(port_of)" 80)
[ "$out" = "refused 16" ] && ok "connections over the per-address limit refused at once ($out)" || bad "per-address limit: $out"
[ "$(metric 'cardd_connections_refused_total{reason="per_address_limit"}')" -ge 16 ] && ok "refusals counted" || bad "no refusal metric"
grep -q 'connection refused: too many connections from this address.*ip=127.0.0.1' "$T/cardd.log" && ok "refusal logged" || bad "no refusal log line"
# The attack of the report: 1,030 sockets each sending a header byte every 10 s, for 27 s.
if python3 "$ATTACK" slowloris "$(port_of)" 1030 27 >"$T/slow"; then
	ok "another address answered within 1 s throughout the slow-header attack ($(head -1 "$T/slow"))"
else
	bad "another address starved: $(tr '\n' ' ' <"$T/slow")"
fi
longest=$(awk '/^longest/ {print int($2)}' "$T/slow")
[ "$longest" -le 12 ] && ok "slow sockets closed at the request deadline (longest ${longest}s)" || bad "a slow socket lived ${longest}s"
[ "$(metric 'cardd_connections_refused_total{reason="request_timeout"}')" -ge 60 ] && ok "deadline closes counted" || bad "deadline metric"
grep -q 'connection closed: request not received in time' "$T/cardd.log" && ok "deadline logged" || bad "no deadline log line"
[ "$(grep -c 'request not received in time' "$T/cardd.log")" -le 40 ] && ok "deadline log lines throttled" || bad "the flood floods the log"
http GET /healthz; expect_http 200 "serves after the attack"
cardd_stop

# ---- strict HTTP: ambiguous framing is 400 and the connection closed (nothing smuggled)
cardd_start ip_rate=0 account_rate=0
body='{"code":"x","account":"a"}'
raw() { printf "$1" >"$T/req"; python3 "$ATTACK" raw "$(port_of)" "$T/req" | tr '\n' ' '; }
case_is() { # WHAT REQUEST WANT
	local got; got=$(raw "$2")
	[ "$got" = "$3 " ] && ok "$1: $got" || bad "$1: got '$got', wanted '$3'"
}
case_is "two different Content-Length" "POST /v1/redemptions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 26\r\nContent-Length: 5\r\n\r\n$body" "status 400 closed"
case_is "Content-Length twice, same value" "POST /v1/redemptions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 26\r\nContent-Length: 26\r\n\r\n$body" "status 400 closed"
case_is "Content-Length and chunked, with a request behind" "POST /v1/redemptions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n" "status 400 closed"
case_is "Transfer-Encoding: gzip" "POST /v1/redemptions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\nabc" "status 400 closed"
case_is "Transfer-Encoding: identity" "POST /v1/redemptions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: identity\r\n\r\nabc" "status 400 closed"
case_is "Transfer-Encoding: gzip, chunked" "POST /v1/redemptions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" "status 400 closed"
case_is "HTTP/1.1 without Host" "GET /healthz HTTP/1.1\r\n\r\n" "status 400 closed"
case_is "two Host headers" "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" "status 400 closed"
case_is "obs-fold" "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\nX-B: 3\r\n\r\n" "status 400 closed"
case_is "obs-fold with a tab, last header" "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: one\r\n\ttwo\r\n\r\n" "status 400 closed"
case_is "blank before the colon" "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A : one\r\n\r\n" "status 400 closed"
case_is "plain keep-alive requests still pipeline" "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nX-B:2\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" "status 200 status 200 open"
case_is "chunked body accepted" "POST /v1/redemptions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\n$body\r\n0\r\n\r\n" "status 400 open"
grep -q '"code":"malformed"' "$T/cardd.log" 2>/dev/null || true
[ "$(metric 'cardd_connections_refused_total{reason="bad_framing"}')" -ge 10 ] && ok "framing refusals counted" || bad "framing metric"
grep -q 'GET /smuggled' "$T/cardd.log" && bad "smuggled request seen" || ok "nothing smuggled"
cardd_stop

# ---- a holder of one real card cannot lock another account out
cardd_start ip_rate=0
mine=$(code_of 21); theirs=$(code_of 22)
http POST /v1/redemptions "{\"code\":\"$mine\",\"account\":\"attacker\"}"; expect_http 201 "the attacker redeems their own card"
for i in 1 2 3 4 5 6 7; do http POST /v1/redemptions "{\"code\":\"$mine\",\"account\":\"victim\"}"; done
expect_http 429 "the attacker's card, named for victim, is rate limited"
http POST /v1/redemptions "{\"code\":\"$theirs\",\"account\":\"victim\"}"; expect_http 201 "victim redeems their own card meanwhile"
cardd_stop

# ---- IPv6 clients: one bucket per /64 (configurable), forwarded by a trusted proxy
cardd_start trusted_proxies=127.0.0.1 ip_rate=0.01 ip_burst=2 account_rate=0
n429=0
for i in 1 2 3 4 5; do
	http GET /readyz -H "X-Forwarded-For: 2001:db8:1:2::$i"
	[ "$code" = 429 ] && n429=$((n429 + 1))
done
[ "$n429" = 3 ] && ok "five addresses of one /64 share one bucket (3 of 5 limited)" || bad "one /64: $n429 of 5 limited"
http GET /readyz -H "X-Forwarded-For: 2001:db8:1:3::1"; expect_http 200 "another /64 has its own bucket"
http GET /readyz -H "X-Forwarded-For: ::ffff:10.9.9.9"; expect_http 200 "an IPv4-mapped address counts as IPv4"
# Access lines are buffered (written at most 0.2 s late): give the line a moment to arrive.
for _ in $(seq 30); do grep -q 'ip=2001:db8:1:2::5' "$T/cardd.log" && break; sleep 0.1; done
grep -q 'ip=2001:db8:1:2::5' "$T/cardd.log" && ok "the log keeps the full address" || bad "log lost the address"
sed -i 's/^ip_burst = 2$/ip_burst = 2\nipv6_prefix = 128/' "$CONF"; kill -HUP "$CARDD_PID"; sleep 0.3
n429=0
for i in 1 2 3 4 5; do
	http GET /readyz -H "X-Forwarded-For: 2001:db8:7:7::$i"
	[ "$code" = 429 ] && n429=$((n429 + 1))
done
[ "$n429" = 0 ] && ok "ipv6_prefix = 128: each address its own bucket" || bad "prefix 128: $n429 limited"
cardd_stop

# ---- /readyz: one shared probe, at most one database round trip a second
psql -qc "ALTER ROLE cardd_test SET log_statement = 'all'"
cardd_start ip_rate=0
before=$(grep -c 'statement: SELECT 1\|execute ping: SELECT 1' "$CARD_TEST_PGDIR/log" || true)
t0=$(date +%s.%N)
python3 - "$(port_of)" <<'PY' >"$T/rz"
import http.client, sys, threading
def run():
    c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
    for _ in range(500):
        c.request("GET", "/readyz"); r = c.getresponse(); r.read()
        assert r.status == 200, r.status
ts = [threading.Thread(target=run) for _ in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print("ok")
PY
t1=$(date +%s.%N)
sleep 0.5
after=$(grep -c 'statement: SELECT 1\|execute ping: SELECT 1' "$CARD_TEST_PGDIR/log" || true)
trips=$((after - before)); secs=$(python3 -c "import math; print(math.ceil($t1 - $t0) + 1)")
[ "$(cat "$T/rz")" = ok ] && ok "2000 readyz answered 200" || bad "readyz under load"
[ "$trips" -ge 1 ] && [ "$trips" -le "$secs" ] && ok "2000 readyz cost $trips database round trips in <= ${secs}s" || bad "readyz made $trips round trips in ${secs}s"
cardd_stop
psql -qc "ALTER ROLE cardd_test RESET log_statement"

# ---- the database known down: tokens, feed and card lookups answer 503 at once
PLAT=$("$CARDCTL" token new --role platform --label attack)
HELP=$("$CARDCTL" token new --role helpdesk --label attack)
cardd_start ip_rate=0 account_rate=0 db_timeout=2000
http GET /v1/redemptions -H "Authorization: Bearer $PLAT"; expect_http 200 "feed while the database is up"
# Smaller defects: numbers out of range are refused, not clamped; %00 does not cut a path.
http GET '/v1/redemptions?after=9223372036854775808' -H "Authorization: Bearer $PLAT"; expect_http 400 "after beyond int64 refused"
http GET '/v1/redemptions?after=9223372036854775807' -H "Authorization: Bearer $PLAT"; expect_http 200 "after = int64 max accepted"
http GET '/v1/cards/1%00' -H "Authorization: Bearer $HELP"; expect_http 400 "a %00 in the serial is refused"
http GET '/v1/cards/1' -H "Authorization: Bearer $HELP"; expect_http 200 "card 1"
http POST /v1/redemptions '"XXXX"'; expect_http 400 "a top-level JSON string"; expect_grep '"code":"invalid_body"' "$T/body"
http POST /v1/redemptions '{"code":"x","account":"a\u0000b"}'; expect_http 400 "a NUL in the account"; expect_grep '"code":"invalid_account"' "$T/body"
# A code of format version 2 with a right check symbol (the v1 layout of tests/vectors_ref.py).
v2=$(python3 - <<'PY'
A = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
def mul(a, b):
    r = 0
    for i in range(5):
        if b >> i & 1: r ^= a << i
    for i in range(9, 4, -1):
        if r >> i & 1: r ^= 0x25 << (i - 5)
    return r
p = (2 << 92) | (1 << 88) | (30 << 48) | 0x123456789abc
d = [(p >> (90 - 5 * i)) & 31 for i in range(19)]
c, a = 0, 1
for x in d:
    a = mul(a, 2); c ^= mul(a, x)
t = "".join(A[x] for x in d + [c])
print("-".join(t[i:i + 4] for i in range(0, 20, 4)))
PY
)
http POST /v1/redemptions "{\"code\":\"$v2\",\"account\":\"v\"}"
grep -q 'this one has 20' "$T/body" && bad "a 20-character code is told it lacks characters" || ok "no absurd length hint ($(cat "$T/body"))"
$CARD_TEST_PGCTL stop >/dev/null
http GET /v1/redemptions -H "Authorization: Bearer $PLAT"; expect_http 503 "feed when the database has gone"
slow=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	t=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $PLAT" "$URL/v1/redemptions")
	python3 -c "import sys; sys.exit(0 if $t < 0.5 else 1)" || slow=$((slow + 1))
done
[ "$slow" = 0 ] && ok "503 at once while the pool is known down" || bad "$slow of 10 waited"
grep -q '^Retry-After: ' "$T/hdr" && ok "503 has Retry-After" || bad "no Retry-After"
$CARD_TEST_PGCTL start >/dev/null
sleep 1.2
http GET /v1/redemptions -H "Authorization: Bearer $PLAT"; expect_http 200 "feed again once the database is back, no restart"
cardd_stop

# ---- a database that swallows connections and never answers (a dead host): after the first
# wait, requests get 503 at once instead of holding a worker for the connect timeout each
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(128)
print(s.getsockname()[1], flush=True)
held = []
while True:
    held.append(s.accept()[0])' >"$T/hole.port" &
HOLE=$!
for i in $(seq 50); do [ -s "$T/hole.port" ] && break; sleep 0.1; done
cardd_start ip_rate=0 account_rate=0 db_timeout=1000 "db=\"host=127.0.0.1 port=$(cat "$T/hole.port") dbname=x user=cardd_test\""
t=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $PLAT" "$URL/v1/redemptions")
echo "# first request against the dead database: ${t}s"
# Ten clients at once, right after: each 503 at once (one a second may try the database
# again and wait; none should here, within the second after the failure).
pids=
for i in 1 2 3 4 5 6 7 8 9 10; do
	curl -s -o /dev/null -D "$T/hdr.$i" -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $PLAT" "$URL/v1/redemptions" >"$T/dead.$i" &
	pids="$pids $!"
done
wait $pids
cat "$T"/dead.* >"$T/dead"
slow=$(awk '$1 != 503 || $2 >= 0.5' "$T/dead" | wc -l)
[ "$slow" -le 1 ] && ok "dead database: 10 requests at once answered 503 at once ($(awk '{printf "%s ", $2}' "$T/dead"))" || bad "dead database: $slow of 10 waited or were not 503: $(tr '\n' ' ' <"$T/dead")"
cp "$T/hdr.1" "$T/hdr"
grep -q '^Retry-After: ' "$T/hdr" && ok "dead database: 503 with Retry-After" || bad "dead database: no Retry-After"
cardd_stop
kill "$HOLE" 2>/dev/null; wait "$HOLE" 2>/dev/null || true
finish
