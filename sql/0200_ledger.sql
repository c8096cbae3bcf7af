-- 0200_ledger.sql -- ledger moves: the only way cards change holder (docs/data-model.md).
--
-- CONTRACT for other migrations (call these from your own plpgsql functions; they run in the
-- caller's transaction and change nothing when they refuse):
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
-- States: 'stock' (at the org), 'transit' (shipped to the org, not yet received; the holding
-- row's doc is the shipment, i.e. the p_doc of the move INTO transit), 'distributed' (handed to
-- students and teachers), 'void'.  Moving out of transit takes any of the org's transit rows.
--
-- Errors: SQLSTATE CR001 when the source does not hold every serial of the range (the message
-- names the holder, the detail the missing serials and how many the holder has), when it holds
-- fewer than p_count, on a non-positive count, and when from = to; CR002 for an unknown term,
-- document or organisation; CR004 for a malformed range, state or kind.
--
-- Security: SECURITY INVOKER, so the caller's privileges and row-level security apply (a
-- district can only move what it can see).  Functions that must cross districts (a return to
-- city stock) are SECURITY DEFINER in their own migration and check the caller themselves.

CREATE INDEX ledger_serials ON card.ledger USING gist (serials);
CREATE INDEX holding_term_state ON card.holding (term, state);

-- "1000-1999" for [1000,2000): how serials appear in messages (inclusive, as printed on cards).
CREATE FUNCTION card.range_text(r int8range) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT CASE WHEN isempty(r) THEN 'none'
	            WHEN upper(r) - lower(r) = 1 THEN lower(r)::text
	            ELSE lower(r)::text || '-' || (upper(r) - 1)::text END
$$;

-- The first few ranges of a multirange, for messages: "5-9, 20, 31-40 and 3 more ranges".
CREATE FUNCTION card.ranges_text(m int8multirange) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT coalesce(string_agg(card.range_text(x.r), ', ' ORDER BY lower(x.r)) FILTER (WHERE x.n <= 5), 'none')
	       || CASE WHEN count(*) > 5 THEN format(' and %s more ranges', count(*) - 5) ELSE '' END
	FROM unnest(m) WITH ORDINALITY AS x(r, n)
$$;

CREATE FUNCTION card.balance(p_term text, p_org text, p_state text) RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT coalesce(sum(upper(h.serials) - lower(h.serials)), 0)::bigint
	FROM card.holding h
	WHERE h.term = p_term AND h.org = p_org AND h.state = p_state
$$;

CREATE FUNCTION card.holder_lock(p_term text, p_org_a text, p_state_a text, p_org_b text,
                                 p_state_b text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	ka bigint := hashtextextended('card.holder|' || p_term || '|' || p_org_a || '|' || p_state_a, 0);
	kb bigint := hashtextextended('card.holder|' || p_term || '|' || p_org_b || '|' || p_state_b, 0);
BEGIN
	PERFORM pg_advisory_xact_lock(least(ka, kb));
	IF ka <> kb THEN
		PERFORM pg_advisory_xact_lock(greatest(ka, kb));
	END IF;
END $$;

-- Checks shared by move and move_count (everything but the serials).
CREATE FUNCTION card.move_check(p_term text, p_doc uuid, p_kind text, p_from_org text,
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

CREATE FUNCTION card.move(p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text,
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

CREATE FUNCTION card.move_count(p_term text, p_doc uuid, p_kind text, p_from_org text,
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

REVOKE EXECUTE ON FUNCTION card.move(text, uuid, text, text, text, text, text, int8range),
	card.move_count(text, uuid, text, text, text, text, text, bigint, int8range),
	card.move_check(text, uuid, text, text, text, text, text),
	card.holder_lock(text, text, text, text, text),
	card.balance(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION card.move(text, uuid, text, text, text, text, text, int8range),
	card.move_count(text, uuid, text, text, text, text, text, bigint, int8range),
	card.move_check(text, uuid, text, text, text, text, text),
	card.holder_lock(text, text, text, text, text),
	card.balance(text, text, text) TO card_city, card_district;
