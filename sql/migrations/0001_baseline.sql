-- 0001_baseline.sql -- the schema of libcard 0.1.0: tables, types, roles, grants, row-level
-- security, triggers, and the four functions the schema itself depends on (the trigger functions
-- card.forbid_change and card.ledger_chain, the row-security helpers card.my_districts and
-- card.org_district).  Every other server function is in sql/functions/ (sql/README.md).
-- Released migrations are never edited: a schema change is a new migration.
--

-- ================================================================================================
-- The core data model of libcard (docs/data-model.md).
--
-- Principles:
--  * No card code, hash of a code, or anything from which a code follows is stored.  Codes are
--    derived from (key, key_id, serial) by whoever holds the keyring.
--  * A card needs no row until something happens to it alone.  Batches own serial ranges;
--    movements are ledger entries over ranges; a redemption or a void is the first row a single
--    card gets.  Minting a million cards is one row.
--  * card.ledger is append-only.  card.holding is the current position of every minted serial
--    (each serial in exactly one row), maintained in the same transaction as the ledger entry
--    that moved it; `cardctl audit` recomputes it from the ledger and proves they agree.
--  * Business errors are raised with SQLSTATE class CR (sql/README.md), which libcard maps to
--    card_err values.
CREATE SCHEMA IF NOT EXISTS card;
REVOKE ALL ON SCHEMA card FROM PUBLIC;

CREATE TABLE card.schema_version (
	version    integer PRIMARY KEY,
	name       text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now(),
	applied_by text NOT NULL DEFAULT current_user
);

-- The function files of sql/functions/ as `cardctl db migrate` last loaded them: the SHA-256 of
-- the text loaded.  A file whose compiled-in text has another hash is loaded again.
CREATE TABLE card.function_file (
	name      text PRIMARY KEY,
	sha256    text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	loaded_at timestamptz NOT NULL DEFAULT now(),
	loaded_by text NOT NULL DEFAULT current_user
);

-- Organisations: one city centre, its districts (city-direct schools are one more district),
-- their schools.  `district` is the district an organisation belongs to (itself for a district,
-- NULL for the city): row-level security keys on it.
CREATE TABLE card.org (
	code       text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_.-]{1,32}$'),
	name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	kind       text NOT NULL CHECK (kind IN ('city', 'district', 'school')),
	parent     text REFERENCES card.org (code),
	district   text REFERENCES card.org (code),
	address    text,
	contact    text,
	phone      text,
	created_at timestamptz NOT NULL DEFAULT now(),
	CHECK ((kind = 'city') = (parent IS NULL)),
	CHECK ((kind = 'city') = (district IS NULL)),
	CHECK (kind <> 'district' OR district = code)
);
CREATE UNIQUE INDEX org_one_city ON card.org (kind) WHERE kind = 'city';
CREATE INDEX org_parent ON card.org (parent);

-- A term: '2026-autumn'.  Dates of the calendar (docs/workflow.md) derive from start_date.
CREATE TABLE card.term (
	code           text PRIMARY KEY CHECK (code ~ '^[0-9]{4}-(spring|autumn)$'),
	start_date     date NOT NULL,
	census_due     date NOT NULL,
	face_value_fen integer NOT NULL DEFAULT 5000 CHECK (face_value_fen > 0),
	created_at     timestamptz NOT NULL DEFAULT now(),
	closed_at      timestamptz
);

-- Every document (batch, shipment, receipt, transfer, adjustment report, return, replacement,
-- charge, ...) has a UUID made by libuuid and printed on its forms.
CREATE TABLE card.document (
	id         uuid PRIMARY KEY,
	kind       text NOT NULL,
	term       text REFERENCES card.term (code),
	district   text REFERENCES card.org (code),  -- for row-level security; NULL = city only
	created_by text NOT NULL DEFAULT current_user,
	created_at timestamptz NOT NULL DEFAULT now(),
	note       text
);
CREATE INDEX document_term ON card.document (term, kind);

-- Serials are allocated from one counter row: UPDATE ... RETURNING is atomic, so concurrent
-- mints get disjoint ranges.
CREATE TABLE card.serial_counter (
	one         boolean PRIMARY KEY DEFAULT true CHECK (one),
	next_serial bigint NOT NULL CHECK (next_serial BETWEEN 0 AND 1099511627776)
);
INSERT INTO card.serial_counter (next_serial) VALUES (1);

