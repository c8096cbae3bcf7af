-- census.sql -- the census (Annex 2, 人数统计表): import, submit, approve, reopen
-- (docs/workflow.md; the tables and the cross-check's rules: sql/migrations/0001_baseline.sql).
--
-- `cardctl db migrate` loads this file again whenever its text changes: keep every statement
-- safe to run twice (CREATE OR REPLACE; the grants after each function are all it gets).

-- The category words of the census file (docs/workflow.md), in Chinese or English.
CREATE OR REPLACE FUNCTION card.census_category(p text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE lower(btrim(p))
		WHEN '学生' THEN 'student' WHEN 'student' THEN 'student'
		WHEN '教师' THEN 'teacher' WHEN 'teacher' THEN 'teacher'
		WHEN '工作人员' THEN 'staff' WHEN 'staff' THEN 'staff'
	END
$$;
REVOKE ALL ON FUNCTION card.census_category(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.census_category(text) TO card_city, card_district;

-- Every problem of a census file, in the order of the file (line 0: the file as a whole), and
-- nothing else: card.census_import refuses the file when there is any, and `cardctl census
-- import` lists them all (one row each, never cut).  It leaves the temporary tables
-- census_raw, census_err and census_ok for card.census_import (dropped at commit).
CREATE OR REPLACE FUNCTION card.census_problems(p_term text, p_district text,
                                                p_line integer[], p_unit text[], p_cat text[],
                                                p_grade text[], p_count text[],
                                                p_textbooks text[])
RETURNS TABLE (line integer, problem text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	n integer := coalesce(array_length(p_unit, 1), 0);
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
	RETURN QUERY SELECT e.line, e.msg FROM census_err e ORDER BY e.ord, e.step;
END $$;
REVOKE ALL ON FUNCTION card.census_problems(text, text, integer[], text[], text[], text[], text[], text[]) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.census_problems(text, text, integer[], text[], text[], text[], text[], text[]) TO card_city, card_district;

CREATE OR REPLACE FUNCTION card.census_import(p_term text, p_district text, p_doc uuid,
                                              p_line integer[], p_unit text[], p_cat text[],
                                              p_grade text[], p_count text[],
                                              p_textbooks text[], p_pct numeric, p_abs integer)
RETURNS TABLE (district text, lines integer, students bigint, teachers bigint, staff bigint,
               textbooks bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	errs text[];
	d text;
	v_doc_district text;
BEGIN
	SELECT array_agg(x.problem ORDER BY x.k) INTO errs
	  FROM card.census_problems(p_term, p_district, p_line, p_unit, p_cat, p_grade, p_count,
	                            p_textbooks) WITH ORDINALITY AS x(line, problem, k);
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
END $$;
REVOKE ALL ON FUNCTION card.census_import(text, text, uuid, integer[], text[], text[], text[], text[], text[], numeric, integer) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.census_import(text, text, uuid, integer[], text[], text[], text[], text[], text[], numeric, integer) TO card_city, card_district;

CREATE OR REPLACE FUNCTION card.census_check_access(p_district text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM card.wf_access(p_district);
END $$;
REVOKE ALL ON FUNCTION card.census_check_access(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.census_check_access(text) TO card_city, card_district;

-- The cross-check per school of a district's census: students vs textbook order count.
CREATE OR REPLACE FUNCTION card.census_check(p_term text, p_district text)
RETURNS TABLE (school text, name text, students bigint, textbooks bigint, diff bigint,
               flagged boolean, explanation text)
LANGUAGE sql STABLE AS $$
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
REVOKE ALL ON FUNCTION card.census_check(text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.census_check(text, text) TO card_city, card_district;

CREATE OR REPLACE FUNCTION card.census_get(p_term text, p_district text) RETURNS card.census
LANGUAGE plpgsql AS $$
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
REVOKE ALL ON FUNCTION card.census_get(text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.census_get(text, text) TO card_city, card_district;

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
	SELECT card.step_due(t, 'census') INTO v_due FROM card.term t WHERE t.code = p_term;
	v_late := card.bureau_today() > v_due;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'census-submission', p_term, p_district, 'census submission');
	UPDATE card.census SET state = 'submitted', submission = p_doc, submitted_at = now(),
	       submitted_by = current_user, late = v_late
	 WHERE census.term = p_term AND census.district = p_district;
	RETURN QUERY SELECT now(), v_late, v_due;
END $$;
REVOKE ALL ON FUNCTION card.census_submit(text, text, uuid) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.census_submit(text, text, uuid) TO card_city, card_district;

-- Approve a submitted census, recording explanations (p_schools[i] = p_texts[i]) first.
-- Refused while a flagged school has no explanation.  Approval is the report to the city.
CREATE OR REPLACE FUNCTION card.census_approve(p_term text, p_district text, p_approver text,
                                    p_schools text[], p_texts text[], p_pct numeric,
                                    p_abs integer)
RETURNS timestamptz
LANGUAGE plpgsql AS $$
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
REVOKE ALL ON FUNCTION card.census_approve(text, text, text, text[], text[], numeric, integer) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.census_approve(text, text, text, text[], text[], numeric, integer) TO card_city, card_district;

-- The city sends a census back to draft (before the plan is minted).
CREATE OR REPLACE FUNCTION card.census_reopen(p_term text, p_district text) RETURNS void
LANGUAGE plpgsql AS $$
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
REVOKE ALL ON FUNCTION card.census_reopen(text, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.census_reopen(text, text) TO card_city;
