-- 0006: a redemption's batch is checked by the redeeming statement, not by a foreign key.
--
-- card.redeem_many (sql/functions/redeem.sql), the only writer of card.redemption, finds each
-- serial's batch through the range index in the statement that inserts the row, and writes
-- that batch's id and term: the row cannot name a batch that does not hold its serial, nor
-- another term than its batch's (so (serial, term), the key of 0005, is unique exactly when
-- serial is).  The foreign key (batch, term) -> card.batch (id, term) checked it a second time, one extra query per redeemed card (a row lock on the batch
-- row, FOR KEY SHARE, taken by every concurrent redemption of the batch: one hot row, shared
-- by all of them): about a quarter of the database's work per redemption.
--
-- What the key also prevented was deleting a batch that has redemptions.  Batches are now
-- append-only, like the ledger: minted once, never changed or removed (no step does), and
-- `cardctl audit` still reports a redemption outside every batch (redeemed_outside_batch).
DO $$
DECLARE
	c record;
BEGIN
	FOR c IN SELECT conname FROM pg_constraint
	         WHERE conrelid = 'card.redemption'::regclass AND contype = 'f'
	           AND confrelid = 'card.batch'::regclass LOOP
		EXECUTE format('ALTER TABLE card.redemption DROP CONSTRAINT %I', c.conname);
	END LOOP;
END $$;

REVOKE UPDATE, DELETE, TRUNCATE ON card.batch FROM card_city, card_district;
CREATE TRIGGER batch_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON card.batch
	FOR EACH STATEMENT EXECUTE FUNCTION card.forbid_change();