-- A print batch: one contiguous serial range under one key.
CREATE TABLE card.batch (
	id           uuid PRIMARY KEY REFERENCES card.document (id),
	term         text NOT NULL REFERENCES card.term (code),
	key_id       smallint NOT NULL CHECK (key_id BETWEEN 0 AND 15),
	first_serial bigint NOT NULL CHECK (first_serial >= 0),
	card_count   bigint NOT NULL CHECK (card_count > 0),
	serials      int8range GENERATED ALWAYS AS (int8range(first_serial, first_serial + card_count)) STORED,
	created_at   timestamptz NOT NULL DEFAULT now(),
	CHECK (first_serial + card_count <= 1099511627776),
	EXCLUDE USING gist (serials WITH &&)
);

-- Holders: (org, state).  state: stock (at the org), transit (shipped to the org, not yet
-- received), distributed (handed to students and teachers at a school), void.
-- The current position of every minted serial: ranges, never overlapping.
CREATE TABLE card.holding (
	serials int8range NOT NULL,
	term    text NOT NULL REFERENCES card.term (code),
	org     text NOT NULL REFERENCES card.org (code),
	state   text NOT NULL CHECK (state IN ('stock', 'transit', 'distributed', 'void')),
	doc     uuid REFERENCES card.document (id),  -- the shipment, for state 'transit'
	CHECK (NOT isempty(serials)),
	EXCLUDE USING gist (serials WITH &&)
);
CREATE INDEX holding_holder ON card.holding (org, state, term);

-- Append-only ledger of movements between holders.  from_org/from_state are NULL for a mint.
CREATE TABLE card.ledger (
	id         bigserial PRIMARY KEY,
	term       text NOT NULL REFERENCES card.term (code),
	doc        uuid NOT NULL REFERENCES card.document (id),
	kind       text NOT NULL,
	from_org   text REFERENCES card.org (code),
	from_state text,
	to_org     text NOT NULL REFERENCES card.org (code),
	to_state   text NOT NULL,
	serials    int8range NOT NULL CHECK (NOT isempty(serials)),
	actor      text NOT NULL DEFAULT current_user,
	at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_term ON card.ledger (term, id);
CREATE INDEX ledger_doc ON card.ledger (doc);

CREATE OR REPLACE FUNCTION card.forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'CR001';
END $$;

CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON card.ledger
	FOR EACH STATEMENT EXECUTE FUNCTION card.forbid_change();

-- A void card can never be redeemed (replacement of a defective card).
CREATE TABLE card.void (
	serial bigint PRIMARY KEY CHECK (serial >= 0),
	doc    uuid NOT NULL REFERENCES card.document (id),
	reason text NOT NULL,
	actor  text NOT NULL DEFAULT current_user,
	at     timestamptz NOT NULL DEFAULT now()
);

-- Redemptions: one row per redeemed card, append-only.  `id` orders the rows as inserted;
-- `feed_id` is assigned later, in commit order, by the feed sequencer (the course platform
-- reads the feed by feed_id, which is gap-free for committed rows).
CREATE TABLE card.redemption (
	serial      bigint PRIMARY KEY CHECK (serial >= 0),
	id          bigserial NOT NULL UNIQUE,
	feed_id     bigint UNIQUE,
	account     text NOT NULL CHECK (length(account) BETWEEN 1 AND 64),
	batch       uuid NOT NULL REFERENCES card.batch (id),
	redeemed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX redemption_unfed ON card.redemption (id) WHERE feed_id IS NULL;
CREATE TRIGGER redemption_append_only BEFORE DELETE OR TRUNCATE ON card.redemption
	FOR EACH STATEMENT EXECUTE FUNCTION card.forbid_change();

-- Idempotency keys (Stripe semantics): the first outcome for a key is stored and replayed.
CREATE TABLE card.idempotency (
	key        text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 255),
	account    text NOT NULL,
	serial     bigint NOT NULL,
	outcome    text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now()
);

-- Roles (NOLOGIN groups; docs/operations.md shows how to grant a login to each).
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'card_city') THEN
		CREATE ROLE card_city NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'card_district') THEN
		CREATE ROLE card_district NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'card_daemon') THEN
		CREATE ROLE card_daemon NOLOGIN;
	END IF;
END $$;
GRANT USAGE ON SCHEMA card TO card_city, card_district, card_daemon;

-- ================================================================================================
-- The current position of every minted serial (docs/data-model.md).  Ledger moves, the only
-- way cards change holder, are the functions of sql/functions/ledger.sql.


