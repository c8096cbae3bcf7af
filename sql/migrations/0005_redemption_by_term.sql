-- 0005_redemption_by_term.sql -- card.redemption partitioned by term, so that a past term's
-- redemptions can be detached and archived (docs/operations.md, "Archiving a term").
--
--   * card.redemption gets a `term` column, the batch's term, and is partitioned by LIST
--     (term): one partition per term, card.redemption_YYYY_spring / _autumn, made by a trigger
--     whenever a term is inserted (card.term_new or any other INSERT) and here for the terms
--     that exist.  The rows of an existing database are moved into them.
--   * A partitioned table's unique keys must contain the partition key, so the primary key is
--     (serial, term).  A card is still redeemed at most once: a serial lies in exactly one
--     batch (card.batch's exclusion constraint), and the foreign key (batch, term) ->
--     card.batch (id, term) makes a row's term its batch's term, so (serial, term) is unique
--     exactly when serial is.  serial comes first: inside a partition the term is the same on
--     every row, so the key's index serves lookups by serial alone (card_show, void_card, the
--     replacement and transit-loss checks) with one probe per attached partition.
--   * id (from card.redemption_id_seq, which the rows keep) and feed_id cannot stay UNIQUE on
--     their own.  id is unique because it comes from one sequence; feed_id because the feed
--     sequencer numbers rows from card.feed_head under its lock (sql/functions/daemon.sql).
--     The head, not max(feed_id), is where the next feed id starts: detaching the partition
--     that held the highest feed ids must not make the feed count again from a lower one.
--   * card.term.redemptions_archived_at: set when the term's partition is detached
--     (card.redemption_archive, sql/functions/archive.sql); card.redeem_many answers
--     invalid_code for that term's cards from then on, since their redemptions are no longer
--     there to check against.
ALTER TABLE card.term ADD COLUMN redemptions_archived_at timestamptz;
ALTER TABLE card.batch ADD CONSTRAINT batch_id_term_key UNIQUE (id, term);

CREATE TABLE card.feed_head (
	one  boolean PRIMARY KEY DEFAULT true CHECK (one),
	last bigint NOT NULL CHECK (last >= 0)
);
INSERT INTO card.feed_head (last) SELECT coalesce(max(r.feed_id), 0) FROM card.redemption r;
CREATE TRIGGER feed_head_no_delete BEFORE DELETE OR TRUNCATE ON card.feed_head
	FOR EACH STATEMENT EXECUTE FUNCTION card.forbid_change();

