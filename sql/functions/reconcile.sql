-- reconcile.sql -- workflow part 2: surplus/shortage reconciliation (余缺调剂), returns,
-- supplements, replacements and charges (docs/workflow.md, "Reconciliation").
--
--   card.transfer        district self-adjustment between two of its schools (school stock ->
--                        school stock); until delivery + 7 = S, later only with a reason.
--   card.adjust_file     a district's Annex 4 lines (school, surplus, shortage, reason) as its
--                        draft report; re-filing replaces the draft.  Late after S+14.
--   card.adjust_approve  the district centre approves its report (who and when).
--   card.adjust_proposal the city's cross-district settlement, computed (no change).
--   card.adjust_settle   records the proposal as return and supplement orders (documents).
--   card.return_cards    cards go back from a district (or one of its schools) to city stock.
--   card.supplement      cards go from city stock to a district (or one of its schools).
--   card.replace         a school's defective card: void it (card.void_card), then issue one
--                        good card from the district's stock, else the city's, to the school in
--                        the defective card's state (stock or distributed).  Due 7 days after
--                        the school's request; later is flagged late.
--   card.charge_run      after S+30: per district, the surplus it was ordered (settle_order) or,
--                        without a settlement, declared (approved Annex 4, net of its shortage)
--                        to return, minus what it returned, times the face value.  The first
--                        run closes the term (card.term.closed_at) and records one charge
--                        document per district that owes; later runs return the same rows.
--   card.rc_adjusted     the cards a school received through the reconciliation: card.distribute
--                        allows census + card.rc_adjusted(term, school).
--
-- Returns and supplements carry their receipt as shipments do (card.receipt_check): the signer,
-- the date signed and the photo of the signed, stamped paper, stored with its SHA-256.
--
-- Every count change is a card.move / card.move_count (ledger.sql) with the step's own
-- document; a refused step raises SQLSTATE class CR and changes nothing.  Returns and
-- replacements move cards to or from city stock, which a district cannot touch under the
-- ledger's policies: card.return_cards and card.replace are SECURITY DEFINER and check the
-- caller with card.rc_access first.
--
-- `cardctl db migrate` loads this file again whenever its text changes: keep every statement
-- safe to run twice (CREATE OR REPLACE; the grants after each function are all it gets).

-- The term, or CR002.
CREATE OR REPLACE FUNCTION card.rc_term(p_term text) RETURNS card.term
LANGUAGE plpgsql STABLE AS $$
DECLARE
	t card.term;
BEGIN
	SELECT * INTO t FROM card.term WHERE code = p_term;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'term "%" does not exist', p_term USING ERRCODE = 'CR002';
	END IF;
	RETURN t;
