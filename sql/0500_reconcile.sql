-- 0500_reconcile.sql -- workflow part 2: surplus/shortage reconciliation (余缺调剂), returns,
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
--   card.replace         voids a defective card and issues a good one to the school.
--   card.charge_run      after the close (S+30): surplus a district was ordered or declared to
--                        return but did not, times the face value; idempotent.
--
-- Every count change is a card.move / card.move_count (0200_ledger.sql) with the step's own
-- document; a refused step raises SQLSTATE class CR and changes nothing.
--
-- Dates are the bureau's: card.bureau_today(), replaced here so that a superuser session can
-- set `card.today` (PGOPTIONS='-c card.today=2026-10-15') to run drills and tests of the
-- calendar; for every other role the setting is ignored.  The real time of every step is
-- recorded as well (created_at / at columns).

CREATE OR REPLACE FUNCTION card.bureau_today() RETURNS date
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v text := current_setting('card.today', true);
BEGIN
	IF coalesce(v, '') <> '' AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = session_user AND rolsuper) THEN
		RETURN v::date;
	END IF;
	RETURN (now() AT TIME ZONE 'Asia/Shanghai')::date;
END $$;

-- The term, or CR002.
CREATE FUNCTION card.rc_term(p_term text) RETURNS card.term
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

-- The organisation of kind p_kind ('school', 'district', or NULL for any), or CR002/CR004.
CREATE FUNCTION card.rc_org(p_code text, p_kind text) RETURNS card.org
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

