-- org.sql -- organisations import, batch minting (docs/hacking.md).
--
-- card.org_import() takes a whole organisations file as parallel arrays (one element per
-- row, with its line number) and applies it in one statement: every rule is checked first,
-- and the first violation is raised as 'line N: ...' with SQLSTATE CR004 (bad input), CR001
-- (a rule refuses the change) or CR005 (a second city centre), so nothing is changed.
--
-- card.batch_mint() allocates the next serial range from card.serial_counter (the row lock
-- serialises concurrent mints, so their ranges never overlap) and records the batch document,
-- the batch, the city's stock holding and the 'mint' ledger entry, all in one statement.
--
-- `cardctl db migrate` loads this file again whenever its text changes: keep every statement
-- safe to run twice (CREATE OR REPLACE; the grants after each function are all it gets).

-- 市/区/校 or city/district/school (any case) to the stored kind; NULL when unknown.
CREATE OR REPLACE FUNCTION card.org_kind(p text) RETURNS text
	IMMUTABLE LANGUAGE sql AS $$
	SELECT CASE lower(btrim(p))
		WHEN 'city' THEN 'city' WHEN '市' THEN 'city'
		WHEN 'district' THEN 'district' WHEN '区' THEN 'district'
		WHEN 'school' THEN 'school' WHEN '校' THEN 'school'
	END
