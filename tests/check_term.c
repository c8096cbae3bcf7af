/*
 * check_term.c -- dates, terms in the store, the calendar the server computes, and the bureau's
 * day (the drill day only the database owner sets).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "testutil.h"

static card_date D(const char *s)
{
	card_date d;
	ck_assert_msg(card_date_parse(s, &d) == CARD_OK, "date %s", s);
	return d;
}

static void ck_date(card_date d, const char *want)
{
	char buf[CARD_DATE_BUFSZ];
	card_date_format(d, buf);
	ck_assert_str_eq(buf, want);
}

START_TEST(test_dates)
{
	card_date d;
	ck_date(card_date_add(D("2016-02-28"), 1), "2016-02-29");
	ck_date(card_date_add(D("2016-02-28"), 2), "2016-03-01");
	ck_date(card_date_add(D("2015-02-28"), 1), "2015-03-01");
	ck_date(card_date_add(D("2016-12-31"), 1), "2017-01-01");
	ck_date(card_date_add(D("2016-09-01"), -7), "2016-08-25");
	ck_date(card_date_add(D("2000-03-01"), -1), "2000-02-29");
	ck_assert_int_eq(card_date_diff(D("2017-01-01"), D("2016-01-01")), 366);
	ck_assert_int_eq(card_date_parse("2016-02-30", &d), CARD_ERR_INPUT);
	ck_assert_int_eq(card_date_parse("2015-02-29", &d), CARD_ERR_INPUT);
	ck_assert_int_eq(card_date_parse("2016-9-01", &d), CARD_ERR_INPUT);
	ck_assert_int_eq(card_date_parse("2016-09-01x", &d), CARD_ERR_INPUT);
	ck_assert_int_eq(card_date_parse("+016-09-01", &d), CARD_ERR_INPUT);
	ck_assert_int_eq(card_date_parse("2016-13-01", &d), CARD_ERR_INPUT);
}
END_TEST

static PGconn *su(void)
{
	PGconn *c = PQconnectdb("");
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	return c;
}

static void sql_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
	              "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

START_TEST(test_calendar)
{
	static const char *const want[][3] = {
		{ "census", "2016-06-25", "district" },
		{ "delivery", "2016-08-25", "city" },
		{ "distribution", "2016-09-08", "school" },
		{ "self-adjustment", "2016-09-01", "district" },
		{ "adjustment-report", "2016-09-15", "district" },
		{ "city-adjustment", "2016-09-21", "city" },
		{ "supplement-distribution", "2016-10-01", "school" },
		{ "close", "2016-10-01", "city" },
		{ "final-report", "2016-10-01", "district" },
		{ "replacement", NULL, "district" },
	};
	card_store *st = NULL;
	card_deadline *cal = NULL;
	card_term t;
	card_diag d;
	size_t n = 0;
	int year, autumn;
	PGconn *c = su();

	card_diag_clear(&d);
	sql_ok(c, "DROP SCHEMA IF EXISTS card CASCADE");
	ck_assert_int_eq(card_store_open(NULL, &st, &d), CARD_OK);
	ck_assert_int_eq(card_db_migrate(st, NULL, NULL, &d), CARD_OK);
	memset(&t, 0, sizeof(t));
	strcpy(t.code, "2016-autumn");
	t.start = D("2016-09-01");
	t.face_value_fen = 5000;
	ck_assert_int_eq(card_term_new(st, &t, NULL, &d), CARD_OK);
	ck_assert_int_eq(card_term_calendar(st, t.code, &cal, &n, &d), CARD_OK);
	ck_assert_uint_eq(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(cal[i].step, want[i][0]);
		ck_assert_str_eq(cal[i].who, want[i][2]);
		ck_assert_int_eq(cal[i].has_due, want[i][1] != NULL);
		if (want[i][1] != NULL) {
			ck_date(cal[i].due, want[i][1]);
			ck_assert_int_eq(cal[i].offset_days,
			                 (int)card_date_diff(cal[i].due, t.start));
		}
	}
	/* A replacement counts from the request. */
	ck_assert_str_eq(cal[n - 1].base, "request");
	ck_assert_int_eq(cal[n - 1].days, 7);
	free(cal);
	ck_assert_int_eq(card_term_calendar(st, "2099-autumn", &cal, &n, &d), CARD_ERR_NOT_FOUND);
	/* Spring: census Jan 15 by default (the server's), across a leap February. */
	strcpy(t.code, "2024-spring");
	t.start = D("2024-02-26");
	memset(&t.census_due, 0, sizeof(t.census_due));
	ck_assert_int_eq(card_term_new(st, &t, &t.census_due, &d), CARD_OK);
	ck_date(t.census_due, "2024-01-15");
	ck_assert_int_eq(card_term_calendar(st, t.code, &cal, &n, &d), CARD_OK);
	ck_assert_str_eq(cal[1].step, "delivery");
	ck_date(cal[1].due, "2024-02-19");
	ck_assert_str_eq(cal[7].step, "close");
	ck_date(cal[7].due, "2024-03-27");
	free(cal);
	ck_assert_int_eq(card_term_parse_code("2024-spring", &year, &autumn), CARD_OK);
	ck_assert(year == 2024 && !autumn);
	ck_assert_int_eq(card_term_parse_code("2024-summer", NULL, NULL), CARD_ERR_INPUT);
	ck_assert_int_eq(card_term_parse_code("24-autumn", NULL, NULL), CARD_ERR_INPUT);
	ck_assert_int_eq(card_term_parse_code("2024-autumnx", NULL, NULL), CARD_ERR_INPUT);
	/* the term as officials write it, on every form and the student page */
	{
		char name[CARD_TERM_NAME_BUFSZ] = "x";
		ck_assert_int_eq(card_term_name("2016-autumn", name), CARD_OK);
		ck_assert_str_eq(name, "2016年秋季学期");
		ck_assert_int_eq(card_term_name("2017-spring", name), CARD_OK);
		ck_assert_str_eq(name, "2017年春季学期");
		ck_assert_int_eq(card_term_name("2016-fall", name), CARD_ERR_INPUT);
		ck_assert_str_eq(name, "");
		ck_assert_int_eq(card_term_name(NULL, name), CARD_ERR_INPUT);
	}
	card_store_close(st);
	PQfinish(c);
}
END_TEST

