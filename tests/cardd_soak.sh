#!/usr/bin/env bash
# cardd_soak.sh -- bench/soak.py against a real cardd and PostgreSQL: mixed traffic (valid
# redemptions, repeats, typos, forged codes from many addresses, the feed, help-desk lookups,
# slow clients) for SOAK_SECONDS (default 30; `make soak` runs 600), a report every 10 s, then:
# no forged code accepted, no acknowledged redemption lost, none doubled, the books balance,
# and cardd's RSS did not grow.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/cardd_lib.sh"
SOAK_SECONDS=${SOAK_SECONDS:-30}
cardd_setup
"$CARDCTL" code derive --keyring "$T/other" --key-id 1 --serial 1 --count 2000 >"$T/forged"
sed -n '1,90000p' "$T/codes" | grep -v "^$VOID_SERIAL " >"$T/soak.codes"
PLAT=$("$CARDCTL" token new --role platform --label soak)
HELP=$("$CARDCTL" token new --role helpdesk --label soak)
# AddressSanitizer keeps freed memory in a quarantine (256 MB by default) that would read as
# growth: keep it small so the RSS check means something in a sanitizer build too.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
cardd_start trusted_proxies=127.0.0.1 log_requests=no request_timeout=5
if python3 "$top_srcdir/bench/soak.py" "$URL" "$CARDD_PID" "$T/soak.codes" "$T/forged" "$PLAT" "$HELP" \
	"$SOAK_SECONDS" "$T/soak.acked" | tee "$T/soak.log"; then
	ok "soak: ${SOAK_SECONDS}s of mixed traffic, no problem"
else
	bad "soak: $(grep PROBLEM "$T/soak.log" | head -5 | tr '\n' ' ')"
fi
awk '{print $1 + 0, $2}' "$T/soak.acked" | sort >"$T/acked"
psql -Atc "SELECT serial || ' ' || account FROM card.redemption" | sort >"$T/indb"
[ -s "$T/acked" ] && [ "$(comm -23 "$T/acked" "$T/indb" | wc -l)" = 0 ] && ok "soak: every one of $(wc -l <"$T/acked") acknowledged redemptions is in the database" || bad "soak: acknowledged redemptions lost: $(comm -23 "$T/acked" "$T/indb" | head -3 | tr '\n' ' ')"
[ "$(psql -Atc 'SELECT count(*) - count(DISTINCT serial) FROM card.redemption')" = 0 ] && ok "soak: no card redeemed twice" || bad "soak: a card redeemed twice"
[ "$(psql -Atc "SELECT count(*) FROM card.redemption WHERE account LIKE 'f-%'")" = 0 ] && ok "soak: no forged code redeemed" || bad "soak: forged codes redeemed"
audit_ok soak
cardd_stop
finish
