#!/usr/bin/env bash
# cardctl_reconcile.sh -- end-to-end: one term of a small city through the reconciliation
# (workflow part 2): self-adjustment, Annex 4 filing and approval, the city's settlement with
# returns and supplements, a replacement, the close, the charges and the reports.  Every figure
# is checked against the hand calculation in the comments; the books must balance after every
# step; every refused step must change nothing.
#
# The term starts like part 1's end-to-end test (org, census, plan, mint, delivery with
# receipts, distribution).  Steps whose commands are not on this branch yet are done with the
# same ledger moves in SQL (setup_* below).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/reconcile_lib.sh"
C=$CARDCTL
TERM_=2026-autumn
"$C" db migrate >/dev/null

# --- The city (part 1: org import, term, census, plan, mint, ship/receive, distribute) --
# City C; districts D1 (schools S11 S12 S13), D2 (S21 S22), D3 (S31).  S = 2026-09-01.
printf '\xef\xbb\xbf编码,名称,类型,上级编码\r\nC,示范市教育局,市,\r\nD1,东城区,区,C\r\nD2,西城区,区,C\r\nD3,高新区,区,C\r\n' >"$T/orgs.csv"
printf 'S11,东城一小,校,D1\r\nS12,东城二小,校,D1\r\nS13,东城中学,校,D1\r\nS21,西城一小,校,D2\r\nS22,西城中学,校,D2\r\nS31,高新实验学校,校,D3\r\n' >>"$T/orgs.csv"
expect_status 0 "$C" org import "$T/orgs.csv"
expect_status 0 "$C" term new $TERM_ --start 2026-09-01 --census-due 2026-06-25
KR=$T/keyring
"$C" key new --keyring "$KR" --id 1 --label $TERM_ >/dev/null
cp "$top_srcdir/tests/data/receipt.png" "$T/receipt.png"
cp "$top_srcdir/tests/data/receipt.jpg" "$T/receipt.jpg"
printf 'this is not a photo\n' >"$T/fake.png"

# Census (Annex 2), students + teachers = planned cards per school:
#   S11 90+10=100  S12 72+8=80  S13 45+5=50  -> D1 230
#   S21 108+12=120 S22 54+6=60              -> D2 180
#   S31 36+4=40                             -> D3 40      total 450, reserve 10 (2.2 % rounded up)
cat >"$T/census.csv" <<'EOF2'
unit,category,grade,count,textbooks
S11,student,1,90,90
S11,teacher,,10,
S12,student,1,72,72
S12,teacher,,8,
S13,student,7,45,45
S13,teacher,,5,
S21,student,1,108,108
S21,teacher,,12,
S22,student,7,54,54
S22,teacher,,6,
S31,student,1,36,36
S31,teacher,,4,
EOF2
expect_status 0 at 2026-06-20 "$C" census import --term $TERM_ "$T/census.csv"
for d in D1 D2 D3; do
	at 2026-06-22 "$C" census submit --term $TERM_ --district $d >/dev/null
	at 2026-06-23 "$C" census approve --term $TERM_ --district $d --approver "局长" >/dev/null
done
expect_status 0 "$C" plan make --term $TERM_ --reserve 2.2
expect_eq 460 "$(q "SELECT sum(total) FROM card.plan_line WHERE term = '$TERM_'")" "plan total (450 + reserve 10)"
# Mint 460 cards: D1 1-230, D2 231-410, D3 411-450, the reserve 451-460.
expect_status 0 "$C" batch mint --term $TERM_ --plan --keyring "$KR" --key-id 1
# Delivery on 2026-08-24 (S-8): the city ships each district its plan, the district each school.
ship_recv 2026-08-24 --to D1 --count 230
ship_recv 2026-08-24 --to D2 --count 180
ship_recv 2026-08-24 --to D3 --count 40
for s in D1:S11:100 D1:S12:80 D1:S13:50 D2:S21:120 D2:S22:60 D3:S31:40; do
	IFS=: read -r from to n <<<"$s"
	ship_recv 2026-08-25 --from "$from" --to "$to" --count "$n"
done
audit_ok "after delivery"
# distribute SCHOOL N: cards handed out (part 1's cardctl distribute, on 2026-09-07).
setup_distribute() {
	if at 2026-09-25 "$C" distribute --term $TERM_ --school "$1" --count "$2" --date "${3:-2026-09-07}" >"$T/dist.out" 2>&1; then
		ok "distribute $2 at $1"; else bad "distribute $2 at $1"; cat "$T/dist.out" >&2; fi
}
# Serials (lowest first): S11 1-100, S12 101-180, S13 181-230, S21 231-350, S22 351-410,
# S31 411-450, city 451-460.
expect_eq 10 "$(balance C stock)" "city stock after delivery (460 - 450)"
expect_eq 0 "$(balance D1 stock)" "D1 depot after delivery"