/* The bureau's day is the server's: China Standard Time, or the drill day the owner sets.  A
 * city or district login can neither set it nor move it with a session setting. */
START_TEST(test_bureau_day)
{
	card_store *st = NULL, *city = NULL, *dist = NULL;
	card_date day, drill_day = D("2026-09-20");
	card_diag d;
	int drill = -1;
	PGconn *c = su();
	PGresult *r;

	card_diag_clear(&d);
	sql_ok(c, "DROP SCHEMA IF EXISTS card CASCADE");
	ck_assert_int_eq(card_store_open(NULL, &st, &d), CARD_OK);
	ck_assert_int_eq(card_db_migrate(st, NULL, NULL, &d), CARD_OK);
	sql_ok(c, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dayc') THEN "
	          "CREATE ROLE dayc LOGIN IN ROLE card_city; CREATE ROLE dayd LOGIN IN ROLE "
	          "card_district; "
	          "END IF; END $$");
	ck_assert_int_eq(card_bureau_today(st, &day, &drill, &d), CARD_OK);
	ck_assert_int_eq(drill, 0);
	r = PQexec(c, "SELECT to_char((now() AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD')");
	ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	ck_date(day, PQgetvalue(r, 0, 0));
	PQclear(r);
	/* The owner sets a drill day: every login works on it. */
	ck_assert_int_eq(card_drill_day_set(st, &drill_day, &d), CARD_OK);
	ck_assert_int_eq(card_store_open("user=dayc", &city, &d), CARD_OK);
	ck_assert_int_eq(card_store_open("user=dayd", &dist, &d), CARD_OK);
	ck_assert_int_eq(card_bureau_today(dist, &day, &drill, &d), CARD_OK);
	ck_date(day, "2026-09-20");
	ck_assert_int_eq(drill, 1);
	/* Nobody else sets or clears it. */
	ck_assert_int_eq(card_drill_day_set(dist, NULL, &d), CARD_ERR_PERMISSION);
	ck_assert_int_eq(card_drill_day_set(city, &day, &d), CARD_ERR_PERMISSION);
	ck_assert_ptr_nonnull(strstr(d.hint, "database owner"));
	card_store_close(city);
	card_store_close(dist);
	/* A session setting (the old card.today) changes nothing, for anyone. */
	{
		PGconn *dl = PQconnectdb("user=dayd options='-c card.today=2020-01-01'");
		ck_assert_msg(PQstatus(dl) == CONNECTION_OK, "%s", PQerrorMessage(dl));
		r = PQexec(dl, "SELECT card.bureau_today()::text");
		ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
		ck_assert_str_eq(PQgetvalue(r, 0, 0), "2026-09-20");
		PQclear(r);
		r = PQexec(dl, "DELETE FROM card.drill_day");
		ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42501");
		PQclear(r);
		PQfinish(dl);
	}
	ck_assert_int_eq(card_drill_day_set(st, NULL, &d), CARD_OK);
	ck_assert_int_eq(card_bureau_today(st, &day, &drill, &d), CARD_OK);
	ck_assert_int_eq(drill, 0);
	card_store_close(st);
	PQfinish(c);
}
END_TEST

