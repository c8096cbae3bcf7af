-- 0003_drill_day.sql -- the bureau's day of a drill or training database.
--
-- Every date of the workflow is the bureau's day, card.bureau_today() (sql/functions/
-- calendar.sql): China Standard Time by the server's clock.  A drill or a training database
-- plays a term on days of its own: `cardctl db today --set 2026-09-20` records the day here,
-- and every login then works on that day until `cardctl db today --clear`.  Only the database
-- owner (the role that runs `cardctl db migrate`, no superuser needed) may write this table:
-- no city or district login can move the day to hide a late step.  Who set the day and when
-- is kept with it; `cardctl db today` shows the day and whether it is a drill day.
CREATE TABLE card.drill_day (
	one    boolean PRIMARY KEY DEFAULT true CHECK (one),
	today  date NOT NULL,
	set_by text NOT NULL DEFAULT session_user,
	set_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON card.drill_day TO card_city, card_district;
