-- schema_prev.sql -- a database at the previous state of sql/ (the squashed baseline of 0.1.0, commit
-- 'sql layout', migration 0001 and its function files), as pg_dump --no-owner wrote it.  tests/migrate_prev.sh
-- migrates it with this tree's cardctl and compares it with a fresh database.  Refresh it at each
-- release: pg_dump --no-owner of an empty database migrated by that release (sql/README.md).
--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: card; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA card;


--
-- Name: adjust_approve(text, text, uuid, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.adjust_approve(p_term text, p_district text, p_doc uuid, p_approver text) RETURNS timestamp with time zone
    LANGUAGE plpgsql
    AS $$
DECLARE
	t card.term := card.rc_term(p_term);
	a card.adjust_report;
	p text;
BEGIN
	PERFORM card.rc_org(p_district, 'district');
	PERFORM card.rc_access(p_district);
	PERFORM card.rc_open(t, 'approvals');
	SELECT * INTO a FROM card.adjust_report WHERE term = p_term AND district = p_district FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'district "%" has filed no adjustment report for term "%"', p_district, p_term
			USING ERRCODE = 'CR002', HINT = 'File it with ''cardctl adjust file''.';
	END IF;
	IF a.state <> 'draft' THEN
		RAISE EXCEPTION 'the adjustment report of district "%" is already approved', p_district
			USING ERRCODE = 'CR003';
	END IF;
	IF p_approver IS NULL OR btrim(p_approver) = '' THEN
		RAISE EXCEPTION 'the approver''s name is required' USING ERRCODE = 'CR004';
	END IF;
	SELECT string_agg(x.p, '; ') INTO p
	FROM (SELECT card.adjust_line_problem(p_term, l.school, l.surplus, l.shortage) AS p
	      FROM card.adjust_line l WHERE l.term = p_term AND l.district = p_district ORDER BY l.line) x
	WHERE x.p IS NOT NULL;
	IF p IS NOT NULL THEN
		RAISE EXCEPTION 'the adjustment report of district "%" no longer matches the ledger', p_district
			USING ERRCODE = 'CR001', DETAIL = p || '.', HINT = 'File a corrected report.';
	END IF;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'adjustment-approval', p_term, p_district, 'adjustment report approved by ' || btrim(p_approver));
	UPDATE card.adjust_report SET state = 'approved', approval = p_doc, approver = btrim(p_approver),
	       approved_by = current_user, approved_at = now()
	 WHERE term = p_term AND district = p_district;
	RETURN now();
END $$;


--
-- Name: adjust_file(text, text, uuid, integer[], text[], text[], text[], text[]); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.adjust_file(p_term text, p_district text, p_doc uuid, p_line integer[], p_school text[], p_surplus text[], p_shortage text[], p_reason text[]) RETURNS TABLE(schools integer, surplus bigint, shortage bigint, due date, late boolean)
    LANGUAGE plpgsql
    AS $_$
#variable_conflict use_column
DECLARE
	t card.term := card.rc_term(p_term);
	dist card.org := card.rc_org(p_district, 'district');
	errs text[] := '{}';
	n integer := coalesce(array_length(p_school, 1), 0);
	o card.org;
	s text; r text; v_sur bigint; v_sho bigint; p text;
	seen jsonb := '{}';
	st text;
BEGIN
	PERFORM card.rc_access(p_district);
	PERFORM card.rc_open(t, 'adjustment reports');
	SELECT a.state INTO st FROM card.adjust_report a WHERE a.term = p_term AND a.district = p_district;
	IF st = 'approved' THEN
		RAISE EXCEPTION 'the adjustment report of district "%" is already approved', p_district
			USING ERRCODE = 'CR003', HINT = 'Only a draft can be replaced.';
	END IF;
	IF EXISTS (SELECT 1 FROM card.settlement x WHERE x.term = p_term) THEN
		RAISE EXCEPTION 'the city has settled term "%"', p_term USING ERRCODE = 'CR003';
	END IF;
	CREATE TEMP TABLE IF NOT EXISTS adjust_in (line integer, school text, surplus bigint,
		shortage bigint, reason text) ON COMMIT DROP;
	TRUNCATE adjust_in;
	FOR i IN 1 .. n LOOP
		s := btrim(coalesce(p_school[i], ''));
		r := nullif(btrim(coalesce(p_reason[i], '')), '');
		v_sur := 0; v_sho := 0;
		IF lower(s) IN ('合计', '总计', '小计', 'total') THEN
			CONTINUE;
		END IF;
		IF s = '' THEN
			errs := errs || format('line %s: the school code is empty', p_line[i]);
			CONTINUE;
		END IF;
		IF btrim(coalesce(p_surplus[i], '')) <> '' THEN
			IF btrim(p_surplus[i]) !~ '^[0-9]{1,12}$' THEN
				errs := errs || format('line %s: surplus "%s" is not a whole number >= 0', p_line[i], p_surplus[i]);
				CONTINUE;
			END IF;
			v_sur := btrim(p_surplus[i])::bigint;
		END IF;
		IF btrim(coalesce(p_shortage[i], '')) <> '' THEN
			IF btrim(p_shortage[i]) !~ '^[0-9]{1,12}$' THEN
				errs := errs || format('line %s: shortage "%s" is not a whole number >= 0', p_line[i], p_shortage[i]);
				CONTINUE;
			END IF;
			v_sho := btrim(p_shortage[i])::bigint;
		END IF;
		SELECT * INTO o FROM card.org WHERE code = s;
		IF NOT FOUND OR o.kind <> 'school' THEN
			errs := errs || format('line %s: unknown school "%s"', p_line[i], s);
			CONTINUE;
		END IF;
		IF o.district <> p_district THEN
			errs := errs || format('line %s: school "%s" is in district "%s", not "%s"', p_line[i], s,
			                       o.district, p_district);
			CONTINUE;
		END IF;
		IF seen ? s THEN
			errs := errs || format('line %s: school "%s" again (first on line %s)', p_line[i], s, seen ->> s);
			CONTINUE;
		END IF;
		seen := seen || jsonb_build_object(s, p_line[i]);
		IF v_sur > 0 AND v_sho > 0 THEN
			errs := errs || format('line %s: school "%s" has both a surplus and a shortage', p_line[i], s);
			CONTINUE;
		END IF;
		IF v_sur + v_sho > 0 AND r IS NULL THEN
			errs := errs || format('line %s: the reason is missing for school "%s"', p_line[i], s);
			CONTINUE;
		END IF;
		p := card.adjust_line_problem(p_term, s, v_sur, v_sho);
		IF p IS NOT NULL THEN
			errs := errs || format('line %s: %s', p_line[i], p);
			CONTINUE;
		END IF;
		INSERT INTO adjust_in VALUES (p_line[i], s, v_sur, v_sho, r);
	END LOOP;
	IF n = 0 OR (cardinality(errs) = 0 AND NOT EXISTS (SELECT 1 FROM adjust_in)) THEN
		errs := errs || 'the file has no school lines'::text;
	END IF;
	IF cardinality(errs) > 0 THEN
		RAISE EXCEPTION '%', errs[1] USING ERRCODE = 'CR004',
			DETAIL = format('%s problem%s, nothing was filed: %s', cardinality(errs),
			                CASE WHEN cardinality(errs) > 1 THEN 's' ELSE '' END,
			                array_to_string(errs, '; ')),
			HINT = 'Correct the file and file it again.';
	END IF;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'adjustment-report', p_term, p_district, 'adjustment report (Annex 4)');
	INSERT INTO card.adjust_report AS a (term, district, doc, due, filed_on, late)
	VALUES (p_term, p_district, p_doc, t.start_date + 14, card.bureau_today(),
	        card.bureau_today() > t.start_date + 14)
	ON CONFLICT ON CONSTRAINT adjust_report_pkey DO UPDATE
	SET doc = EXCLUDED.doc, filed_on = EXCLUDED.filed_on, late = EXCLUDED.late,
	    filed_by = current_user, filed_at = now();
	DELETE FROM card.adjust_line l WHERE l.term = p_term AND l.district = p_district;
	INSERT INTO card.adjust_line (term, district, school, surplus, shortage, reason, line)
	SELECT p_term, p_district, i.school, i.surplus, i.shortage, i.reason, i.line FROM adjust_in i;
	RETURN QUERY SELECT count(*)::integer, coalesce(sum(i.surplus), 0)::bigint,
	                    coalesce(sum(i.shortage), 0)::bigint, t.start_date + 14,
	                    card.bureau_today() > t.start_date + 14
	             FROM adjust_in i;
END $_$;


--
-- Name: adjust_line_problem(text, text, bigint, bigint); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.adjust_line_problem(p_term text, p_school text, p_surplus bigint, p_shortage bigint) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
	v_stock bigint := card.balance(p_term, p_school, 'stock');
BEGIN
	IF p_surplus > v_stock THEN
		RETURN format('school "%s" declares a surplus of %s but holds %s cards in stock (%s distributed)',
		              p_school, p_surplus, v_stock, card.balance(p_term, p_school, 'distributed'));
	END IF;
	IF p_shortage > 0 AND v_stock > 0 THEN
		RETURN format('school "%s" declares a shortage of %s but still holds %s cards in stock',
		              p_school, p_shortage, v_stock);
	END IF;
	RETURN NULL;
END $$;