# Distribution by S+7.  Students moved over the summer:
#   S11 hands out 92 (8 left the school)    stock 8
#   S12 hands out 80, needs 85              stock 0, short 5
#   S13 hands out 50                        stock 0
#   S21 hands out 110                       stock 10
#   S22 hands out 60, needs 66              stock 0, short 6
#   S31 hands out 40, needs 60              stock 0, short 20
for s in S11:92 S12:80 S13:50 S21:110 S22:60 S31:40; do setup_distribute "${s%:*}" "${s#*:}"; done
audit_ok "after distribution"

# --- Self-adjustment (window: delivery S-7 + 7 = 2026-09-01) ---------------------------
expect_status 0 at 2026-08-30 "$C" transfer --term $TERM_ --from S11 --to S12 --count 3
expect_grep "document [0-9a-f-]\{36\}" "$T/out"
expect_grep "ranges *93-95" "$T/out"          # S11's lowest stock serials: 93..100
setup_distribute S12 3                          # S12: 83 handed out, short 2; S11 stock 5
# One more is refused, and the refusal says where its limit of 83 comes from.
expect_unchanged_status 2 at 2026-09-01 "$C" distribute --term $TERM_ --school S12 --count 1
expect_grep 'school "S12" would hand out 84 cards, more than its 80 students and teachers + 3 by transfer$' "$T/err"
expect_grep "83 cards are distributed already; it may hand out 83 in all (census 80 + 3 by transfer)." "$T/err"
audit_ok "after transfer S11 -> S12"
expect_eq 5 "$(balance S11 stock)" "S11 stock (8 - 3)"
expect_eq 0 "$(balance S12 stock)" "S12 stock (3 in, 3 handed out)"

# Refused: across districts (exit 2, nothing changed), after the window without a reason.
expect_unchanged_status 2 at 2026-08-30 "$C" transfer --term $TERM_ --from S21 --to S12 --count 1
expect_grep "different districts" "$T/err"
expect_unchanged_status 2 at 2026-09-05 "$C" transfer --term $TERM_ --from S21 --to S22 --count 4
expect_grep "window of term \"$TERM_\" closed on 2026-09-01" "$T/err"
expect_unchanged_status 2 at 2026-08-30 "$C" transfer --term $TERM_ --from S13 --to S11 --count 1
expect_grep "S13 (stock) holds 0 cards" "$T/err"
expect_unchanged_status 1 "$C" transfer --term $TERM_ --from S11 --to S12 --count -2
# A district login (0230_roles) acts only for its own district.
q "CREATE ROLE d1user LOGIN IN ROLE card_district; INSERT INTO card.district_login (role, district) VALUES ('d1user', 'D1')"
expect_unchanged_status 2 env PGUSER=d1user "$C" transfer --term $TERM_ --from S21 --to S22 --count 1
expect_grep "permission denied for district \"D2\"" "$T/err"
# Late, with a reason (recorded): S21 -> S22 4 cards; S22 hands them out (64), short 2.
expect_status 0 at 2026-09-05 "$C" transfer --term $TERM_ --from S21 --to S22 --count 4 --late "插班生晚报到"
expect_grep "late *yes" "$T/out"
setup_distribute S22 4
expect_eq "true|插班生晚报到" "$(q "SELECT late || '|' || late_reason FROM card.transfer WHERE from_school = 'S21'")" "late transfer recorded"
audit_ok "after late transfer S21 -> S22"

