-- access.sql -- who the caller is, for row-level security and the workflow's access checks
-- (docs/operations.md).  The helpers the policies themselves call, card.my_districts and
-- card.org_district, are schema and live in sql/migrations/0001_baseline.sql.
--
--   card.is_city()             member of card_city, or a superuser
--   card.can_see_org(p_org)    is_city() or the organisation's district is one of the login's
--   card.wf_access(p_district) CR006 unless the caller may act for the district
--
-- `cardctl db migrate` loads this file again whenever its text changes: keep every statement
-- safe to run twice (CREATE OR REPLACE; the grants after each function are all it gets).

CREATE OR REPLACE FUNCTION card.is_city() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT pg_has_role(session_user, 'card_city', 'MEMBER')
	       OR coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user), false)
$$;
REVOKE ALL ON FUNCTION card.is_city() FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.is_city() TO card_city, card_district;

CREATE OR REPLACE FUNCTION card.can_see_org(p_org text) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT (SELECT card.is_city()) OR card.org_district(p_org) IN (SELECT unnest(card.my_districts()))
$$;
REVOKE ALL ON FUNCTION card.can_see_org(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.can_see_org(text) TO card_city, card_district;

-- The access check of the workflow functions: the city may run every step, a district login
-- only the steps of its own districts (else CR006).
CREATE OR REPLACE FUNCTION card.wf_access(p_district text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF card.is_city() THEN
		RETURN;
	END IF;
	IF p_district IS NULL OR NOT p_district = ANY (card.my_districts()) THEN
		RAISE EXCEPTION 'permission denied: this step is for %',
			CASE WHEN p_district IS NULL THEN 'the city centre'
			     ELSE format('district "%s" or the city centre', p_district) END
			USING ERRCODE = 'CR006',
			HINT = 'District users act only for the districts their login is mapped to (card.district_login).';
	END IF;
END $$;
REVOKE ALL ON FUNCTION card.wf_access(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.wf_access(text) TO card_city, card_district;