-- The old table steps aside (its indexes' names too: the new ones take them); the sequence of
-- ids stays and passes to the new table.
ALTER SEQUENCE card.redemption_id_seq OWNED BY NONE;
ALTER TABLE card.redemption RENAME TO redemption_before_0005;
ALTER TABLE card.redemption_before_0005 DROP CONSTRAINT redemption_pkey,
	DROP CONSTRAINT redemption_id_key, DROP CONSTRAINT redemption_feed_id_key;
DROP INDEX card.redemption_unfed;

CREATE TABLE card.redemption (
	serial      bigint NOT NULL CONSTRAINT redemption_serial_check CHECK (serial >= 0),
	id          bigint NOT NULL DEFAULT nextval('card.redemption_id_seq'),
	feed_id     bigint,
	account     text NOT NULL CONSTRAINT redemption_account_check CHECK (length(account) BETWEEN 1 AND 64),
	batch       uuid NOT NULL,
	redeemed_at timestamptz NOT NULL DEFAULT now(),
	term        text NOT NULL,
	CONSTRAINT redemption_pkey PRIMARY KEY (serial, term),
	CONSTRAINT redemption_batch_fkey FOREIGN KEY (batch, term) REFERENCES card.batch (id, term)
) PARTITION BY LIST (term);
ALTER SEQUENCE card.redemption_id_seq OWNED BY card.redemption.id;
-- The sequencer's work list (unfed rows in id order) and the feed's reading order.
CREATE INDEX redemption_unfed ON card.redemption (id) WHERE feed_id IS NULL;
CREATE INDEX redemption_feed ON card.redemption (feed_id) WHERE feed_id IS NOT NULL;
CREATE TRIGGER redemption_append_only BEFORE DELETE OR TRUNCATE ON card.redemption
	FOR EACH STATEMENT EXECUTE FUNCTION card.forbid_change();

-- The partition of one term, made if missing; returns its name.  The owner's: a partition
-- belongs to the owner of card.redemption, and no login gets privileges on it (logins read
-- redemptions through card.redemption, under its grants and policies).
CREATE FUNCTION card.redemption_partition(p_term text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
DECLARE
	v_name text := 'redemption_' || replace(p_term, '-', '_');
BEGIN
	IF p_term IS NULL OR p_term !~ '^[0-9]{4}-(spring|autumn)$' THEN
		RAISE EXCEPTION 'invalid term "%"', p_term USING ERRCODE = 'CR004';
	END IF;
	IF to_regclass('card.' || v_name) IS NULL THEN
		EXECUTE format('CREATE TABLE card.%I PARTITION OF card.redemption FOR VALUES IN (%L)',
		               v_name, p_term);
	END IF;
	RETURN v_name;
END $$;
REVOKE ALL ON FUNCTION card.redemption_partition(text) FROM PUBLIC, card_city, card_district, card_daemon;

-- Every new term gets its partition in the transaction that creates it.
CREATE FUNCTION card.term_redemption_partition() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
BEGIN
	PERFORM card.redemption_partition(NEW.code);
	RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION card.term_redemption_partition() FROM PUBLIC, card_city, card_district, card_daemon;
CREATE TRIGGER term_redemption_partition AFTER INSERT ON card.term
	FOR EACH ROW EXECUTE FUNCTION card.term_redemption_partition();

SELECT card.redemption_partition(t.code) FROM card.term t ORDER BY t.code;

-- A row inserted without its term (by the owner's hand: only the server's functions write
-- redemptions, and they name it) takes its batch's term: it lands in the default partition,
-- whose trigger inserts it again with the term, into its term's partition, and keeps nothing.
-- A row of a term without a partition (an archived term) is refused.  The default partition
-- stays empty.
CREATE TABLE card.redemption_unrouted PARTITION OF card.redemption DEFAULT;
CREATE FUNCTION card.redemption_route() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, card AS $$
BEGIN
	IF NEW.term IS NOT NULL THEN
		RAISE EXCEPTION 'card.redemption has no partition for term %', NEW.term
			USING ERRCODE = 'CR003', DETAIL = 'The term is unknown or its redemptions were archived.';
	END IF;
	NEW.term := (SELECT b.term FROM card.batch b WHERE b.id = NEW.batch);
	IF NEW.term IS NULL THEN
		RAISE EXCEPTION 'redemption of serial % names no batch', NEW.serial USING ERRCODE = '23503';
	END IF;
	INSERT INTO card.redemption (serial, id, feed_id, account, batch, redeemed_at, term)
	VALUES (NEW.serial, NEW.id, NEW.feed_id, NEW.account, NEW.batch, NEW.redeemed_at, NEW.term);
	RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION card.redemption_route() FROM PUBLIC, card_city, card_district, card_daemon;
CREATE TRIGGER redemption_route BEFORE INSERT ON card.redemption_unrouted
	FOR EACH ROW EXECUTE FUNCTION card.redemption_route();

-- The rows move, each to its batch's term.
INSERT INTO card.redemption (serial, id, feed_id, account, batch, redeemed_at, term)
SELECT r.serial, r.id, r.feed_id, r.account, r.batch, r.redeemed_at, b.term
FROM card.redemption_before_0005 r JOIN card.batch b ON b.id = r.batch
ORDER BY r.id;
DO $$
DECLARE
	v_old bigint;
	v_new bigint;
BEGIN
	SELECT count(*) INTO v_old FROM card.redemption_before_0005;
	SELECT count(*) INTO v_new FROM card.redemption;
	IF v_old <> v_new THEN
		RAISE EXCEPTION 'moving redemptions: % rows before, % after', v_old, v_new;
	END IF;
END $$;
DROP TABLE card.redemption_before_0005;

-- Privileges and row-level security as the table had them (0001, 0002): logins read, only
-- card.redeem_many and the feed sequencer (SECURITY DEFINER) write.
GRANT SELECT ON card.redemption TO card_city, card_district;
ALTER TABLE card.redemption ENABLE ROW LEVEL SECURITY;
CREATE POLICY redemption_city ON card.redemption TO card_city USING (true) WITH CHECK (true);
CREATE POLICY redemption_district ON card.redemption FOR SELECT TO card_district
	USING (EXISTS (SELECT 1 FROM card.holding h WHERE h.serials @> serial));