CREATE INDEX ledger_serials ON card.ledger USING gist (serials);
CREATE INDEX holding_term_state ON card.holding (term, state);

-- ================================================================================================
-- Exactly-once redemption (include/card/redeem.h, docs/data-model.md).

-- ================================================================================================
-- The ledger's hash chain, card.audit, card state, and voiding a card.
--
-- Hash chain: every card.ledger row gets chain_seq (1, 2, 3, ... in commit order of the
-- ledger; the chain head row is locked by each insert until its transaction ends) and
-- hash = sha256(previous row's hash || card.ledger_row_bytes(row)).  card.ledger_head holds
-- the last (seq, hash).  A row edited, inserted or deleted behind the library's back (e.g. by
-- a superuser disabling the append-only trigger) breaks the chain, and card.audit reports the
-- first broken link.  The head hash is printed by `cardctl audit`: keep it on paper or
-- elsewhere; a chain rewritten from scratch no longer ends in it.
--
-- card.audit(p_term text DEFAULT NULL)
--   RETURNS TABLE (term text, item text, value bigint, ok boolean, detail text)
--   Figures and checks per term (all terms when NULL) plus the chain check (term NULL).  The
--   books balance when every row has ok.  Run it in one REPEATABLE READ transaction.
--
-- card.card_show(p_serial bigint) and card.card_moves(p_serial bigint): a card's state and
-- the ledger rows that moved it (SECURITY DEFINER; for card_daemon and card_city).
--
-- card.void_card(p_term, p_doc, p_org, p_state, p_serial, p_reason): move one card from its
-- holder (p_org, p_state) to (p_org, 'void') and record card.void; refuses a redeemed card,
-- and excludes a concurrent redemption of it through a per-serial advisory lock.
-- Workflow steps that void cards (replacement) must use it: audit requires every void row to
-- be held in state void and every serial held in state void to have a void row.

ALTER TABLE card.ledger ADD COLUMN chain_seq bigint UNIQUE, ADD COLUMN hash bytea;

CREATE TABLE card.ledger_head (
	one  boolean PRIMARY KEY DEFAULT true CHECK (one),
	seq  bigint NOT NULL,
	hash bytea NOT NULL
);
INSERT INTO card.ledger_head (seq, hash) VALUES (0, sha256(convert_to('libcard ledger v1', 'UTF8')));

CREATE OR REPLACE FUNCTION card.ledger_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
DECLARE
	v_seq bigint;
	v_prev bytea;
BEGIN
	SELECT h.seq, h.hash INTO v_seq, v_prev FROM card.ledger_head h FOR UPDATE;
	NEW.chain_seq := v_seq + 1;
	NEW.hash := sha256(v_prev || card.ledger_row_bytes(NEW.id, NEW.term, NEW.doc, NEW.kind,
		NEW.from_org, NEW.from_state, NEW.to_org, NEW.to_state, NEW.serials, NEW.actor, NEW.at));
	UPDATE card.ledger_head SET seq = NEW.chain_seq, hash = NEW.hash;
	RETURN NEW;
END $$;


CREATE TRIGGER ledger_chain BEFORE INSERT ON card.ledger
	FOR EACH ROW EXECUTE FUNCTION card.ledger_chain();
CREATE TRIGGER ledger_head_no_delete BEFORE DELETE OR TRUNCATE ON card.ledger_head
	FOR EACH STATEMENT EXECUTE FUNCTION card.forbid_change();

