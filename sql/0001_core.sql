-- 0001_core.sql -- the core data model of libcard (docs/data-model.md).
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

-- A term: '2026-autumn'.  Dates of the calendar (SPEC §1) derive from start_date.
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

CREATE FUNCTION card.forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
