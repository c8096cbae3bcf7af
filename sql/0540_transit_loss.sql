-- 0540_transit_loss.sql -- cards lost in transit.
--
-- A receipt that counts fewer cards than were shipped leaves the rest of the shipment in state
-- 'transit' under the shipment (0410).  Once the city centre has settled with the courier that
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

CREATE FUNCTION card.transit_loss(p_shipment uuid, p_doc uuid, p_reason text)
RETURNS TABLE (shipment uuid, term text, org text, state text, count bigint, first_serial bigint,
               last_serial bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
-- One row per run of consecutive serials with the same outcome: state 'void' (written off) or
-- 'redeemed' (somebody redeemed the card while it was lost: it cannot be voided, so it stays in
-- transit for the city to look into, and is reported).  The unredeemed cards are voided even
-- then: one stolen card that was used must not keep the others of the box redeemable.
DECLARE
	s card.shipment;
	r record;
	n bigint := 0;
	v_state text;
	v_run_state text;
	v_run_first bigint;
	i bigint;  -- a serial (an integer FOR loop would stop at 2^31)
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
	IF EXISTS (SELECT 1 FROM card.transit_loss x WHERE x.shipment = p_shipment) THEN
		RAISE EXCEPTION 'the loss of shipment % is recorded already: nothing is lost', p_shipment
			USING ERRCODE = 'CR003';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM card.holding h WHERE h.state = 'transit' AND h.doc = p_shipment) THEN
		RAISE EXCEPTION 'no card of shipment % is in transit: nothing is lost', p_shipment
			USING ERRCODE = 'CR003';
	END IF;
	INSERT INTO card.document (id, kind, term, district, note)
	VALUES (p_doc, 'transit_loss', s.term, s.district, format('cards of shipment %s lost in transit', p_shipment));
	FOR r IN SELECT h.serials, h.org FROM card.holding h
	         WHERE h.state = 'transit' AND h.doc = p_shipment ORDER BY lower(h.serials) LOOP
		v_run_state := NULL;
		FOR i IN SELECT g FROM generate_series(lower(r.serials), upper(r.serials) - 1) g LOOP
			-- card.void_card takes this lock too (re-entrant); taken first, no redemption can
			-- slip in between the check and the void
			PERFORM pg_advisory_xact_lock(343452248145133568 + i);
			IF EXISTS (SELECT 1 FROM card.redemption x WHERE x.serial = i) THEN
				v_state := 'redeemed';
			ELSE
				PERFORM card.void_card(s.term, p_doc, r.org, 'transit', i, 'lost in transit: ' || p_reason);
				n := n + 1;
				v_state := 'void';
			END IF;
			IF v_run_state IS DISTINCT FROM v_state THEN
				IF v_run_state IS NOT NULL THEN
					RETURN QUERY SELECT p_shipment, s.term, r.org, v_run_state, i - v_run_first, v_run_first, i - 1;
				END IF;
				v_run_state := v_state;
				v_run_first := i;
			END IF;
		END LOOP;
		RETURN QUERY SELECT p_shipment, s.term, r.org, v_run_state, upper(r.serials) - v_run_first,
		                    v_run_first, upper(r.serials) - 1;
	END LOOP;
	IF n = 0 THEN
		RAISE EXCEPTION 'every card of shipment % still in transit was redeemed: none can be voided', p_shipment
			USING ERRCODE = 'CR001', HINT = 'See them with cardctl card show SERIAL; the city decides what follows.';
	END IF;
	INSERT INTO card.transit_loss (id, shipment, count, reason) VALUES (p_doc, p_shipment, n, p_reason);
END $$;