# --- Annex 4 by S+14 = 2026-09-15 ------------------------------------------------------
# D1: S11 surplus 5 (moved away), S12 short 2, S13 even.  D2: S21 surplus 6, S22 short 2.
# D3 (filed late on 09-16): S31 short 20.
printf '学校编码,余,缺,原因\nS11,5,,学生转出\nS12,,2,插班生\nS13,0,0,\n' >"$T/d1.csv"
printf 'school,surplus,shortage,reason\nS21,6,,students left\nS22,,2,late enrolment\n' >"$T/d2.csv"
printf 'school,surplus,shortage,reason\nS31,,20,new classes\n' >"$T/d3.csv"
# Refused files: a missing reason; surplus above stock; both columns; another district's school.
printf 'school,surplus,shortage,reason\nS11,5,,\n' >"$T/bad1.csv"
expect_unchanged_status 2 at 2026-09-10 "$C" adjust file --term $TERM_ --district D1 "$T/bad1.csv"
expect_grep "line 2: the reason is missing for school \"S11\"" "$T/err"
printf 'school,surplus,shortage,reason\nS11,6,,x\nS12,1,1,y\nS21,1,,z\n' >"$T/bad2.csv"
expect_unchanged_status 2 at 2026-09-10 "$C" adjust file --term $TERM_ --district D1 "$T/bad2.csv"
expect_grep "surplus of 6 but holds 5 cards" "$T/err"
expect_grep "3 problems" "$T/err"
expect_grep "both a surplus and a shortage" "$T/err"
expect_grep "school \"S21\" is in district \"D2\"" "$T/err"
# 20 problems, with long school codes: every one listed in full, none cut.
{ printf 'school,surplus,shortage,reason\n'; for i in $(seq 1 20); do printf 'S9%02d东城区第一实验小学暨外国语学校附属初级中学东校区,1,,转出\n' "$i"; done; } >"$T/bad3.csv"
expect_unchanged_status 2 at 2026-09-10 "$C" adjust file --term $TERM_ --district D1 "$T/bad3.csv"
expect_grep "^cardctl: adjust file: 20 problems, nothing was filed:$" "$T/err"
expect_grep "^  line 21: unknown school \"S920东城区第一实验小学暨外国语学校附属初级中学东校区\"$" "$T/err"
expect_eq 20 "$(grep -c '^  line [0-9]*: unknown school' "$T/err")" "every one of the 20 problems listed"
# A draft, then re-filed (replaces it).
printf 'school,surplus,shortage,reason\nS11,4,,x\n' >"$T/d1draft.csv"
expect_status 0 at 2026-09-09 "$C" adjust file --term $TERM_ --district D1 "$T/d1draft.csv"
expect_status 0 at 2026-09-10 "$C" adjust file --term $TERM_ --district D1 "$T/d1.csv"
expect_grep "schools 3, surplus 5, shortage 2, due 2026-09-15" "$T/out"
expect_status 0 at 2026-09-11 "$C" adjust file --term $TERM_ --district D2 "$T/d2.csv"
expect_status 0 at 2026-09-16 "$C" adjust file --term $TERM_ --district D3 "$T/d3.csv"
expect_grep "filed as draft LATE" "$T/out"
expect_eq "D1|false|D2|false|D3|true" "$(q "SELECT string_agg(district || '|' || late, '|' ORDER BY district) FROM card.adjust_report")" "late flags of the reports"
# Settlement refused while drafts are unapproved.
expect_unchanged_status 2 at 2026-09-17 "$C" adjust settle --term $TERM_ --confirm
expect_grep "not every adjustment report is approved" "$T/err"
for d in D1 D2 D3; do expect_status 0 "$C" adjust approve --term $TERM_ --district $d --approver "王主任"; done
expect_unchanged_status 2 "$C" adjust approve --term $TERM_ --district D1 --approver "王主任"
expect_status 0 "$C" adjust show --term $TERM_ --json
expect_grep '"state": "approved"' "$T/out"
expect_eq "D1" "$(PGUSER=d1user q "SELECT string_agg(DISTINCT district, ',') FROM card.adjust_line")" "a district login sees only its own Annex 4 lines"
audit_ok "after Annex 4"

# --- The city's settlement by S+20 = 2026-09-21 -----------------------------------------
#   district surplus shortage internal return need   supplement (city 10 + returns 7 = 17)
#   D1       5       2        2        3      0      0
#   D2       6       2        2        4      0      0
#   D3       0       20       0        0      20     17, 3 uncovered
expect_status 0 at 2026-09-18 "$C" adjust settle --term $TERM_ --json
python3 - "$T/out" <<'EOF' && ok "proposal figures" || bad "proposal figures"
import json, sys
p = {r["district"]: r for r in json.load(open(sys.argv[1]))["proposal"]}
want = {"D1": (5, 2, 2, 3, 0, 0), "D2": (6, 2, 2, 4, 0, 0), "D3": (0, 20, 0, 0, 17, 3)}
for d, w in want.items():
    got = tuple(p[d][k] for k in ("surplus", "shortage", "internal", "return_count", "supplement_count", "uncovered"))
    assert got == w, (d, got, w)
