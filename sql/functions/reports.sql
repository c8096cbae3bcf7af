-- reports.sql -- the figures of the final forms (docs/workflow.md).
--
--   card.report_annex4(term, district)   Annex 4 (余缺调剂表): per school its approved surplus,
--                                        shortage and reason; per district the city's orders
--                                        and what was returned, supplied and charged.
--   card.report_annex5(term, district)   Annex 5 (发放汇总表): per district and school planned,
--                                        shipped, received (signer, date), distributed,
--                                        returned, supplemented, replaced, charged.
--   card.report_coverage(term, district) 普及率: per district and school handed out, redeemed,
--                                        rate, unredeemed; per district the timeliness of its
--                                        census, receipts and adjustment report.
--   card.report_finance(term)            the city's term summary for the finance office.
-- All read-only; row-level security applies (a district sees its own rows).
--
-- `cardctl db migrate` loads this file again whenever its text changes: keep every statement
-- safe to run twice (CREATE OR REPLACE; the grants after each function are all it gets).

-- Per organisation of the term: the figures every form uses.
CREATE OR REPLACE FUNCTION card.report_figures(p_term text)
RETURNS TABLE (org text, name text, kind text, district text, planned bigint, shipped bigint,
               received bigint, signer text, signed_on date, receipts bigint, receipts_late bigint,
               stock bigint, transit bigint, distributed bigint, void bigint, redeemed bigint,
               transfer_in bigint, transfer_out bigint, returned bigint, supplied bigint,
               replaced bigint, replaced_late bigint)
