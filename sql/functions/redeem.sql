-- redeem.sql -- exactly-once redemption (include/card/redeem.h, docs/data-model.md).
--
-- card.redeem_many(p_serials bigint[], p_key_ids int[], p_accounts text[],
--                  p_idem_keys text[] DEFAULT NULL)
--   RETURNS TABLE (outcome text, serial bigint, id bigint, term text, face_value_fen int,
--                  account text, redeemed_at timestamptz)
--
-- One row per request, in request order.  outcome is one of redeemed, repeated,
-- already_redeemed, card_void, invalid_code, idempotency_key_reused; id, term,
-- face_value_fen, account and redeemed_at are set for redeemed and repeated only (another
-- account's redemption is never revealed).  A business outcome never raises: one bad request
-- does not fail the others.  Malformed input (arrays of different lengths, a serial outside
-- 40 bits, a key_id outside 0..15, an account that is not 1..64 characters without control
-- characters, an idempotency key that is not 1..255 printable ASCII characters, 0x21-0x7E:
-- card_idem_key_valid in include/card/redeem.h) raises CR004 and changes nothing.
--
-- Exactly once: the serial is the primary key of card.redemption (with the term, the
-- partition key: a serial lies in one batch, so has one term), and a row is inserted only
-- after checking in the same statement that its serial lies in a batch minted under that
-- key_id (the gist index of card.batch.serials: the cost does not depend on how many cards
-- were minted) and has no card.void row (card.redeemable).  The usual call (every card and
-- every key new) inserts with plain INSERTs in a subtransaction; when one meets a key or a
-- card already taken, the unique violation undoes it and the call runs again with ON
-- CONFLICT DO NOTHING, which skips what is taken.  Plain INSERTs first, since ON CONFLICT's
-- speculative insertion (an index probe and a WAL record more a row) was a tenth to a fifth
-- of the database's CPU per redemption; a subtransaction costs less.  A call holding a card
-- already redeemed pays for both tries (about a quarter more when 1 request in 64 is such a
-- card, bench/README.md); below about 1 % of requests, plain first is the cheaper way.
--
-- Set-based: a call is five statements whatever its size (input check, claim the keys, take
-- the card locks, redeem, answer; claim, lock and redeem again when a plain INSERT met a taken
-- key or card), not a few statements per request; a statement's fixed cost
-- (executor start, check constraints, triggers) is paid once per batch.  That fixed cost is
-- most of a small call's, and grows with the plan's size, so the usual call (every card new,
-- every key new) takes the short way at each step: the keys' INSERT claims one key per
-- request, so the owner of each key needs no working out; the redeeming INSERT inserts one
-- row per request, so the answer is those rows.  Anything else (a key replayed or used twice,
-- a card repeated, void or not found) is answered by one longer statement that reads what
-- each card is now.  Every lookup is by primary key or the gist index, one per request
-- (enable_seqscan off: the plan does not turn into a scan of a table that has grown since it
-- was made), and plans are made once per session (force_generic_plan).
--
-- Idempotency keys are claimed first, in key order (one INSERT of the first request with each
-- key), then cards are locked and redeemed in serial order
-- (requests for one serial in array order), so concurrent calls cannot deadlock: every call
-- waits for other transactions' rows in the same global order, keys before serials.  The
-- first outcome for a key is stored and replayed (a stored "redeemed" replays as "repeated");
-- the key with another code or account answers idempotency_key_reused.  Within one call,
-- later requests with a key already used earlier in the array are answered the same way.  A
-- claimed key is written with "redeemed" and updated only when the outcome is another: the
-- row is not visible to anyone before the commit, and most requests do redeem.
--
-- A void and a redemption of one card never both commit.  They write different tables, so in
-- READ COMMITTED neither would see the other's uncommitted row: both need one lock they both
-- take.  Cards are ranges, not rows, so it is a transaction-level advisory lock per card
-- (card.card_lock_key, ledger.sql): redeem_many takes it shared for every serial of the call,
-- in serial order, in a statement of its own; card.void_card (and the lost-in-transit voids
-- of delivery.sql) take it exclusive.  The redeeming statement starts after every lock is
-- granted, so its snapshot sees any void committed before, and a void waits until the
-- redemption commits and then finds its row.  When the plain INSERTs' subtransaction is undone,
-- its locks go with it; the second try takes them again before its own redeeming statement.
-- Nothing cheaper closes the race: a row lock would have to be on the batch row (FOR KEY
-- SHARE from every concurrent redemption makes it a multixact on one hot row, and a void's
-- exclusive lock would stop the whole batch for the void's transaction), and SERIALIZABLE
-- would cost more and abort whole batches.  A shared advisory lock is a lock-table entry per
-- card, no WAL and no disk write, and they are now taken by one statement.
--
-- SECURITY DEFINER: card_daemon has no table privileges, only EXECUTE on this function.
--
-- `cardctl db migrate` loads this file again whenever its text changes: keep every statement
-- safe to run twice (CREATE OR REPLACE; the grants after each function are all it gets).
-- card.redeemable(serial, key_id): the batch that holds the serial, minted under key_id, in a
-- term whose redemptions are not archived (no row otherwise), its term, and whether the card
-- is void.  What makes a card redeemable is said here only; redeem_many asks it in every
-- statement that needs it.  A plain SQL function (no SET, not SECURITY DEFINER, STABLE) so
-- that the planner inlines it: one gist probe and one probe of card.void per request.
CREATE OR REPLACE FUNCTION card.redeemable(p_serial bigint, p_key_id integer)
RETURNS TABLE (batch uuid, term text, void boolean)
LANGUAGE sql STABLE AS $$
	SELECT b.id, b.term, EXISTS (SELECT 1 FROM card.void v WHERE v.serial = p_serial)
	FROM card.batch b
	JOIN card.term t ON t.code = b.term AND t.redemptions_archived_at IS NULL
	WHERE b.serials @> p_serial AND b.key_id = p_key_id
$$;
REVOKE ALL ON FUNCTION card.redeemable(bigint, integer) FROM PUBLIC, card_city, card_district, card_daemon;

CREATE OR REPLACE FUNCTION card.redeem_many(p_serials bigint[], p_key_ids int[], p_accounts text[],
                                 p_idem_keys text[] DEFAULT NULL)
RETURNS TABLE (outcome text, serial bigint, id bigint, term text, face_value_fen integer,
               account text, redeemed_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, card SET plan_cache_mode = force_generic_plan SET enable_seqscan = off
AS $$
#variable_conflict use_column
DECLARE
	n constant int := coalesce(cardinality(p_serials), 0);
	v_bad bigint;
	-- v_owner[i]: 0 request i has no key; i it claimed its key; -i its key was stored before
	-- (replay); -j (j < i) request j used the same key first in this call.  NULL: every
	-- request claimed its own key, or there are no keys.
	v_owner int[];
	-- The keys statement 1 claimed, and the rows statement 3 inserted.
	v_claimed text[];
	v_serial bigint[];
	v_id bigint[];
	v_term text[];
	v_at timestamptz[];
	-- The first try: plain INSERTs (see "The usual call" above).
	v_plain boolean := true;
BEGIN
	IF n = 0 THEN
		RETURN;
	END IF;
	IF n > 10000 OR cardinality(p_key_ids) IS DISTINCT FROM n OR cardinality(p_accounts) IS DISTINCT FROM n
	   OR (p_idem_keys IS NOT NULL AND cardinality(p_idem_keys) <> n) THEN
		RAISE EXCEPTION 'redeem_many: 1 to 10000 requests, all arrays of the same length'
			USING ERRCODE = 'CR004';
	END IF;
	-- (Length and character class tested apart: a bounded regex such as ^[!-~]{1,255}$ costs
	-- PostgreSQL's engine about 20 us a row, as much as the rest of the redemption.)
	SELECT min(q.i) INTO v_bad
	FROM unnest(p_serials, p_key_ids, p_accounts, p_idem_keys) WITH ORDINALITY AS q(s, k, a, ik, i)
	WHERE q.s IS NULL OR q.s NOT BETWEEN 0 AND card.serial_limit() - 1
	   OR q.k IS NULL OR q.k NOT BETWEEN 0 AND 15
	   OR q.a IS NULL OR length(q.a) NOT BETWEEN 1 AND 64 OR q.a ~ '[\u0001-\u001f\u007f-\u009f]'
	   OR length(q.ik) NOT BETWEEN 1 AND 255 OR q.ik ~ '[^!-~]';
	IF v_bad IS NOT NULL THEN
		RAISE EXCEPTION 'invalid redemption request %', v_bad USING ERRCODE = 'CR004',
			DETAIL = 'A serial is 0 to 2^40-1, a key_id 0 to 15, an account 1 to 64 characters without control characters, an idempotency key 1 to 255 printable ASCII characters (no spaces).';
	END IF;

	-- Steps 1 to 3 run first with plain INSERTs, which cost less than ON CONFLICT DO NOTHING
	-- (no speculative insertion: a WAL record and an index probe less a row).  They can only
	-- fail with a unique violation, when a key or a card is taken (by an earlier call, by a
	-- transaction that committed meanwhile, or by an earlier request of this call); that undoes
	-- the subtransaction and the steps run again with ON CONFLICT DO NOTHING.
	LOOP
	BEGIN
		-- 1. Claim idempotency keys: one INSERT, in key order (the first request with each
		-- key).  When it claims a key for every request (keys all new and distinct, the usual
		-- case), v_owner stays NULL: every request owns its key.
		IF p_idem_keys IS NOT NULL AND v_plain THEN
			INSERT INTO card.idempotency AS x (key, account, serial, outcome)
			SELECT u.ik, u.a, u.s, 'redeemed'
			FROM unnest(p_idem_keys, p_accounts, p_serials) AS u(ik, a, s)
			WHERE u.ik IS NOT NULL ORDER BY u.ik;
		ELSIF p_idem_keys IS NOT NULL THEN
			WITH ins AS (INSERT INTO card.idempotency AS x (key, account, serial, outcome)
			             SELECT DISTINCT ON (u.ik) u.ik, u.a, u.s, 'redeemed'
			             FROM unnest(p_idem_keys, p_accounts, p_serials) WITH ORDINALITY AS u(ik, a, s, i)
			             WHERE u.ik IS NOT NULL ORDER BY u.ik, u.i
			             ON CONFLICT (key) DO NOTHING RETURNING x.key)
			SELECT array_agg(ins.key) INTO v_claimed FROM ins;
			IF coalesce(cardinality(v_claimed), 0) < n THEN
				SELECT array_agg(CASE WHEN q.ik IS NULL THEN 0 WHEN f.i <> q.i THEN -f.i
				                      WHEN c.key IS NOT NULL THEN q.i ELSE -q.i END ORDER BY q.i)
				INTO v_owner
				FROM unnest(p_idem_keys) WITH ORDINALITY AS q(ik, i)
				LEFT JOIN (SELECT DISTINCT ON (u.ik) u.ik, u.i FROM unnest(p_idem_keys) WITH ORDINALITY AS u(ik, i)
				           WHERE u.ik IS NOT NULL ORDER BY u.ik, u.i) f ON f.ik = q.ik
				LEFT JOIN unnest(v_claimed) AS c(key) ON c.key = q.ik;
			END IF;
		END IF;

		-- 2. The per-card shared lock, in serial order, that pairs with card.void_card's
		-- exclusive one (card.card_lock_key).  Taken in a statement of its own, before the one
		-- that looks for void rows: in READ COMMITTED that one's snapshot is taken after every
		-- lock is granted.
		PERFORM pg_advisory_xact_lock_shared(card.card_lock_key(u.s))
		FROM (SELECT DISTINCT q.s FROM unnest(p_serials) WITH ORDINALITY AS q(s, i)
		      WHERE coalesce(v_owner[q.i], 0) >= 0 ORDER BY q.s) u;

		-- 3. Redeem: one INSERT ... SELECT of the first request for each card that
		-- card.redeemable finds (the batch says the term, so the partition:
		-- 0005_redemption_by_term.sql) and is not void.
		IF v_plain THEN
			WITH ins AS (INSERT INTO card.redemption AS r (serial, account, batch, term)
			             SELECT DISTINCT ON (q.s) q.s, q.a, b.batch, b.term
			             FROM unnest(p_serials, p_key_ids, p_accounts) WITH ORDINALITY AS q(s, k, a, i)
			             JOIN LATERAL card.redeemable(q.s, q.k) b ON NOT b.void
			             ORDER BY q.s, q.i
			             RETURNING r.serial, r.id, r.term, r.redeemed_at)
			SELECT array_agg(ins.serial), array_agg(ins.id), array_agg(ins.term), array_agg(ins.redeemed_at)
			INTO v_serial, v_id, v_term, v_at FROM ins;
		ELSE
			WITH ins AS (INSERT INTO card.redemption AS r (serial, account, batch, term)
			             SELECT DISTINCT ON (q.s) q.s, q.a, b.batch, b.term
			             FROM unnest(p_serials, p_key_ids, p_accounts) WITH ORDINALITY AS q(s, k, a, i)
			             JOIN LATERAL card.redeemable(q.s, q.k) b ON NOT b.void
			             WHERE coalesce(v_owner[q.i], 0) >= 0
			             ORDER BY q.s, q.i
			             ON CONFLICT (serial, term) DO NOTHING RETURNING r.serial, r.id, r.term, r.redeemed_at)
			SELECT array_agg(ins.serial), array_agg(ins.id), array_agg(ins.term), array_agg(ins.redeemed_at)
			INTO v_serial, v_id, v_term, v_at FROM ins;
		END IF;
		EXIT;
	EXCEPTION WHEN unique_violation THEN
		IF NOT v_plain THEN
			RAISE;
		END IF;
		v_plain := false;
	END;
	END LOOP;

	-- 4a. Every request inserted its row (distinct cards, no key replayed; the usual case):
	-- every outcome is redeemed, and the claimed keys already say so.
	IF coalesce(cardinality(v_id), 0) = n THEN
		RETURN QUERY
		SELECT 'redeemed'::text, q.s, r.id, r.term, t.face_value_fen, q.a, r.at
		FROM unnest(p_serials, p_accounts) WITH ORDINALITY AS q(s, a, i)
		JOIN unnest(v_serial, v_id, v_term, v_at) AS r(s, id, term, at) ON r.s = q.s
		JOIN card.term t ON t.code = r.term
		ORDER BY q.i;
		RETURN;
	END IF;

	-- 4b. Otherwise every outcome, from what each card is now: the locks of statement 2 keep
	-- it so (no void can commit), and a row statement 3 did not insert was committed by
	-- another transaction (ON CONFLICT waited for it; the plain try never gets here with such
	-- a row, it failed on it), so this statement sees it.  A request
	-- redeemed its card when the row is one statement 3 inserted and it was the first request
	-- for that card that could be.  The claimed keys store their outcomes.
	RETURN QUERY
	WITH q AS (SELECT u.s, u.k, u.a, u.ik, u.i,
	                  coalesce(v_owner[u.i], CASE WHEN u.ik IS NULL THEN 0 ELSE u.i::int END) AS own
	           FROM unnest(p_serials, p_key_ids, p_accounts, p_idem_keys) WITH ORDINALITY AS u(s, k, a, ik, i)),
	c AS (SELECT q.i, b.term, b.void, r.account AS racc, mine.id IS NOT NULL AS mine,
	             min(q.i) FILTER (WHERE b.term IS NOT NULL AND NOT b.void) OVER (PARTITION BY q.s) AS first
	      FROM q LEFT JOIN LATERAL card.redeemable(q.s, q.k) b ON true
	           LEFT JOIN card.redemption r ON r.serial = q.s AND r.term = b.term
	           LEFT JOIN unnest(v_id) AS mine(id) ON mine.id = r.id
	      WHERE q.own >= 0),
	o AS (SELECT q.s, q.a, q.ik, q.i, q.own, c.term,
	             CASE WHEN q.own >= 0 THEN
	                       CASE WHEN c.term IS NULL THEN 'invalid_code'
	                            WHEN c.void THEN 'card_void'
	                            WHEN c.mine AND c.first = q.i THEN 'redeemed'
	                            WHEN c.racc = q.a THEN 'repeated' ELSE 'already_redeemed' END
	                  WHEN q.own <> -q.i THEN NULL
	                  ELSE coalesce((SELECT CASE x.outcome WHEN 'redeemed' THEN 'repeated' ELSE x.outcome END
	                                 FROM card.idempotency x
	                                 WHERE x.key = q.ik AND x.serial = q.s AND x.account = q.a),
	                                'idempotency_key_reused') END AS outcome
	      FROM q LEFT JOIN c ON c.i = q.i),
	o2 AS (SELECT o.s, o.ik, o.i, o.own, o.term,
	              coalesce(o.outcome, CASE WHEN o.s = f.s AND o.a = f.a THEN
	                                       CASE f.outcome WHEN 'redeemed' THEN 'repeated' ELSE f.outcome END
	                                  ELSE 'idempotency_key_reused' END) AS outcome
	       FROM o LEFT JOIN o f ON o.outcome IS NULL AND f.i = -o.own),
	upd AS (UPDATE card.idempotency x SET outcome = o2.outcome FROM o2
	        WHERE o2.own = o2.i AND o2.outcome <> 'redeemed' AND x.key = o2.ik)
	-- The row of a redeemed or repeated request (in its term's partition when its batch was
	-- found, in each otherwise: a key's replay).
	SELECT o2.outcome, o2.s, r.id, r.term, r.face_value_fen, r.account, r.redeemed_at
	FROM o2 LEFT JOIN LATERAL (SELECT r.id, r.account, r.redeemed_at, r.term, t.face_value_fen
	                           FROM card.redemption r JOIN card.term t ON t.code = r.term
	                           WHERE r.serial = o2.s AND o2.outcome IN ('redeemed', 'repeated')
	                             AND r.term = coalesce(o2.term, r.term)) r ON true
	ORDER BY o2.i;
END $$;
REVOKE ALL ON FUNCTION card.redeem_many(bigint[], integer[], text[], text[]) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.redeem_many(bigint[], integer[], text[], text[]) TO card_daemon, card_city;
