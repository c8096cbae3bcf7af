#!/usr/bin/env bash
# workflow_term_reconcile.sh -- part 1's end-to-end term (tests/workflow_term.sh, run first and
# unchanged) continued through part 2: Annex 4 filing and approval, the city's settlement,
# supplements from the reserve, a replacement, redemptions, the close (no charges: nobody was
# ordered to return anything) and the final reports.  Every figure is worked out by hand in the
# comments; the books are audited after every step.  (tests/cardctl_reconcile.sh plays a term
# with surplus, returns, transfers and charges.)
#
# Where part 1 leaves the term (2027-spring, S = 2027-02-22), figures of tests/workflow_lib.sh:
#   plan D1 259, D2 131, D3 77, DZ 112, reserve 12 -> 591 minted
#   every school has handed out its census (S101 84 ... S903 35), the districts their staff
#   (D1 3, D3 2, D2 1: D2's second staff card is the one missing in transit), city stock 12.
. "$top_srcdir/tests/workflow_term.sh"
. "$top_srcdir/tests/reconcile_lib.sh"
C=$CARDCTL
AUDIT_TERM=$TERM
echo "# part 2 continues the term $TERM"
expect_eq 12 "$(balance C stock)" "city stock (the reserve) after part 1"

# After the start two students arrive at S201 and three at S903: part 1's distribute refuses
# them (the census is the limit, "not one extra") and the schools hold no stock.
expect_unchanged_status 2 at 2027-02-25 "$C" distribute --term $TERM --school S201 --count 1 --date 2027-02-25
expect_grep 'more than its 67 students and teachers' "$T/err"
# Self-adjustment: no school holds stock, so there is nothing to move.
expect_unchanged_status 2 at 2027-02-20 "$C" transfer --term $TERM --from S202 --to S201 --count 1
expect_grep 'S202 (stock) holds 0 cards' "$T/err"

# ---- Annex 4 (due S+14 = 2027-03-08) -------------------------------------------------------
# Later two more students arrive at S201 (4 in all).  D3 files a day late.
printf '学校编码,余,缺,原因\r\nS101,0,0,\r\nS102,0,0,\r\nS103,0,0,\r\n' >"$T/a4-d1.csv"
printf '学校编码,余,缺,原因\r\nS201,0,4,插班生\r\nS202,0,0,\r\nS203,0,0,\r\n' >"$T/a4-d2.csv"
printf '学校编码,余,缺,原因\r\nS301,0,0,\r\nS302,0,0,\r\nS303,0,0,\r\n' >"$T/a4-d3.csv"
printf '学校编码,余,缺,原因\r\nS901,0,0,\r\nS902,0,0,\r\nS903,0,3,转入\r\n' >"$T/a4-dz.csv"
printf '学校编码,余,缺,原因\r\nS201,0,4,\r\n' >"$T/a4-bad.csv"
expect_unchanged_status 2 at 2027-03-05 "$C" adjust file --term $TERM --district D2 "$T/a4-bad.csv"
expect_grep 'line 2: the reason is missing for school "S201"' "$T/err"
for d in d1 d2 dz; do
	expect_status 0 at 2027-03-05 "$C" adjust file --term $TERM --district "${d^^}" "$T/a4-$d.csv"
done
expect_status 0 at 2027-03-09 "$C" adjust file --term $TERM --district D3 "$T/a4-d3.csv"
expect_grep 'filed as draft LATE' "$T/out"
for d in D1 D2 D3 DZ; do expect_status 0 at 2027-03-09 "$C" adjust approve --term $TERM --district $d --approver 科长; done
audit_ok "after Annex 4"

# ---- The city's settlement (due S+20 = 2027-03-14) ------------------------------------------
# Nobody has surplus; shortages D2 4 and DZ 3, both covered from the reserve of 12.
expect_status 0 at 2027-03-10 "$C" adjust settle --term $TERM --confirm
expect_eq "D2:supplement:4 DZ:supplement:3" "$(q "SELECT string_agg(district || ':' || kind || ':' || count, ' ' ORDER BY district) FROM card.settle_order WHERE term = '$TERM'")" "orders"
expect_unchanged_status 2 at 2027-03-11 "$C" supplement --term $TERM --to S201 --count 5 --signer 校长 --date 2027-03-11 --photo "$T/receipt.png"
expect_grep 'would exceed the order for district "D2"' "$T/err"
expect_status 0 at 2027-03-11 "$C" supplement --term $TERM --to S201 --count 4 --signer 西山一小校长 --date 2027-03-11 --photo "$T/receipt.png"
expect_status 0 at 2027-03-11 "$C" supplement --term $TERM --to S903 --count 3 --signer 郑老师 --date 2027-03-10 --photo "$T/receipt.jpg"
expect_eq 5 "$(balance C stock)" "city stock (12 - 4 - 3)"
# Now the new students get their cards: the limit is the census plus what was supplied.
expect_status 0 at 2027-03-12 "$C" distribute --term $TERM --school S201 --count 4 --date 2027-03-12
expect_status 0 at 2027-03-12 "$C" distribute --term $TERM --school S903 --count 3 --date 2027-03-12
expect_unchanged_status 2 at 2027-03-12 "$C" distribute --term $TERM --school S903 --count 1 --date 2027-03-12
audit_ok "after the supplements"

