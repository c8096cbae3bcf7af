/*
 * check_migrate.c -- schema migrations: from empty, twice, and a database newer than us.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "testutil.h"

static int scalar_int(const char *sql)
{
	PGconn *c = PQconnectdb("");
	PGresult *r = PQexec(c, sql);
	int v;
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
	v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return v;
}

static void exec_sql(const char *sql)
{
	PGconn *c = PQconnectdb("");
	PGresult *r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

START_TEST(test_migrate)
{
	card_store *st = NULL;
	card_migration_info *m = NULL;
	size_t n = 0, unknown = 9;
	card_diag d;
	int applied = -1, total;

	card_diag_clear(&d);
	exec_sql("DROP SCHEMA IF EXISTS card CASCADE");
	ck_assert_int_eq(card_store_open(NULL, &st, &d), CARD_OK);
	ck_assert_int_eq(card_store_check_schema(st, &d), CARD_ERR_SCHEMA_MISSING);
	ck_assert_int_eq(card_db_status(st, &m, &n, &unknown, &d), CARD_OK);
	ck_assert_uint_ge(n, 2);
	for (size_t i = 0; i < n; i++)
		ck_assert(!m[i].applied);
	total = (int)n;
	free(m);
	/* From empty: every migration, ours (0100) included. */
	ck_assert_int_eq(card_db_migrate(st, &applied, &d), CARD_OK);
	ck_assert_int_eq(applied, total);
	ck_assert_int_eq(card_store_check_schema(st, &d), CARD_OK);
	ck_assert_int_eq(scalar_int("SELECT count(*) FROM card.schema_version WHERE version = 100"), 1);
	ck_assert_int_eq(scalar_int("SELECT count(*) FROM pg_proc WHERE proname IN "
	                            "('org_import', 'batch_mint')"), 2);
	/* Twice: a no-op. */
	ck_assert_int_eq(card_db_migrate(st, &applied, &d), CARD_OK);
	ck_assert_int_eq(applied, 0);
	ck_assert_int_eq(scalar_int("SELECT count(*) FROM card.schema_version"), total);
	/* A database migrated by a newer libcard is refused, and left alone. */
	exec_sql("INSERT INTO card.schema_version (version, name) VALUES (9999, 'from_the_future')");
	ck_assert_int_eq(card_db_migrate(st, &applied, &d), CARD_ERR_SCHEMA_NEWER);
	ck_assert_ptr_nonnull(strstr(d.message, "9999"));
	ck_assert_int_eq(card_store_check_schema(st, &d), CARD_ERR_SCHEMA_NEWER);
	ck_assert_int_eq(card_db_status(st, &m, &n, &unknown, &d), CARD_OK);
	ck_assert_uint_eq(unknown, 1);
	free(m);
	ck_assert_int_eq(scalar_int("SELECT count(*) FROM card.schema_version"), total + 1);
	card_store_close(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("migrate");
	TCase *tc = tcase_create("migrate");
	tcase_add_test(tc, test_migrate);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