assert "3 cannot be covered" in p["D3"]["note"], p["D3"]["note"]
EOF
expect_eq 0 "$(q "SELECT count(*) FROM card.settlement")" "a proposal records nothing"
expect_status 0 at 2026-09-18 "$C" adjust settle --term $TERM_
expect_grep "^settlement of term $TERM_ (proposal; --confirm records it):" "$T/out"
expect_status 0 at 2026-09-18 "$C" adjust settle --term $TERM_ --confirm
expect_grep "^settlement of term $TERM_:" "$T/out"
grep -q "proposal" "$T/out" && bad "settle --confirm still says proposal" || ok "settle --confirm does not say proposal"
grep -q 'NOTICE' "$T/err" && bad "a server NOTICE reached the clerk: $(head -1 "$T/err")" || ok "adjust settle: no server NOTICE on the terminal"
expect_grep "settlement recorded, document [0-9a-f-]\{36\}" "$T/out"
expect_eq "D1:return:3 D2:return:4 D3:supplement:17" "$(q "SELECT string_agg(district || ':' || kind || ':' || count, ' ' ORDER BY district) FROM card.settle_order")" "orders"
expect_unchanged_status 2 "$C" adjust settle --term $TERM_ --confirm

# Supplements: never more than the city holds (10 now), never more than ordered.
expect_unchanged_status 2 at 2026-09-19 "$C" supplement --term $TERM_ --to S31 --count 17 --signer "赵校长" --date 2026-09-19 --photo "$T/receipt.png"
expect_grep "a supplement of 17 is more than the city stock of 10" "$T/err"
expect_unchanged_status 2 at 2026-09-19 "$C" supplement --term $TERM_ --to S21 --count 1 --signer x --date 2026-09-19 --photo "$T/receipt.png"
expect_grep "ordered no supplement for district \"D2\"" "$T/err"
# The receipt of a supplement is taken as part 1's receive takes it: no photo, a text file
# named .png, no date or a date after today are refused and change nothing.
expect_unchanged_status 2 at 2026-09-19 "$C" supplement --term $TERM_ --to S31 --count 10 --signer "赵校长" --date 2026-09-19
expect_grep "no receipt without the photo of the signed receipt" "$T/err"
expect_unchanged_status 2 at 2026-09-19 "$C" supplement --term $TERM_ --to S31 --count 10 --signer "赵校长" --date 2026-09-19 --photo "$T/fake.png"
expect_grep "is not a JPEG, PNG or PDF file" "$T/err"
expect_unchanged_status 1 at 2026-09-19 "$C" supplement --term $TERM_ --to S31 --count 10 --signer "赵校长" --photo "$T/receipt.png"
expect_grep "\-\-date YYYY-MM-DD is required" "$T/err"
expect_unchanged_status 2 at 2026-09-19 "$C" supplement --term $TERM_ --to S31 --count 10 --signer "赵校长" --date 2026-09-20 --photo "$T/receipt.png"
expect_grep "the receipt date 2026-09-20 is after today (2026-09-19)" "$T/err"
expect_status 0 at 2026-09-19 "$C" supplement --term $TERM_ --to S31 --count 10 --signer "赵校长" --date 2026-09-19 --photo "$T/receipt.png"
expect_grep "ranges *451-460" "$T/out"
expect_eq "赵校长 2026-09-19 image/png $(sha256sum <"$T/receipt.png" | cut -d' ' -f1)" \
	"$(q "SELECT signer || ' ' || signed_on || ' ' || photo_type || ' ' || encode(photo_sha256, 'hex') FROM card.supplement")" \
	"the supplement's receipt: signer, date, photo type and SHA-256"
expect_eq "5x3" "$(q "SELECT photo_width || 'x' || photo_height FROM card.supplement")" "the supplement's photo: its pixel size"
expect_grep "photo_width *5" "$T/out"
expect_grep "sha256 *$(sha256sum <"$T/receipt.png" | cut -d' ' -f1)" "$T/out"
setup_distribute S31 10 2026-09-24             # after S+20, as the workflow has it
# Returns: D1 returns its 3 from S11 (serials 96..100 are S11's: 96-98); D2 returns only 2 of 4.
expect_unchanged_status 2 at 2026-09-20 "$C" return --term $TERM_ --district D1 --from S11 --serials 96-98 --signer "钱科长" --date 2026-09-20
expect_grep "no receipt without the photo of the signed receipt" "$T/err"
expect_unchanged_status 2 at 2026-09-20 "$C" return --term $TERM_ --district D1 --from S11 --serials 96-98 --signer "钱科长" --date 2026-09-20 --photo "$T/fake.png"
expect_grep "the receipt photo is not a JPEG, PNG or PDF file" "$T/err"
expect_unchanged_status 1 at 2026-09-20 "$C" return --term $TERM_ --district D1 --from S11 --serials 96-98 --signer "钱科长" --photo "$T/receipt.png"
expect_status 0 at 2026-09-20 "$C" return --term $TERM_ --district D1 --from S11 --serials 96-98 --signer "钱科长" --date 2026-09-19 --photo "$T/receipt.jpg"
expect_grep "ordered *3" "$T/out"
expect_eq "钱科长 2026-09-19 image/jpeg $(sha256sum <"$T/receipt.jpg" | cut -d' ' -f1)" \
	"$(q "SELECT signer || ' ' || signed_on || ' ' || photo_type || ' ' || encode(photo_sha256, 'hex') FROM card.card_return WHERE district = 'D1'")" \
	"the return's receipt: signer, date, photo type and SHA-256"
