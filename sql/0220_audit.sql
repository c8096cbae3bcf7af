-- 0220_audit.sql -- the ledger's hash chain, card.audit, card state, and voiding a card.
--
-- Hash chain: every card.ledger row gets chain_seq (1, 2, 3, ... in commit order of the
-- ledger; the chain head row is locked by each insert until its transaction ends) and
-- hash = sha256(previous row's hash || card.ledger_row_bytes(row)).  card.ledger_head holds
-- the last (seq, hash).  A row edited, inserted or deleted behind the library's back (e.g. by
-- a superuser disabling the append-only trigger) breaks the chain, and card.audit reports the
-- first broken link.  The head hash is printed by `cardctl audit`: keep it on paper or
-- elsewhere; a chain rewritten from scratch no longer ends in it.
--
-- card.audit(p_term text DEFAULT NULL)
--   RETURNS TABLE (term text, item text, value bigint, ok boolean, detail text)
--   Figures and checks per term (all terms when NULL) plus the chain check (term NULL).  The
--   books balance when every row has ok.  Run it in one REPEATABLE READ transaction.
--
-- card.card_show(p_serial bigint) and card.card_moves(p_serial bigint): a card's state and
-- the ledger rows that moved it (SECURITY DEFINER; for card_daemon and card_city).
--
-- card.void_card(p_term, p_doc, p_org, p_state, p_serial, p_reason): move one card from its
-- holder (p_org, p_state) to (p_org, 'void') and record card.void; refuses a redeemed card,
-- and excludes a concurrent redemption of it through a per-serial advisory lock.
-- Workflow steps that void cards (replacement) must use it: audit requires every void row to
-- be held in state void and every serial held in state void to have a void row.

ALTER TABLE card.ledger ADD COLUMN chain_seq bigint UNIQUE, ADD COLUMN hash bytea;

CREATE TABLE card.ledger_head (
	one  boolean PRIMARY KEY DEFAULT true CHECK (one),
	seq  bigint NOT NULL,
	hash bytea NOT NULL
);
INSERT INTO card.ledger_head (seq, hash) VALUES (0, sha256(convert_to('libcard ledger v1', 'UTF8')));

-- The bytes a row's hash covers: every column but chain_seq and hash, each quoted, so no two
-- different rows give the same text.  `at` as integer microseconds since the epoch (no time
-- zone or DateStyle dependence).
CREATE FUNCTION card.ledger_row_bytes(p_id bigint, p_term text, p_doc uuid, p_kind text,
                                      p_from_org text, p_from_state text, p_to_org text,
                                      p_to_state text, p_serials int8range, p_actor text,
                                      p_at timestamptz) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT convert_to(format('%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L', p_id, p_term, p_doc, p_kind,
	                         p_from_org, p_from_state, p_to_org, p_to_state, lower(p_serials),
	                         upper(p_serials), p_actor,
	                         (extract(epoch FROM p_at) * 1000000)::bigint), 'UTF8')
$$;

CREATE FUNCTION card.ledger_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
DECLARE
	v_seq bigint;
	v_prev bytea;
BEGIN
	SELECT h.seq, h.hash INTO v_seq, v_prev FROM card.ledger_head h FOR UPDATE;
	NEW.chain_seq := v_seq + 1;
	NEW.hash := sha256(v_prev || card.ledger_row_bytes(NEW.id, NEW.term, NEW.doc, NEW.kind,
		NEW.from_org, NEW.from_state, NEW.to_org, NEW.to_state, NEW.serials, NEW.actor, NEW.at));
	UPDATE card.ledger_head SET seq = NEW.chain_seq, hash = NEW.hash;
	RETURN NEW;
END $$;

-- Chain the rows that exist already, in id order, then every new one.
DO $$
DECLARE
	r record;
	v_seq bigint := 0;
	v_prev bytea;
BEGIN
	SELECT hash INTO v_prev FROM card.ledger_head;
	ALTER TABLE card.ledger DISABLE TRIGGER ledger_append_only;
	FOR r IN SELECT * FROM card.ledger ORDER BY id LOOP
		v_seq := v_seq + 1;
		v_prev := sha256(v_prev || card.ledger_row_bytes(r.id, r.term, r.doc, r.kind, r.from_org,
			r.from_state, r.to_org, r.to_state, r.serials, r.actor, r.at));
		UPDATE card.ledger SET chain_seq = v_seq, hash = v_prev WHERE id = r.id;
	END LOOP;
	ALTER TABLE card.ledger ENABLE TRIGGER ledger_append_only;
	UPDATE card.ledger_head SET seq = v_seq, hash = v_prev;
END $$;

-- Ledger writers are serialised on the chain head anyway (its row stays locked until commit).
-- card.move takes that lock FIRST, before the holder locks: a transaction that holds a holder
-- lock then always holds the head too, so moves in several transactions cannot deadlock.
CREATE FUNCTION card.ledger_lock() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
BEGIN
	PERFORM 1 FROM card.ledger_head FOR UPDATE;
END $$;

