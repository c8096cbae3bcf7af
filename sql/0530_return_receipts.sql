-- 0530_return_receipts.sql -- workflow part 2: returns and supplements carry their receipt as
-- part 1's receipts do (sql/0410_delivery.sql, card.receive): the signer, the date signed
-- and the photo of the signed, stamped paper, stored with its SHA-256.  No return or
-- supplement without the photo: JPEG, PNG or PDF by its magic bytes (card.photo_type, 0410),
-- at most 10 MiB (CARD_PHOTO_MAX; libcard checks the file first with the same rules).
--
-- card.return_cards and card.supplement (0500_reconcile.sql) are redefined with the date and
-- the photo; their security, search_path and grants are those of 0510_replace_charge.sql.
-- Rows recorded before this migration keep a NULL photo (the CHECK allows only all or none).

ALTER TABLE card.card_return
	ADD COLUMN photo bytea,
	ADD COLUMN photo_type text CHECK (photo_type IN ('image/jpeg', 'image/png', 'application/pdf')),
	ADD COLUMN photo_sha256 bytea,
	ADD CONSTRAINT card_return_photo_all_or_none
		CHECK ((photo IS NULL) = (photo_type IS NULL) AND (photo IS NULL) = (photo_sha256 IS NULL));
ALTER TABLE card.supplement
	ADD COLUMN photo bytea,
	ADD COLUMN photo_type text CHECK (photo_type IN ('image/jpeg', 'image/png', 'application/pdf')),
	ADD COLUMN photo_sha256 bytea,
	ADD CONSTRAINT supplement_photo_all_or_none
		CHECK ((photo IS NULL) = (photo_type IS NULL) AND (photo IS NULL) = (photo_sha256 IS NULL));

-- The checks card.receive makes of a receipt (0410, same messages): the signer's name, the
-- photo (present, at most 10 MiB, a JPEG, PNG or PDF by content), and the date (given, not
-- after today; not before p_earliest when that is not NULL).  Returns the photo's type.
CREATE FUNCTION card.receipt_check(p_signer text, p_date date, p_photo bytea, p_earliest date)
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
	IF p_date IS NULL OR p_date > card.bureau_today() OR p_date < p_earliest THEN
		RAISE EXCEPTION 'the receipt date % is not between % and today', p_date,
			coalesce(p_earliest::text, 'the start') USING ERRCODE = 'CR004';
	END IF;
	RETURN v_type;
END $$;

DROP FUNCTION card.return_cards(text, uuid, text, text, bigint, int8range, text);
DROP FUNCTION card.supplement(text, uuid, text, bigint, text);

-- A district (p_from NULL: its depot; or one of its schools) returns p_count cards or exactly
-- p_serials from stock to the city's stock; p_signer signed the city's receipt on p_date,
-- p_photo is its photo.
CREATE FUNCTION card.return_cards(p_term text, p_doc uuid, p_district text, p_from text,
                                  p_count bigint, p_serials int8range, p_signer text,
                                  p_date date, p_photo bytea)
RETURNS TABLE (ranges text, count bigint, ordered bigint, returned bigint, sha256 text)
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

-- Supply p_count cards from city stock to p_to as the settlement ordered; p_signer signed the
-- receipt at the destination on p_date, p_photo is its photo.
CREATE FUNCTION card.supplement(p_term text, p_doc uuid, p_to text, p_count bigint, p_signer text,
                                p_date date, p_photo bytea)
RETURNS TABLE (ranges text, count bigint, ordered bigint, supplied bigint, sha256 text)
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

-- Security and grants as 0510_replace_charge.sql gave the old signatures.
ALTER FUNCTION card.return_cards(text, uuid, text, text, bigint, int8range, text, date, bytea)
	SECURITY DEFINER SET search_path = pg_catalog, card;
REVOKE EXECUTE ON FUNCTION card.return_cards(text, uuid, text, text, bigint, int8range, text, date, bytea),
	card.supplement(text, uuid, text, bigint, text, date, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION card.return_cards(text, uuid, text, text, bigint, int8range, text, date, bytea),
	card.receipt_check(text, date, bytea, date), card.photo_type(bytea) TO card_city, card_district;
GRANT EXECUTE ON FUNCTION card.supplement(text, uuid, text, bigint, text, date, bytea) TO card_city;