--
-- Name: adjust_proposal(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.adjust_proposal(p_term text) RETURNS TABLE(district text, name text, report text, surplus bigint, shortage bigint, internal bigint, return_count bigint, supplement_count bigint, uncovered bigint, note text)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
	v_city text := (SELECT o.code FROM card.org o WHERE o.kind = 'city');
	v_avail bigint;
	r record;
	v_sup bigint;
BEGIN
	PERFORM card.rc_term(p_term);
	CREATE TEMP TABLE IF NOT EXISTS adjust_prop (district text, name text, report text,
		surplus bigint, shortage bigint, internal bigint, return_count bigint,
		supplement_count bigint, uncovered bigint, note text) ON COMMIT DROP;
	TRUNCATE adjust_prop;
	INSERT INTO adjust_prop
	SELECT o.code, o.name, coalesce(a.state, 'none'), coalesce(x.s, 0), coalesce(x.h, 0),
	       least(coalesce(x.s, 0), coalesce(x.h, 0)), coalesce(x.s, 0) - least(coalesce(x.s, 0), coalesce(x.h, 0)),
	       0, 0, NULL
	FROM card.org o
	LEFT JOIN card.adjust_report a ON a.term = p_term AND a.district = o.code
	LEFT JOIN (SELECT l.district, sum(l.surplus)::bigint AS s, sum(l.shortage)::bigint AS h
	           FROM card.adjust_line l JOIN card.adjust_report a2 ON a2.term = l.term
	                AND a2.district = l.district AND a2.state = 'approved'
	           WHERE l.term = p_term GROUP BY 1) x ON x.district = o.code
	WHERE o.kind = 'district';
	v_avail := card.balance(p_term, v_city, 'stock') + (SELECT coalesce(sum(p.return_count), 0) FROM adjust_prop p);
	FOR r IN SELECT * FROM adjust_prop p ORDER BY p.district LOOP
		v_sup := least(r.shortage - r.internal, v_avail);
		v_avail := v_avail - v_sup;
		UPDATE adjust_prop p SET supplement_count = v_sup, uncovered = r.shortage - r.internal - v_sup,
		       note = concat_ws('; ',
		           CASE WHEN r.report = 'none' THEN 'no adjustment report' END,
		           CASE WHEN r.report = 'draft' THEN 'report not approved: not counted' END,
		           CASE WHEN r.internal > 0 THEN format('%s covered within the district by transfer', r.internal) END,
		           CASE WHEN r.shortage - r.internal - v_sup > 0 THEN
		                format('%s cannot be covered: city stock and returns are exhausted',
		                       r.shortage - r.internal - v_sup) END)
		 WHERE p.district = r.district;
	END LOOP;
	RETURN QUERY SELECT * FROM adjust_prop p ORDER BY p.district;
END $$;


--
-- Name: adjust_settle(text, uuid, uuid[]); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.adjust_settle(p_term text, p_doc uuid, p_order_docs uuid[]) RETURNS TABLE(district text, kind text, count bigint, doc uuid)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
	t card.term := card.rc_term(p_term);
	v_drafts text;
	i integer := 0;
	r record;
BEGIN
	PERFORM card.rc_open(t, 'settlement');
	IF EXISTS (SELECT 1 FROM card.settlement s WHERE s.term = p_term) THEN
		RAISE EXCEPTION 'term "%" is settled already', p_term USING ERRCODE = 'CR003',
			HINT = 'See the orders with ''cardctl adjust show''.';
	END IF;
	SELECT string_agg(o.code || CASE WHEN a.state IS NULL THEN ' (none filed)' ELSE ' (draft)' END, ', '
	                  ORDER BY o.code) INTO v_drafts
	FROM card.org o LEFT JOIN card.adjust_report a ON a.term = p_term AND a.district = o.code
	WHERE o.kind = 'district' AND a.state IS DISTINCT FROM 'approved';
	IF v_drafts IS NOT NULL THEN
		RAISE EXCEPTION 'not every adjustment report is approved' USING ERRCODE = 'CR003',
			DETAIL = 'Not approved: ' || v_drafts || '.',
			HINT = 'Every district files (cardctl adjust file) and approves (cardctl adjust approve) its report first; a district without surplus or shortage files its schools with 0, 0.';
	END IF;
	INSERT INTO card.document (id, kind, term, note) VALUES (p_doc, 'settlement', p_term, 'city adjustment');
	INSERT INTO card.settlement (term, doc, due, done_on, late)
	VALUES (p_term, p_doc, t.start_date + 20, card.bureau_today(), card.bureau_today() > t.start_date + 20);
	FOR r IN SELECT p.district, k.kind, CASE k.kind WHEN 'return' THEN p.return_count ELSE p.supplement_count END AS n
	         FROM card.adjust_proposal(p_term) p, (VALUES ('return'), ('supplement')) k(kind)
	         ORDER BY p.district, k.kind LOOP
		CONTINUE WHEN r.n = 0;
		i := i + 1;
		IF i > coalesce(array_length(p_order_docs, 1), 0) THEN
			RAISE EXCEPTION 'not enough document ids for the orders' USING ERRCODE = 'CR004';
		END IF;
		INSERT INTO card.document (id, kind, term, district, note)
		VALUES (p_order_docs[i], r.kind || '-order', p_term, r.district,
		        format('%s order: %s cards', r.kind, r.n));
		INSERT INTO card.settle_order (id, term, district, kind, count)
		VALUES (p_order_docs[i], p_term, r.district, r.kind, r.n);
		RETURN QUERY SELECT r.district, r.kind, r.n, p_order_docs[i];
	END LOOP;
END $$;


--
-- Name: audit(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.audit(p_term text DEFAULT NULL::text) RETURNS TABLE(term text, item text, value bigint, ok boolean, detail text)
    LANGUAGE plpgsql STABLE
    AS $$
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


--
-- Name: balance(text, text, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.balance(p_term text, p_org text, p_state text) RETURNS bigint
    LANGUAGE sql STABLE
    AS $$
	SELECT coalesce(sum(upper(h.serials) - lower(h.serials)), 0)::bigint
	FROM card.holding h
	WHERE h.term = p_term AND h.org = p_org AND h.state = p_state
$$;


--
-- Name: batch_mint(uuid, text, integer, bigint, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.batch_mint(p_id uuid, p_term text, p_key_id integer, p_count bigint, p_note text DEFAULT NULL::text) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
	v_city text;
	v_first bigint;
	v_closed timestamptz;
BEGIN
	IF p_count IS NULL OR p_count < 1 THEN
		RAISE EXCEPTION 'card count must be positive' USING ERRCODE = 'CR004';
	END IF;
	IF p_key_id IS NULL OR p_key_id NOT BETWEEN 0 AND 15 THEN
		RAISE EXCEPTION 'key id must be from 0 to 15' USING ERRCODE = 'CR004';
	END IF;
	SELECT closed_at INTO v_closed FROM card.term WHERE code = p_term;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'term "%" does not exist', p_term
			USING ERRCODE = 'CR002', HINT = 'Create it with ''cardctl term new''.';
	END IF;
	IF v_closed IS NOT NULL THEN
		RAISE EXCEPTION 'term "%" is closed', p_term USING ERRCODE = 'CR003';
	END IF;
	SELECT code INTO v_city FROM card.org WHERE kind = 'city';
	IF NOT FOUND THEN
		RAISE EXCEPTION 'there is no city centre to hold the stock'
			USING ERRCODE = 'CR002', HINT = 'Import the organisations first (''cardctl org import'').';
	END IF;
	-- The counter row's lock is held to the end of the transaction: mints are serialised here.
	UPDATE card.serial_counter SET next_serial = next_serial + p_count
	WHERE next_serial + p_count <= 1099511627776
	RETURNING next_serial - p_count INTO v_first;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'not enough serials left for % cards', p_count
			USING ERRCODE = 'CR001', DETAIL = 'Serials are 40-bit numbers.';
	END IF;
	INSERT INTO card.document (id, kind, term, district, note) VALUES (p_id, 'batch', p_term, NULL, p_note);
	INSERT INTO card.batch (id, term, key_id, first_serial, card_count)
	VALUES (p_id, p_term, p_key_id, v_first, p_count);
	INSERT INTO card.holding (serials, term, org, state)
	VALUES (int8range(v_first, v_first + p_count), p_term, v_city, 'stock');
	INSERT INTO card.ledger (term, doc, kind, from_org, from_state, to_org, to_state, serials)
	VALUES (p_term, p_id, 'mint', NULL, NULL, v_city, 'stock', int8range(v_first, v_first + p_count));
	RETURN v_first;
END $$;


--
-- Name: bureau_today(); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.bureau_today() RETURNS date
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
	v text := current_setting('card.today', true);
BEGIN
	IF coalesce(v, '') <> '' AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = session_user AND rolsuper) THEN
		RETURN v::date;
	END IF;
	RETURN (now() AT TIME ZONE 'Asia/Shanghai')::date;
END $$;


--
-- Name: can_see_org(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.can_see_org(p_org text) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
	SELECT (SELECT card.is_city()) OR card.org_district(p_org) IN (SELECT unnest(card.my_districts()))
$$;


--
-- Name: card_moves(bigint); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.card_moves(p_serial bigint) RETURNS TABLE(ledger_id bigint, at timestamp with time zone, kind text, doc uuid, from_org text, from_state text, to_org text, to_state text, actor text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'card'
    AS $$
	SELECT * FROM card.card_moves_all(p_serial) WHERE (SELECT card.card_visible(p_serial))
$$;


--
-- Name: card_moves_all(bigint); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.card_moves_all(p_serial bigint) RETURNS TABLE(ledger_id bigint, at timestamp with time zone, kind text, doc uuid, from_org text, from_state text, to_org text, to_state text, actor text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'card'
    AS $$
	SELECT l.id, l.at, l.kind, l.doc, l.from_org, l.from_state, l.to_org, l.to_state, l.actor
	FROM card.ledger l WHERE l.serials @> p_serial ORDER BY l.chain_seq
$$;


--
-- Name: card_show(bigint); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.card_show(p_serial bigint) RETURNS TABLE(serial bigint, batch uuid, term text, key_id integer, face_value_fen integer, org text, state text, holder_doc uuid, redemption_id bigint, account text, redeemed_at timestamp with time zone, void_reason text, void_doc uuid, voided_at timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'card'
    AS $$
	SELECT * FROM card.card_show_all(p_serial) WHERE (SELECT card.card_visible(p_serial))
$$;


--
-- Name: card_show_all(bigint); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.card_show_all(p_serial bigint) RETURNS TABLE(serial bigint, batch uuid, term text, key_id integer, face_value_fen integer, org text, state text, holder_doc uuid, redemption_id bigint, account text, redeemed_at timestamp with time zone, void_reason text, void_doc uuid, voided_at timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'card'
    AS $$
	SELECT p_serial, b.id, b.term, b.key_id::integer, t.face_value_fen, h.org, h.state, h.doc,
	       r.id, r.account, r.redeemed_at, v.reason, v.doc, v.at
	FROM card.batch b
	JOIN card.term t ON t.code = b.term
	LEFT JOIN card.holding h ON h.serials @> p_serial
	LEFT JOIN card.redemption r ON r.serial = p_serial
	LEFT JOIN card.void v ON v.serial = p_serial
	WHERE b.serials @> p_serial
$$;


--
-- Name: card_visible(bigint); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.card_visible(p_serial bigint) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'card'
    AS $$
	SELECT card.is_city()
	       OR pg_has_role(session_user, 'card_daemon', 'MEMBER')
	       OR EXISTS (SELECT 1 FROM card.holding h
	                  WHERE h.serials @> p_serial
	                    AND card.org_district(h.org) = ANY (card.my_districts()))
$$;


--
-- Name: census_approve(text, text, text, text[], text[], numeric, integer); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.census_approve(p_term text, p_district text, p_approver text, p_schools text[], p_texts text[], p_pct numeric, p_abs integer) RETURNS timestamp with time zone
    LANGUAGE plpgsql
    AS $$
DECLARE
	c card.census := card.census_get(p_term, p_district);
	missing text;
BEGIN
	IF c.state <> 'submitted' THEN
		RAISE EXCEPTION 'the census of district "%" is %, not submitted', p_district, c.state
			USING ERRCODE = 'CR003',
			      HINT = CASE WHEN c.state = 'draft' THEN 'Submit it first with ''cardctl census submit''.' END;
	END IF;
	IF p_approver IS NULL OR btrim(p_approver) = '' THEN
		RAISE EXCEPTION 'the approver''s name is required' USING ERRCODE = 'CR004';
	END IF;
	FOR i IN 1 .. coalesce(array_length(p_schools, 1), 0) LOOP
		IF NOT EXISTS (SELECT 1 FROM card.census_line l WHERE l.term = p_term
		               AND l.district = p_district AND l.org = p_schools[i] AND l.category = 'student') THEN
			RAISE EXCEPTION 'school "%" has no students in the census of district "%"',
				p_schools[i], p_district USING ERRCODE = 'CR004';
		END IF;
		IF btrim(coalesce(p_texts[i], '')) = '' THEN
			RAISE EXCEPTION 'the explanation for school "%" is empty', p_schools[i] USING ERRCODE = 'CR004';
		END IF;
		INSERT INTO card.census_explain (term, district, school, explanation)
		VALUES (p_term, p_district, p_schools[i], btrim(p_texts[i]))
		ON CONFLICT (term, school) DO UPDATE SET explanation = EXCLUDED.explanation,
			by_role = current_user, at = now();
	END LOOP;
	UPDATE card.census SET threshold_pct = coalesce(p_pct, threshold_pct),
	       threshold_abs = coalesce(p_abs, threshold_abs)
	 WHERE census.term = p_term AND census.district = p_district;
	SELECT string_agg(format('%s (census %s, textbooks %s)', k.school, k.students, k.textbooks), ', ')
	  INTO missing FROM card.census_check(p_term, p_district) k
	 WHERE k.flagged AND k.explanation IS NULL;
	IF missing IS NOT NULL THEN
		RAISE EXCEPTION 'the census of district "%" differs from the textbook orders without explanation', p_district
			USING ERRCODE = 'CR001', DETAIL = 'Unexplained: ' || missing || '.',
			      HINT = 'Correct the census, or explain each with --explain SCHOOL=TEXT.';
	END IF;
	UPDATE card.census SET state = 'approved', approved_at = now(), approved_by = current_user,
	       approver = btrim(p_approver)
	 WHERE census.term = p_term AND census.district = p_district;
	RETURN now();
END $$;


--
-- Name: census_category(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.census_category(p text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
	SELECT CASE lower(btrim(p))
		WHEN '学生' THEN 'student' WHEN 'student' THEN 'student'
		WHEN '教师' THEN 'teacher' WHEN 'teacher' THEN 'teacher'
		WHEN '工作人员' THEN 'staff' WHEN 'staff' THEN 'staff'
	END
$$;


--
-- Name: census_check(text, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.census_check(p_term text, p_district text) RETURNS TABLE(school text, name text, students bigint, textbooks bigint, diff bigint, flagged boolean, explanation text)
    LANGUAGE sql STABLE
    AS $$
	SELECT s.org, o.name, s.students, s.textbooks, s.textbooks - s.students,
	       abs(s.textbooks - s.students) > c.threshold_abs
	       AND abs(s.textbooks - s.students) * 100 > c.threshold_pct * s.students,
	       e.explanation
	  FROM (SELECT l.term, l.district, l.org, sum(l.count)::bigint AS students,
	               coalesce(sum(l.textbooks), 0)::bigint AS textbooks
	          FROM card.census_line l
	         WHERE l.term = p_term AND l.district = p_district AND l.category = 'student'
	         GROUP BY 1, 2, 3) s
	  JOIN card.census c ON c.term = s.term AND c.district = s.district
	  JOIN card.org o ON o.code = s.org
	  LEFT JOIN card.census_explain e ON e.term = s.term AND e.school = s.org
	 ORDER BY s.org
$$;


--
-- Name: census_check_access(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.census_check_access(p_district text) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
	PERFORM card.wf_access(p_district);
END $$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: census; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.census (
    term text NOT NULL,
    district text NOT NULL,
    doc uuid NOT NULL,
    state text DEFAULT 'draft'::text NOT NULL,
    threshold_pct numeric DEFAULT 2 NOT NULL,
    threshold_abs integer DEFAULT 5 NOT NULL,
    imported_at timestamp with time zone DEFAULT now() NOT NULL,
    imported_by text DEFAULT CURRENT_USER NOT NULL,
    submission uuid,
    submitted_at timestamp with time zone,
    submitted_by text,
    late boolean DEFAULT false NOT NULL,
    approved_at timestamp with time zone,
    approved_by text,
    approver text,
    CONSTRAINT census_state_check CHECK ((state = ANY (ARRAY['draft'::text, 'submitted'::text, 'approved'::text]))),
    CONSTRAINT census_threshold_abs_check CHECK ((threshold_abs >= 0)),
    CONSTRAINT census_threshold_pct_check CHECK ((threshold_pct >= (0)::numeric))
);


--
-- Name: census_get(text, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.census_get(p_term text, p_district text) RETURNS card.census
    LANGUAGE plpgsql
    AS $$
DECLARE
	c card.census;
BEGIN
	PERFORM card.census_check_access(p_district);
	SELECT * INTO c FROM card.census WHERE term = p_term AND district = p_district FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'district "%" has no census for term "%"', p_district, p_term
			USING ERRCODE = 'CR002', HINT = 'Import it with ''cardctl census import''.';
	END IF;
	RETURN c;
END $$;


--
-- Name: census_import(text, text, uuid, integer[], text[], text[], text[], text[], text[], numeric, integer); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.census_import(p_term text, p_district text, p_doc uuid, p_line integer[], p_unit text[], p_cat text[], p_grade text[], p_count text[], p_textbooks text[], p_pct numeric, p_abs integer) RETURNS TABLE(district text, lines integer, students bigint, teachers bigint, staff bigint, textbooks bigint)
    LANGUAGE plpgsql
    AS $_$
#variable_conflict use_column
DECLARE
	errs text[];
	n integer := coalesce(array_length(p_unit, 1), 0);
	d text;
	v_doc_district text;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM card.term WHERE code = p_term) THEN
		RAISE EXCEPTION 'term "%" does not exist', p_term USING ERRCODE = 'CR002';
	END IF;
	IF p_district IS NOT NULL AND NOT EXISTS
	   (SELECT 1 FROM card.org WHERE code = p_district AND kind = 'district') THEN
		RAISE EXCEPTION 'district "%" does not exist', p_district USING ERRCODE = 'CR002';
	END IF;
	DROP TABLE IF EXISTS pg_temp.census_raw, pg_temp.census_err, pg_temp.census_ok;
	-- Every line with its parsed cells and its first blocking problem (which stops the checks
	-- after it, as in the paper form's order).
	CREATE TEMP TABLE census_raw ON COMMIT DROP AS
	SELECT x.ord, x.line, x.u, x.craw, x.g, x.nraw, x.traw,
	       card.census_category(x.craw) AS cat,
	       CASE WHEN x.nraw ~ '^-?[0-9]{1,15}$' THEN x.nraw::bigint END AS cnt,
	       CASE WHEN x.traw ~ '^-?[0-9]{1,15}$' THEN x.traw::bigint END AS tb,
	       lower(x.u) IN ('合计', '总计', 'total') AS is_total,
	       o.code AS org, o.kind, o.district AS org_district
	  FROM (SELECT r.ord, r.line, btrim(coalesce(r.u, '')) AS u, btrim(coalesce(r.c, '')) AS craw,
	               btrim(coalesce(r.g, '')) AS g, btrim(coalesce(r.n, '')) AS nraw,
	               btrim(coalesce(r.t, '')) AS traw
	          FROM unnest(p_line, p_unit, p_cat, p_grade, p_count, p_textbooks)
	               WITH ORDINALITY AS r(line, u, c, g, n, t, ord)) x
	  LEFT JOIN card.org o ON o.code = x.u;
	CREATE TEMP TABLE census_err (line integer, ord bigint, step integer, msg text) ON COMMIT DROP;
	-- Non-blocking: the numbers.
	INSERT INTO census_err
	SELECT line, ord, 1, CASE WHEN cnt IS NULL THEN format('line %s: count "%s" is not a whole number', line, nraw)
	                         ELSE format('line %s: count %s is negative', line, cnt) END
	  FROM census_raw WHERE cnt IS NULL OR cnt < 0;
	INSERT INTO census_err
	SELECT line, ord, 2, CASE WHEN tb IS NULL THEN format('line %s: textbook count "%s" is not a whole number', line, traw)
	                         ELSE format('line %s: textbook count %s is negative', line, tb) END
	  FROM census_raw WHERE traw <> '' AND (tb IS NULL OR tb < 0);
	-- Blocking, in order.
	ALTER TABLE census_raw ADD COLUMN block integer;
	UPDATE census_raw SET block = CASE
		WHEN craw <> '' AND cat IS NULL THEN 3
		WHEN is_total THEN 0
		WHEN u = '' THEN 5
		WHEN cat IS NULL THEN 6
		WHEN org IS NULL THEN 7
		WHEN (cat = 'staff') <> (kind = 'district') OR kind = 'city' THEN 8
		WHEN p_district IS NOT NULL AND org_district <> p_district THEN 9
		END;
	INSERT INTO census_err
	SELECT line, ord, block, CASE block
		WHEN 3 THEN format('line %s: unknown category "%s" (学生/教师/工作人员 or student/teacher/staff)', line, craw)
		WHEN 5 THEN format('line %s: the unit code is empty', line)
		WHEN 6 THEN format('line %s: the category is empty', line)
		WHEN 7 THEN format('line %s: unknown %s "%s"', line, CASE cat WHEN 'staff' THEN 'district' ELSE 'school' END, u)
		WHEN 8 THEN CASE WHEN cat = 'staff'
		                 THEN format('line %s: staff rows name their district, "%s" is a %s', line, u, kind)
		                 ELSE format('line %s: "%s" is a %s, not a school', line, u, kind) END
		WHEN 9 THEN format('line %s: school "%s" is outside district "%s"', line, u, p_district) END
	  FROM census_raw WHERE block > 0;
	-- Rows that passed: grade and textbook rules (non-blocking), then duplicates.
	INSERT INTO census_err
	SELECT line, ord, 10, CASE WHEN cat = 'student' THEN format('line %s: a student row needs a grade', line)
	                           ELSE format('line %s: only student rows have a grade', line) END
	  FROM census_raw WHERE block IS NULL AND (cat = 'student') = (g = '');
	INSERT INTO census_err
	SELECT line, ord, 11, format('line %s: only student rows have a textbook count', line)
	  FROM census_raw WHERE block IS NULL AND cat <> 'student' AND tb IS NOT NULL;
	CREATE TEMP TABLE census_ok ON COMMIT DROP AS
	SELECT r.*, row_number() OVER w AS nth, first_value(r.line) OVER w AS first_line
	  FROM census_raw r WHERE r.block IS NULL
	WINDOW w AS (PARTITION BY r.org, r.cat, r.g ORDER BY r.ord);
	INSERT INTO census_err
	SELECT line, ord, 12, format('line %s: duplicate of line %s (%s, %s%s)', line, first_line, u, craw,
	                             CASE WHEN g <> '' THEN ', ' || g ELSE '' END)
	  FROM census_ok WHERE nth > 1;
	DELETE FROM census_ok WHERE nth > 1;
	-- Total rows (after every line): the category's (or every row's) sum must match.
	INSERT INTO census_err
	SELECT t.line, n + t.ord, 13, format('line %s: the total %s does not add up: the rows sum to %s', t.line, t.cnt, s.c)
	  FROM census_raw t, LATERAL (SELECT coalesce(sum(k.cnt), 0) AS c FROM census_ok k
	                              WHERE t.cat IS NULL OR k.cat = t.cat) s
	 WHERE t.block = 0 AND t.cnt IS NOT NULL AND t.cnt <> s.c;
	INSERT INTO census_err
	SELECT t.line, n + t.ord, 14, format('line %s: the textbook total %s does not add up: the rows sum to %s', t.line, t.tb, s.c)
	  FROM census_raw t, LATERAL (SELECT coalesce(sum(k.tb), 0) AS c FROM census_ok k
	                              WHERE t.cat IS NULL OR k.cat = t.cat) s
	 WHERE t.block = 0 AND t.tb IS NOT NULL AND t.tb <> s.c;
	IF n = 0 OR NOT EXISTS (SELECT 1 FROM census_ok) AND NOT EXISTS (SELECT 1 FROM census_err) THEN
		INSERT INTO census_err VALUES (0, 2 * n + 1, 0, 'the file has no census rows');
	END IF;
	-- Only a draft (or nothing yet) can be replaced.
	INSERT INTO census_err
	SELECT 0, 3 * n + 2, 0, format('the census of district "%s" is %s; only a draft can be replaced', c.district, c.state)
	  FROM card.census c
	 WHERE c.term = p_term AND c.state <> 'draft'
	   AND c.district IN (SELECT k.org_district FROM census_ok k);
	SELECT array_agg(e.msg ORDER BY e.ord, e.step) INTO errs FROM census_err e;
	IF errs IS NOT NULL THEN
		RAISE EXCEPTION '%', errs[1] USING ERRCODE = 'CR004',
			DETAIL = format('%s problem%s, nothing was imported: %s', cardinality(errs),
			                CASE WHEN cardinality(errs) > 1 THEN 's' ELSE '' END,
			                array_to_string(errs, '; ')),
			HINT = 'Correct the file and import it again.';
	END IF;
	PERFORM card.census_check_access(x.d) FROM (SELECT DISTINCT k.org_district AS d FROM census_ok k) x;
	-- The document belongs to the district of the file (a district login sees only its own
	-- documents); a file of several districts, which only the city may import, to none.
	SELECT coalesce(p_district, CASE WHEN count(DISTINCT k.org_district) = 1 THEN min(k.org_district) END)
	  INTO v_doc_district FROM census_ok k;
	IF v_doc_district IS NULL AND NOT card.is_city() THEN
		RAISE EXCEPTION 'permission denied: a district imports one district''s census at a time'
			USING ERRCODE = 'CR006', HINT = 'Split the file per district, or name it with --district.';
	END IF;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'census', p_term, v_doc_district, 'census import');
	FOR d IN SELECT DISTINCT k.org_district FROM census_ok k ORDER BY 1 LOOP
		INSERT INTO card.census AS c3 (term, district, doc, threshold_pct, threshold_abs)
		VALUES (p_term, d, p_doc, coalesce(p_pct, 2), coalesce(p_abs, 5))
		ON CONFLICT ON CONSTRAINT census_pkey DO UPDATE
		SET doc = EXCLUDED.doc, imported_at = now(), imported_by = current_user,
		    threshold_pct = coalesce(p_pct, c3.threshold_pct),
		    threshold_abs = coalesce(p_abs, c3.threshold_abs);
		DELETE FROM card.census_line l WHERE l.term = p_term AND l.district = d;
		DELETE FROM card.census_explain e WHERE e.term = p_term AND e.district = d;
	END LOOP;
	INSERT INTO card.census_line (term, district, org, category, grade, count, textbooks, line)
	SELECT p_term, k.org_district, k.org, k.cat, k.g, k.cnt, k.tb, k.line FROM census_ok k;
	RETURN QUERY
	SELECT k.org_district, count(*)::integer,
	       coalesce(sum(k.cnt) FILTER (WHERE k.cat = 'student'), 0)::bigint,
	       coalesce(sum(k.cnt) FILTER (WHERE k.cat = 'teacher'), 0)::bigint,
	       coalesce(sum(k.cnt) FILTER (WHERE k.cat = 'staff'), 0)::bigint,
	       coalesce(sum(k.tb), 0)::bigint
	  FROM census_ok k GROUP BY k.org_district ORDER BY 1;
END $_$;


--
-- Name: census_reopen(text, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.census_reopen(p_term text, p_district text) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
	c card.census := card.census_get(p_term, p_district);
BEGIN
	IF EXISTS (SELECT 1 FROM card.plan p WHERE p.term = p_term AND p.batch IS NOT NULL) THEN
		RAISE EXCEPTION 'the plan of term "%" is minted; the census can no longer change', p_term
			USING ERRCODE = 'CR003';
	END IF;
	IF c.state = 'draft' THEN
		RAISE EXCEPTION 'the census of district "%" is already a draft', p_district USING ERRCODE = 'CR003';
	END IF;
	UPDATE card.census SET state = 'draft', submission = NULL, submitted_at = NULL,
	       submitted_by = NULL, late = false, approved_at = NULL, approved_by = NULL, approver = NULL
	 WHERE census.term = p_term AND census.district = p_district;
END $$;


--
-- Name: census_submit(text, text, uuid); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.census_submit(p_term text, p_district text, p_doc uuid) RETURNS TABLE(submitted_at timestamp with time zone, late boolean, due date)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
	c card.census := card.census_get(p_term, p_district);
	v_due date;
	v_late boolean;
BEGIN
	IF c.state <> 'draft' THEN
		RAISE EXCEPTION 'the census of district "%" is already %', p_district, c.state
			USING ERRCODE = 'CR003';
	END IF;
	SELECT t.census_due INTO v_due FROM card.term t WHERE t.code = p_term;
	v_late := card.bureau_today() > v_due;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'census-submission', p_term, p_district, 'census submission');
	UPDATE card.census SET state = 'submitted', submission = p_doc, submitted_at = now(),
	       submitted_by = current_user, late = v_late
	 WHERE census.term = p_term AND census.district = p_district;
	RETURN QUERY SELECT now(), v_late, v_due;
END $$;


--
-- Name: charge_due(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.charge_due(p_term text) RETURNS TABLE(district text, name text, due_return bigint, returned bigint, count bigint, face_value_fen integer, amount_fen bigint)
    LANGUAGE sql STABLE
    AS $$
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


--
-- Name: charge_run(text, uuid[]); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.charge_run(p_term text, p_docs uuid[]) RETURNS TABLE(district text, name text, due_return bigint, returned bigint, count bigint, face_value_fen integer, amount_fen bigint, doc uuid, created boolean)
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: distribute(text, uuid, text, bigint, date, integer[], text[], text[], bigint[]); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.distribute(p_term text, p_doc uuid, p_school text, p_count bigint, p_date date, p_line integer[], p_grade text[], p_class text[], p_counts bigint[]) RETURNS TABLE(count bigint, distributed bigint, census bigint, due date, late boolean)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
	t card.term;
	o card.org;
	v_census bigint;
	v_before bigint;
	v_date date := coalesce(p_date, card.bureau_today());
BEGIN
	SELECT * INTO t FROM card.term WHERE code = p_term;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'term "%" does not exist', p_term USING ERRCODE = 'CR002';
	END IF;
	SELECT * INTO o FROM card.org WHERE code = p_school;
	IF NOT FOUND OR o.kind NOT IN ('school', 'district') THEN
		RAISE EXCEPTION '"%" is not a school or district', p_school USING ERRCODE = 'CR002';
	END IF;
	PERFORM card.wf_access(o.district);
	IF v_date > card.bureau_today() THEN
		RAISE EXCEPTION 'the distribution date % is in the future', v_date USING ERRCODE = 'CR004';
	END IF;
	SELECT sum(l.count) INTO v_census FROM card.census_line l
	  JOIN card.census c ON c.term = l.term AND c.district = l.district AND c.state = 'approved'
	 WHERE l.term = p_term AND l.org = p_school
	   AND l.category = ANY (CASE o.kind WHEN 'school' THEN ARRAY['student', 'teacher'] ELSE ARRAY['staff'] END);
	v_census := v_census + card.rc_adjusted(p_term, p_school);
	v_before := card.balance(p_term, p_school, 'distributed');
	IF v_census IS NOT NULL AND v_before + p_count > v_census THEN
		RAISE EXCEPTION '% "%" would hand out % cards, more than its % %', o.kind,
			p_school, v_before + p_count, v_census,
			CASE o.kind WHEN 'school' THEN 'students and teachers' ELSE 'bureau staff' END
			USING ERRCODE = 'CR001',
			DETAIL = format('%s cards are distributed already; the approved census counts %s.', v_before, v_census),
			HINT = 'Not one extra: report the surplus for adjustment instead.';
	END IF;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'distribution', p_term, o.district, format('distribution at %s', p_school));
	PERFORM card.move_count(p_term, p_doc, 'distribution', p_school, 'stock', p_school,
	                        'distributed', p_count);
	INSERT INTO card.distribution (id, term, school, district, count, due, done_on, late)
	VALUES (p_doc, p_term, p_school, o.district, p_count, t.start_date + 7, v_date, v_date > t.start_date + 7);
	INSERT INTO card.distribution_line (distribution, line, grade, class, count)
	SELECT p_doc, x.l, x.g, coalesce(x.c, ''), x.n
	  FROM unnest(p_line, p_grade, p_class, p_counts) AS x(l, g, c, n);
	RETURN QUERY SELECT p_count, v_before + p_count, v_census, t.start_date + 7, v_date > t.start_date + 7;
END $$;


--
-- Name: feed(bigint, integer); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.feed(p_after bigint, p_limit integer) RETURNS TABLE(feed_id bigint, serial bigint, account text, term text, face_value_fen integer, redeemed_at timestamp with time zone)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'card'
    AS $$
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


--
-- Name: final_report_file(text, text, uuid, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.final_report_file(p_term text, p_district text, p_doc uuid, p_signer text) RETURNS TABLE(doc uuid, filed_on date, late boolean, created boolean)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
	t card.term := card.rc_term(p_term);
	x card.final_report;
BEGIN
	PERFORM card.rc_org(p_district, 'district');
	PERFORM card.rc_access(p_district);
	SELECT * INTO x FROM card.final_report f WHERE f.term = p_term AND f.district = p_district;
	IF FOUND THEN
		RETURN QUERY SELECT x.doc, x.filed_on, x.late, false;
		RETURN;
	END IF;
	IF p_signer IS NULL OR btrim(p_signer) = '' THEN
		RAISE EXCEPTION 'the final report needs the signer''s name' USING ERRCODE = 'CR004';
	END IF;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'final-report', p_term, p_district, 'final report (Annex 5, Annex 6)');
	INSERT INTO card.final_report (term, district, doc, signer, filed_on, late)
	VALUES (p_term, p_district, p_doc, btrim(p_signer), card.bureau_today(), card.bureau_today() > t.start_date + 30);
	RETURN QUERY SELECT p_doc, card.bureau_today(), card.bureau_today() > t.start_date + 30, true;
END $$;


--
-- Name: forbid_change(); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.forbid_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
	RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'CR001';
END $$;


--
-- Name: holder_lock(text, text, text, text, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.holder_lock(p_term text, p_org_a text, p_state_a text, p_org_b text, p_state_b text) RETURNS void
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: is_city(); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.is_city() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'card'
    AS $$
	SELECT pg_has_role(session_user, 'card_city', 'MEMBER')
	       OR coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user), false)
$$;


--
-- Name: ledger_chain(); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.ledger_chain() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'card'
    AS $$
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


--
-- Name: ledger_lock(); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.ledger_lock() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'card'
    AS $$
BEGIN
	PERFORM 1 FROM card.ledger_head FOR UPDATE;
END $$;


--
-- Name: ledger_replay(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.ledger_replay(p_term text) RETURNS TABLE(org text, state text, serials int8multirange)
    LANGUAGE sql STABLE
    AS $$
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


--
-- Name: ledger_row_bytes(bigint, text, uuid, text, text, text, text, text, int8range, text, timestamp with time zone); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.ledger_row_bytes(p_id bigint, p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text, p_serials int8range, p_actor text, p_at timestamp with time zone) RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
	SELECT convert_to(format('%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L|%L', p_id, p_term, p_doc, p_kind,
	                         p_from_org, p_from_state, p_to_org, p_to_state, lower(p_serials),
	                         upper(p_serials), p_actor,
	                         (extract(epoch FROM p_at) * 1000000)::bigint), 'UTF8')
$$;


--
-- Name: ledger_verify(); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.ledger_verify(OUT rows_ok bigint, OUT broken text, OUT head text) RETURNS record
    LANGUAGE plpgsql STABLE
    AS $$
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


--
-- Name: move(text, uuid, text, text, text, text, text, int8range); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.move(p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text, p_serials int8range) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: move_check(text, uuid, text, text, text, text, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.move_check(p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $_$
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
END $_$;


--
-- Name: move_count(text, uuid, text, text, text, text, text, bigint, int8range); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.move_count(p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text, p_count bigint, p_within int8range DEFAULT NULL::int8range) RETURNS SETOF int8range
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: my_districts(); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.my_districts() RETURNS text[]
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'card'
    AS $$
	SELECT coalesce(array_agg(l.district ORDER BY l.district), '{}')
	FROM card.district_login l
	WHERE l.role = session_user AND pg_has_role(session_user, 'card_district', 'MEMBER')
$$;


--
-- Name: org_district(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.org_district(p_org text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'card'
    AS $$
	SELECT o.district FROM card.org o WHERE o.code = p_org
$$;


--
-- Name: org_has_cards(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.org_has_cards(p_code text) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
	SELECT EXISTS (SELECT 1 FROM card.holding WHERE org = p_code)
	    OR EXISTS (SELECT 1 FROM card.ledger WHERE to_org = p_code OR from_org = p_code)
$$;


--
-- Name: org_import(integer[], text[], text[], text[], text[], text[], text[], text[]); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.org_import(p_line integer[], p_code text[], p_name text[], p_kind text[], p_parent text[], p_address text[], p_contact text[], p_phone text[], OUT inserted integer, OUT updated integer, OUT unchanged integer) RETURNS record
    LANGUAGE plpgsql
    AS $_$
DECLARE
	n integer := coalesce(array_length(p_code, 1), 0);
	r record;
BEGIN
	IF coalesce(array_length(p_line, 1), 0) <> n OR coalesce(array_length(p_name, 1), 0) <> n
	   OR coalesce(array_length(p_kind, 1), 0) <> n OR coalesce(array_length(p_parent, 1), 0) <> n
	   OR (p_address IS NOT NULL AND coalesce(array_length(p_address, 1), 0) <> n)
	   OR (p_contact IS NOT NULL AND coalesce(array_length(p_contact, 1), 0) <> n)
	   OR (p_phone IS NOT NULL AND coalesce(array_length(p_phone, 1), 0) <> n) THEN
		RAISE EXCEPTION 'org_import: arrays of different lengths' USING ERRCODE = 'CR004';
	END IF;
	-- One import at a time; readers are not blocked.
	LOCK TABLE card.org IN SHARE ROW EXCLUSIVE MODE;

	IF to_regclass('pg_temp.org_in') IS NOT NULL THEN
		DROP TABLE pg_temp.org_in;
	END IF;
	CREATE TEMP TABLE org_in ON COMMIT DROP AS
	SELECT u.line, btrim(u.code) AS code, btrim(u.name) AS name, btrim(u.kind) AS kind_text,
	       card.org_kind(u.kind) AS kind, nullif(btrim(u.parent), '') AS parent,
	       nullif(btrim(u.address), '') AS address, nullif(btrim(u.contact), '') AS contact,
	       nullif(btrim(u.phone), '') AS phone, NULL::text AS parent_kind, NULL::text AS district
	FROM unnest(p_line, p_code, p_name, p_kind, p_parent,
	            coalesce(p_address, array_fill(NULL::text, ARRAY[n])),
	            coalesce(p_contact, array_fill(NULL::text, ARRAY[n])),
	            coalesce(p_phone, array_fill(NULL::text, ARRAY[n])))
	     AS u(line, code, name, kind, parent, address, contact, phone);
	CREATE INDEX ON pg_temp.org_in (code);

	-- Each field on its own.
	FOR r IN SELECT * FROM pg_temp.org_in ORDER BY line LOOP
		IF r.code IS NULL OR r.code !~ '^[A-Za-z0-9_.-]{1,32}$' THEN
			RAISE EXCEPTION 'line %: invalid organisation code "%"', r.line, coalesce(r.code, '')
				USING ERRCODE = 'CR004',
				      DETAIL = 'A code is 1 to 32 letters, digits, ".", "_" or "-".';
		ELSIF r.name IS NULL OR length(r.name) NOT BETWEEN 1 AND 200 THEN
			RAISE EXCEPTION 'line %: the name of "%" must be 1 to 200 characters', r.line, r.code
				USING ERRCODE = 'CR004';
		ELSIF r.kind IS NULL THEN
			RAISE EXCEPTION 'line %: unknown kind "%" of "%"', r.line, coalesce(r.kind_text, ''), r.code
				USING ERRCODE = 'CR004', HINT = 'Use 市, 区 or 校 (city, district, school).';
		ELSIF r.kind = 'city' AND r.parent IS NOT NULL THEN
			RAISE EXCEPTION 'line %: the city centre "%" cannot have a parent', r.line, r.code
				USING ERRCODE = 'CR004';
		ELSIF r.kind <> 'city' AND r.parent IS NULL THEN
			RAISE EXCEPTION 'line %: % "%" needs a parent', r.line, r.kind, r.code
				USING ERRCODE = 'CR004';
		END IF;
	END LOOP;

	-- Duplicates within the file.
	SELECT b.line, b.code, a.line AS first INTO r
	FROM pg_temp.org_in a JOIN pg_temp.org_in b ON a.code = b.code AND a.line < b.line
	ORDER BY b.line, a.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'line %: duplicate organisation code "%"', r.line, r.code
			USING ERRCODE = 'CR004', DETAIL = format('It first appears on line %s.', r.first);
	END IF;

	-- One city centre: in the file, and against the database.
	SELECT b.line, b.code INTO r
	FROM pg_temp.org_in a JOIN pg_temp.org_in b ON a.kind = 'city' AND b.kind = 'city' AND a.line < b.line
	ORDER BY b.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'line %: a second city centre "%"', r.line, r.code
			USING ERRCODE = 'CR005', DETAIL = 'There is exactly one city centre.';
	END IF;
	SELECT i.line, i.code, o.code AS existing INTO r
	FROM pg_temp.org_in i JOIN card.org o ON o.kind = 'city' AND o.code <> i.code
	WHERE i.kind = 'city' LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'line %: a second city centre "%"', r.line, r.code
			USING ERRCODE = 'CR005',
			      DETAIL = format('The database already has the city centre "%s".', r.existing);
	END IF;

	-- Parents: in the file (before or after the row) or in the database; the file's kind wins.
	UPDATE pg_temp.org_in i SET parent_kind = coalesce(
		(SELECT f.kind FROM pg_temp.org_in f WHERE f.code = i.parent),
		(SELECT o.kind FROM card.org o WHERE o.code = i.parent))
	WHERE i.parent IS NOT NULL;
	FOR r IN SELECT * FROM pg_temp.org_in WHERE kind <> 'city' ORDER BY line LOOP
		IF r.parent_kind IS NULL THEN
			RAISE EXCEPTION 'line %: unknown parent "%" of "%"', r.line, r.parent, r.code
				USING ERRCODE = 'CR004',
				      HINT = 'List the parent in this file or import it first.';
		ELSIF r.kind = 'district' AND r.parent_kind <> 'city' THEN
			RAISE EXCEPTION 'line %: district "%" must be under the city centre, not under % "%"',
				r.line, r.code, r.parent_kind, r.parent USING ERRCODE = 'CR004';
		ELSIF r.kind = 'school' AND r.parent_kind <> 'district' THEN
			RAISE EXCEPTION 'line %: school "%" must be under a district, not under % "%"',
				r.line, r.code, CASE r.parent_kind WHEN 'city' THEN 'the city centre' ELSE r.parent_kind END,
				r.parent USING ERRCODE = 'CR004';
		END IF;
	END LOOP;
	UPDATE pg_temp.org_in SET district = CASE kind WHEN 'district' THEN code WHEN 'school' THEN parent END;

	-- Organisations already in the database that the file changes.
	FOR r IN SELECT i.*, o.kind AS old_kind, o.parent AS old_parent
	         FROM pg_temp.org_in i JOIN card.org o ON o.code = i.code
	         WHERE (o.kind, o.parent) IS DISTINCT FROM (i.kind, i.parent) ORDER BY i.line LOOP
		IF card.org_has_cards(r.code) THEN
			RAISE EXCEPTION 'line %: cannot change the kind or parent of "%": it already has cards',
				r.line, r.code USING ERRCODE = 'CR001',
				DETAIL = format('It is a %s under "%s"; the file makes it a %s under "%s".',
				                r.old_kind, coalesce(r.old_parent, ''), r.kind, coalesce(r.parent, ''));
		END IF;
	END LOOP;
	-- Their children that stay in the database must still fit under them.
	SELECT i.line, i.code, i.kind, c.code AS child, c.kind AS child_kind INTO r
	FROM pg_temp.org_in i JOIN card.org c ON c.parent = i.code
	WHERE NOT EXISTS (SELECT 1 FROM pg_temp.org_in f WHERE f.code = c.code)
	  AND NOT ((c.kind = 'district' AND i.kind = 'city') OR (c.kind = 'school' AND i.kind = 'district'))
	ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'line %: cannot make "%" a %: % "%" is under it', r.line, r.code, r.kind,
			r.child_kind, r.child USING ERRCODE = 'CR001';
	END IF;

	SELECT count(*) FILTER (WHERE o.code IS NULL),
	       count(*) FILTER (WHERE o.code IS NOT NULL AND (
	           (o.name, o.kind, o.parent, o.district) IS DISTINCT FROM (i.name, i.kind, i.parent, i.district)
	           OR (p_address IS NOT NULL AND o.address IS DISTINCT FROM i.address)
	           OR (p_contact IS NOT NULL AND o.contact IS DISTINCT FROM i.contact)
	           OR (p_phone IS NOT NULL AND o.phone IS DISTINCT FROM i.phone)))
	INTO inserted, updated
	FROM pg_temp.org_in i LEFT JOIN card.org o ON o.code = i.code;
	unchanged := n - inserted - updated;

	-- Foreign keys are checked at the end of the statement, so row order does not matter.
	INSERT INTO card.org AS o (code, name, kind, parent, district, address, contact, phone)
	SELECT code, name, kind, parent, district, address, contact, phone FROM pg_temp.org_in
	ON CONFLICT (code) DO UPDATE SET
		name = EXCLUDED.name, kind = EXCLUDED.kind, parent = EXCLUDED.parent,
		district = EXCLUDED.district,
		address = CASE WHEN p_address IS NULL THEN o.address ELSE EXCLUDED.address END,
		contact = CASE WHEN p_contact IS NULL THEN o.contact ELSE EXCLUDED.contact END,
		phone = CASE WHEN p_phone IS NULL THEN o.phone ELSE EXCLUDED.phone END
	WHERE (o.name, o.kind, o.parent, o.district) IS DISTINCT FROM
	      (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.parent, EXCLUDED.district)
	   OR (p_address IS NOT NULL AND o.address IS DISTINCT FROM EXCLUDED.address)
	   OR (p_contact IS NOT NULL AND o.contact IS DISTINCT FROM EXCLUDED.contact)
	   OR (p_phone IS NOT NULL AND o.phone IS DISTINCT FROM EXCLUDED.phone);
	DROP TABLE pg_temp.org_in;
END $_$;


--
-- Name: org_kind(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.org_kind(p text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
	SELECT CASE lower(btrim(p))
		WHEN 'city' THEN 'city' WHEN '市' THEN 'city'
		WHEN 'district' THEN 'district' WHEN '区' THEN 'district'
		WHEN 'school' THEN 'school' WHEN '校' THEN 'school'
	END
$$;


--
-- Name: photo_type(bytea); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.photo_type(p bytea) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
	SELECT CASE
		WHEN substring(p FROM 1 FOR 3) = '\xffd8ff'::bytea THEN 'image/jpeg'
		WHEN substring(p FROM 1 FOR 8) = '\x89504e470d0a1a0a'::bytea THEN 'image/png'
		WHEN substring(p FROM 1 FOR 5) = '\x255044462d'::bytea THEN 'application/pdf'
	END
$$;


--
-- Name: plan_make(text, uuid, numeric, text[]); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.plan_make(p_term text, p_doc uuid, p_reserve_pct numeric, p_without text[]) RETURNS TABLE(org text, total bigint)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
	missing text;
	bad text;
	city text;
	sum_total bigint;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM card.term WHERE code = p_term) THEN
		RAISE EXCEPTION 'term "%" does not exist', p_term USING ERRCODE = 'CR002';
	END IF;
	IF EXISTS (SELECT 1 FROM card.plan p WHERE p.term = p_term AND p.batch IS NOT NULL) THEN
		RAISE EXCEPTION 'the plan of term "%" is already minted', p_term USING ERRCODE = 'CR003';
	END IF;
	SELECT string_agg(format('"%s"', w), ', ') INTO bad FROM unnest(coalesce(p_without, '{}')) w
	 WHERE NOT EXISTS (SELECT 1 FROM card.org o WHERE o.code = w AND o.kind = 'district');
	IF bad IS NOT NULL THEN
		RAISE EXCEPTION 'not a district: %', bad USING ERRCODE = 'CR004';
	END IF;
	SELECT string_agg(o.code || coalesce(' (' || c.state || ')', ' (no census)'), ', ' ORDER BY o.code)
	  INTO missing FROM card.org o
	  LEFT JOIN card.census c ON c.term = p_term AND c.district = o.code
	 WHERE o.kind = 'district' AND coalesce(c.state, '') <> 'approved'
	   AND NOT o.code = ANY (coalesce(p_without, '{}'));
	IF missing IS NOT NULL THEN
		RAISE EXCEPTION 'not every district has an approved census' USING ERRCODE = 'CR003',
			DETAIL = 'Without an approved census: ' || missing || '.',
			HINT = 'Approve them, or leave them out with --proceed-without.';
	END IF;
	SELECT o.code INTO city FROM card.org o WHERE o.kind = 'city';
	DELETE FROM card.plan p WHERE p.term = p_term;
	INSERT INTO card.document (id, kind, term, note) VALUES (p_doc, 'plan', p_term, 'issuance plan');
	INSERT INTO card.plan (term, doc, reserve_pct, proceed_without)
	VALUES (p_term, p_doc, trim_scale(coalesce(p_reserve_pct, 0)), coalesce(p_without, '{}'));
	INSERT INTO card.plan_line (term, org, students, teachers, staff, total)
	SELECT p_term, c.district,
	       coalesce(sum(l.count) FILTER (WHERE l.category = 'student'), 0),
	       coalesce(sum(l.count) FILTER (WHERE l.category = 'teacher'), 0),
	       coalesce(sum(l.count) FILTER (WHERE l.category = 'staff'), 0),
	       coalesce(sum(l.count), 0)
	  FROM card.census c LEFT JOIN card.census_line l ON l.term = c.term AND l.district = c.district
	 WHERE c.term = p_term AND c.state = 'approved'
	 GROUP BY c.district;
	SELECT coalesce(sum(l.total), 0) INTO sum_total FROM card.plan_line l WHERE l.term = p_term;
	IF coalesce(p_reserve_pct, 0) > 0 THEN
		INSERT INTO card.plan_line (term, org, reserve, total)
		VALUES (p_term, city, ceil(sum_total * p_reserve_pct / 100), ceil(sum_total * p_reserve_pct / 100));
	END IF;
	IF sum_total = 0 THEN
		RAISE EXCEPTION 'the plan of term "%" would issue no cards', p_term USING ERRCODE = 'CR001';
	END IF;
	RETURN QUERY SELECT l.org, l.total FROM card.plan_line l WHERE l.term = p_term ORDER BY l.org;
END $$;


--
-- Name: plan_mint(text, uuid, smallint); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.plan_mint(p_term text, p_batch uuid, p_key_id smallint) RETURNS TABLE(first_serial bigint, card_count bigint)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
	p card.plan;
	v_total bigint;
	v_first bigint;
BEGIN
	SELECT * INTO p FROM card.plan WHERE term = p_term FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'term "%" has no plan', p_term USING ERRCODE = 'CR003',
			HINT = 'Make it with ''cardctl plan make''.';
	END IF;
	IF p.batch IS NOT NULL THEN
		RAISE EXCEPTION 'the plan of term "%" is already minted as batch %', p_term, p.batch
			USING ERRCODE = 'CR003';
	END IF;
	SELECT sum(l.total) INTO v_total FROM card.plan_line l WHERE l.term = p_term;
	v_first := card.batch_mint(p_batch, p_term, p_key_id, v_total,
	                           format('issuance plan %s', p.doc));
	UPDATE card.plan_line l SET first_serial = v_first + x.off
	  FROM (SELECT l2.org, coalesce(sum(l2.total) OVER (ORDER BY o.kind = 'city', l2.org
	                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS off
	          FROM card.plan_line l2 JOIN card.org o ON o.code = l2.org
	         WHERE l2.term = p_term) x
	 WHERE l.term = p_term AND l.org = x.org;
	UPDATE card.plan SET batch = p_batch WHERE term = p_term;
	RETURN QUERY SELECT v_first, v_total;
END $$;


--
-- Name: plan_range(text, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.plan_range(p_term text, p_org text) RETURNS int8range
    LANGUAGE sql STABLE
    AS $$
	SELECT int8range(l.first_serial, l.first_serial + l.total)
	  FROM card.plan_line l WHERE l.term = p_term AND l.org = p_org
	   AND l.first_serial IS NOT NULL AND l.total > 0
$$;


--
-- Name: range_text(int8range); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.range_text(r int8range) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
	SELECT CASE WHEN isempty(r) THEN 'none'
	            WHEN upper(r) - lower(r) = 1 THEN lower(r)::text
	            ELSE lower(r)::text || '-' || (upper(r) - 1)::text END
$$;


--
-- Name: ranges_text(int8multirange); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.ranges_text(m int8multirange) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
	SELECT coalesce(string_agg(card.range_text(x.r), ', ' ORDER BY lower(x.r)) FILTER (WHERE x.n <= 5), 'none')
	       || CASE WHEN count(*) > 5 THEN format(' and %s more ranges', count(*) - 5) ELSE '' END
	FROM unnest(m) WITH ORDINALITY AS x(r, n)
$$;


--
-- Name: rc_access(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.rc_access(p_district text) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
	IF NOT (card.is_city() OR p_district IN (SELECT unnest(card.my_districts()))) THEN
		RAISE EXCEPTION 'permission denied for district "%"', p_district USING ERRCODE = 'CR006',
			HINT = 'A district login acts only for its own district; the city for all.';
	END IF;
END $$;


--
-- Name: rc_adjusted(text, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.rc_adjusted(p_term text, p_org text) RETURNS bigint
    LANGUAGE sql STABLE
    AS $$
	SELECT (SELECT coalesce(sum(t.count), 0) FROM card.transfer t WHERE t.term = p_term AND t.to_school = p_org)
	     + (SELECT coalesce(sum(s.count), 0) FROM card.supplement s WHERE s.term = p_term AND s.to_org = p_org)
$$;


--
-- Name: rc_date(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.rc_date(p text) RETURNS date
    LANGUAGE plpgsql IMMUTABLE
    AS $_$
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
END $_$;


--
-- Name: term; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.term (
    code text NOT NULL,
    start_date date NOT NULL,
    census_due date NOT NULL,
    face_value_fen integer DEFAULT 5000 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    closed_at timestamp with time zone,
    CONSTRAINT term_code_check CHECK ((code ~ '^[0-9]{4}-(spring|autumn)$'::text)),
    CONSTRAINT term_face_value_fen_check CHECK ((face_value_fen > 0))
);


--
-- Name: rc_open(card.term, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.rc_open(t card.term, p_what text) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
	IF t.closed_at IS NOT NULL THEN
		RAISE EXCEPTION 'term "%" is closed: no more %', t.code, p_what USING ERRCODE = 'CR003',
			DETAIL = format('The adjustment closed and the charges were made on %s.',
			                to_char(t.closed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'));
	END IF;
END $$;


--
-- Name: org; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.org (
    code text NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    parent text,
    district text,
    address text,
    contact text,
    phone text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT org_check CHECK (((kind = 'city'::text) = (parent IS NULL))),
    CONSTRAINT org_check1 CHECK (((kind = 'city'::text) = (district IS NULL))),
    CONSTRAINT org_check2 CHECK (((kind <> 'district'::text) OR (district = code))),
    CONSTRAINT org_code_check CHECK ((code ~ '^[A-Za-z0-9_.-]{1,32}$'::text)),
    CONSTRAINT org_kind_check CHECK ((kind = ANY (ARRAY['city'::text, 'district'::text, 'school'::text]))),
    CONSTRAINT org_name_check CHECK (((length(name) >= 1) AND (length(name) <= 200)))
);


--
-- Name: rc_org(text, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.rc_org(p_code text, p_kind text) RETURNS card.org
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
	o card.org;
BEGIN
	SELECT * INTO o FROM card.org WHERE code = p_code;
	IF NOT FOUND THEN
		RAISE EXCEPTION '% "%" does not exist', coalesce(p_kind, 'organisation'), p_code
			USING ERRCODE = 'CR002';
	END IF;
	IF p_kind IS NOT NULL AND o.kind <> p_kind THEN
		RAISE EXCEPTION '"%" is a %, not a %', p_code, o.kind, p_kind USING ERRCODE = 'CR004';
	END IF;
	RETURN o;
END $$;


--
-- Name: rc_term(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.rc_term(p_term text) RETURNS card.term
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
	t card.term;
BEGIN
	SELECT * INTO t FROM card.term WHERE code = p_term;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'term "%" does not exist', p_term USING ERRCODE = 'CR002';
	END IF;
	RETURN t;
END $$;


--
-- Name: receipt_check(text, date, bytea, date); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.receipt_check(p_signer text, p_date date, p_photo bytea, p_earliest date) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
	v_type text;
BEGIN
	IF p_signer IS NULL OR btrim(p_signer) = '' THEN
		RAISE EXCEPTION 'the receipt needs the signer''s name' USING ERRCODE = 'CR004';
	END IF;
	IF p_photo IS NULL OR length(p_photo) = 0 THEN
		RAISE EXCEPTION 'no receipt without the photo of the signed receipt' USING ERRCODE = 'CR004';
	END IF;
	IF length(p_photo) > 10 * 1024 * 1024 THEN
		RAISE EXCEPTION 'the receipt photo is too large (% bytes)', length(p_photo)
			USING ERRCODE = 'CR004', DETAIL = 'The limit is 10 MiB.';
	END IF;
	v_type := card.photo_type(p_photo);
	IF v_type IS NULL THEN
		RAISE EXCEPTION 'the receipt photo is not a JPEG, PNG or PDF file' USING ERRCODE = 'CR004';
	END IF;
	IF p_date IS NULL OR p_date > card.bureau_today() OR p_date < p_earliest THEN
		RAISE EXCEPTION 'the receipt date % is not between % and today', p_date,
			coalesce(p_earliest::text, 'the start') USING ERRCODE = 'CR004';
	END IF;
	RETURN v_type;
END $$;


--
-- Name: receive(uuid, uuid, text, date, bigint, bytea); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.receive(p_shipment uuid, p_doc uuid, p_signer text, p_date date, p_count bigint, p_photo bytea) RETURNS TABLE(shipped bigint, counted bigint, received bigint, discrepancy bigint, late boolean, sha256 text)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
	s card.shipment;
	t card.term;
	v_type text;
	v_count bigint;
	v_left bigint;
	v_take int8range;
	r record;
BEGIN
	-- Receipts of one shipment are serialised by an advisory lock (a district may read its
	-- shipments but not lock them FOR UPDATE); card.receipt's unique shipment backs it up.
	PERFORM pg_advisory_xact_lock(hashtextextended('card.receipt|' || p_shipment::text, 0));
	SELECT * INTO s FROM card.shipment WHERE id = p_shipment;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'shipment % does not exist', p_shipment USING ERRCODE = 'CR002';
	END IF;
	PERFORM card.wf_access(s.district);
	IF EXISTS (SELECT 1 FROM card.receipt WHERE shipment = p_shipment) THEN
		RAISE EXCEPTION 'shipment % is already received', p_shipment USING ERRCODE = 'CR003';
	END IF;
	IF p_signer IS NULL OR btrim(p_signer) = '' THEN
		RAISE EXCEPTION 'the receipt needs the signer''s name' USING ERRCODE = 'CR004';
	END IF;
	IF p_photo IS NULL OR length(p_photo) = 0 THEN
		RAISE EXCEPTION 'no receipt without the photo of the signed receipt' USING ERRCODE = 'CR004';
	END IF;
	IF length(p_photo) > 10 * 1024 * 1024 THEN
		RAISE EXCEPTION 'the receipt photo is too large (% bytes)', length(p_photo)
			USING ERRCODE = 'CR004', DETAIL = 'The limit is 10 MiB.';
	END IF;
	v_type := card.photo_type(p_photo);
	IF v_type IS NULL THEN
		RAISE EXCEPTION 'the receipt photo is not a JPEG, PNG or PDF file' USING ERRCODE = 'CR004';
	END IF;
	SELECT * INTO t FROM card.term WHERE code = s.term;
	IF p_date IS NULL OR p_date > card.bureau_today() OR p_date < s.shipped_on THEN
		RAISE EXCEPTION 'the receipt date % is not between the shipping date % and today', p_date, s.shipped_on
			USING ERRCODE = 'CR004';
	END IF;
	v_count := coalesce(p_count, s.count);
	IF v_count < 0 THEN
		RAISE EXCEPTION 'the received count must not be negative' USING ERRCODE = 'CR004';
	END IF;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'receipt', s.term, s.district, format('receipt of shipment %s', p_shipment));
	v_left := least(v_count, s.count);
	FOR r IN SELECT l.serials FROM card.ledger l
	         WHERE l.doc = p_shipment AND l.kind = 'shipment' ORDER BY lower(l.serials) LOOP
		EXIT WHEN v_left = 0;
		v_take := CASE WHEN upper(r.serials) - lower(r.serials) > v_left
		               THEN int8range(lower(r.serials), lower(r.serials) + v_left) ELSE r.serials END;
		PERFORM card.move(s.term, p_doc, 'receipt', s.to_org, 'transit', s.to_org, 'stock', v_take);
		v_left := v_left - (upper(v_take) - lower(v_take));
	END LOOP;
	INSERT INTO card.receipt (id, shipment, signer, signed_on, count, received, discrepancy, late,
	                          photo, photo_type, photo_sha256)
	VALUES (p_doc, p_shipment, btrim(p_signer), p_date, v_count, least(v_count, s.count),
	        v_count - s.count, p_date > s.due, p_photo, v_type, sha256(p_photo));
	RETURN QUERY SELECT s.count, v_count, least(v_count, s.count), v_count - s.count, p_date > s.due,
	                    encode(sha256(p_photo), 'hex');
END $$;


--
-- Name: redeem_many(bigint[], integer[], text[], text[]); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.redeem_many(p_serials bigint[], p_key_ids integer[], p_accounts text[], p_idem_keys text[] DEFAULT NULL::text[]) RETURNS TABLE(outcome text, serial bigint, id bigint, term text, face_value_fen integer, account text, redeemed_at timestamp with time zone)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'card'
    AS $$
#variable_conflict use_column
DECLARE
	n constant int := coalesce(cardinality(p_serials), 0);
	o_out text[];
	o_id bigint[];
	o_term text[];
	o_fv int[];
	o_acct text[];
	o_at timestamptz[];
	v_owner int[];  -- 0: no key; i: request i claimed its key; -j: key first used by request j
	v_prev_key text;
	v_prev_i int;
	i int;
	j int;
	v_batch uuid;
	v_bkey smallint;
	v_bterm text;
	v_fv int;
	v_id bigint;
	v_at timestamptz;
	v_racct text;
	v_ik record;
BEGIN
	IF n = 0 THEN
		RETURN;
	END IF;
	IF n > 10000 OR cardinality(p_key_ids) IS DISTINCT FROM n OR cardinality(p_accounts) IS DISTINCT FROM n
	   OR (p_idem_keys IS NOT NULL AND cardinality(p_idem_keys) <> n) THEN
		RAISE EXCEPTION 'redeem_many: 1 to 10000 requests, all arrays of the same length'
			USING ERRCODE = 'CR004';
	END IF;
	FOR i IN 1..n LOOP
		IF p_serials[i] IS NULL OR p_serials[i] NOT BETWEEN 0 AND 1099511627775
		   OR p_key_ids[i] IS NULL OR p_key_ids[i] NOT BETWEEN 0 AND 15
		   OR p_accounts[i] IS NULL OR length(p_accounts[i]) NOT BETWEEN 1 AND 64
		   OR p_accounts[i] ~ '[\u0001-\u001f\u007f-\u009f]'
		   OR (p_idem_keys IS NOT NULL AND p_idem_keys[i] IS NOT NULL
		       AND octet_length(p_idem_keys[i]) NOT BETWEEN 1 AND 255) THEN
			RAISE EXCEPTION 'invalid redemption request %', i USING ERRCODE = 'CR004',
				DETAIL = 'A serial is 0 to 2^40-1, a key_id 0 to 15, an account 1 to 64 characters without control characters, an idempotency key 1 to 255 bytes.';
		END IF;
	END LOOP;
	o_out := array_fill(NULL::text, ARRAY[n]);
	o_id := array_fill(NULL::bigint, ARRAY[n]);
	o_term := array_fill(NULL::text, ARRAY[n]);
	o_fv := array_fill(NULL::int, ARRAY[n]);
	o_acct := array_fill(NULL::text, ARRAY[n]);
	o_at := array_fill(NULL::timestamptz, ARRAY[n]);
	v_owner := array_fill(0, ARRAY[n]);

	-- 1. Claim idempotency keys, in key order.
	IF p_idem_keys IS NOT NULL THEN
		FOR i IN SELECT g FROM generate_subscripts(p_idem_keys, 1) g
		         WHERE p_idem_keys[g] IS NOT NULL ORDER BY p_idem_keys[g], g LOOP
			IF p_idem_keys[i] = v_prev_key THEN
				v_owner[i] := -v_prev_i;
				CONTINUE;
			END IF;
			v_prev_key := p_idem_keys[i];
			v_prev_i := i;
			INSERT INTO card.idempotency AS x (key, account, serial, outcome)
			VALUES (p_idem_keys[i], p_accounts[i], p_serials[i], 'pending')
			ON CONFLICT (key) DO NOTHING;
			IF FOUND THEN
				v_owner[i] := i;
				CONTINUE;
			END IF;
			SELECT x.serial, x.account, x.outcome INTO v_ik
			FROM card.idempotency x WHERE x.key = p_idem_keys[i];
			IF v_ik.serial = p_serials[i] AND v_ik.account = p_accounts[i] THEN
				o_out[i] := CASE v_ik.outcome WHEN 'redeemed' THEN 'repeated' ELSE v_ik.outcome END;
			ELSE
				o_out[i] := 'idempotency_key_reused';
			END IF;
		END LOOP;
	END IF;

	-- 2. Redeem, in serial order (array order within one serial).  The shared per-serial lock
	-- pairs with the exclusive one card.void_card takes (ledger.sql): a void and a redemption
	-- of the same card never both commit.  Key: 0x4C43 << 44 | serial (see card.void_card).
	FOR i IN SELECT g FROM generate_subscripts(p_serials, 1) g ORDER BY p_serials[g], g LOOP
		CONTINUE WHEN o_out[i] IS NOT NULL OR v_owner[i] < 0;
		PERFORM pg_advisory_xact_lock_shared(343452248145133568 + p_serials[i]);
		SELECT b.id, b.key_id, b.term, t.face_value_fen INTO v_batch, v_bkey, v_bterm, v_fv
		FROM card.batch b JOIN card.term t ON t.code = b.term
		WHERE b.serials @> p_serials[i];
		IF NOT FOUND OR v_bkey <> p_key_ids[i] THEN
			o_out[i] := 'invalid_code';
		ELSIF EXISTS (SELECT 1 FROM card.void v WHERE v.serial = p_serials[i]) THEN
			o_out[i] := 'card_void';
		ELSE
			INSERT INTO card.redemption AS r (serial, account, batch)
			VALUES (p_serials[i], p_accounts[i], v_batch)
			ON CONFLICT (serial) DO NOTHING
			RETURNING r.id, r.redeemed_at INTO v_id, v_at;
			IF FOUND THEN
				o_out[i] := 'redeemed';
			ELSE
				SELECT r.account, r.id, r.redeemed_at INTO v_racct, v_id, v_at
				FROM card.redemption r WHERE r.serial = p_serials[i];
				o_out[i] := CASE WHEN v_racct = p_accounts[i] THEN 'repeated' ELSE 'already_redeemed' END;
			END IF;
			IF o_out[i] <> 'already_redeemed' THEN
				o_id[i] := v_id;
				o_at[i] := v_at;
				o_term[i] := v_bterm;
				o_fv[i] := v_fv;
				o_acct[i] := p_accounts[i];
			END IF;
		END IF;
		IF v_owner[i] = i THEN
			UPDATE card.idempotency x SET outcome = o_out[i] WHERE x.key = p_idem_keys[i];
		END IF;
	END LOOP;

	-- 3. Later uses of a key within this call; details of replayed successes.
	FOR i IN 1..n LOOP
		IF v_owner[i] < 0 THEN
			j := -v_owner[i];
			IF p_serials[i] = p_serials[j] AND p_accounts[i] = p_accounts[j] THEN
				o_out[i] := CASE o_out[j] WHEN 'redeemed' THEN 'repeated' ELSE o_out[j] END;
			ELSE
				o_out[i] := 'idempotency_key_reused';
			END IF;
		END IF;
		IF o_out[i] = 'repeated' AND o_id[i] IS NULL THEN
			SELECT r.id, r.redeemed_at, b.term, t.face_value_fen, r.account
			INTO v_id, v_at, v_bterm, v_fv, v_racct
			FROM card.redemption r JOIN card.batch b ON b.id = r.batch JOIN card.term t ON t.code = b.term
			WHERE r.serial = p_serials[i];
			o_id[i] := v_id;
			o_at[i] := v_at;
			o_term[i] := v_bterm;
			o_fv[i] := v_fv;
			o_acct[i] := v_racct;
		END IF;
	END LOOP;

	RETURN QUERY SELECT o_out[g], p_serials[g], o_id[g], o_term[g], o_fv[g], o_acct[g], o_at[g]
	             FROM generate_series(1, n) g ORDER BY g;
END $$;


--
-- Name: replace(text, uuid, text, bigint, text, date); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.replace(p_term text, p_doc uuid, p_school text, p_serial bigint, p_reason text, p_requested date) RETURNS TABLE(old_serial bigint, new_serial bigint, source text, state text, due date, late boolean)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'card'
    AS $$
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


--
-- Name: report_annex4(text, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.report_annex4(p_term text, p_district text) RETURNS TABLE(district text, district_name text, school text, school_name text, surplus bigint, shortage bigint, reason text, return_ordered bigint, returned bigint, supplement_ordered bigint, supplied bigint, not_returned bigint, charge_fen bigint, report_state text, late boolean, approver text, report_doc uuid)
    LANGUAGE sql STABLE
    AS $$
	SELECT d.code, d.name, l.school, s.name, l.surplus, l.shortage, l.reason,
	       NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint,
	       NULL::text, NULL::boolean, NULL::text, NULL::uuid
	FROM card.adjust_line l JOIN card.org d ON d.code = l.district JOIN card.org s ON s.code = l.school
	WHERE l.term = p_term AND (p_district IS NULL OR l.district = p_district)
	UNION ALL
	SELECT d.code, d.name, NULL, '小计',
	       (SELECT coalesce(sum(l.surplus), 0) FROM card.adjust_line l WHERE l.term = p_term AND l.district = d.code)::bigint,
	       (SELECT coalesce(sum(l.shortage), 0) FROM card.adjust_line l WHERE l.term = p_term AND l.district = d.code)::bigint,
	       NULL,
	       coalesce((SELECT o.count FROM card.settle_order o WHERE o.term = p_term AND o.district = d.code AND o.kind = 'return'), 0),
	       (SELECT coalesce(sum(r.count), 0) FROM card.card_return r WHERE r.term = p_term AND r.district = d.code)::bigint,
	       coalesce((SELECT o.count FROM card.settle_order o WHERE o.term = p_term AND o.district = d.code AND o.kind = 'supplement'), 0),
	       (SELECT coalesce(sum(x.count), 0) FROM card.supplement x WHERE x.term = p_term AND x.district = d.code)::bigint,
	       coalesce(c.count, 0), coalesce(c.amount_fen, 0),
	       coalesce(a.state, 'none'), a.late, a.approver, a.doc
	FROM card.org d
	LEFT JOIN card.adjust_report a ON a.term = p_term AND a.district = d.code
	LEFT JOIN card.charge c ON c.term = p_term AND c.district = d.code
	WHERE d.kind = 'district' AND (p_district IS NULL OR d.code = p_district)
	ORDER BY 1, 3 NULLS LAST
$$;


--
-- Name: report_annex5(text, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.report_annex5(p_term text, p_district text) RETURNS TABLE(district text, district_name text, school text, school_name text, planned bigint, shipped bigint, received bigint, signer text, signed_on date, distributed bigint, returned bigint, supplied bigint, replaced bigint, charged bigint, charge_fen bigint)
    LANGUAGE sql STABLE
    AS $$
	WITH f AS (SELECT * FROM card.report_figures(p_term))
	SELECT f.district, d.name, f.org, f.name, f.planned, f.shipped, f.received, f.signer,
	       f.signed_on, f.distributed, f.returned, f.supplied, f.replaced, NULL::bigint, NULL::bigint
	FROM f JOIN card.org d ON d.code = f.district
	WHERE f.kind = 'school' AND (p_district IS NULL OR f.district = p_district)
	UNION ALL
	SELECT d.code, d.name, NULL, '合计', dl.planned,
	       -- from the city: shipments to the district and courier shipments to its schools
	       (SELECT coalesce(sum(s.count), 0) FROM card.shipment s JOIN card.org fo ON fo.code = s.from_org
	        WHERE s.term = p_term AND s.district = d.code AND fo.kind = 'city')::bigint,
	       (SELECT coalesce(sum(r.received), 0) FROM card.shipment s JOIN card.org fo ON fo.code = s.from_org
	        JOIN card.receipt r ON r.shipment = s.id
	        WHERE s.term = p_term AND s.district = d.code AND fo.kind = 'city')::bigint,
	       dl.signer, dl.signed_on,
	       (SELECT sum(x.distributed) FROM f x WHERE x.district = d.code)::bigint,
	       (SELECT sum(x.returned) FROM f x WHERE x.district = d.code)::bigint,
	       (SELECT sum(x.supplied) FROM f x WHERE x.district = d.code)::bigint,
	       (SELECT sum(x.replaced) FROM f x WHERE x.district = d.code)::bigint,
	       coalesce(c.count, 0), coalesce(c.amount_fen, 0)
	FROM card.org d
	JOIN f dl ON dl.org = d.code
	LEFT JOIN card.charge c ON c.term = p_term AND c.district = d.code
	WHERE d.kind = 'district' AND (p_district IS NULL OR d.code = p_district)
	ORDER BY 1, 3 NULLS LAST
$$;


--
-- Name: report_coverage(text, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.report_coverage(p_term text, p_district text) RETURNS TABLE(district text, district_name text, org text, name text, kind text, planned bigint, distributed bigint, redeemed bigint, rate numeric, unredeemed bigint, census text, receipts text, adjustment text, final_report text)
    LANGUAGE sql STABLE
    AS $$
	WITH f AS (SELECT * FROM card.report_figures(p_term)),
	t AS (SELECT * FROM card.term WHERE code = p_term),
	rows AS (
		SELECT f.district, f.org, f.name, f.kind, f.planned, f.distributed, f.redeemed
		FROM f WHERE f.kind = 'school'
		UNION ALL
		SELECT d.code, d.code, d.name, 'district', dl.planned,
		       (SELECT sum(x.distributed) FROM f x WHERE x.district = d.code),
		       (SELECT sum(x.redeemed) FROM f x WHERE x.district = d.code)
		FROM card.org d JOIN f dl ON dl.org = d.code WHERE d.kind = 'district'
	)
	SELECT r.district, d.name, r.org, r.name, r.kind, r.planned, r.distributed, r.redeemed,
	       CASE WHEN r.distributed > 0 THEN round(100.0 * r.redeemed / r.distributed, 1) END,
	       r.distributed - r.redeemed,
	       CASE WHEN r.kind = 'district' THEN
	         (SELECT CASE WHEN c.state IS NULL OR c.submitted_at IS NULL THEN '未报'
	                      WHEN c.late THEN '逾期' ELSE '按时' END
	          FROM (SELECT 1) one LEFT JOIN card.census c ON c.term = p_term AND c.district = r.district) END,
	       CASE WHEN r.kind = 'district' THEN
	         (SELECT CASE WHEN count(*) = 0 THEN '未报'
	                      WHEN count(rc.id) < count(*) THEN format('%s/%s 未签收', count(*) - count(rc.id), count(*))
	                      WHEN count(*) FILTER (WHERE rc.late) > 0
	                        THEN format('%s/%s 逾期', count(*) FILTER (WHERE rc.late), count(*))
	                      ELSE '按时' END
	          FROM card.shipment s LEFT JOIN card.receipt rc ON rc.shipment = s.id
	          WHERE s.term = p_term AND s.district = r.district) END,
	       CASE WHEN r.kind = 'district' THEN
	         (SELECT CASE WHEN a.state IS NULL THEN '未报' WHEN a.late THEN '逾期'
	                      WHEN a.state = 'draft' THEN '未审批' ELSE '按时' END
	          FROM (SELECT 1) one LEFT JOIN card.adjust_report a ON a.term = p_term AND a.district = r.district) END,
	       CASE WHEN r.kind = 'district' THEN
	         (SELECT CASE WHEN x.filed_on IS NULL THEN '未报' WHEN x.late THEN '逾期' ELSE '按时' END
	          FROM t LEFT JOIN card.final_report x ON x.term = p_term AND x.district = r.district) END
	FROM rows r JOIN card.org d ON d.code = r.district
	WHERE p_district IS NULL OR r.district = p_district
	ORDER BY r.district, r.kind = 'school', r.org
$$;


--
-- Name: report_figures(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.report_figures(p_term text) RETURNS TABLE(org text, name text, kind text, district text, planned bigint, shipped bigint, received bigint, signer text, signed_on date, receipts bigint, receipts_late bigint, stock bigint, transit bigint, distributed bigint, void bigint, redeemed bigint, transfer_in bigint, transfer_out bigint, returned bigint, supplied bigint, replaced bigint, replaced_late bigint)
    LANGUAGE sql STABLE
    AS $$
	WITH h AS (
		SELECT h.org, h.state, sum(upper(h.serials) - lower(h.serials))::bigint AS n
		FROM card.holding h WHERE h.term = p_term GROUP BY 1, 2
	), red AS (
		SELECT h.org, count(*)::bigint AS n
		FROM card.redemption r
		JOIN card.holding h ON h.term = p_term AND h.serials @> r.serial
		GROUP BY 1
	), need AS (
		SELECT l.org, sum(l.count)::bigint AS n
		FROM card.census_line l
		JOIN card.census c ON c.term = l.term AND c.district = l.district AND c.state = 'approved'
		WHERE l.term = p_term AND l.category IN ('student', 'teacher')
		GROUP BY 1
	), ship AS (
		SELECT s.to_org AS org, sum(s.count)::bigint AS shipped, sum(r.received)::bigint AS received,
		       string_agg(DISTINCT r.signer, '、') AS signer, max(r.signed_on) AS signed_on,
		       count(r.id)::bigint AS receipts, count(r.id) FILTER (WHERE r.late)::bigint AS late
		FROM card.shipment s LEFT JOIN card.receipt r ON r.shipment = s.id
		WHERE s.term = p_term GROUP BY 1
	)
	SELECT o.code, o.name, o.kind, o.district,
	       CASE WHEN o.kind = 'school' THEN coalesce(need.n, 0) ELSE coalesce(pl.total, 0) END,
	       coalesce(ship.shipped, 0), coalesce(ship.received, 0), ship.signer, ship.signed_on,
	       coalesce(ship.receipts, 0), coalesce(ship.late, 0),
	       coalesce((SELECT h.n FROM h WHERE h.org = o.code AND h.state = 'stock'), 0),
	       coalesce((SELECT h.n FROM h WHERE h.org = o.code AND h.state = 'transit'), 0),
	       coalesce((SELECT h.n FROM h WHERE h.org = o.code AND h.state = 'distributed'), 0),
	       coalesce((SELECT h.n FROM h WHERE h.org = o.code AND h.state = 'void'), 0),
	       coalesce(red.n, 0),
	       (SELECT coalesce(sum(t.count), 0) FROM card.transfer t WHERE t.term = p_term AND t.to_school = o.code)::bigint,
	       (SELECT coalesce(sum(t.count), 0) FROM card.transfer t WHERE t.term = p_term AND t.from_school = o.code)::bigint,
	       (SELECT coalesce(sum(r.count), 0) FROM card.card_return r WHERE r.term = p_term AND r.from_org = o.code)::bigint,
	       (SELECT coalesce(sum(s.count), 0) FROM card.supplement s WHERE s.term = p_term AND s.to_org = o.code)::bigint,
	       (SELECT count(*) FROM card.replacement x WHERE x.term = p_term AND x.school = o.code)::bigint,
	       (SELECT count(*) FILTER (WHERE x.late) FROM card.replacement x WHERE x.term = p_term AND x.school = o.code)::bigint
	FROM card.org o
	LEFT JOIN card.plan_line pl ON pl.term = p_term AND pl.org = o.code
	LEFT JOIN need ON need.org = o.code
	LEFT JOIN ship ON ship.org = o.code
	LEFT JOIN red ON red.org = o.code
$$;


--
-- Name: report_finance(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.report_finance(p_term text) RETURNS TABLE(org text, name text, planned bigint, produced bigint, shipped bigint, distributed bigint, redeemed bigint, void bigint, returned bigint, supplied bigint, charged bigint, charge_fen bigint, face_value_fen integer)
    LANGUAGE sql STABLE
    AS $$
	WITH f AS (SELECT * FROM card.report_figures(p_term)),
	t AS (SELECT * FROM card.term WHERE code = p_term)
	SELECT d.code, d.name, dl.planned,
	       coalesce((SELECT pl.total FROM card.plan_line pl JOIN card.plan p ON p.term = pl.term
	                 WHERE pl.term = p_term AND pl.org = d.code AND p.batch IS NOT NULL), 0),
	       (SELECT coalesce(sum(s.count), 0) FROM card.shipment s JOIN card.org fo ON fo.code = s.from_org
	        WHERE s.term = p_term AND s.district = d.code AND fo.kind = 'city')::bigint,
	       (SELECT sum(x.distributed) FROM f x WHERE x.district = d.code)::bigint,
	       (SELECT sum(x.redeemed) FROM f x WHERE x.district = d.code)::bigint,
	       (SELECT sum(x.void) FROM f x WHERE x.district = d.code)::bigint,
	       (SELECT sum(x.returned) FROM f x WHERE x.district = d.code)::bigint,
	       (SELECT sum(x.supplied) FROM f x WHERE x.district = d.code)::bigint,
	       coalesce(c.count, 0), coalesce(c.amount_fen, 0), t.face_value_fen
	FROM card.org d JOIN f dl ON dl.org = d.code CROSS JOIN t
	LEFT JOIN card.charge c ON c.term = p_term AND c.district = d.code
	WHERE d.kind = 'district'
	UNION ALL
	SELECT o.code, o.name,
	       (SELECT coalesce(sum(pl.total), 0) FROM card.plan_line pl WHERE pl.term = p_term)::bigint,
	       (SELECT coalesce(sum(b.card_count), 0) FROM card.batch b WHERE b.term = p_term)::bigint,
	       (SELECT coalesce(sum(s.count), 0) FROM card.shipment s JOIN card.org fo ON fo.code = s.from_org
	        WHERE s.term = p_term AND fo.kind = 'city')::bigint,
	       (SELECT coalesce(sum(x.distributed), 0) FROM f x)::bigint,
	       (SELECT coalesce(sum(x.redeemed), 0) FROM f x)::bigint,
	       (SELECT coalesce(sum(x.void), 0) FROM f x)::bigint,
	       (SELECT coalesce(sum(x.returned), 0) FROM f x)::bigint,
	       (SELECT coalesce(sum(x.supplied), 0) FROM f x)::bigint,
	       (SELECT coalesce(sum(c.count), 0) FROM card.charge c WHERE c.term = p_term)::bigint,
	       (SELECT coalesce(sum(c.amount_fen), 0) FROM card.charge c WHERE c.term = p_term)::bigint,
	       t.face_value_fen
	FROM card.org o CROSS JOIN t WHERE o.kind = 'city'
$$;


--
-- Name: return_cards(text, uuid, text, text, bigint, int8range, text, date, bytea); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.return_cards(p_term text, p_doc uuid, p_district text, p_from text, p_count bigint, p_serials int8range, p_signer text, p_date date, p_photo bytea) RETURNS TABLE(ranges text, count bigint, ordered bigint, returned bigint, sha256 text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'card'
    AS $$
#variable_conflict use_column
DECLARE
	t card.term := card.rc_term(p_term);
	d card.org := card.rc_org(p_district, 'district');
	f card.org := card.rc_org(coalesce(p_from, p_district), NULL);
	v_city text := (SELECT o.code FROM card.org o WHERE o.kind = 'city');
	v_ranges int8multirange := '{}';
	v_r int8range;
	v_n bigint;
	v_type text;
BEGIN
	PERFORM card.rc_access(d.code);
	PERFORM card.rc_open(t, 'returns');
	IF f.district IS DISTINCT FROM d.code THEN
		RAISE EXCEPTION '"%" is not in district "%"', f.code, d.code USING ERRCODE = 'CR004';
	END IF;
	IF (p_count IS NULL) = (p_serials IS NULL) THEN
		RAISE EXCEPTION 'give either a count or a serial range' USING ERRCODE = 'CR004';
	END IF;
	IF p_signer IS NULL OR btrim(p_signer) = '' THEN
		RAISE EXCEPTION 'the return needs the name of who signed for the city' USING ERRCODE = 'CR004';
	END IF;
	v_type := card.receipt_check(p_signer, p_date, p_photo, NULL);
	INSERT INTO card.document (id, kind, term, district, created_by, note)
	VALUES (p_doc, 'return', p_term, d.code, session_user, format('return %s -> %s', f.code, v_city));
	IF p_serials IS NOT NULL THEN
		v_n := card.move(p_term, p_doc, 'return', f.code, 'stock', v_city, 'stock', p_serials);
		v_ranges := int8multirange(p_serials);
	ELSE
		IF p_count <= 0 THEN
			RAISE EXCEPTION 'the count must be positive' USING ERRCODE = 'CR004';
		END IF;
		FOR v_r IN SELECT * FROM card.move_count(p_term, p_doc, 'return', f.code, 'stock', v_city,
		                                         'stock', p_count) LOOP
			v_ranges := v_ranges + int8multirange(v_r);
		END LOOP;
		v_n := p_count;
	END IF;
	INSERT INTO card.card_return (id, term, district, from_org, count, ranges, ordered, signer, signed_on,
	                              by_role, photo, photo_type, photo_sha256)
	VALUES (p_doc, p_term, d.code, f.code, v_n, card.ranges_text(v_ranges),
	        (SELECT o.id FROM card.settle_order o WHERE o.term = p_term AND o.district = d.code
	         AND o.kind = 'return'), btrim(p_signer), p_date, session_user,
	        p_photo, v_type, sha256(p_photo));
	RETURN QUERY SELECT card.ranges_text(v_ranges), v_n,
		(SELECT o.count FROM card.settle_order o WHERE o.term = p_term AND o.district = d.code AND o.kind = 'return'),
		(SELECT sum(x.count)::bigint FROM card.card_return x WHERE x.term = p_term AND x.district = d.code),
		encode(sha256(p_photo), 'hex');
END $$;


--
-- Name: ship(text, uuid, text, text, bigint, int8range, text, text, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.ship(p_term text, p_doc uuid, p_from text, p_to text, p_count bigint, p_serials int8range, p_address text, p_contact text, p_phone text) RETURNS TABLE(ranges text, count bigint, due date, late boolean, courier boolean)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
	t card.term;
	f card.org;
	d card.org;
	v_within int8range;
	v_n bigint;
	v_ranges int8multirange := '{}';
	v_r int8range;
	v_courier boolean;
	v_due date;
BEGIN
	SELECT * INTO t FROM card.term WHERE code = p_term;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'term "%" does not exist', p_term USING ERRCODE = 'CR002';
	END IF;
	IF p_from IS NULL THEN
		SELECT * INTO f FROM card.org WHERE kind = 'city';
	ELSE
		SELECT * INTO f FROM card.org WHERE code = p_from;
	END IF;
	IF f.code IS NULL THEN
		RAISE EXCEPTION 'organisation "%" does not exist', coalesce(p_from, 'city') USING ERRCODE = 'CR002';
	END IF;
	SELECT * INTO d FROM card.org WHERE code = p_to;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'organisation "%" does not exist', p_to USING ERRCODE = 'CR002';
	END IF;
	IF f.kind = 'school' THEN
		RAISE EXCEPTION 'a school does not ship cards' USING ERRCODE = 'CR004',
			HINT = 'Surplus moves between schools are transfers (workflow part 2).';
	ELSIF f.kind = 'district' AND (d.kind <> 'school' OR d.district <> f.code) THEN
		RAISE EXCEPTION 'district "%" ships only to its own schools, not to "%"', f.code, d.code
			USING ERRCODE = 'CR004';
	ELSIF f.kind = 'city' AND d.kind = 'city' THEN
		RAISE EXCEPTION 'cannot ship from the city to itself' USING ERRCODE = 'CR004';
	END IF;
	v_courier := f.kind = 'city' AND d.kind = 'school';
	IF v_courier THEN
		p_address := coalesce(nullif(btrim(p_address), ''), d.address);
		p_contact := coalesce(nullif(btrim(p_contact), ''), d.contact);
		p_phone := coalesce(nullif(btrim(p_phone), ''), d.phone);
		IF p_address IS NULL OR p_contact IS NULL OR p_phone IS NULL THEN
			RAISE EXCEPTION 'a courier shipment to school "%" needs its address, contact and phone', d.code
				USING ERRCODE = 'CR004',
				HINT = 'Give --address, --contact and --phone, or record them with the organisation.';
		END IF;
	END IF;
	IF (p_count IS NULL) = (p_serials IS NULL) THEN
		RAISE EXCEPTION 'give either a count or a serial range' USING ERRCODE = 'CR004';
	END IF;
	PERFORM card.wf_access(f.district);
	v_due := t.start_date - 7;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'shipment', p_term, d.district, format('shipment %s -> %s', f.code, d.code));
	IF p_serials IS NOT NULL THEN
		v_n := card.move(p_term, p_doc, 'shipment', f.code, 'stock', d.code, 'transit', p_serials);
		v_ranges := int8multirange(p_serials);
	ELSE
		IF f.kind = 'city' THEN
			v_within := card.plan_range(p_term, d.district);
		END IF;
		FOR v_r IN SELECT * FROM card.move_count(p_term, p_doc, 'shipment', f.code, 'stock', d.code,
		                                         'transit', p_count, v_within) LOOP
			v_ranges := v_ranges + int8multirange(v_r);
		END LOOP;
		v_n := p_count;
	END IF;
	INSERT INTO card.shipment (id, term, from_org, to_org, district, count, courier, address,
	                           contact, phone, due, shipped_on, late)
	VALUES (p_doc, p_term, f.code, d.code, d.district, v_n, v_courier,
	        CASE WHEN v_courier THEN p_address END, CASE WHEN v_courier THEN p_contact END,
	        CASE WHEN v_courier THEN p_phone END, v_due, card.bureau_today(),
	        card.bureau_today() > v_due);
	RETURN QUERY SELECT card.ranges_text(v_ranges), v_n, v_due, card.bureau_today() > v_due, v_courier;
END $$;


--
-- Name: supplement(text, uuid, text, bigint, text, date, bytea); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.supplement(p_term text, p_doc uuid, p_to text, p_count bigint, p_signer text, p_date date, p_photo bytea) RETURNS TABLE(ranges text, count bigint, ordered bigint, supplied bigint, sha256 text)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
	t card.term := card.rc_term(p_term);
	d card.org := card.rc_org(p_to, NULL);
	v_city text := (SELECT o.code FROM card.org o WHERE o.kind = 'city');
	o card.settle_order;
	v_done bigint;
	v_stock bigint;
	v_ranges int8multirange := '{}';
	v_r int8range;
	v_type text;
BEGIN
	PERFORM card.rc_open(t, 'supplements');
	IF d.kind = 'city' THEN
		RAISE EXCEPTION 'a supplement goes to a district or a school, not the city' USING ERRCODE = 'CR004';
	END IF;
	IF p_count IS NULL OR p_count <= 0 THEN
		RAISE EXCEPTION 'the count must be positive' USING ERRCODE = 'CR004';
	END IF;
	IF p_signer IS NULL OR btrim(p_signer) = '' THEN
		RAISE EXCEPTION 'the supplement needs the name of who signed its receipt' USING ERRCODE = 'CR004';
	END IF;
	v_type := card.receipt_check(p_signer, p_date, p_photo, NULL);
	SELECT * INTO o FROM card.settle_order x WHERE x.term = p_term AND x.district = d.district AND x.kind = 'supplement';
	IF NOT FOUND THEN
		RAISE EXCEPTION 'the city has ordered no supplement for district "%" in term "%"', d.district, p_term
			USING ERRCODE = 'CR003', HINT = 'Supplements follow the settlement (cardctl adjust settle --confirm).';
	END IF;
	PERFORM card.holder_lock(p_term, v_city, 'stock', d.code, 'stock');
	SELECT coalesce(sum(x.count), 0) INTO v_done FROM card.supplement x WHERE x.ordered = o.id;
	IF v_done + p_count > o.count THEN
		RAISE EXCEPTION 'a supplement of % would exceed the order for district "%"', p_count, d.district
			USING ERRCODE = 'CR001',
			DETAIL = format('%s ordered, %s supplied already.', o.count, v_done);
	END IF;
	v_stock := card.balance(p_term, v_city, 'stock');
	IF p_count > v_stock THEN
		RAISE EXCEPTION 'a supplement of % is more than the city stock of %', p_count, v_stock
			USING ERRCODE = 'CR001', HINT = 'Wait for the returns ordered by the settlement (cardctl return).';
	END IF;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'supplement', p_term, d.district, format('supplement %s -> %s', v_city, d.code));
	FOR v_r IN SELECT * FROM card.move_count(p_term, p_doc, 'supplement', v_city, 'stock', d.code,
	                                         'stock', p_count) LOOP
		v_ranges := v_ranges + int8multirange(v_r);
	END LOOP;
	INSERT INTO card.supplement (id, term, district, to_org, count, ranges, ordered, signer, signed_on,
	                             photo, photo_type, photo_sha256)
	VALUES (p_doc, p_term, d.district, d.code, p_count, card.ranges_text(v_ranges), o.id,
	        btrim(p_signer), p_date, p_photo, v_type, sha256(p_photo));
	RETURN QUERY SELECT card.ranges_text(v_ranges), p_count, o.count, v_done + p_count,
	                    encode(sha256(p_photo), 'hex');
END $$;


--
-- Name: term_deadlines(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.term_deadlines(p_term text) RETURNS TABLE(step text, zh text, due date, days_left integer, passed boolean, state text)
    LANGUAGE sql STABLE
    AS $$
	SELECT x.step, x.zh, x.due, x.due - card.bureau_today(), card.bureau_today() > x.due,
	       CASE WHEN card.bureau_today() > x.due THEN 'passed'
	            WHEN card.bureau_today() = x.due THEN 'today' ELSE 'coming' END
	  FROM card.term t,
	       LATERAL (VALUES (1, 'census', '人数统计', t.census_due),
	                       (2, 'delivery', '配送', t.start_date - 7),
	                       (3, 'distribution', '发放', t.start_date + 7),
	                       (4, 'adjustment_report', '余缺报告', t.start_date + 14),
	                       (5, 'city_adjustment', '市级调剂', t.start_date + 20),
	                       (6, 'close', '结算', t.start_date + 30)) AS x(n, step, zh, due)
	 WHERE t.code = p_term ORDER BY x.n
$$;


--
-- Name: term_flags(text, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.term_flags(p_term text, p_district text) RETURNS TABLE(flag text, count bigint, which text)
    LANGUAGE sql STABLE
    AS $$
	WITH t AS (SELECT * FROM card.term WHERE code = p_term)
	SELECT 'census_late', count(*), string_agg(c.district, ',' ORDER BY c.district)
	  FROM card.census c WHERE c.term = p_term AND c.late
	   AND (p_district IS NULL OR c.district = p_district)
	UNION ALL
	SELECT 'census_not_approved', count(*), string_agg(o.code, ',' ORDER BY o.code)
	  FROM card.org o LEFT JOIN card.census c ON c.term = p_term AND c.district = o.code
	 WHERE o.kind = 'district' AND coalesce(c.state, '') <> 'approved'
	   AND (p_district IS NULL OR o.code = p_district)
	UNION ALL
	SELECT 'shipment_late', count(*), string_agg(s.to_org, ',' ORDER BY s.to_org)
	  FROM card.shipment s WHERE s.term = p_term AND s.late
	   AND (p_district IS NULL OR s.district = p_district)
	UNION ALL
	SELECT 'not_received', count(*), string_agg(s.id::text, ',' ORDER BY s.shipped_at)
	  FROM card.shipment s WHERE s.term = p_term
	   AND NOT EXISTS (SELECT 1 FROM card.receipt r WHERE r.shipment = s.id)
	   AND (p_district IS NULL OR s.district = p_district)
	UNION ALL
	SELECT 'receipt_late', count(*), string_agg(s.to_org, ',' ORDER BY s.to_org)
	  FROM card.receipt r JOIN card.shipment s ON s.id = r.shipment
	 WHERE s.term = p_term AND r.late AND (p_district IS NULL OR s.district = p_district)
	UNION ALL
	SELECT 'receipt_discrepancy', count(*), string_agg(s.to_org || ':' || r.discrepancy, ',' ORDER BY s.to_org)
	  FROM card.receipt r JOIN card.shipment s ON s.id = r.shipment
	 WHERE s.term = p_term AND r.discrepancy <> 0 AND (p_district IS NULL OR s.district = p_district)
	UNION ALL
	SELECT 'distribution_late', count(*), string_agg(DISTINCT d.school, ',')
	  FROM card.distribution d WHERE d.term = p_term AND d.late
	   AND (p_district IS NULL OR d.district = p_district)
	UNION ALL
	SELECT 'short_after_due', count(*), string_agg(s.org, ',' ORDER BY s.org)
	  FROM card.term_status(p_term, p_district) s, t
	 WHERE s.kind = 'school' AND s.distributed < coalesce(s.planned, 0)
	   AND card.bureau_today() > t.start_date + 7
$$;


--
-- Name: term_status(text, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.term_status(p_term text, p_district text) RETURNS TABLE(org text, name text, kind text, district text, planned bigint, stock bigint, transit bigint, distributed bigint, redeemed bigint, void bigint)
    LANGUAGE sql STABLE
    AS $$
	WITH h AS (
		SELECT h.org, h.state, sum(upper(h.serials) - lower(h.serials))::bigint AS n
		  FROM card.holding h WHERE h.term = p_term GROUP BY 1, 2
	), red AS (
		SELECT h.org, count(*)::bigint AS n
		  FROM card.redemption r
		  JOIN card.batch b ON b.id = r.batch AND b.term = p_term
		  JOIN card.holding h ON h.term = p_term AND h.serials @> r.serial
		 GROUP BY 1
	), need AS (
		SELECT l.org, sum(l.count)::bigint AS n
		  FROM card.census_line l
		  JOIN card.census c ON c.term = l.term AND c.district = l.district AND c.state = 'approved'
		 WHERE l.term = p_term AND l.category IN ('student', 'teacher')
		 GROUP BY 1
	)
	SELECT o.code, o.name, o.kind, o.district,
	       CASE WHEN o.kind = 'school' THEN need.n ELSE pl.total END,
	       coalesce((SELECT h.n FROM h WHERE h.org = o.code AND h.state = 'stock'), 0),
	       coalesce((SELECT h.n FROM h WHERE h.org = o.code AND h.state = 'transit'), 0),
	       coalesce((SELECT h.n FROM h WHERE h.org = o.code AND h.state = 'distributed'), 0),
	       coalesce(red.n, 0),
	       coalesce((SELECT h.n FROM h WHERE h.org = o.code AND h.state = 'void'), 0)
	  FROM card.org o
	  LEFT JOIN card.plan_line pl ON pl.term = p_term AND pl.org = o.code
	  LEFT JOIN need ON need.org = o.code
	  LEFT JOIN red ON red.org = o.code
	 WHERE p_district IS NULL OR o.district = p_district
	 ORDER BY o.kind <> 'city', coalesce(o.district, ''), o.kind <> 'district', o.code
$$;


--
-- Name: token_lookup(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.token_lookup(p_id text) RETURNS TABLE(role text, secret_sha256 bytea)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'card'
    AS $$
	SELECT t.role, t.secret_sha256 FROM card.api_token t
	WHERE t.id = p_id AND t.revoked_at IS NULL
$$;


--
-- Name: transfer(text, uuid, text, text, bigint, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.transfer(p_term text, p_doc uuid, p_from text, p_to text, p_count bigint, p_late_reason text) RETURNS TABLE(ranges text, count bigint, due date, late boolean)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
	t card.term := card.rc_term(p_term);
	f card.org := card.rc_org(p_from, 'school');
	d card.org := card.rc_org(p_to, 'school');
	v_due date := t.start_date;  -- delivery (S-7) + 7
	v_late boolean := card.bureau_today() > t.start_date;
	v_ranges int8multirange := '{}';
	v_r int8range;
BEGIN
	PERFORM card.rc_access(f.district);
	PERFORM card.rc_open(t, 'transfers');
	IF f.code = d.code THEN
		RAISE EXCEPTION 'cannot transfer from school "%" to itself', f.code USING ERRCODE = 'CR004';
	END IF;
	IF f.district <> d.district THEN
		RAISE EXCEPTION 'schools "%" and "%" are in different districts', f.code, d.code
			USING ERRCODE = 'CR001',
			DETAIL = format('"%s" is in district "%s", "%s" in district "%s".', f.code, f.district,
			                d.code, d.district),
			HINT = 'A district adjusts only among its own schools; across districts the city settles (cardctl adjust settle).';
	END IF;
	IF p_count IS NULL OR p_count <= 0 THEN
		RAISE EXCEPTION 'the count must be positive' USING ERRCODE = 'CR004';
	END IF;
	p_late_reason := nullif(btrim(coalesce(p_late_reason, '')), '');
	IF v_late AND p_late_reason IS NULL THEN
		RAISE EXCEPTION 'the self-adjustment window of term "%" closed on %', p_term, v_due
			USING ERRCODE = 'CR003',
			HINT = 'A later transfer needs a reason: --late REASON (it is recorded).';
	END IF;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'transfer', p_term, f.district, format('transfer %s -> %s', f.code, d.code));
	FOR v_r IN SELECT * FROM card.move_count(p_term, p_doc, 'transfer', f.code, 'stock', d.code,
	                                         'stock', p_count) LOOP
		v_ranges := v_ranges + int8multirange(v_r);
	END LOOP;
	INSERT INTO card.transfer (id, term, district, from_school, to_school, count, due, done_on,
	                           late, late_reason)
	VALUES (p_doc, p_term, f.district, f.code, d.code, p_count, v_due, card.bureau_today(),
	        v_late, CASE WHEN v_late THEN p_late_reason END);
	RETURN QUERY SELECT card.ranges_text(v_ranges), p_count, v_due, v_late;
END $$;


--
-- Name: transit_loss(uuid, uuid, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.transit_loss(p_shipment uuid, p_doc uuid, p_reason text) RETURNS TABLE(shipment uuid, term text, org text, state text, count bigint, first_serial bigint, last_serial bigint)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
-- One row per run of consecutive serials with the same outcome: state 'void' (written off) or
-- 'redeemed' (somebody redeemed the card while it was lost: it cannot be voided, so it stays in
-- transit for the city to look into, and is reported).  The unredeemed cards are voided even
-- then: one stolen card that was used must not keep the others of the box redeemable.
DECLARE
	s card.shipment;
	r record;
	n bigint := 0;
	v_state text;
	v_run_state text;
	v_run_first bigint;
	i bigint;  -- a serial (an integer FOR loop would stop at 2^31)
BEGIN
	PERFORM card.wf_access(NULL);
	-- the same lock as card.receive: a loss and a receipt of one shipment do not interleave
	PERFORM pg_advisory_xact_lock(hashtextextended('card.receipt|' || p_shipment::text, 0));
	SELECT * INTO s FROM card.shipment x WHERE x.id = p_shipment;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'shipment % does not exist', p_shipment USING ERRCODE = 'CR002';
	END IF;
	p_reason := btrim(coalesce(p_reason, ''));
	IF p_reason = '' OR length(p_reason) > 500 THEN
		RAISE EXCEPTION 'a loss needs a reason (at most 500 characters)' USING ERRCODE = 'CR004';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM card.receipt x WHERE x.shipment = p_shipment) THEN
		RAISE EXCEPTION 'shipment % is not received yet', p_shipment USING ERRCODE = 'CR003',
			HINT = 'Record the receipt of what arrived first (cardctl receive --count N).';
	END IF;
	IF EXISTS (SELECT 1 FROM card.transit_loss x WHERE x.shipment = p_shipment) THEN
		RAISE EXCEPTION 'the loss of shipment % is recorded already: nothing is lost', p_shipment
			USING ERRCODE = 'CR003';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM card.holding h WHERE h.state = 'transit' AND h.doc = p_shipment) THEN
		RAISE EXCEPTION 'no card of shipment % is in transit: nothing is lost', p_shipment
			USING ERRCODE = 'CR003';
	END IF;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'transit_loss', s.term, s.district, format('cards of shipment %s lost in transit', p_shipment));
	FOR r IN SELECT h.serials, h.org FROM card.holding h
	         WHERE h.state = 'transit' AND h.doc = p_shipment ORDER BY lower(h.serials) LOOP
		v_run_state := NULL;
		FOR i IN SELECT g FROM generate_series(lower(r.serials), upper(r.serials) - 1) g LOOP
			-- card.void_card takes this lock too (re-entrant); taken first, no redemption can
			-- slip in between the check and the void
			PERFORM pg_advisory_xact_lock(343452248145133568 + i);
			IF EXISTS (SELECT 1 FROM card.redemption x WHERE x.serial = i) THEN
				v_state := 'redeemed';
			ELSE
				PERFORM card.void_card(s.term, p_doc, r.org, 'transit', i, 'lost in transit: ' || p_reason);
				n := n + 1;
				v_state := 'void';
			END IF;
			IF v_run_state IS DISTINCT FROM v_state THEN
				IF v_run_state IS NOT NULL THEN
					RETURN QUERY SELECT p_shipment, s.term, r.org, v_run_state, i - v_run_first, v_run_first, i - 1;
				END IF;
				v_run_state := v_state;
				v_run_first := i;
			END IF;
		END LOOP;
		RETURN QUERY SELECT p_shipment, s.term, r.org, v_run_state, upper(r.serials) - v_run_first,
		                    v_run_first, upper(r.serials) - 1;
	END LOOP;
	IF n = 0 THEN
		RAISE EXCEPTION 'every card of shipment % still in transit was redeemed: none can be voided', p_shipment
			USING ERRCODE = 'CR001', HINT = 'See them with cardctl card show SERIAL; the city decides what follows.';
	END IF;
	INSERT INTO card.transit_loss (id, shipment, count, reason) VALUES (p_doc, p_shipment, n, p_reason);
END $$;


--
-- Name: void_card(text, uuid, text, text, bigint, text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.void_card(p_term text, p_doc uuid, p_org text, p_state text, p_serial bigint, p_reason text) RETURNS void
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: wf_access(text); Type: FUNCTION; Schema: card; Owner: -
--

CREATE FUNCTION card.wf_access(p_district text) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
	IF card.is_city() THEN
		RETURN;
	END IF;
	IF p_district IS NULL OR NOT p_district = ANY (card.my_districts()) THEN
		RAISE EXCEPTION 'permission denied: this step is for %',
			coalesce(format('district "%s" or the city centre', p_district), 'the city centre')
			USING ERRCODE = 'CR006',
			HINT = 'District users act only for the districts their login is mapped to (card.district_login).';
	END IF;
END $$;


--
-- Name: adjust_line; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.adjust_line (
    term text NOT NULL,
    district text NOT NULL,
    school text NOT NULL,
    surplus bigint NOT NULL,
    shortage bigint NOT NULL,
    reason text,
    line integer NOT NULL,
    CONSTRAINT adjust_line_check CHECK (((surplus = 0) OR (shortage = 0))),
    CONSTRAINT adjust_line_check1 CHECK ((((surplus + shortage) = 0) OR (reason IS NOT NULL))),
    CONSTRAINT adjust_line_shortage_check CHECK ((shortage >= 0)),
    CONSTRAINT adjust_line_surplus_check CHECK ((surplus >= 0))
);


--
-- Name: adjust_report; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.adjust_report (
    term text NOT NULL,
    district text NOT NULL,
    doc uuid NOT NULL,
    state text DEFAULT 'draft'::text NOT NULL,
    due date NOT NULL,
    filed_on date NOT NULL,
    late boolean NOT NULL,
    filed_by text DEFAULT CURRENT_USER NOT NULL,
    filed_at timestamp with time zone DEFAULT now() NOT NULL,
    approval uuid,
    approver text,
    approved_by text,
    approved_at timestamp with time zone,
    CONSTRAINT adjust_report_state_check CHECK ((state = ANY (ARRAY['draft'::text, 'approved'::text])))
);


--
-- Name: api_token; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.api_token (
    id text NOT NULL,
    role text NOT NULL,
    label text DEFAULT ''::text NOT NULL,
    secret_sha256 bytea NOT NULL,
    created_by text DEFAULT CURRENT_USER NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    CONSTRAINT api_token_id_check CHECK ((id ~ '^[0-9a-f]{16}$'::text)),
    CONSTRAINT api_token_label_check CHECK ((length(label) <= 200)),
    CONSTRAINT api_token_role_check CHECK ((role = ANY (ARRAY['helpdesk'::text, 'platform'::text]))),
    CONSTRAINT api_token_secret_sha256_check CHECK ((length(secret_sha256) = 32))
);


--
-- Name: batch; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.batch (
    id uuid NOT NULL,
    term text NOT NULL,
    key_id smallint NOT NULL,
    first_serial bigint NOT NULL,
    card_count bigint NOT NULL,
    serials int8range GENERATED ALWAYS AS (int8range(first_serial, (first_serial + card_count))) STORED,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT batch_card_count_check CHECK ((card_count > 0)),
    CONSTRAINT batch_check CHECK (((first_serial + card_count) <= '1099511627776'::bigint)),
    CONSTRAINT batch_first_serial_check CHECK ((first_serial >= 0)),
    CONSTRAINT batch_key_id_check CHECK (((key_id >= 0) AND (key_id <= 15)))
);


--
-- Name: card_return; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.card_return (
    id uuid NOT NULL,
    term text NOT NULL,
    district text NOT NULL,
    from_org text NOT NULL,
    count bigint NOT NULL,
    ranges text NOT NULL,
    ordered uuid,
    signer text NOT NULL,
    signed_on date NOT NULL,
    by_role text DEFAULT CURRENT_USER NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    photo bytea,
    photo_type text,
    photo_sha256 bytea,
    CONSTRAINT card_return_count_check CHECK ((count > 0)),
    CONSTRAINT card_return_photo_all_or_none CHECK ((((photo IS NULL) = (photo_type IS NULL)) AND ((photo IS NULL) = (photo_sha256 IS NULL)))),
    CONSTRAINT card_return_photo_type_check CHECK ((photo_type = ANY (ARRAY['image/jpeg'::text, 'image/png'::text, 'application/pdf'::text])))
);


--
-- Name: census_explain; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.census_explain (
    term text NOT NULL,
    district text NOT NULL,
    school text NOT NULL,
    explanation text NOT NULL,
    by_role text DEFAULT CURRENT_USER NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT census_explain_explanation_check CHECK (((length(explanation) >= 1) AND (length(explanation) <= 500)))
);


--
-- Name: census_line; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.census_line (
    term text NOT NULL,
    district text NOT NULL,
    org text NOT NULL,
    category text NOT NULL,
    grade text DEFAULT ''::text NOT NULL,
    count bigint NOT NULL,
    textbooks bigint,
    line integer NOT NULL,
    CONSTRAINT census_line_category_check CHECK ((category = ANY (ARRAY['student'::text, 'teacher'::text, 'staff'::text]))),
    CONSTRAINT census_line_count_check CHECK ((count >= 0)),
    CONSTRAINT census_line_textbooks_check CHECK ((textbooks >= 0))
);


--
-- Name: charge; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.charge (
    id uuid NOT NULL,
    term text NOT NULL,
    district text NOT NULL,
    due_return bigint NOT NULL,
    returned bigint NOT NULL,
    count bigint NOT NULL,
    face_value_fen integer NOT NULL,
    amount_fen bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT charge_count_check CHECK ((count > 0))
);


--
-- Name: distribution; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.distribution (
    id uuid NOT NULL,
    term text NOT NULL,
    school text NOT NULL,
    district text NOT NULL,
    count bigint NOT NULL,
    due date NOT NULL,
    done_on date NOT NULL,
    late boolean NOT NULL,
    by_role text DEFAULT CURRENT_USER NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT distribution_count_check CHECK ((count > 0))
);


--
-- Name: distribution_line; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.distribution_line (
    distribution uuid NOT NULL,
    line integer NOT NULL,
    grade text NOT NULL,
    class text DEFAULT ''::text NOT NULL,
    count bigint NOT NULL,
    CONSTRAINT distribution_line_count_check CHECK ((count > 0))
);


--
-- Name: district_login; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.district_login (
    role name NOT NULL,
    district text NOT NULL,
    granted_at timestamp with time zone DEFAULT now() NOT NULL,
    granted_by text DEFAULT CURRENT_USER NOT NULL
);


--
-- Name: document; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.document (
    id uuid NOT NULL,
    kind text NOT NULL,
    term text,
    district text,
    created_by text DEFAULT CURRENT_USER NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    note text
);


--
-- Name: final_report; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.final_report (
    term text NOT NULL,
    district text NOT NULL,
    doc uuid NOT NULL,
    signer text NOT NULL,
    filed_on date NOT NULL,
    late boolean NOT NULL,
    by_role text DEFAULT CURRENT_USER NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT final_report_signer_check CHECK (((length(btrim(signer)) >= 1) AND (length(btrim(signer)) <= 100)))
);


--
-- Name: function_file; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.function_file (
    name text NOT NULL,
    sha256 text NOT NULL,
    loaded_at timestamp with time zone DEFAULT now() NOT NULL,
    loaded_by text DEFAULT CURRENT_USER NOT NULL,
    CONSTRAINT function_file_sha256_check CHECK ((sha256 ~ '^[0-9a-f]{64}$'::text))
);


--
-- Name: holding; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.holding (
    serials int8range NOT NULL,
    term text NOT NULL,
    org text NOT NULL,
    state text NOT NULL,
    doc uuid,
    CONSTRAINT holding_serials_check CHECK ((NOT isempty(serials))),
    CONSTRAINT holding_state_check CHECK ((state = ANY (ARRAY['stock'::text, 'transit'::text, 'distributed'::text, 'void'::text])))
);


--
-- Name: idempotency; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.idempotency (
    key text NOT NULL,
    account text NOT NULL,
    serial bigint NOT NULL,
    outcome text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT idempotency_key_check CHECK (((length(key) >= 1) AND (length(key) <= 255)))
);


--
-- Name: ledger; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.ledger (
    id bigint NOT NULL,
    term text NOT NULL,
    doc uuid NOT NULL,
    kind text NOT NULL,
    from_org text,
    from_state text,
    to_org text NOT NULL,
    to_state text NOT NULL,
    serials int8range NOT NULL,
    actor text DEFAULT CURRENT_USER NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    chain_seq bigint,
    hash bytea,
    CONSTRAINT ledger_serials_check CHECK ((NOT isempty(serials)))
);


--
-- Name: ledger_head; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.ledger_head (
    one boolean DEFAULT true NOT NULL,
    seq bigint NOT NULL,
    hash bytea NOT NULL,
    CONSTRAINT ledger_head_one_check CHECK (one)
);


--
-- Name: ledger_id_seq; Type: SEQUENCE; Schema: card; Owner: -
--

CREATE SEQUENCE card.ledger_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: ledger_id_seq; Type: SEQUENCE OWNED BY; Schema: card; Owner: -
--

ALTER SEQUENCE card.ledger_id_seq OWNED BY card.ledger.id;


--
-- Name: plan; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.plan (
    term text NOT NULL,
    doc uuid NOT NULL,
    reserve_pct numeric DEFAULT 0 NOT NULL,
    proceed_without text[] DEFAULT '{}'::text[] NOT NULL,
    made_at timestamp with time zone DEFAULT now() NOT NULL,
    made_by text DEFAULT CURRENT_USER NOT NULL,
    batch uuid,
    CONSTRAINT plan_reserve_pct_check CHECK (((reserve_pct >= (0)::numeric) AND (reserve_pct <= (100)::numeric)))
);


--
-- Name: plan_line; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.plan_line (
    term text NOT NULL,
    org text NOT NULL,
    students bigint DEFAULT 0 NOT NULL,
    teachers bigint DEFAULT 0 NOT NULL,
    staff bigint DEFAULT 0 NOT NULL,
    reserve bigint DEFAULT 0 NOT NULL,
    total bigint NOT NULL,
    first_serial bigint,
    CONSTRAINT plan_line_total_check CHECK ((total >= 0))
);


--
-- Name: receipt; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.receipt (
    id uuid NOT NULL,
    shipment uuid NOT NULL,
    signer text NOT NULL,
    signed_on date NOT NULL,
    count bigint NOT NULL,
    received bigint NOT NULL,
    discrepancy bigint NOT NULL,
    late boolean NOT NULL,
    photo bytea NOT NULL,
    photo_type text NOT NULL,
    photo_sha256 bytea NOT NULL,
    received_by text DEFAULT CURRENT_USER NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT receipt_count_check CHECK ((count >= 0)),
    CONSTRAINT receipt_photo_type_check CHECK ((photo_type = ANY (ARRAY['image/jpeg'::text, 'image/png'::text, 'application/pdf'::text]))),
    CONSTRAINT receipt_received_check CHECK ((received >= 0)),
    CONSTRAINT receipt_signer_check CHECK (((length(signer) >= 1) AND (length(signer) <= 100)))
);


--
-- Name: redemption; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.redemption (
    serial bigint NOT NULL,
    id bigint NOT NULL,
    feed_id bigint,
    account text NOT NULL,
    batch uuid NOT NULL,
    redeemed_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT redemption_account_check CHECK (((length(account) >= 1) AND (length(account) <= 64))),
    CONSTRAINT redemption_serial_check CHECK ((serial >= 0))
);


--
-- Name: redemption_id_seq; Type: SEQUENCE; Schema: card; Owner: -
--

CREATE SEQUENCE card.redemption_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: redemption_id_seq; Type: SEQUENCE OWNED BY; Schema: card; Owner: -
--

ALTER SEQUENCE card.redemption_id_seq OWNED BY card.redemption.id;


--
-- Name: replacement; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.replacement (
    id uuid NOT NULL,
    term text NOT NULL,
    district text NOT NULL,
    school text NOT NULL,
    old_serial bigint NOT NULL,
    new_serial bigint NOT NULL,
    source text NOT NULL,
    state text NOT NULL,
    reason text NOT NULL,
    requested date NOT NULL,
    due date NOT NULL,
    done_on date NOT NULL,
    late boolean NOT NULL,
    by_role text DEFAULT CURRENT_USER NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT replacement_reason_check CHECK (((length(reason) >= 1) AND (length(reason) <= 500))),
    CONSTRAINT replacement_state_check CHECK ((state = ANY (ARRAY['stock'::text, 'distributed'::text])))
);


--
-- Name: schema_version; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.schema_version (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL,
    applied_by text DEFAULT CURRENT_USER NOT NULL
);


--
-- Name: serial_counter; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.serial_counter (
    one boolean DEFAULT true NOT NULL,
    next_serial bigint NOT NULL,
    CONSTRAINT serial_counter_next_serial_check CHECK (((next_serial >= 0) AND (next_serial <= '1099511627776'::bigint))),
    CONSTRAINT serial_counter_one_check CHECK (one)
);


--
-- Name: settle_order; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.settle_order (
    id uuid NOT NULL,
    term text NOT NULL,
    district text NOT NULL,
    kind text NOT NULL,
    count bigint NOT NULL,
    CONSTRAINT settle_order_count_check CHECK ((count > 0)),
    CONSTRAINT settle_order_kind_check CHECK ((kind = ANY (ARRAY['return'::text, 'supplement'::text])))
);


--
-- Name: settlement; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.settlement (
    term text NOT NULL,
    doc uuid NOT NULL,
    due date NOT NULL,
    done_on date NOT NULL,
    late boolean NOT NULL,
    by_role text DEFAULT CURRENT_USER NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: shipment; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.shipment (
    id uuid NOT NULL,
    term text NOT NULL,
    from_org text NOT NULL,
    to_org text NOT NULL,
    district text,
    count bigint NOT NULL,
    courier boolean DEFAULT false NOT NULL,
    address text,
    contact text,
    phone text,
    due date NOT NULL,
    shipped_on date NOT NULL,
    late boolean NOT NULL,
    shipped_by text DEFAULT CURRENT_USER NOT NULL,
    shipped_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT shipment_count_check CHECK ((count > 0))
);


--
-- Name: supplement; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.supplement (
    id uuid NOT NULL,
    term text NOT NULL,
    district text NOT NULL,
    to_org text NOT NULL,
    count bigint NOT NULL,
    ranges text NOT NULL,
    ordered uuid NOT NULL,
    signer text NOT NULL,
    signed_on date NOT NULL,
    by_role text DEFAULT CURRENT_USER NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    photo bytea,
    photo_type text,
    photo_sha256 bytea,
    CONSTRAINT supplement_count_check CHECK ((count > 0)),
    CONSTRAINT supplement_photo_all_or_none CHECK ((((photo IS NULL) = (photo_type IS NULL)) AND ((photo IS NULL) = (photo_sha256 IS NULL)))),
    CONSTRAINT supplement_photo_type_check CHECK ((photo_type = ANY (ARRAY['image/jpeg'::text, 'image/png'::text, 'application/pdf'::text])))
);


--
-- Name: transfer; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.transfer (
    id uuid NOT NULL,
    term text NOT NULL,
    district text NOT NULL,
    from_school text NOT NULL,
    to_school text NOT NULL,
    count bigint NOT NULL,
    due date NOT NULL,
    done_on date NOT NULL,
    late boolean NOT NULL,
    late_reason text,
    by_role text DEFAULT CURRENT_USER NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT transfer_check CHECK (((NOT late) OR (late_reason IS NOT NULL))),
    CONSTRAINT transfer_count_check CHECK ((count > 0))
);


--
-- Name: transit_loss; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.transit_loss (
    id uuid NOT NULL,
    shipment uuid NOT NULL,
    count bigint NOT NULL,
    reason text NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    by_role text DEFAULT SESSION_USER NOT NULL,
    CONSTRAINT transit_loss_count_check CHECK ((count > 0)),
    CONSTRAINT transit_loss_reason_check CHECK (((length(reason) >= 1) AND (length(reason) <= 500)))
);


--
-- Name: void; Type: TABLE; Schema: card; Owner: -
--

CREATE TABLE card.void (
    serial bigint NOT NULL,
    doc uuid NOT NULL,
    reason text NOT NULL,
    actor text DEFAULT CURRENT_USER NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT void_serial_check CHECK ((serial >= 0))
);


--
-- Name: ledger id; Type: DEFAULT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.ledger ALTER COLUMN id SET DEFAULT nextval('card.ledger_id_seq'::regclass);


--
-- Name: redemption id; Type: DEFAULT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.redemption ALTER COLUMN id SET DEFAULT nextval('card.redemption_id_seq'::regclass);


--
-- Data for Name: adjust_line; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.adjust_line (term, district, school, surplus, shortage, reason, line) FROM stdin;
\.


--
-- Data for Name: adjust_report; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.adjust_report (term, district, doc, state, due, filed_on, late, filed_by, filed_at, approval, approver, approved_by, approved_at) FROM stdin;
\.


--
-- Data for Name: api_token; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.api_token (id, role, label, secret_sha256, created_by, created_at, revoked_at) FROM stdin;
\.


--
-- Data for Name: batch; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.batch (id, term, key_id, first_serial, card_count, created_at) FROM stdin;
\.


--
-- Data for Name: card_return; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.card_return (id, term, district, from_org, count, ranges, ordered, signer, signed_on, by_role, at, photo, photo_type, photo_sha256) FROM stdin;
\.


--
-- Data for Name: census; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.census (term, district, doc, state, threshold_pct, threshold_abs, imported_at, imported_by, submission, submitted_at, submitted_by, late, approved_at, approved_by, approver) FROM stdin;
\.


--
-- Data for Name: census_explain; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.census_explain (term, district, school, explanation, by_role, at) FROM stdin;
\.


--
-- Data for Name: census_line; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.census_line (term, district, org, category, grade, count, textbooks, line) FROM stdin;
\.


--
-- Data for Name: charge; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.charge (id, term, district, due_return, returned, count, face_value_fen, amount_fen, at) FROM stdin;
\.


--
-- Data for Name: distribution; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.distribution (id, term, school, district, count, due, done_on, late, by_role, at) FROM stdin;
\.


--
-- Data for Name: distribution_line; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.distribution_line (distribution, line, grade, class, count) FROM stdin;
\.


--
-- Data for Name: district_login; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.district_login (role, district, granted_at, granted_by) FROM stdin;
\.


--
-- Data for Name: document; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.document (id, kind, term, district, created_by, created_at, note) FROM stdin;
\.


--
-- Data for Name: final_report; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.final_report (term, district, doc, signer, filed_on, late, by_role, at) FROM stdin;
\.


--
-- Data for Name: function_file; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.function_file (name, sha256, loaded_at, loaded_by) FROM stdin;
access	4869d284013fc03b15b2925b184d9bcf893539f4475b5301e9ef2e87c8fd8e24	2026-12-03 09:53:48.044998+00	postgres
org	b3226658dc9f3e4f645cd13bb3d70a112251740911334cdedf0af262dd66fefd	2026-12-03 09:53:48.866575+00	postgres
ledger	0e9ed739a008368e90975b0e54df1dd2245a8394d05177e01bbe95ef1ec74d92	2026-12-03 09:53:49.917768+00	postgres
audit	78554b48060da4cd5f9a2e6fd898e63d4e478b80b143a8c655a79956e70b0a07	2026-12-03 09:53:50.654682+00	postgres
redeem	6cee23a7ba0daf8cea83f147790decb4418a08b09a62b2cff93dfbd6183629bf	2026-12-03 09:53:51.247618+00	postgres
daemon	0cc5ebd53d0649156ae673c386bc7b0730ee0ec52365cee42a224599864bb0c4	2026-12-03 09:53:52.206822+00	postgres
calendar	6662282e3729e343a5e12453a55137bf403be48198867aaaa24047888a067728	2026-12-03 09:53:52.952819+00	postgres
census	ab8f81c2cfab02b29616ba49e56d6ff1a394191ff4f7cfd958e0220dd9cfa6ab	2026-12-03 09:53:53.684368+00	postgres
delivery	17b45418371e31a1abdb317e629e73c1115a210d741ab05f9e6583020207efc5	2026-12-03 09:53:54.299115+00	postgres
reconcile	8b7d11f1883c20e0609eeaa59333e6c46430a81778baf6deafd9d1b2ee9da513	2026-12-03 09:53:54.980026+00	postgres
reports	cbc04d2785d1e9e20fbb36ed80439cc3faaf045a15764aed55aafec78d86213a	2026-12-03 09:53:55.802099+00	postgres
\.


--
-- Data for Name: holding; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.holding (serials, term, org, state, doc) FROM stdin;
\.


--
-- Data for Name: idempotency; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.idempotency (key, account, serial, outcome, created_at) FROM stdin;
\.


--
-- Data for Name: ledger; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.ledger (id, term, doc, kind, from_org, from_state, to_org, to_state, serials, actor, at, chain_seq, hash) FROM stdin;
\.


--
-- Data for Name: ledger_head; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.ledger_head (one, seq, hash) FROM stdin;
t	0	\\x29eda426c203ff06b876ca30a7e8930fc73d51edd46c83c775daae2f9c5b04ec
\.


--
-- Data for Name: org; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.org (code, name, kind, parent, district, address, contact, phone, created_at) FROM stdin;
\.


--
-- Data for Name: plan; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.plan (term, doc, reserve_pct, proceed_without, made_at, made_by, batch) FROM stdin;
\.


--
-- Data for Name: plan_line; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.plan_line (term, org, students, teachers, staff, reserve, total, first_serial) FROM stdin;
\.


--
-- Data for Name: receipt; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.receipt (id, shipment, signer, signed_on, count, received, discrepancy, late, photo, photo_type, photo_sha256, received_by, received_at) FROM stdin;
\.


--
-- Data for Name: redemption; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.redemption (serial, id, feed_id, account, batch, redeemed_at) FROM stdin;
\.


--
-- Data for Name: replacement; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.replacement (id, term, district, school, old_serial, new_serial, source, state, reason, requested, due, done_on, late, by_role, at) FROM stdin;
\.


--
-- Data for Name: schema_version; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.schema_version (version, name, applied_at, applied_by) FROM stdin;
1	baseline	2026-12-03 09:53:47.380393+00	postgres
\.


--
-- Data for Name: serial_counter; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.serial_counter (one, next_serial) FROM stdin;
t	1
\.


--
-- Data for Name: settle_order; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.settle_order (id, term, district, kind, count) FROM stdin;
\.


--
-- Data for Name: settlement; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.settlement (term, doc, due, done_on, late, by_role, at) FROM stdin;
\.


--
-- Data for Name: shipment; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.shipment (id, term, from_org, to_org, district, count, courier, address, contact, phone, due, shipped_on, late, shipped_by, shipped_at) FROM stdin;
\.


--
-- Data for Name: supplement; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.supplement (id, term, district, to_org, count, ranges, ordered, signer, signed_on, by_role, at, photo, photo_type, photo_sha256) FROM stdin;
\.


--
-- Data for Name: term; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.term (code, start_date, census_due, face_value_fen, created_at, closed_at) FROM stdin;
\.


--
-- Data for Name: transfer; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.transfer (id, term, district, from_school, to_school, count, due, done_on, late, late_reason, by_role, at) FROM stdin;
\.


--
-- Data for Name: transit_loss; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.transit_loss (id, shipment, count, reason, at, by_role) FROM stdin;
\.


--
-- Data for Name: void; Type: TABLE DATA; Schema: card; Owner: -
--

COPY card.void (serial, doc, reason, actor, at) FROM stdin;
\.


--
-- Name: ledger_id_seq; Type: SEQUENCE SET; Schema: card; Owner: -
--

SELECT pg_catalog.setval('card.ledger_id_seq', 1, false);


--
-- Name: redemption_id_seq; Type: SEQUENCE SET; Schema: card; Owner: -
--

SELECT pg_catalog.setval('card.redemption_id_seq', 1, false);


--
-- Name: adjust_line adjust_line_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.adjust_line
    ADD CONSTRAINT adjust_line_pkey PRIMARY KEY (term, school);


--
-- Name: adjust_report adjust_report_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.adjust_report
    ADD CONSTRAINT adjust_report_pkey PRIMARY KEY (term, district);


--
-- Name: api_token api_token_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.api_token
    ADD CONSTRAINT api_token_pkey PRIMARY KEY (id);


--
-- Name: batch batch_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.batch
    ADD CONSTRAINT batch_pkey PRIMARY KEY (id);


--
-- Name: batch batch_serials_excl; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.batch
    ADD CONSTRAINT batch_serials_excl EXCLUDE USING gist (serials WITH &&);


--
-- Name: card_return card_return_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.card_return
    ADD CONSTRAINT card_return_pkey PRIMARY KEY (id);


--
-- Name: census_explain census_explain_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.census_explain
    ADD CONSTRAINT census_explain_pkey PRIMARY KEY (term, school);


--
-- Name: census_line census_line_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.census_line
    ADD CONSTRAINT census_line_pkey PRIMARY KEY (term, org, category, grade);


--
-- Name: census census_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.census
    ADD CONSTRAINT census_pkey PRIMARY KEY (term, district);


--
-- Name: charge charge_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.charge
    ADD CONSTRAINT charge_pkey PRIMARY KEY (id);


--
-- Name: charge charge_term_district_key; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.charge
    ADD CONSTRAINT charge_term_district_key UNIQUE (term, district);


--
-- Name: distribution_line distribution_line_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.distribution_line
    ADD CONSTRAINT distribution_line_pkey PRIMARY KEY (distribution, line);


--
-- Name: distribution distribution_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.distribution
    ADD CONSTRAINT distribution_pkey PRIMARY KEY (id);


--
-- Name: district_login district_login_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.district_login
    ADD CONSTRAINT district_login_pkey PRIMARY KEY (role, district);


--
-- Name: document document_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.document
    ADD CONSTRAINT document_pkey PRIMARY KEY (id);


--
-- Name: final_report final_report_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.final_report
    ADD CONSTRAINT final_report_pkey PRIMARY KEY (term, district);


--
-- Name: function_file function_file_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.function_file
    ADD CONSTRAINT function_file_pkey PRIMARY KEY (name);


--
-- Name: holding holding_serials_excl; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.holding
    ADD CONSTRAINT holding_serials_excl EXCLUDE USING gist (serials WITH &&);


--
-- Name: idempotency idempotency_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.idempotency
    ADD CONSTRAINT idempotency_pkey PRIMARY KEY (key);


--
-- Name: ledger ledger_chain_seq_key; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.ledger
    ADD CONSTRAINT ledger_chain_seq_key UNIQUE (chain_seq);


--
-- Name: ledger_head ledger_head_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.ledger_head
    ADD CONSTRAINT ledger_head_pkey PRIMARY KEY (one);


--
-- Name: ledger ledger_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.ledger
    ADD CONSTRAINT ledger_pkey PRIMARY KEY (id);


--
-- Name: org org_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.org
    ADD CONSTRAINT org_pkey PRIMARY KEY (code);


--
-- Name: plan_line plan_line_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.plan_line
    ADD CONSTRAINT plan_line_pkey PRIMARY KEY (term, org);


--
-- Name: plan plan_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.plan
    ADD CONSTRAINT plan_pkey PRIMARY KEY (term);


--
-- Name: receipt receipt_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.receipt
    ADD CONSTRAINT receipt_pkey PRIMARY KEY (id);


--
-- Name: receipt receipt_shipment_key; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.receipt
    ADD CONSTRAINT receipt_shipment_key UNIQUE (shipment);


--
-- Name: redemption redemption_feed_id_key; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.redemption
    ADD CONSTRAINT redemption_feed_id_key UNIQUE (feed_id);


--
-- Name: redemption redemption_id_key; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.redemption
    ADD CONSTRAINT redemption_id_key UNIQUE (id);


--
-- Name: redemption redemption_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.redemption
    ADD CONSTRAINT redemption_pkey PRIMARY KEY (serial);


--
-- Name: replacement replacement_new_serial_key; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.replacement
    ADD CONSTRAINT replacement_new_serial_key UNIQUE (new_serial);


--
-- Name: replacement replacement_old_serial_key; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.replacement
    ADD CONSTRAINT replacement_old_serial_key UNIQUE (old_serial);


--
-- Name: replacement replacement_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.replacement
    ADD CONSTRAINT replacement_pkey PRIMARY KEY (id);


--
-- Name: schema_version schema_version_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.schema_version
    ADD CONSTRAINT schema_version_pkey PRIMARY KEY (version);


--
-- Name: serial_counter serial_counter_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.serial_counter
    ADD CONSTRAINT serial_counter_pkey PRIMARY KEY (one);


--
-- Name: settle_order settle_order_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.settle_order
    ADD CONSTRAINT settle_order_pkey PRIMARY KEY (id);


--
-- Name: settle_order settle_order_term_district_kind_key; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.settle_order
    ADD CONSTRAINT settle_order_term_district_kind_key UNIQUE (term, district, kind);


--
-- Name: settlement settlement_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.settlement
    ADD CONSTRAINT settlement_pkey PRIMARY KEY (term);


--
-- Name: shipment shipment_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.shipment
    ADD CONSTRAINT shipment_pkey PRIMARY KEY (id);


--
-- Name: supplement supplement_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.supplement
    ADD CONSTRAINT supplement_pkey PRIMARY KEY (id);


--
-- Name: term term_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.term
    ADD CONSTRAINT term_pkey PRIMARY KEY (code);


--
-- Name: transfer transfer_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.transfer
    ADD CONSTRAINT transfer_pkey PRIMARY KEY (id);


--
-- Name: transit_loss transit_loss_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.transit_loss
    ADD CONSTRAINT transit_loss_pkey PRIMARY KEY (id);


--
-- Name: transit_loss transit_loss_shipment_key; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.transit_loss
    ADD CONSTRAINT transit_loss_shipment_key UNIQUE (shipment);


--
-- Name: void void_pkey; Type: CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.void
    ADD CONSTRAINT void_pkey PRIMARY KEY (serial);


--
-- Name: adjust_line_district; Type: INDEX; Schema: card; Owner: -
--

CREATE INDEX adjust_line_district ON card.adjust_line USING btree (term, district);


--
-- Name: card_return_term; Type: INDEX; Schema: card; Owner: -
--

CREATE INDEX card_return_term ON card.card_return USING btree (term, district);


--
-- Name: census_line_district; Type: INDEX; Schema: card; Owner: -
--

CREATE INDEX census_line_district ON card.census_line USING btree (term, district);


--
-- Name: distribution_term; Type: INDEX; Schema: card; Owner: -
--

CREATE INDEX distribution_term ON card.distribution USING btree (term, school);


--
-- Name: document_term; Type: INDEX; Schema: card; Owner: -
--

CREATE INDEX document_term ON card.document USING btree (term, kind);


--
-- Name: holding_holder; Type: INDEX; Schema: card; Owner: -
--

CREATE INDEX holding_holder ON card.holding USING btree (org, state, term);


--
-- Name: holding_term_state; Type: INDEX; Schema: card; Owner: -
--

CREATE INDEX holding_term_state ON card.holding USING btree (term, state);


--
-- Name: ledger_doc; Type: INDEX; Schema: card; Owner: -
--

CREATE INDEX ledger_doc ON card.ledger USING btree (doc);


--
-- Name: ledger_serials; Type: INDEX; Schema: card; Owner: -
--

CREATE INDEX ledger_serials ON card.ledger USING gist (serials);


--
-- Name: ledger_term; Type: INDEX; Schema: card; Owner: -
--

CREATE INDEX ledger_term ON card.ledger USING btree (term, id);


--
-- Name: org_one_city; Type: INDEX; Schema: card; Owner: -
--

CREATE UNIQUE INDEX org_one_city ON card.org USING btree (kind) WHERE (kind = 'city'::text);


--
-- Name: org_parent; Type: INDEX; Schema: card; Owner: -
--

CREATE INDEX org_parent ON card.org USING btree (parent);


--
-- Name: redemption_unfed; Type: INDEX; Schema: card; Owner: -
--

CREATE INDEX redemption_unfed ON card.redemption USING btree (id) WHERE (feed_id IS NULL);


--
-- Name: replacement_term; Type: INDEX; Schema: card; Owner: -
--

CREATE INDEX replacement_term ON card.replacement USING btree (term, district);


--
-- Name: shipment_term; Type: INDEX; Schema: card; Owner: -
--

CREATE INDEX shipment_term ON card.shipment USING btree (term, to_org);


--
-- Name: supplement_term; Type: INDEX; Schema: card; Owner: -
--

CREATE INDEX supplement_term ON card.supplement USING btree (term, district);


--
-- Name: transfer_term; Type: INDEX; Schema: card; Owner: -
--

CREATE INDEX transfer_term ON card.transfer USING btree (term, district);


--
-- Name: ledger ledger_append_only; Type: TRIGGER; Schema: card; Owner: -
--

CREATE TRIGGER ledger_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON card.ledger FOR EACH STATEMENT EXECUTE FUNCTION card.forbid_change();


--
-- Name: ledger ledger_chain; Type: TRIGGER; Schema: card; Owner: -
--

CREATE TRIGGER ledger_chain BEFORE INSERT ON card.ledger FOR EACH ROW EXECUTE FUNCTION card.ledger_chain();


--
-- Name: ledger_head ledger_head_no_delete; Type: TRIGGER; Schema: card; Owner: -
--

CREATE TRIGGER ledger_head_no_delete BEFORE DELETE OR TRUNCATE ON card.ledger_head FOR EACH STATEMENT EXECUTE FUNCTION card.forbid_change();


--
-- Name: redemption redemption_append_only; Type: TRIGGER; Schema: card; Owner: -
--

CREATE TRIGGER redemption_append_only BEFORE DELETE OR TRUNCATE ON card.redemption FOR EACH STATEMENT EXECUTE FUNCTION card.forbid_change();


--
-- Name: transit_loss transit_loss_append_only; Type: TRIGGER; Schema: card; Owner: -
--

CREATE TRIGGER transit_loss_append_only BEFORE DELETE OR UPDATE ON card.transit_loss FOR EACH ROW EXECUTE FUNCTION card.forbid_change();


--
-- Name: adjust_line adjust_line_school_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.adjust_line
    ADD CONSTRAINT adjust_line_school_fkey FOREIGN KEY (school) REFERENCES card.org(code);


--
-- Name: adjust_line adjust_line_term_district_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.adjust_line
    ADD CONSTRAINT adjust_line_term_district_fkey FOREIGN KEY (term, district) REFERENCES card.adjust_report(term, district) ON DELETE CASCADE;


--
-- Name: adjust_report adjust_report_approval_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.adjust_report
    ADD CONSTRAINT adjust_report_approval_fkey FOREIGN KEY (approval) REFERENCES card.document(id);


--
-- Name: adjust_report adjust_report_district_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.adjust_report
    ADD CONSTRAINT adjust_report_district_fkey FOREIGN KEY (district) REFERENCES card.org(code);


--
-- Name: adjust_report adjust_report_doc_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.adjust_report
    ADD CONSTRAINT adjust_report_doc_fkey FOREIGN KEY (doc) REFERENCES card.document(id);


--
-- Name: adjust_report adjust_report_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.adjust_report
    ADD CONSTRAINT adjust_report_term_fkey FOREIGN KEY (term) REFERENCES card.term(code);


--
-- Name: batch batch_id_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.batch
    ADD CONSTRAINT batch_id_fkey FOREIGN KEY (id) REFERENCES card.document(id);


--
-- Name: batch batch_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.batch
    ADD CONSTRAINT batch_term_fkey FOREIGN KEY (term) REFERENCES card.term(code);


--
-- Name: card_return card_return_district_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.card_return
    ADD CONSTRAINT card_return_district_fkey FOREIGN KEY (district) REFERENCES card.org(code);


--
-- Name: card_return card_return_from_org_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.card_return
    ADD CONSTRAINT card_return_from_org_fkey FOREIGN KEY (from_org) REFERENCES card.org(code);


--
-- Name: card_return card_return_id_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.card_return
    ADD CONSTRAINT card_return_id_fkey FOREIGN KEY (id) REFERENCES card.document(id);


--
-- Name: card_return card_return_ordered_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.card_return
    ADD CONSTRAINT card_return_ordered_fkey FOREIGN KEY (ordered) REFERENCES card.settle_order(id);


--
-- Name: card_return card_return_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.card_return
    ADD CONSTRAINT card_return_term_fkey FOREIGN KEY (term) REFERENCES card.term(code);


--
-- Name: census census_district_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.census
    ADD CONSTRAINT census_district_fkey FOREIGN KEY (district) REFERENCES card.org(code);


--
-- Name: census census_doc_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.census
    ADD CONSTRAINT census_doc_fkey FOREIGN KEY (doc) REFERENCES card.document(id);


--
-- Name: census_explain census_explain_school_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.census_explain
    ADD CONSTRAINT census_explain_school_fkey FOREIGN KEY (school) REFERENCES card.org(code);


--
-- Name: census_explain census_explain_term_district_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.census_explain
    ADD CONSTRAINT census_explain_term_district_fkey FOREIGN KEY (term, district) REFERENCES card.census(term, district) ON DELETE CASCADE;


--
-- Name: census_line census_line_org_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.census_line
    ADD CONSTRAINT census_line_org_fkey FOREIGN KEY (org) REFERENCES card.org(code);


--
-- Name: census_line census_line_term_district_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.census_line
    ADD CONSTRAINT census_line_term_district_fkey FOREIGN KEY (term, district) REFERENCES card.census(term, district) ON DELETE CASCADE;


--
-- Name: census census_submission_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.census
    ADD CONSTRAINT census_submission_fkey FOREIGN KEY (submission) REFERENCES card.document(id);


--
-- Name: census census_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.census
    ADD CONSTRAINT census_term_fkey FOREIGN KEY (term) REFERENCES card.term(code);


--
-- Name: charge charge_district_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.charge
    ADD CONSTRAINT charge_district_fkey FOREIGN KEY (district) REFERENCES card.org(code);


--
-- Name: charge charge_id_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.charge
    ADD CONSTRAINT charge_id_fkey FOREIGN KEY (id) REFERENCES card.document(id);


--
-- Name: charge charge_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.charge
    ADD CONSTRAINT charge_term_fkey FOREIGN KEY (term) REFERENCES card.term(code);


--
-- Name: distribution distribution_district_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.distribution
    ADD CONSTRAINT distribution_district_fkey FOREIGN KEY (district) REFERENCES card.org(code);


--
-- Name: distribution distribution_id_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.distribution
    ADD CONSTRAINT distribution_id_fkey FOREIGN KEY (id) REFERENCES card.document(id);


--
-- Name: distribution_line distribution_line_distribution_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.distribution_line
    ADD CONSTRAINT distribution_line_distribution_fkey FOREIGN KEY (distribution) REFERENCES card.distribution(id);


--
-- Name: distribution distribution_school_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.distribution
    ADD CONSTRAINT distribution_school_fkey FOREIGN KEY (school) REFERENCES card.org(code);


--
-- Name: distribution distribution_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.distribution
    ADD CONSTRAINT distribution_term_fkey FOREIGN KEY (term) REFERENCES card.term(code);


--
-- Name: district_login district_login_district_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.district_login
    ADD CONSTRAINT district_login_district_fkey FOREIGN KEY (district) REFERENCES card.org(code);


--
-- Name: document document_district_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.document
    ADD CONSTRAINT document_district_fkey FOREIGN KEY (district) REFERENCES card.org(code);


--
-- Name: document document_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.document
    ADD CONSTRAINT document_term_fkey FOREIGN KEY (term) REFERENCES card.term(code);


--
-- Name: final_report final_report_district_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.final_report
    ADD CONSTRAINT final_report_district_fkey FOREIGN KEY (district) REFERENCES card.org(code);


--
-- Name: final_report final_report_doc_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.final_report
    ADD CONSTRAINT final_report_doc_fkey FOREIGN KEY (doc) REFERENCES card.document(id);


--
-- Name: final_report final_report_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.final_report
    ADD CONSTRAINT final_report_term_fkey FOREIGN KEY (term) REFERENCES card.term(code);


--
-- Name: holding holding_doc_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.holding
    ADD CONSTRAINT holding_doc_fkey FOREIGN KEY (doc) REFERENCES card.document(id);


--
-- Name: holding holding_org_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.holding
    ADD CONSTRAINT holding_org_fkey FOREIGN KEY (org) REFERENCES card.org(code);


--
-- Name: holding holding_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.holding
    ADD CONSTRAINT holding_term_fkey FOREIGN KEY (term) REFERENCES card.term(code);


--
-- Name: ledger ledger_doc_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.ledger
    ADD CONSTRAINT ledger_doc_fkey FOREIGN KEY (doc) REFERENCES card.document(id);


--
-- Name: ledger ledger_from_org_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.ledger
    ADD CONSTRAINT ledger_from_org_fkey FOREIGN KEY (from_org) REFERENCES card.org(code);


--
-- Name: ledger ledger_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.ledger
    ADD CONSTRAINT ledger_term_fkey FOREIGN KEY (term) REFERENCES card.term(code);


--
-- Name: ledger ledger_to_org_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.ledger
    ADD CONSTRAINT ledger_to_org_fkey FOREIGN KEY (to_org) REFERENCES card.org(code);


--
-- Name: org org_district_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.org
    ADD CONSTRAINT org_district_fkey FOREIGN KEY (district) REFERENCES card.org(code);


--
-- Name: org org_parent_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.org
    ADD CONSTRAINT org_parent_fkey FOREIGN KEY (parent) REFERENCES card.org(code);


--
-- Name: plan plan_batch_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.plan
    ADD CONSTRAINT plan_batch_fkey FOREIGN KEY (batch) REFERENCES card.batch(id);


--
-- Name: plan plan_doc_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.plan
    ADD CONSTRAINT plan_doc_fkey FOREIGN KEY (doc) REFERENCES card.document(id);


--
-- Name: plan_line plan_line_org_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.plan_line
    ADD CONSTRAINT plan_line_org_fkey FOREIGN KEY (org) REFERENCES card.org(code);


--
-- Name: plan_line plan_line_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.plan_line
    ADD CONSTRAINT plan_line_term_fkey FOREIGN KEY (term) REFERENCES card.plan(term) ON DELETE CASCADE;


--
-- Name: plan plan_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.plan
    ADD CONSTRAINT plan_term_fkey FOREIGN KEY (term) REFERENCES card.term(code);


--
-- Name: receipt receipt_id_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.receipt
    ADD CONSTRAINT receipt_id_fkey FOREIGN KEY (id) REFERENCES card.document(id);


--
-- Name: receipt receipt_shipment_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.receipt
    ADD CONSTRAINT receipt_shipment_fkey FOREIGN KEY (shipment) REFERENCES card.shipment(id);


--
-- Name: redemption redemption_batch_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.redemption
    ADD CONSTRAINT redemption_batch_fkey FOREIGN KEY (batch) REFERENCES card.batch(id);


--
-- Name: replacement replacement_district_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.replacement
    ADD CONSTRAINT replacement_district_fkey FOREIGN KEY (district) REFERENCES card.org(code);


--
-- Name: replacement replacement_id_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.replacement
    ADD CONSTRAINT replacement_id_fkey FOREIGN KEY (id) REFERENCES card.document(id);


--
-- Name: replacement replacement_school_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.replacement
    ADD CONSTRAINT replacement_school_fkey FOREIGN KEY (school) REFERENCES card.org(code);


--
-- Name: replacement replacement_source_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.replacement
    ADD CONSTRAINT replacement_source_fkey FOREIGN KEY (source) REFERENCES card.org(code);


--
-- Name: replacement replacement_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.replacement
    ADD CONSTRAINT replacement_term_fkey FOREIGN KEY (term) REFERENCES card.term(code);


--
-- Name: settle_order settle_order_district_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.settle_order
    ADD CONSTRAINT settle_order_district_fkey FOREIGN KEY (district) REFERENCES card.org(code);


--
-- Name: settle_order settle_order_id_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.settle_order
    ADD CONSTRAINT settle_order_id_fkey FOREIGN KEY (id) REFERENCES card.document(id);


--
-- Name: settle_order settle_order_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.settle_order
    ADD CONSTRAINT settle_order_term_fkey FOREIGN KEY (term) REFERENCES card.settlement(term);


--
-- Name: settlement settlement_doc_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.settlement
    ADD CONSTRAINT settlement_doc_fkey FOREIGN KEY (doc) REFERENCES card.document(id);


--
-- Name: settlement settlement_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.settlement
    ADD CONSTRAINT settlement_term_fkey FOREIGN KEY (term) REFERENCES card.term(code);


--
-- Name: shipment shipment_district_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.shipment
    ADD CONSTRAINT shipment_district_fkey FOREIGN KEY (district) REFERENCES card.org(code);


--
-- Name: shipment shipment_from_org_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.shipment
    ADD CONSTRAINT shipment_from_org_fkey FOREIGN KEY (from_org) REFERENCES card.org(code);


--
-- Name: shipment shipment_id_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.shipment
    ADD CONSTRAINT shipment_id_fkey FOREIGN KEY (id) REFERENCES card.document(id);


--
-- Name: shipment shipment_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.shipment
    ADD CONSTRAINT shipment_term_fkey FOREIGN KEY (term) REFERENCES card.term(code);


--
-- Name: shipment shipment_to_org_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.shipment
    ADD CONSTRAINT shipment_to_org_fkey FOREIGN KEY (to_org) REFERENCES card.org(code);


--
-- Name: supplement supplement_district_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.supplement
    ADD CONSTRAINT supplement_district_fkey FOREIGN KEY (district) REFERENCES card.org(code);


--
-- Name: supplement supplement_id_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.supplement
    ADD CONSTRAINT supplement_id_fkey FOREIGN KEY (id) REFERENCES card.document(id);


--
-- Name: supplement supplement_ordered_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.supplement
    ADD CONSTRAINT supplement_ordered_fkey FOREIGN KEY (ordered) REFERENCES card.settle_order(id);


--
-- Name: supplement supplement_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.supplement
    ADD CONSTRAINT supplement_term_fkey FOREIGN KEY (term) REFERENCES card.term(code);


--
-- Name: supplement supplement_to_org_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.supplement
    ADD CONSTRAINT supplement_to_org_fkey FOREIGN KEY (to_org) REFERENCES card.org(code);


--
-- Name: transfer transfer_district_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.transfer
    ADD CONSTRAINT transfer_district_fkey FOREIGN KEY (district) REFERENCES card.org(code);


--
-- Name: transfer transfer_from_school_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.transfer
    ADD CONSTRAINT transfer_from_school_fkey FOREIGN KEY (from_school) REFERENCES card.org(code);


--
-- Name: transfer transfer_id_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.transfer
    ADD CONSTRAINT transfer_id_fkey FOREIGN KEY (id) REFERENCES card.document(id);


--
-- Name: transfer transfer_term_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.transfer
    ADD CONSTRAINT transfer_term_fkey FOREIGN KEY (term) REFERENCES card.term(code);


--
-- Name: transfer transfer_to_school_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.transfer
    ADD CONSTRAINT transfer_to_school_fkey FOREIGN KEY (to_school) REFERENCES card.org(code);


--
-- Name: transit_loss transit_loss_id_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.transit_loss
    ADD CONSTRAINT transit_loss_id_fkey FOREIGN KEY (id) REFERENCES card.document(id);


--
-- Name: transit_loss transit_loss_shipment_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.transit_loss
    ADD CONSTRAINT transit_loss_shipment_fkey FOREIGN KEY (shipment) REFERENCES card.shipment(id);


--
-- Name: void void_doc_fkey; Type: FK CONSTRAINT; Schema: card; Owner: -
--

ALTER TABLE ONLY card.void
    ADD CONSTRAINT void_doc_fkey FOREIGN KEY (doc) REFERENCES card.document(id);


--
-- Name: adjust_line; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.adjust_line ENABLE ROW LEVEL SECURITY;

--
-- Name: adjust_line adjust_line_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY adjust_line_city ON card.adjust_line TO card_city USING (true) WITH CHECK (true);


--
-- Name: adjust_line adjust_line_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY adjust_line_district ON card.adjust_line TO card_district USING ((district IN ( SELECT unnest(card.my_districts()) AS unnest))) WITH CHECK ((district IN ( SELECT unnest(card.my_districts()) AS unnest)));


--
-- Name: adjust_report; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.adjust_report ENABLE ROW LEVEL SECURITY;

--
-- Name: adjust_report adjust_report_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY adjust_report_city ON card.adjust_report TO card_city USING (true) WITH CHECK (true);


--
-- Name: adjust_report adjust_report_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY adjust_report_district ON card.adjust_report TO card_district USING ((district IN ( SELECT unnest(card.my_districts()) AS unnest))) WITH CHECK ((district IN ( SELECT unnest(card.my_districts()) AS unnest)));


--
-- Name: card_return; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.card_return ENABLE ROW LEVEL SECURITY;

--
-- Name: card_return card_return_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY card_return_city ON card.card_return TO card_city USING (true) WITH CHECK (true);


--
-- Name: card_return card_return_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY card_return_district ON card.card_return TO card_district USING ((district IN ( SELECT unnest(card.my_districts()) AS unnest))) WITH CHECK ((district IN ( SELECT unnest(card.my_districts()) AS unnest)));


--
-- Name: census; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.census ENABLE ROW LEVEL SECURITY;

--
-- Name: census census_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY census_city ON card.census TO card_city USING (true) WITH CHECK (true);


--
-- Name: census census_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY census_district ON card.census TO card_district USING ((district IN ( SELECT unnest(card.my_districts()) AS unnest))) WITH CHECK ((district IN ( SELECT unnest(card.my_districts()) AS unnest)));


--
-- Name: census_explain; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.census_explain ENABLE ROW LEVEL SECURITY;

--
-- Name: census_explain census_explain_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY census_explain_city ON card.census_explain TO card_city USING (true) WITH CHECK (true);


--
-- Name: census_explain census_explain_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY census_explain_district ON card.census_explain TO card_district USING ((district IN ( SELECT unnest(card.my_districts()) AS unnest))) WITH CHECK ((district IN ( SELECT unnest(card.my_districts()) AS unnest)));


--
-- Name: census_line; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.census_line ENABLE ROW LEVEL SECURITY;

--
-- Name: census_line census_line_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY census_line_city ON card.census_line TO card_city USING (true) WITH CHECK (true);


--
-- Name: census_line census_line_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY census_line_district ON card.census_line TO card_district USING ((district IN ( SELECT unnest(card.my_districts()) AS unnest))) WITH CHECK ((district IN ( SELECT unnest(card.my_districts()) AS unnest)));


--
-- Name: charge; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.charge ENABLE ROW LEVEL SECURITY;

--
-- Name: charge charge_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY charge_city ON card.charge TO card_city USING (true) WITH CHECK (true);


--
-- Name: charge charge_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY charge_district ON card.charge TO card_district USING ((district IN ( SELECT unnest(card.my_districts()) AS unnest))) WITH CHECK ((district IN ( SELECT unnest(card.my_districts()) AS unnest)));


--
-- Name: distribution; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.distribution ENABLE ROW LEVEL SECURITY;

--
-- Name: distribution distribution_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY distribution_city ON card.distribution TO card_city USING (true) WITH CHECK (true);


--
-- Name: distribution distribution_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY distribution_district ON card.distribution TO card_district USING ((district IN ( SELECT unnest(card.my_districts()) AS unnest))) WITH CHECK ((district IN ( SELECT unnest(card.my_districts()) AS unnest)));


--
-- Name: distribution_line; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.distribution_line ENABLE ROW LEVEL SECURITY;

--
-- Name: distribution_line distribution_line_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY distribution_line_city ON card.distribution_line TO card_city USING (true) WITH CHECK (true);


--
-- Name: distribution_line distribution_line_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY distribution_line_district ON card.distribution_line TO card_district USING ((EXISTS ( SELECT 1
   FROM card.distribution d
  WHERE (d.id = distribution_line.distribution)))) WITH CHECK ((EXISTS ( SELECT 1
   FROM card.distribution d
  WHERE (d.id = distribution_line.distribution))));


--
-- Name: district_login; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.district_login ENABLE ROW LEVEL SECURITY;

--
-- Name: district_login district_login_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY district_login_city ON card.district_login TO card_city USING (true) WITH CHECK (true);


--
-- Name: district_login district_login_own; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY district_login_own ON card.district_login FOR SELECT TO card_district USING ((role = SESSION_USER));


--
-- Name: document; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.document ENABLE ROW LEVEL SECURITY;

--
-- Name: document document_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY document_city ON card.document TO card_city USING (true) WITH CHECK (true);


--
-- Name: document document_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY document_district ON card.document TO card_district USING ((district IN ( SELECT unnest(card.my_districts()) AS unnest))) WITH CHECK ((district IN ( SELECT unnest(card.my_districts()) AS unnest)));


--
-- Name: final_report; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.final_report ENABLE ROW LEVEL SECURITY;

--
-- Name: final_report final_report_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY final_report_city ON card.final_report TO card_city USING (true) WITH CHECK (true);


--
-- Name: final_report final_report_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY final_report_district ON card.final_report TO card_district USING ((district IN ( SELECT unnest(card.my_districts()) AS unnest))) WITH CHECK ((district IN ( SELECT unnest(card.my_districts()) AS unnest)));


--
-- Name: holding; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.holding ENABLE ROW LEVEL SECURITY;

--
-- Name: holding holding_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY holding_city ON card.holding TO card_city USING (true) WITH CHECK (true);


--
-- Name: holding holding_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY holding_district ON card.holding TO card_district USING ((card.org_district(org) IN ( SELECT unnest(card.my_districts()) AS unnest))) WITH CHECK ((card.org_district(org) IN ( SELECT unnest(card.my_districts()) AS unnest)));


--
-- Name: idempotency; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.idempotency ENABLE ROW LEVEL SECURITY;

--
-- Name: idempotency idempotency_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY idempotency_city ON card.idempotency TO card_city USING (true) WITH CHECK (true);


--
-- Name: ledger; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.ledger ENABLE ROW LEVEL SECURITY;

--
-- Name: ledger ledger_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY ledger_city ON card.ledger TO card_city USING (true) WITH CHECK (true);


--
-- Name: ledger ledger_district_read; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY ledger_district_read ON card.ledger FOR SELECT TO card_district USING (((card.org_district(to_org) IN ( SELECT unnest(card.my_districts()) AS unnest)) OR (card.org_district(from_org) IN ( SELECT unnest(card.my_districts()) AS unnest))));


--
-- Name: ledger ledger_district_write; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY ledger_district_write ON card.ledger FOR INSERT TO card_district WITH CHECK (((card.org_district(to_org) IN ( SELECT unnest(card.my_districts()) AS unnest)) AND (card.org_district(from_org) IN ( SELECT unnest(card.my_districts()) AS unnest))));


--
-- Name: plan_line; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.plan_line ENABLE ROW LEVEL SECURITY;

--
-- Name: plan_line plan_line_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY plan_line_city ON card.plan_line TO card_city USING (true) WITH CHECK (true);


--
-- Name: plan_line plan_line_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY plan_line_district ON card.plan_line FOR SELECT TO card_district USING ((org IN ( SELECT unnest(card.my_districts()) AS unnest)));


--
-- Name: receipt; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.receipt ENABLE ROW LEVEL SECURITY;

--
-- Name: receipt receipt_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY receipt_city ON card.receipt TO card_city USING (true) WITH CHECK (true);


--
-- Name: receipt receipt_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY receipt_district ON card.receipt TO card_district USING ((EXISTS ( SELECT 1
   FROM card.shipment s
  WHERE (s.id = receipt.shipment)))) WITH CHECK ((EXISTS ( SELECT 1
   FROM card.shipment s
  WHERE (s.id = receipt.shipment))));


--
-- Name: redemption; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.redemption ENABLE ROW LEVEL SECURITY;

--
-- Name: redemption redemption_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY redemption_city ON card.redemption TO card_city USING (true) WITH CHECK (true);


--
-- Name: redemption redemption_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY redemption_district ON card.redemption FOR SELECT TO card_district USING ((EXISTS ( SELECT 1
   FROM card.holding h
  WHERE (h.serials @> redemption.serial))));


--
-- Name: replacement; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.replacement ENABLE ROW LEVEL SECURITY;

--
-- Name: replacement replacement_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY replacement_city ON card.replacement TO card_city USING (true) WITH CHECK (true);


--
-- Name: replacement replacement_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY replacement_district ON card.replacement TO card_district USING ((district IN ( SELECT unnest(card.my_districts()) AS unnest))) WITH CHECK ((district IN ( SELECT unnest(card.my_districts()) AS unnest)));


--
-- Name: settle_order; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.settle_order ENABLE ROW LEVEL SECURITY;

--
-- Name: settle_order settle_order_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY settle_order_city ON card.settle_order TO card_city USING (true) WITH CHECK (true);


--
-- Name: settle_order settle_order_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY settle_order_district ON card.settle_order TO card_district USING ((district IN ( SELECT unnest(card.my_districts()) AS unnest))) WITH CHECK ((district IN ( SELECT unnest(card.my_districts()) AS unnest)));


--
-- Name: shipment; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.shipment ENABLE ROW LEVEL SECURITY;

--
-- Name: shipment shipment_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY shipment_city ON card.shipment TO card_city USING (true) WITH CHECK (true);


--
-- Name: shipment shipment_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY shipment_district ON card.shipment TO card_district USING ((district IN ( SELECT unnest(card.my_districts()) AS unnest))) WITH CHECK ((district IN ( SELECT unnest(card.my_districts()) AS unnest)));


--
-- Name: supplement; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.supplement ENABLE ROW LEVEL SECURITY;

--
-- Name: supplement supplement_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY supplement_city ON card.supplement TO card_city USING (true) WITH CHECK (true);


--
-- Name: supplement supplement_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY supplement_district ON card.supplement TO card_district USING ((district IN ( SELECT unnest(card.my_districts()) AS unnest))) WITH CHECK ((district IN ( SELECT unnest(card.my_districts()) AS unnest)));


--
-- Name: transfer; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.transfer ENABLE ROW LEVEL SECURITY;

--
-- Name: transfer transfer_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY transfer_city ON card.transfer TO card_city USING (true) WITH CHECK (true);


--
-- Name: transfer transfer_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY transfer_district ON card.transfer TO card_district USING ((district IN ( SELECT unnest(card.my_districts()) AS unnest))) WITH CHECK ((district IN ( SELECT unnest(card.my_districts()) AS unnest)));


--
-- Name: void; Type: ROW SECURITY; Schema: card; Owner: -
--

ALTER TABLE card.void ENABLE ROW LEVEL SECURITY;

--
-- Name: void void_city; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY void_city ON card.void TO card_city USING (true) WITH CHECK (true);


--
-- Name: void void_district; Type: POLICY; Schema: card; Owner: -
--

CREATE POLICY void_district ON card.void TO card_district USING ((EXISTS ( SELECT 1
   FROM card.document d
  WHERE (d.id = void.doc)))) WITH CHECK ((EXISTS ( SELECT 1
   FROM card.document d
  WHERE (d.id = void.doc))));


--
-- Name: SCHEMA card; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA card TO card_city;
GRANT USAGE ON SCHEMA card TO card_district;
GRANT USAGE ON SCHEMA card TO card_daemon;


--
-- Name: FUNCTION adjust_approve(p_term text, p_district text, p_doc uuid, p_approver text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.adjust_approve(p_term text, p_district text, p_doc uuid, p_approver text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.adjust_approve(p_term text, p_district text, p_doc uuid, p_approver text) TO card_city;
GRANT ALL ON FUNCTION card.adjust_approve(p_term text, p_district text, p_doc uuid, p_approver text) TO card_district;


--
-- Name: FUNCTION adjust_file(p_term text, p_district text, p_doc uuid, p_line integer[], p_school text[], p_surplus text[], p_shortage text[], p_reason text[]); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.adjust_file(p_term text, p_district text, p_doc uuid, p_line integer[], p_school text[], p_surplus text[], p_shortage text[], p_reason text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION card.adjust_file(p_term text, p_district text, p_doc uuid, p_line integer[], p_school text[], p_surplus text[], p_shortage text[], p_reason text[]) TO card_city;
GRANT ALL ON FUNCTION card.adjust_file(p_term text, p_district text, p_doc uuid, p_line integer[], p_school text[], p_surplus text[], p_shortage text[], p_reason text[]) TO card_district;


--
-- Name: FUNCTION adjust_line_problem(p_term text, p_school text, p_surplus bigint, p_shortage bigint); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.adjust_line_problem(p_term text, p_school text, p_surplus bigint, p_shortage bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION card.adjust_line_problem(p_term text, p_school text, p_surplus bigint, p_shortage bigint) TO card_city;
GRANT ALL ON FUNCTION card.adjust_line_problem(p_term text, p_school text, p_surplus bigint, p_shortage bigint) TO card_district;


--
-- Name: FUNCTION adjust_proposal(p_term text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.adjust_proposal(p_term text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.adjust_proposal(p_term text) TO card_city;


--
-- Name: FUNCTION adjust_settle(p_term text, p_doc uuid, p_order_docs uuid[]); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.adjust_settle(p_term text, p_doc uuid, p_order_docs uuid[]) FROM PUBLIC;
GRANT ALL ON FUNCTION card.adjust_settle(p_term text, p_doc uuid, p_order_docs uuid[]) TO card_city;


--
-- Name: FUNCTION audit(p_term text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.audit(p_term text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.audit(p_term text) TO card_city;


--
-- Name: FUNCTION balance(p_term text, p_org text, p_state text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.balance(p_term text, p_org text, p_state text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.balance(p_term text, p_org text, p_state text) TO card_city;
GRANT ALL ON FUNCTION card.balance(p_term text, p_org text, p_state text) TO card_district;


--
-- Name: FUNCTION batch_mint(p_id uuid, p_term text, p_key_id integer, p_count bigint, p_note text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.batch_mint(p_id uuid, p_term text, p_key_id integer, p_count bigint, p_note text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.batch_mint(p_id uuid, p_term text, p_key_id integer, p_count bigint, p_note text) TO card_city;


--
-- Name: FUNCTION bureau_today(); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.bureau_today() FROM PUBLIC;
GRANT ALL ON FUNCTION card.bureau_today() TO card_city;
GRANT ALL ON FUNCTION card.bureau_today() TO card_district;


--
-- Name: FUNCTION can_see_org(p_org text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.can_see_org(p_org text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.can_see_org(p_org text) TO card_city;
GRANT ALL ON FUNCTION card.can_see_org(p_org text) TO card_district;


--
-- Name: FUNCTION card_moves(p_serial bigint); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.card_moves(p_serial bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION card.card_moves(p_serial bigint) TO card_city;
GRANT ALL ON FUNCTION card.card_moves(p_serial bigint) TO card_district;
GRANT ALL ON FUNCTION card.card_moves(p_serial bigint) TO card_daemon;


--
-- Name: FUNCTION card_moves_all(p_serial bigint); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.card_moves_all(p_serial bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION card.card_moves_all(p_serial bigint) TO card_city;
GRANT ALL ON FUNCTION card.card_moves_all(p_serial bigint) TO card_daemon;


--
-- Name: FUNCTION card_show(p_serial bigint); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.card_show(p_serial bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION card.card_show(p_serial bigint) TO card_city;
GRANT ALL ON FUNCTION card.card_show(p_serial bigint) TO card_district;
GRANT ALL ON FUNCTION card.card_show(p_serial bigint) TO card_daemon;


--
-- Name: FUNCTION card_show_all(p_serial bigint); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.card_show_all(p_serial bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION card.card_show_all(p_serial bigint) TO card_city;
GRANT ALL ON FUNCTION card.card_show_all(p_serial bigint) TO card_daemon;


--
-- Name: FUNCTION card_visible(p_serial bigint); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.card_visible(p_serial bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION card.card_visible(p_serial bigint) TO card_city;
GRANT ALL ON FUNCTION card.card_visible(p_serial bigint) TO card_district;
GRANT ALL ON FUNCTION card.card_visible(p_serial bigint) TO card_daemon;


--
-- Name: FUNCTION census_approve(p_term text, p_district text, p_approver text, p_schools text[], p_texts text[], p_pct numeric, p_abs integer); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.census_approve(p_term text, p_district text, p_approver text, p_schools text[], p_texts text[], p_pct numeric, p_abs integer) FROM PUBLIC;
GRANT ALL ON FUNCTION card.census_approve(p_term text, p_district text, p_approver text, p_schools text[], p_texts text[], p_pct numeric, p_abs integer) TO card_city;
GRANT ALL ON FUNCTION card.census_approve(p_term text, p_district text, p_approver text, p_schools text[], p_texts text[], p_pct numeric, p_abs integer) TO card_district;


--
-- Name: FUNCTION census_category(p text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.census_category(p text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.census_category(p text) TO card_city;
GRANT ALL ON FUNCTION card.census_category(p text) TO card_district;


--
-- Name: FUNCTION census_check(p_term text, p_district text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.census_check(p_term text, p_district text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.census_check(p_term text, p_district text) TO card_city;
GRANT ALL ON FUNCTION card.census_check(p_term text, p_district text) TO card_district;


--
-- Name: FUNCTION census_check_access(p_district text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.census_check_access(p_district text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.census_check_access(p_district text) TO card_city;
GRANT ALL ON FUNCTION card.census_check_access(p_district text) TO card_district;


--
-- Name: TABLE census; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.census TO card_city;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.census TO card_district;


--
-- Name: FUNCTION census_get(p_term text, p_district text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.census_get(p_term text, p_district text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.census_get(p_term text, p_district text) TO card_city;
GRANT ALL ON FUNCTION card.census_get(p_term text, p_district text) TO card_district;


--
-- Name: FUNCTION census_import(p_term text, p_district text, p_doc uuid, p_line integer[], p_unit text[], p_cat text[], p_grade text[], p_count text[], p_textbooks text[], p_pct numeric, p_abs integer); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.census_import(p_term text, p_district text, p_doc uuid, p_line integer[], p_unit text[], p_cat text[], p_grade text[], p_count text[], p_textbooks text[], p_pct numeric, p_abs integer) FROM PUBLIC;
GRANT ALL ON FUNCTION card.census_import(p_term text, p_district text, p_doc uuid, p_line integer[], p_unit text[], p_cat text[], p_grade text[], p_count text[], p_textbooks text[], p_pct numeric, p_abs integer) TO card_city;
GRANT ALL ON FUNCTION card.census_import(p_term text, p_district text, p_doc uuid, p_line integer[], p_unit text[], p_cat text[], p_grade text[], p_count text[], p_textbooks text[], p_pct numeric, p_abs integer) TO card_district;


--
-- Name: FUNCTION census_reopen(p_term text, p_district text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.census_reopen(p_term text, p_district text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.census_reopen(p_term text, p_district text) TO card_city;


--
-- Name: FUNCTION census_submit(p_term text, p_district text, p_doc uuid); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.census_submit(p_term text, p_district text, p_doc uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION card.census_submit(p_term text, p_district text, p_doc uuid) TO card_city;
GRANT ALL ON FUNCTION card.census_submit(p_term text, p_district text, p_doc uuid) TO card_district;


--
-- Name: FUNCTION charge_due(p_term text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.charge_due(p_term text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.charge_due(p_term text) TO card_city;
GRANT ALL ON FUNCTION card.charge_due(p_term text) TO card_district;


--
-- Name: FUNCTION charge_run(p_term text, p_docs uuid[]); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.charge_run(p_term text, p_docs uuid[]) FROM PUBLIC;
GRANT ALL ON FUNCTION card.charge_run(p_term text, p_docs uuid[]) TO card_city;


--
-- Name: FUNCTION distribute(p_term text, p_doc uuid, p_school text, p_count bigint, p_date date, p_line integer[], p_grade text[], p_class text[], p_counts bigint[]); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.distribute(p_term text, p_doc uuid, p_school text, p_count bigint, p_date date, p_line integer[], p_grade text[], p_class text[], p_counts bigint[]) FROM PUBLIC;
GRANT ALL ON FUNCTION card.distribute(p_term text, p_doc uuid, p_school text, p_count bigint, p_date date, p_line integer[], p_grade text[], p_class text[], p_counts bigint[]) TO card_city;
GRANT ALL ON FUNCTION card.distribute(p_term text, p_doc uuid, p_school text, p_count bigint, p_date date, p_line integer[], p_grade text[], p_class text[], p_counts bigint[]) TO card_district;


--
-- Name: FUNCTION feed(p_after bigint, p_limit integer); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.feed(p_after bigint, p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION card.feed(p_after bigint, p_limit integer) TO card_city;
GRANT ALL ON FUNCTION card.feed(p_after bigint, p_limit integer) TO card_daemon;


--
-- Name: FUNCTION final_report_file(p_term text, p_district text, p_doc uuid, p_signer text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.final_report_file(p_term text, p_district text, p_doc uuid, p_signer text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.final_report_file(p_term text, p_district text, p_doc uuid, p_signer text) TO card_city;
GRANT ALL ON FUNCTION card.final_report_file(p_term text, p_district text, p_doc uuid, p_signer text) TO card_district;


--
-- Name: FUNCTION forbid_change(); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.forbid_change() FROM PUBLIC;
GRANT ALL ON FUNCTION card.forbid_change() TO card_city;
GRANT ALL ON FUNCTION card.forbid_change() TO card_district;


--
-- Name: FUNCTION holder_lock(p_term text, p_org_a text, p_state_a text, p_org_b text, p_state_b text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.holder_lock(p_term text, p_org_a text, p_state_a text, p_org_b text, p_state_b text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.holder_lock(p_term text, p_org_a text, p_state_a text, p_org_b text, p_state_b text) TO card_city;
GRANT ALL ON FUNCTION card.holder_lock(p_term text, p_org_a text, p_state_a text, p_org_b text, p_state_b text) TO card_district;


--
-- Name: FUNCTION is_city(); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.is_city() FROM PUBLIC;
GRANT ALL ON FUNCTION card.is_city() TO card_city;
GRANT ALL ON FUNCTION card.is_city() TO card_district;


--
-- Name: FUNCTION ledger_chain(); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.ledger_chain() FROM PUBLIC;
GRANT ALL ON FUNCTION card.ledger_chain() TO card_city;
GRANT ALL ON FUNCTION card.ledger_chain() TO card_district;


--
-- Name: FUNCTION ledger_lock(); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.ledger_lock() FROM PUBLIC;
GRANT ALL ON FUNCTION card.ledger_lock() TO card_city;
GRANT ALL ON FUNCTION card.ledger_lock() TO card_district;


--
-- Name: FUNCTION ledger_replay(p_term text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.ledger_replay(p_term text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.ledger_replay(p_term text) TO card_city;


--
-- Name: FUNCTION ledger_row_bytes(p_id bigint, p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text, p_serials int8range, p_actor text, p_at timestamp with time zone); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.ledger_row_bytes(p_id bigint, p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text, p_serials int8range, p_actor text, p_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION card.ledger_row_bytes(p_id bigint, p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text, p_serials int8range, p_actor text, p_at timestamp with time zone) TO card_city;


--
-- Name: FUNCTION ledger_verify(OUT rows_ok bigint, OUT broken text, OUT head text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.ledger_verify(OUT rows_ok bigint, OUT broken text, OUT head text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.ledger_verify(OUT rows_ok bigint, OUT broken text, OUT head text) TO card_city;


--
-- Name: FUNCTION move(p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text, p_serials int8range); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.move(p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text, p_serials int8range) FROM PUBLIC;
GRANT ALL ON FUNCTION card.move(p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text, p_serials int8range) TO card_city;
GRANT ALL ON FUNCTION card.move(p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text, p_serials int8range) TO card_district;


--
-- Name: FUNCTION move_check(p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.move_check(p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.move_check(p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text) TO card_city;
GRANT ALL ON FUNCTION card.move_check(p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text) TO card_district;


--
-- Name: FUNCTION move_count(p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text, p_count bigint, p_within int8range); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.move_count(p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text, p_count bigint, p_within int8range) FROM PUBLIC;
GRANT ALL ON FUNCTION card.move_count(p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text, p_count bigint, p_within int8range) TO card_city;
GRANT ALL ON FUNCTION card.move_count(p_term text, p_doc uuid, p_kind text, p_from_org text, p_from_state text, p_to_org text, p_to_state text, p_count bigint, p_within int8range) TO card_district;


--
-- Name: FUNCTION my_districts(); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.my_districts() FROM PUBLIC;
GRANT ALL ON FUNCTION card.my_districts() TO card_city;
GRANT ALL ON FUNCTION card.my_districts() TO card_district;


--
-- Name: FUNCTION org_district(p_org text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.org_district(p_org text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.org_district(p_org text) TO card_city;
GRANT ALL ON FUNCTION card.org_district(p_org text) TO card_district;


--
-- Name: FUNCTION org_has_cards(p_code text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.org_has_cards(p_code text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.org_has_cards(p_code text) TO card_city;


--
-- Name: FUNCTION org_import(p_line integer[], p_code text[], p_name text[], p_kind text[], p_parent text[], p_address text[], p_contact text[], p_phone text[], OUT inserted integer, OUT updated integer, OUT unchanged integer); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.org_import(p_line integer[], p_code text[], p_name text[], p_kind text[], p_parent text[], p_address text[], p_contact text[], p_phone text[], OUT inserted integer, OUT updated integer, OUT unchanged integer) FROM PUBLIC;
GRANT ALL ON FUNCTION card.org_import(p_line integer[], p_code text[], p_name text[], p_kind text[], p_parent text[], p_address text[], p_contact text[], p_phone text[], OUT inserted integer, OUT updated integer, OUT unchanged integer) TO card_city;


--
-- Name: FUNCTION org_kind(p text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.org_kind(p text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.org_kind(p text) TO card_city;


--
-- Name: FUNCTION photo_type(p bytea); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.photo_type(p bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION card.photo_type(p bytea) TO card_city;
GRANT ALL ON FUNCTION card.photo_type(p bytea) TO card_district;


--
-- Name: FUNCTION plan_make(p_term text, p_doc uuid, p_reserve_pct numeric, p_without text[]); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.plan_make(p_term text, p_doc uuid, p_reserve_pct numeric, p_without text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION card.plan_make(p_term text, p_doc uuid, p_reserve_pct numeric, p_without text[]) TO card_city;


--
-- Name: FUNCTION plan_mint(p_term text, p_batch uuid, p_key_id smallint); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.plan_mint(p_term text, p_batch uuid, p_key_id smallint) FROM PUBLIC;
GRANT ALL ON FUNCTION card.plan_mint(p_term text, p_batch uuid, p_key_id smallint) TO card_city;


--
-- Name: FUNCTION plan_range(p_term text, p_org text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.plan_range(p_term text, p_org text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.plan_range(p_term text, p_org text) TO card_city;
GRANT ALL ON FUNCTION card.plan_range(p_term text, p_org text) TO card_district;


--
-- Name: FUNCTION range_text(r int8range); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.range_text(r int8range) FROM PUBLIC;
GRANT ALL ON FUNCTION card.range_text(r int8range) TO card_city;
GRANT ALL ON FUNCTION card.range_text(r int8range) TO card_district;


--
-- Name: FUNCTION ranges_text(m int8multirange); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.ranges_text(m int8multirange) FROM PUBLIC;
GRANT ALL ON FUNCTION card.ranges_text(m int8multirange) TO card_city;
GRANT ALL ON FUNCTION card.ranges_text(m int8multirange) TO card_district;


--
-- Name: FUNCTION rc_access(p_district text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.rc_access(p_district text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.rc_access(p_district text) TO card_city;
GRANT ALL ON FUNCTION card.rc_access(p_district text) TO card_district;


--
-- Name: FUNCTION rc_adjusted(p_term text, p_org text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.rc_adjusted(p_term text, p_org text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.rc_adjusted(p_term text, p_org text) TO card_city;
GRANT ALL ON FUNCTION card.rc_adjusted(p_term text, p_org text) TO card_district;


--
-- Name: FUNCTION rc_date(p text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.rc_date(p text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.rc_date(p text) TO card_city;
GRANT ALL ON FUNCTION card.rc_date(p text) TO card_district;


--
-- Name: TABLE term; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.term TO card_city;
GRANT SELECT ON TABLE card.term TO card_district;


--
-- Name: FUNCTION rc_open(t card.term, p_what text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.rc_open(t card.term, p_what text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.rc_open(t card.term, p_what text) TO card_city;
GRANT ALL ON FUNCTION card.rc_open(t card.term, p_what text) TO card_district;


--
-- Name: TABLE org; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.org TO card_city;
GRANT SELECT ON TABLE card.org TO card_district;


--
-- Name: FUNCTION rc_org(p_code text, p_kind text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.rc_org(p_code text, p_kind text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.rc_org(p_code text, p_kind text) TO card_city;
GRANT ALL ON FUNCTION card.rc_org(p_code text, p_kind text) TO card_district;


--
-- Name: FUNCTION rc_term(p_term text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.rc_term(p_term text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.rc_term(p_term text) TO card_city;
GRANT ALL ON FUNCTION card.rc_term(p_term text) TO card_district;


--
-- Name: FUNCTION receipt_check(p_signer text, p_date date, p_photo bytea, p_earliest date); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.receipt_check(p_signer text, p_date date, p_photo bytea, p_earliest date) FROM PUBLIC;
GRANT ALL ON FUNCTION card.receipt_check(p_signer text, p_date date, p_photo bytea, p_earliest date) TO card_city;
GRANT ALL ON FUNCTION card.receipt_check(p_signer text, p_date date, p_photo bytea, p_earliest date) TO card_district;


--
-- Name: FUNCTION receive(p_shipment uuid, p_doc uuid, p_signer text, p_date date, p_count bigint, p_photo bytea); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.receive(p_shipment uuid, p_doc uuid, p_signer text, p_date date, p_count bigint, p_photo bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION card.receive(p_shipment uuid, p_doc uuid, p_signer text, p_date date, p_count bigint, p_photo bytea) TO card_city;
GRANT ALL ON FUNCTION card.receive(p_shipment uuid, p_doc uuid, p_signer text, p_date date, p_count bigint, p_photo bytea) TO card_district;


--
-- Name: FUNCTION redeem_many(p_serials bigint[], p_key_ids integer[], p_accounts text[], p_idem_keys text[]); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.redeem_many(p_serials bigint[], p_key_ids integer[], p_accounts text[], p_idem_keys text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION card.redeem_many(p_serials bigint[], p_key_ids integer[], p_accounts text[], p_idem_keys text[]) TO card_daemon;
GRANT ALL ON FUNCTION card.redeem_many(p_serials bigint[], p_key_ids integer[], p_accounts text[], p_idem_keys text[]) TO card_city;


--
-- Name: FUNCTION replace(p_term text, p_doc uuid, p_school text, p_serial bigint, p_reason text, p_requested date); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.replace(p_term text, p_doc uuid, p_school text, p_serial bigint, p_reason text, p_requested date) FROM PUBLIC;
GRANT ALL ON FUNCTION card.replace(p_term text, p_doc uuid, p_school text, p_serial bigint, p_reason text, p_requested date) TO card_city;
GRANT ALL ON FUNCTION card.replace(p_term text, p_doc uuid, p_school text, p_serial bigint, p_reason text, p_requested date) TO card_district;


--
-- Name: FUNCTION report_annex4(p_term text, p_district text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.report_annex4(p_term text, p_district text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.report_annex4(p_term text, p_district text) TO card_city;
GRANT ALL ON FUNCTION card.report_annex4(p_term text, p_district text) TO card_district;


--
-- Name: FUNCTION report_annex5(p_term text, p_district text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.report_annex5(p_term text, p_district text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.report_annex5(p_term text, p_district text) TO card_city;
GRANT ALL ON FUNCTION card.report_annex5(p_term text, p_district text) TO card_district;


--
-- Name: FUNCTION report_coverage(p_term text, p_district text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.report_coverage(p_term text, p_district text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.report_coverage(p_term text, p_district text) TO card_city;
GRANT ALL ON FUNCTION card.report_coverage(p_term text, p_district text) TO card_district;


--
-- Name: FUNCTION report_figures(p_term text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.report_figures(p_term text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.report_figures(p_term text) TO card_city;
GRANT ALL ON FUNCTION card.report_figures(p_term text) TO card_district;


--
-- Name: FUNCTION report_finance(p_term text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.report_finance(p_term text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.report_finance(p_term text) TO card_city;


--
-- Name: FUNCTION return_cards(p_term text, p_doc uuid, p_district text, p_from text, p_count bigint, p_serials int8range, p_signer text, p_date date, p_photo bytea); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.return_cards(p_term text, p_doc uuid, p_district text, p_from text, p_count bigint, p_serials int8range, p_signer text, p_date date, p_photo bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION card.return_cards(p_term text, p_doc uuid, p_district text, p_from text, p_count bigint, p_serials int8range, p_signer text, p_date date, p_photo bytea) TO card_city;
GRANT ALL ON FUNCTION card.return_cards(p_term text, p_doc uuid, p_district text, p_from text, p_count bigint, p_serials int8range, p_signer text, p_date date, p_photo bytea) TO card_district;


--
-- Name: FUNCTION ship(p_term text, p_doc uuid, p_from text, p_to text, p_count bigint, p_serials int8range, p_address text, p_contact text, p_phone text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.ship(p_term text, p_doc uuid, p_from text, p_to text, p_count bigint, p_serials int8range, p_address text, p_contact text, p_phone text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.ship(p_term text, p_doc uuid, p_from text, p_to text, p_count bigint, p_serials int8range, p_address text, p_contact text, p_phone text) TO card_city;
GRANT ALL ON FUNCTION card.ship(p_term text, p_doc uuid, p_from text, p_to text, p_count bigint, p_serials int8range, p_address text, p_contact text, p_phone text) TO card_district;


--
-- Name: FUNCTION supplement(p_term text, p_doc uuid, p_to text, p_count bigint, p_signer text, p_date date, p_photo bytea); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.supplement(p_term text, p_doc uuid, p_to text, p_count bigint, p_signer text, p_date date, p_photo bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION card.supplement(p_term text, p_doc uuid, p_to text, p_count bigint, p_signer text, p_date date, p_photo bytea) TO card_city;


--
-- Name: FUNCTION term_deadlines(p_term text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.term_deadlines(p_term text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.term_deadlines(p_term text) TO card_city;
GRANT ALL ON FUNCTION card.term_deadlines(p_term text) TO card_district;


--
-- Name: FUNCTION term_flags(p_term text, p_district text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.term_flags(p_term text, p_district text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.term_flags(p_term text, p_district text) TO card_city;
GRANT ALL ON FUNCTION card.term_flags(p_term text, p_district text) TO card_district;


--
-- Name: FUNCTION term_status(p_term text, p_district text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.term_status(p_term text, p_district text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.term_status(p_term text, p_district text) TO card_city;
GRANT ALL ON FUNCTION card.term_status(p_term text, p_district text) TO card_district;


--
-- Name: FUNCTION token_lookup(p_id text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.token_lookup(p_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.token_lookup(p_id text) TO card_city;
GRANT ALL ON FUNCTION card.token_lookup(p_id text) TO card_daemon;


--
-- Name: FUNCTION transfer(p_term text, p_doc uuid, p_from text, p_to text, p_count bigint, p_late_reason text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.transfer(p_term text, p_doc uuid, p_from text, p_to text, p_count bigint, p_late_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.transfer(p_term text, p_doc uuid, p_from text, p_to text, p_count bigint, p_late_reason text) TO card_city;
GRANT ALL ON FUNCTION card.transfer(p_term text, p_doc uuid, p_from text, p_to text, p_count bigint, p_late_reason text) TO card_district;


--
-- Name: FUNCTION transit_loss(p_shipment uuid, p_doc uuid, p_reason text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.transit_loss(p_shipment uuid, p_doc uuid, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.transit_loss(p_shipment uuid, p_doc uuid, p_reason text) TO card_city;


--
-- Name: FUNCTION void_card(p_term text, p_doc uuid, p_org text, p_state text, p_serial bigint, p_reason text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.void_card(p_term text, p_doc uuid, p_org text, p_state text, p_serial bigint, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.void_card(p_term text, p_doc uuid, p_org text, p_state text, p_serial bigint, p_reason text) TO card_city;
GRANT ALL ON FUNCTION card.void_card(p_term text, p_doc uuid, p_org text, p_state text, p_serial bigint, p_reason text) TO card_district;


--
-- Name: FUNCTION wf_access(p_district text); Type: ACL; Schema: card; Owner: -
--

REVOKE ALL ON FUNCTION card.wf_access(p_district text) FROM PUBLIC;
GRANT ALL ON FUNCTION card.wf_access(p_district text) TO card_city;
GRANT ALL ON FUNCTION card.wf_access(p_district text) TO card_district;


--
-- Name: TABLE adjust_line; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.adjust_line TO card_city;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.adjust_line TO card_district;


--
-- Name: TABLE adjust_report; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.adjust_report TO card_city;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.adjust_report TO card_district;


--
-- Name: TABLE api_token; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.api_token TO card_city;


--
-- Name: COLUMN api_token.revoked_at; Type: ACL; Schema: card; Owner: -
--

GRANT UPDATE(revoked_at) ON TABLE card.api_token TO card_city;


--
-- Name: TABLE batch; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.batch TO card_city;
GRANT SELECT ON TABLE card.batch TO card_district;


--
-- Name: TABLE card_return; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.card_return TO card_city;
GRANT SELECT ON TABLE card.card_return TO card_district;


--
-- Name: TABLE census_explain; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.census_explain TO card_city;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.census_explain TO card_district;


--
-- Name: TABLE census_line; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.census_line TO card_city;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.census_line TO card_district;


--
-- Name: TABLE charge; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.charge TO card_city;
GRANT SELECT ON TABLE card.charge TO card_district;


--
-- Name: TABLE distribution; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.distribution TO card_city;
GRANT SELECT,INSERT ON TABLE card.distribution TO card_district;


--
-- Name: TABLE distribution_line; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.distribution_line TO card_city;
GRANT SELECT,INSERT ON TABLE card.distribution_line TO card_district;


--
-- Name: TABLE district_login; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.district_login TO card_city;
GRANT SELECT ON TABLE card.district_login TO card_district;


--
-- Name: TABLE document; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.document TO card_city;
GRANT SELECT,INSERT ON TABLE card.document TO card_district;


--
-- Name: TABLE final_report; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.final_report TO card_city;
GRANT SELECT,INSERT ON TABLE card.final_report TO card_district;


--
-- Name: TABLE function_file; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT ON TABLE card.function_file TO card_city;
GRANT SELECT ON TABLE card.function_file TO card_district;


--
-- Name: TABLE holding; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.holding TO card_city;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.holding TO card_district;


--
-- Name: TABLE idempotency; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.idempotency TO card_city;


--
-- Name: TABLE ledger; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT ON TABLE card.ledger TO card_city;
GRANT SELECT,INSERT ON TABLE card.ledger TO card_district;


--
-- Name: TABLE ledger_head; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT ON TABLE card.ledger_head TO card_city;


--
-- Name: SEQUENCE ledger_id_seq; Type: ACL; Schema: card; Owner: -
--

GRANT USAGE ON SEQUENCE card.ledger_id_seq TO card_city;
GRANT USAGE ON SEQUENCE card.ledger_id_seq TO card_district;


--
-- Name: TABLE plan; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.plan TO card_city;
GRANT SELECT ON TABLE card.plan TO card_district;


--
-- Name: TABLE plan_line; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.plan_line TO card_city;
GRANT SELECT ON TABLE card.plan_line TO card_district;


--
-- Name: TABLE receipt; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.receipt TO card_city;
GRANT SELECT,INSERT ON TABLE card.receipt TO card_district;


--
-- Name: TABLE redemption; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT ON TABLE card.redemption TO card_city;
GRANT SELECT ON TABLE card.redemption TO card_district;


--
-- Name: SEQUENCE redemption_id_seq; Type: ACL; Schema: card; Owner: -
--

GRANT USAGE ON SEQUENCE card.redemption_id_seq TO card_city;


--
-- Name: TABLE replacement; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.replacement TO card_city;
GRANT SELECT ON TABLE card.replacement TO card_district;


--
-- Name: TABLE schema_version; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.schema_version TO card_city;
GRANT SELECT ON TABLE card.schema_version TO card_district;


--
-- Name: TABLE serial_counter; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.serial_counter TO card_city;


--
-- Name: TABLE settle_order; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.settle_order TO card_city;
GRANT SELECT ON TABLE card.settle_order TO card_district;


--
-- Name: TABLE settlement; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.settlement TO card_city;
GRANT SELECT ON TABLE card.settlement TO card_district;


--
-- Name: TABLE shipment; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.shipment TO card_city;
GRANT SELECT,INSERT ON TABLE card.shipment TO card_district;


--
-- Name: TABLE supplement; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.supplement TO card_city;
GRANT SELECT ON TABLE card.supplement TO card_district;


--
-- Name: TABLE transfer; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.transfer TO card_city;
GRANT SELECT,INSERT ON TABLE card.transfer TO card_district;


--
-- Name: TABLE transit_loss; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.transit_loss TO card_city;


--
-- Name: TABLE void; Type: ACL; Schema: card; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE card.void TO card_city;
GRANT SELECT,INSERT ON TABLE card.void TO card_district;


--
-- Name: DEFAULT PRIVILEGES FOR SEQUENCES; Type: DEFAULT ACL; Schema: card; Owner: -
--

ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA card GRANT USAGE ON SEQUENCES  TO card_city;


--
-- Name: DEFAULT PRIVILEGES FOR FUNCTIONS; Type: DEFAULT ACL; Schema: card; Owner: -
--

ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA card GRANT ALL ON FUNCTIONS  TO card_city;


--
-- Name: DEFAULT PRIVILEGES FOR TABLES; Type: DEFAULT ACL; Schema: card; Owner: -
--

ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA card GRANT SELECT,INSERT,DELETE,UPDATE ON TABLES  TO card_city;


--
-- Name: DEFAULT PRIVILEGES FOR FUNCTIONS; Type: DEFAULT ACL; Schema: -; Owner: -
--

ALTER DEFAULT PRIVILEGES FOR ROLE postgres REVOKE ALL ON FUNCTIONS  FROM PUBLIC;


--
-- PostgreSQL database dump complete
--


