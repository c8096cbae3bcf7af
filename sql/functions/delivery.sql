-- delivery.sql -- workflow part 1: the plan, minting it, shipments with signed receipts,
-- distribution at schools, cards lost in transit (docs/workflow.md).
--
-- Every count-changing step goes through card.move / card.move_count (ledger.sql), with its own
-- document: a shipment moves city stock (or a district depot's stock) to 'transit' at the
-- destination (the holding's doc is the shipment); its receipt moves the received cards of that
-- shipment from 'transit' to 'stock'; cards a receipt does not count stay in transit under the
-- shipment, recorded as its discrepancy, for the adjustment (part 2).  Distribution moves a
-- school's stock to 'distributed', at most the school's approved census plus what the
-- reconciliation gave it (card.rc_adjusted).
--
-- `cardctl db migrate` loads this file again whenever its text changes: keep every statement
-- safe to run twice (CREATE OR REPLACE; the grants after each function are all it gets).

-- Make (or re-make, until minted) the plan of a term from the approved censuses.
CREATE OR REPLACE FUNCTION card.plan_make(p_term text, p_doc uuid, p_reserve_pct numeric, p_without text[])
RETURNS TABLE (org text, total bigint)
LANGUAGE plpgsql AS $$
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
REVOKE ALL ON FUNCTION card.plan_make(text, uuid, numeric, text[]) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.plan_make(text, uuid, numeric, text[]) TO card_city;

-- The range of a plan line in the plan's batch, or NULL before minting.
CREATE OR REPLACE FUNCTION card.plan_range(p_term text, p_org text) RETURNS int8range
LANGUAGE sql STABLE AS $$
	SELECT int8range(l.first_serial, l.first_serial + l.total)
	  FROM card.plan_line l WHERE l.term = p_term AND l.org = p_org
	   AND l.first_serial IS NOT NULL AND l.total > 0
$$;
REVOKE ALL ON FUNCTION card.plan_range(text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.plan_range(text, text) TO card_city, card_district;

-- Mint the plan as one batch (card.batch_mint, org.sql) and lay it out: one contiguous range per
-- district in code order, the reserve last.  All or nothing.
CREATE OR REPLACE FUNCTION card.plan_mint(p_term text, p_batch uuid, p_key_id smallint)
RETURNS TABLE (first_serial bigint, card_count bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
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
REVOKE ALL ON FUNCTION card.plan_mint(text, uuid, smallint) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.plan_mint(text, uuid, smallint) TO card_city;

-- Ship p_count cards (or exactly p_serials) from p_from's stock (NULL: the city) to p_to, to
-- state 'transit' there.  From the city the cards come from the destination district's range
-- of the minted plan (when it has one); from a district only to one of its schools.
CREATE OR REPLACE FUNCTION card.ship(p_term text, p_doc uuid, p_from text, p_to text, p_count bigint,
                          p_serials int8range, p_address text, p_contact text, p_phone text)
RETURNS TABLE (ranges text, count bigint, due date, late boolean, courier boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
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
	v_due := card.step_due(t, 'delivery');
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
REVOKE ALL ON FUNCTION card.ship(text, uuid, text, text, bigint, int8range, text, text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.ship(text, uuid, text, text, bigint, int8range, text, text, text) TO card_city, card_district;

-- The magic bytes of the receipt photo types.
CREATE OR REPLACE FUNCTION card.photo_type(p bytea) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
		WHEN substring(p FROM 1 FOR 3) = '\xffd8ff'::bytea THEN 'image/jpeg'
		WHEN substring(p FROM 1 FOR 8) = '\x89504e470d0a1a0a'::bytea THEN 'image/png'
		WHEN substring(p FROM 1 FOR 5) = '\x255044462d'::bytea THEN 'application/pdf'
	END
$$;
REVOKE ALL ON FUNCTION card.photo_type(bytea) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.photo_type(bytea) TO card_city, card_district;

-- Receive a shipment: the receiver's signed receipt with its photo.  p_count NULL = as
-- shipped.  Fewer counted than shipped: the lowest serials of the shipment go to stock, the
-- rest stay in transit under the shipment (the discrepancy, for the adjustment).
-- The receipt check, the only one (receipts of shipments, returns and supplements): the
-- signer's name, the photo (present, at most 10 MiB, a JPEG, PNG or PDF by content), and the
-- date (given, not after today; not before p_earliest when that is not NULL).  Returns the
-- photo's type.
CREATE OR REPLACE FUNCTION card.receipt_check(p_signer text, p_date date, p_photo bytea, p_earliest date)
RETURNS text
LANGUAGE plpgsql STABLE AS $$
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
	IF p_date IS NULL THEN
		RAISE EXCEPTION 'the receipt needs the date it was signed' USING ERRCODE = 'CR004';
	END IF;
	IF p_date < p_earliest THEN  -- p_earliest: the day the cards were shipped (card.receive)
		RAISE EXCEPTION 'the receipt date % is not between the shipment date % and today (%)',
			p_date, p_earliest, card.bureau_today() USING ERRCODE = 'CR004';
	END IF;
	IF p_date > card.bureau_today() THEN
		RAISE EXCEPTION 'the receipt date % is after today (%)', p_date, card.bureau_today()
			USING ERRCODE = 'CR004', HINT = 'Give the day the receipt was signed.';
	END IF;
	RETURN v_type;
END $$;
REVOKE ALL ON FUNCTION card.receipt_check(text, date, bytea, date) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.receipt_check(text, date, bytea, date) TO card_city, card_district;

-- The pixel size of a receipt photo, as libcard measured it by decoding the photo
-- (libcard/photo.c): an image has both, each 1..10000 pixels; a PDF has neither.
CREATE OR REPLACE FUNCTION card.photo_size_check(p_type text, p_width integer, p_height integer)
RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF p_type = 'application/pdf' THEN
		IF p_width IS NOT NULL OR p_height IS NOT NULL THEN
			RAISE EXCEPTION 'a PDF receipt has no pixel size' USING ERRCODE = 'CR004';
		END IF;
	ELSIF p_width IS NULL OR p_height IS NULL OR p_width NOT BETWEEN 1 AND 10000
	      OR p_height NOT BETWEEN 1 AND 10000 THEN
		RAISE EXCEPTION 'the receipt photo''s pixel size %x% is not 1 to 10000 pixels each way',
			coalesce(p_width::text, '?'), coalesce(p_height::text, '?') USING ERRCODE = 'CR004',
			HINT = 'The size is the one libcard reads when it decodes the photo.';
	END IF;
END $$;
REVOKE ALL ON FUNCTION card.photo_size_check(text, integer, integer) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.photo_size_check(text, integer, integer) TO card_city, card_district;

-- p_width and p_height: the photo's pixel size (card.photo_size_check).
CREATE OR REPLACE FUNCTION card.receive(p_shipment uuid, p_doc uuid, p_signer text, p_date date,
                             p_count bigint, p_photo bytea, p_width integer, p_height integer)
RETURNS TABLE (shipped bigint, counted bigint, received bigint, discrepancy bigint, late boolean,
               sha256 text, photo_width integer, photo_height integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
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
	PERFORM pg_advisory_xact_lock(card.receipt_lock_key(p_shipment));
	-- A district login knows only its own districts' shipments.
	SELECT * INTO s FROM card.shipment x
	 WHERE x.id = p_shipment AND (card.is_city() OR x.district = ANY (card.my_districts()));
	IF NOT FOUND THEN
		RAISE EXCEPTION 'shipment % does not exist', p_shipment USING ERRCODE = 'CR002';
	END IF;
	PERFORM card.wf_access(s.district);
	IF EXISTS (SELECT 1 FROM card.receipt WHERE shipment = p_shipment) THEN
		RAISE EXCEPTION 'shipment % is already received', p_shipment USING ERRCODE = 'CR003';
	END IF;
	v_type := card.receipt_check(p_signer, p_date, p_photo, s.shipped_on);
	PERFORM card.photo_size_check(v_type, p_width, p_height);
	SELECT * INTO t FROM card.term WHERE code = s.term;
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
	                          photo, photo_type, photo_sha256, photo_width, photo_height)
	VALUES (p_doc, p_shipment, btrim(p_signer), p_date, v_count, least(v_count, s.count),
	        v_count - s.count, p_date > s.due, p_photo, v_type, sha256(p_photo), p_width, p_height);
	RETURN QUERY SELECT s.count, v_count, least(v_count, s.count), v_count - s.count, p_date > s.due,
	                    encode(sha256(p_photo), 'hex'), p_width, p_height;
END $$;
REVOKE ALL ON FUNCTION card.receive(uuid, uuid, text, date, bigint, bytea, integer, integer) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.receive(uuid, uuid, text, date, bigint, bytea, integer, integer) TO card_city, card_district;

CREATE OR REPLACE FUNCTION card.distribute(p_term text, p_doc uuid, p_school text, p_count bigint,
                                p_date date, p_line integer[], p_grade text[], p_class text[],
                                p_counts bigint[])
RETURNS TABLE (count bigint, distributed bigint, census bigint, due date, late boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
#variable_conflict use_column
DECLARE
	t card.term;
	o card.org;
	v_census bigint;
	v_base bigint;      -- the approved census
	v_adjusted bigint;  -- + transferred in + supplied (card.rc_adjusted)
	v_supplied bigint;
	v_limit text;
	v_before bigint;
	v_step text := 'distribution';
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
	v_base := v_census;
	v_adjusted := card.rc_adjusted(p_term, p_school);
	v_supplied := card.rc_supplied(p_term, p_school);
	v_census := v_census + v_adjusted;
	v_before := card.balance(p_term, p_school, 'distributed');
	IF v_census IS NOT NULL AND v_before + p_count > v_census THEN
		-- the limit as it adds up: "420 students and teachers + 3 by transfer"
		v_limit := format('%s %s', v_base, CASE o.kind WHEN 'school' THEN 'students and teachers' ELSE 'bureau staff' END)
		        || CASE WHEN v_adjusted > v_supplied THEN format(' + %s by transfer', v_adjusted - v_supplied) ELSE '' END
		        || CASE WHEN v_supplied > 0 THEN format(' + %s supplied by the city', v_supplied) ELSE '' END;
		RAISE EXCEPTION '% "%" would hand out % cards, more than its %', o.kind,
			p_school, v_before + p_count, v_limit
			USING ERRCODE = 'CR001',
			DETAIL = format('%s cards are distributed already; it may hand out %s in all (census %s%s).',
			                v_before, v_census, v_base, substring(v_limit FROM ' \+ .*$')),
			HINT = 'Not one extra: report the surplus for adjustment instead.';
	END IF;
	-- Cards beyond the census and the transfers are the city's supplement: they are due by
	-- their own deadline (the calendar's supplement-distribution), not by S+7.
	IF v_supplied > 0 AND v_before >= v_census - v_supplied THEN
		v_step := 'supplement-distribution';
	END IF;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'distribution', p_term, o.district, format('distribution at %s', p_school));
	PERFORM card.move_count(p_term, p_doc, 'distribution', p_school, 'stock', p_school,
	                        'distributed', p_count);
	INSERT INTO card.distribution (id, term, school, district, count, due, done_on, late)
	VALUES (p_doc, p_term, p_school, o.district, p_count, card.step_due(t, v_step), v_date, v_date > card.step_due(t, v_step));
	INSERT INTO card.distribution_line (distribution, line, grade, class, count)
	SELECT p_doc, x.l, x.g, coalesce(x.c, ''), x.n
	  FROM unnest(p_line, p_grade, p_class, p_counts) AS x(l, g, c, n);
	RETURN QUERY SELECT p_count, v_before + p_count, v_census, card.step_due(t, v_step), v_date > card.step_due(t, v_step);
END $$;
REVOKE ALL ON FUNCTION card.distribute(text, uuid, text, bigint, date, integer[], text[], text[], bigint[]) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.distribute(text, uuid, text, bigint, date, integer[], text[], text[], bigint[]) TO card_city, card_district;

-- Batch forms for a whole district (docs/workflow.md, "A district's term in batches"): ship
-- each school its census, record many receipts, record distribution at many schools, in one
-- call and one transaction.  Each line runs the single form (card.ship, card.receive,
-- card.distribute) in a subtransaction, so a refused line is listed with the single form's
-- own message and the rules stay there; the batch adds only what a file needs (the school
-- code of each line, a school named twice, cells that are not numbers or dates).  If any line
-- is refused, the whole batch is undone and only the problems are returned: one row per
-- problem with its line, school, problem and detail (problem NULL in the rows of a batch
-- that was recorded).  A permission error is not a line's problem: it refuses the whole batch.

-- A district named by a batch, and the caller's right to act for it (card.wf_access).
CREATE OR REPLACE FUNCTION card.batch_district(p_term text, p_district text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM card.term WHERE code = p_term) THEN
		RAISE EXCEPTION 'term "%" does not exist', p_term USING ERRCODE = 'CR002';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM card.org WHERE code = p_district AND kind = 'district') THEN
		RAISE EXCEPTION 'district "%" does not exist', p_district USING ERRCODE = 'CR002';
	END IF;
	PERFORM card.wf_access(p_district);
END $$;
REVOKE ALL ON FUNCTION card.batch_district(text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.batch_district(text, text) TO card_city, card_district;

-- The school code of a batch line: given, known, a school of p_district (or, with p_self, the
-- district itself: its bureau staff), not on an earlier line (p_first: the line it was first
-- on, NULL if none).  Returns the problem or NULL.
CREATE OR REPLACE FUNCTION card.batch_school_problem(p_district text, p_school text, p_first integer,
                                                     p_self boolean) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
	o card.org;
BEGIN
	IF p_school = '' THEN
		RETURN 'the school code is empty';
	END IF;
	IF p_self AND p_school = p_district THEN
		o.district := p_district;
	ELSE
		SELECT * INTO o FROM card.org WHERE code = p_school AND kind = 'school';
		IF NOT FOUND THEN
			RETURN format('unknown school "%s"', p_school);
		END IF;
	END IF;
	IF o.district <> p_district THEN
		RETURN format('school "%s" is in district "%s", not "%s"', p_school, o.district, p_district);
	END IF;
	IF p_first IS NOT NULL THEN
		RETURN format('school "%s" again (first on line %s)', p_school, p_first);
	END IF;
	RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION card.batch_school_problem(text, text, integer, boolean) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.batch_school_problem(text, text, integer, boolean) TO card_city, card_district;

-- A whole number of cards in a batch cell (at least p_min), or NULL when the cell is not one.
CREATE OR REPLACE FUNCTION card.batch_count(p_cell text, p_min bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN btrim(p_cell) ~ '^[0-9]{1,9}$' AND btrim(p_cell)::bigint >= p_min
	            THEN btrim(p_cell)::bigint END
$$;
REVOKE ALL ON FUNCTION card.batch_count(text, bigint) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.batch_count(text, bigint) TO card_city, card_district;

-- A date cell or NULL when the cell is not one: what card.rc_date (calendar.sql) accepts as a
-- date typed by a person, blanks around it allowed.
CREATE OR REPLACE FUNCTION card.batch_date(p_cell text) RETURNS date
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RETURN card.rc_date(btrim(p_cell));
EXCEPTION WHEN SQLSTATE 'CR004' THEN
	RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION card.batch_date(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.batch_date(text) TO card_city, card_district;

-- What each school of a district still has to be shipped this term: its census as
-- card.term_status plans a school (students and teachers), less every shipment to it so far.
CREATE OR REPLACE FUNCTION card.ship_due(p_term text, p_district text)
RETURNS TABLE (school text, name text, census bigint, shipped bigint, due bigint)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
	PERFORM card.batch_district(p_term, p_district);
	RETURN QUERY
	SELECT s.org, s.name, coalesce(s.planned, 0), x.n, greatest(coalesce(s.planned, 0) - x.n, 0)
	  FROM card.term_status(p_term, p_district) s,
	       LATERAL (SELECT coalesce(sum(h.count), 0)::bigint AS n FROM card.shipment h
	                 WHERE h.term = p_term AND h.to_org = s.org) x
	 WHERE s.kind = 'school'
	 ORDER BY s.org;
END $$;
REVOKE ALL ON FUNCTION card.ship_due(text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.ship_due(text, text) TO card_city, card_district;

-- The photos of a batch of receipts, the one of the p_ord-th line (from 1) at a time, sent
-- before the batch reads them in the same transaction (a district's photos at once would not
-- fit one call).
-- With the pixel size libcard measured (card.photo_size_check).
CREATE OR REPLACE FUNCTION card.receipt_photo_stage(p_ord integer, p_photo bytea, p_width integer,
                                                    p_height integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	CREATE TEMP TABLE IF NOT EXISTS receipt_photo (ord integer PRIMARY KEY, photo bytea, width integer,
	                                               height integer) ON COMMIT DROP;
	INSERT INTO pg_temp.receipt_photo (ord, photo, width, height) VALUES (p_ord, p_photo, p_width, p_height)
	ON CONFLICT (ord) DO UPDATE SET photo = EXCLUDED.photo, width = EXCLUDED.width, height = EXCLUDED.height;
END $$;
REVOKE ALL ON FUNCTION card.receipt_photo_stage(integer, bytea, integer, integer) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.receipt_photo_stage(integer, bytea, integer, integer) TO card_city, card_district;

-- The shipment a receipt line is for: the one its shipment cell names (a shipment to that
-- school in the term), else the one shipment to the school not yet received.  One row: the
-- shipment, or NULL and the problem (and a detail).
CREATE OR REPLACE FUNCTION card.batch_shipment(p_term text, p_school text, p_cell text)
RETURNS TABLE (shipment uuid, problem text, detail text)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
	v_id uuid;
	k bigint;
BEGIN
	p_cell := btrim(coalesce(p_cell, ''));
	IF p_cell <> '' THEN
		IF p_cell !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
			RETURN QUERY SELECT NULL::uuid, format('"%s" is not a shipment id', p_cell), NULL::text;
			RETURN;
		END IF;
		SELECT x.id INTO v_id FROM card.shipment x
		 WHERE x.id = p_cell::uuid AND x.to_org = p_school AND x.term = p_term;
		RETURN QUERY SELECT v_id, CASE WHEN v_id IS NULL THEN
			format('shipment %s is not one to "%s" in term %s', p_cell, p_school, p_term) END, NULL::text;
		RETURN;
	END IF;
	SELECT min(x.id::text)::uuid, count(*) INTO v_id, k FROM card.shipment x
	 WHERE x.term = p_term AND x.to_org = p_school
	   AND NOT EXISTS (SELECT 1 FROM card.receipt y WHERE y.shipment = x.id);
	RETURN QUERY SELECT CASE WHEN k = 1 THEN v_id END,
		CASE WHEN k = 0 THEN format('no shipment to "%s" is waiting for its receipt', p_school)
		     WHEN k > 1 THEN format('%s shipments to "%s" are waiting for their receipts', k, p_school) END,
		CASE WHEN k > 1 THEN 'Name the one this receipt is for in the shipment column (its UUID, from ''cardctl ship list'').' END;
END $$;
REVOKE ALL ON FUNCTION card.batch_shipment(text, text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.batch_shipment(text, text, text) TO card_city, card_district;

-- A district's batch (p_kind 'ship', 'receive' or 'distribute'), one line i per school:
--   ship        p_count[i] cards from p_from (NULL: the city, by courier), as card.ship; with
--               p_all the lines are card.ship_due's and a count that no longer matches is
--               refused (somebody shipped meanwhile);
--   receive     the receipt of the line's shipment (card.batch_shipment), as card.receive:
--               p_date, p_signer, p_count (empty: as shipped), the photo staged for the i-th
--               line (card.receipt_photo_stage); p_photo_problem[i] is what the client found
--               reading the photo file, listed as the line's problem;
--   distribute  p_count[i] cards handed out on p_date[i] (empty: today), as card.distribute.
-- Rows: line, school, doc (the line's document), result (the single form's row as JSON),
-- problem, detail; see above for all or nothing.
CREATE OR REPLACE FUNCTION card.school_batch(p_kind text, p_term text, p_district text, p_from text,
                                             p_all boolean, p_docs uuid[], p_line integer[],
                                             p_school text[], p_count text[], p_date text[],
                                             p_signer text[], p_shipment text[],
                                             p_photo_problem text[])
RETURNS TABLE (line integer, school text, doc uuid, result jsonb, problem text, detail text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	n integer := coalesce(cardinality(p_school), 0);
	s text;
	c bigint;
	d date;
	sh uuid;
	p text;
	dt text;
	res jsonb;
	v_first integer[];  -- per line: the line its school was first on, if earlier
	v_due jsonb;
	-- what the lines did, and their problems (arrays: appending is cheap, whatever the size)
	o_line integer[] := '{}'; o_school text[] := '{}'; o_doc uuid[] := '{}'; o_res jsonb[] := '{}';
	e_line integer[] := '{}'; e_school text[] := '{}'; e_problem text[] := '{}'; e_detail text[] := '{}';
BEGIN
	IF p_kind IS NULL OR p_kind NOT IN ('ship', 'receive', 'distribute') THEN
		RAISE EXCEPTION 'unknown batch "%"', p_kind USING ERRCODE = 'CR004';
	END IF;
	PERFORM card.batch_district(p_term, p_district);
	IF p_kind = 'ship' AND p_all THEN
		-- two such batches of one district do not interleave
		PERFORM pg_advisory_xact_lock(hashtext('card.school_batch'), hashtext(p_term || '/' || p_district));
		SELECT jsonb_object_agg(x.school, x.due) INTO v_due FROM card.ship_due(p_term, p_district) x;
	END IF;
	IF p_kind = 'receive' THEN
		CREATE TEMP TABLE IF NOT EXISTS receipt_photo (ord integer PRIMARY KEY, photo bytea, width integer,
		                                               height integer) ON COMMIT DROP;
	END IF;
	-- A school twice is a mistake; a school's two receipts name their shipments (then the
	-- key is the school and the shipment).
	SELECT array_agg(CASE WHEN x.u <> '' AND x.ord > x.first_ord THEN x.first_line END ORDER BY x.ord)
	  INTO v_first
	  FROM (SELECT r.ord, btrim(coalesce(r.u, '')) AS u, first_value(r.l) OVER w AS first_line,
	               first_value(r.ord) OVER w AS first_ord
	          FROM unnest(p_school, p_line, coalesce(p_shipment, '{}'))
	               WITH ORDINALITY AS r(u, l, sh, ord)
	        WINDOW w AS (PARTITION BY btrim(coalesce(r.u, '')),
	                     CASE WHEN p_kind = 'receive' THEN lower(btrim(coalesce(r.sh, ''))) END
	                     ORDER BY r.ord)) x;
	BEGIN
		FOR i IN 1 .. n LOOP
			s := btrim(coalesce(p_school[i], ''));
			dt := NULL;
			p := card.batch_school_problem(p_district, s, v_first[i], p_kind <> 'ship');
			c := card.batch_count(p_count[i], CASE p_kind WHEN 'receive' THEN 0 ELSE 1 END);
			d := card.batch_date(p_date[i]);
			IF p IS NULL AND c IS NULL AND (p_kind <> 'receive' OR btrim(coalesce(p_count[i], '')) <> '') THEN
				p := format('count "%s" is not a whole number of cards%s', coalesce(p_count[i], ''),
				            CASE WHEN p_kind <> 'receive' THEN ' (1 or more)' ELSE '' END);
			END IF;
			IF p IS NULL AND d IS NULL AND (p_kind = 'receive' OR btrim(coalesce(p_date[i], '')) <> '') THEN
				p := format('date "%s" is not a day (YYYY-MM-DD)', coalesce(p_date[i], ''));
			END IF;
			IF p IS NULL AND p_kind = 'ship' AND p_all AND (v_due ->> s)::bigint IS DISTINCT FROM c THEN
				p := format('school "%s" has %s cards left to ship now, not %s', s, coalesce(v_due ->> s, '0'), c);
			END IF;
			IF p IS NULL AND p_kind = 'receive' THEN
				p := p_photo_problem[i];
				IF p IS NULL THEN
					SELECT x.shipment, x.problem, x.detail INTO sh, p, dt
					  FROM card.batch_shipment(p_term, s, p_shipment[i]) x;
				END IF;
			END IF;
			IF p IS NOT NULL THEN
				e_line := e_line || p_line[i]; e_school := e_school || s;
				e_problem := e_problem || p; e_detail := e_detail || dt;
				CONTINUE;
			END IF;
			BEGIN
				-- separate statements: each is planned when first run (receive's reads the
				-- temporary table only receive batches make)
				IF p_kind = 'ship' THEN
					SELECT to_jsonb(r) INTO res
					  FROM card.ship(p_term, p_docs[i], p_from, s, c, NULL, NULL, NULL, NULL) r;
				ELSIF p_kind = 'receive' THEN
					SELECT to_jsonb(r) || jsonb_build_object('shipment', sh) INTO res
					  FROM pg_temp.receipt_photo x
					       RIGHT JOIN (SELECT i AS ord) o ON x.ord = o.ord,
					       LATERAL card.receive(sh, p_docs[i], p_signer[i], d, c, x.photo, x.width, x.height) r;
				ELSE
					SELECT to_jsonb(r) INTO res
					  FROM card.distribute(p_term, p_docs[i], s, c, d, NULL, NULL, NULL, NULL) r;
				END IF;
				o_line := o_line || p_line[i]; o_school := o_school || s;
				o_doc := o_doc || p_docs[i]; o_res := o_res || res;
			EXCEPTION WHEN SQLSTATE 'CR001' OR SQLSTATE 'CR002' OR SQLSTATE 'CR003'
			            OR SQLSTATE 'CR004' OR SQLSTATE 'CR005' OR data_exception THEN
				GET STACKED DIAGNOSTICS p = MESSAGE_TEXT, dt = PG_EXCEPTION_DETAIL;
				e_line := e_line || p_line[i]; e_school := e_school || s;
				e_problem := e_problem || p; e_detail := e_detail || nullif(dt, '');
			END;
		END LOOP;
		IF n = 0 THEN
			e_line := e_line || 0; e_school := e_school || ''::text;
			e_problem := e_problem || 'the batch has no lines'::text; e_detail := e_detail || NULL::text;
		END IF;
		IF cardinality(e_line) > 0 THEN
			RAISE EXCEPTION 'batch refused' USING ERRCODE = 'CRB01';
		END IF;
	EXCEPTION WHEN SQLSTATE 'CRB01' THEN
		-- every line undone; only the problems are returned
		RETURN QUERY SELECT x.l, x.s, NULL::uuid, NULL::jsonb, x.p, x.d
		  FROM unnest(e_line, e_school, e_problem, e_detail) AS x(l, s, p, d);
		RETURN;
	END;
	RETURN QUERY SELECT x.l, x.s, x.d, x.r, NULL::text, NULL::text
	  FROM unnest(o_line, o_school, o_doc, o_res) AS x(l, s, d, r);
END $$;
REVOKE ALL ON FUNCTION card.school_batch(text, text, text, text, boolean, uuid[], integer[], text[], text[], text[], text[], text[], text[]) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.school_batch(text, text, text, text, boolean, uuid[], integer[], text[], text[], text[], text[], text[], text[]) TO card_city, card_district;

CREATE OR REPLACE FUNCTION card.transit_loss(p_shipment uuid, p_doc uuid, p_reason text)
RETURNS TABLE (shipment uuid, term text, org text, state text, count bigint, first_serial bigint,
               last_serial bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
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
	PERFORM pg_advisory_xact_lock(card.receipt_lock_key(p_shipment));
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
			PERFORM pg_advisory_xact_lock(card.card_lock_key(i));
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
REVOKE ALL ON FUNCTION card.transit_loss(uuid, uuid, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.transit_loss(uuid, uuid, text) TO card_city;
