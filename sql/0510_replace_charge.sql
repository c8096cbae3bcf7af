-- 0510_replace_charge.sql -- workflow part 2: replacing defective cards, the charges after the
-- close, and the privileges and row-level security of the reconciliation tables.
--
--   card.replace     a school's defective card: void it (card.void_card when the audit
--                    migration provides it, else the same move to state void + card.void row),
--                    then issue one good card from the district's stock, else the city's, to
--                    the school in the defective card's state (stock or distributed).  Due 7
--                    days after the school's request; later is flagged late.
--   card.charge_run  after S+30: per district, the surplus it was ordered (settle_order) or,
--                    without a settlement, declared (approved Annex 4, net of its shortage) to
--                    return, minus what it returned, times the face value.  The first run
--                    closes the term (card.term.closed_at) and records one charge document per
--                    district that owes; later runs return the same rows.

-- A date typed by a person: YYYY-MM-DD, or CR004.  NULL stays NULL.
CREATE FUNCTION card.rc_date(p text) RETURNS date
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF p IS NULL THEN
		RETURN NULL;
	END IF;
	IF p !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
		RAISE EXCEPTION 'invalid date "%"', p USING ERRCODE = 'CR004', HINT = 'Write dates as YYYY-MM-DD.';
	END IF;
	RETURN p::date;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
	RAISE EXCEPTION 'invalid date "%"', p USING ERRCODE = 'CR004', HINT = 'Write dates as YYYY-MM-DD.';
END $$;

