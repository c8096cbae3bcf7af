-- 0515_distribute_adjusted.sql -- workflow part 2's hook in part 1's distribution rule.
--
-- card.distribute (0410) refuses to hand out more cards than a school's approved census
-- ("not one extra").  After the census, students move: the reconciliation's documents say how
-- many more a school needs: the cards transferred in from another school of its district and
-- the cards the city supplied to it (a school that gives cards away needs no lower limit: it
-- no longer holds them).  The limit becomes
-- census + card.rc_adjusted(term, school); the body is 0410's otherwise unchanged.

-- Cards a school received through the reconciliation (transfers in, supplements).
-- Replacements are not counted: a replacement card replaces one handed out.
CREATE FUNCTION card.rc_adjusted(p_term text, p_org text) RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT (SELECT coalesce(sum(t.count), 0) FROM card.transfer t WHERE t.term = p_term AND t.to_school = p_org)
	     + (SELECT coalesce(sum(s.count), 0) FROM card.supplement s WHERE s.term = p_term AND s.to_org = p_org)
$$;
GRANT EXECUTE ON FUNCTION card.rc_adjusted(text, text) TO card_city, card_district;

CREATE OR REPLACE FUNCTION card.distribute(p_term text, p_doc uuid, p_school text, p_count bigint,
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
