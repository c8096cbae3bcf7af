-- archive.sql -- archiving a past term's redemptions (docs/operations.md, "Archiving a term").
--
-- card.redemption is partitioned by term (sql/migrations/0005_redemption_by_term.sql).
-- card.redemption_archive(p_term) detaches the term's partition, which then stands alone as
-- card.redemption_YYYY_spring / _autumn for the owner to dump (pg_dump --table) and drop.
-- From then on card.redeem_many answers invalid_code for the term's cards: their redemptions
-- are no longer there to refuse a second one.  Their idempotency keys are deleted with them.
--
-- `cardctl db migrate` loads this file again whenever its text changes: keep every statement
-- safe to run twice (CREATE OR REPLACE; the grants after each function are all it gets).

-- Detach one term's redemptions.  Refused (CR003) unless the term is closed (its charges were
-- made: card.term.closed_at), not archived yet, and every redemption of it has its feed id
-- (the course platform can have read it); CR002 for an unknown term.  Takes card.redemption's
-- ACCESS EXCLUSIVE lock first, so no redemption or feed assignment of any term runs until
-- the caller commits: run it in a quiet hour, with a lock_timeout.  Returns the table
-- detached, how many redemptions it holds and the highest feed id among them (the platform
-- must have read the feed up to it).  The database owner's only.
CREATE OR REPLACE FUNCTION card.redemption_archive(p_term text)
RETURNS TABLE (detached text, redemptions bigint, last_feed_id bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
DECLARE
	t card.term;
	v_part text;
	v_unfed bigint;
BEGIN
	SELECT * INTO t FROM card.term x WHERE x.code = p_term FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'unknown term "%"', p_term USING ERRCODE = 'CR002';
	END IF;
	IF t.closed_at IS NULL THEN
		RAISE EXCEPTION 'term % is not closed', p_term USING ERRCODE = 'CR003',
			DETAIL = 'Only a closed term''s redemptions are archived: its cards may still be redeemed.',
			HINT = 'The first run of the term''s charges closes it.';
	END IF;
	IF t.redemptions_archived_at IS NOT NULL THEN
		RAISE EXCEPTION 'the redemptions of term % were archived at %', p_term, t.redemptions_archived_at
			USING ERRCODE = 'CR003';
	END IF;
	v_part := card.redemption_partition(p_term);
	LOCK TABLE card.redemption IN ACCESS EXCLUSIVE MODE;
	SELECT count(*) FILTER (WHERE r.feed_id IS NULL), count(*), max(r.feed_id)
	INTO v_unfed, redemptions, last_feed_id
	FROM card.redemption r WHERE r.term = p_term;
	IF v_unfed > 0 THEN
		RAISE EXCEPTION '% redemptions of term % are not in the feed yet', v_unfed, p_term
			USING ERRCODE = 'CR003',
			DETAIL = 'Archived redemptions leave the feed: the course platform would never see them.',
			HINT = 'Let the platform read the feed (cardd''s /v1/feed), then archive.';
	END IF;
	UPDATE card.term x SET redemptions_archived_at = now() WHERE x.code = p_term;
	-- The stored outcomes of the term's cards go too: a replayed key would answer "repeated"
	-- for a redemption no longer there.  A replay is now a new request: invalid_code.
	DELETE FROM card.idempotency x USING card.batch b WHERE b.term = p_term AND b.serials @> x.serial;
	EXECUTE format('ALTER TABLE card.redemption DETACH PARTITION card.%I', v_part);
	detached := 'card.' || v_part;
	RETURN NEXT;
END $$;
REVOKE ALL ON FUNCTION card.redemption_archive(text) FROM PUBLIC, card_city, card_district, card_daemon;
