#!/usr/bin/env bash
# district_batch.sh -- a district's batches (docs/workflow.md, "A district's term in
# batches"): ship every school its census, record the receipts of a CSV, record distribution
# from a CSV, each one command and one transaction.  The same term is played twice, in two
# databases of one cluster: with the batches, and with one single command per school; the
# status, Annex 5 and the audit must come out the same.  Then: one bad line among many (nothing
# recorded, every bad line named, on stderr and in --json), a district login refused for
# another district, malformed files (BOM and CRLF read, GB18030 read, a missing column, a short
# row refused).  Figures: tests/workflow_lib.sh.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/workflow_lib.sh"
KR=$T/keyring
"$CARDCTL" key new --keyring "$KR" --id 1 --label "$TERM" >/dev/null
SINGLE=single_$$
"$PG_BINDIR/createdb" "$SINGLE"

# A term up to the cards in the district depots (city -> D1, D2, D3 received, single commands,
# the same in both databases).
setup_term() {
	setup_city
	census_d1 >"$T/d1.csv"; census_d2 >"$T/d2.csv"; census_d3 >"$T/d3.csv"; census_dz >"$T/dz.csv"
	for dist in D1 D2 D3 DZ; do
		"$CARDCTL" census import --term "$TERM" --district "$dist" "$T/${dist,,}.csv" >/dev/null
		"$CARDCTL" census submit --term "$TERM" --district "$dist" >/dev/null
	done
	"$CARDCTL" census approve --term "$TERM" --district D1 --approver 张局长 \
		--explain 'S103=高一新生10人尚未报到' >/dev/null
	for dist in D2 D3 DZ; do
		"$CARDCTL" census approve --term "$TERM" --district "$dist" --approver 李局长 >/dev/null
	done
	"$CARDCTL" plan make --term "$TERM" --reserve 2 >/dev/null
	"$CARDCTL" batch mint --term "$TERM" --plan --keyring "$KR" --key-id 1 >/dev/null
	for pair in D1:259 D2:131 D3:77; do
		IFS=: read -r to n <<<"$pair"
		s=$("$CARDCTL" --json ship --term "$TERM" --to "$to" --count "$n" | jget /dev/stdin "d['shipment']")
		"$CARDCTL" receive "$s" --signer 签收人 --date "$TODAY" --photo "$T/receipt.png" >/dev/null
	done
}
setup_term
PGDATABASE=$SINGLE setup_term
ok "the same term set up in two databases"
audit_ok

# ---- ship ---------------------------------------------------------------------------------
# Every school of D1 from its depot, in one command: S101 84, S102 103, S103 69.
snapshot before_ship
expect_status 0 "$CARDCTL" ship --term "$TERM" --from D1 --all-schools
expect_grep '^shipped 256 cards to 3 schools of D1 from its depot, one shipment each$' "$T/out"
expect_status 0 "$CARDCTL" --json ship list --term "$TERM" --district D1
jexpect "$T/out" "sorted((s['to_org'], s['count']) for s in d if s['from_org'] == 'D1')" \
	"[('S101', 84), ('S102', 103), ('S103', 69)]"
# Run again: every school has its census; nothing is shipped twice.
snapshot shipped_d1
expect_status 0 "$CARDCTL" ship --term "$TERM" --from D1 --all-schools
expect_grep 'nothing to ship: every school of D1 has been shipped its census' "$T/out"
unchanged shipped_d1 "a second --all-schools ships nothing"
expect_status 0 "$CARDCTL" --json ship --term "$TERM" --from D1 --all-schools
jexpect "$T/out" "(d['recorded'], d['nothing_to_ship'], d['shipments'])" "(False, True, [])"

# D2 from a file; first with one good line among bad ones: nothing shipped, every bad line named.
printf '\xef\xbb\xbf学校编码,张数\r\nS201,67\r\nS999,5\r\nS202,abc\r\nS301,10\r\nS201,1\r\n,5\r\nS203,500\r\n' >"$T/ship-bad.csv"
reject 2 '6 of 7 lines refused: nothing was recorded' "a ship file with six bad lines" \
	"$CARDCTL" ship --term "$TERM" --from D2 --schools "$T/ship-bad.csv"