expect_eq "24x16" "$(q "SELECT photo_width || 'x' || photo_height FROM card.card_return WHERE district = 'D1'")" "the return's photo: its pixel size"
expect_unchanged_status 2 at 2026-09-20 "$C" return --term $TERM_ --district D2 --from S11 --count 1 --signer x --date 2026-09-20 --photo "$T/receipt.png"
expect_grep "\"S11\" is not in district \"D2\"" "$T/err"
expect_status 0 at 2026-09-20 "$C" return --term $TERM_ --district D2 --from S21 --count 2 --signer "钱科长" --date 2026-09-20 --photo "$T/receipt.png"
# The internal cover: D1 S11 -> S12 2 cards, D2 S21 -> S22 2 cards (late, with the reason).
expect_status 0 at 2026-09-20 "$C" transfer --term $TERM_ --from S11 --to S12 --count 2 --late "市调剂：区内调配"
expect_status 0 at 2026-09-20 "$C" transfer --term $TERM_ --from S21 --to S22 --count 2 --late "市调剂：区内调配"
setup_distribute S12 2
setup_distribute S22 2
audit_ok "after returns and supplements"
# City stock: 10 - 10 + 3 + 2 = 5.  S11: 5 - 3 - 2 = 0.  S21: 6 - 2 - 2 = 2 (not returned).
expect_eq 5 "$(balance C stock)" "city stock after returns"
expect_eq 0 "$(balance S11 stock)" "S11 stock"
expect_eq 2 "$(balance S21 stock)" "S21 stock (2 not returned)"

# --- Redemptions and a replacement -------------------------------------------------------
# Students redeem: S11 serial 1..50, S13 181..200, S21 231..330, S31 411..430 (190 cards).
q "SELECT count(*) FROM card.redeem_many(array(SELECT g FROM generate_series(1, 50) g
        UNION ALL SELECT g FROM generate_series(181, 200) g UNION ALL SELECT g FROM generate_series(231, 330) g
        UNION ALL SELECT g FROM generate_series(411, 430) g), array_fill(1, ARRAY[190]),
        array(SELECT 'acct' || g FROM generate_series(1, 190) g))" >/dev/null
expect_eq 190 "$(q "SELECT count(*) FROM card.redemption")" "redeemed cards"
# Refused: a redeemed card (S13's 181), a card the school does not hold (S11's 60 at S13).
expect_unchanged_status 2 at 2026-09-22 "$C" replace --term $TERM_ --school S13 --serial 181 --reason "刮坏"
expect_grep "card 181 is redeemed: it cannot be replaced" "$T/err"
expect_unchanged_status 2 at 2026-09-22 "$C" replace --term $TERM_ --school S13 --serial 60 --reason "刮坏"
expect_grep "school \"S13\" does not hold card 60" "$T/err"
expect_unchanged_status 2 at 2026-09-22 "$C" replace --term $TERM_ --school S13 --serial 210 --reason "x" --requested 2026-02-30
expect_grep "invalid date" "$T/err"
# S13 asked on 09-12 to replace 210 (code unreadable); done 09-22 > due 09-19: late.  No
# district stock in D1, so the good card comes from city stock (lowest: 96).
expect_status 0 at 2026-09-22 "$C" replace --term $TERM_ --school S13 --serial 210 --reason "兑换码无法辨认" --requested 2026-09-12
expect_grep "new_serial *96" "$T/out"
expect_grep "source *C" "$T/out"
expect_grep "due *2026-09-19" "$T/out"
expect_grep "late *yes" "$T/out"
expect_eq "void" "$(q "SELECT state FROM card.holding WHERE serials @> 210::bigint")" "card 210 is void"
expect_eq "card_void" "$(q "SELECT outcome FROM card.redeem_many('{210}', '{1}', '{acct999}')")" "a void card cannot be redeemed"
expect_eq "redeemed" "$(q "SELECT outcome FROM card.redeem_many('{96}', '{1}', '{acct998}')")" "its replacement can"
expect_unchanged_status 2 at 2026-09-22 "$C" replace --term $TERM_ --school S13 --serial 210 --reason "again"
audit_ok "after the replacement"
# City stock 5 - 1 = 4: the rest of D3's supplement (4 of the 7 still ordered).
expect_status 0 at 2026-09-23 "$C" supplement --term $TERM_ --to S31 --count 4 --signer "赵校长" --date 2026-09-23 --photo "$T/receipt.png"
expect_grep "supplied *14" "$T/out"
setup_distribute S31 4 2026-09-25
expect_unchanged_status 2 at 2026-09-25 "$C" distribute --term $TERM_ --school S31 --count 1
expect_grep 'more than its 40 students and teachers + 14 supplied by the city$' "$T/err"
# status on 09-25: the supplement cards handed out after the settlement are on time (due by
# the close); the one school really short is S31 (needs 40 + 20, holds 40 + 14); S11 and S21,
# which handed out fewer than their census and passed their surplus on, are not short.
expect_status 0 at 2026-09-25 "$C" --json status --term $TERM_
python3 - "$T/out" <<'EOF2' && ok "status flags on 09-25: short S31 only, no late distribution" || bad "status flags on 09-25"
import json, sys
f = json.load(open(sys.argv[1]))["flags"]
assert f["distribution_late"]["count"] == 0, f["distribution_late"]
assert f["short_after_due"]["which"] == "S31", f["short_after_due"]
EOF2
expect_eq "2026-10-01|false" "$(q "SELECT string_agg(DISTINCT due || '|' || late, ',') FROM card.distribution WHERE school = 'S31' AND done_on > '2026-09-21'")" "supplement distributions: due by the close, not late"
expect_unchanged_status 2 at 2026-09-23 "$C" supplement --term $TERM_ --to S31 --count 1 --signer "赵校长" --date 2026-09-23 --photo "$T/receipt.png"
audit_ok "after the last supplement"

