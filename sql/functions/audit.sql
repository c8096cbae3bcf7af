-- audit.sql -- the ledger's hash chain and card.audit.
--
-- Hash chain: every card.ledger row gets chain_seq (1, 2, 3, ... in commit order of the
-- ledger; the chain head row is locked by each insert until its transaction ends) and
-- hash = sha256(previous row's hash || card.ledger_row_bytes(row)).  card.ledger_head holds
-- the last (seq, hash).  A row edited, inserted or deleted behind the library's back (e.g. by
-- a superuser disabling the append-only trigger) breaks the chain, and card.audit reports the
-- first broken link.  The head hash is printed by `cardctl audit`: keep it on paper or
-- elsewhere; a chain rewritten from scratch no longer ends in it.  The trigger function
-- card.ledger_chain is schema (sql/migrations/0001_baseline.sql).
--
-- card.audit(p_term text DEFAULT NULL)
--   RETURNS TABLE (term text, item text, value bigint, ok boolean, detail text)
--   Figures and checks per term (all terms when NULL) plus the chain check (term NULL).  The
--   books balance when every row has ok.  Run it in one REPEATABLE READ transaction.
--
-- `cardctl db migrate` loads this file again whenever its text changes: keep every statement
-- safe to run twice (CREATE OR REPLACE; the grants after each function are all it gets).

-- The bytes a row's hash covers: every column but chain_seq and hash, each quoted, so no two
-- different rows give the same text.  `at` as integer microseconds since the epoch (no time
-- zone or DateStyle dependence).
CREATE OR REPLACE FUNCTION card.ledger_row_bytes(p_id bigint, p_term text, p_doc uuid, p_kind text,
                                      p_from_org text, p_from_state text, p_to_org text,
                                      p_to_state text, p_serials int8range, p_actor text,
                                      p_at timestamptz) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT convert_to(format('%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L', p_id, p_term, p_doc, p_kind,
	                         p_from_org, p_from_state, p_to_org, p_to_state, lower(p_serials),
	                         upper(p_serials), p_actor,
	                         (extract(epoch FROM p_at) * 1000000)::bigint), 'UTF8')
$$;
REVOKE ALL ON FUNCTION card.ledger_row_bytes(bigint, text, uuid, text, text, text, text, text, int8range, text, timestamp with time zone) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.ledger_row_bytes(bigint, text, uuid, text, text, text, text, text, int8range, text, timestamp with time zone) TO card_city;

-- Ledger writers are serialised on the chain head anyway (its row stays locked until commit).
-- card.move takes that lock FIRST, before the holder locks: a transaction that holds a holder
-- lock then always holds the head too, so moves in several transactions cannot deadlock.
CREATE OR REPLACE FUNCTION card.ledger_lock() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
BEGIN
	PERFORM 1 FROM card.ledger_head FOR UPDATE;
END $$;
REVOKE ALL ON FUNCTION card.ledger_lock() FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.ledger_lock() TO card_city, card_district;