$$;
REVOKE ALL ON FUNCTION card.org_kind(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.org_kind(text) TO card_city;

-- Has anything ever been held by or moved through this organisation?
CREATE OR REPLACE FUNCTION card.org_has_cards(p_code text) RETURNS boolean
	STABLE LANGUAGE sql AS $$
	SELECT EXISTS (SELECT 1 FROM card.holding WHERE org = p_code)
	    OR EXISTS (SELECT 1 FROM card.ledger WHERE to_org = p_code OR from_org = p_code)
$$;
REVOKE ALL ON FUNCTION card.org_has_cards(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.org_has_cards(text) TO card_city;

CREATE OR REPLACE FUNCTION card.org_import(p_line integer[], p_code text[], p_name text[], p_kind text[],
                                p_parent text[], p_address text[], p_contact text[], p_phone text[],
                                OUT inserted integer, OUT updated integer, OUT unchanged integer)
	LANGUAGE plpgsql AS $$
DECLARE
	n integer := coalesce(array_length(p_code, 1), 0);
	r record;
BEGIN
	IF coalesce(array_length(p_line, 1), 0) <> n OR coalesce(array_length(p_name, 1), 0) <> n
	   OR coalesce(array_length(p_kind, 1), 0) <> n OR coalesce(array_length(p_parent, 1), 0) <> n
	   OR (p_address IS NOT NULL AND coalesce(array_length(p_address, 1), 0) <> n)
	   OR (p_contact IS NOT NULL AND coalesce(array_length(p_contact, 1), 0) <> n)
	   OR (p_phone IS NOT NULL AND coalesce(array_length(p_phone, 1), 0) <> n) THEN
		RAISE EXCEPTION 'org_import: arrays of different lengths' USING ERRCODE = 'CR004';
	END IF;
	-- One import at a time; readers are not blocked.
	LOCK TABLE card.org IN SHARE ROW EXCLUSIVE MODE;

	IF to_regclass('pg_temp.org_in') IS NOT NULL THEN
		DROP TABLE pg_temp.org_in;
	END IF;
	CREATE TEMP TABLE org_in ON COMMIT DROP AS
	SELECT u.line, btrim(u.code) AS code, btrim(u.name) AS name, btrim(u.kind) AS kind_text,
	       card.org_kind(u.kind) AS kind, nullif(btrim(u.parent), '') AS parent,
	       nullif(btrim(u.address), '') AS address, nullif(btrim(u.contact), '') AS contact,
	       nullif(btrim(u.phone), '') AS phone, NULL::text AS parent_kind, NULL::text AS district
	FROM unnest(p_line, p_code, p_name, p_kind, p_parent,
	            coalesce(p_address, array_fill(NULL::text, ARRAY[n])),
	            coalesce(p_contact, array_fill(NULL::text, ARRAY[n])),
	            coalesce(p_phone, array_fill(NULL::text, ARRAY[n])))
	     AS u(line, code, name, kind, parent, address, contact, phone);
	CREATE INDEX ON pg_temp.org_in (code);

	-- Each field on its own.
	FOR r IN SELECT * FROM pg_temp.org_in ORDER BY line LOOP
		IF r.code IS NULL OR r.code !~ '^[A-Za-z0-9_.-]{1,32}$' THEN
			RAISE EXCEPTION 'line %: invalid organisation code "%"', r.line, coalesce(r.code, '')
				USING ERRCODE = 'CR004',
				      DETAIL = 'A code is 1 to 32 letters, digits, ".", "_" or "-".';
		ELSIF r.name IS NULL OR length(r.name) NOT BETWEEN 1 AND 200 THEN
			RAISE EXCEPTION 'line %: the name of "%" must be 1 to 200 characters', r.line, r.code
				USING ERRCODE = 'CR004';
		ELSIF r.kind IS NULL THEN
			RAISE EXCEPTION 'line %: unknown kind "%" of "%"', r.line, coalesce(r.kind_text, ''), r.code
				USING ERRCODE = 'CR004', HINT = 'Use 市, 区 or 校 (city, district, school).';
		ELSIF r.kind = 'city' AND r.parent IS NOT NULL THEN
			RAISE EXCEPTION 'line %: the city centre "%" cannot have a parent', r.line, r.code
				USING ERRCODE = 'CR004';
		ELSIF r.kind <> 'city' AND r.parent IS NULL THEN
			RAISE EXCEPTION 'line %: % "%" needs a parent', r.line, r.kind, r.code
				USING ERRCODE = 'CR004';
		END IF;
	END LOOP;

	-- Duplicates within the file.
	SELECT b.line, b.code, a.line AS first INTO r
	FROM pg_temp.org_in a JOIN pg_temp.org_in b ON a.code = b.code AND a.line < b.line
	ORDER BY b.line, a.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'line %: duplicate organisation code "%"', r.line, r.code
			USING ERRCODE = 'CR004', DETAIL = format('It first appears on line %s.', r.first);
	END IF;

	-- One city centre: in the file, and against the database.
	SELECT b.line, b.code INTO r
	FROM pg_temp.org_in a JOIN pg_temp.org_in b ON a.kind = 'city' AND b.kind = 'city' AND a.line < b.line
	ORDER BY b.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'line %: a second city centre "%"', r.line, r.code
			USING ERRCODE = 'CR005', DETAIL = 'There is exactly one city centre.';
	END IF;
	SELECT i.line, i.code, o.code AS existing INTO r
	FROM pg_temp.org_in i JOIN card.org o ON o.kind = 'city' AND o.code <> i.code
	WHERE i.kind = 'city' LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'line %: a second city centre "%"', r.line, r.code
			USING ERRCODE = 'CR005',
			      DETAIL = format('The database already has the city centre "%s".', r.existing);
	END IF;

	-- Parents: in the file (before or after the row) or in the database; the file's kind wins.
	UPDATE pg_temp.org_in i SET parent_kind = coalesce(
		(SELECT f.kind FROM pg_temp.org_in f WHERE f.code = i.parent),
		(SELECT o.kind FROM card.org o WHERE o.code = i.parent))
	WHERE i.parent IS NOT NULL;
	FOR r IN SELECT * FROM pg_temp.org_in WHERE kind <> 'city' ORDER BY line LOOP
		IF r.parent_kind IS NULL THEN
			RAISE EXCEPTION 'line %: unknown parent "%" of "%"', r.line, r.parent, r.code
				USING ERRCODE = 'CR004',
				      HINT = 'List the parent in this file or import it first.';
		ELSIF r.kind = 'district' AND r.parent_kind <> 'city' THEN
			RAISE EXCEPTION 'line %: district "%" must be under the city centre, not under % "%"',
				r.line, r.code, r.parent_kind, r.parent USING ERRCODE = 'CR004';
		ELSIF r.kind = 'school' AND r.parent_kind <> 'district' THEN
			RAISE EXCEPTION 'line %: school "%" must be under a district, not under % "%"',
				r.line, r.code, CASE r.parent_kind WHEN 'city' THEN 'the city centre' ELSE r.parent_kind END,
				r.parent USING ERRCODE = 'CR004';
		END IF;
	END LOOP;
	UPDATE pg_temp.org_in SET district = CASE kind WHEN 'district' THEN code WHEN 'school' THEN parent END;

	-- Organisations already in the database that the file changes.
	FOR r IN SELECT i.*, o.kind AS old_kind, o.parent AS old_parent
	         FROM pg_temp.org_in i JOIN card.org o ON o.code = i.code
	         WHERE (o.kind, o.parent) IS DISTINCT FROM (i.kind, i.parent) ORDER BY i.line LOOP
		IF card.org_has_cards(r.code) THEN
			RAISE EXCEPTION 'line %: cannot change the kind or parent of "%": it already has cards',
				r.line, r.code USING ERRCODE = 'CR001',
				DETAIL = format('It is a %s under "%s"; the file makes it a %s under "%s".',
				                r.old_kind, coalesce(r.old_parent, ''), r.kind, coalesce(r.parent, ''));
		END IF;
	END LOOP;
	-- Their children that stay in the database must still fit under them.
	SELECT i.line, i.code, i.kind, c.code AS child, c.kind AS child_kind INTO r
	FROM pg_temp.org_in i JOIN card.org c ON c.parent = i.code
	WHERE NOT EXISTS (SELECT 1 FROM pg_temp.org_in f WHERE f.code = c.code)
	  AND NOT ((c.kind = 'district' AND i.kind = 'city') OR (c.kind = 'school' AND i.kind = 'district'))
	ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'line %: cannot make "%" a %: % "%" is under it', r.line, r.code, r.kind,
			r.child_kind, r.child USING ERRCODE = 'CR001';
	END IF;

	SELECT count(*) FILTER (WHERE o.code IS NULL),
	       count(*) FILTER (WHERE o.code IS NOT NULL AND (
	           (o.name, o.kind, o.parent, o.district) IS DISTINCT FROM (i.name, i.kind, i.parent, i.district)
	           OR (p_address IS NOT NULL AND o.address IS DISTINCT FROM i.address)
	           OR (p_contact IS NOT NULL AND o.contact IS DISTINCT FROM i.contact)
	           OR (p_phone IS NOT NULL AND o.phone IS DISTINCT FROM i.phone)))
	INTO inserted, updated
	FROM pg_temp.org_in i LEFT JOIN card.org o ON o.code = i.code;
	unchanged := n - inserted - updated;

	-- Foreign keys are checked at the end of the statement, so row order does not matter.
	INSERT INTO card.org AS o (code, name, kind, parent, district, address, contact, phone)
	SELECT code, name, kind, parent, district, address, contact, phone FROM pg_temp.org_in
	ON CONFLICT (code) DO UPDATE SET
		name = EXCLUDED.name, kind = EXCLUDED.kind, parent = EXCLUDED.parent,
		district = EXCLUDED.district,
		address = CASE WHEN p_address IS NULL THEN o.address ELSE EXCLUDED.address END,
		contact = CASE WHEN p_contact IS NULL THEN o.contact ELSE EXCLUDED.contact END,
		phone = CASE WHEN p_phone IS NULL THEN o.phone ELSE EXCLUDED.phone END
	WHERE (o.name, o.kind, o.parent, o.district) IS DISTINCT FROM
	      (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.parent, EXCLUDED.district)
	   OR (p_address IS NOT NULL AND o.address IS DISTINCT FROM EXCLUDED.address)
	   OR (p_contact IS NOT NULL AND o.contact IS DISTINCT FROM EXCLUDED.contact)
	   OR (p_phone IS NOT NULL AND o.phone IS DISTINCT FROM EXCLUDED.phone);
	DROP TABLE pg_temp.org_in;
END $$;
REVOKE ALL ON FUNCTION card.org_import(integer[], text[], text[], text[], text[], text[], text[], text[]) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.org_import(integer[], text[], text[], text[], text[], text[], text[], text[]) TO card_city;

-- Mint p_count cards of term p_term under key p_key_id as batch p_id (a new UUID), into the
-- city centre's stock.  Returns the first serial; the range is [first, first + p_count).
-- Reusable by other server-side functions (the plan-driven mint) inside their transaction.
CREATE OR REPLACE FUNCTION card.batch_mint(p_id uuid, p_term text, p_key_id integer, p_count bigint,
                                p_note text DEFAULT NULL) RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
DECLARE
	v_city text;
	v_first bigint;
	v_closed timestamptz;
BEGIN
	IF p_count IS NULL OR p_count < 1 THEN
		RAISE EXCEPTION 'card count must be positive' USING ERRCODE = 'CR004';
	END IF;
	IF p_key_id IS NULL OR p_key_id NOT BETWEEN 0 AND 15 THEN
		RAISE EXCEPTION 'key id must be from 0 to 15' USING ERRCODE = 'CR004';
	END IF;
	SELECT closed_at INTO v_closed FROM card.term WHERE code = p_term;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'term "%" does not exist', p_term
			USING ERRCODE = 'CR002', HINT = 'Create it with ''cardctl term new''.';
	END IF;
	IF v_closed IS NOT NULL THEN
		RAISE EXCEPTION 'term "%" is closed', p_term USING ERRCODE = 'CR003';
	END IF;
	SELECT code INTO v_city FROM card.org WHERE kind = 'city';
	IF NOT FOUND THEN
		RAISE EXCEPTION 'there is no city centre to hold the stock'
			USING ERRCODE = 'CR002', HINT = 'Import the organisations first (''cardctl org import'').';
	END IF;
	-- The counter row's lock is held to the end of the transaction: mints are serialised here.
	UPDATE card.serial_counter SET next_serial = next_serial + p_count
	WHERE next_serial + p_count <= 1099511627776
	RETURNING next_serial - p_count INTO v_first;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'not enough serials left for % cards', p_count
			USING ERRCODE = 'CR001', DETAIL = 'Serials are 40-bit numbers.';
	END IF;
	INSERT INTO card.document (id, kind, term, district, note) VALUES (p_id, 'batch', p_term, NULL, p_note);
	INSERT INTO card.batch (id, term, key_id, first_serial, card_count)
	VALUES (p_id, p_term, p_key_id, v_first, p_count);
	INSERT INTO card.holding (serials, term, org, state)
	VALUES (int8range(v_first, v_first + p_count), p_term, v_city, 'stock');
	INSERT INTO card.ledger (term, doc, kind, from_org, from_state, to_org, to_state, serials)
	VALUES (p_term, p_id, 'mint', NULL, NULL, v_city, 'stock', int8range(v_first, v_first + p_count));
	RETURN v_first;
END $$;
REVOKE ALL ON FUNCTION card.batch_mint(uuid, text, integer, bigint, text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.batch_mint(uuid, text, integer, bigint, text) TO card_city;