-- The adjustment is over once the term is charged (closed_at set by card.charge_run).
CREATE FUNCTION card.rc_open(t card.term, p_what text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF t.closed_at IS NOT NULL THEN
		RAISE EXCEPTION 'term "%" is closed: no more %', t.code, p_what USING ERRCODE = 'CR003',
			DETAIL = format('The adjustment closed and the charges were made on %s.',
			                to_char(t.closed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'));
	END IF;
END $$;

-- The caller may act for the district: the city, or a district login of that district
-- (0230_roles); else CR006.
CREATE FUNCTION card.rc_access(p_district text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF NOT (card.is_city() OR p_district IN (SELECT unnest(card.my_districts()))) THEN
		RAISE EXCEPTION 'permission denied for district "%"', p_district USING ERRCODE = 'CR006',
			HINT = 'A district login acts only for its own district; the city for all.';
	END IF;
END $$;

-- Self-adjustment between two schools of one district.
CREATE TABLE card.transfer (
	id          uuid PRIMARY KEY REFERENCES card.document (id),
	term        text NOT NULL REFERENCES card.term (code),
	district    text NOT NULL REFERENCES card.org (code),
	from_school text NOT NULL REFERENCES card.org (code),
	to_school   text NOT NULL REFERENCES card.org (code),
	count       bigint NOT NULL CHECK (count > 0),
	due         date NOT NULL,
	done_on     date NOT NULL,
	late        boolean NOT NULL,
	late_reason text,
	by_role     text NOT NULL DEFAULT current_user,
	at          timestamptz NOT NULL DEFAULT now(),
	CHECK (NOT late OR late_reason IS NOT NULL)
);
CREATE INDEX transfer_term ON card.transfer (term, district);

CREATE FUNCTION card.transfer(p_term text, p_doc uuid, p_from text, p_to text, p_count bigint,
                              p_late_reason text)
RETURNS TABLE (ranges text, count bigint, due date, late boolean)
LANGUAGE plpgsql AS $$
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

-- Annex 4: a district's surplus/shortage report.
CREATE TABLE card.adjust_report (
	term        text NOT NULL REFERENCES card.term (code),
	district    text NOT NULL REFERENCES card.org (code),
	doc         uuid NOT NULL REFERENCES card.document (id),  -- the last filing
	state       text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'approved')),
	due         date NOT NULL,  -- S+14
	filed_on    date NOT NULL,
	late        boolean NOT NULL,
	filed_by    text NOT NULL DEFAULT current_user,
	filed_at    timestamptz NOT NULL DEFAULT now(),
	approval    uuid REFERENCES card.document (id),
	approver    text,   -- the person who signed for the district centre
	approved_by text,   -- the database role
	approved_at timestamptz,
	PRIMARY KEY (term, district)
);

CREATE TABLE card.adjust_line (
	term     text NOT NULL,
	district text NOT NULL,
	school   text NOT NULL REFERENCES card.org (code),
	surplus  bigint NOT NULL CHECK (surplus >= 0),
	shortage bigint NOT NULL CHECK (shortage >= 0),
	reason   text,
	line     integer NOT NULL,
	PRIMARY KEY (term, school),
	FOREIGN KEY (term, district) REFERENCES card.adjust_report (term, district) ON DELETE CASCADE,
	CHECK (surplus = 0 OR shortage = 0),
	CHECK (surplus + shortage = 0 OR reason IS NOT NULL)
);
CREATE INDEX adjust_line_district ON card.adjust_line (term, district);

-- A line's figures against the ledger: surplus <= the school's stock; a school that still holds
-- stock is not short.  Returns the problem or NULL.
CREATE FUNCTION card.adjust_line_problem(p_term text, p_school text, p_surplus bigint,
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

CREATE FUNCTION card.adjust_file(p_term text, p_district text, p_doc uuid, p_line integer[],
                                 p_school text[], p_surplus text[], p_shortage text[],
                                 p_reason text[])
RETURNS TABLE (schools integer, surplus bigint, shortage bigint, due date, late boolean)
LANGUAGE plpgsql AS $$
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
END $$;

-- The district centre approves its draft; the lines are checked against the ledger again.
CREATE FUNCTION card.adjust_approve(p_term text, p_district text, p_doc uuid, p_approver text)
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

-- The city's settlement and its orders.
CREATE TABLE card.settlement (
	term      text PRIMARY KEY REFERENCES card.term (code),
	doc       uuid NOT NULL REFERENCES card.document (id),
	due       date NOT NULL,  -- S+20
	done_on   date NOT NULL,
	late      boolean NOT NULL,
	by_role   text NOT NULL DEFAULT current_user,
	at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE card.settle_order (
	id       uuid PRIMARY KEY REFERENCES card.document (id),
	term     text NOT NULL REFERENCES card.settlement (term),
	district text NOT NULL REFERENCES card.org (code),
	kind     text NOT NULL CHECK (kind IN ('return', 'supplement')),
	count    bigint NOT NULL CHECK (count > 0),
	UNIQUE (term, district, kind)
);

-- The proposal: per district its approved surplus and shortage; what it covers itself (by
-- transfer); the return of its net surplus to city stock; the supplement of its net shortage
-- from city stock (the reserve plus every return), allotted in district code order; what
-- cannot be covered, explained.
CREATE FUNCTION card.adjust_proposal(p_term text)
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

-- Record the proposal: the settlement document p_doc, then one order document per return and
-- supplement, taken in order from p_order_docs.  Refused until every district's report is
-- approved, and when settled already.
CREATE FUNCTION card.adjust_settle(p_term text, p_doc uuid, p_order_docs uuid[])
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

-- Returns to city stock.
CREATE TABLE card.card_return (
	id        uuid PRIMARY KEY REFERENCES card.document (id),
	term      text NOT NULL REFERENCES card.term (code),
	district  text NOT NULL REFERENCES card.org (code),
	from_org  text NOT NULL REFERENCES card.org (code),
	count     bigint NOT NULL CHECK (count > 0),
	ranges    text NOT NULL,
	ordered   uuid REFERENCES card.settle_order (id),
	signer    text NOT NULL,   -- who signed for the city's receipt of the cards
	signed_on date NOT NULL,
	by_role   text NOT NULL DEFAULT current_user,
	at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX card_return_term ON card.card_return (term, district);

-- A district (p_from NULL: its depot; or one of its schools) returns p_count cards or exactly
-- p_serials from stock to the city's stock.
CREATE FUNCTION card.return_cards(p_term text, p_doc uuid, p_district text, p_from text,
                                  p_count bigint, p_serials int8range, p_signer text)
RETURNS TABLE (ranges text, count bigint, ordered bigint, returned bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	t card.term := card.rc_term(p_term);
	d card.org := card.rc_org(p_district, 'district');
	f card.org := card.rc_org(coalesce(p_from, p_district), NULL);
	v_city text := (SELECT o.code FROM card.org o WHERE o.kind = 'city');
	v_ranges int8multirange := '{}';
	v_r int8range;
	v_n bigint;
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
	                              by_role)
	VALUES (p_doc, p_term, d.code, f.code, v_n, card.ranges_text(v_ranges),
	        (SELECT o.id FROM card.settle_order o WHERE o.term = p_term AND o.district = d.code
	         AND o.kind = 'return'), btrim(p_signer), card.bureau_today(), session_user);
	RETURN QUERY SELECT card.ranges_text(v_ranges), v_n,
		(SELECT o.count FROM card.settle_order o WHERE o.term = p_term AND o.district = d.code AND o.kind = 'return'),
		(SELECT sum(x.count)::bigint FROM card.card_return x WHERE x.term = p_term AND x.district = d.code);
END $$;

-- Supplements from city stock, as ordered by the settlement.
CREATE TABLE card.supplement (
	id        uuid PRIMARY KEY REFERENCES card.document (id),
	term      text NOT NULL REFERENCES card.term (code),
	district  text NOT NULL REFERENCES card.org (code),
	to_org    text NOT NULL REFERENCES card.org (code),
	count     bigint NOT NULL CHECK (count > 0),
	ranges    text NOT NULL,
	ordered   uuid NOT NULL REFERENCES card.settle_order (id),
	signer    text NOT NULL,   -- who signed the receipt at the destination
	signed_on date NOT NULL,
	by_role   text NOT NULL DEFAULT current_user,
	at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX supplement_term ON card.supplement (term, district);

CREATE FUNCTION card.supplement(p_term text, p_doc uuid, p_to text, p_count bigint, p_signer text)
RETURNS TABLE (ranges text, count bigint, ordered bigint, supplied bigint)
LANGUAGE plpgsql AS $$
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
	INSERT INTO card.supplement (id, term, district, to_org, count, ranges, ordered, signer, signed_on)
	VALUES (p_doc, p_term, d.district, d.code, p_count, card.ranges_text(v_ranges), o.id,
	        btrim(p_signer), card.bureau_today());
	RETURN QUERY SELECT card.ranges_text(v_ranges), p_count, o.count, v_done + p_count;
END $$;