END $$;
REVOKE ALL ON FUNCTION card.rc_term(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.rc_term(text) TO card_city, card_district;

-- The organisation of kind p_kind ('school', 'district', or NULL for any), or CR002/CR004.
CREATE OR REPLACE FUNCTION card.rc_org(p_code text, p_kind text) RETURNS card.org
LANGUAGE plpgsql STABLE AS $$
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
REVOKE ALL ON FUNCTION card.rc_org(text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.rc_org(text, text) TO card_city, card_district;

-- The adjustment is over once the term is charged (closed_at set by card.charge_run).
CREATE OR REPLACE FUNCTION card.rc_open(t card.term, p_what text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF t.closed_at IS NOT NULL THEN
		RAISE EXCEPTION 'term "%" is closed: no more %', t.code, p_what USING ERRCODE = 'CR003',
			DETAIL = format('The adjustment closed and the charges were made on %s.',
			                to_char(t.closed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'));
	END IF;
END $$;
REVOKE ALL ON FUNCTION card.rc_open(card.term, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.rc_open(card.term, text) TO card_city, card_district;

-- The caller may act for the district: the city, or a district login of that district
-- (0001_baseline's policies); else CR006.
CREATE OR REPLACE FUNCTION card.rc_access(p_district text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF NOT (card.is_city() OR p_district IN (SELECT unnest(card.my_districts()))) THEN
		RAISE EXCEPTION 'permission denied for district "%"', p_district USING ERRCODE = 'CR006',
			HINT = 'A district login acts only for its own district; the city for all.';
	END IF;
END $$;
REVOKE ALL ON FUNCTION card.rc_access(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.rc_access(text) TO card_city, card_district;

CREATE OR REPLACE FUNCTION card.transfer(p_term text, p_doc uuid, p_from text, p_to text, p_count bigint,
                              p_late_reason text)
RETURNS TABLE (ranges text, count bigint, due date, late boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
#variable_conflict use_column
DECLARE
	t card.term := card.rc_term(p_term);
	f card.org := card.rc_org(p_from, 'school');
	d card.org := card.rc_org(p_to, 'school');
	v_due date := card.step_due(t, 'self-adjustment');
	v_late boolean := card.bureau_today() > v_due;
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
REVOKE ALL ON FUNCTION card.transfer(text, uuid, text, text, bigint, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.transfer(text, uuid, text, text, bigint, text) TO card_city, card_district;

-- A line's figures against the ledger: surplus <= the school's stock; a school that still holds
-- stock is not short.  Returns the problem or NULL.
CREATE OR REPLACE FUNCTION card.adjust_line_problem(p_term text, p_school text, p_surplus bigint,
                                         p_shortage bigint) RETURNS text
LANGUAGE plpgsql STABLE AS $$
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
REVOKE ALL ON FUNCTION card.adjust_line_problem(text, text, bigint, bigint) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.adjust_line_problem(text, text, bigint, bigint) TO card_city, card_district;

-- Every problem of a district's Annex 4 file, in the order of the file (line 0: the file as a
-- whole): card.adjust_file refuses the file when there is any, and `cardctl adjust file` lists
-- them all (one row each, never cut).  The good lines are left in the temporary table
-- adjust_in for card.adjust_file (dropped at commit).
CREATE OR REPLACE FUNCTION card.adjust_problems(p_term text, p_district text, p_line integer[],
                                                p_school text[], p_surplus text[],
                                                p_shortage text[], p_reason text[])
RETURNS TABLE (line integer, problem text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	errs text[] := '{}';
	n integer := coalesce(array_length(p_school, 1), 0);
	o card.org;
	s text; r text; v_sur bigint; v_sho bigint; p text;
	seen jsonb := '{}';
BEGIN
	PERFORM card.rc_term(p_term);
	PERFORM card.rc_org(p_district, 'district');
	PERFORM card.rc_access(p_district);
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
	RETURN QUERY SELECT coalesce(substring(e.msg FROM '^line ([0-9]+):')::integer, 0), e.msg
	             FROM unnest(errs) WITH ORDINALITY AS e(msg, k) ORDER BY e.k;
END $$;
REVOKE ALL ON FUNCTION card.adjust_problems(text, text, integer[], text[], text[], text[], text[]) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.adjust_problems(text, text, integer[], text[], text[], text[], text[]) TO card_city, card_district;

CREATE OR REPLACE FUNCTION card.adjust_file(p_term text, p_district text, p_doc uuid, p_line integer[],
                                 p_school text[], p_surplus text[], p_shortage text[],
                                 p_reason text[])
RETURNS TABLE (schools integer, surplus bigint, shortage bigint, due date, late boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	t card.term := card.rc_term(p_term);
	dist card.org := card.rc_org(p_district, 'district');
	errs text[];
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
	SELECT array_agg(x.problem ORDER BY x.k) INTO errs
	  FROM card.adjust_problems(p_term, p_district, p_line, p_school, p_surplus, p_shortage,
	                            p_reason) WITH ORDINALITY AS x(line, problem, k);
	IF errs IS NOT NULL THEN
		RAISE EXCEPTION '%', errs[1] USING ERRCODE = 'CR004',
			DETAIL = format('%s problem%s, nothing was filed: %s', cardinality(errs),
			                CASE WHEN cardinality(errs) > 1 THEN 's' ELSE '' END,
			                array_to_string(errs, '; ')),
			HINT = 'Correct the file and file it again.';
	END IF;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'adjustment-report', p_term, p_district, 'adjustment report (Annex 4)');
	INSERT INTO card.adjust_report AS a (term, district, doc, due, filed_on, late)
	VALUES (p_term, p_district, p_doc, card.step_due(t, 'adjustment-report'), card.bureau_today(),
	        card.bureau_today() > card.step_due(t, 'adjustment-report'))
	ON CONFLICT ON CONSTRAINT adjust_report_pkey DO UPDATE
	SET doc = EXCLUDED.doc, filed_on = EXCLUDED.filed_on, late = EXCLUDED.late,
	    filed_by = current_user, filed_at = now();
	DELETE FROM card.adjust_line l WHERE l.term = p_term AND l.district = p_district;
	INSERT INTO card.adjust_line (term, district, school, surplus, shortage, reason, line)
	SELECT p_term, p_district, i.school, i.surplus, i.shortage, i.reason, i.line FROM adjust_in i;
	RETURN QUERY SELECT count(*)::integer, coalesce(sum(i.surplus), 0)::bigint,
	                    coalesce(sum(i.shortage), 0)::bigint, card.step_due(t, 'adjustment-report'),
	                    card.bureau_today() > card.step_due(t, 'adjustment-report')
	             FROM adjust_in i;
END $$;
REVOKE ALL ON FUNCTION card.adjust_file(text, text, uuid, integer[], text[], text[], text[], text[]) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.adjust_file(text, text, uuid, integer[], text[], text[], text[], text[]) TO card_city, card_district;

-- The district centre approves its draft; the lines are checked against the ledger again.
CREATE OR REPLACE FUNCTION card.adjust_approve(p_term text, p_district text, p_doc uuid, p_approver text)
RETURNS timestamptz
LANGUAGE plpgsql AS $$
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
REVOKE ALL ON FUNCTION card.adjust_approve(text, text, uuid, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.adjust_approve(text, text, uuid, text) TO card_city, card_district;

-- The proposal: per district its approved surplus and shortage; what it covers itself (by
-- transfer); the return of its net surplus to city stock; the supplement of its net shortage
-- from city stock (the reserve plus every return), allotted in district code order; what
-- cannot be covered, explained.
CREATE OR REPLACE FUNCTION card.adjust_proposal(p_term text)
RETURNS TABLE (district text, name text, report text, surplus bigint, shortage bigint,
               internal bigint, return_count bigint, supplement_count bigint, uncovered bigint,
               note text)
LANGUAGE plpgsql AS $$
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
REVOKE ALL ON FUNCTION card.adjust_proposal(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.adjust_proposal(text) TO card_city;

-- Record the proposal: the settlement document p_doc, then one order document per return and
-- supplement, taken in order from p_order_docs.  Refused until every district's report is
-- approved, and when settled already.
CREATE OR REPLACE FUNCTION card.adjust_settle(p_term text, p_doc uuid, p_order_docs uuid[])
RETURNS TABLE (district text, kind text, count bigint, doc uuid)
LANGUAGE plpgsql AS $$
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
			HINT = 'Every district files (cardctl adjust file) and approves (cardctl adjust approve) its report first; a district without surplus or shortage files one of its schools with 0, 0.';
	END IF;
	INSERT INTO card.document (id, kind, term, note) VALUES (p_doc, 'settlement', p_term, 'city adjustment');
	INSERT INTO card.settlement (term, doc, due, done_on, late)
	VALUES (p_term, p_doc, card.step_due(t, 'city-adjustment'), card.bureau_today(), card.bureau_today() > card.step_due(t, 'city-adjustment'));
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
REVOKE ALL ON FUNCTION card.adjust_settle(text, uuid, uuid[]) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.adjust_settle(text, uuid, uuid[]) TO card_city;

-- A district (p_from NULL: its depot; or one of its schools) returns p_count cards or exactly
-- p_serials from stock to the city's stock; p_signer signed the city's receipt on p_date,
-- p_photo is its photo, p_width x p_height its pixel size (card.photo_size_check).
CREATE OR REPLACE FUNCTION card.return_cards(p_term text, p_doc uuid, p_district text, p_from text,
                                  p_count bigint, p_serials int8range, p_signer text,
                                  p_date date, p_photo bytea, p_width integer, p_height integer)
RETURNS TABLE (ranges text, count bigint, ordered bigint, returned bigint, sha256 text,
               photo_width integer, photo_height integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
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
	PERFORM card.photo_size_check(v_type, p_width, p_height);
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
	                              by_role, photo, photo_type, photo_sha256, photo_width, photo_height)
	VALUES (p_doc, p_term, d.code, f.code, v_n, card.ranges_text(v_ranges),
	        (SELECT o.id FROM card.settle_order o WHERE o.term = p_term AND o.district = d.code
	         AND o.kind = 'return'), btrim(p_signer), p_date, session_user,
	        p_photo, v_type, sha256(p_photo), p_width, p_height);
	RETURN QUERY SELECT card.ranges_text(v_ranges), v_n,
		(SELECT o.count FROM card.settle_order o WHERE o.term = p_term AND o.district = d.code AND o.kind = 'return'),
		(SELECT sum(x.count)::bigint FROM card.card_return x WHERE x.term = p_term AND x.district = d.code),
		encode(sha256(p_photo), 'hex'), p_width, p_height;
END $$;
REVOKE ALL ON FUNCTION card.return_cards(text, uuid, text, text, bigint, int8range, text, date, bytea, integer, integer) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.return_cards(text, uuid, text, text, bigint, int8range, text, date, bytea, integer, integer) TO card_city, card_district;

-- Supply p_count cards from city stock to p_to as the settlement ordered; p_signer signed the
-- receipt at the destination on p_date, p_photo is its photo, p_width x p_height its pixel
-- size (card.photo_size_check).
CREATE OR REPLACE FUNCTION card.supplement(p_term text, p_doc uuid, p_to text, p_count bigint, p_signer text,
                                p_date date, p_photo bytea, p_width integer, p_height integer)
RETURNS TABLE (ranges text, count bigint, ordered bigint, supplied bigint, sha256 text,
               photo_width integer, photo_height integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
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
	PERFORM card.photo_size_check(v_type, p_width, p_height);
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
	                             photo, photo_type, photo_sha256, photo_width, photo_height)
	VALUES (p_doc, p_term, d.district, d.code, p_count, card.ranges_text(v_ranges), o.id,
	        btrim(p_signer), p_date, p_photo, v_type, sha256(p_photo), p_width, p_height);
	RETURN QUERY SELECT card.ranges_text(v_ranges), p_count, o.count, v_done + p_count,
	                    encode(sha256(p_photo), 'hex'), p_width, p_height;
END $$;
REVOKE ALL ON FUNCTION card.supplement(text, uuid, text, bigint, text, date, bytea, integer, integer) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.supplement(text, uuid, text, bigint, text, date, bytea, integer, integer) TO card_city;

CREATE OR REPLACE FUNCTION card.replace(p_term text, p_doc uuid, p_school text, p_serial bigint,
                             p_reason text, p_requested date)
RETURNS TABLE (old_serial bigint, new_serial bigint, source text, state text, due date,
               late boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
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
	PERFORM card.void_card(p_term, p_doc, s.code, h.state, p_serial, p_reason);
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
	        v_req, card.step_due(t, 'replacement', v_req), v_today, v_today > card.step_due(t, 'replacement', v_req), session_user);
	RETURN QUERY SELECT p_serial, lower(v_new), v_src, h.state::text, card.step_due(t, 'replacement', v_req), v_today > card.step_due(t, 'replacement', v_req);
END $$;
REVOKE ALL ON FUNCTION card.replace(text, uuid, text, bigint, text, date) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.replace(text, uuid, text, bigint, text, date) TO card_city, card_district;

-- What each district owes at the close, computed (no change).
CREATE OR REPLACE FUNCTION card.charge_due(p_term text)
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
REVOKE ALL ON FUNCTION card.charge_due(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.charge_due(text) TO card_city, card_district;

CREATE OR REPLACE FUNCTION card.charge_run(p_term text, p_docs uuid[])
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
	IF card.bureau_today() <= card.step_due(t, 'close') THEN
		RAISE EXCEPTION 'the adjustment of term "%" is open until %: no charges before the close', p_term,
			card.step_due(t, 'close') USING ERRCODE = 'CR003',
			HINT = format('Charges can be made from %s on.', card.step_due(t, 'close') + 1);
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
REVOKE ALL ON FUNCTION card.charge_run(text, uuid[]) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.charge_run(text, uuid[]) TO card_city;

-- Cards the city supplied to an organisation (its part of card.rc_adjusted).
CREATE OR REPLACE FUNCTION card.rc_supplied(p_term text, p_org text) RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT coalesce(sum(s.count), 0)::bigint FROM card.supplement s WHERE s.term = p_term AND s.to_org = p_org
$$;
REVOKE ALL ON FUNCTION card.rc_supplied(text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.rc_supplied(text, text) TO card_city, card_district;

-- Cards a school received through the reconciliation (transfers in, supplements).
-- Replacements are not counted: a replacement card replaces one handed out.
CREATE OR REPLACE FUNCTION card.rc_adjusted(p_term text, p_org text) RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT (SELECT coalesce(sum(t.count), 0) FROM card.transfer t WHERE t.term = p_term AND t.to_school = p_org)
	     + card.rc_supplied(p_term, p_org)
$$;
REVOKE ALL ON FUNCTION card.rc_adjusted(text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.rc_adjusted(text, text) TO card_city, card_district;