# --- The close (S+30 = 2026-10-01) and the charges ----------------------------------------
expect_unchanged_status 2 at 2026-10-01 "$C" charge --term $TERM_
expect_grep "open until 2026-10-01: no charges before the close" "$T/err"
# D1 ordered 3, returned 3: nothing.  D2 ordered 4, returned 2: 2 x 50 yuan = 100.00.  D3: none.
expect_status 0 at 2026-10-02 "$C" charge --term $TERM_ --format csv --out "$T/charge.csv"
expect_grep "1 district charged" "$T/out"
expect_grep "^D2 .* 4 *2 *2 *50.00 *100.00 " "$T/out"
expect_grep "扣款金额(元)" "$T/out"
expect_grep "D2,西城区,4,2,2,50.00,100.00," "$T/charge.csv"
doc1=$(q "SELECT id FROM card.charge")
expect_status 0 at 2026-10-09 "$C" charge --term $TERM_ --json
expect_grep "$doc1" "$T/out"
expect_eq 1 "$(q "SELECT count(*) FROM card.charge")" "charge documents after a second run"
expect_unchanged_status 2 at 2026-10-09 "$C" return --term $TERM_ --district D2 --from S21 --count 2 --signer x --date 2026-10-09 --photo "$T/receipt.png"
expect_grep "term \"$TERM_\" is closed" "$T/err"
audit_ok "after the close"

# --- The final reports --------------------------------------------------------------------
R=${RECONCILE_KEEP:-$T}
for f in annex4 annex5 finance; do
	for fmt in csv xlsx; do expect_status 0 "$C" report $f --term $TERM_ --format $fmt --out "$R/$f.$fmt"; done