CREATE OR REPLACE FUNCTION card.holder_lock(p_term text, p_org_a text, p_state_a text, p_org_b text,
                                            p_state_b text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	ka bigint := hashtextextended('card.holder|' || p_term || '|' || p_org_a || '|' || p_state_a, 0);
	kb bigint := hashtextextended('card.holder|' || p_term || '|' || p_org_b || '|' || p_state_b, 0);
BEGIN
	PERFORM card.ledger_lock();
	PERFORM pg_advisory_xact_lock(least(ka, kb));
	IF ka <> kb THEN
		PERFORM pg_advisory_xact_lock(greatest(ka, kb));
	END IF;
END $$;

CREATE TRIGGER ledger_chain BEFORE INSERT ON card.ledger
	FOR EACH ROW EXECUTE FUNCTION card.ledger_chain();
CREATE TRIGGER ledger_head_no_delete BEFORE DELETE OR TRUNCATE ON card.ledger_head
	FOR EACH STATEMENT EXECUTE FUNCTION card.forbid_change();

-- Verify the chain: (rows verified, first broken link or NULL, head hash in hex).
CREATE FUNCTION card.ledger_verify(OUT rows_ok bigint, OUT broken text, OUT head text)
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

-- Where the ledger says each serial of the term is: the last ledger row (by chain position)
-- covering each elementary segment between range boundaries.
CREATE FUNCTION card.ledger_replay(p_term text)
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

CREATE FUNCTION card.audit(p_term text DEFAULT NULL)
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
	-- Redemptions outside every batch (the batch column says otherwise: a changed row).
	SELECT count(*), string_agg(r.serial::text, ', ' ORDER BY r.serial) INTO v_n, v_list
	FROM card.redemption r LEFT JOIN card.batch b ON b.id = r.batch AND b.serials @> r.serial
	WHERE b.id IS NULL;
	RETURN QUERY SELECT NULL::text, 'redeemed_outside_batch', v_n, v_n = 0, left(v_list, 400);
END $$;

CREATE FUNCTION card.card_show(p_serial bigint)
RETURNS TABLE (serial bigint, batch uuid, term text, key_id integer, face_value_fen integer,
               org text, state text, holder_doc uuid, redemption_id bigint, account text,
               redeemed_at timestamptz, void_reason text, void_doc uuid, voided_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT p_serial, b.id, b.term, b.key_id::integer, t.face_value_fen, h.org, h.state, h.doc,
	       r.id, r.account, r.redeemed_at, v.reason, v.doc, v.at
	FROM card.batch b
	JOIN card.term t ON t.code = b.term
	LEFT JOIN card.holding h ON h.serials @> p_serial
	LEFT JOIN card.redemption r ON r.serial = p_serial
	LEFT JOIN card.void v ON v.serial = p_serial
	WHERE b.serials @> p_serial
$$;

CREATE FUNCTION card.card_moves(p_serial bigint)
RETURNS TABLE (ledger_id bigint, at timestamptz, kind text, doc uuid, from_org text,
               from_state text, to_org text, to_state text, actor text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT l.id, l.at, l.kind, l.doc, l.from_org, l.from_state, l.to_org, l.to_state, l.actor
	FROM card.ledger l WHERE l.serials @> p_serial ORDER BY l.chain_seq
$$;

CREATE FUNCTION card.void_card(p_term text, p_doc uuid, p_org text, p_state text, p_serial bigint,
                               p_reason text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF p_reason IS NULL OR length(btrim(p_reason)) = 0 THEN
		RAISE EXCEPTION 'a void needs a reason' USING ERRCODE = 'CR004';
	END IF;
	IF p_state = 'void' THEN
		RAISE EXCEPTION 'card % is void already', p_serial USING ERRCODE = 'CR001';
	END IF;
	-- Exclusive per-serial lock, paired with the shared one card.redeem_many takes: without
	-- it a void and a redemption racing could both commit (each unaware of the other).  After
	-- the lock, the next statement sees any redemption committed before it.
	PERFORM pg_advisory_xact_lock(343452248145133568 + p_serial);  -- 0x4C43 << 44 | serial
	IF EXISTS (SELECT 1 FROM card.redemption r WHERE r.serial = p_serial) THEN
		RAISE EXCEPTION 'card % was redeemed: it cannot be voided', p_serial USING ERRCODE = 'CR001';
	END IF;
	PERFORM card.move(p_term, p_doc, 'void', p_org, p_state, p_org, 'void', int8range(p_serial, p_serial + 1));
	INSERT INTO card.void (serial, doc, reason) VALUES (p_serial, p_doc, p_reason);
END $$;

REVOKE ALL ON FUNCTION card.ledger_chain(), card.ledger_lock(), card.ledger_verify(), card.ledger_replay(text),
	card.audit(text), card.card_show(bigint), card.card_moves(bigint),
	card.void_card(text, uuid, text, text, bigint, text),
	card.ledger_row_bytes(bigint, text, uuid, text, text, text, text, text, int8range, text, timestamptz)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION card.ledger_verify(), card.ledger_replay(text), card.audit(text),
	card.ledger_row_bytes(bigint, text, uuid, text, text, text, text, text, int8range, text, timestamptz)
	TO card_city;
GRANT EXECUTE ON FUNCTION card.card_show(bigint), card.card_moves(bigint) TO card_city, card_daemon;
GRANT EXECUTE ON FUNCTION card.void_card(text, uuid, text, text, bigint, text), card.ledger_lock()
	TO card_city, card_district;
