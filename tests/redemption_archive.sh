#!/usr/bin/env bash
# redemption_archive.sh -- card.redemption partitioned by term (migration 0005) on a database
# that already holds redemptions, and archiving a past term as docs/operations.md says
# ("Archiving a term"): detach, pg_dump the partition, drop; and the dump brings it back.
. "$top_srcdir/tests/lib.sh"
C=$CARDCTL
PG_DUMP="${PG_BINDIR:+$PG_BINDIR/}pg_dump"
PG_RESTORE="${PG_BINDIR:+$PG_BINDIR/}pg_restore"
q() { psql -XAtq -v ON_ERROR_STOP=1 -d prev "$@"; }
# expect_sql_error PATTERN SQL: the statement fails with PATTERN in its message.
expect_sql_error() {
	if q -c "$2" >"$T/out" 2>"$T/err"; then bad "accepted: $2"; else
		if grep -q -- "$1" "$T/err"; then ok "refused ($1): $2"; else bad "wrong error for $2"; cat "$T/err" >&2; fi
	fi
}
same() { if [ "$1" = "$2" ]; then ok "$3"; else bad "$3: got '$1', wanted '$2'"; fi; }
B1=00000000-0000-4000-8000-000000000001
B2=00000000-0000-4000-8000-000000000002
redeem() { q -F ' ' -c "SELECT outcome, id FROM card.redeem_many(ARRAY[$1]::bigint[], ARRAY[0], ARRAY['$2'])"; }

psql -qX -c 'CREATE DATABASE fresh' -c 'CREATE DATABASE prev' >/dev/null
# The fresh database first: its migration creates the roles the previous dump grants to.
expect_status 0 "$C" --db dbname=fresh db migrate
psql -qX -v ON_ERROR_STOP=1 -d prev -f "$top_srcdir/tests/schema_prev.sql" >/dev/null \
	&& ok "the previous state restored" || bad "could not restore tests/schema_prev.sql"

# The previous schema with redemptions of two terms, most of them in the feed.
q -c "INSERT INTO card.org (code, name, kind) VALUES ('C', 'City', 'city')" \
	-c "INSERT INTO card.term (code, start_date, census_due) VALUES
	    ('2026-spring', '2026-02-20', '2026-01-15'), ('2026-autumn', '2026-09-01', '2026-06-25')"
S1=$(q -c "SELECT card.batch_mint('$B1', '2026-spring', 0, 1000)")
S2=$(q -c "SELECT card.batch_mint('$B2', '2026-autumn', 0, 1000)")
q -c "SELECT count(*) FROM card.redeem_many(ARRAY(SELECT generate_series($S1, $S1 + 99)),
	      array_fill(0, ARRAY[100]), array_fill('spring'::text, ARRAY[100]))" \
	-c "SELECT count(*) FROM card.redeem_many(ARRAY(SELECT generate_series($S2, $S2 + 49)),
	      array_fill(0, ARRAY[50]), array_fill('autumn'::text, ARRAY[50]))" \
	-c "SELECT count(*) FROM card.feed(0, 1000)" \
	-c "SELECT count(*) FROM card.redeem_many(ARRAY(SELECT generate_series($S1 + 100, $S1 + 109)),
	      array_fill(0, ARRAY[10]), array_fill('late'::text, ARRAY[10]))" >/dev/null
ROWS="SELECT serial, id, feed_id, account, batch, redeemed_at FROM card.redemption ORDER BY serial"
q -c "$ROWS" >"$T/before"
same "$(wc -l <"$T/before")" 160 "160 redemptions before the migration"

expect_status 0 "$C" --db dbname=prev db migrate
expect_status 0 "$C" --db dbname=prev db status
q -c "$ROWS" >"$T/after"
if cmp -s "$T/before" "$T/after"; then ok "every redemption kept (serial, id, feed id, account, batch, time)"; else
	bad "redemptions changed by the migration"; diff "$T/before" "$T/after" | head >&2; fi
same "$(q -c "SELECT relkind FROM pg_class WHERE oid = 'card.redemption'::regclass")" p "card.redemption is partitioned"
same "$(q -F ' ' -c "SELECT r.tableoid::regclass, count(*) FROM card.redemption r
                      JOIN card.batch b ON b.id = r.batch AND b.term = r.term GROUP BY 1 ORDER BY 1")" \
	"card.redemption_2026_autumn 50
card.redemption_2026_spring 110" "each row in its batch's term's partition"
same "$(q -c 'SELECT count(*) FROM ONLY card.redemption_unrouted')" 0 "the default partition is empty"

