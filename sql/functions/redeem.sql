-- redeem.sql -- exactly-once redemption (include/card/redeem.h, docs/data-model.md).
--
-- card.redeem_many(p_serials bigint[], p_key_ids int[], p_accounts text[],
--                  p_idem_keys text[] DEFAULT NULL)
--   RETURNS TABLE (outcome text, serial bigint, id bigint, term text, face_value_fen int,
--                  account text, redeemed_at timestamptz)
--
-- One row per request, in request order.  outcome is one of redeemed, repeated,
-- already_redeemed, card_void, invalid_code, idempotency_key_reused; id, term,
-- face_value_fen, account and redeemed_at are set for redeemed and repeated only (another
-- account's redemption is never revealed).  A business outcome never raises: one bad request
-- does not fail the others.  Malformed input (arrays of different lengths, a serial outside
-- 40 bits, a key_id outside 0..15, an account that is not 1..64 characters without control
-- characters, an idempotency key that is not 1..255 bytes) raises CR004 and changes nothing.
--
-- Exactly once: the serial is the primary key of card.redemption and the row is inserted with
-- ON CONFLICT DO NOTHING, after checking in the same function that the serial lies in a batch
-- minted under that key_id (the gist index of card.batch.serials: the cost does not depend on
-- how many cards were minted) and has no card.void row.
--
-- Idempotency keys are claimed first, in key order, then serials are redeemed in serial order
-- (requests for one serial in array order), so concurrent calls cannot deadlock: every call
-- takes its row locks in the same global order, keys before serials.  The first outcome for a
-- key is stored and replayed (a stored "redeemed" replays as "repeated"); the key with another
-- code or account answers idempotency_key_reused.  Within one call, later requests with a key
-- already used earlier in the array are answered the same way.
--
-- SECURITY DEFINER: card_daemon has no table privileges, only EXECUTE on this function.
--
-- `cardctl db migrate` loads this file again whenever its text changes: keep every statement
-- safe to run twice (CREATE OR REPLACE; the grants after each function are all it gets).
CREATE OR REPLACE FUNCTION card.redeem_many(p_serials bigint[], p_key_ids int[], p_accounts text[],
                                 p_idem_keys text[] DEFAULT NULL)
RETURNS TABLE (outcome text, serial bigint, id bigint, term text, face_value_fen integer,
               account text, redeemed_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, card AS $$
#variable_conflict use_column
DECLARE
	n constant int := coalesce(cardinality(p_serials), 0);
	o_out text[];
	o_id bigint[];
	o_term text[];
	o_fv int[];
	o_acct text[];
	o_at timestamptz[];
	v_owner int[];  -- 0: no key; i: request i claimed its key; -j: key first used by request j
	v_prev_key text;
	v_prev_i int;
	i int;
	j int;
	v_batch uuid;
	v_bkey smallint;
	v_bterm text;
	v_fv int;
	v_id bigint;
	v_at timestamptz;
	v_racct text;
	v_ik record;
BEGIN
	IF n = 0 THEN
		RETURN;
	END IF;
	IF n > 10000 OR cardinality(p_key_ids) IS DISTINCT FROM n OR cardinality(p_accounts) IS DISTINCT FROM n
	   OR (p_idem_keys IS NOT NULL AND cardinality(p_idem_keys) <> n) THEN
		RAISE EXCEPTION 'redeem_many: 1 to 10000 requests, all arrays of the same length'
			USING ERRCODE = 'CR004';
	END IF;
	FOR i IN 1..n LOOP
		IF p_serials[i] IS NULL OR p_serials[i] NOT BETWEEN 0 AND 1099511627775
		   OR p_key_ids[i] IS NULL OR p_key_ids[i] NOT BETWEEN 0 AND 15
		   OR p_accounts[i] IS NULL OR length(p_accounts[i]) NOT BETWEEN 1 AND 64
		   OR p_accounts[i] ~ '[\u0001-\u001f\u007f-\u009f]'
		   OR (p_idem_keys IS NOT NULL AND p_idem_keys[i] IS NOT NULL
		       AND octet_length(p_idem_keys[i]) NOT BETWEEN 1 AND 255) THEN
			RAISE EXCEPTION 'invalid redemption request %', i USING ERRCODE = 'CR004',
				DETAIL = 'A serial is 0 to 2^40-1, a key_id 0 to 15, an account 1 to 64 characters without control characters, an idempotency key 1 to 255 bytes.';
		END IF;
	END LOOP;
	o_out := array_fill(NULL::text, ARRAY[n]);
	o_id := array_fill(NULL::bigint, ARRAY[n]);
	o_term := array_fill(NULL::text, ARRAY[n]);
	o_fv := array_fill(NULL::int, ARRAY[n]);
	o_acct := array_fill(NULL::text, ARRAY[n]);
	o_at := array_fill(NULL::timestamptz, ARRAY[n]);
	v_owner := array_fill(0, ARRAY[n]);

	-- 1. Claim idempotency keys, in key order.
	IF p_idem_keys IS NOT NULL THEN
		FOR i IN SELECT g FROM generate_subscripts(p_idem_keys, 1) g
		         WHERE p_idem_keys[g] IS NOT NULL ORDER BY p_idem_keys[g], g LOOP
			IF p_idem_keys[i] = v_prev_key THEN
				v_owner[i] := -v_prev_i;
				CONTINUE;
			END IF;
			v_prev_key := p_idem_keys[i];
			v_prev_i := i;
			INSERT INTO card.idempotency AS x (key, account, serial, outcome)
			VALUES (p_idem_keys[i], p_accounts[i], p_serials[i], 'pending')
			ON CONFLICT (key) DO NOTHING;
			IF FOUND THEN
				v_owner[i] := i;
				CONTINUE;
			END IF;
			SELECT x.serial, x.account, x.outcome INTO v_ik
			FROM card.idempotency x WHERE x.key = p_idem_keys[i];
			IF v_ik.serial = p_serials[i] AND v_ik.account = p_accounts[i] THEN
				o_out[i] := CASE v_ik.outcome WHEN 'redeemed' THEN 'repeated' ELSE v_ik.outcome END;
			ELSE
				o_out[i] := 'idempotency_key_reused';
			END IF;
		END LOOP;
	END IF;

	-- 2. Redeem, in serial order (array order within one serial).  The shared per-serial lock
	-- pairs with the exclusive one card.void_card takes (ledger.sql): a void and a redemption
	-- of the same card never both commit.  Key: 0x4C43 << 44 | serial (see card.void_card).
	FOR i IN SELECT g FROM generate_subscripts(p_serials, 1) g ORDER BY p_serials[g], g LOOP
		CONTINUE WHEN o_out[i] IS NOT NULL OR v_owner[i] < 0;
		PERFORM pg_advisory_xact_lock_shared(343452248145133568 + p_serials[i]);
		SELECT b.id, b.key_id, b.term, t.face_value_fen INTO v_batch, v_bkey, v_bterm, v_fv
		FROM card.batch b JOIN card.term t ON t.code = b.term
		WHERE b.serials @> p_serials[i];
		IF NOT FOUND OR v_bkey <> p_key_ids[i] THEN
			o_out[i] := 'invalid_code';
		ELSIF EXISTS (SELECT 1 FROM card.void v WHERE v.serial = p_serials[i]) THEN
			o_out[i] := 'card_void';
		ELSE
			INSERT INTO card.redemption AS r (serial, account, batch)
			VALUES (p_serials[i], p_accounts[i], v_batch)
			ON CONFLICT (serial) DO NOTHING
			RETURNING r.id, r.redeemed_at INTO v_id, v_at;
			IF FOUND THEN
				o_out[i] := 'redeemed';
			ELSE
				SELECT r.account, r.id, r.redeemed_at INTO v_racct, v_id, v_at
				FROM card.redemption r WHERE r.serial = p_serials[i];
				o_out[i] := CASE WHEN v_racct = p_accounts[i] THEN 'repeated' ELSE 'already_redeemed' END;
			END IF;
			IF o_out[i] <> 'already_redeemed' THEN
				o_id[i] := v_id;
				o_at[i] := v_at;
				o_term[i] := v_bterm;
				o_fv[i] := v_fv;
				o_acct[i] := p_accounts[i];
			END IF;
		END IF;
		IF v_owner[i] = i THEN
			UPDATE card.idempotency x SET outcome = o_out[i] WHERE x.key = p_idem_keys[i];
		END IF;
	END LOOP;

	-- 3. Later uses of a key within this call; details of replayed successes.
	FOR i IN 1..n LOOP
		IF v_owner[i] < 0 THEN
			j := -v_owner[i];
			IF p_serials[i] = p_serials[j] AND p_accounts[i] = p_accounts[j] THEN
				o_out[i] := CASE o_out[j] WHEN 'redeemed' THEN 'repeated' ELSE o_out[j] END;
			ELSE
				o_out[i] := 'idempotency_key_reused';
			END IF;
		END IF;
		IF o_out[i] = 'repeated' AND o_id[i] IS NULL THEN
			SELECT r.id, r.redeemed_at, b.term, t.face_value_fen, r.account
			INTO v_id, v_at, v_bterm, v_fv, v_racct
			FROM card.redemption r JOIN card.batch b ON b.id = r.batch JOIN card.term t ON t.code = b.term
			WHERE r.serial = p_serials[i];
			o_id[i] := v_id;
			o_at[i] := v_at;
			o_term[i] := v_bterm;
			o_fv[i] := v_fv;
			o_acct[i] := v_racct;
		END IF;
	END LOOP;

	RETURN QUERY SELECT o_out[g], p_serials[g], o_id[g], o_term[g], o_fv[g], o_acct[g], o_at[g]
	             FROM generate_series(1, n) g ORDER BY g;
END $$;
REVOKE ALL ON FUNCTION card.redeem_many(bigint[], integer[], text[], text[]) FROM PUBLIC, card_city, card_district, card_daemon;
GRANT EXECUTE ON FUNCTION card.redeem_many(bigint[], integer[], text[], text[]) TO card_daemon, card_city;
