-- calendar.sql -- the term's calendar: the bureau's day, the deadlines of the steps, the term's
-- status (docs/workflow.md).  Every deadline of the workflow is computed by card.step_due from
-- the rules of card.calendar_rules, and nowhere else; cardctl asks these functions (cardctl
-- term show, cardctl status) rather than computing dates itself.  The real time of every step
-- is recorded as well (created_at / at columns).
--
-- `cardctl db migrate` loads this file again whenever its text changes: keep every statement
-- safe to run twice (CREATE OR REPLACE; the grants after each function are all it gets).

-- The bureau's day: the drill day when the database has one (card.drill_day, which only the
-- database owner sets: `cardctl db today --set DATE`), else today in China Standard Time by
-- the server's clock.  No session setting changes it.
CREATE OR REPLACE FUNCTION card.bureau_today() RETURNS date
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT coalesce((SELECT d.today FROM card.drill_day d),
	                (now() AT TIME ZONE 'Asia/Shanghai')::date)
$$;
REVOKE ALL ON FUNCTION card.bureau_today() FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.bureau_today() TO card_city, card_district, card_daemon;

-- The steps of the term that have a deadline, and the rule of each: due `days` after its base
-- (the term's start S, its census due date, or, for a replacement, the school's request).
-- These names are the ones cardctl, the forms and docs/workflow.md use.  Cards are handed out
-- by S+7 (distribution), except the supplement cards: the city supplies them after its
-- settlement (S+20), so a school hands them out by the close (supplement-distribution).
CREATE OR REPLACE FUNCTION card.calendar_rules()
RETURNS TABLE (n integer, step text, zh text, who text, base text, days integer)
LANGUAGE sql IMMUTABLE AS $$
	VALUES (1, 'census', '人数统计', 'district', 'census_due', 0),
	       (2, 'delivery', '配送到区/校', 'city', 'start', -7),
	       (3, 'distribution', '发放到师生', 'school', 'start', 7),
	       (4, 'self-adjustment', '区内调剂', 'district', 'start', 0),  -- delivery (S-7) + 7
	       (5, 'adjustment-report', '余缺调剂上报', 'district', 'start', 14),
	       (6, 'city-adjustment', '全市调剂', 'city', 'start', 20),
	       (7, 'supplement-distribution', '补发到师生', 'school', 'start', 30),
	       (8, 'close', '调剂结束', 'city', 'start', 30),
	       (9, 'final-report', '汇总上报', 'district', 'start', 30),
	       (10, 'replacement', '换卡', 'district', 'request', 7)
$$;
REVOKE ALL ON FUNCTION card.calendar_rules() FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.calendar_rules() TO card_city, card_district;

-- The due date of a step of term t: the only place a deadline is computed.  p_from is the
-- base of a step whose base is not the term's (a replacement: the day of the request).
CREATE OR REPLACE FUNCTION card.step_due(t card.term, p_step text, p_from date DEFAULT NULL)
RETURNS date
LANGUAGE plpgsql STABLE AS $$
DECLARE
	r record;
BEGIN
	SELECT * INTO r FROM card.calendar_rules() c WHERE c.step = p_step;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no step "%" in the calendar', p_step USING ERRCODE = 'CR004';
	END IF;
	RETURN CASE r.base WHEN 'census_due' THEN t.census_due WHEN 'start' THEN t.start_date
	                   ELSE p_from END + r.days;
END $$;
REVOKE ALL ON FUNCTION card.step_due(card.term, text, date) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.step_due(card.term, text, date) TO card_city, card_district;

-- A new term (`cardctl term new`): its census due date, or NULL when the term exists already.
-- Without p_census_due the census is due on January 15 (spring) or June 25 (autumn) of the
-- term's year (the code is YEAR-spring or YEAR-autumn); it must be due by the delivery deadline.
CREATE OR REPLACE FUNCTION card.term_new(p_code text, p_start date, p_census_due date,
                                         p_face_value_fen integer) RETURNS date
LANGUAGE plpgsql AS $$
DECLARE
	t card.term;
	v_delivery date;
	v_year integer := substring(p_code FROM '^([0-9]{4})-')::integer;
BEGIN
	IF v_year IS NULL OR p_code !~ '^[0-9]{4}-(spring|autumn)$' THEN
		RAISE EXCEPTION 'invalid term "%"', p_code USING ERRCODE = 'CR004',
			HINT = 'A term is YEAR-spring or YEAR-autumn, e.g. 2026-autumn.';
	END IF;
	t.code := p_code;
	t.start_date := p_start;
	t.census_due := coalesce(p_census_due, CASE WHEN p_code LIKE '%-autumn' THEN make_date(v_year, 6, 25)
	                                            ELSE make_date(v_year, 1, 15) END);
	v_delivery := card.step_due(t, 'delivery');
	IF t.census_due > v_delivery THEN
		RAISE EXCEPTION 'census due % is after the delivery deadline %', t.census_due, v_delivery
			USING ERRCODE = 'CR004',
			DETAIL = 'Cards are delivered before the term starts (cardctl term show); the census must be done before that.';
	END IF;
	INSERT INTO card.term (code, start_date, census_due, face_value_fen)
	VALUES (p_code, p_start, t.census_due, p_face_value_fen) ON CONFLICT (code) DO NOTHING;
	RETURN CASE WHEN FOUND THEN t.census_due END;
