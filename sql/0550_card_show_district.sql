-- 0550_card_show_district.sql -- `cardctl card show` for district logins.
--
-- A district's help desk looks up a card a student of its district brings: card.card_show and
-- card.card_moves now answer a district login too, for the cards its districts hold (in
-- transit to them, in stock, handed out or void there).  Any other card is no card to it (no
-- row), so a district learns nothing of another district's students and accounts.  The city
-- and the daemon (help-desk endpoint) see every card, as before.
--
-- 0220's functions keep their bodies under new names (card_show_all, card_moves_all: the city's
-- and the daemon's, as granted there); the old names become the checked entry points.

CREATE FUNCTION card.card_visible(p_serial bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT card.is_city()
	       OR pg_has_role(session_user, 'card_daemon', 'MEMBER')
	       OR EXISTS (SELECT 1 FROM card.holding h
	                  WHERE h.serials @> p_serial
	                    AND card.org_district(h.org) = ANY (card.my_districts()))
$$;

ALTER FUNCTION card.card_show(bigint) RENAME TO card_show_all;
ALTER FUNCTION card.card_moves(bigint) RENAME TO card_moves_all;

CREATE FUNCTION card.card_show(p_serial bigint)
RETURNS TABLE (serial bigint, batch uuid, term text, key_id integer, face_value_fen integer,
               org text, state text, holder_doc uuid, redemption_id bigint, account text,
               redeemed_at timestamptz, void_reason text, void_doc uuid, voided_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT * FROM card.card_show_all(p_serial) WHERE (SELECT card.card_visible(p_serial))
$$;

CREATE FUNCTION card.card_moves(p_serial bigint)
RETURNS TABLE (ledger_id bigint, at timestamptz, kind text, doc uuid, from_org text,
               from_state text, to_org text, to_state text, actor text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, card AS $$
	SELECT * FROM card.card_moves_all(p_serial) WHERE (SELECT card.card_visible(p_serial))
$$;

REVOKE ALL ON FUNCTION card.card_visible(bigint), card.card_show(bigint), card.card_moves(bigint)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION card.card_visible(bigint), card.card_show(bigint), card.card_moves(bigint)
	TO card_city, card_district, card_daemon;
