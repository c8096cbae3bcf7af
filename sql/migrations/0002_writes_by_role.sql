-- 0002_writes_by_role.sql -- writes are refused by role, not found by audit afterwards.
--
--   * Cards change only through the server's functions.  No login (city or district) may
--     INSERT, UPDATE or DELETE card.ledger, card.holding or card.void; the workflow functions
--     that move cards are SECURITY DEFINER and check the caller themselves (card.wf_access,
--     card.rc_access, and the destination rules of ship and transfer), so the write policies
--     of the ledger and the holdings go.  The primitives card.move, card.move_count and
--     card.void_card are executable by the owner only, that is from those functions
--     (sql/functions/ledger.sql).
--   * The server sets who and when: the actor of a ledger entry or a void is the login
--     (session_user, also inside SECURITY DEFINER functions), its time now(), whatever the
--     INSERT said.  The *_by columns of the workflow's documents default to the login too.
--   * card.void is append-only like the ledger.
--   * The city's grants are the ones intended: API tokens only INSERT and UPDATE of revoked_at,
--     and a token revoked stays revoked; no writes to the tables that only the server's
--     functions (or `cardctl db migrate`) write: redemption, idempotency, serial_counter,
--     schema_version, transit_loss.  Tables created from here on get no privileges by default:
--     each migration grants what it means.

-- Who and when, set by the server.
CREATE FUNCTION card.stamp_actor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.actor := session_user;
	NEW.at := now();
	RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION card.stamp_actor() FROM PUBLIC, card_city, card_district, card_daemon;
-- Named to run before ledger_chain (BEFORE triggers fire in name order), so the hash covers
-- the stamped values.
CREATE TRIGGER ledger_actor_stamp BEFORE INSERT ON card.ledger
	FOR EACH ROW EXECUTE FUNCTION card.stamp_actor();
CREATE TRIGGER void_actor_stamp BEFORE INSERT ON card.void
	FOR EACH ROW EXECUTE FUNCTION card.stamp_actor();
ALTER TABLE card.ledger ALTER COLUMN actor SET DEFAULT session_user;
ALTER TABLE card.void ALTER COLUMN actor SET DEFAULT session_user;
ALTER TABLE card.document ALTER COLUMN created_by SET DEFAULT session_user;
ALTER TABLE card.api_token ALTER COLUMN created_by SET DEFAULT session_user;
ALTER TABLE card.census ALTER COLUMN imported_by SET DEFAULT session_user;
ALTER TABLE card.census_explain ALTER COLUMN by_role SET DEFAULT session_user;
ALTER TABLE card.plan ALTER COLUMN made_by SET DEFAULT session_user;
ALTER TABLE card.shipment ALTER COLUMN shipped_by SET DEFAULT session_user;
ALTER TABLE card.receipt ALTER COLUMN received_by SET DEFAULT session_user;
ALTER TABLE card.distribution ALTER COLUMN by_role SET DEFAULT session_user;
ALTER TABLE card.transfer ALTER COLUMN by_role SET DEFAULT session_user;
ALTER TABLE card.adjust_report ALTER COLUMN filed_by SET DEFAULT session_user;
ALTER TABLE card.settlement ALTER COLUMN by_role SET DEFAULT session_user;
ALTER TABLE card.card_return ALTER COLUMN by_role SET DEFAULT session_user;
ALTER TABLE card.supplement ALTER COLUMN by_role SET DEFAULT session_user;
ALTER TABLE card.replacement ALTER COLUMN by_role SET DEFAULT session_user;
ALTER TABLE card.district_login ALTER COLUMN granted_by SET DEFAULT session_user;

-- card.void is append-only.
CREATE TRIGGER void_append_only BEFORE UPDATE OR DELETE ON card.void
	FOR EACH ROW EXECUTE FUNCTION card.forbid_change();
CREATE TRIGGER void_no_truncate BEFORE TRUNCATE ON card.void
	FOR EACH STATEMENT EXECUTE FUNCTION card.forbid_change();

-- No direct writes to the cards' tables.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON card.ledger, card.holding, card.void
	FROM card_city, card_district;
REVOKE USAGE ON SEQUENCE card.ledger_id_seq FROM card_city, card_district;
DROP POLICY ledger_district_write ON card.ledger;
DROP POLICY holding_district ON card.holding;
CREATE POLICY holding_district ON card.holding FOR SELECT TO card_district
	USING (card.org_district(org) IN (SELECT unnest(card.my_districts())));
DROP POLICY void_district ON card.void;
CREATE POLICY void_district ON card.void FOR SELECT TO card_district
	USING (EXISTS (SELECT 1 FROM card.document d WHERE d.id = doc));

-- The tables only the server's functions write.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE
	ON card.redemption, card.idempotency, card.serial_counter, card.schema_version,
	   card.transit_loss
	FROM card_city;
REVOKE USAGE ON SEQUENCE card.redemption_id_seq FROM card_city;

-- API tokens: the city creates and revokes them, nothing else; a revoked token stays revoked.
REVOKE UPDATE, DELETE, TRUNCATE ON card.api_token FROM card_city;
GRANT UPDATE (revoked_at) ON card.api_token TO card_city;
CREATE FUNCTION card.token_revoke_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.revoked_at IS NOT NULL THEN
		RAISE EXCEPTION 'token % is revoked; a revoked token stays revoked', OLD.id
			USING ERRCODE = 'CR003';
	END IF;
	RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION card.token_revoke_once() FROM PUBLIC, card_city, card_district, card_daemon;
CREATE TRIGGER api_token_revoke_once BEFORE UPDATE ON card.api_token
	FOR EACH ROW EXECUTE FUNCTION card.token_revoke_once();

-- From here on a migration grants each table's privileges itself.
ALTER DEFAULT PRIVILEGES IN SCHEMA card REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM card_city;
ALTER DEFAULT PRIVILEGES IN SCHEMA card REVOKE USAGE ON SEQUENCES FROM card_city;