# Exactly once, as before: the same account is answered with its row, another is refused;
# the ids go on from the old sequence; a second row for a serial is refused by the key.
old_id=$(q -c "SELECT id FROM card.redemption WHERE serial = $S1")
same "$(redeem "$S1" spring)" "repeated $old_id" "the same account again: repeated, the original row"
same "$(redeem "$S1" other)" "already_redeemed " "another account: already_redeemed"
max_id=$(q -c "SELECT max(id) FROM card.redemption")
out=$(redeem "$((S2 + 50))" autumn)
[ "${out%% *}" = redeemed ] && [ "${out#* }" -gt "$max_id" ] && ok "a new redemption: id $out after $max_id" \
	|| bad "a new redemption: $out (ids so far up to $max_id)"
expect_sql_error "duplicate key" "INSERT INTO card.redemption (serial, account, batch) VALUES ($S1, 'x', '$B1')"
expect_sql_error "duplicate key" "INSERT INTO card.redemption (serial, account, batch, term) VALUES ($S1, 'x', '$B1', '2026-spring')"
# A row in another term than its batch's: no step writes one (card.redeem_many takes the term
# from the batch it finds); the owner's hand could, and the audit names it.
same "$(q -c "BEGIN; INSERT INTO card.redemption (serial, account, batch, term) VALUES ($S1 + 500, 'x', '$B1', '2026-autumn');
	SELECT ok, detail FROM card.audit() WHERE item = 'redeemed_outside_batch'; ROLLBACK" | tail -1)" \
	"f|$((S1 + 500))" "a row in another term than its batch's is found by the audit (redeemed_outside_batch)"
same "$(q -c "SELECT count(*) FROM card.redemption")" 161 "nothing added by the refused rows"
# The feed goes on where it was: the 10 unfed spring rows and the new one get 151..161.
same "$(q -c "SELECT min(feed_id) || '-' || max(feed_id) || ' ' || count(*) FROM card.feed(150, 1000)")" \
	"151-161 11" "the feed numbers on from the last feed id"

# The partitions are the owner's: logins read through card.redemption only; still append-only.
for role in card_city card_district card_daemon; do
	expect_sql_error "permission denied" "SET ROLE $role; SELECT count(*) FROM card.redemption_2026_autumn"
done
same "$(q -c "SET ROLE card_city; SELECT count(*) FROM card.redemption")" 161 "the city reads every redemption"
expect_sql_error "append-only" "DELETE FROM card.redemption WHERE serial = $S1"
expect_sql_error "append-only" "TRUNCATE card.redemption"
expect_sql_error "permission denied" "SET ROLE card_city; UPDATE card.redemption SET account = 'x' WHERE serial = $S1"

# A new term gets its partition, whoever makes it.
expect_status 0 "$C" --db dbname=prev term new 2027-spring --start 2027-02-22
same "$(q -c "SELECT count(*) FROM pg_inherits WHERE inhparent = 'card.redemption'::regclass
                 AND inhrelid = 'card.redemption_2027_spring'::regclass")" 1 "term new made the term's partition"

# Archiving: refused for an unknown term, an open term, a term with redemptions not in the
# feed; nothing changes then.
KEYED="SELECT outcome FROM card.redeem_many(ARRAY[$S1 + 110]::bigint[], ARRAY[0], ARRAY['last'], ARRAY['key-spring'])"
same "$(q -c "$KEYED")" redeemed "one more spring redemption, with an idempotency key (not in the feed)"
same "$(q -c "$KEYED")" repeated "its key replayed: repeated"
ARCHIVE="SET lock_timeout = '5s'; SELECT * FROM card.redemption_archive"
expect_sql_error "unknown term" "$ARCHIVE('2025-autumn')"
expect_sql_error "is not closed" "$ARCHIVE('2026-spring')"
q -c "UPDATE card.term SET closed_at = now() WHERE code = '2026-spring'"
expect_sql_error "1 redemptions of term 2026-spring are not in the feed yet" "$ARCHIVE('2026-spring')"
same "$(q -c "SELECT count(*) FROM card.redemption WHERE term = '2026-spring'")" 111 "still attached after the refusals"
same "$(q -c "SELECT count(*) FROM card.term WHERE redemptions_archived_at IS NOT NULL")" 0 "no term marked archived"
for role in card_city card_district card_daemon; do
	expect_sql_error "permission denied" "SET ROLE $role; $ARCHIVE('2026-spring')"
done
last=$(q -c "SELECT max(feed_id) FROM card.feed(0, 1000)")
same "$last" 162 "the last spring redemption fed (162)"