START_TEST(test_store)
{
	card_store *st = NULL;
	card_diag d;
	card_term t, got, *list = NULL;
	card_date day;
	size_t n = 0;

	card_diag_clear(&d);
	{
		PGconn *c = su();
		sql_ok(c, "DROP SCHEMA IF EXISTS card CASCADE");
		PQfinish(c);
	}
	ck_assert_int_eq(card_store_open(NULL, &st, &d), CARD_OK);
	ck_assert_int_eq(card_db_migrate(st, NULL, NULL, &d), CARD_OK);
	memset(&t, 0, sizeof(t));
	strcpy(t.code, "2026-autumn");
	t.start = D("2026-09-01");
	t.face_value_fen = 5000;
	ck_assert_int_eq(card_term_new(st, &t, &t.census_due, &d), CARD_OK);
	ck_date(t.census_due, "2026-06-25");
	ck_assert_int_eq(card_term_new(st, &t, NULL, &d), CARD_ERR_CONFLICT);
	ck_assert_ptr_nonnull(strstr(d.message, "already exists"));
	/* Census after delivery, start outside the term's half year: refused, nothing stored. */
	strcpy(t.code, "2027-spring");
	t.start = D("2027-02-20");
	t.census_due = D("2027-02-14");
	ck_assert_int_eq(card_term_new(st, &t, NULL, &d), CARD_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(d.message, "after the delivery deadline 2027-02-13"));
	t.census_due = D("2027-01-15");
	t.start = D("2027-08-20");
	ck_assert_int_eq(card_term_new(st, &t, NULL, &d), CARD_ERR_INPUT);
	ck_assert_int_eq(card_term_get(st, "2027-spring", &got, &d), CARD_ERR_NOT_FOUND);
	t.start = D("2027-02-20");
	ck_assert_int_eq(card_term_new(st, &t, NULL, &d), CARD_OK);
	ck_assert_int_eq(card_term_get(st, "2026-autumn", &got, &d), CARD_OK);
	ck_date(got.start, "2026-09-01");
	ck_date(got.census_due, "2026-06-25");
	ck_assert_int_eq(got.face_value_fen, 5000);
	ck_assert_int_eq(card_term_list(st, &list, &n, &d), CARD_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].code, "2026-autumn");
	ck_assert_str_eq(list[1].code, "2027-spring");
	free(list);
	day = D("2026-12-01");
	ck_assert_int_eq(card_term_current(st, &day, &got, &d), CARD_OK);
	ck_assert_str_eq(got.code, "2026-autumn");
	day = D("2027-03-01");
	ck_assert_int_eq(card_term_current(st, &day, &got, &d), CARD_OK);
	ck_assert_str_eq(got.code, "2027-spring");
	day = D("2025-03-01");
	ck_assert_int_eq(card_term_current(st, &day, &got, &d), CARD_OK);
	ck_assert_str_eq(got.code, "2026-autumn");
	/* Without a day: the bureau's (a drill day here). */
	ck_assert_int_eq(card_drill_day_set(st, &day, &d), CARD_OK);
	ck_assert_int_eq(card_term_current(st, NULL, &got, &d), CARD_OK);
	ck_assert_str_eq(got.code, "2026-autumn");
	day = D("2027-03-01");
	ck_assert_int_eq(card_drill_day_set(st, &day, &d), CARD_OK);
	ck_assert_int_eq(card_term_current(st, NULL, &got, &d), CARD_OK);
	ck_assert_str_eq(got.code, "2027-spring");
	card_store_close(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("term");
	TCase *tc = tcase_create("term");
	tcase_add_test(tc, test_dates);
	tcase_add_test(tc, test_calendar);
	tcase_add_test(tc, test_bureau_day);
	tcase_add_test(tc, test_store);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