done
expect_status 0 at 2026-10-01 "$C" report annex6 --term $TERM_ --district D1 --format html --out "$R/annex6-d1.html" --sign "孙局长"
expect_status 0 at 2026-10-05 "$C" report annex6 --term $TERM_ --district D2 --format xlsx --out "$R/annex6-d2.xlsx" --sign "周局长"
expect_status 0 "$C" report annex6 --term $TERM_ --district D2 --format html --out "$R/annex6-d2.html"
for fmt in csv xlsx html; do expect_status 0 "$C" report coverage --term $TERM_ --format $fmt --out "$R/coverage.$fmt"; done
# Annex 4 by hand: D1 5/2 ordered back 3, returned 3; D2 6/2 ordered back 4, returned 2, so
# 2 not returned = 100.00 yuan; D3 short 20, supplement ordered 17, supplied 10 + 4 = 14.
expect_grep '^D1,东城区,S11,东城一小,5,0,学生转出,' "$R/annex4.csv"
expect_grep '^D1,东城区,,小计,5,2,,3,3,0,0,0,0.00,王主任' "$R/annex4.csv"
expect_grep '^D2,西城区,,小计,6,2,,4,2,0,0,2,100.00,王主任' "$R/annex4.csv"
expect_grep '^D3,高新区,,小计,0,20,,0,0,17,14,0,0.00,王主任' "$R/annex4.csv"
expect_grep '^合计,,,,11,24,,7,5,17,14,2,100.00,' "$R/annex4.csv"
# Annex 5 by hand (distributed now = handed out, replacements in, voids out):
#   S11 92, gave 3 + 2 to S12 (-5), returned 3; S12 80 + 3 + 2 = 85 (+5); S13 50 (210 void,
#   96 in); the district's own line (no staff here) 0; D1 (小计) 227, returned 3, replaced 1
#   S21 110, gave 4 + 2 to S22 (-6), returned 2, 2 on hand; S22 60 + 4 + 2 = 66; D2 176,
#   charged 2 = 100.00
#   S31 40 + 10 + 4 = 54, supplied 14; city (合计): 450 planned to schools, 457 handed out
# Every school row balances: 签收数 + 调剂 + 补充数 - 退回数 = 发放数 + 结存.
expect_grep '^D1,东城区,S11,东城一小,100,100,100,签收人,2026-08-25,-5,92,0,3,0,0,,' "$R/annex5.csv"
expect_grep '^D1,东城区,S12,东城二小,80,80,80,签收人,2026-08-25,5,85,0,0,0,0,,' "$R/annex5.csv"
expect_grep '^D1,东城区,S13,东城中学,50,50,50,签收人,2026-08-25,0,50,0,0,0,1,,' "$R/annex5.csv"
expect_grep '^D1,东城区,D1,区直（工作人员）,0,0,0,签收人,2026-08-24,0,0,0,0,0,0,,' "$R/annex5.csv"
expect_grep '^D1,东城区,,小计,230,230,230,签收人,2026-08-24,0,227,0,3,0,1,0,0.00' "$R/annex5.csv"
expect_grep '^D2,西城区,S21,西城一小,120,120,120,签收人,2026-08-25,-6,110,2,2,0,0,,' "$R/annex5.csv"
expect_grep '^D2,西城区,,小计,180,180,180,签收人,2026-08-24,0,176,2,2,0,0,2,100.00' "$R/annex5.csv"
expect_grep '^D3,高新区,S31,高新实验学校,40,40,40,签收人,2026-08-25,0,54,0,0,14,0,,' "$R/annex5.csv"
expect_grep '^合计,,,,450,450,450,,,0,457,2,5,14,1,2,100.00' "$R/annex5.csv"
expect_eq 1 "$(grep -c '合计' "$R/annex5.csv")" "only the grand total of Annex 5 says 合计"
# Finance: produced 460 = plan 450 + reserve 10; shipped 450; redeemed 190 + card 96 = 191;
# where the 460 are: 457 handed out + 1 void + 2 at S21 (unreturned, charged) + 0 city stock.
expect_grep '^C,示范市教育局,460,460,450,457,191,1,5,14,2,100.00,50.00' "$R/finance.csv"
expect_grep '^D2,西城区,180,180,180,176,100,0,2,0,2,100.00,50.00' "$R/finance.csv"
expect_eq "457|1|2|0" "$(q "SELECT card.balance('$TERM_','S11','distributed') + card.balance('$TERM_','S12','distributed')
	+ card.balance('$TERM_','S13','distributed') + card.balance('$TERM_','S21','distributed')
	+ card.balance('$TERM_','S22','distributed') + card.balance('$TERM_','S31','distributed')
	|| '|' || card.balance('$TERM_','S13','void') || '|' || card.balance('$TERM_','S21','stock')
	|| '|' || card.balance('$TERM_','C','stock')")" "handed out | void | S21 stock | city stock"
