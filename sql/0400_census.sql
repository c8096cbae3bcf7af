-- 0400_census.sql -- the census (Annex 2, 人数统计表) and the issuance plan (workflow part 1).
--
-- A district's census for a term is imported as a draft (re-import replaces the draft
-- atomically), submitted by the district centre (late when after the term's census_due),
-- approved by the district bureau (who and when recorded; approval is the report to the city
-- and counts as the city's acceptance: docs/workflow.md), and may be sent back to draft by the
-- city with card.census_reopen() until the plan is minted.
--
-- The cross-check: per school, the students counted against the textbook order count.  A
-- difference is flagged when it exceeds BOTH threshold_pct percent of the students and
-- threshold_abs cards (defaults 2 % and 5 cards); approval needs an explanation per flagged
-- school.
--
-- The plan: per district, approved students + teachers + staff; the city's reserve is a line
-- for the city organisation.  Minting the plan lays the batch out as one contiguous serial
-- range per district (first_serial, in district code order, the reserve last).

CREATE TABLE card.census (
	term          text NOT NULL REFERENCES card.term (code),
	district      text NOT NULL REFERENCES card.org (code),
	doc           uuid NOT NULL REFERENCES card.document (id),  -- the last import
	state         text NOT NULL DEFAULT 'draft'
	              CHECK (state IN ('draft', 'submitted', 'approved')),
	threshold_pct numeric NOT NULL DEFAULT 2 CHECK (threshold_pct >= 0),
	threshold_abs integer NOT NULL DEFAULT 5 CHECK (threshold_abs >= 0),
	imported_at   timestamptz NOT NULL DEFAULT now(),
	imported_by   text NOT NULL DEFAULT current_user,
	submission    uuid REFERENCES card.document (id),
	submitted_at  timestamptz,
	submitted_by  text,
	late          boolean NOT NULL DEFAULT false,
	approved_at   timestamptz,
	approved_by   text,   -- the database role
	approver      text,   -- the person who signed for the district bureau
	PRIMARY KEY (term, district)
);

CREATE TABLE card.census_line (
	term      text NOT NULL,
	district  text NOT NULL,
	org       text NOT NULL REFERENCES card.org (code),
	category  text NOT NULL CHECK (category IN ('student', 'teacher', 'staff')),
	grade     text NOT NULL DEFAULT '',   -- '' unless category = 'student'
	count     bigint NOT NULL CHECK (count >= 0),
	textbooks bigint CHECK (textbooks >= 0),
	line      integer NOT NULL,           -- the line of the imported file
	PRIMARY KEY (term, org, category, grade),
	FOREIGN KEY (term, district) REFERENCES card.census (term, district) ON DELETE CASCADE
);
CREATE INDEX census_line_district ON card.census_line (term, district);

CREATE TABLE card.census_explain (
	term        text NOT NULL,
	district    text NOT NULL,
	school      text NOT NULL REFERENCES card.org (code),
	explanation text NOT NULL CHECK (length(explanation) BETWEEN 1 AND 500),
	by_role     text NOT NULL DEFAULT current_user,
	at          timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (term, school),
	FOREIGN KEY (term, district) REFERENCES card.census (term, district) ON DELETE CASCADE
);

-- The category words of SPEC §6, in Chinese or English.
CREATE FUNCTION card.census_category(p text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE lower(btrim(p))
		WHEN '学生' THEN 'student' WHEN 'student' THEN 'student'
		WHEN '教师' THEN 'teacher' WHEN 'teacher' THEN 'teacher'
		WHEN '工作人员' THEN 'staff' WHEN 'staff' THEN 'staff'
	END
$$;

-- Import a census file (already parsed into columns by the caller; every cell as text, NULL
-- or '' when empty).  p_district NULL: the file may cover several districts, each district's
-- draft is replaced by its rows.  Every problem is collected with its line number; if there
-- is any, nothing is changed and CR004 is raised with the first in MESSAGE and all in DETAIL.
-- Returns one row per district imported.
CREATE FUNCTION card.census_import(p_term text, p_district text, p_doc uuid, p_line integer[],
                                   p_unit text[], p_cat text[], p_grade text[], p_count text[],
                                   p_textbooks text[], p_pct numeric, p_abs integer)
RETURNS TABLE (district text, lines integer, students bigint, teachers bigint, staff bigint,
               textbooks bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	errs text[] := '{}';
	n integer := coalesce(array_length(p_unit, 1), 0);
	o record;
	u text; c text; g text; cnt bigint; tb bigint; key text;
	seen jsonb := '{}';
	sum_cnt jsonb := '{}'; sum_tb jsonb := '{}';
	tot record;
	d text;
	st text;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM card.term WHERE code = p_term) THEN
		RAISE EXCEPTION 'term "%" does not exist', p_term USING ERRCODE = 'CR002';
	END IF;
	IF p_district IS NOT NULL AND NOT EXISTS
	   (SELECT 1 FROM card.org WHERE code = p_district AND kind = 'district') THEN
		RAISE EXCEPTION 'district "%" does not exist', p_district USING ERRCODE = 'CR002';
	END IF;
	CREATE TEMP TABLE IF NOT EXISTS census_in (
		line integer, org text, district text, category text, grade text, count bigint,
		textbooks bigint) ON COMMIT DROP;
	TRUNCATE census_in;
	CREATE TEMP TABLE IF NOT EXISTS census_tot (
		line integer, category text, count bigint, textbooks bigint) ON COMMIT DROP;
	TRUNCATE census_tot;
	FOR i IN 1 .. n LOOP
		u := btrim(coalesce(p_unit[i], ''));
		g := btrim(coalesce(p_grade[i], ''));
		c := NULL; cnt := NULL; tb := NULL;
		IF btrim(coalesce(p_count[i], '')) !~ '^-?[0-9]{1,15}$' THEN
			errs := errs || format('line %s: count "%s" is not a whole number', p_line[i],
			                       coalesce(p_count[i], ''));
		ELSE
			cnt := btrim(p_count[i])::bigint;
			IF cnt < 0 THEN
				errs := errs || format('line %s: count %s is negative', p_line[i], cnt);
			END IF;
		END IF;
		IF btrim(coalesce(p_textbooks[i], '')) <> '' THEN
			IF btrim(p_textbooks[i]) !~ '^-?[0-9]{1,15}$' THEN
				errs := errs || format('line %s: textbook count "%s" is not a whole number',
				                       p_line[i], p_textbooks[i]);
			ELSE
				tb := btrim(p_textbooks[i])::bigint;
				IF tb < 0 THEN
					errs := errs || format('line %s: textbook count %s is negative', p_line[i], tb);
				END IF;
			END IF;
		END IF;
		IF btrim(coalesce(p_cat[i], '')) <> '' THEN
			c := card.census_category(p_cat[i]);
			IF c IS NULL THEN
				errs := errs || format('line %s: unknown category "%s" (学生/教师/工作人员 or student/teacher/staff)',
				                       p_line[i], p_cat[i]);
				CONTINUE;
			END IF;
		END IF;
		IF lower(u) IN ('合计', '总计', 'total') THEN
			INSERT INTO census_tot VALUES (p_line[i], c, cnt, tb);
			CONTINUE;
		END IF;
		IF u = '' THEN
			errs := errs || format('line %s: the unit code is empty', p_line[i]);
			CONTINUE;
		END IF;
		IF c IS NULL THEN
			errs := errs || format('line %s: the category is empty', p_line[i]);
			CONTINUE;
		END IF;
		SELECT * INTO o FROM card.org WHERE code = u;
		IF NOT FOUND THEN
			errs := errs || format('line %s: unknown %s "%s"', p_line[i],
			                       CASE c WHEN 'staff' THEN 'district' ELSE 'school' END, u);
			CONTINUE;
		END IF;
		IF c = 'staff' AND o.kind <> 'district' THEN
			errs := errs || format('line %s: staff rows name their district, "%s" is a %s', p_line[i], u, o.kind);
			CONTINUE;
		ELSIF c <> 'staff' AND o.kind <> 'school' THEN
			errs := errs || format('line %s: "%s" is a %s, not a school', p_line[i], u, o.kind);
			CONTINUE;
		END IF;
		IF p_district IS NOT NULL AND o.district <> p_district THEN
			errs := errs || format('line %s: school "%s" is outside district "%s"', p_line[i], u, p_district);
			CONTINUE;
		END IF;
		IF c = 'student' AND g = '' THEN
			errs := errs || format('line %s: a student row needs a grade', p_line[i]);
		ELSIF c <> 'student' AND g <> '' THEN
			errs := errs || format('line %s: only student rows have a grade', p_line[i]);
		END IF;
		IF c <> 'student' AND tb IS NOT NULL THEN
			errs := errs || format('line %s: only student rows have a textbook count', p_line[i]);
		END IF;
		key := u || '|' || c || '|' || g;
		IF seen ? key THEN
			errs := errs || format('line %s: duplicate of line %s (%s, %s%s)', p_line[i], seen ->> key,
			                       u, p_cat[i], CASE WHEN g <> '' THEN ', ' || g ELSE '' END);
			CONTINUE;
		END IF;
		seen := seen || jsonb_build_object(key, p_line[i]);
		INSERT INTO census_in VALUES (p_line[i], u, o.district, c, g, cnt, tb);
	END LOOP;
	IF n = 0 OR (NOT EXISTS (SELECT 1 FROM census_in) AND cardinality(errs) = 0) THEN
		errs := errs || 'the file has no census rows'::text;
	END IF;
	-- Total rows: the category's (or, without a category, every row's) sum must match.
	FOR tot IN SELECT * FROM census_tot ORDER BY line LOOP
		SELECT coalesce(sum(i.count), 0) AS c, coalesce(sum(i.textbooks), 0) AS t INTO o
		  FROM census_in i WHERE tot.category IS NULL OR i.category = tot.category;
		IF tot.count IS NOT NULL AND tot.count <> o.c THEN
			errs := errs || format('line %s: the total %s does not add up: the rows sum to %s',
			                       tot.line, tot.count, o.c);
		END IF;
		IF tot.textbooks IS NOT NULL AND tot.textbooks <> o.t THEN
			errs := errs || format('line %s: the textbook total %s does not add up: the rows sum to %s',
			                       tot.line, tot.textbooks, o.t);
		END IF;
	END LOOP;
	-- Only a draft (or nothing yet) can be replaced.
	FOR d, st IN SELECT DISTINCT i.district, c2.state FROM census_in i
	             LEFT JOIN card.census c2 ON c2.term = p_term AND c2.district = i.district
	             WHERE c2.state IS NOT NULL AND c2.state <> 'draft' LOOP
		errs := errs || format('the census of district "%s" is %s; only a draft can be replaced', d, st);
	END LOOP;
	IF cardinality(errs) > 0 THEN
		RAISE EXCEPTION '%', errs[1] USING ERRCODE = 'CR004',
			DETAIL = format('%s problem%s, nothing was imported: %s', cardinality(errs),
			                CASE WHEN cardinality(errs) > 1 THEN 's' ELSE '' END,
			                array_to_string(errs, '; ')),
			HINT = 'Correct the file and import it again.';
	END IF;
	PERFORM card.census_check_access(x.district) FROM (SELECT DISTINCT i.district FROM census_in i) x;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'census', p_term, p_district, 'census import');
	FOR d IN SELECT DISTINCT i.district FROM census_in i ORDER BY 1 LOOP
		INSERT INTO card.census AS c3 (term, district, doc, threshold_pct, threshold_abs)
		VALUES (p_term, d, p_doc, coalesce(p_pct, 2), coalesce(p_abs, 5))
		ON CONFLICT ON CONSTRAINT census_pkey DO UPDATE
		SET doc = EXCLUDED.doc, imported_at = now(), imported_by = current_user,
		    threshold_pct = coalesce(p_pct, c3.threshold_pct),
		    threshold_abs = coalesce(p_abs, c3.threshold_abs);
		DELETE FROM card.census_line l WHERE l.term = p_term AND l.district = d;
		DELETE FROM card.census_explain e WHERE e.term = p_term AND e.district = d;
		INSERT INTO card.census_line (term, district, org, category, grade, count, textbooks, line)
		SELECT p_term, d, i.org, i.category, i.grade, i.count, i.textbooks, i.line
		  FROM census_in i WHERE i.district = d;
	END LOOP;
	RETURN QUERY
	SELECT i.district, count(*)::integer,
	       coalesce(sum(i.count) FILTER (WHERE i.category = 'student'), 0)::bigint,
	       coalesce(sum(i.count) FILTER (WHERE i.category = 'teacher'), 0)::bigint,
	       coalesce(sum(i.count) FILTER (WHERE i.category = 'staff'), 0)::bigint,
	       coalesce(sum(i.textbooks), 0)::bigint
	  FROM census_in i GROUP BY i.district ORDER BY 1;
END $$;

-- Access check hook: district roles may touch only their own districts.  Replaced by the
-- roles migration (0401) once card.my_districts() exists; until then everyone may.
CREATE FUNCTION card.census_check_access(p_district text) RETURNS void
LANGUAGE plpgsql AS $$ BEGIN END $$;

-- The cross-check per school of a district's census: students vs textbook order count.
CREATE FUNCTION card.census_check(p_term text, p_district text)
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

CREATE FUNCTION card.census_get(p_term text, p_district text) RETURNS card.census
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

-- Submit a district's draft.  Late when today is after the term's census due date.
CREATE FUNCTION card.census_submit(p_term text, p_district text, p_doc uuid)
RETURNS TABLE (submitted_at timestamptz, late boolean, due date)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	c card.census := card.census_get(p_term, p_district);
	v_due date;
BEGIN
	IF c.state <> 'draft' THEN
		RAISE EXCEPTION 'the census of district "%" is already %', p_district, c.state
			USING ERRCODE = 'CR003';
	END IF;
	SELECT t.census_due INTO v_due FROM card.term t WHERE t.code = p_term;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'census-submission', p_term, p_district, 'census submission');
	UPDATE card.census SET state = 'submitted', submission = p_doc, submitted_at = now(),
	       submitted_by = current_user, late = current_date > v_due
	 WHERE census.term = p_term AND census.district = p_district;
	RETURN QUERY SELECT now(), current_date > v_due, v_due;
