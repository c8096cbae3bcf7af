#!/usr/bin/env bash
# cardd_api.sh -- every answer of docs/openapi.yaml through real HTTP requests to a real cardd over
# loopback, against a real PostgreSQL: redemption outcomes, body errors, tokens, the feed,
# health, metrics, and that typos and forged codes never reach the database.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/cardd_lib.sh"
cardd_setup
# The server logs every statement of cardd's role: a count of redeem_many calls that cannot lag.
psql -qc "ALTER ROLE cardd_test SET log_statement = 'all'"
cardd_start account_rate=0 ip_rate=0 max_body=1024
redeem_calls() { grep -c 'card.redeem_many(' "$CARD_TEST_PGDIR/log" || true; }

# ---- health, page, metrics, unknown paths
http GET /healthz; expect_http 200 "healthz"
http GET /readyz; expect_http 200 "readyz with the database up"
http GET /; expect_http 200 "the student page"
expect_grep "text/html" "$T/hdr"
http GET /metrics; expect_http 200 "metrics"
expect_grep "cardd_http_requests_total" "$T/body"
expect_grep "cardd_db_pool_in_use" "$T/body"
http GET /nope; expect_http 404 "unknown path"
# X-Request-Id: a UUID on every answer, a different one each time, the one the log names.
rid1=$(tr -d '\r' <"$T/hdr" | sed -n 's/^X-Request-Id: //Ip')
http GET /healthz; expect_http 200 "healthz again"
rid2=$(tr -d '\r' <"$T/hdr" | sed -n 's/^X-Request-Id: //Ip')
uuid_re='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
[[ $rid1 =~ $uuid_re && $rid2 =~ $uuid_re && $rid1 != "$rid2" ]] \
	&& ok "X-Request-Id is a UUID, new for every request ($rid1, $rid2)" || bad "X-Request-Id: '$rid1', '$rid2'"
# Request headers up to about 8 KiB fit the per-connection memory (CARDD_CONN_MEMORY, 16 KiB);
# far more is refused by libmicrohttpd with 431.
http GET /healthz -H "X-Pad: $(head -c 7000 /dev/zero | tr '\0' x)"; expect_http 200 "a request with 7,000 bytes of headers"
http GET /healthz -H "X-Pad: $(head -c 20000 /dev/zero | tr '\0' x)"; expect_http 431 "a request with 20,000 bytes of headers"
http POST /nope '{}'; expect_http 404 "POST to an unknown path"
http POST /healthz '{}'; expect_http 405 "POST to healthz"
http DELETE /v1/redemptions; expect_http 405 "DELETE on redemptions"
expect_grep "Allow: GET, HEAD, POST" "$T/hdr"

# ---- redemption outcomes
C1=$(code_of 1); C2=$(code_of 2); C3=$(code_of 3)
http POST /v1/redemptions "{\"code\":\"$C1\",\"account\":\"stu-0001\"}"; expect_http 201 "redeem a valid code"
cp "$T/body" "$T/first"
expect_grep '"serial":"0000000000001"' "$T/body"
expect_grep '"face_value_fen":5000' "$T/body"
expect_grep '"term":"2026-autumn"' "$T/body"
expect_grep '"account":"stu-0001"' "$T/body"
expect_grep '"redeemed_at":"20' "$T/body"
[ "$(psql -Atc "SELECT account FROM card.redemption WHERE serial = 1")" = stu-0001 ] && ok "redemption is in the database" || bad "redemption row missing"
lower=$(echo "$C1" | tr 'A-Z' 'a-z' | tr -d '-')
http POST /v1/redemptions "{\"code\":\"$lower\",\"account\":\"stu-0001\"}"; expect_http 200 "same account, same code (lower case, no dashes)"
cmp -s "$T/body" "$T/first" && ok "repeat answers the first body" || bad "repeat body differs: $(cat "$T/body")"
http POST /v1/redemptions "{\"code\":\"$C1\",\"account\":\"stu-0002\"}"; expect_http 409 "another account"
expect_grep '"code":"already_redeemed"' "$T/body"
grep -q stu-0001 "$T/body" && bad "409 reveals the other account" || ok "409 does not reveal the account"
http POST /v1/redemptions "{\"code\":\"$(code_of $VOID_SERIAL)\",\"account\":\"stu-0003\"}"; expect_http 410 "void card"
expect_grep '"code":"card_void"' "$T/body"
http POST /v1/redemptions "{\"code\":\"$(code_of $UNBATCHED_SERIAL)\",\"account\":\"stu-0003\"}"; expect_http 422 "serial in no batch"
expect_grep '"code":"invalid_code"' "$T/body"; cp "$T/body" "$T/unknown_serial"

