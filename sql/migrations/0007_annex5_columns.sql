-- 0007: Annex 5 gained columns (the signed transfer and the stock on hand, sql/functions/reports.sql).
-- CREATE OR REPLACE cannot change a function's result columns, so the old card.report_annex5
-- goes here; `cardctl db migrate` then loads the new one with the rest of reports.sql.
DROP FUNCTION IF EXISTS card.report_annex5(text, text);
