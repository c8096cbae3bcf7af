-- 0410_delivery.sql -- workflow part 1: minting the plan, shipments with signed receipts,
-- distribution at schools, and the term's status (docs/workflow.md).
--
-- Every count-changing step goes through card.move / card.move_count (0200_ledger.sql), with
-- its own document: a shipment moves city stock (or a district depot's stock) to 'transit'
-- at the destination (the holding's doc is the shipment); its receipt moves the received
-- cards of that shipment from 'transit' to 'stock'; cards a receipt does not count stay in
-- transit under the shipment, recorded as its discrepancy, for the adjustment (part 2).
-- Distribution moves a school's stock to 'distributed'.
--
-- Dates are the bureau's (China Standard Time): card.bureau_today().

CREATE FUNCTION card.bureau_today() RETURNS date
LANGUAGE sql STABLE AS $$ SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date $$;

-- Access check of the workflow steps: the caller may act for p_district (NULL: only the city
-- may).  A no-op here; 0420_workflow_roles.sql replaces it with the check against
-- card.is_city() / card.my_districts() (0230_roles.sql).
CREATE FUNCTION card.wf_access(p_district text) RETURNS void
LANGUAGE plpgsql STABLE AS $$ BEGIN END $$;

-- Census submission is late after the due date, by the bureau's calendar.
CREATE OR REPLACE FUNCTION card.census_submit(p_term text, p_district text, p_doc uuid)
RETURNS TABLE (submitted_at timestamptz, late boolean, due date)
LANGUAGE plpgsql AS $$
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

-- The range of a plan line in the plan's batch, or NULL before minting.
CREATE FUNCTION card.plan_range(p_term text, p_org text) RETURNS int8range
LANGUAGE sql STABLE AS $$
	SELECT int8range(l.first_serial, l.first_serial + l.total)
	  FROM card.plan_line l WHERE l.term = p_term AND l.org = p_org
	   AND l.first_serial IS NOT NULL AND l.total > 0
$$;

-- Mint the plan as one batch (card.batch_mint, 0100) and lay it out: one contiguous range per
-- district in code order, the reserve last.  All or nothing.
CREATE FUNCTION card.plan_mint(p_term text, p_batch uuid, p_key_id smallint)
RETURNS TABLE (first_serial bigint, card_count bigint)
LANGUAGE plpgsql AS $$
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

CREATE TABLE card.shipment (
	id         uuid PRIMARY KEY REFERENCES card.document (id),
	term       text NOT NULL REFERENCES card.term (code),
	from_org   text NOT NULL REFERENCES card.org (code),
	to_org     text NOT NULL REFERENCES card.org (code),
	district   text REFERENCES card.org (code),  -- the destination's district (RLS)
	count      bigint NOT NULL CHECK (count > 0),
	courier    boolean NOT NULL DEFAULT false,   -- straight from the city to a school
	address    text,
	contact    text,
	phone      text,
	due        date NOT NULL,                    -- delivery due, S-7
	shipped_on date NOT NULL,
	late       boolean NOT NULL,
	shipped_by text NOT NULL DEFAULT current_user,
	shipped_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipment_term ON card.shipment (term, to_org);

CREATE TABLE card.receipt (
	id           uuid PRIMARY KEY REFERENCES card.document (id),
	shipment     uuid NOT NULL UNIQUE REFERENCES card.shipment (id),
	signer       text NOT NULL CHECK (length(signer) BETWEEN 1 AND 100),
	signed_on    date NOT NULL,
	count        bigint NOT NULL CHECK (count >= 0),   -- as counted and signed for
	received     bigint NOT NULL CHECK (received >= 0), -- moved to the receiver's stock
	discrepancy  bigint NOT NULL,                       -- count - shipped
	late         boolean NOT NULL,
	photo        bytea NOT NULL,
	photo_type   text NOT NULL CHECK (photo_type IN ('image/jpeg', 'image/png', 'application/pdf')),
	photo_sha256 bytea NOT NULL,
	received_by  text NOT NULL DEFAULT current_user,
	received_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE card.distribution (
	id       uuid PRIMARY KEY REFERENCES card.document (id),
	term     text NOT NULL REFERENCES card.term (code),
	school   text NOT NULL REFERENCES card.org (code),
	district text NOT NULL REFERENCES card.org (code),
	count    bigint NOT NULL CHECK (count > 0),
	due      date NOT NULL,   -- S+7
	done_on  date NOT NULL,
	late     boolean NOT NULL,
	by_role  text NOT NULL DEFAULT current_user,
	at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX distribution_term ON card.distribution (term, school);

CREATE TABLE card.distribution_line (
	distribution uuid NOT NULL REFERENCES card.distribution (id),
	line         integer NOT NULL,
	grade        text NOT NULL,
	class        text NOT NULL DEFAULT '',
	count        bigint NOT NULL CHECK (count > 0),
	PRIMARY KEY (distribution, line)
);

-- Ship p_count cards (or exactly p_serials) from p_from's stock (NULL: the city) to p_to, to
-- state 'transit' there.  From the city the cards come from the destination district's range
-- of the minted plan (when it has one); from a district only to one of its schools.
CREATE FUNCTION card.ship(p_term text, p_doc uuid, p_from text, p_to text, p_count bigint,
                          p_serials int8range, p_address text, p_contact text, p_phone text)
RETURNS TABLE (ranges text, count bigint, due date, late boolean, courier boolean)
LANGUAGE plpgsql AS $$
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

-- The magic bytes of the receipt photo types.
CREATE FUNCTION card.photo_type(p bytea) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
		WHEN substring(p FROM 1 FOR 3) = '\xffd8ff'::bytea THEN 'image/jpeg'
		WHEN substring(p FROM 1 FOR 8) = '\x89504e470d0a1a0a'::bytea THEN 'image/png'
		WHEN substring(p FROM 1 FOR 5) = '\x255044462d'::bytea THEN 'application/pdf'
	END
$$;

-- Receive a shipment: the receiver's signed receipt with its photo.  p_count NULL = as
-- shipped.  Fewer counted than shipped: the lowest serials of the shipment go to stock, the
-- rest stay in transit under the shipment (the discrepancy, for the adjustment).
CREATE FUNCTION card.receive(p_shipment uuid, p_doc uuid, p_signer text, p_date date,
                             p_count bigint, p_photo bytea)
RETURNS TABLE (shipped bigint, counted bigint, received bigint, discrepancy bigint, late boolean,
               sha256 text)
LANGUAGE plpgsql AS $$
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

-- Hand p_count cards of a school's stock to its students and teachers (or of a district's
-- depot to its bureau staff).  Refuses more than the holder has (card.move_count) and more in
-- all than its approved census counts: "not one short, not one extra".
CREATE FUNCTION card.distribute(p_term text, p_doc uuid, p_school text, p_count bigint,
                                p_date date, p_line integer[], p_grade text[], p_class text[],
                                p_counts bigint[])
RETURNS TABLE (count bigint, distributed bigint, census bigint, due date, late boolean)
LANGUAGE plpgsql AS $$
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

-- Where the cards of a term are, per organisation (district NULL: the whole city): planned
-- (district: its plan line; city: the reserve; school: its approved census students and
-- teachers, i.e. what it must hand out), stock, in transit to it, distributed, redeemed (of
-- the cards it holds or handed out), void.
CREATE FUNCTION card.term_status(p_term text, p_district text)
RETURNS TABLE (org text, name text, kind text, district text, planned bigint, stock bigint,
               transit bigint, distributed bigint, redeemed bigint, void bigint)
LANGUAGE sql STABLE AS $$
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

-- The deadlines of the term (SPEC §1) by the bureau's calendar.
CREATE FUNCTION card.term_deadlines(p_term text)
RETURNS TABLE (step text, zh text, due date, days_left integer, passed boolean, state text)
LANGUAGE sql STABLE AS $$
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

-- What needs attention (district NULL: everywhere): one row per kind of flag with how many
-- and which.
CREATE FUNCTION card.term_flags(p_term text, p_district text)
RETURNS TABLE (flag text, count bigint, which text)
LANGUAGE sql STABLE AS $$
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