# ---- Idempotency-Key: replay gives the same body; reuse with another request is refused
http POST /v1/redemptions "{\"code\":\"$C2\",\"account\":\"stu-0010\"}" -H 'Idempotency-Key: k-0001'; expect_http 201 "with an Idempotency-Key"
cp "$T/body" "$T/idem1"
http POST /v1/redemptions "{\"code\":\"$C2\",\"account\":\"stu-0010\"}" -H 'Idempotency-Key: k-0001'; expect_http 200 "replay of the key"
cmp -s "$T/body" "$T/idem1" && ok "replay answers the same body" || bad "replay body differs"
http POST /v1/redemptions "{\"code\":\"$C3\",\"account\":\"stu-0010\"}" -H 'Idempotency-Key: k-0001'; expect_http 422 "key reused with another code"
expect_grep '"code":"idempotency_key_reused"' "$T/body"
http POST /v1/redemptions "{\"code\":\"$C3\",\"account\":\"stu-0010\"}" -H "Idempotency-Key: $(printf 'x%.0s' $(seq 300))"; expect_http 400 "key too long"
http POST /v1/redemptions "{\"code\":\"$C3\",\"account\":\"stu-0010\"}" -H 'Idempotency-Key: a b'; expect_http 400 "key with a space (card_idem_key_valid)"
expect_grep invalid_idempotency_key "$T/body"

# ---- typos, malformed and forged codes: answered without the database
before=$(redeem_calls); db_before=$(metric cardd_db_redemption_requests_total)
typo="${C3:0:5}${C3:6:1}${C3:5:1}${C3:7}"   # swap two symbols
[ "$typo" != "$C3" ] || typo="${C3:0:5}Z${C3:6}"
http POST /v1/redemptions "{\"code\":\"$typo\",\"account\":\"stu-0020\"}"; expect_http 400 "typo"
expect_grep '"code":"typo"' "$T/body"; expect_grep '"hint"' "$T/body"
http POST /v1/redemptions '{"code":"ABCD-EFGH","account":"stu-0020"}'; expect_http 400 "too short"
expect_grep '"code":"malformed"' "$T/body"; expect_grep '20 characters' "$T/body"
http POST /v1/redemptions "{\"code\":\"U${C3:1}\",\"account\":\"stu-0020\"}"; expect_http 400 "letter U"
expect_grep '"code":"malformed"' "$T/body"
for i in $(seq 20); do
	http POST /v1/redemptions "{\"code\":\"$FORGED\",\"account\":\"stu-0020\"}"
done
expect_http 422 "forged code"
cmp -s "$T/body" "$T/unknown_serial" && ok "forged and unknown serial: one answer" || bad "forged answer differs from unknown serial"
http POST /v1/redemptions "{\"code\":\"$UNKNOWN_KEY\",\"account\":\"stu-0020\"}"; expect_http 422 "unknown key id"
cmp -s "$T/body" "$T/unknown_serial" && ok "unknown key: the same answer" || bad "unknown-key answer differs"
after=$(redeem_calls)
[ "$before" -gt 0 ] && ok "the probe sees redeem_many calls ($before)" || bad "the probe sees no calls"
[ "$after" = "$before" ] && ok "no redeem_many call for typos and forged codes ($before = $after)" || bad "redeem_many calls $before -> $after"
[ "$(metric cardd_db_redemption_requests_total)" = "$db_before" ] && ok "db request metric unchanged" || bad "db request metric moved"
[ "$(metric cardd_failed_mac_total)" -ge 21 ] && ok "failed-MAC attempts counted" || bad "failed_mac $(metric cardd_failed_mac_total)"
[ "$(metric 'cardd_failed_mac_by_address{address="127.0.0.1"}')" = 21 ] && ok "failed-MAC attempts counted per address" || bad "per-address failed MAC: $(metric 'cardd_failed_mac_by_address{address="127.0.0.1"}')"

