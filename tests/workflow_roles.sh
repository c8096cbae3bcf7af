#!/usr/bin/env bash
# workflow_roles.sh -- district users see and change only their own district in workflow
# part 1 (sql/migrations/0001_baseline.sql), with real logins: a district centre runs its census,
# receives, ships to its schools and distributes; it cannot touch another district, the plan
# or city stock.  The city login runs the rest.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/workflow_lib.sh"
setup_city
KR=$T/keyring
"$CARDCTL" key new --keyring "$KR" --id 1 >/dev/null
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
CREATE ROLE wf_city LOGIN IN ROLE card_city;
CREATE ROLE wf_d1 LOGIN IN ROLE card_district;
INSERT INTO card.district_login (role, district) VALUES ('wf_d1', 'D1');
SQL
as_city() { PGUSER=wf_city "$@"; }
as_d1() { PGUSER=wf_d1 "$@"; }

census_d1 >"$T/d1.csv"
census_d2 >"$T/d2.csv"
census_d3 >"$T/d3.csv"
census_dz >"$T/dz.csv"
expect_status 0 as_d1 "$CARDCTL" census import --term "$TERM" --district D1 "$T/d1.csv"
# Without --district the district follows from the file (re-importing replaces the draft).
expect_status 0 as_d1 "$CARDCTL" census import --term "$TERM" "$T/d1.csv"
reject 2 'permission denied: this step is for district "D2"' "a district importing another district's census, no --district" \
	as_d1 "$CARDCTL" census import --term "$TERM" "$T/d2.csv"
# A login for two districts imports one district's census at a time (the census document
# belongs to one district).
psql -qX -v ON_ERROR_STOP=1 -c "CREATE ROLE wf_d12 LOGIN IN ROLE card_district" \
	-c "INSERT INTO card.district_login (role, district) VALUES ('wf_d12', 'D1'), ('wf_d12', 'D2')"
{ grep -v '^合计' "$T/d1.csv"; tail -n +2 "$T/d2.csv" | grep -v '^合计'; } >"$T/d12.csv"
reject 2 "imports one district's census at a time" "a two-district login importing both in one file" \
	env PGUSER=wf_d12 "$CARDCTL" census import --term "$TERM" "$T/d12.csv"
reject 2 'permission denied' "a district importing another district's census" \
	as_d1 "$CARDCTL" census import --term "$TERM" --district D2 "$T/d2.csv"
expect_status 0 as_d1 "$CARDCTL" census submit --term "$TERM" --district D1
expect_status 0 as_d1 "$CARDCTL" census approve --term "$TERM" --district D1 --approver 张 --explain S103=新生
for d in D2 DZ; do
	expect_status 0 as_city "$CARDCTL" census import --term "$TERM" --district $d "$T/$(tr A-Z a-z <<<"$d").csv"
done
expect_status 0 as_city "$CARDCTL" census import --term "$TERM" "$T/d3.csv"
reject 2 'permission denied' "a district submitting another district's census" \
	as_d1 "$CARDCTL" census submit --term "$TERM" --district D2
for d in D2 D3 DZ; do
	expect_status 0 as_city "$CARDCTL" census submit --term "$TERM" --district $d
	expect_status 0 as_city "$CARDCTL" census approve --term "$TERM" --district $d --approver 李
done
expect_status 0 as_d1 "$CARDCTL" --json census show --term "$TERM"
jexpect "$T/out" "[x['district'] for x in d['districts']]" "['D1']"
reject 2 'permission denied' "a district reopening a census" \
	as_d1 "$CARDCTL" census reopen --term "$TERM" --district D1
reject 2 'permission denied' "a district making the plan" \
	as_d1 "$CARDCTL" plan make --term "$TERM"
expect_status 0 as_city "$CARDCTL" plan make --term "$TERM" --reserve 2
reject 2 'permission denied' "a district minting the plan" \
	as_d1 "$CARDCTL" batch mint --term "$TERM" --plan --keyring "$KR" --key-id 1
