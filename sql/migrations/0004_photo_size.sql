-- 0004_photo_size.sql -- the pixel size of every receipt photo.
--
-- libcard decodes a receipt photo whole before it is sent (libcard/photo.c: a PNG or JPEG that
-- does not decode to its last row is refused, so is one wider or taller than 10000 pixels) and
-- sends its width and height with it; the receipt of a shipment, a return or a supplement
-- keeps them.  A PDF has pages, not pixels: both NULL.  Receipts recorded before this
-- migration have no size (NULL).  card.photo_size_check (sql/functions/delivery.sql) is the
-- rule the recording functions ask; the CHECKs below hold it for every row.
ALTER TABLE card.receipt
	ADD COLUMN photo_width integer,
	ADD COLUMN photo_height integer,
	ADD CONSTRAINT receipt_photo_size CHECK ((photo_width IS NULL) = (photo_height IS NULL)
		AND photo_width BETWEEN 1 AND 10000 AND photo_height BETWEEN 1 AND 10000);
ALTER TABLE card.card_return
	ADD COLUMN photo_width integer,
	ADD COLUMN photo_height integer,
	ADD CONSTRAINT card_return_photo_size CHECK ((photo_width IS NULL) = (photo_height IS NULL)
		AND photo_width BETWEEN 1 AND 10000 AND photo_height BETWEEN 1 AND 10000);
ALTER TABLE card.supplement
	ADD COLUMN photo_width integer,
	ADD COLUMN photo_height integer,
	ADD CONSTRAINT supplement_photo_size CHECK ((photo_width IS NULL) = (photo_height IS NULL)
		AND photo_width BETWEEN 1 AND 10000 AND photo_height BETWEEN 1 AND 10000);

-- The three functions that record a receipt take the size (sql/functions/delivery.sql and
-- reconcile.sql define them anew); the old signatures go.  IF EXISTS: on a fresh database the
-- function files are loaded after the migrations.
DROP FUNCTION IF EXISTS card.receive(uuid, uuid, text, date, bigint, bytea);
DROP FUNCTION IF EXISTS card.return_cards(text, uuid, text, text, bigint, int8range, text, date, bytea);
DROP FUNCTION IF EXISTS card.supplement(text, uuid, text, bigint, text, date, bytea);
