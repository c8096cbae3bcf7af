-- 0230_roles.sql -- privileges and row-level security for card_city, card_district, card_daemon
-- (docs/operations.md: how to give a person a login; the pattern for later tables).
--
--   card_city      everything, except UPDATE/DELETE/TRUNCATE of the ledger and redemptions
--                  (append-only; corrections are new ledger entries).
--   card_district  sees and changes only rows of its own district(s): the login role is mapped
--                  to districts in card.district_login; policies call card.my_districts().
--   card_daemon    no table privileges at all; EXECUTE on card.redeem_many, card.card_show,
--                  card.card_moves (and, later, the feed and token functions of 0300).
--
-- Helpers for the policies of later migrations (SECURITY DEFINER, STABLE; they look at
-- session_user, the login, so they give the same answer inside SECURITY DEFINER functions):
--   card.is_city() RETURNS boolean          -- member of card_city, or a superuser
--   card.my_districts() RETURNS text[]      -- the login's districts (empty for non-district)
--   card.org_district(p_org text) RETURNS text  -- the district of an organisation (NULL: city)
--   card.can_see_org(p_org text) RETURNS boolean -- is_city() or org's district is mine
-- Write policies as USING ((SELECT card.is_city()) OR district IN (SELECT unnest(card.my_districts())))
-- -- the sub-SELECTs make PostgreSQL evaluate the helpers once per statement, not per row.

CREATE TABLE card.district_login (
	role     name NOT NULL,
	district text NOT NULL REFERENCES card.org (code),
	granted_at timestamptz NOT NULL DEFAULT now(),
	granted_by text NOT NULL DEFAULT current_user,
	PRIMARY KEY (role, district)
);

CREATE FUNCTION card.is_city() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT pg_has_role(session_user, 'card_city', 'MEMBER')
	       OR coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user), false)
$$;

CREATE FUNCTION card.my_districts() RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT coalesce(array_agg(l.district ORDER BY l.district), '{}')
	FROM card.district_login l
	WHERE l.role = session_user AND pg_has_role(session_user, 'card_district', 'MEMBER')
$$;

CREATE FUNCTION card.org_district(p_org text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT o.district FROM card.org o WHERE o.code = p_org
$$;

CREATE FUNCTION card.can_see_org(p_org text) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT (SELECT card.is_city()) OR card.org_district(p_org) IN (SELECT unnest(card.my_districts()))
$$;

-- Function privileges: nothing for PUBLIC, in this schema now and (for functions the
-- migrating role creates later) by default; card_city may execute everything.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA card FROM PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA card GRANT EXECUTE ON FUNCTIONS TO card_city;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA card TO card_city;
GRANT EXECUTE ON FUNCTION card.is_city(), card.my_districts(), card.org_district(text),
	card.can_see_org(text), card.range_text(int8range), card.ranges_text(int8multirange)
	TO card_city, card_district;
GRANT EXECUTE ON FUNCTION card.forbid_change(), card.ledger_chain() TO card_city, card_district;

-- Table privileges.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA card TO card_city;
REVOKE UPDATE, DELETE, TRUNCATE ON card.ledger, card.redemption, card.ledger_head FROM card_city;
REVOKE INSERT ON card.ledger_head FROM card_city;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA card TO card_city;
ALTER DEFAULT PRIVILEGES IN SCHEMA card GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO card_city;
ALTER DEFAULT PRIVILEGES IN SCHEMA card GRANT USAGE ON SEQUENCES TO card_city;

GRANT SELECT ON card.org, card.term, card.batch, card.schema_version TO card_district;
GRANT SELECT, INSERT ON card.document, card.ledger, card.void TO card_district;
GRANT SELECT, INSERT, UPDATE, DELETE ON card.holding TO card_district;
GRANT SELECT ON card.redemption, card.district_login TO card_district;
GRANT USAGE ON SEQUENCE card.ledger_id_seq TO card_district;
-- card_daemon: no table, no sequence.  Only what 0210/0220 granted, plus schema USAGE (0001).
REVOKE ALL ON ALL TABLES IN SCHEMA card FROM card_daemon;

-- Row-level security.  Owners (the migrating role) and superusers bypass it.
ALTER TABLE card.document ENABLE ROW LEVEL SECURITY;
CREATE POLICY document_city ON card.document TO card_city USING (true) WITH CHECK (true);
CREATE POLICY document_district ON card.document TO card_district
	USING (district IN (SELECT unnest(card.my_districts())))
	WITH CHECK (district IN (SELECT unnest(card.my_districts())));

ALTER TABLE card.holding ENABLE ROW LEVEL SECURITY;
CREATE POLICY holding_city ON card.holding TO card_city USING (true) WITH CHECK (true);
CREATE POLICY holding_district ON card.holding TO card_district
	USING (card.org_district(org) IN (SELECT unnest(card.my_districts())))
	WITH CHECK (card.org_district(org) IN (SELECT unnest(card.my_districts())));

ALTER TABLE card.ledger ENABLE ROW LEVEL SECURITY;
CREATE POLICY ledger_city ON card.ledger TO card_city USING (true) WITH CHECK (true);
CREATE POLICY ledger_district_read ON card.ledger FOR SELECT TO card_district
	USING (card.org_district(to_org) IN (SELECT unnest(card.my_districts()))
	       OR card.org_district(from_org) IN (SELECT unnest(card.my_districts())));
CREATE POLICY ledger_district_write ON card.ledger FOR INSERT TO card_district
	WITH CHECK (card.org_district(to_org) IN (SELECT unnest(card.my_districts()))
	            AND card.org_district(from_org) IN (SELECT unnest(card.my_districts())));

ALTER TABLE card.void ENABLE ROW LEVEL SECURITY;
CREATE POLICY void_city ON card.void TO card_city USING (true) WITH CHECK (true);
CREATE POLICY void_district ON card.void TO card_district
	USING (EXISTS (SELECT 1 FROM card.document d WHERE d.id = doc))
	WITH CHECK (EXISTS (SELECT 1 FROM card.document d WHERE d.id = doc));

-- Redemptions of cards the district holds (or distributed).
ALTER TABLE card.redemption ENABLE ROW LEVEL SECURITY;
CREATE POLICY redemption_city ON card.redemption TO card_city USING (true) WITH CHECK (true);
CREATE POLICY redemption_district ON card.redemption FOR SELECT TO card_district
	USING (EXISTS (SELECT 1 FROM card.holding h WHERE h.serials @> serial));

ALTER TABLE card.district_login ENABLE ROW LEVEL SECURITY;
CREATE POLICY district_login_city ON card.district_login TO card_city USING (true) WITH CHECK (true);
CREATE POLICY district_login_own ON card.district_login FOR SELECT TO card_district
	USING (role = session_user);

ALTER TABLE card.idempotency ENABLE ROW LEVEL SECURITY;
CREATE POLICY idempotency_city ON card.idempotency TO card_city USING (true) WITH CHECK (true);