expect_grep 'line 3 (S999): unknown school "S999"' "$T/err"
expect_grep 'line 4 (S202): count "abc" is not a whole number' "$T/err"
expect_grep 'line 5 (S301): school "S301" is in district "D3", not "D2"' "$T/err"
expect_grep 'line 6 (S201): school "S201" again (first on line 2)' "$T/err"
expect_grep 'line 7: the school code is empty' "$T/err"
expect_grep 'line 8 (S203): D2 (stock) holds 64 cards, fewer than the 500 to move' "$T/err"
grep -q 'line 2 ' "$T/err" && bad "the good line 2 is named as a problem" || ok "the good line is not named"
# the same with --json: the problems as a document, and the same list on stderr
expect_status 2 "$CARDCTL" --json ship --term "$TERM" --from D2 --schools "$T/ship-bad.csv"
jexpect "$T/out" "(d['recorded'], [p['line'] for p in d['problems']])" "(False, [3, 4, 5, 6, 7, 8])"
expect_grep 'line 8 (S203)' "$T/err"
printf 'school,count\nS201,67\nS202,32\nS203,30\n' >"$T/ship-d2.csv"
expect_status 0 "$CARDCTL" --json ship --term "$TERM" --from D2 --schools "$T/ship-d2.csv"
jexpect "$T/out" "(d['recorded'], d['schools'], d['cards'], [s['line'] for s in d['shipments']])" "(True, 3, 129, [2, 3, 4])"
# The city-direct schools by courier from the city (their address from the organisation).
expect_status 0 "$CARDCTL" ship --term "$TERM" --district DZ --all-schools
expect_grep '^shipped 112 cards to 3 schools of DZ by courier from the city centre' "$T/out"
# D3: S301 had 10 cards shipped by a single command first; --all-schools ships what is left of
# each school's census (S301 13, S302 25, S303 27).
expect_status 0 "$CARDCTL" --json ship --term "$TERM" --from D3 --to S301 --count 10
S301A=$(jget "$T/out" "d['shipment']")
expect_status 0 "$CARDCTL" ship --term "$TERM" --from D3 --all-schools
expect_grep '^shipped 65 cards to 3 schools of D3 from its depot' "$T/out"
audit_ok
reject 1 'one of --all-schools or --schools FILE' "a batch mixed with --to" \
	"$CARDCTL" ship --term "$TERM" --from D3 --all-schools --to S301
reject 1 'one of --all-schools or --schools FILE' "--from one district, --district another" \
	"$CARDCTL" ship --term "$TERM" --from D3 --district D1 --all-schools
reject 1 'are for a district' "a single shipment with --district" \
	"$CARDCTL" ship --term "$TERM" --from D3 --district D3 --to S301 --count 1
reject 1 'are for a district' "a single receipt with --district" \
	"$CARDCTL" receive "$S301A" --district D3 --signer x --date "$TODAY" --photo "$T/receipt.png"

# The same shipments, one command per school, in the other database.
for pair in D1:S101:84 D1:S102:103 D1:S103:69 D2:S201:67 D2:S202:32 D2:S203:30 \
            :S901:40 :S902:37 :S903:35 D3:S301:10 D3:S301:13 D3:S302:25 D3:S303:27; do
	IFS=: read -r from to n <<<"$pair"
	PGDATABASE=$SINGLE "$CARDCTL" ship --term "$TERM" ${from:+--from "$from"} --to "$to" --count "$n" >/dev/null
done

# ---- receive ------------------------------------------------------------------------------
mkdir "$T/photos"
cp "$T/receipt.png" "$T/photos/s101.png"; cp "$T/receipt.jpg" "$T/photos/s102.jpg"
cp "$T/receipt.png" "$T/photos/s103.png"; cp "$T/fake.png" "$T/photos/fake.png"
# Bad lines among good ones: a missing photo, a text file named .png, a date in the future, a
# school with nothing to receive, a bad count.  Nothing recorded, each named.
{
	printf '\xef\xbb\xbf学校编码,签收日期,签收人,照片,实收张数\r\n'
	printf 'S101,%s,王校长,s101.png,\r\n' "$TODAY"
	printf 'S102,%s,李校长,missing.jpg,\r\n' "$TODAY"
	printf 'S103,%s,赵校长,fake.png,\r\n' "$TODAY"
	printf 'S201,2999-01-01,钱校长,s101.png,\r\n'
	printf 'D1,%s,张科长,s101.png,\r\n' "$TODAY"
	printf 'S202,%s,孙校长,s101.png,-3\r\n' "$TODAY"
} >"$T/photos/bad.csv"
reject 2 '5 of 6 lines refused: nothing was recorded' "a receipts file with five bad lines" \
	"$CARDCTL" receive --term "$TERM" --district D1 --schools "$T/photos/bad.csv"
