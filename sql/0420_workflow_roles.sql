-- 0420_workflow_roles.sql -- privileges and row-level security of workflow part 1, following
-- the pattern of 0230_roles.sql (docs/operations.md).
--
--   card_city      everything (0230's default privileges already cover these tables).
--   card_district  its own districts only: imports, submits and approves their census; sees
--                  the plan's lines of its districts; ships from its depots to its schools,
--                  receives and distributes there; reads its status.  Making the plan,
--                  minting it, reopening a census and shipping from city stock are the city's.

-- The access check of the workflow functions (no-op until now, 0410).
CREATE OR REPLACE FUNCTION card.wf_access(p_district text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF card.is_city() THEN
		RETURN;
	END IF;
	IF p_district IS NULL OR NOT p_district = ANY (card.my_districts()) THEN
		RAISE EXCEPTION 'permission denied: this step is for %',
			coalesce(format('district "%s" or the city centre', p_district), 'the city centre')
			USING ERRCODE = 'CR006',
			HINT = 'District users act only for the districts their login is mapped to (card.district_login).';
	END IF;
END $$;

CREATE OR REPLACE FUNCTION card.census_check_access(p_district text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM card.wf_access(p_district);
END $$;

-- Functions a district may run (0230 revoked EXECUTE from PUBLIC by default).
GRANT EXECUTE ON FUNCTION
	card.census_category(text),
	card.census_import(text, text, uuid, integer[], text[], text[], text[], text[], text[], numeric, integer),
	card.census_check_access(text),
	card.census_check(text, text),
	card.census_get(text, text),
	card.census_submit(text, text, uuid),
	card.census_approve(text, text, text, text[], text[], numeric, integer),
	card.bureau_today(),
	card.wf_access(text),
	card.plan_range(text, text),
	card.ship(text, uuid, text, text, bigint, int8range, text, text, text),
	card.photo_type(bytea),
	card.receive(uuid, uuid, text, date, bigint, bytea),
	card.distribute(text, uuid, text, bigint, date, integer[], text[], text[], bigint[]),
	card.term_status(text, text),
	card.term_deadlines(text),
	card.term_flags(text, text)
	TO card_district;

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
