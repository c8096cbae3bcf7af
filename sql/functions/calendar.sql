-- calendar.sql -- the term's calendar: the bureau's day, the deadlines of the steps, the term's
-- status (docs/workflow.md).  The real time of every step is recorded as well (created_at / at
-- columns).
--
-- `cardctl db migrate` loads this file again whenever its text changes: keep every statement
-- safe to run twice (CREATE OR REPLACE; the grants after each function are all it gets).

-- The bureau's day (China Standard Time).  A superuser session can set `card.today`
-- (PGOPTIONS='-c card.today=2026-10-15') to run drills and tests of the calendar; for every
-- other role the setting is ignored.
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
REVOKE ALL ON FUNCTION card.bureau_today() FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.bureau_today() TO card_city, card_district;

-- Where the cards of a term are, per organisation (district NULL: the whole city): planned
-- (district: its plan line; city: the reserve; school: its approved census students and
-- teachers, i.e. what it must hand out), stock, in transit to it, distributed, redeemed (of
-- the cards it holds or handed out), void.
CREATE OR REPLACE FUNCTION card.term_status(p_term text, p_district text)
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
REVOKE ALL ON FUNCTION card.term_status(text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.term_status(text, text) TO card_city, card_district;

-- The deadlines of the term (docs/workflow.md) by the bureau's calendar.
CREATE OR REPLACE FUNCTION card.term_deadlines(p_term text)
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
REVOKE ALL ON FUNCTION card.term_deadlines(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.term_deadlines(text) TO card_city, card_district;

-- What needs attention (district NULL: everywhere): one row per kind of flag with how many
-- and which.
CREATE OR REPLACE FUNCTION card.term_flags(p_term text, p_district text)
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
REVOKE ALL ON FUNCTION card.term_flags(text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.term_flags(text, text) TO card_city, card_district;

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
CREATE OR REPLACE FUNCTION card.rc_date(p text) RETURNS date
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
REVOKE ALL ON FUNCTION card.rc_date(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.rc_date(text) TO card_city, card_district;