# Coverage by hand: D1 (50 + 21) / 227 = 31.3 %; D2 100 / 176 = 56.8 %; D3 20 / 54 = 37.0 %.
# Timeliness: D2's final report 10-05 > S+30 late; D3's Annex 4 late, no final report.
expect_grep '^D1,东城区,D1,东城区,区县,230,227,71,31.3,156,按时,按时,按时,按时' "$R/coverage.csv"
expect_grep '^D2,西城区,D2,西城区,区县,180,176,100,56.8,76,按时,按时,按时,逾期' "$R/coverage.csv"
expect_grep '^D3,高新区,D3,高新区,区县,40,54,20,37.0,34,按时,按时,逾期,未报' "$R/coverage.csv"
expect_grep '^D2,西城区,S21,西城一小,学校,120,110,100,90.9,10,' "$R/coverage.csv"
# The city's total: 450 planned, 457 handed out, 191 redeemed = 41.8 %.
expect_grep '^,,C,合计,全市,450,457,191,41.8,266,,,,' "$R/coverage.csv"
# The HTML pages are self-contained (no external reference), with inline SVG bars.
expect_grep '<svg xmlns' "$R/coverage.html"
expect_grep '90.9%（100/110）' "$R/coverage.html"
if grep -Eq '(src|href)=|url\(|@import' "$R/coverage.html" "$R/annex6-d1.html"; then bad "HTML pages reference external assets"; else ok "HTML pages are self-contained"; fi
# Without --format the --out file's extension decides (.html: the page); without --out a page
# goes to stdout, a table prints as text.
expect_status 0 "$C" report coverage --term $TERM_ --out "$R/coverage2.html"
cmp -s "$R/coverage.html" "$R/coverage2.html" && ok "coverage --out .html is the page" || bad "coverage --out .html differs"
expect_status 0 "$C" report coverage --term $TERM_ --format html
cmp -s "$R/coverage.html" "$T/out" && ok "coverage --format html to stdout" || bad "coverage --format html to stdout differs"
expect_status 0 "$C" report coverage --term $TERM_
expect_grep '^D2  *西城区  *S21  *西城一小  *学校  *120  *110  *100  *90.9  *10$' "$T/out"
expect_grep '未退回 2 张，按面值扣款 100.00 元后，同意验收。' "$R/annex6-d2.html"
# D3 was ordered 17 supplement cards and got 14 (the city was short): the verdict says so.
expect_status 0 "$C" report annex6 --term $TERM_ --district D3
expect_grep '^验收意见  *补充卡应到17张，实到14张，短缺3张' "$T/out"
if grep -q '账实相符' "$T/out"; then bad "D3's certificate says 账实相符 although 3 cards never came"; else ok "D3's certificate does not say 账实相符"; fi
expect_grep '发放数量与签收回执一致，账实相符，同意验收。' "$R/annex6-d1.html"
expect_grep '孙局长 / 2026-10-01' "$R/annex6-d1.html"
expect_grep '周局长 / 2026-10-05（逾期）' "$R/annex6-d2.html"
expect_eq 2 "$(q "SELECT count(*) FROM card.final_report")" "final reports filed (D1, D2; D2 signed once)"
# The XLSX carry the same cells as the CSV.
XPY=
for p in /usr/bin/python3 python3; do "$p" -c 'import openpyxl' 2>/dev/null && { XPY=$p; break; }; done
xlsx_same() {
	if [ -z "$XPY" ]; then echo "# python3-openpyxl missing: XLSX not read back"; return; fi
	if "$XPY" - "$1" "$2" <<'PY'
import csv, sys, datetime, openpyxl
ws = openpyxl.load_workbook(sys.argv[1]).active
def cell(c):  # as the CSV prints it: counts, yuan ("0.00") and rates ("0.0%" of 0.313 = 31.3)
    v = c.value
    if v is None:
        return ''
    if isinstance(v, datetime.datetime):
        return v.strftime('%Y-%m-%d')
    if isinstance(v, (int, float)):
        assert c.data_type == 'n', c
        if c.number_format == '0.00':
            return '%.2f' % v
        if c.number_format == '0.0%':
            return '%.1f' % (v * 100)
        assert c.number_format == '0' and float(v).is_integer(), (c, c.number_format)
        return str(int(v))
    return str(v)
rows = [[cell(c) for c in r] for r in ws.iter_rows(min_row=2)]
want = list(csv.reader(open(sys.argv[2], encoding='utf-8-sig', newline='')))
assert rows == want, (rows[:3], want[:3])
assert '附件' in str(ws.cell(1, 1).value) or '汇总' in str(ws.cell(1, 1).value) or '普及率' in str(ws.cell(1, 1).value)
PY
	then ok "$1 matches $2"; else bad "$1 differs from $2"; fi
}
for f in annex4 annex5 finance coverage; do xlsx_same "$R/$f.xlsx" "$R/$f.csv"; done
expect_status 0 "$C" report annex6 --term $TERM_ --district D2 --format csv --out "$R/annex6-d2.csv"
xlsx_same "$R/annex6-d2.xlsx" "$R/annex6-d2.csv"
expect_grep '^扣款金额(元),100.00' "$R/annex6-d2.csv"
# Refused: a report of a term that does not exist; annex6 without a district.
expect_status 2 "$C" report annex4 --term 2030-spring --format csv
expect_grep 'term "2030-spring" does not exist' "$T/err"
expect_status 1 "$C" report annex6 --term $TERM_ --format html
audit_ok "after the reports"

finish
