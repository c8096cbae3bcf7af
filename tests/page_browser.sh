#!/usr/bin/env bash
# page_browser.sh -- the student page in a real browser against a real cardd.
#
# Runs under tests/pg-run.  Migrates the private database, mints a batch of 20 cards under a
# fresh keyring (cardctl org import, term new, batch mint), voids one, derives real codes with `cardctl code derive`, starts cardd on a
# free loopback port with a small per-IP rate limit, then tests/page_driver.py drives headless
# Chromium: it types codes and accounts with real key events, clicks, and reads the result from
# the DOM (success with term and 50 元, repeated, already redeemed, typo, malformed, invalid,
# void, database away, rate limited; the ?code= prefill and the grouping of messy input).  Afterwards the
# database must hold exactly the one redemption the browser made, and cardd's log no code.
#
# Skips (exit 77, saying why) only when Chromium, chromedriver or Selenium is not installed.
set -euo pipefail
. "$top_srcdir/tests/lib.sh"

skip() { echo "SKIP: $*"; exit 77; }
command -v chromium >/dev/null || skip "chromium is not installed (Debian package chromium)"
command -v chromedriver >/dev/null || skip "chromedriver is not installed (Debian package chromium-driver)"
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import selenium' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || skip "Selenium for Python is not installed (Debian package python3-selenium)"

CARDD="$top_builddir/daemon/cardd"
[ -x "$CARDD" ] || { echo "not ok - $CARDD is not built"; exit 1; }

# Data: the city, a term, a minted batch of 20 cards under key 0, and its 4th card voided
# (replaced).  Voiding is `cardctl replace` (workflow part 2); until then the test writes the
# void record as that command does, with its document.
"$CARDCTL" db migrate >/dev/null
"$CARDCTL" key new --keyring "$T/keyring" --id 0 --label page-test >/dev/null
"$CARDCTL" key new --keyring "$T/other" --id 0 --label forger >/dev/null
printf 'code,name,kind,parent\nC,市教育资源中心,city,\n' >"$T/org.csv"
"$CARDCTL" org import "$T/org.csv" >/dev/null
"$CARDCTL" term new 2026-autumn --start 2026-09-01 >/dev/null
"$CARDCTL" --json batch mint --term 2026-autumn --count 20 --keyring "$T/keyring" --key-id 0 >"$T/batch.json"
S=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["first_serial"])' "$T/batch.json")
psql -q -v ON_ERROR_STOP=1 -X >/dev/null <<SQL
INSERT INTO card.document (id, kind, term) VALUES ('00000000-0000-4000-8000-000000000002', 'replacement', '2026-autumn');
INSERT INTO card.void (serial, doc, reason) VALUES ($S + 3, '00000000-0000-4000-8000-000000000002', 'defective print');
SQL

"$CARDCTL" code derive --keyring "$T/keyring" --key-id 0 --serial "$S" --count 4 >"$T/codes"
"$CARDCTL" code derive --keyring "$T/other" --key-id 0 --serial $((S + 4)) >"$T/forged"
code() { awk -v s="$1" '$1 + 0 == s { print $2 }' "$T/codes"; }
c0=$(code "$S") c1=$(code $((S + 1))) c2=$(code $((S + 2))) cvoid=$(code $((S + 3)))
cforged=$(awk '{ print $2 }' "$T/forged")
[ -n "$c0" ] && [ -n "$cvoid" ] && [ -n "$cforged" ] || { echo "not ok - cardctl code derive"; cat "$T/codes"; exit 1; }
# A typo: the 7th character of c1 replaced by another symbol (the check symbol catches every
# single substitution).
r=Z; [ "${c1:6:1}" != Z ] || r=Y
ctypo=${c1:0:6}$r${c1:7}

PORT=$(free_port)
cat >"$T/cardd.conf" <<CONF
# page_browser.sh: a small per-IP budget so the browser reaches 429; no per-account limit,
# since one account makes every attempt here.
listen = 127.0.0.1:$PORT
keyring = $T/keyring
foreground = yes
ip_rate = 0.05
ip_burst = 12
account_rate = 0
CONF
chmod 600 "$T/keyring"
"$CARDD" -c "$T/cardd.conf" >"$T/cardd.log" 2>&1 &
CARDD_PID=$!
trap 'kill "$CARDD_PID" 2>/dev/null; wait "$CARDD_PID" 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 100); do
	curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
	kill -0 "$CARDD_PID" 2>/dev/null || { echo "not ok - cardd exited"; cat "$T/cardd.log"; exit 1; }
	sleep 0.1
done
curl -fsS -o "$T/page.html" "http://127.0.0.1:$PORT/" && cmp -s "$T/page.html" "$top_srcdir/daemon/page.html" \
	&& ok "GET / serves daemon/page.html" || bad "GET / does not serve daemon/page.html"

ACCOUNT="stu-$$"
cat >"$T/run.json" <<JSON
{"base": "http://127.0.0.1:$PORT/", "term": "2026-autumn", "account": "$ACCOUNT",
 "fresh": ["$c0", "$c1", "$c2"], "void": "$cvoid", "invalid": "$cforged", "typo": "$ctypo",
 "rate": true, "pgctl": "$CARD_TEST_PGCTL", "shots": "${CARD_PAGE_SHOTS:-}"}
JSON
set +e
"$PY" "$top_srcdir/tests/page_driver.py" "$T/run.json" >"$T/browser.out" 2>"$T/browser.err"
rc=$?
set -e
grep -v '^[0-9]* passed, [0-9]* failed$' "$T/browser.out" || true
[ "$rc" = 0 ] || cat "$T/browser.err" >&2
pass=$((pass + $(grep -c '^ok - ' "$T/browser.out" || true)))
fail=$((fail + $(grep -c '^not ok - ' "$T/browser.out" || true)))
[ "$rc" = 0 ] || [ "$fail" -gt 0 ] || bad "page_driver.py exited $rc"

# The database holds exactly what the browser did: the first card for $ACCOUNT, nothing else.
got=$(psql -XAtc "SELECT string_agg(serial || ':' || account, ',' ORDER BY serial) FROM card.redemption")
[ "$got" = "$S:$ACCOUNT" ] && ok "one redemption, serial $S for the browser's account" \
	|| bad "redemptions are \"$got\", wanted \"$S:$ACCOUNT\""
# No code in cardd's log, in any form.
leak=0
for c in "$c0" "$c1" "$c2" "$cvoid" "$cforged" "$ctypo"; do
	s=${c//-/}
	grep -qiF -e "$c" -e "$s" -e "${s:0:8}" "$T/cardd.log" && leak=1
done
[ "$leak" = 0 ] && ok "cardd's log holds no code" || bad "cardd's log holds a code"
finish
