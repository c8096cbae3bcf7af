-- 0300_daemon.sql -- what cardd needs beyond redemption: API tokens and the redemption feed.
--
-- Tokens: `cardctl token new` prints a token once; only the SHA-256 of its secret part is
-- stored.  The daemon looks a token up by its public id (card.token_lookup, SECURITY DEFINER)
-- and compares the hashes itself, in constant time.
--
-- Feed: the course platform reads committed redemptions in feed_id order and resumes from the
-- last feed_id it saw.  Redemption ids (bigserial) are assigned at INSERT, so they commit out of
-- order: a reader that followed `id` could skip a row that commits later with a smaller id.
-- feed_id is instead assigned by a sequencer (card.feed) that runs under a transaction-level
-- advisory lock, sees every committed redemption without one, numbers them max(feed_id)+1, +2,
-- ... in id order, and commits.  Since assignments are serial and each sees the previous one,
-- feed ids are consecutive, and a row that commits later always gets a larger feed id than
-- any a reader has seen: the feed is gap-free and resumable.

CREATE TABLE card.api_token (
	id         text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
	role       text NOT NULL CHECK (role IN ('helpdesk', 'platform')),
	label      text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
	secret_sha256 bytea NOT NULL CHECK (length(secret_sha256) = 32),
	created_by text NOT NULL DEFAULT current_user,
	created_at timestamptz NOT NULL DEFAULT now(),
	revoked_at timestamptz
);
GRANT SELECT, INSERT, UPDATE (revoked_at) ON card.api_token TO card_city;

-- The daemon may look up one token by id; it cannot list or change them.
CREATE FUNCTION card.token_lookup(p_id text)
RETURNS TABLE (role text, secret_sha256 bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT t.role, t.secret_sha256 FROM card.api_token t
	WHERE t.id = p_id AND t.revoked_at IS NULL
$$;
REVOKE ALL ON FUNCTION card.token_lookup(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION card.token_lookup(text) TO card_daemon, card_city;

-- The sequencer and reader of the feed.  p_after: the last feed id the reader has seen (0 at
-- the start); p_limit: at most this many rows (1..1000).
CREATE FUNCTION card.feed(p_after bigint, p_limit integer)
RETURNS TABLE (feed_id bigint, serial bigint, account text, term text, face_value_fen integer,
               redeemed_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
DECLARE
	base bigint;
BEGIN
	IF p_after IS NULL OR p_after < 0 OR p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
		RAISE EXCEPTION 'invalid feed position' USING ERRCODE = 'CR004',
			DETAIL = 'after must be >= 0 and limit from 1 to 1000.';
	END IF;
	-- 7243300: "libcard feed".  Held to the end of this transaction, so the next sequencer
	-- (whose statements take fresh snapshots in READ COMMITTED) sees these assignments.
	PERFORM pg_advisory_xact_lock(7243300);
	SELECT coalesce(max(r.feed_id), 0) INTO base FROM card.redemption r;
	UPDATE card.redemption r SET feed_id = base + n.rn
	FROM (SELECT u.serial AS s, row_number() OVER (ORDER BY u.id) AS rn
	      FROM (SELECT x.serial, x.id FROM card.redemption x WHERE x.feed_id IS NULL
	            ORDER BY x.id LIMIT 10000) u) n
	WHERE r.serial = n.s;
	RETURN QUERY
		SELECT r.feed_id, r.serial, r.account, b.term, t.face_value_fen, r.redeemed_at
		FROM card.redemption r
		JOIN card.batch b ON b.id = r.batch
		JOIN card.term t ON t.code = b.term
		WHERE r.feed_id > p_after
		ORDER BY r.feed_id
		LIMIT p_limit;
END $$;
REVOKE ALL ON FUNCTION card.feed(bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION card.feed(bigint, integer) TO card_daemon, card_city;