expect_grep 'line 3 (S102): could not open photo ".*photos/missing.jpg"' "$T/err"
expect_grep 'line 4 (S103): the receipt photo is not a JPEG, PNG or PDF file' "$T/err"
expect_grep 'line 5 (S201): school "S201" is in district "D2", not "D1"' "$T/err"
expect_grep 'line 6 (D1): no shipment to "D1" is waiting for its receipt' "$T/err"
expect_grep 'line 7 (S202): school "S202" is in district "D2"' "$T/err"
{
	printf '\xef\xbb\xbf学校编码,签收日期,签收人,照片,实收张数\r\n'
	printf 'S201,2999-01-01,钱校长,%s/s101.png,\r\n' "$T/photos"
	printf 'S202,%s,孙校长,../photos/s101.png,x\r\n' "$TODAY"
	printf 'S203,%s,周校长,s103.png,\r\n' "$TODAY"
} >"$T/photos/bad2.csv"
reject 2 '2 of 3 lines refused' "a receipts file with a future date and a bad count" \
	"$CARDCTL" receive --term "$TERM" --district D2 --schools "$T/photos/bad2.csv"
expect_grep 'line 2 (S201): the receipt date 2999-01-01 is after today' "$T/err"
expect_grep 'line 3 (S202): count "x" is not a whole number' "$T/err"
# Clean: D1's schools, S102 counts one card short (a discrepancy, as the single form records).
{
	printf '\xef\xbb\xbf学校编码,签收日期,签收人,照片,实收张数\r\n'
	printf 'S101,%s,王校长,s101.png,\r\n' "$TODAY"
	printf 'S102,%s,李校长,s102.jpg,102\r\n' "$TODAY"
	printf 'S103,%s,赵校长,s103.png,\r\n' "$TODAY"
} >"$T/photos/d1.csv"
expect_status 0 "$CARDCTL" receive --term "$TERM" --district D1 --schools "$T/photos/d1.csv"
expect_grep '^recorded 3 receipts of D1: 255 cards counted of 256 shipped$' "$T/out"
expect_grep '^DISCREPANCY: S102, line 3: -1 cards; open for adjustment$' "$T/out"
# Each photo decoded and kept with its pixel size, as a single receipt's is.
got=$(psql -XAtc "SELECT string_agg(r.photo_type || ' ' || r.photo_width || 'x' || r.photo_height, ', ' ORDER BY o.code)
	FROM card.receipt r JOIN card.shipment s ON s.id = r.shipment JOIN card.org o ON o.code = s.to_org
	WHERE o.code IN ('S101', 'S102', 'S103')")
want="$(for f in png jpg png; do python3 -c 'import struct, sys
d = open(sys.argv[1], "rb").read()
if d[:4] == b"\x89PNG": print("image/png %dx%d" % struct.unpack(">II", d[16:24]))
else:
    i = 2
    while d[i + 1] not in (0xC0, 0xC1, 0xC2): i += 2 + struct.unpack(">H", d[i + 2:i + 4])[0]
    h, w = struct.unpack(">HH", d[i + 5:i + 9]); print("image/jpeg %dx%d" % (w, h))' "$T/receipt.$f"; done | paste -sd, | sed 's/,/, /g')"
[ "$got" = "$want" ] && ok "batch receipts keep each photo's pixel size ($got)" || bad "batch receipts' photos: got '$got', wanted '$want'"
# D3: S301 waits for two receipts; a line without its shipment cannot choose, lines that name
# them (or one named, the other the one left) can.
printf 'school,date,signer,photo\nS301,%s,签收人S301,%s\n' "$TODAY" "$T/receipt.png" >"$T/recv-two.csv"
reject 2 'line 2 (S301): 2 shipments to "S301" are waiting for their receipts' "a receipt of a school with two shipments" \
	"$CARDCTL" receive --term "$TERM" --district D3 --schools "$T/recv-two.csv"
{
	printf 'school,date,signer,photo,shipment\n'
	printf 'S301,%s,签收人S301,%s,%s\n' "$TODAY" "$T/receipt.png" "$S301A"
	printf 'S301,%s,签收人S301,%s,\n' "$TODAY" "$T/receipt.png"
	printf 'S302,%s,签收人S302,%s,\nS303,%s,签收人S303,%s,\n' "$TODAY" "$T/receipt.png" "$TODAY" "$T/receipt.png"
} >"$T/recv-D3.csv"
expect_status 0 "$CARDCTL" receive --term "$TERM" --district D3 --schools "$T/recv-D3.csv"
expect_grep '^recorded 4 receipts of D3: 75 cards counted of 75 shipped$' "$T/out"
# English header, LF, other column order; a photo path from the current directory's view.
for dist in D2 DZ; do
	{
		printf 'signer,school,photo,date\n'
		case $dist in D2) schools="S201 S202 S203" ;; DZ) schools="S901 S902 S903" ;; esac
		for s in $schools; do printf '签收人%s,%s,%s,%s\n' "$s" "$s" "$T/receipt.png" "$TODAY"; done
	} >"$T/recv-$dist.csv"
	expect_status 0 "$CARDCTL" --json receive --term "$TERM" --district "$dist" --schools "$T/recv-$dist.csv"
	jexpect "$T/out" "(d['schools'], all(len(r['sha256']) == 64 for r in d['receipts']))" "(3, True)"