END $$;

-- Approve a submitted census, recording explanations (p_schools[i] = p_texts[i]) first.
-- Refused while a flagged school has no explanation.  Approval is the report to the city.
CREATE FUNCTION card.census_approve(p_term text, p_district text, p_approver text,
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

-- The city sends a census back to draft (before the plan is minted).
CREATE FUNCTION card.census_reopen(p_term text, p_district text) RETURNS void
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

-- The issuance plan.
CREATE TABLE card.plan (
	term            text PRIMARY KEY REFERENCES card.term (code),
	doc             uuid NOT NULL REFERENCES card.document (id),
	reserve_pct     numeric NOT NULL DEFAULT 0 CHECK (reserve_pct >= 0 AND reserve_pct <= 100),
	proceed_without text[] NOT NULL DEFAULT '{}',
	made_at         timestamptz NOT NULL DEFAULT now(),
	made_by         text NOT NULL DEFAULT current_user,
	batch           uuid REFERENCES card.batch (id)  -- set when minted
);

CREATE TABLE card.plan_line (
	term         text NOT NULL REFERENCES card.plan (term) ON DELETE CASCADE,
	org          text NOT NULL REFERENCES card.org (code),  -- a district, or the city (reserve)
	students     bigint NOT NULL DEFAULT 0,
	teachers     bigint NOT NULL DEFAULT 0,
	staff        bigint NOT NULL DEFAULT 0,
	reserve      bigint NOT NULL DEFAULT 0,
	total        bigint NOT NULL CHECK (total >= 0),
	first_serial bigint,  -- the district's range in the plan's batch, once minted
	PRIMARY KEY (term, org)
);

-- Make (or re-make, until minted) the plan of a term from the approved censuses.
CREATE FUNCTION card.plan_make(p_term text, p_doc uuid, p_reserve_pct numeric, p_without text[])
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
