-- 0550_card_show_district.sql -- `cardctl card show` for district logins.
--
-- A district's help desk looks up a card a student of its district brings: card.card_show and
-- card.card_moves now answer a district login too, for the cards its districts hold (in
-- transit to them, in stock, handed out or void there).  Any other card is no card to it (no
-- row), so a district learns nothing of another district's students and accounts.  The city
-- and the daemon (help-desk endpoint) see every card, as before.

CREATE FUNCTION card.card_visible(p_serial bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT card.is_city()
	       OR pg_has_role(session_user, 'card_daemon', 'MEMBER')
	       OR EXISTS (SELECT 1 FROM card.holding h
	                  WHERE h.serials @> p_serial
	                    AND card.org_district(h.org) = ANY (card.my_districts()))
$$;

CREATE OR REPLACE FUNCTION card.card_show(p_serial bigint)
RETURNS TABLE (serial bigint, batch uuid, term text, key_id integer, face_value_fen integer,
               org text, state text, holder_doc uuid, redemption_id bigint, account text,
               redeemed_at timestamptz, void_reason text, void_doc uuid, voided_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT p_serial, b.id, b.term, b.key_id::integer, t.face_value_fen, h.org, h.state, h.doc,
	       r.id, r.account, r.redeemed_at, v.reason, v.doc, v.at
	FROM card.batch b
	JOIN card.term t ON t.code = b.term
	LEFT JOIN card.holding h ON h.serials @> p_serial
	LEFT JOIN card.redemption r ON r.serial = p_serial
	LEFT JOIN card.void v ON v.serial = p_serial
	WHERE b.serials @> p_serial AND card.card_visible(p_serial)
$$;

CREATE OR REPLACE FUNCTION card.card_moves(p_serial bigint)
RETURNS TABLE (ledger_id bigint, at timestamptz, kind text, doc uuid, from_org text,
               from_state text, to_org text, to_state text, actor text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT l.id, l.at, l.kind, l.doc, l.from_org, l.from_state, l.to_org, l.to_state, l.actor
	FROM card.ledger l WHERE l.serials @> p_serial AND card.card_visible(p_serial)
	ORDER BY l.chain_seq
$$;

REVOKE ALL ON FUNCTION card.card_visible(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION card.card_visible(bigint) TO card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.card_show(bigint), card.card_moves(bigint) TO card_district;
