# reconcile_lib.sh -- helpers of the workflow part 2 tests (sourced after lib.sh).
#
# q SQL          run SQL as the superuser, print the bare result (psql -tAq).
# at DATE CMD    run CMD on the bureau's day DATE: the drill day (cardctl db today --set, as the
#                database owner, i.e. the test's superuser), cleared after CMD; e.g.
#                at 2026-09-05 "$CARDCTL" transfer ...
# digest         one md5 over every table a workflow step can change: "nothing changed" is
#                digest before = digest after.
# audit_ok WHAT  the books balance: `cardctl audit` when the store provides it, else the same
#                core checks in SQL (minted = held, each serial once, voids held void, no
#                negative holder); counts a pass or a failure.
# expect_unchanged_status N CMD...  CMD exits N and the digest is unchanged.
# ship_recv DATE SHIP-ARGS...  ship in term $TERM_ and sign the receipt the same day (signer
#                "签收人", photo $T/receipt.png).
q() { psql -X -v ON_ERROR_STOP=1 -tAq -c "$1"; }
at() {
	local d=$1 rc=0; shift
	"$CARDCTL" db today --set "$d" >/dev/null || { echo "at: could not set the day $d" >&2; return 3; }
	"$@" || rc=$?
	"$CARDCTL" db today --clear >/dev/null
	return $rc
}

DIGEST_TABLES="document holding ledger void redemption transfer adjust_report adjust_line settlement settle_order card_return supplement replacement charge term final_report shipment receipt distribution census plan"
digest() {
	local sql="" t
	for t in $DIGEST_TABLES; do
		sql="$sql || (SELECT coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '-') FROM card.$t x)"
	done
	q "SELECT md5(''${sql})"
}

audit_sql() {
	q "SELECT (SELECT coalesce(sum(card_count), 0) FROM card.batch WHERE term = '$1')
	        = (SELECT coalesce(sum(upper(serials) - lower(serials)), 0) FROM card.holding WHERE term = '$1')
	   AND (SELECT coalesce(range_agg(serials), '{}') FROM card.batch WHERE term = '$1')
	        = (SELECT coalesce(range_agg(serials), '{}') FROM card.holding WHERE term = '$1')
	   AND (SELECT count(*) FROM card.void v JOIN card.batch b ON b.serials @> v.serial AND b.term = '$1')
	        = (SELECT coalesce(sum(upper(serials) - lower(serials)), 0) FROM card.holding WHERE term = '$1' AND state = 'void')
	   AND NOT EXISTS (SELECT 1 FROM card.void v JOIN card.batch b ON b.serials @> v.serial AND b.term = '$1'
	                   WHERE NOT EXISTS (SELECT 1 FROM card.holding h WHERE h.state = 'void' AND h.serials @> v.serial))
	   AND NOT EXISTS (SELECT 1 FROM card.redemption r JOIN card.void v ON v.serial = r.serial)"
}

HAVE_AUDIT=$("$CARDCTL" audit --help >/dev/null 2>&1 && echo 1 || echo 0)
audit_ok() {
	local term=${AUDIT_TERM:-2026-autumn}
	if [ "$HAVE_AUDIT" = 1 ]; then
		if "$CARDCTL" audit --term "$term" >"$T/audit" 2>&1; then ok "audit balances: $1"; else bad "audit: $1"; cat "$T/audit" >&2; fi
	else
		if [ "$(audit_sql "$term")" = t ]; then ok "books balance (SQL audit): $1"; else bad "books do not balance: $1"; fi
	fi
}

expect_unchanged_status() {
	local before after
	before=$(digest)
	expect_status "$@"
	after=$(digest)
	if [ "$before" = "$after" ]; then ok "nothing changed: ${*:2:3}"; else bad "the database changed: ${*:2:3}"; fi
}

# balance ORG STATE: how many cards the holder has in the term.
balance() { q "SELECT card.balance('${AUDIT_TERM:-2026-autumn}', '$1', '$2')"; }
# expect_eq WANT GOT WHAT
expect_eq() { if [ "$1" = "$2" ]; then ok "$3 = $1"; else bad "$3: got '$2', wanted '$1'"; fi; }

ship_recv() {
	local d=$1 sid; shift
	at "$d" "$CARDCTL" --json ship --term "$TERM_" "$@" >"$T/ship.json"
	sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["shipment"])' "$T/ship.json")
	at "$d" "$CARDCTL" receive "$sid" --signer "签收人" --date "$d" --photo "$T/receipt.png" >/dev/null
}