CREATE TABLE card.replacement (
	id         uuid PRIMARY KEY REFERENCES card.document (id),
	term       text NOT NULL REFERENCES card.term (code),
	district   text NOT NULL REFERENCES card.org (code),
	school     text NOT NULL REFERENCES card.org (code),
	old_serial bigint NOT NULL UNIQUE,
	new_serial bigint NOT NULL UNIQUE,
	source     text NOT NULL REFERENCES card.org (code),  -- whose stock the good card came from
	state      text NOT NULL CHECK (state IN ('stock', 'distributed')),
	reason     text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
	requested  date NOT NULL,
	due        date NOT NULL,
	done_on    date NOT NULL,
	late       boolean NOT NULL,
	by_role    text NOT NULL DEFAULT current_user,
	at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX replacement_term ON card.replacement (term, district);

CREATE FUNCTION card.replace(p_term text, p_doc uuid, p_school text, p_serial bigint,
                             p_reason text, p_requested date)
RETURNS TABLE (old_serial bigint, new_serial bigint, source text, state text, due date,
               late boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	t card.term := card.rc_term(p_term);
	s card.org := card.rc_org(p_school, 'school');
	v_city text := (SELECT o.code FROM card.org o WHERE o.kind = 'city');
	v_today date := card.bureau_today();
	v_req date := coalesce(p_requested, card.bureau_today());
	h record;
	v_src text;
	v_new int8range;
BEGIN
	PERFORM card.rc_access(s.district);
	p_reason := btrim(coalesce(p_reason, ''));
	IF p_reason = '' THEN
		RAISE EXCEPTION 'a replacement needs a reason' USING ERRCODE = 'CR004';
	END IF;
	IF v_req > v_today THEN
		RAISE EXCEPTION 'the request date % is in the future', v_req USING ERRCODE = 'CR004';
	END IF;
	IF p_serial IS NULL OR p_serial < 0 OR NOT EXISTS
	   (SELECT 1 FROM card.batch b WHERE b.term = p_term AND b.serials @> p_serial) THEN
		RAISE EXCEPTION 'card % is not a card of term "%"', p_serial, p_term USING ERRCODE = 'CR002';
	END IF;
	IF EXISTS (SELECT 1 FROM card.redemption r WHERE r.serial = p_serial) THEN
		RAISE EXCEPTION 'card % is redeemed: it cannot be replaced', p_serial USING ERRCODE = 'CR001',
			HINT = 'A redeemed card worked; only an unredeemed defective card is replaced.';
	END IF;
	IF EXISTS (SELECT 1 FROM card.void v WHERE v.serial = p_serial) THEN
		RAISE EXCEPTION 'card % is void already', p_serial USING ERRCODE = 'CR001';
	END IF;
	SELECT x.org, x.state INTO h FROM card.holding x WHERE x.term = p_term AND x.serials @> p_serial;
	IF h.org IS DISTINCT FROM s.code OR h.state NOT IN ('stock', 'distributed') THEN
		RAISE EXCEPTION 'school "%" does not hold card %', s.code, p_serial USING ERRCODE = 'CR001',
			DETAIL = format('The card is held by %s (%s).', coalesce(h.org, 'nobody'), coalesce(h.state, '-')),
			HINT = 'Only a card the school holds in stock or has handed out can be replaced.';
	END IF;
	INSERT INTO card.document (id, kind, term, district, created_by, note)
	VALUES (p_doc, 'replacement', p_term, s.district, session_user, format('replacement of card %s at %s', p_serial, s.code));
	IF to_regprocedure('card.void_card(text,uuid,text,text,bigint,text)') IS NOT NULL THEN
		PERFORM card.void_card(p_term, p_doc, s.code, h.state, p_serial, p_reason);
	ELSE
		PERFORM card.move(p_term, p_doc, 'void', s.code, h.state, s.code, 'void',
		                  int8range(p_serial, p_serial + 1));
		INSERT INTO card.void (serial, doc, reason) VALUES (p_serial, p_doc, p_reason);
	END IF;
	v_src := CASE WHEN card.balance(p_term, s.district, 'stock') > 0 THEN s.district
	              WHEN card.balance(p_term, v_city, 'stock') > 0 THEN v_city END;
	IF v_src IS NULL THEN
		RAISE EXCEPTION 'no good card to replace card % with', p_serial USING ERRCODE = 'CR001',
			DETAIL = format('Neither district "%s" nor the city holds cards in stock in term %s.', s.district, p_term);
	END IF;
	SELECT m INTO v_new FROM card.move_count(p_term, p_doc, 'replacement', v_src, 'stock', s.code,
	                                         h.state, 1) m;
	INSERT INTO card.replacement (id, term, district, school, old_serial, new_serial, source, state,
	                              reason, requested, due, done_on, late, by_role)
	VALUES (p_doc, p_term, s.district, s.code, p_serial, lower(v_new), v_src, h.state, p_reason,
	        v_req, v_req + 7, v_today, v_today > v_req + 7, session_user);
	RETURN QUERY SELECT p_serial, lower(v_new), v_src, h.state::text, v_req + 7, v_today > v_req + 7;
END $$;

CREATE TABLE card.charge (
	id             uuid PRIMARY KEY REFERENCES card.document (id),
	term           text NOT NULL REFERENCES card.term (code),
	district       text NOT NULL REFERENCES card.org (code),
	due_return     bigint NOT NULL,  -- ordered (or declared) to return
	returned       bigint NOT NULL,
	count          bigint NOT NULL CHECK (count > 0),
	face_value_fen integer NOT NULL,
	amount_fen     bigint NOT NULL,
	at             timestamptz NOT NULL DEFAULT now(),
	UNIQUE (term, district)
);

-- What each district owes at the close, computed (no change).
CREATE FUNCTION card.charge_due(p_term text)
RETURNS TABLE (district text, name text, due_return bigint, returned bigint, count bigint,
               face_value_fen integer, amount_fen bigint)
LANGUAGE sql STABLE AS $$
	SELECT o.code, o.name, x.due, x.ret, greatest(x.due - x.ret, 0), t.face_value_fen,
	       greatest(x.due - x.ret, 0) * t.face_value_fen
	FROM card.org o
	JOIN card.term t ON t.code = p_term
	CROSS JOIN LATERAL (
		SELECT coalesce(
		         (SELECT so.count FROM card.settle_order so
		          WHERE so.term = p_term AND so.district = o.code AND so.kind = 'return'),
		         CASE WHEN EXISTS (SELECT 1 FROM card.settlement s WHERE s.term = p_term) THEN 0 END,
		         (SELECT greatest(sum(l.surplus) - sum(l.shortage), 0) FROM card.adjust_line l
		          JOIN card.adjust_report a ON a.term = l.term AND a.district = l.district AND a.state = 'approved'
		          WHERE l.term = p_term AND l.district = o.code),
		         0)::bigint AS due,
		       (SELECT coalesce(sum(r.count), 0) FROM card.card_return r
		        WHERE r.term = p_term AND r.district = o.code)::bigint AS ret) x
	WHERE o.kind = 'district'
	ORDER BY o.code
$$;

CREATE FUNCTION card.charge_run(p_term text, p_docs uuid[])
RETURNS TABLE (district text, name text, due_return bigint, returned bigint, count bigint,
               face_value_fen integer, amount_fen bigint, doc uuid, created boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	t card.term;
	i integer := 0;
	r record;
	v_new boolean := false;
BEGIN
	PERFORM card.rc_term(p_term);
	SELECT * INTO t FROM card.term WHERE code = p_term FOR UPDATE;
	IF card.bureau_today() <= t.start_date + 30 THEN
		RAISE EXCEPTION 'the adjustment of term "%" is open until %: no charges before the close', p_term,
			t.start_date + 30 USING ERRCODE = 'CR003',
			HINT = format('Charges can be made from %s on.', t.start_date + 31);
	END IF;
	IF t.closed_at IS NULL THEN
		v_new := true;
		FOR r IN SELECT * FROM card.charge_due(p_term) c WHERE c.count > 0 LOOP
			i := i + 1;
			IF i > coalesce(array_length(p_docs, 1), 0) THEN
				RAISE EXCEPTION 'not enough document ids for the charges' USING ERRCODE = 'CR004';
			END IF;
			INSERT INTO card.document (id, kind, term, district, note)
			VALUES (p_docs[i], 'charge', p_term, r.district,
			        format('charge: %s cards not returned, %s fen', r.count, r.amount_fen));
			INSERT INTO card.charge (id, term, district, due_return, returned, count, face_value_fen, amount_fen)
			VALUES (p_docs[i], p_term, r.district, r.due_return, r.returned, r.count, r.face_value_fen,
			        r.amount_fen);
		END LOOP;
		UPDATE card.term SET closed_at = now() WHERE code = p_term;
	END IF;
	RETURN QUERY SELECT c.district, o.name, c.due_return, c.returned, c.count, c.face_value_fen,
	                    c.amount_fen, c.id, v_new
	             FROM card.charge c JOIN card.org o ON o.code = c.district
	             WHERE c.term = p_term ORDER BY c.district;
END $$;

-- Privileges and row-level security, following 0230_roles (docs/operations.md): the city
-- (card_city, by default privileges) runs every step; a district login its own transfers,
-- reports, approvals, returns and replacements, and sees only its own rows.  Returns and
-- replacements move cards to or from city stock, which a district cannot touch under the
-- ledger's policies: card.return_cards and card.replace are SECURITY DEFINER and check the
-- caller with card.rc_access first.
DO $$
DECLARE
	tb text;
BEGIN
	FOREACH tb IN ARRAY ARRAY['transfer', 'adjust_report', 'adjust_line', 'settle_order',
	                          'card_return', 'supplement', 'replacement', 'charge'] LOOP
		EXECUTE format('ALTER TABLE card.%I ENABLE ROW LEVEL SECURITY', tb);
		EXECUTE format('CREATE POLICY %I ON card.%I TO card_city USING (true) WITH CHECK (true)',
		               tb || '_city', tb);
		EXECUTE format('CREATE POLICY %I ON card.%I TO card_district '
		               'USING (district IN (SELECT unnest(card.my_districts()))) '
		               'WITH CHECK (district IN (SELECT unnest(card.my_districts())))',
		               tb || '_district', tb);
		EXECUTE format('GRANT SELECT ON card.%I TO card_district', tb);
	END LOOP;
END $$;
GRANT SELECT ON card.settlement TO card_district;
GRANT INSERT ON card.transfer, card.adjust_report, card.adjust_line TO card_district;
GRANT UPDATE, DELETE ON card.adjust_report, card.adjust_line TO card_district;

ALTER FUNCTION card.return_cards(text, uuid, text, text, bigint, int8range, text)
	SECURITY DEFINER SET search_path = pg_catalog, card;
ALTER FUNCTION card.replace(text, uuid, text, bigint, text, date)
	SECURITY DEFINER SET search_path = pg_catalog, card;

REVOKE EXECUTE ON FUNCTION card.transfer(text, uuid, text, text, bigint, text),
	card.adjust_file(text, text, uuid, integer[], text[], text[], text[], text[]),
	card.adjust_approve(text, text, uuid, text), card.adjust_proposal(text),
	card.adjust_settle(text, uuid, uuid[]),
	card.return_cards(text, uuid, text, text, bigint, int8range, text),
	card.supplement(text, uuid, text, bigint, text),
	card.replace(text, uuid, text, bigint, text, date), card.charge_due(text),
	card.charge_run(text, uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION card.transfer(text, uuid, text, text, bigint, text),
	card.adjust_file(text, text, uuid, integer[], text[], text[], text[], text[]),
	card.adjust_approve(text, text, uuid, text),
	card.return_cards(text, uuid, text, text, bigint, int8range, text),
	card.replace(text, uuid, text, bigint, text, date), card.charge_due(text),
	card.rc_term(text), card.rc_org(text, text), card.rc_open(card.term, text),
	card.rc_access(text), card.rc_date(text), card.bureau_today(),
	card.adjust_line_problem(text, text, bigint, bigint)
	TO card_city, card_district;
GRANT EXECUTE ON FUNCTION card.adjust_settle(text, uuid, uuid[]), card.adjust_proposal(text),
	card.supplement(text, uuid, text, bigint, text), card.charge_run(text, uuid[]) TO card_city;