# ---- bodies
http POST /v1/redemptions '{"code": "x", "account": "a"' ; expect_http 400 "truncated JSON"
expect_grep '"code":"truncated_json"' "$T/body"
http POST /v1/redemptions 'not json'; expect_http 400 "not JSON"
expect_grep '"code":"invalid_json"' "$T/body"
printf '{"code":"\xff\xfe","account":"a"}' >"$T/bad_utf8"
http POST /v1/redemptions "@$T/bad_utf8"; expect_http 400 "not UTF-8"
expect_grep '"code":"invalid_utf8"' "$T/body"
deep=$(printf '[%.0s' $(seq 200))
http POST /v1/redemptions "$deep"; expect_http 400 "deeply nested"
expect_grep '"code":"too_deep"' "$T/body"
http POST /v1/redemptions '[1,2]'; expect_http 400 "not an object"
expect_grep '"code":"invalid_body"' "$T/body"
http POST /v1/redemptions '{"code":"x","code":"y","account":"a"}'; expect_http 400 "duplicate member"
http POST /v1/redemptions "{\"code\":\"$C3\",\"account\":\"\"}"; expect_http 400 "empty account"
expect_grep '"code":"invalid_account"' "$T/body"
http POST /v1/redemptions "{\"code\":\"$C3\",\"account\":\"a\\u0001b\"}"; expect_http 400 "control character in account"
http POST /v1/redemptions "{\"code\":\"$C3\",\"account\":\"$(printf 'a%.0s' $(seq 65))\"}"; expect_http 400 "account of 65 characters"
http POST /v1/redemptions "{\"code\":\"$C3\",\"account\":\"$(printf '学%.0s' $(seq 64))\"}"; expect_http 201 "account of 64 Chinese characters"
head -c 5000 /dev/zero | tr '\0' ' ' >"$T/big"
http POST /v1/redemptions "@$T/big"; expect_http 413 "body over max_body (Content-Length)"
http POST /v1/redemptions "@$T/big" -H 'Transfer-Encoding: chunked'; expect_http 413 "body over max_body (chunked)"
code=$(curl -s -o "$T/body" -w '%{http_code}' -X POST --data-binary '{}' -H 'Content-Type: text/plain' "$URL/v1/redemptions")
expect_http 415 "wrong content type"
code=$(curl -s -o "$T/body" -w '%{http_code}' -X POST --data-binary '{}' "$URL/v1/redemptions")
expect_http 415 "form content type (curl default)"