done
audit_ok
# The same receipts, one command each.
for pair in S101:王校长:s101.png: S102:李校长:s102.jpg:102 S103:赵校长:s103.png: ; do
	IFS=: read -r s who photo n <<<"$pair"
	id=$(PGDATABASE=$SINGLE "$CARDCTL" --json ship list --term "$TERM" | jget /dev/stdin "[x['id'] for x in d if x['to_org'] == '$s'][0]")
	PGDATABASE=$SINGLE "$CARDCTL" receive "$id" --signer "$who" --date "$TODAY" --photo "$T/photos/$photo" ${n:+--count "$n"} >/dev/null
done
for s in S201 S202 S203 S301 S302 S303 S901 S902 S903; do
	for id in $(PGDATABASE=$SINGLE "$CARDCTL" --json ship list --term "$TERM" | jget /dev/stdin "' '.join(x['id'] for x in d if x['to_org'] == '$s')"); do
		PGDATABASE=$SINGLE "$CARDCTL" receive "$id" --signer "签收人$s" --date "$TODAY" --photo "$T/receipt.png" >/dev/null
	done
done

# ---- distribute ---------------------------------------------------------------------------
# GB18030 with a Chinese header; the district's own code for its bureau staff.
printf '学校编码,张数,发放日期\r\nS101,84,%s\r\nS102,102,\r\nS103,69,%s\r\nD1,3,\r\n' "$TODAY" "$TODAY" |
	iconv -f UTF-8 -t GB18030 >"$T/dist-d1-gb.csv"
# Bad lines first: more than the census, a bad date, a duplicate, an unknown school.
printf 'school,count,date\nS101,84,\nS102,104,\nS103,69,2027-02-30\nS101,1,\nS1O1,5,\nD1,3,\n' >"$T/dist-bad.csv"
reject 2 '4 of 6 lines refused' "a distribution file with four bad lines" \
	"$CARDCTL" distribute --term "$TERM" --district D1 --schools "$T/dist-bad.csv"
expect_grep 'line 3 (S102): ' "$T/err"
expect_grep 'line 4 (S103): date "2027-02-30" is not a day (YYYY-MM-DD)' "$T/err"
expect_grep 'line 5 (S101): school "S101" again (first on line 2)' "$T/err"
expect_grep 'line 6 (S1O1): unknown school "S1O1"' "$T/err"
expect_status 0 "$CARDCTL" distribute --term "$TERM" --district D1 --schools "$T/dist-d1-gb.csv"
expect_grep '^recorded distribution at 4 schools of D1: 258 cards handed out$' "$T/out"
printf 'school,count\nS201,67\nS202,32\nS203,30\nD2,2\n' >"$T/dist-d2.csv"
printf 'school,count\nS301,23\nS302,25\nS303,27\nD3,2\n' >"$T/dist-d3.csv"
printf 'school,count\nS901,40\nS902,37\nS903,35\n' >"$T/dist-dz.csv"
for dist in D2 D3 DZ; do
	expect_status 0 "$CARDCTL" distribute --term "$TERM" --district "$dist" --schools "$T/dist-${dist,,}.csv"
done
audit_ok
for pair in S101:84 S102:102 S103:69 D1:3 S201:67 S202:32 S203:30 D2:2 S301:23 S302:25 S303:27 D3:2 \
            S901:40 S902:37 S903:35; do
	IFS=: read -r org n <<<"$pair"
	PGDATABASE=$SINGLE "$CARDCTL" distribute --term "$TERM" --school "$org" --count "$n" >/dev/null
done

