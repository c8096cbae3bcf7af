/*
 * check_term.c -- dates, the deadline calendar of SPEC §1, and terms in the store.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

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
	ck_assert(card_date_late(D("2016-09-08"), D("2016-09-09")));
	ck_assert(!card_date_late(D("2016-09-08"), D("2016-09-08")));
	d = card_date_today();
	ck_assert(d.year >= 2024 && d.month >= 1 && d.month <= 12);
}
END_TEST

START_TEST(test_calendar)
{
	card_term t;
	card_deadline cal[CARD_STEP_COUNT];
	static const char *const want[CARD_STEP_COUNT][2] = {
		{ "census", "2016-06-25" },        { "delivery", "2016-08-25" },
		{ "distribution", "2016-09-08" },  { "self-adjustment", "2016-09-01" },
		{ "adjustment-report", "2016-09-15" }, { "city-adjustment", "2016-09-21" },
		{ "close", "2016-10-01" },         { "final-report", "2016-10-01" },
	};
	int year, autumn;

	memset(&t, 0, sizeof(t));
	strcpy(t.code, "2016-autumn");
	t.start = D("2016-09-01");
	ck_assert_int_eq(card_term_default_census(t.code, &t.census_due), CARD_OK);
	card_term_calendar(&t, cal);
	for (int i = 0; i < CARD_STEP_COUNT; i++) {
		ck_assert_int_eq(cal[i].step, i);
		ck_assert_str_eq(cal[i].name, want[i][0]);
		ck_date(cal[i].due, want[i][1]);
		ck_date(card_term_due(&t, (card_step)i), want[i][1]);
	}
	/* Self-adjustment runs 7 days from the actual delivery; replacement 7 days from request. */
	ck_date(card_self_adjust_due(D("2016-08-29")), "2016-09-05");
	ck_date(card_replacement_due(D("2016-09-28")), "2016-10-05");
	/* Spring: census Jan 15, across a leap February. */
	ck_assert_int_eq(card_term_default_census("2024-spring", &t.census_due), CARD_OK);
	ck_date(t.census_due, "2024-01-15");
	t.start = D("2024-02-26");
	ck_date(card_term_due(&t, CARD_STEP_DELIVERY), "2024-02-19");
	ck_date(card_term_due(&t, CARD_STEP_CLOSE), "2024-03-27");
	ck_assert_int_eq(card_term_parse_code("2024-spring", &year, &autumn), CARD_OK);
	ck_assert(year == 2024 && !autumn);
	ck_assert_int_eq(card_term_parse_code("2024-summer", NULL, NULL), CARD_ERR_INPUT);
	ck_assert_int_eq(card_term_parse_code("24-autumn", NULL, NULL), CARD_ERR_INPUT);
	ck_assert_int_eq(card_term_parse_code("2024-autumnx", NULL, NULL), CARD_ERR_INPUT);
}
END_TEST

START_TEST(test_store)
{
	card_store *st = NULL;
	card_diag d;
	card_term t, got, *list = NULL;
	size_t n = 0;

	card_diag_clear(&d);
	ck_assert_int_eq(card_store_open(NULL, &st, &d), CARD_OK);
	ck_assert_int_eq(card_db_migrate(st, NULL, NULL, &d), CARD_OK);
	memset(&t, 0, sizeof(t));
	strcpy(t.code, "2026-autumn");
	t.start = D("2026-09-01");
	t.face_value_fen = 5000;
	ck_assert_int_eq(card_term_default_census(t.code, &t.census_due), CARD_OK);
	ck_assert_int_eq(card_term_new(st, &t, &d), CARD_OK);
	ck_assert_int_eq(card_term_new(st, &t, &d), CARD_ERR_CONFLICT);
	ck_assert_ptr_nonnull(strstr(d.message, "already exists"));
	/* Census after delivery, start outside the term's half year: refused, nothing stored. */
	strcpy(t.code, "2027-spring");
	t.start = D("2027-02-20");
	t.census_due = D("2027-02-14");
	ck_assert_int_eq(card_term_new(st, &t, &d), CARD_ERR_INPUT);
	t.census_due = D("2027-01-15");
	t.start = D("2027-08-20");
	ck_assert_int_eq(card_term_new(st, &t, &d), CARD_ERR_INPUT);
	ck_assert_int_eq(card_term_get(st, "2027-spring", &got, &d), CARD_ERR_NOT_FOUND);
	t.start = D("2027-02-20");
	ck_assert_int_eq(card_term_new(st, &t, &d), CARD_OK);
	ck_assert_int_eq(card_term_get(st, "2026-autumn", &got, &d), CARD_OK);
	ck_date(got.start, "2026-09-01");
	ck_date(got.census_due, "2026-06-25");
	ck_assert_int_eq(got.face_value_fen, 5000);
	ck_assert_int_eq(card_term_list(st, &list, &n, &d), CARD_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].code, "2026-autumn");
	ck_assert_str_eq(list[1].code, "2027-spring");
	free(list);
	ck_assert_int_eq(card_term_current(st, D("2026-12-01"), &got, &d), CARD_OK);
	ck_assert_str_eq(got.code, "2026-autumn");
	ck_assert_int_eq(card_term_current(st, D("2027-03-01"), &got, &d), CARD_OK);
	ck_assert_str_eq(got.code, "2027-spring");
	ck_assert_int_eq(card_term_current(st, D("2025-03-01"), &got, &d), CARD_OK);
	ck_assert_str_eq(got.code, "2026-autumn");
	card_store_close(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("term");
	TCase *tc = tcase_create("term");
	tcase_add_test(tc, test_dates);
	tcase_add_test(tc, test_calendar);
	tcase_add_test(tc, test_store);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
