#!/usr/bin/env bash
# cardctl_audit.sh -- cardctl audit and card show against a real database: balanced books,
# JSON output, tampering caught (exit 2), usage errors.
. "$top_srcdir/tests/lib.sh"
PSQL=("$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -At)
expect_status 0 "$CARDCTL" db migrate
"${PSQL[@]}" <<'SQL'
INSERT INTO card.org (code, name, kind, parent, district) VALUES
  ('C', '市', 'city', NULL, NULL), ('D1', '一区', 'district', 'C', 'D1'), ('S1', '一中', 'school', 'D1', 'D1');
INSERT INTO card.term (code, start_date, census_due) VALUES ('2026-autumn', '2026-09-01', '2026-06-25');
INSERT INTO card.document (id, kind, term) VALUES
  ('11111111-1111-4111-8111-111111111111', 'batch', '2026-autumn'),
  ('22222222-2222-4222-8222-222222222222', 'shipment', '2026-autumn');
INSERT INTO card.batch (id, term, key_id, first_serial, card_count)
  VALUES ('11111111-1111-4111-8111-111111111111', '2026-autumn', 1, 1000, 500);
INSERT INTO card.holding VALUES ('[1000,1500)', '2026-autumn', 'C', 'stock', NULL);
INSERT INTO card.ledger (term, doc, kind, to_org, to_state, serials)
  VALUES ('2026-autumn', '11111111-1111-4111-8111-111111111111', 'mint', 'C', 'stock', '[1000,1500)');
SELECT card.move('2026-autumn', '22222222-2222-4222-8222-222222222222', 'shipment', 'C', 'stock', 'S1', 'stock', '[1000,1100)');
SELECT count(*) FROM card.redeem_many('{1010}', '{1}', '{stu-1}');
SQL
expect_status 0 "$CARDCTL" audit
expect_grep "the books balance" "$T/out"
expect_grep "city_stock *400" "$T/out"
expect_grep "school_stock *100" "$T/out"
expect_status 0 "$CARDCTL" audit --term 2026-autumn --json
expect_grep '"balanced": true' "$T/out"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" && ok "audit --json parses" || bad "audit --json is not JSON"
expect_status 2 "$CARDCTL" audit --term 1999-spring
expect_grep 'no term' "$T/err"
expect_status 1 "$CARDCTL" audit --bogus

expect_status 0 "$CARDCTL" card show 1010
expect_grep "holder *S1 (stock)" "$T/out"
expect_grep "by stu-1" "$T/out"
expect_status 0 "$CARDCTL" card show --json 1010
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["redemption"]["account"]=="stu-1" and len(d["moves"])==2' "$T/out" \
	&& ok "card show --json" || bad "card show --json"
expect_status 2 "$CARDCTL" card show 999999
expect_grep "no card 0000000999999" "$T/err"
expect_status 1 "$CARDCTL" card show 12x
expect_status 1 "$CARDCTL" card show

# Tampering: a holding row changed behind the library's back.
"${PSQL[@]}" -c "UPDATE card.holding SET org = 'D1' WHERE org = 'S1'"
expect_status 2 "$CARDCTL" audit
expect_grep "ledger_replay.*MISMATCH" "$T/out"
expect_grep "the books do NOT balance" "$T/out"
"${PSQL[@]}" -c "UPDATE card.holding SET org = 'S1' WHERE org = 'D1'"
expect_status 0 "$CARDCTL" audit
# A ledger row edited with the append-only trigger disabled.
"${PSQL[@]}" -c "ALTER TABLE card.ledger DISABLE TRIGGER ledger_append_only" \
	-c "UPDATE card.ledger SET actor = 'someone' WHERE kind = 'shipment'"
expect_status 2 "$CARDCTL" audit --json
expect_grep '"balanced": false' "$T/out"
expect_grep 'does not match its hash' "$T/out"
finish