-- Verify the chain: (rows verified, first broken link or NULL, head hash in hex).
CREATE OR REPLACE FUNCTION card.ledger_verify(OUT rows_ok bigint, OUT broken text, OUT head text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	r record;
	v_prev bytea;
	v_seq bigint := 0;
	v_head record;
BEGIN
	rows_ok := 0;
	SELECT sha256(convert_to('libcard ledger v1', 'UTF8')) INTO v_prev;
	FOR r IN SELECT * FROM card.ledger ORDER BY chain_seq NULLS LAST, id LOOP
		v_seq := v_seq + 1;
		IF r.chain_seq IS DISTINCT FROM v_seq THEN
			broken := format('ledger row %s has chain position %s, expected %s (a row was inserted without the chain or deleted)',
			                 r.id, coalesce(r.chain_seq::text, 'none'), v_seq);
			EXIT;
		END IF;
		IF r.hash IS DISTINCT FROM sha256(v_prev || card.ledger_row_bytes(r.id, r.term, r.doc, r.kind,
				r.from_org, r.from_state, r.to_org, r.to_state, r.serials, r.actor, r.at)) THEN
			broken := format('ledger row %s (chain position %s) does not match its hash: it was changed after it was written',
			                 r.id, v_seq);
			EXIT;
		END IF;
		v_prev := r.hash;
		rows_ok := rows_ok + 1;
	END LOOP;
	SELECT h.seq, h.hash INTO v_head FROM card.ledger_head h;
	IF broken IS NULL AND (v_head.seq <> rows_ok OR v_head.hash <> v_prev) THEN
		broken := format('the chain ends at position %s but its head says %s: ledger rows were deleted',
		                 rows_ok, v_head.seq);
	END IF;
	head := encode(v_head.hash, 'hex');
END $$;
REVOKE ALL ON FUNCTION card.ledger_verify() FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.ledger_verify() TO card_city;

-- Where the ledger says each serial of the term is: the last ledger row (by chain position)
-- covering each elementary segment between range boundaries.
CREATE OR REPLACE FUNCTION card.ledger_replay(p_term text)
RETURNS TABLE (org text, state text, serials int8multirange)
LANGUAGE sql STABLE AS $$
	WITH pts AS (
		SELECT DISTINCT v.x FROM card.ledger l,
		       LATERAL (VALUES (lower(l.serials)), (upper(l.serials))) v(x)
		WHERE l.term = p_term),
	seg AS (SELECT x AS lo, lead(x) OVER (ORDER BY x) AS hi FROM pts),
	pos AS (
		SELECT s.lo, s.hi, w.to_org, w.to_state FROM seg s
		CROSS JOIN LATERAL (SELECT l.to_org, l.to_state FROM card.ledger l
		                    WHERE l.term = p_term AND l.serials @> s.lo
		                    ORDER BY l.chain_seq DESC NULLS LAST LIMIT 1) w
		WHERE s.hi IS NOT NULL)
	SELECT p.to_org, p.to_state, range_agg(int8range(p.lo, p.hi)) FROM pos p GROUP BY 1, 2
$$;
REVOKE ALL ON FUNCTION card.ledger_replay(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.ledger_replay(text) TO card_city;

CREATE OR REPLACE FUNCTION card.audit(p_term text DEFAULT NULL)
RETURNS TABLE (term text, item text, value bigint, ok boolean, detail text)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
	t record;
	v record;
	v_minted int8multirange;
	v_held int8multirange;
	v_n bigint;
	v_sum bigint;
	v_list text;
BEGIN
	IF p_term IS NOT NULL AND NOT EXISTS (SELECT 1 FROM card.term x WHERE x.code = p_term) THEN
		RAISE EXCEPTION 'no term "%"', p_term USING ERRCODE = 'CR002';
	END IF;
	SELECT * INTO v FROM card.ledger_verify();
	RETURN QUERY SELECT NULL::text, 'ledger_chain', v.rows_ok, v.broken IS NULL,
		coalesce(v.broken, 'head ' || v.head);

	FOR t IN SELECT x.code FROM card.term x WHERE p_term IS NULL OR x.code = p_term ORDER BY x.code LOOP
		SELECT coalesce(sum(b.card_count), 0), coalesce(range_agg(b.serials), '{}')
		INTO v_n, v_minted FROM card.batch b WHERE b.term = t.code;
		SELECT coalesce(sum(upper(h.serials) - lower(h.serials)), 0), coalesce(range_agg(h.serials), '{}')
		INTO v_sum, v_held FROM card.holding h WHERE h.term = t.code;
		RETURN QUERY SELECT t.code, 'minted', v_n, true, NULL::text;
		-- Figures per holder kind.
		RETURN QUERY
			SELECT t.code, k.item, coalesce(sum(upper(h.serials) - lower(h.serials)), 0)::bigint, true, NULL::text
			FROM (VALUES (1, 'city_stock'), (2, 'district_stock'), (3, 'school_stock'), (4, 'transit'),
			             (5, 'distributed'), (6, 'void')) k(n, item)
			LEFT JOIN (card.holding h JOIN card.org o ON o.code = h.org)
			       ON h.term = t.code AND k.item = CASE WHEN h.state = 'stock' THEN o.kind || '_stock' ELSE h.state END
			GROUP BY k.n, k.item ORDER BY k.n;
		RETURN QUERY SELECT t.code, 'held_total', v_sum, v_sum = v_n,
			CASE WHEN v_sum <> v_n THEN format('minted %s but holdings sum to %s', v_n, v_sum) END;
		-- Every minted serial held exactly once, and nothing else held.
		RETURN QUERY SELECT t.code, 'held_once', v_sum, v_held = v_minted AND v_sum = v_n,
			CASE WHEN v_held <> v_minted OR v_sum <> v_n THEN
				format('minted but not held: %s; held but not minted: %s; overlapping holdings: %s',
				       card.ranges_text(v_minted - v_held), card.ranges_text(v_held - v_minted),
				       v_sum - (SELECT coalesce(sum(upper(x) - lower(x)), 0) FROM unnest(v_held) x)) END;
		-- Replay the ledger and compare with card.holding, holder by holder.
		SELECT count(*), string_agg(format('%s (%s): ledger %s, holdings %s', d.org, d.state,
		               card.ranges_text(d.lr), card.ranges_text(d.hr)), '; ' ORDER BY d.org, d.state)
		INTO v_n, v_list
		FROM (SELECT coalesce(r.org, h.org) AS org, coalesce(r.state, h.state) AS state,
		             coalesce(r.serials, '{}') AS lr, coalesce(h.serials, '{}') AS hr
		      FROM card.ledger_replay(t.code) r
		      FULL JOIN (SELECT h.org, h.state, range_agg(h.serials) AS serials FROM card.holding h
		                 WHERE h.term = t.code GROUP BY 1, 2) h ON h.org = r.org AND h.state = r.state) d
		WHERE d.lr <> d.hr;
		RETURN QUERY SELECT t.code, 'ledger_replay', v_n, v_n = 0, v_list;
		-- Voids: a row for every serial held void, and held void for every row.
		SELECT count(*) INTO v_n FROM card.void x WHERE v_minted @> x.serial;
		RETURN QUERY SELECT t.code, 'void_rows', v_n, true, NULL::text;
		SELECT count(*), string_agg(x.serial::text, ', ' ORDER BY x.serial) INTO v_n, v_list
		FROM card.void x
		WHERE v_minted @> x.serial AND NOT EXISTS (
			SELECT 1 FROM card.holding h WHERE h.term = t.code AND h.state = 'void' AND h.serials @> x.serial);
		RETURN QUERY SELECT t.code, 'void_not_held_void', v_n, v_n = 0, left(v_list, 400);
		SELECT coalesce(sum(upper(h.serials) - lower(h.serials)), 0) INTO v_sum
		FROM card.holding h WHERE h.term = t.code AND h.state = 'void';
		SELECT count(*) INTO v_n FROM card.void x
		JOIN card.holding h ON h.term = t.code AND h.state = 'void' AND h.serials @> x.serial;
		RETURN QUERY SELECT t.code, 'held_void_without_row', v_sum - v_n, v_sum = v_n, NULL::text;
		-- Redemptions: of cards that left the city (shipped at least), never void.
		SELECT count(*) INTO v_n FROM card.redemption r JOIN card.batch b ON b.id = r.batch
		WHERE b.term = t.code;
		RETURN QUERY SELECT t.code, 'redeemed', v_n, true, NULL::text;
		SELECT count(*), string_agg(r.serial::text, ', ' ORDER BY r.serial) INTO v_n, v_list
		FROM card.redemption r JOIN card.batch b ON b.id = r.batch
		WHERE b.term = t.code AND NOT EXISTS (
			SELECT 1 FROM card.holding h JOIN card.org o ON o.code = h.org
			WHERE h.term = t.code AND h.serials @> r.serial AND NOT (o.kind = 'city' AND h.state = 'stock'));
		RETURN QUERY SELECT t.code, 'redeemed_not_shipped', v_n, v_n = 0,
			CASE WHEN v_n > 0 THEN 'redeemed while in city stock or never minted: ' || left(v_list, 400) END;
		SELECT count(*), string_agg(r.serial::text, ', ' ORDER BY r.serial) INTO v_n, v_list
		FROM card.redemption r JOIN card.void x ON x.serial = r.serial JOIN card.batch b ON b.id = r.batch
		WHERE b.term = t.code;
		RETURN QUERY SELECT t.code, 'redeemed_void', v_n, v_n = 0,
			CASE WHEN v_n > 0 THEN 'redeemed and void: ' || left(v_list, 400) END;
	END LOOP;
	-- Redemptions outside their batch, or in another term's partition than their batch's (a
	-- row card.redeem_many did not write: it takes both from the batch it finds).
	SELECT count(*), string_agg(r.serial::text, ', ' ORDER BY r.serial) INTO v_n, v_list
	FROM card.redemption r LEFT JOIN card.batch b
	     ON b.id = r.batch AND b.serials @> r.serial AND b.term = r.term
	WHERE b.id IS NULL;
	RETURN QUERY SELECT NULL::text, 'redeemed_outside_batch', v_n, v_n = 0, left(v_list, 400);
END $$;
REVOKE ALL ON FUNCTION card.audit(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.audit(text) TO card_city;
