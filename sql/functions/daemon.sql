-- daemon.sql -- what cardd needs beyond redemption: the token lookup and the redemption feed
-- (the tables and their reasons: sql/migrations/0001_baseline.sql).
--
-- `cardctl db migrate` loads this file again whenever its text changes: keep every statement
-- safe to run twice (CREATE OR REPLACE; the grants after each function are all it gets).

-- The daemon may look up one token by id; it cannot list or change them.
CREATE OR REPLACE FUNCTION card.token_lookup(p_id text)
RETURNS TABLE (role text, secret_sha256 bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT t.role, t.secret_sha256 FROM card.api_token t
	WHERE t.id = p_id AND t.revoked_at IS NULL
$$;
REVOKE ALL ON FUNCTION card.token_lookup(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.token_lookup(text) TO card_city, card_daemon;

-- The sequencer and reader of the feed.  p_after: the last feed id the reader has seen (0 at
-- the start); p_limit: at most this many rows (1..1000).
CREATE OR REPLACE FUNCTION card.feed(p_after bigint, p_limit integer)
RETURNS TABLE (feed_id bigint, serial bigint, account text, term text, face_value_fen integer,
               redeemed_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
DECLARE
	base bigint;
	v_n bigint;
BEGIN
	IF p_after IS NULL OR p_after < 0 OR p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
		RAISE EXCEPTION 'invalid feed position' USING ERRCODE = 'CR004',
			DETAIL = 'after must be >= 0 and limit from 1 to 1000.';
	END IF;
	-- card.feed_lock_key(): held to the end of this transaction, so the next sequencer
	-- (whose statements take fresh snapshots in READ COMMITTED) sees these assignments.
	-- The numbering goes on from card.feed_head, the last feed id given (a row of its own:
	-- max(feed_id) would go back when the partition holding the highest ids is archived),
	-- and the head moves in the same transaction, so feed ids stay unique and gap-free.
	PERFORM pg_advisory_xact_lock(card.feed_lock_key());
	SELECT h.last INTO base FROM card.feed_head h;
	UPDATE card.redemption r SET feed_id = base + n.rn
	FROM (SELECT u.serial AS s, u.term, row_number() OVER (ORDER BY u.id) AS rn
	      FROM (SELECT x.serial, x.term, x.id FROM card.redemption x WHERE x.feed_id IS NULL
	            ORDER BY x.id LIMIT 10000) u) n
	WHERE r.serial = n.s AND r.term = n.term;
	GET DIAGNOSTICS v_n = ROW_COUNT;
	IF v_n > 0 THEN
		UPDATE card.feed_head SET last = base + v_n;
	END IF;
	RETURN QUERY
		SELECT r.feed_id, r.serial, r.account, r.term, t.face_value_fen, r.redeemed_at
		FROM card.redemption r
		JOIN card.term t ON t.code = r.term
		WHERE r.feed_id > p_after
		ORDER BY r.feed_id
		LIMIT p_limit;
END $$;
REVOKE ALL ON FUNCTION card.feed(bigint, integer) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.feed(bigint, integer) TO card_city, card_daemon;