# ---- A replacement and redemptions ----------------------------------------------------------
# S101's first card (D1's first serial) is unreadable; requested 03-12, replaced 03-15 (due 03-19).
# D1's depot is empty, so the good card comes from city stock (5 -> 4).
D1FIRST=$(q "SELECT first_serial FROM card.plan_line WHERE term = '$TERM' AND org = 'D1'")
expect_status 0 at 2027-03-15 "$C" replace --term $TERM --school S101 --serial "$D1FIRST" --reason 兑换码无法辨认 --requested 2027-03-12
expect_grep 'source *C' "$T/out"
expect_grep 'late *no' "$T/out"
expect_eq 4 "$(balance C stock)" "city stock after the replacement"
# Redemptions: the other 83 cards handed out at S101 and the 4 new cards of S201 (87).
q "WITH s AS (SELECT array_agg(x ORDER BY x) AS a FROM card.holding h,
       generate_series(lower(h.serials), upper(h.serials) - 1) x
     WHERE h.term = '$TERM' AND h.state = 'distributed' AND (h.org = 'S101' OR (h.org = 'S201'
       AND x >= (SELECT first_serial FROM card.plan_line WHERE term = '$TERM' AND org = 'C'))))
   SELECT count(*) FROM s, card.redeem_many(s.a, array_fill(1, ARRAY[cardinality(s.a)]),
     array(SELECT 'stu' || g FROM generate_series(1, cardinality(s.a)) g))" >/dev/null
expect_eq 88 "$(q "SELECT count(*) FROM card.redemption r JOIN card.batch b ON b.serials @> r.serial AND b.term = '$TERM'")" "redeemed: S101 84 (83 + the replacement) and S201's 4"
audit_ok "after the replacement and redemptions"

# ---- The close (S+30 = 2027-03-24) and the reports ------------------------------------------
expect_unchanged_status 2 at 2027-03-24 "$C" charge --term $TERM
expect_status 0 at 2027-03-25 "$C" charge --term $TERM
expect_grep 'term 2027-spring closed; 0 districts charged' "$T/out"
for d in D1 D2 D3; do expect_status 0 at 2027-03-24 "$C" report annex6 --term $TERM --district $d --format html --out "$T/a6-$d.html" --sign 局长; done
# The certificate's verdict names what does not match: D2's box was one card short.
expect_grep '签收比发出少 1 张（途中短少，见签收回执），其余发放数量与签收回执一致，同意验收。' "$T/a6-D2.html"
expect_grep '发放数量与签收回执一致，账实相符，同意验收。' "$T/a6-D1.html"
for f in annex4 annex5 finance coverage; do expect_status 0 "$C" report $f --term $TERM --format csv --out "$T/$f.csv"; done
# Annex 5 by hand: distributed = handed out now (staff included; the voided card out, its
# replacement in):  D1 84 + 103 + 69 + 3 = 259;  D2 (67 + 4) + 32 + 30 + 1 = 134;
# D3 23 + 25 + 27 + 2 = 77;  DZ 40 + 37 + (35 + 3) = 115;  all 585.  Supplied 4 + 3 = 7.
# The district's own line (区直) holds its staff's cards; D2's box from the city was one card
# short, and the depot kept 2 of the 131 for its staff: shipped 2, received 1, handed out 1.
expect_grep '^D1,东湖区,,小计,259,259,259,签收人,.*,0,259,0,0,0,1,0,0.00' "$T/annex5.csv"
expect_grep '^D1,东湖区,D1,区直（工作人员）,3,3,3,签收人,.*,0,3,0,0,0,0,,' "$T/annex5.csv"
expect_grep '^D2,西山区,S201,西山一小,67,67,67,签收人,.*,0,71,0,0,4,0,,' "$T/annex5.csv"
expect_grep '^D2,西山区,D2,区直（工作人员）,2,2,1,签收人,.*,0,1,0,0,0,0,,' "$T/annex5.csv"
expect_grep '^D2,西山区,,小计,131,131,130,签收人,.*,0,134,0,0,4,0,0,0.00' "$T/annex5.csv"
expect_grep '^DZ,市直属学校,,小计,112,112,112,.*,0,115,0,0,3,0,0,0.00' "$T/annex5.csv"
# Finance: produced 591; shipped from the city 259 + 131 + 77 + 40 + 37 + 35 = 579; redeemed 88;
# void 1; supplied 7; nothing charged.  591 = 585 handed out + 1 void + 4 city stock + 1 in transit.
expect_grep '^C,市教育局,591,591,579,585,88,1,0,7,0,0.00,50.00' "$T/finance.csv"
expect_grep '^D2,西山区,,小计,0,4,,0,0,4,4,0,0.00,科长' "$T/annex4.csv"
# Coverage by hand: D1 84 / 259 = 32.4 %; D2 4 / 134 = 3.0 %; D3 0 / 77 = 0.0 %.
# Part 1 signed its receipts on the day it shipped (on time: before S-7); D3's Annex 4 is late;
# DZ filed no final report.
expect_grep '^D1,东湖区,D1,东湖区,区县,259,259,84,32.4,175,.*,按时,按时,按时' "$T/coverage.csv"
expect_grep '^D2,西山区,D2,西山区,区县,131,134,4,3.0,130,' "$T/coverage.csv"
expect_grep '^D3,高新区,D3,高新区,区县,77,77,0,0.0,77,.*,逾期,按时' "$T/coverage.csv"
expect_grep '^DZ,市直属学校,DZ,市直属学校,区县,112,115,0,0.0,115,.*,未报' "$T/coverage.csv"
audit_ok "after the close and the reports"
finish
