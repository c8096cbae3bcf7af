#!/usr/bin/env bash
# workflow_loss.sh -- a card lost in transit.  Part 1's term (tests/workflow_term.sh, run first
# and unchanged) leaves D2's box one card short: the receipt counted 130 of 131 and the 131st
# card stays in transit under the shipment.  The city writes it off with `cardctl ship lost`:
# the card is void (never redeemable), nothing is in transit any more, and the books balance.
. "$top_srcdir/tests/workflow_term.sh"
. "$top_srcdir/tests/reconcile_lib.sh"
C=$CARDCTL
AUDIT_TERM=$TERM
echo "# a card lost in transit, term $TERM"
LOST=$(q "SELECT lower(serials) FROM card.holding WHERE state = 'transit' AND doc = '$S_D2'")
expect_eq 1 "$(q "SELECT count(*) FROM card.holding WHERE state = 'transit'")" "ranges in transit after part 1"
expect_eq 1 "$(balance D2 transit)" "D2's cards in transit"

# Refused, nothing changed: no reason; not a shipment id; a shipment with nothing in transit;
# a shipment not received yet; a district login.
reject 1 '--reason TEXT is required' "a loss without a reason" "$C" ship lost "$S_D2"
reject 1 'wants one SHIPMENT' "a loss without a shipment" "$C" ship lost --reason 丢失
reject 2 'is not a shipment id' "a loss of no shipment" "$C" ship lost 12345 --reason 丢失
reject 2 'nothing is lost' "a loss of a shipment received in full" "$C" ship lost "$S_D1" --reason 丢失
reject 2 'does not exist' "a loss of an unknown shipment" \
	"$C" ship lost 00000000-0000-4000-8000-000000000000 --reason 丢失
RES=$(q "SELECT lower(serials) FROM card.holding WHERE org = 'C' AND state = 'stock' ORDER BY 1 LIMIT 1")
ship --to D1 --serials "$RES-$RES"; S_NEW=$SHIP
reject 2 'is not received yet' "a loss of a shipment not received" "$C" ship lost "$S_NEW" --reason 丢失
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
CREATE ROLE wf_d2 LOGIN IN ROLE card_district;
INSERT INTO card.district_login (role, district) VALUES ('wf_d2', 'D2');
SQL
reject 2 'permission denied' "a district writing off its own shipment" \
	env PGUSER=wf_d2 "$C" ship lost "$S_D2" --reason 丢失

# The write-off.
expect_status 0 "$C" --json ship lost "$S_D2" --reason "快递丢失一张,已与快递公司核实"
jexpect "$T/out" "[(x['org'], x['count'], x['first_serial'], x['last_serial']) for x in d['ranges']]" \
	"[('D2', 1, $LOST, $LOST)]"
LOSS_DOC=$(jget "$T/out" "d['document']")
expect_eq 0 "$(balance D2 transit)" "D2's cards in transit after the loss"
expect_eq 1 "$(balance D2 void)" "D2's void cards"
expect_eq "void" "$(q "SELECT state FROM card.card_show($LOST)")" "the lost card's state"
expect_eq "$LOSS_DOC" "$(q "SELECT doc FROM card.void WHERE serial = $LOST")" "the void's document"
expect_eq "transit_loss" "$(q "SELECT kind FROM card.document WHERE id = '$LOSS_DOC'")" "the document's kind"
expect_status 0 "$C" card show "$LOST"
expect_grep 'void' "$T/out"
audit_ok "after the loss"
# Once only: nothing of the shipment is in transit now.
reject 2 'nothing is lost' "a second loss of the same shipment" "$C" ship lost "$S_D2" --reason 丢失

# A box of 4 reserve cards to D1 arrives with 1; of the 3 lost, somebody redeemed the middle one
# before the write-off.  It cannot be voided (it stays in transit, listed); the other two are.
R=$(q "SELECT lower(serials) FROM card.holding WHERE org = 'C' AND state = 'stock' ORDER BY 1 LIMIT 1")
ship --to D1 --serials "$R-$((R + 3))"; S_BOX=$SHIP
receive "$S_BOX" --count 1
KEY=$(q "SELECT key_id FROM card.batch WHERE serials @> $((R + 2))::bigint")
expect_eq redeemed "$(q "SELECT outcome FROM card.redeem_many(ARRAY[$((R + 2))]::bigint[], ARRAY[$KEY], ARRAY['finder'])")" \
	"a lost card redeemed by whoever found it"
expect_status 0 "$C" --json ship lost "$S_BOX" --reason "快递丢失三张"
jexpect "$T/out" "[(x['state'], x['count'], x['first_serial']) for x in d['ranges']]" \
	"[('void', 1, $((R + 1))), ('redeemed', 1, $((R + 2))), ('void', 1, $((R + 3)))]"
expect_eq "void transit void" "$(q "SELECT string_agg(state, ' ' ORDER BY serial) FROM (SELECT s AS serial, (SELECT state FROM card.card_show(s)) FROM generate_series($((R + 1)), $((R + 3))) s) x")" \
	"the three lost cards"
audit_ok "after a loss with a redeemed card"
reject 2 'is recorded already' "a second loss of the box" "$C" ship lost "$S_BOX" --reason 丢失
# A box of 2 that arrives with 1, the lost one redeemed: nothing can be voided, nothing changes.
R=$(q "SELECT lower(serials) FROM card.holding WHERE org = 'C' AND state = 'stock' ORDER BY 1 LIMIT 1")
ship --to D1 --serials "$R-$((R + 1))"; S_TWO=$SHIP
receive "$S_TWO" --count 1
q "SELECT outcome FROM card.redeem_many(ARRAY[$((R + 1))]::bigint[], ARRAY[$KEY], ARRAY['finder'])" >/dev/null
reject 2 'was redeemed: none can be voided' "a loss whose every lost card was redeemed" \
	"$C" ship lost "$S_TWO" --reason 丢失
audit_ok "at the end"
finish