# The procedure of docs/operations.md: detach, dump, check the dump, drop.
# A redemption that arrives while the archive holds the lock waits, then sees the term
# archived: invalid_code for its spring card, its autumn card redeemed, no error.
q -F ' ' -c "BEGIN" -c "$ARCHIVE('2026-spring')" -c "SELECT pg_sleep(2)" -c "COMMIT" >"$T/archived" 2>&1 &
archiver=$!
sleep 0.7
same "$(q -c "SELECT string_agg(outcome, ',' ORDER BY i) FROM card.redeem_many(
               ARRAY[$S1 + 400, $S2 + 70]::bigint[], ARRAY[0, 0], ARRAY['during', 'during'])
               WITH ORDINALITY AS o(outcome, serial, id, term, fv, account, at, i)" 2>&1)" \
	"invalid_code,redeemed" "a redemption during the archive waits, then: invalid_code for spring, autumn redeemed"
wait "$archiver" && ok "the archive committed" || bad "the archive failed"
same "$(grep redemption_ "$T/archived")" "card.redemption_2026_spring 111 162" \
	"archived: the table, its 111 redemptions, the last feed id"
expect_sql_error "were archived" "$ARCHIVE('2026-spring')"
"$PG_DUMP" -Fc --table=card.redemption_2026_spring --file="$T/spring.dump" --dbname=prev \
	&& ok "pg_dump of the detached partition" || bad "pg_dump of the detached partition"
"$PG_RESTORE" --list "$T/spring.dump" | grep -q 'TABLE DATA card redemption_2026_spring' \
	&& ok "the dump holds the table's rows" || bad "the dump lacks the rows"
q -c "DROP TABLE card.redemption_2026_spring"
same "$(q -c "SELECT count(*) FROM card.redemption")" 52 "only the autumn redemptions are left"

# An archived term's cards are refused cleanly (the batch of other terms' cards goes on), and
# the feed numbers on from its head, not from the highest feed id left (150).
same "$(q -c "SELECT string_agg(outcome, ',' ORDER BY i) FROM card.redeem_many(
               ARRAY[$S1, $S1 + 300, $S2 + 51]::bigint[], ARRAY[0, 0, 0], ARRAY['spring', 'x', 'autumn'])
               WITH ORDINALITY AS o(outcome, serial, id, term, fv, account, at, i)")" \
	"invalid_code,invalid_code,redeemed" "archived term's cards: invalid_code; others redeemed"
same "$(q -c "$KEYED")" invalid_code "an archived card's idempotency key replayed: invalid_code, not a redemption no longer there"
same "$(q -c "SELECT string_agg(feed_id::text, ',' ORDER BY feed_id) FROM card.feed(162, 1000)")" 163,164 \
	"the next feed ids are 163 and 164"

# The dump brings the term back (restore, attach, clear the mark).
"$PG_RESTORE" --dbname=prev "$T/spring.dump" && ok "pg_restore of the dump" || bad "pg_restore of the dump"
q -c "ALTER TABLE card.redemption ATTACH PARTITION card.redemption_2026_spring FOR VALUES IN ('2026-spring')" \
	-c "UPDATE card.term SET redemptions_archived_at = NULL WHERE code = '2026-spring'"
same "$(q -c "SELECT count(*) FROM card.redemption WHERE term = '2026-spring'")" 111 "111 spring redemptions back"
same "$(redeem "$S1" other)" "already_redeemed " "a restored redemption refuses a second one"

# The nightly pg_dump -Fc of the whole database restores with its partitions (no trigger
# fires on the restored terms), and redeems as before.
"$PG_DUMP" -Fc --file="$T/all.dump" --dbname=prev && ok "pg_dump of the database" || bad "pg_dump of the database"
psql -qX -c 'CREATE DATABASE restored' >/dev/null
"$PG_RESTORE" --dbname=restored "$T/all.dump" && ok "pg_restore of the database" || bad "pg_restore of the database"
same "$(psql -XAt -d restored -c "SELECT count(*) FROM card.redemption")" \
	"$(q -c "SELECT count(*) FROM card.redemption")" "the restored database has every redemption"
same "$(psql -XAt -d restored -c "SELECT count(*) FROM pg_inherits WHERE inhparent = 'card.redemption'::regclass")" 4 \
	"and its four partitions (2026-spring, 2026-autumn, 2027-spring, the default)"
same "$(psql -XAt -F ' ' -d restored -c "SELECT outcome FROM card.redeem_many(ARRAY[$S1, $((S2 + 60))]::bigint[], ARRAY[0, 0], ARRAY['other', 'r'])")" \
	"already_redeemed
redeemed" "the restored database refuses a second redemption and takes a new one"
finish