LANGUAGE sql STABLE AS $$
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
REVOKE ALL ON FUNCTION card.report_figures(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.report_figures(text) TO card_city, card_district;

CREATE OR REPLACE FUNCTION card.report_annex4(p_term text, p_district text)
RETURNS TABLE (district text, district_name text, school text, school_name text, surplus bigint,
               shortage bigint, reason text, return_ordered bigint, returned bigint,
               supplement_ordered bigint, supplied bigint, not_returned bigint, charge_fen bigint,
               report_state text, late boolean, approver text, report_doc uuid)
LANGUAGE sql STABLE AS $$
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
REVOKE ALL ON FUNCTION card.report_annex4(text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.report_annex4(text, text) TO card_city, card_district;

-- The district's own line of Annex 5 and coverage, per district: its name on the forms and the
-- approved census of its own staff.
CREATE OR REPLACE FUNCTION card.report_staff(p_term text)
RETURNS TABLE (org text, name text, n bigint)
LANGUAGE sql STABLE AS $$
	SELECT d.code, '区直（工作人员）',
	       (SELECT coalesce(sum(l.count), 0) FROM card.census_line l
	        JOIN card.census c ON c.term = l.term AND c.district = l.district AND c.state = 'approved'
	        WHERE l.term = p_term AND l.org = d.code AND l.category = 'staff')::bigint
	FROM card.org d WHERE d.kind = 'district'
$$;
REVOKE ALL ON FUNCTION card.report_staff(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.report_staff(text) TO card_city, card_district;

-- Annex 5: one row per school, the district's own line (区直（工作人员）, org = the district:
-- its staff's census, what came to the district and was not passed on to its schools, its
-- staff's cards, its depot's stock), then the district's subtotal (小计), whose planned, shipped,
-- received, distributed, returned, supplied and replaced are the sums of the rows above it.
-- transfer is signed: cards received from other schools minus cards given to them.  Every
-- school row balances: received + transfer + supplied - returned = distributed + on_hand (a
-- replacement brings one good card and keeps the void one).  The grand total (合计) is the
-- client's sum of the subtotals.
CREATE OR REPLACE FUNCTION card.report_annex5(p_term text, p_district text)
RETURNS TABLE (district text, district_name text, school text, school_name text, planned bigint,
               shipped bigint, received bigint, signer text, signed_on date, transfer bigint,
               distributed bigint, on_hand bigint, returned bigint, supplied bigint,
               replaced bigint, charged bigint, charge_fen bigint)
LANGUAGE sql STABLE AS $$
	WITH f AS (SELECT * FROM card.report_figures(p_term)),
	-- per district: shipments from the city (to the district and by courier to its schools),
	-- and from the district to its schools
	sh AS (
		SELECT s.district,
		       sum(s.count) FILTER (WHERE fo.kind = 'city')::bigint AS city_shipped,
		       coalesce(sum(r.received) FILTER (WHERE fo.kind = 'city'), 0)::bigint AS city_received,
		       sum(s.count) FILTER (WHERE fo.kind = 'city' AND s.to_org = s.district)::bigint AS to_depot,
		       coalesce(sum(r.received) FILTER (WHERE fo.kind = 'city' AND s.to_org = s.district), 0)::bigint AS depot_received,
		       sum(s.count) FILTER (WHERE s.from_org = s.district)::bigint AS passed_on,
		       coalesce(sum(r.received) FILTER (WHERE s.from_org = s.district), 0)::bigint AS passed_on_received
		FROM card.shipment s JOIN card.org fo ON fo.code = s.from_org
		LEFT JOIN card.receipt r ON r.shipment = s.id
		WHERE s.term = p_term GROUP BY 1
	)
	SELECT u.* FROM (
		SELECT f.district, d.name AS district_name, f.org AS school, f.name AS school_name,
		       f.planned, f.shipped, f.received, f.signer, f.signed_on,
		       f.transfer_in - f.transfer_out AS transfer, f.distributed, f.stock AS on_hand,
		       f.returned, f.supplied, f.replaced, NULL::bigint AS charged,
		       NULL::bigint AS charge_fen
		FROM f JOIN card.org d ON d.code = f.district
		WHERE f.kind = 'school' AND (p_district IS NULL OR f.district = p_district)
		UNION ALL
		SELECT d.code, d.name, d.code, staff.name, staff.n,
		       coalesce(sh.to_depot, 0) - coalesce(sh.passed_on, 0),
		       coalesce(sh.depot_received, 0) - coalesce(sh.passed_on_received, 0),
		       dl.signer, dl.signed_on, dl.transfer_in - dl.transfer_out, dl.distributed, dl.stock,
		       dl.returned, dl.supplied, dl.replaced, NULL::bigint, NULL::bigint
		FROM card.org d
		JOIN f dl ON dl.org = d.code
		LEFT JOIN sh ON sh.district = d.code
		JOIN card.report_staff(p_term) staff ON staff.org = d.code
		WHERE d.kind = 'district' AND (p_district IS NULL OR d.code = p_district)
		UNION ALL
		SELECT d.code, d.name, NULL, '小计', dl.planned,
		       coalesce(sh.city_shipped, 0), coalesce(sh.city_received, 0),
		       dl.signer, dl.signed_on,
		       (SELECT sum(x.transfer_in - x.transfer_out) FROM f x WHERE x.district = d.code)::bigint,
		       (SELECT sum(x.distributed) FROM f x WHERE x.district = d.code)::bigint,
		       (SELECT sum(x.stock) FROM f x WHERE x.district = d.code)::bigint,
		       (SELECT sum(x.returned) FROM f x WHERE x.district = d.code)::bigint,
		       (SELECT sum(x.supplied) FROM f x WHERE x.district = d.code)::bigint,
		       (SELECT sum(x.replaced) FROM f x WHERE x.district = d.code)::bigint,
		       coalesce(c.count, 0), coalesce(c.amount_fen, 0)
		FROM card.org d
		JOIN f dl ON dl.org = d.code
		LEFT JOIN sh ON sh.district = d.code
		LEFT JOIN card.charge c ON c.term = p_term AND c.district = d.code
		WHERE d.kind = 'district' AND (p_district IS NULL OR d.code = p_district)
	) u
	-- per district: its schools, its own line, its subtotal
	ORDER BY u.district, u.school IS NULL, u.school = u.district, u.school
$$;
REVOKE ALL ON FUNCTION card.report_annex5(text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.report_annex5(text, text) TO card_city, card_district;

-- Annex 6, the acceptance certificate of a district: what does not match and the verdict
-- (验收意见), decided here and only printed by the clients.  missing: cards shipped to the
-- district but not on its receipts (lost in transit); not_returned: surplus it was to return and
-- did not, charged at face value (charge_fen); supplement_short: supplement cards the city
-- ordered for the district and did not deliver (the city was short).  Only a district where
-- every figure matches is 账实相符.
CREATE OR REPLACE FUNCTION card.report_annex6(p_term text, p_district text)
RETURNS TABLE (district text, missing bigint, not_returned bigint, charge_fen bigint, verdict text)
LANGUAGE sql STABLE AS $$
	WITH a5 AS (SELECT * FROM card.report_annex5(p_term, p_district) x WHERE x.school IS NULL LIMIT 1),
	a4 AS (SELECT * FROM card.report_annex4(p_term, p_district) x WHERE x.school IS NULL LIMIT 1),
	f AS (
		SELECT a5.district, coalesce(a5.shipped, 0) - coalesce(a5.received, 0) AS missing,
		       coalesce(a4.not_returned, 0) AS not_returned, coalesce(a5.charge_fen, 0) AS charge_fen,
		       coalesce(a4.supplement_ordered, 0) AS sup_ordered, coalesce(a4.supplied, 0) AS sup_got
		  FROM a5 JOIN a4 ON a4.district = a5.district
	)
	SELECT f.district, f.missing, f.not_returned, f.charge_fen,
	       CASE WHEN f.missing > 0 THEN format('签收比发出少 %s 张（途中短少，见签收回执），', f.missing)
	            ELSE '' END
	       || CASE WHEN f.sup_got < f.sup_ordered
	               THEN format('补充卡应到%s张，实到%s张，短缺%s张（市级库存不足，未补足），',
	                           f.sup_ordered, f.sup_got, f.sup_ordered - f.sup_got)
	               ELSE '' END
	       || CASE WHEN f.not_returned > 0
	               THEN format('未退回 %s 张，按面值扣款 %s 元后，同意验收。', f.not_returned,
	                           to_char(f.charge_fen / 100.0, 'FM999999999990.00'))
	               WHEN f.missing > 0 OR f.sup_got < f.sup_ordered
	               THEN '其余发放数量与签收回执一致，同意验收。'
	               ELSE '发放数量与签收回执一致，账实相符，同意验收。' END
	  FROM f
$$;
REVOKE ALL ON FUNCTION card.report_annex6(text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.report_annex6(text, text) TO card_city, card_district;

-- Coverage: handed out (distributed, replacements included), redeemed, rate, unredeemed.  Per
-- district: its row (kind district, the district's figures: the sum of the rows below it), its
-- schools, its own line (kind staff, 区直（工作人员）: its staff's census and cards); for the
-- whole city (no --district) a last row, kind city, named 合计.  The district rows carry the
-- timeliness of its steps: 按时 (on time), 逾期 (late), 未报 (not filed), 'n/m 逾期' (receipts:
-- n of m late), 'n/m 未签收' (n of m shipments not received), 未审批.
CREATE OR REPLACE FUNCTION card.report_coverage(p_term text, p_district text)
RETURNS TABLE (district text, district_name text, org text, name text, kind text,
               planned bigint, distributed bigint, redeemed bigint, rate numeric,
               unredeemed bigint, census text, receipts text, adjustment text, final_report text)
LANGUAGE sql STABLE AS $$
	WITH f AS (SELECT * FROM card.report_figures(p_term)),
	t AS (SELECT * FROM card.term WHERE code = p_term),
	drows AS (
		SELECT d.code AS district, d.code AS org, d.name, 'district'::text AS kind, dl.planned,
		       (SELECT sum(x.distributed) FROM f x WHERE x.district = d.code) AS distributed,
		       (SELECT sum(x.redeemed) FROM f x WHERE x.district = d.code) AS redeemed
		FROM card.org d JOIN f dl ON dl.org = d.code WHERE d.kind = 'district'
	),
	rows AS (
		SELECT f.district, f.org, f.name, f.kind, f.planned, f.distributed::numeric, f.redeemed::numeric
		FROM f WHERE f.kind = 'school'
		UNION ALL
		SELECT f.district, f.org, staff.name, 'staff', staff.n, f.distributed, f.redeemed
		FROM f JOIN card.report_staff(p_term) staff ON staff.org = f.org
		UNION ALL
		SELECT * FROM drows
		UNION ALL
		SELECT NULL, c.code, '合计', 'city', (SELECT sum(x.planned) FROM drows x)::bigint,
		       (SELECT sum(x.distributed) FROM drows x), (SELECT sum(x.redeemed) FROM drows x)
		FROM card.org c WHERE c.kind = 'city' AND p_district IS NULL
	)
	SELECT r.district, d.name, r.org, r.name, r.kind, r.planned, r.distributed::bigint,
	       r.redeemed::bigint,
	       CASE WHEN r.distributed > 0 THEN round(100.0 * r.redeemed / r.distributed, 1) END,
	       (r.distributed - r.redeemed)::bigint,
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
	FROM rows r LEFT JOIN card.org d ON d.code = r.district
	WHERE p_district IS NULL OR r.district = p_district
	ORDER BY r.district NULLS LAST, array_position(ARRAY['district', 'school', 'staff'], r.kind), r.org
$$;
REVOKE ALL ON FUNCTION card.report_coverage(text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.report_coverage(text, text) TO card_city, card_district;

-- File a district's final report once: signing again with the same name returns the first
-- filing (created false); another name is refused (CR005) naming the first signer and date.
CREATE OR REPLACE FUNCTION card.final_report_file(p_term text, p_district text, p_doc uuid, p_signer text)
RETURNS TABLE (doc uuid, filed_on date, late boolean, created boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	t card.term := card.rc_term(p_term);
	x card.final_report;
BEGIN
	PERFORM card.rc_org(p_district, 'district');
	PERFORM card.rc_access(p_district);
	SELECT * INTO x FROM card.final_report f WHERE f.term = p_term AND f.district = p_district;
	IF FOUND AND btrim(coalesce(p_signer, '')) <> x.signer THEN
		RAISE EXCEPTION 'the final report of district "%" was signed by % on %', p_district, x.signer, x.filed_on
			USING ERRCODE = 'CR005',
			DETAIL = format('It is document %s; a final report is signed once and stays as signed.', x.doc),
			HINT = 'Print the form without --sign to see it.';
	END IF;
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
	VALUES (p_term, p_district, p_doc, btrim(p_signer), card.bureau_today(), card.bureau_today() > card.step_due(t, 'final-report'));
	RETURN QUERY SELECT p_doc, card.bureau_today(), card.bureau_today() > card.step_due(t, 'final-report'), true;
END $$;
REVOKE ALL ON FUNCTION card.final_report_file(text, text, uuid, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.final_report_file(text, text, uuid, text) TO card_city, card_district;

-- The city's term summary, one row per district and a last row for the city (the reserve and
-- the whole term).
CREATE OR REPLACE FUNCTION card.report_finance(p_term text)
RETURNS TABLE (org text, name text, planned bigint, produced bigint, shipped bigint,
               distributed bigint, redeemed bigint, void bigint, returned bigint, supplied bigint,
               charged bigint, charge_fen bigint, face_value_fen integer)
LANGUAGE sql STABLE AS $$
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
REVOKE ALL ON FUNCTION card.report_finance(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.report_finance(text) TO card_city;
