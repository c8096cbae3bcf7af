-- 0540_transit_loss.sql -- cards lost in transit.
--
-- A receipt that counts fewer cards than were shipped leaves the rest of the shipment in state
-- 'transit' under the shipment (0410).  Once the city centre has settled with the courier that
-- they are lost, card.transit_loss voids every card of the shipment still in transit (lost
-- cards must never be redeemed: whoever finds one holds a valid code), under a loss document,
-- one per shipment.  The city's step: a district reports the shortfall on its receipt.

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

CREATE FUNCTION card.transit_loss(p_shipment uuid, p_doc uuid, p_reason text)
RETURNS TABLE (shipment uuid, term text, org text, count bigint, first_serial bigint, last_serial bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	s card.shipment;
	r record;
	n bigint := 0;
BEGIN
	PERFORM card.wf_access(NULL);
	-- the same lock as card.receive: a loss and a receipt of one shipment do not interleave
	PERFORM pg_advisory_xact_lock(hashtextextended('card.receipt|' || p_shipment::text, 0));
	SELECT * INTO s FROM card.shipment x WHERE x.id = p_shipment;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'shipment % does not exist', p_shipment USING ERRCODE = 'CR002';
	END IF;
	p_reason := btrim(coalesce(p_reason, ''));
	IF p_reason = '' OR length(p_reason) > 500 THEN
		RAISE EXCEPTION 'a loss needs a reason (at most 500 characters)' USING ERRCODE = 'CR004';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM card.receipt x WHERE x.shipment = p_shipment) THEN
		RAISE EXCEPTION 'shipment % is not received yet', p_shipment USING ERRCODE = 'CR003',
			HINT = 'Record the receipt of what arrived first (cardctl receive --count N).';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM card.holding h WHERE h.state = 'transit' AND h.doc = p_shipment) THEN
		RAISE EXCEPTION 'no card of shipment % is in transit: nothing is lost', p_shipment
			USING ERRCODE = 'CR003';
	END IF;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'transit_loss', s.term, s.district, format('cards of shipment %s lost in transit', p_shipment));
	FOR r IN SELECT h.serials, h.org FROM card.holding h
	         WHERE h.state = 'transit' AND h.doc = p_shipment ORDER BY lower(h.serials) LOOP
		FOR i IN lower(r.serials) .. upper(r.serials) - 1 LOOP
			PERFORM card.void_card(s.term, p_doc, r.org, 'transit', i, 'lost in transit: ' || p_reason);
		END LOOP;
		n := n + (upper(r.serials) - lower(r.serials));
		RETURN QUERY SELECT p_shipment, s.term, r.org, upper(r.serials) - lower(r.serials),
		                    lower(r.serials), upper(r.serials) - 1;
	END LOOP;
	INSERT INTO card.transit_loss (id, shipment, count, reason) VALUES (p_doc, p_shipment, n, p_reason);
END $$;