# ---- tokens: the feed (platform) and card state (helpdesk)
PLAT=$("$CARDCTL" token new --role platform --label test)
HELP=$("$CARDCTL" token new --role helpdesk --label test)
[ "$(psql -Atc "SELECT count(*) FROM card.api_token WHERE position(secret_sha256::text in '$PLAT') > 0")" = 0 ] && ok "token not stored in clear" || bad "token stored"
http GET /v1/redemptions; expect_http 401 "feed without a token"
expect_grep "WWW-Authenticate: Bearer" "$T/hdr"
http GET /v1/redemptions -H "Authorization: Bearer ${PLAT:0:30}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; expect_http 401 "feed with a wrong secret"
http GET /v1/redemptions -H "Authorization: Bearer $HELP"; expect_http 403 "feed with a helpdesk token"
http GET "/v1/redemptions?after=0&limit=2" -H "Authorization: Bearer $PLAT"; expect_http 200 "feed page 1"
python3 - "$T/body" <<'PY' && ok "feed page 1: ids 1,2 and next_after 2" || bad "feed page 1: $(cat "$T/body")"
import json, sys
d = json.load(open(sys.argv[1]))
assert [r["id"] for r in d["redemptions"]] == [1, 2], d
assert d["next_after"] == 2 and d["redemptions"][0]["serial"] == "0000000000001", d
PY
http GET "/v1/redemptions?after=2&limit=1000" -H "Authorization: Bearer $PLAT"; expect_http 200 "feed page 2"
expect_grep '"id":3' "$T/body"
http GET "/v1/redemptions?after=-1" -H "Authorization: Bearer $PLAT"; expect_http 400 "negative after"
http GET "/v1/redemptions?limit=1001" -H "Authorization: Bearer $PLAT"; expect_http 400 "limit too large"
http GET "/v1/cards/0000000000001" -H "Authorization: Bearer $PLAT"; expect_http 403 "card state with a platform token"
http GET "/v1/cards/0000000000001"; expect_http 401 "card state without a token"
http GET "/v1/cards/1" -H "Authorization: Bearer $HELP"; expect_http 200 "card state of a redeemed card"
python3 - "$T/body" <<'PY' && ok "card state: serial, term, redemption" || bad "card state: $(cat "$T/body")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["serial"] == "0000000000001" and d["term"] == "2026-autumn" and d["redeemed"] is True, d
assert d["redemption"]["account"] == "stu-0001" and d["void"] is False, d
PY
http GET "/v1/cards/$VOID_SERIAL" -H "Authorization: Bearer $HELP"; expect_http 200 "card state of a void card"
expect_grep '"void":true' "$T/body"
http GET "/v1/cards/$UNBATCHED_SERIAL" -H "Authorization: Bearer $HELP"; expect_http 404 "card in no batch"
http GET "/v1/cards/12345678901234" -H "Authorization: Bearer $HELP"; expect_http 400 "serial of 14 digits"
http GET "/v1/cards/abc" -H "Authorization: Bearer $HELP"; expect_http 400 "serial not a number"
"$CARDCTL" token revoke "${PLAT:4:16}" >/dev/null
http GET /v1/redemptions -H "Authorization: Bearer $PLAT"; expect_http 401 "revoked token"
sleep 0.5 # access lines are buffered, written at most 0.2 s late: read them all
grep -q -- "$PLAT\|$C1\|$FORGED" "$T/cardd.log" && bad "a token or code in the log" || ok "no token or code in the log"
grep -q "serial=0000000000001" "$T/cardd.log" && ok "serials are logged" || bad "no serial in the log"

# ---- metrics reflect what happened
[ "$(metric 'cardd_http_requests_total{endpoint="redeem",status="201"}')" -ge 3 ] && ok "201s counted" || bad "201 count"
[ "$(metric 'cardd_redemptions_total{outcome="redeemed"}')" -ge 3 ] && ok "outcomes counted" || bad "outcome count"

# ---- database outage: 503 with Retry-After, readyz fails, recovery without restart
$CARD_TEST_PGCTL stop >/dev/null
http POST /v1/redemptions "{\"code\":\"$(code_of 40)\",\"account\":\"stu-0040\"}"; expect_http 503 "redeem with the database down"
expect_grep "Retry-After: " "$T/hdr"
expect_grep '"code":"unavailable"' "$T/body"
http GET /readyz; expect_http 503 "readyz with the database down"
http GET /healthz; expect_http 200 "healthz with the database down"
$CARD_TEST_PGCTL start >/dev/null
wait_ready; http GET /readyz; expect_http 200 "readyz after the database returns"
http POST /v1/redemptions "{\"code\":\"$(code_of 40)\",\"account\":\"stu-0040\"}"; expect_http 201 "redeem after the database returns"
cardd_stop
finish