END $$;
REVOKE ALL ON FUNCTION card.term_new(text, date, date, integer) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.term_new(text, date, date, integer) TO card_city;

-- The calendar of a term (`cardctl term show`): every step with its rule and, when it has one,
-- its date and how many days after S that is.
CREATE OR REPLACE FUNCTION card.term_calendar(p_term text)
RETURNS TABLE (step text, zh text, who text, base text, days integer, due date, offset_days integer)
LANGUAGE sql STABLE AS $$
	SELECT c.step, c.zh, c.who, c.base, c.days, d.due, d.due - t.start_date
	  FROM card.term t, card.calendar_rules() c,
	       LATERAL (SELECT CASE WHEN c.base <> 'request' THEN card.step_due(t, c.step) END AS due) d
	 WHERE t.code = p_term ORDER BY c.n
$$;
REVOKE ALL ON FUNCTION card.term_calendar(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.term_calendar(text) TO card_city, card_district;

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
	  FROM card.term t, card.calendar_rules() c,
	       LATERAL (SELECT c.n, c.step, c.zh, card.step_due(t, c.step) AS due) x
	 WHERE t.code = p_term AND c.base <> 'request' ORDER BY x.n
$$;
REVOKE ALL ON FUNCTION card.term_deadlines(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.term_deadlines(text) TO card_city, card_district;

-- A school is short (short_after_due) when the cards it handed out, the cards it holds and
-- the surplus it passed on are fewer than it needs: its approved census (students and
-- teachers) plus what the reconciliation says it needs more.  A school with a surplus is
-- never short, however few it handed out.  Per school of term p_term that has any:
--   gave        the cards it passed on as surplus: transferred to another school, returned
--               to the city;
--   needs_more  the cards transferred to it before its district's approved Annex 4 was filed
--               (all of them while there is none: students who came after the census), plus
--               the shortage that report declares for it (what it still lacked then).
CREATE OR REPLACE FUNCTION card.school_adjustments(p_term text)
RETURNS TABLE (school text, gave bigint, needs_more bigint)
LANGUAGE sql STABLE AS $$
	WITH rep AS (
		SELECT l.school, l.shortage, r.filed_at
		  FROM card.adjust_line l
		  JOIN card.adjust_report r ON r.term = l.term AND r.district = l.district AND r.state = 'approved'
		 WHERE l.term = p_term
	), tin AS (
		SELECT t.to_school AS school, sum(t.count) AS n
		  FROM card.transfer t LEFT JOIN rep ON rep.school = t.to_school
		 WHERE t.term = p_term AND (rep.filed_at IS NULL OR t.at <= rep.filed_at)
		 GROUP BY 1
	), gone AS (
		SELECT t.from_school AS school, t.count AS n FROM card.transfer t WHERE t.term = p_term
		UNION ALL
		SELECT r.from_org, r.count FROM card.card_return r WHERE r.term = p_term
	), gave AS (
		SELECT g.school, sum(g.n) AS n FROM gone g GROUP BY 1
	)
	SELECT x.school, coalesce(gave.n, 0)::bigint, (coalesce(tin.n, 0) + coalesce(rep.shortage, 0))::bigint
	  FROM (SELECT rep.school FROM rep UNION SELECT tin.school FROM tin UNION SELECT gave.school FROM gave) x
	  LEFT JOIN rep ON rep.school = x.school
	  LEFT JOIN tin ON tin.school = x.school
	  LEFT JOIN gave ON gave.school = x.school
$$;
REVOKE ALL ON FUNCTION card.school_adjustments(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.school_adjustments(text) TO card_city, card_district;

-- What needs attention (district NULL: everywhere): one row per kind of flag with how many
-- and which.
CREATE OR REPLACE FUNCTION card.term_flags(p_term text, p_district text)
RETURNS TABLE (flag text, count bigint, which text)
LANGUAGE sql STABLE AS $$
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
	  FROM card.term_status(p_term, p_district) s
	  LEFT JOIN card.school_adjustments(p_term) a ON a.school = s.org
	 WHERE s.kind = 'school'
	   AND card.bureau_today() > card.step_due((SELECT x FROM card.term x WHERE x.code = p_term), 'distribution')
	   AND s.distributed + s.stock + coalesce(a.gave, 0) < coalesce(s.planned, 0) + coalesce(a.needs_more, 0)
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
