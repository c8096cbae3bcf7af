-- ledger.sql -- ledger moves, the only way cards change holder, and a card's state
-- (docs/data-model.md).
--
-- CONTRACT for the workflow functions (call these from plpgsql; they run in the caller's
-- transaction and change nothing when they refuse):
--
--   card.move(p_term text, p_doc uuid, p_kind text,
--             p_from_org text, p_from_state text, p_to_org text, p_to_state text,
--             p_serials int8range) RETURNS bigint
--     Moves every serial of p_serials (one contiguous range, [first, last+1)) from holder
--     (p_from_org, p_from_state) to (p_to_org, p_to_state) in term p_term, appends ONE
--     card.ledger row (kind p_kind, document p_doc) and returns the number of cards moved.
--
--   card.move_count(p_term, p_doc, p_kind, p_from_org, p_from_state, p_to_org, p_to_state,
--                   p_count bigint, p_within int8range DEFAULT NULL) RETURNS SETOF int8range
--     Moves the p_count lowest serials the source holds (only those inside p_within when it is
--     given, e.g. a district's part of a plan batch) and returns the contiguous ranges moved,
--     lowest first; one card.ledger row per range.
--
--   card.balance(p_term text, p_org text, p_state text) RETURNS bigint
--     How many cards the holder has in the term.
--
--   card.holder_lock(p_term, p_org_a, p_state_a, p_org_b, p_state_b) RETURNS void
--     The transaction-level advisory locks move and move_count take on both holders (in a
--     fixed order, so concurrent moves cannot deadlock).  Any other code that changes
--     card.holding for a holder must take this lock first.
--
--   card.void_card(p_term, p_doc, p_org, p_state, p_serial, p_reason): move one card from its
--     holder (p_org, p_state) to (p_org, 'void') and record card.void; refuses a redeemed card,
--     and excludes a concurrent redemption of it through a per-serial advisory lock.  Workflow
--     steps that void cards must use it: audit requires every void row to be held in state
--     void and every serial held in state void to have a void row.
--
-- States: 'stock' (at the org), 'transit' (shipped to the org, not yet received; the holding
-- row's doc is the shipment, i.e. the p_doc of the move INTO transit), 'distributed' (handed to
-- students and teachers), 'void'.  Moving out of transit takes any of the org's transit rows.
--
-- Errors: SQLSTATE CR001 when the source does not hold every serial of the range (the message
-- names the holder, the detail the missing serials and how many the holder has), when it holds
-- fewer than p_count, on a non-positive count, and when from = to; CR002 for an unknown term,
-- document or organisation; CR004 for a malformed range, state or kind.
--
-- Security: card.move, card.move_count and card.void_card are executable by the owner only
-- (sql/migrations/0002_writes_by_role.sql): no login moves cards but through a workflow step.
-- The steps that move cards (batch_mint, plan_mint, ship, receive, distribute, transit_loss,
-- transfer, supplement, return_cards, replace) are SECURITY DEFINER and check the caller
-- themselves (card.wf_access, card.rc_access, the grants to card_city) before they move any.
--
-- `cardctl db migrate` loads this file again whenever its text changes: keep every statement
-- safe to run twice (CREATE OR REPLACE; the grants after each function are all it gets).

-- "1000-1999" for [1000,2000): how serials appear in messages (inclusive, as printed on cards).
CREATE OR REPLACE FUNCTION card.range_text(r int8range) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT CASE WHEN isempty(r) THEN 'none'
	            WHEN upper(r) - lower(r) = 1 THEN lower(r)::text
	            ELSE lower(r)::text || '-' || (upper(r) - 1)::text END
$$;
REVOKE ALL ON FUNCTION card.range_text(int8range) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.range_text(int8range) TO card_city, card_district;

-- The first few ranges of a multirange, for messages: "5-9, 20, 31-40 and 3 more ranges".
CREATE OR REPLACE FUNCTION card.ranges_text(m int8multirange) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT coalesce(string_agg(card.range_text(x.r), ', ' ORDER BY lower(x.r)) FILTER (WHERE x.n <= 5), 'none')
	       || CASE WHEN count(*) > 5 THEN format(' and %s more ranges', count(*) - 5) ELSE '' END
	FROM unnest(m) WITH ORDINALITY AS x(r, n)
$$;
REVOKE ALL ON FUNCTION card.ranges_text(int8multirange) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.ranges_text(int8multirange) TO card_city, card_district;

CREATE OR REPLACE FUNCTION card.balance(p_term text, p_org text, p_state text) RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT coalesce(sum(upper(h.serials) - lower(h.serials)), 0)::bigint
	FROM card.holding h
	WHERE h.term = p_term AND h.org = p_org AND h.state = p_state
$$;
REVOKE ALL ON FUNCTION card.balance(text, text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.balance(text, text, text) TO card_city, card_district;

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
REVOKE ALL ON FUNCTION card.holder_lock(text, text, text, text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.holder_lock(text, text, text, text, text) TO card_city, card_district;

-- Checks shared by move and move_count (everything but the serials).
CREATE OR REPLACE FUNCTION card.move_check(p_term text, p_doc uuid, p_kind text, p_from_org text,
                                p_from_state text, p_to_org text, p_to_state text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_states constant text[] := ARRAY['stock', 'transit', 'distributed', 'void'];
BEGIN
	IF p_kind IS NULL OR p_kind !~ '^[a-z_]{1,32}$' THEN
		RAISE EXCEPTION 'invalid ledger kind "%"', p_kind USING ERRCODE = 'CR004',
			HINT = 'A kind is 1 to 32 lower-case letters or underscores, e.g. "shipment".';
	END IF;
	IF p_from_state IS NULL OR NOT p_from_state = ANY (v_states)
	   OR p_to_state IS NULL OR NOT p_to_state = ANY (v_states) THEN
		RAISE EXCEPTION 'invalid holder state "%" or "%"', p_from_state, p_to_state
			USING ERRCODE = 'CR004', HINT = 'States are stock, transit, distributed and void.';
	END IF;
	IF p_from_org IS NOT DISTINCT FROM p_to_org AND p_from_state = p_to_state THEN
		RAISE EXCEPTION 'cannot move cards from % (%) to itself', p_from_org, p_from_state
			USING ERRCODE = 'CR001';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM card.term WHERE code = p_term) THEN
		RAISE EXCEPTION 'no term "%"', p_term USING ERRCODE = 'CR002';
	END IF;
	IF p_doc IS NULL OR NOT EXISTS (SELECT 1 FROM card.document WHERE id = p_doc) THEN
		RAISE EXCEPTION 'no document %', p_doc USING ERRCODE = 'CR002',
			HINT = 'Every move needs the document (shipment, transfer, ...) that causes it.';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM card.org WHERE code = p_from_org) THEN
		RAISE EXCEPTION 'no organisation "%"', p_from_org USING ERRCODE = 'CR002';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM card.org WHERE code = p_to_org) THEN
		RAISE EXCEPTION 'no organisation "%"', p_to_org USING ERRCODE = 'CR002';
	END IF;
END $$;
REVOKE ALL ON FUNCTION card.move_check(text, uuid, text, text, text, text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.move_check(text, uuid, text, text, text, text, text) TO card_city, card_district;

CREATE OR REPLACE FUNCTION card.move(p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text,
                          p_to_org text, p_to_state text, p_serials int8range) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	v_held int8multirange;
	v_missing int8multirange;
	v_merged int8range := p_serials;
	v_doc uuid := CASE WHEN p_to_state = 'transit' THEN p_doc END;
	v_n bigint;
	r record;
BEGIN
	PERFORM card.move_check(p_term, p_doc, p_kind, p_from_org, p_from_state, p_to_org, p_to_state);
	IF p_serials IS NULL OR isempty(p_serials) OR lower_inf(p_serials) OR upper_inf(p_serials)
	   OR lower(p_serials) < 0 OR upper(p_serials) > 1099511627776 THEN
		RAISE EXCEPTION 'invalid serial range %', coalesce(p_serials::text, 'NULL')
			USING ERRCODE = 'CR004', HINT = 'A range is [first, last+1) with 0 <= first <= last < 2^40.';
	END IF;
	v_n := upper(p_serials) - lower(p_serials);
	PERFORM card.holder_lock(p_term, p_from_org, p_from_state, p_to_org, p_to_state);

	-- A new statement after the lock: it sees every move committed before we got it.
	SELECT range_agg(h.serials * p_serials) INTO v_held
	FROM card.holding h
	WHERE h.term = p_term AND h.org = p_from_org AND h.state = p_from_state AND h.serials && p_serials;
	IF v_held IS NULL OR NOT v_held @> p_serials THEN
		v_missing := int8multirange(p_serials) - coalesce(v_held, '{}'::int8multirange);
		RAISE EXCEPTION '% (%) does not hold serials %', p_from_org, p_from_state,
			card.ranges_text(v_missing)
			USING ERRCODE = 'CR001',
			DETAIL = format('%s of the %s cards %s are not held by %s (%s), which holds %s cards in term %s.',
			                v_n - coalesce((SELECT sum(upper(x) - lower(x)) FROM unnest(v_held) x), 0),
			                v_n, card.range_text(p_serials), p_from_org, p_from_state,
			                card.balance(p_term, p_from_org, p_from_state), p_term),
			HINT = 'Nothing was moved.  Check the holder with ''cardctl card show SERIAL''.';
	END IF;

	-- Cut the range out of the source's rows, keeping what lies outside it.
	FOR r IN DELETE FROM card.holding h
	         WHERE h.term = p_term AND h.org = p_from_org AND h.state = p_from_state
	           AND h.serials && p_serials
	         RETURNING h.serials, h.doc LOOP
		INSERT INTO card.holding (serials, term, org, state, doc)
		SELECT x, p_term, p_from_org, p_from_state, r.doc
		FROM unnest(int8multirange(r.serials) - int8multirange(p_serials)) x;
	END LOOP;

	-- Merge with the destination's adjacent rows, so a holder stays a few ranges.
	FOR r IN DELETE FROM card.holding h
	         WHERE h.term = p_term AND h.org = p_to_org AND h.state = p_to_state
	           AND h.doc IS NOT DISTINCT FROM v_doc AND h.serials -|- p_serials
	         RETURNING h.serials LOOP
		v_merged := v_merged + r.serials;
	END LOOP;
	INSERT INTO card.holding (serials, term, org, state, doc)
	VALUES (v_merged, p_term, p_to_org, p_to_state, v_doc);

	INSERT INTO card.ledger (term, doc, kind, from_org, from_state, to_org, to_state, serials)
	VALUES (p_term, p_doc, p_kind, p_from_org, p_from_state, p_to_org, p_to_state, p_serials);
	RETURN v_n;
END $$;
REVOKE ALL ON FUNCTION card.move(text, uuid, text, text, text, text, text, int8range) FROM PUBLIC, card_city, card_district, card_daemon;

CREATE OR REPLACE FUNCTION card.move_count(p_term text, p_doc uuid, p_kind text, p_from_org text,
                                p_from_state text, p_to_org text, p_to_state text, p_count bigint,
                                p_within int8range DEFAULT NULL) RETURNS SETOF int8range
LANGUAGE plpgsql AS $$
DECLARE
	v_within int8range := coalesce(p_within, '(,)'::int8range);
	v_avail bigint;
	v_left bigint := p_count;
	v_take int8multirange := '{}';
	v_r int8range;
	r record;
BEGIN
	PERFORM card.move_check(p_term, p_doc, p_kind, p_from_org, p_from_state, p_to_org, p_to_state);
	IF p_count IS NULL OR p_count <= 0 THEN
		RAISE EXCEPTION 'cannot move % cards: the count must be positive', coalesce(p_count::text, 'NULL')
			USING ERRCODE = 'CR001';
	END IF;
	PERFORM card.holder_lock(p_term, p_from_org, p_from_state, p_to_org, p_to_state);

	SELECT coalesce(sum(upper(h.serials * v_within) - lower(h.serials * v_within)), 0) INTO v_avail
	FROM card.holding h
	WHERE h.term = p_term AND h.org = p_from_org AND h.state = p_from_state AND h.serials && v_within;
	IF v_avail < p_count THEN
		RAISE EXCEPTION '% (%) holds % cards%, fewer than the % to move', p_from_org, p_from_state,
			v_avail, CASE WHEN p_within IS NULL THEN '' ELSE ' in ' || card.range_text(p_within) END, p_count
			USING ERRCODE = 'CR001',
			DETAIL = format('It holds %s cards in all in term %s.',
			                card.balance(p_term, p_from_org, p_from_state), p_term),
			HINT = 'Nothing was moved.';
	END IF;

	FOR r IN SELECT h.serials * v_within AS s
	         FROM card.holding h
	         WHERE h.term = p_term AND h.org = p_from_org AND h.state = p_from_state
	           AND h.serials && v_within
	         ORDER BY lower(h.serials) LOOP
		EXIT WHEN v_left = 0;
		v_r := CASE WHEN upper(r.s) - lower(r.s) > v_left
		            THEN int8range(lower(r.s), lower(r.s) + v_left) ELSE r.s END;
		v_take := v_take + int8multirange(v_r);
		v_left := v_left - (upper(v_r) - lower(v_r));
	END LOOP;

	-- Adjacent rows of the source become one range, one ledger row.
	FOR v_r IN SELECT x FROM unnest(v_take) x ORDER BY lower(x) LOOP
		PERFORM card.move(p_term, p_doc, p_kind, p_from_org, p_from_state, p_to_org, p_to_state, v_r);
		RETURN NEXT v_r;
	END LOOP;
	RETURN;
END $$;
REVOKE ALL ON FUNCTION card.move_count(text, uuid, text, text, text, text, text, bigint, int8range) FROM PUBLIC, card_city, card_district, card_daemon;

CREATE OR REPLACE FUNCTION card.card_show_all(p_serial bigint)
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
REVOKE ALL ON FUNCTION card.card_show_all(bigint) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.card_show_all(bigint) TO card_city, card_daemon;

CREATE OR REPLACE FUNCTION card.card_moves_all(p_serial bigint)
RETURNS TABLE (ledger_id bigint, at timestamptz, kind text, doc uuid, from_org text,
               from_state text, to_org text, to_state text, actor text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT l.id, l.at, l.kind, l.doc, l.from_org, l.from_state, l.to_org, l.to_state, l.actor
	FROM card.ledger l WHERE l.serials @> p_serial ORDER BY l.chain_seq
$$;
REVOKE ALL ON FUNCTION card.card_moves_all(bigint) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.card_moves_all(bigint) TO card_city, card_daemon;

CREATE OR REPLACE FUNCTION card.void_card(p_term text, p_doc uuid, p_org text, p_state text, p_serial bigint,
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
REVOKE ALL ON FUNCTION card.void_card(text, uuid, text, text, bigint, text) FROM PUBLIC, card_city, card_district, card_daemon;

-- A district's help desk looks up a card a student of its district brings: card.card_show and
-- card.card_moves now answer a district login too, for the cards its districts hold (in
-- transit to them, in stock, handed out or void there).  Any other card is no card to it (no
-- row), so a district learns nothing of another district's students and accounts.  The city
-- and the daemon (help-desk endpoint) see every card, as before.
--
-- card.card_show_all and card.card_moves_all answer for every card (the city's and the
-- daemon's); card.card_show and card.card_moves are the entry points, checked with
-- card.card_visible.
CREATE OR REPLACE FUNCTION card.card_visible(p_serial bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT card.is_city()
	       OR pg_has_role(session_user, 'card_daemon', 'MEMBER')
	       OR EXISTS (SELECT 1 FROM card.holding h
	                  WHERE h.serials @> p_serial
	                    AND card.org_district(h.org) = ANY (card.my_districts()))
$$;
REVOKE ALL ON FUNCTION card.card_visible(bigint) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.card_visible(bigint) TO card_city, card_district, card_daemon;

CREATE OR REPLACE FUNCTION card.card_show(p_serial bigint)
RETURNS TABLE (serial bigint, batch uuid, term text, key_id integer, face_value_fen integer,
               org text, state text, holder_doc uuid, redemption_id bigint, account text,
               redeemed_at timestamptz, void_reason text, void_doc uuid, voided_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT * FROM card.card_show_all(p_serial) WHERE (SELECT card.card_visible(p_serial))
$$;
REVOKE ALL ON FUNCTION card.card_show(bigint) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.card_show(bigint) TO card_city, card_district, card_daemon;

CREATE OR REPLACE FUNCTION card.card_moves(p_serial bigint)
RETURNS TABLE (ledger_id bigint, at timestamptz, kind text, doc uuid, from_org text,
               from_state text, to_org text, to_state text, actor text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT * FROM card.card_moves_all(p_serial) WHERE (SELECT card.card_visible(p_serial))
$$;
REVOKE ALL ON FUNCTION card.card_moves(bigint) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.card_moves(bigint) TO card_city, card_district, card_daemon;