-- ================================================================================================
-- Privileges and row-level security for card_city, card_district, card_daemon
-- (docs/operations.md: how to give a person a login; the pattern for later tables).
--
--   card_city      everything, except UPDATE/DELETE/TRUNCATE of the ledger and redemptions
--                  (append-only; corrections are new ledger entries).
--   card_district  sees and changes only rows of its own district(s): the login role is mapped
--                  to districts in card.district_login; policies call card.my_districts().
--   card_daemon    no table privileges at all; EXECUTE on card.redeem_many, card.card_show,
--                  card.card_moves (and the feed and token functions).
--
-- Helpers for the policies (card.is_city and card.can_see_org: sql/functions/access.sql) (SECURITY DEFINER, STABLE; they look at
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

CREATE OR REPLACE FUNCTION card.my_districts() RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT coalesce(array_agg(l.district ORDER BY l.district), '{}')
	FROM card.district_login l
	WHERE l.role = session_user AND pg_has_role(session_user, 'card_district', 'MEMBER')
$$;


CREATE OR REPLACE FUNCTION card.org_district(p_org text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT o.district FROM card.org o WHERE o.code = p_org
$$;


-- Function privileges: nothing for PUBLIC, in this schema now and (for functions the
-- migrating role creates later) by default; card_city may execute everything.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA card FROM PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA card GRANT EXECUTE ON FUNCTIONS TO card_city;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA card TO card_city;

-- Table privileges.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA card TO card_city;
REVOKE UPDATE, DELETE, TRUNCATE ON card.ledger, card.redemption, card.ledger_head FROM card_city;
REVOKE INSERT ON card.ledger_head FROM card_city;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA card TO card_city;
ALTER DEFAULT PRIVILEGES IN SCHEMA card GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO card_city;
ALTER DEFAULT PRIVILEGES IN SCHEMA card GRANT USAGE ON SEQUENCES TO card_city;

GRANT SELECT ON card.org, card.term, card.batch, card.schema_version TO card_district;
-- Only `cardctl db migrate`, as the owner, records function files; logins read them for the
-- schema check.
REVOKE INSERT, UPDATE, DELETE ON card.function_file FROM card_city;
GRANT SELECT ON card.function_file TO card_district;
GRANT SELECT, INSERT ON card.document, card.ledger, card.void TO card_district;
GRANT SELECT, INSERT, UPDATE, DELETE ON card.holding TO card_district;
GRANT SELECT ON card.redemption, card.district_login TO card_district;
GRANT USAGE ON SEQUENCE card.ledger_id_seq TO card_district;
-- card_daemon: no table, no sequence.  Only EXECUTE on its functions, plus schema USAGE.
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

-- ================================================================================================
-- What cardd needs beyond redemption: API tokens and the redemption feed.
--
-- Tokens: `cardctl token new` prints a token once; only the SHA-256 of its secret part is
-- stored.  The daemon looks a token up by its public id (card.token_lookup, SECURITY DEFINER)
-- and compares the hashes itself, in constant time.
--
-- Feed: the course platform reads committed redemptions in feed_id order and resumes from the
-- last feed_id it saw.  Redemption ids (bigserial) are assigned at INSERT, so they commit out of
-- order: a reader that followed `id` could skip a row that commits later with a smaller id.
-- feed_id is instead assigned by a sequencer (card.feed) that runs under a transaction-level
-- advisory lock, sees every committed redemption without one, numbers them max(feed_id)+1, +2,
-- ... in id order, and commits.  Since assignments are serial and each sees the previous one,
-- feed ids are consecutive, and a row that commits later always gets a larger feed id than
-- any a reader has seen: the feed is gap-free and resumable.

CREATE TABLE card.api_token (
	id         text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
	role       text NOT NULL CHECK (role IN ('helpdesk', 'platform')),
	label      text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
	secret_sha256 bytea NOT NULL CHECK (length(secret_sha256) = 32),
	created_by text NOT NULL DEFAULT current_user,
	created_at timestamptz NOT NULL DEFAULT now(),
	revoked_at timestamptz
);
GRANT SELECT, INSERT, UPDATE (revoked_at) ON card.api_token TO card_city;

-- ================================================================================================
-- The census (Annex 2, 人数统计表) and the issuance plan (workflow part 1).
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

-- ================================================================================================
-- Workflow part 1: minting the plan, shipments with signed receipts,
-- distribution at schools, and the term's status (docs/workflow.md).


CREATE TABLE card.shipment (
	id         uuid PRIMARY KEY REFERENCES card.document (id),
	term       text NOT NULL REFERENCES card.term (code),
	from_org   text NOT NULL REFERENCES card.org (code),
	to_org     text NOT NULL REFERENCES card.org (code),
	district   text REFERENCES card.org (code),  -- the destination's district (RLS)
	count      bigint NOT NULL CHECK (count > 0),
	courier    boolean NOT NULL DEFAULT false,   -- straight from the city to a school
	address    text,
	contact    text,
	phone      text,
	due        date NOT NULL,                    -- delivery due, S-7
	shipped_on date NOT NULL,
	late       boolean NOT NULL,
	shipped_by text NOT NULL DEFAULT current_user,
	shipped_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipment_term ON card.shipment (term, to_org);

CREATE TABLE card.receipt (
	id           uuid PRIMARY KEY REFERENCES card.document (id),
	shipment     uuid NOT NULL UNIQUE REFERENCES card.shipment (id),
	signer       text NOT NULL CHECK (length(signer) BETWEEN 1 AND 100),
	signed_on    date NOT NULL,
	count        bigint NOT NULL CHECK (count >= 0),   -- as counted and signed for
	received     bigint NOT NULL CHECK (received >= 0), -- moved to the receiver's stock
	discrepancy  bigint NOT NULL,                       -- count - shipped
	late         boolean NOT NULL,
	photo        bytea NOT NULL,
	photo_type   text NOT NULL CHECK (photo_type IN ('image/jpeg', 'image/png', 'application/pdf')),
	photo_sha256 bytea NOT NULL,
	received_by  text NOT NULL DEFAULT current_user,
	received_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE card.distribution (
	id       uuid PRIMARY KEY REFERENCES card.document (id),
	term     text NOT NULL REFERENCES card.term (code),
	school   text NOT NULL REFERENCES card.org (code),
	district text NOT NULL REFERENCES card.org (code),
	count    bigint NOT NULL CHECK (count > 0),
	due      date NOT NULL,   -- S+7
	done_on  date NOT NULL,
	late     boolean NOT NULL,
	by_role  text NOT NULL DEFAULT current_user,
	at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX distribution_term ON card.distribution (term, school);

CREATE TABLE card.distribution_line (
	distribution uuid NOT NULL REFERENCES card.distribution (id),
	line         integer NOT NULL,
	grade        text NOT NULL,
	class        text NOT NULL DEFAULT '',
	count        bigint NOT NULL CHECK (count > 0),
	PRIMARY KEY (distribution, line)
);

-- ================================================================================================
-- Privileges and row-level security of workflow part 1, following the pattern above
-- (docs/operations.md).
--
--   card_city      everything (the default privileges above already cover these tables).
--   card_district  its own districts only: imports, submits and approves their census; sees
--                  the plan's lines of its districts; ships from its depots to its schools,
--                  receives and distributes there; reads its status.  Making the plan,
--                  minting it, reopening a census and shipping from city stock are the city's.


GRANT SELECT, INSERT, UPDATE, DELETE ON card.census, card.census_line, card.census_explain
	TO card_district;
GRANT SELECT ON card.plan, card.plan_line TO card_district;
GRANT SELECT, INSERT ON card.shipment, card.receipt, card.distribution, card.distribution_line
	TO card_district;

ALTER TABLE card.census ENABLE ROW LEVEL SECURITY;
CREATE POLICY census_city ON card.census TO card_city USING (true) WITH CHECK (true);
CREATE POLICY census_district ON card.census TO card_district
	USING (district IN (SELECT unnest(card.my_districts())))
	WITH CHECK (district IN (SELECT unnest(card.my_districts())));

ALTER TABLE card.census_line ENABLE ROW LEVEL SECURITY;
CREATE POLICY census_line_city ON card.census_line TO card_city USING (true) WITH CHECK (true);
CREATE POLICY census_line_district ON card.census_line TO card_district
	USING (district IN (SELECT unnest(card.my_districts())))
	WITH CHECK (district IN (SELECT unnest(card.my_districts())));

ALTER TABLE card.census_explain ENABLE ROW LEVEL SECURITY;
CREATE POLICY census_explain_city ON card.census_explain TO card_city USING (true) WITH CHECK (true);
CREATE POLICY census_explain_district ON card.census_explain TO card_district
	USING (district IN (SELECT unnest(card.my_districts())))
	WITH CHECK (district IN (SELECT unnest(card.my_districts())));

-- The plan itself (reserve, who made it) is no secret; its lines only for one's districts.
ALTER TABLE card.plan_line ENABLE ROW LEVEL SECURITY;
CREATE POLICY plan_line_city ON card.plan_line TO card_city USING (true) WITH CHECK (true);
CREATE POLICY plan_line_district ON card.plan_line FOR SELECT TO card_district
	USING (org IN (SELECT unnest(card.my_districts())));

ALTER TABLE card.shipment ENABLE ROW LEVEL SECURITY;
CREATE POLICY shipment_city ON card.shipment TO card_city USING (true) WITH CHECK (true);
CREATE POLICY shipment_district ON card.shipment TO card_district
	USING (district IN (SELECT unnest(card.my_districts())))
	WITH CHECK (district IN (SELECT unnest(card.my_districts())));

ALTER TABLE card.receipt ENABLE ROW LEVEL SECURITY;
CREATE POLICY receipt_city ON card.receipt TO card_city USING (true) WITH CHECK (true);
CREATE POLICY receipt_district ON card.receipt TO card_district
	USING (EXISTS (SELECT 1 FROM card.shipment s WHERE s.id = shipment))
	WITH CHECK (EXISTS (SELECT 1 FROM card.shipment s WHERE s.id = shipment));

ALTER TABLE card.distribution ENABLE ROW LEVEL SECURITY;
CREATE POLICY distribution_city ON card.distribution TO card_city USING (true) WITH CHECK (true);
CREATE POLICY distribution_district ON card.distribution TO card_district
	USING (district IN (SELECT unnest(card.my_districts())))
	WITH CHECK (district IN (SELECT unnest(card.my_districts())));

ALTER TABLE card.distribution_line ENABLE ROW LEVEL SECURITY;
CREATE POLICY distribution_line_city ON card.distribution_line TO card_city USING (true) WITH CHECK (true);
CREATE POLICY distribution_line_district ON card.distribution_line TO card_district
	USING (EXISTS (SELECT 1 FROM card.distribution d WHERE d.id = distribution))
	WITH CHECK (EXISTS (SELECT 1 FROM card.distribution d WHERE d.id = distribution));

-- ================================================================================================
-- Workflow part 2: surplus/shortage reconciliation (余缺调剂), returns,
-- supplements, replacements and charges (docs/workflow.md, "Reconciliation").


-- Self-adjustment between two schools of one district.
CREATE TABLE card.transfer (
	id          uuid PRIMARY KEY REFERENCES card.document (id),
	term        text NOT NULL REFERENCES card.term (code),
	district    text NOT NULL REFERENCES card.org (code),
	from_school text NOT NULL REFERENCES card.org (code),
	to_school   text NOT NULL REFERENCES card.org (code),
	count       bigint NOT NULL CHECK (count > 0),
	due         date NOT NULL,
	done_on     date NOT NULL,
	late        boolean NOT NULL,
	late_reason text,
	by_role     text NOT NULL DEFAULT current_user,
	at          timestamptz NOT NULL DEFAULT now(),
	CHECK (NOT late OR late_reason IS NOT NULL)
);
CREATE INDEX transfer_term ON card.transfer (term, district);

-- Annex 4: a district's surplus/shortage report.
CREATE TABLE card.adjust_report (
	term        text NOT NULL REFERENCES card.term (code),
	district    text NOT NULL REFERENCES card.org (code),
	doc         uuid NOT NULL REFERENCES card.document (id),  -- the last filing
	state       text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'approved')),
	due         date NOT NULL,  -- S+14
	filed_on    date NOT NULL,
	late        boolean NOT NULL,
	filed_by    text NOT NULL DEFAULT current_user,
	filed_at    timestamptz NOT NULL DEFAULT now(),
	approval    uuid REFERENCES card.document (id),
	approver    text,   -- the person who signed for the district centre
	approved_by text,   -- the database role
	approved_at timestamptz,
	PRIMARY KEY (term, district)
);

CREATE TABLE card.adjust_line (
	term     text NOT NULL,
	district text NOT NULL,
	school   text NOT NULL REFERENCES card.org (code),
	surplus  bigint NOT NULL CHECK (surplus >= 0),
	shortage bigint NOT NULL CHECK (shortage >= 0),
	reason   text,
	line     integer NOT NULL,
	PRIMARY KEY (term, school),
	FOREIGN KEY (term, district) REFERENCES card.adjust_report (term, district) ON DELETE CASCADE,
	CHECK (surplus = 0 OR shortage = 0),
	CHECK (surplus + shortage = 0 OR reason IS NOT NULL)
);
CREATE INDEX adjust_line_district ON card.adjust_line (term, district);

-- The city's settlement and its orders.
CREATE TABLE card.settlement (
	term      text PRIMARY KEY REFERENCES card.term (code),
	doc       uuid NOT NULL REFERENCES card.document (id),
	due       date NOT NULL,  -- S+20
	done_on   date NOT NULL,
	late      boolean NOT NULL,
	by_role   text NOT NULL DEFAULT current_user,
	at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE card.settle_order (
	id       uuid PRIMARY KEY REFERENCES card.document (id),
	term     text NOT NULL REFERENCES card.settlement (term),
	district text NOT NULL REFERENCES card.org (code),
	kind     text NOT NULL CHECK (kind IN ('return', 'supplement')),
	count    bigint NOT NULL CHECK (count > 0),
	UNIQUE (term, district, kind)
);

-- Returns to city stock.
CREATE TABLE card.card_return (
	id        uuid PRIMARY KEY REFERENCES card.document (id),
	term      text NOT NULL REFERENCES card.term (code),
	district  text NOT NULL REFERENCES card.org (code),
	from_org  text NOT NULL REFERENCES card.org (code),
	count     bigint NOT NULL CHECK (count > 0),
	ranges    text NOT NULL,
	ordered   uuid REFERENCES card.settle_order (id),
	signer    text NOT NULL,   -- who signed for the city's receipt of the cards
	signed_on date NOT NULL,
	by_role   text NOT NULL DEFAULT current_user,
	at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX card_return_term ON card.card_return (term, district);

-- Supplements from city stock, as ordered by the settlement.
CREATE TABLE card.supplement (
	id        uuid PRIMARY KEY REFERENCES card.document (id),
	term      text NOT NULL REFERENCES card.term (code),
	district  text NOT NULL REFERENCES card.org (code),
	to_org    text NOT NULL REFERENCES card.org (code),
	count     bigint NOT NULL CHECK (count > 0),
	ranges    text NOT NULL,
	ordered   uuid NOT NULL REFERENCES card.settle_order (id),
	signer    text NOT NULL,   -- who signed the receipt at the destination
	signed_on date NOT NULL,
	by_role   text NOT NULL DEFAULT current_user,
	at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX supplement_term ON card.supplement (term, district);

-- ================================================================================================
-- Workflow part 2: replacing defective cards, the charges after the
-- close, and the privileges and row-level security of the reconciliation tables.


CREATE TABLE card.replacement (
	id         uuid PRIMARY KEY REFERENCES card.document (id),
	term       text NOT NULL REFERENCES card.term (code),
	district   text NOT NULL REFERENCES card.org (code),
	school     text NOT NULL REFERENCES card.org (code),
	old_serial bigint NOT NULL UNIQUE,
	new_serial bigint NOT NULL UNIQUE,
	source     text NOT NULL REFERENCES card.org (code),  -- whose stock the good card came from
	state      text NOT NULL CHECK (state IN ('stock', 'distributed')),
	reason     text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
	requested  date NOT NULL,
	due        date NOT NULL,
	done_on    date NOT NULL,
	late       boolean NOT NULL,
	by_role    text NOT NULL DEFAULT current_user,
	at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX replacement_term ON card.replacement (term, district);

CREATE TABLE card.charge (
	id             uuid PRIMARY KEY REFERENCES card.document (id),
	term           text NOT NULL REFERENCES card.term (code),
	district       text NOT NULL REFERENCES card.org (code),
	due_return     bigint NOT NULL,  -- ordered (or declared) to return
	returned       bigint NOT NULL,
	count          bigint NOT NULL CHECK (count > 0),
	face_value_fen integer NOT NULL,
	amount_fen     bigint NOT NULL,
	at             timestamptz NOT NULL DEFAULT now(),
	UNIQUE (term, district)
);

-- Privileges and row-level security, following the pattern above (docs/operations.md): the city
-- (card_city, by default privileges) runs every step; a district login its own transfers,
-- reports, approvals, returns and replacements, and sees only its own rows.  Returns and
-- replacements move cards to or from city stock, which a district cannot touch under the
-- ledger's policies: card.return_cards and card.replace are SECURITY DEFINER and check the
-- caller with card.rc_access first.
DO $$
DECLARE
	tb text;
BEGIN
	FOREACH tb IN ARRAY ARRAY['transfer', 'adjust_report', 'adjust_line', 'settle_order',
	                          'card_return', 'supplement', 'replacement', 'charge'] LOOP
		EXECUTE format('ALTER TABLE card.%I ENABLE ROW LEVEL SECURITY', tb);
		EXECUTE format('CREATE POLICY %I ON card.%I TO card_city USING (true) WITH CHECK (true)',
		               tb || '_city', tb);
		EXECUTE format('CREATE POLICY %I ON card.%I TO card_district '
		               'USING (district IN (SELECT unnest(card.my_districts()))) '
		               'WITH CHECK (district IN (SELECT unnest(card.my_districts())))',
		               tb || '_district', tb);
		EXECUTE format('GRANT SELECT ON card.%I TO card_district', tb);
	END LOOP;
END $$;
GRANT SELECT ON card.settlement TO card_district;
GRANT INSERT ON card.transfer, card.adjust_report, card.adjust_line TO card_district;
GRANT UPDATE, DELETE ON card.adjust_report, card.adjust_line TO card_district;

-- ================================================================================================
-- Workflow part 2's hook in part 1's distribution rule.

-- ================================================================================================
-- Workflow part 2: the figures of the final forms (docs/workflow.md).


-- A district's final report (Annex 5 and 6 filed with the city): who signed and when.
CREATE TABLE card.final_report (
	term     text NOT NULL REFERENCES card.term (code),
	district text NOT NULL REFERENCES card.org (code),
	doc      uuid NOT NULL REFERENCES card.document (id),
	signer   text NOT NULL CHECK (length(btrim(signer)) BETWEEN 1 AND 100),
	filed_on date NOT NULL,
	late     boolean NOT NULL,
	by_role  text NOT NULL DEFAULT current_user,
	at       timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (term, district)
);
ALTER TABLE card.final_report ENABLE ROW LEVEL SECURITY;
CREATE POLICY final_report_city ON card.final_report TO card_city USING (true) WITH CHECK (true);
CREATE POLICY final_report_district ON card.final_report TO card_district
	USING (district IN (SELECT unnest(card.my_districts())))
	WITH CHECK (district IN (SELECT unnest(card.my_districts())));
GRANT SELECT, INSERT ON card.final_report TO card_district;

-- ================================================================================================
-- Workflow part 2: returns and supplements carry their receipt as part 1's receipts do
-- (card.receive): the signer, the date signed and the photo of the signed, stamped paper,
-- stored with its SHA-256.  No return or supplement without the photo: JPEG, PNG or PDF by
-- its magic bytes (card.photo_type), at most 10 MiB (CARD_PHOTO_MAX; libcard checks the file
-- first with the same rules).  The CHECK allows only all of photo, type and hash or none.

ALTER TABLE card.card_return
	ADD COLUMN photo bytea,
	ADD COLUMN photo_type text CHECK (photo_type IN ('image/jpeg', 'image/png', 'application/pdf')),
	ADD COLUMN photo_sha256 bytea,
	ADD CONSTRAINT card_return_photo_all_or_none
		CHECK ((photo IS NULL) = (photo_type IS NULL) AND (photo IS NULL) = (photo_sha256 IS NULL));
ALTER TABLE card.supplement
	ADD COLUMN photo bytea,
	ADD COLUMN photo_type text CHECK (photo_type IN ('image/jpeg', 'image/png', 'application/pdf')),
	ADD COLUMN photo_sha256 bytea,
	ADD CONSTRAINT supplement_photo_all_or_none
		CHECK ((photo IS NULL) = (photo_type IS NULL) AND (photo IS NULL) = (photo_sha256 IS NULL));

-- ================================================================================================
-- Cards lost in transit.
--
-- A receipt that counts fewer cards than were shipped leaves the rest of the shipment in state
-- 'transit' under the shipment.  Once the city centre has settled with the courier that
-- they are lost, card.transit_loss voids every card of the shipment still in transit and not
-- redeemed (lost cards must never be redeemed: whoever finds one holds a valid code), under a
-- loss document, once per shipment.  The city's step: a district reports the shortfall on its
-- receipt.

CREATE TABLE card.transit_loss (
	id        uuid PRIMARY KEY REFERENCES card.document (id),
	shipment  uuid NOT NULL UNIQUE REFERENCES card.shipment (id),
	count     bigint NOT NULL CHECK (count > 0),
	reason    text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
	at        timestamptz NOT NULL DEFAULT now(),
	by_role   text NOT NULL DEFAULT session_user
);
CREATE TRIGGER transit_loss_append_only BEFORE UPDATE OR DELETE ON card.transit_loss
	FOR EACH ROW EXECUTE FUNCTION card.forbid_change();

-- Who may call the functions of this migration (the roles exist from here on).
REVOKE ALL ON FUNCTION card.forbid_change() FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.forbid_change() TO card_city, card_district;
REVOKE ALL ON FUNCTION card.ledger_chain() FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.ledger_chain() TO card_city, card_district;
REVOKE ALL ON FUNCTION card.my_districts() FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.my_districts() TO card_city, card_district;
REVOKE ALL ON FUNCTION card.org_district(text) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.org_district(text) TO card_city, card_district;
