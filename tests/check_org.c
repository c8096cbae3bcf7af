/*
 * check_org.c -- card_org_import and card_org_list against a real database: acceptance,
 * idempotence, optional columns, and rejections that name the line and change nothing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "testutil.h"

static long long scalar(const char *sql)
{
	PGconn *c = PQconnectdb("");
	PGresult *r = PQexec(c, sql);
	long long v;
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
	v = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return v;
}

#define ROW(l, c, n, k, p)                      \
	{                                       \
		l, c, n, k, p, NULL, NULL, NULL \
	}

static const card_org_row BASE[] = {
	{ 2, "S1", "一中", "校", "D1", "一路1号", "张老师", "0571-1" },
	{ 3, "D1", "一区", "区", "C", "", "", "" },
	{ 4, "C", "市教育局", "市", "", "", "", "" },
	{ 5, "D2", "二区", "district", "C", "", "", "" },
	{ 6, "S2", "二中", "school", "D2", "", "", "" },
};

static card_store *fresh(void)
{
	card_store *st = NULL;
	card_diag d;
	PGconn *c = PQconnectdb("");
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	PQclear(PQexec(c, "DROP SCHEMA IF EXISTS card CASCADE"));
	PQfinish(c);
	card_diag_clear(&d);
	ck_assert_int_eq(card_store_open(NULL, &st, &d), CARD_OK);
	ck_assert_int_eq(card_db_migrate(st, NULL, NULL, &d), CARD_OK);
	return st;
}

START_TEST(test_import_and_list)
{
	card_store *st = fresh();
	card_org_import_result res;
	card_org *list = NULL;
	size_t n = 0;
	card_diag d;
	static const card_org_row NO_CONTACT[] = { ROW(2, "S1", "第一中学", "校", "D1") };

	card_diag_clear(&d);
	ck_assert_int_eq(card_org_import(st, BASE, 5, &res, &d), CARD_OK);
	ck_assert_uint_eq(res.inserted, 5);
	ck_assert_int_eq(card_org_import(st, BASE, 5, &res, &d), CARD_OK);
	ck_assert_uint_eq(res.inserted, 0);
	ck_assert_uint_eq(res.updated, 0);
	ck_assert_uint_eq(res.unchanged, 5);
	ck_assert_int_eq(card_org_list(st, "D1", &list, &n, &d), CARD_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].code, "D1");
	ck_assert_str_eq(list[0].district, "D1");
	ck_assert_ptr_null(list[0].address); /* "" stored as NULL */
	ck_assert_str_eq(list[1].code, "S1");
	ck_assert_str_eq(list[1].kind, "school");
	ck_assert_str_eq(list[1].district, "D1");
	ck_assert_str_eq(list[1].contact, "张老师");
	card_org_list_free(list, n);
	/* Without the optional columns: the name changes, the contact details stay. */
	ck_assert_int_eq(card_org_import(st, NO_CONTACT, 1, &res, &d), CARD_OK);
	ck_assert_uint_eq(res.updated, 1);
	ck_assert_int_eq(card_org_list(st, NULL, &list, &n, &d), CARD_OK);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(list[0].code, "C");
	ck_assert_ptr_null(list[0].district);
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].code, "S1") == 0) {
			ck_assert_str_eq(list[i].name, "第一中学");
			ck_assert_str_eq(list[i].phone, "0571-1");
		}
	card_org_list_free(list, n);
	ck_assert_int_eq(card_org_import(st, NULL, 0, &res, &d), CARD_OK);
	card_store_close(st);
}
END_TEST

/* Import rows and expect a rejection on `line` whose message contains `msg`. */
static void reject(card_store *st, const card_org_row *rows, size_t n, card_err want, long line,
                   const char *msg)
{
	card_org_import_result res;
	card_diag d;
	long long before = scalar("SELECT count(*) FROM card.org");
	long long names = scalar("SELECT sum(length(name))::bigint FROM card.org");
	card_diag_clear(&d);
	ck_assert_int_eq(card_org_import(st, rows, n, &res, &d), want);
	ck_assert_int_eq(d.line, line);
	ck_assert_msg(strstr(d.message, msg) != NULL, "message \"%s\" lacks \"%s\"", d.message,
	              msg);
	ck_assert_int_eq(scalar("SELECT count(*) FROM card.org"), before);
	ck_assert_int_eq(scalar("SELECT sum(length(name))::bigint FROM card.org"), names);
}

START_TEST(test_rejections)
{
	card_store *st = fresh();
	card_org_import_result res;
	card_diag d;
	const card_org_row unknown_parent[] = { ROW(7, "S9", "x", "校", "D1"),
		                                ROW(8, "S8", "y", "校", "DX") };
	const card_org_row dup[] = { ROW(2, "S9", "x", "校", "D1"),
		                     ROW(9, "S9", "renamed", "校", "D1") };
	const card_org_row school_city[] = { ROW(2, "S9", "x", "校", "C") };
	const card_org_row dist_dist[] = { ROW(2, "D9", "x", "区", "D1") };
	const card_org_row city2[] = { ROW(4, "C2", "x", "市", "") };
	const card_org_row kind[] = { ROW(2, "S1", "一中（新）", "校", "D1"),
		                      ROW(3, "S9", "x", "高中", "D1") };
	const card_org_row moved[] = { ROW(3, "S1", "一中", "校", "D2") };
	const card_org_row demote[] = { ROW(5, "D1", "一区", "校", "D2") };

	card_diag_clear(&d);
	ck_assert_int_eq(card_org_import(st, BASE, 5, &res, &d), CARD_OK);
	reject(st, unknown_parent, 2, CARD_ERR_INPUT, 8, "unknown parent \"DX\" of \"S8\"");
	reject(st, dup, 2, CARD_ERR_INPUT, 9, "duplicate organisation code \"S9\"");
	reject(st, school_city, 1, CARD_ERR_INPUT, 2, "must be under a district");
	reject(st, dist_dist, 1, CARD_ERR_INPUT, 2, "must be under the city centre");
	reject(st, city2, 1, CARD_ERR_CONFLICT, 4, "a second city centre");
	reject(st, kind, 2, CARD_ERR_INPUT, 3, "unknown kind \"高中\"");
	reject(st, demote, 1, CARD_ERR_REJECTED, 5, "cannot make \"D1\" a school");
	/* Once a school holds cards (a fixture holding), it cannot move district. */
	{
		PGconn *c = PQconnectdb("");
		PQclear(PQexec(c, "INSERT INTO card.term (code, start_date, census_due) "
		                  "VALUES ('2026-autumn', '2026-09-01', '2026-06-25')"));
		PQclear(PQexec(c, "INSERT INTO card.holding (serials, term, org, state) "
		                  "VALUES (int8range(1, 11), '2026-autumn', 'S1', 'stock')"));
		PQfinish(c);
	}
	reject(st, moved, 1, CARD_ERR_REJECTED, 3, "it already has cards");
	card_store_close(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("org");
	TCase *tc = tcase_create("org");
	tcase_add_test(tc, test_import_and_list);
	tcase_add_test(tc, test_rejections);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