# ---- the batches and the single commands agree ---------------------------------------------
"$CARDCTL" --json status --term "$TERM" >"$T/st-batch.json"
PGDATABASE=$SINGLE "$CARDCTL" --json status --term "$TERM" >"$T/st-single.json"
same() { # same WHAT EXPR: the expression is equal over both status documents
	local a b
	a=$(jget "$T/st-batch.json" "$2"); b=$(jget "$T/st-single.json" "$2")
	if [ "$a" = "$b" ]; then ok "batch = single commands: $1"; else bad "batch $a, single $b: $1"; fi
}
same "totals" "d['totals']"
same "every organisation's counts" "[(o['org'], o['planned'], o['stock'], o['transit'], o['distributed']) for o in d['orgs']]"
same "flags" "{k: (f['count'], f['which']) for k, f in d['flags'].items()}"
jexpect "$T/st-batch.json" "(d['totals']['distributed'], d['totals']['transit'], d['flags']['receipt_discrepancy']['which'])" "(578, 1, 'S102:-1')"
"$CARDCTL" report annex5 --term "$TERM" --format csv --out "$T/a5-batch.csv" >/dev/null
PGDATABASE=$SINGLE "$CARDCTL" report annex5 --term "$TERM" --format csv --out "$T/a5-single.csv" >/dev/null
cmp -s "$T/a5-batch.csv" "$T/a5-single.csv" && ok "batch = single commands: Annex 5" \
	|| { bad "Annex 5 differs"; diff "$T/a5-batch.csv" "$T/a5-single.csv" >&2 || true; }
audit_ok
PGDATABASE=$SINGLE audit_ok

# ---- roles --------------------------------------------------------------------------------
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
CREATE ROLE wf_d1 LOGIN IN ROLE card_district;
INSERT INTO card.district_login (role, district) VALUES ('wf_d1', 'D1');
SQL
reject 2 'permission denied: this step is for district "D2"' "a D1 login shipping for D2" \
	env PGUSER=wf_d1 "$CARDCTL" ship --term "$TERM" --from D2 --schools "$T/ship-d2.csv"
printf 'school,count\nS901,1\n' >"$T/ship-dz.csv"
reject 2 'permission denied: this step is for district "DZ"' "a D1 login shipping by courier to DZ" \
	env PGUSER=wf_d1 "$CARDCTL" ship --term "$TERM" --district DZ --schools "$T/ship-dz.csv"
reject 2 'permission denied: this step is for district "D2"' "a D1 login recording D2's receipts" \
	env PGUSER=wf_d1 "$CARDCTL" receive --term "$TERM" --district D2 --schools "$T/recv-D2.csv"
reject 2 'permission denied: this step is for district "D2"' "a D1 login distributing for D2" \
	env PGUSER=wf_d1 "$CARDCTL" distribute --term "$TERM" --district D2 --schools "$T/dist-d2.csv"
# A permission error on a line (the single form's own check) refuses the whole batch: a D1
# login may not ship by courier from the city, even to its own school.
psql -qX -c "UPDATE card.org SET address = '东湖路1号', contact = '王', phone = '1' WHERE code = 'S101'"
printf 'school,count\nS101,1\n' >"$T/ship-d1.csv"
reject 2 'permission denied: this step is for the city centre' "a D1 login shipping by courier from the city" \
	env PGUSER=wf_d1 "$CARDCTL" ship --term "$TERM" --district D1 --schools "$T/ship-d1.csv"
# ... and a D1 login may run D1's own batch (nothing left to ship: it says so).
expect_status 0 env PGUSER=wf_d1 "$CARDCTL" ship --term "$TERM" --from D1 --all-schools
expect_grep 'nothing to ship' "$T/out"

# ---- malformed files ----------------------------------------------------------------------
printf 'school,date\nS101,2027-01-01\n' >"$T/nocount.csv"
reject 2 'count' "a distribution file without its count column" \
	"$CARDCTL" distribute --term "$TERM" --district D1 --schools "$T/nocount.csv"
printf 'school,count\r\nS101,1\r\nS102\r\n' >"$T/short.csv"
reject 2 ':3:' "a row with fewer fields than the header" \
	"$CARDCTL" distribute --term "$TERM" --district D1 --schools "$T/short.csv"
printf 'school,count\r\n' >"$T/empty.csv"
reject 2 'the file has no school lines' "a file with only its header" \
	"$CARDCTL" distribute --term "$TERM" --district D1 --schools "$T/empty.csv"
reject 3 'could not open' "a file that does not exist" \
	"$CARDCTL" ship --term "$TERM" --from D1 --schools "$T/none.csv"
reject 2 'district "D9" does not exist' "an unknown district" \
	"$CARDCTL" distribute --term "$TERM" --district D9 --schools "$T/dist-d2.csv"
"$PG_BINDIR/dropdb" "$SINGLE"
finish
