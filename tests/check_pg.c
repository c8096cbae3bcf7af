/*
 * check_pg.c -- the test harness itself: a private PostgreSQL reached through libpq.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "testutil.h"

START_TEST(test_connect_and_version)
{
	PGconn *c = PQconnectdb("");
	PGresult *r;
	const char *host = getenv("PGHOST");
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
	ck_assert_int_ge(PQserverVersion(c), 120000);
	/* The harness must give us a unix socket in a private directory, never TCP. */
	ck_assert_ptr_nonnull(host);
	ck_assert_int_eq(host[0], '/');
	r = PQexec(c, "SELECT current_setting('listen_addresses'), 6 * 7");
	ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	ck_assert_str_eq(PQgetvalue(r, 0, 0), "");
	ck_assert_str_eq(PQgetvalue(r, 0, 1), "42");
	PQclear(r);
	PQfinish(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pg");
	TCase *tc = tcase_create("harness");
	tcase_add_test(tc, test_connect_and_version);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