expect_status 0 as_city "$CARDCTL" batch mint --term "$TERM" --plan --keyring "$KR" --key-id 1
expect_status 0 as_d1 "$CARDCTL" --json plan show --term "$TERM"
jexpect "$T/out" "[l['org'] for l in d['lines']]" "['D1']"

# Delivery.
reject 2 'permission denied' "a district shipping from city stock" \
	as_d1 "$CARDCTL" ship --term "$TERM" --to D1 --count 10
expect_status 0 as_city "$CARDCTL" --json ship --term "$TERM" --to D1 --count 259
S1=$(jget "$T/out" "d['shipment']")
expect_status 0 as_city "$CARDCTL" --json ship --term "$TERM" --to D2 --count 131
S2=$(jget "$T/out" "d['shipment']")
reject 2 'does not exist' "a district receiving another district's shipment" \
	as_d1 "$CARDCTL" receive "$S2" --signer 王 --date "$TODAY" --photo "$T/receipt.png"
expect_status 0 as_d1 "$CARDCTL" receive "$S1" --signer 王 --date "$TODAY" --photo "$T/receipt.png"
expect_status 0 as_d1 "$CARDCTL" --json ship --term "$TERM" --from D1 --to S101 --count 84
S3=$(jget "$T/out" "d['shipment']")
reject 2 'permission denied' "a district shipping from another district's depot" \
	as_d1 "$CARDCTL" ship --term "$TERM" --from D2 --to S201 --count 1
expect_status 0 as_d1 "$CARDCTL" receive "$S3" --signer 校长 --date "$TODAY" --photo "$T/receipt.png"
expect_status 0 as_d1 "$CARDCTL" distribute --term "$TERM" --school S101 --count 84
reject 2 'permission denied' "a district distributing at another district's school" \
	as_d1 "$CARDCTL" distribute --term "$TERM" --school S201 --count 1
expect_status 0 as_d1 "$CARDCTL" ship list --term "$TERM" --json
jexpect "$T/out" "sorted(s['to_org'] for s in d)" "['D1', 'S101']"
expect_status 0 as_d1 "$CARDCTL" --json status --term "$TERM" --district D1
jexpect "$T/out" "[(o['org'], o['stock'], o['distributed']) for o in d['orgs']][:2]" "[('D1', 175, 0), ('S101', 0, 84)]"
expect_status 0 as_d1 "$CARDCTL" --json status --term "$TERM" --district D2
jexpect "$T/out" "d['totals']['transit'], [o['planned'] for o in d['orgs']][0]" "(0, None)"
# card show: a district's help desk sees the cards its district holds, and no other card.
sql1() { psql -XAtq -c "$1"; }
AT_S101=$(sql1 "SELECT lower(serials) FROM card.holding WHERE org = 'S101' ORDER BY 1 LIMIT 1")
AT_D2=$(sql1 "SELECT lower(serials) FROM card.holding WHERE org = 'D2' ORDER BY 1 LIMIT 1")
AT_C=$(sql1 "SELECT lower(serials) FROM card.holding WHERE org = 'C' ORDER BY 1 LIMIT 1")
expect_status 0 as_d1 "$CARDCTL" --json card show "$AT_S101"
# six moves: minted, shipped to D1, received, shipped to S101, received, handed out
jexpect "$T/out" "d['holder']['org'], d['holder']['state'], len(d['moves'])" "('S101', 'distributed', 6)"
reject 2 'no card' "a district looking up a card in transit to another district" \
	as_d1 "$CARDCTL" card show "$AT_D2"
reject 2 'no card' "a district looking up a card in city stock" \
	as_d1 "$CARDCTL" card show "$AT_C"
expect_status 0 as_city "$CARDCTL" --json card show "$AT_D2"
jexpect "$T/out" "d['holder']['org'], d['holder']['state']" "('D2', 'transit')"
audit_ok
finish
