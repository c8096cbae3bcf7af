/*
 * check_migrate.c -- schema migrations and function files: from empty, twice, a changed function
 * file, and a database newer than us.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "testutil.h"

/* Every server function's definition and grants, as one hash. */
#define FUNCTIONS_FINGERPRINT                                                              \
	"SELECT md5(string_agg(pg_get_functiondef(oid) || coalesce(proacl::text, ''), '' " \
	"ORDER BY oid::regprocedure::text)) FROM pg_proc WHERE pronamespace = "            \
	"'card'::regnamespace"

/* The first value of a one-row query, malloc()ed. */
static char *scalar_text(const char *sql)
{
	PGconn *c = PQconnectdb("");
	PGresult *r = PQexec(c, sql);
	char *v;
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
	v = strdup(PQgetvalue(r, 0, 0));
	ck_assert_ptr_nonnull(v);
	PQclear(r);
	PQfinish(c);
	return v;
}

static int scalar_int(const char *sql)
{
	char *s = scalar_text(sql);
	int v = atoi(s);
	free(s);
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
	card_function_info *f = NULL;
	size_t nf = 0;
	char *before, *after;
	int applied = -1, loaded = -1, total;

	card_diag_clear(&d);
	exec_sql("DROP SCHEMA IF EXISTS card CASCADE");
	ck_assert_int_eq(card_store_open(NULL, &st, &d), CARD_OK);
	ck_assert_int_eq(card_store_check_schema(st, &d), CARD_ERR_SCHEMA_MISSING);
	ck_assert_int_eq(card_db_status(st, &m, &n, &unknown, &d), CARD_OK);
	ck_assert_uint_ge(n, 1);
	for (size_t i = 0; i < n; i++)
		ck_assert(!m[i].applied);
	total = (int)n;
	free(m);
	ck_assert_int_eq(card_db_functions(st, &f, &nf, &d), CARD_OK);
	ck_assert_uint_ge(nf, 2);
	for (size_t i = 0; i < nf; i++)
		ck_assert_int_eq(f[i].state, CARD_FUNCTIONS_PENDING);
	free(f);
	/* From empty: every migration, the baseline (0001) included, and every function file. */
	ck_assert_int_eq(card_db_migrate(st, &applied, &loaded, &d), CARD_OK);
	ck_assert_int_eq(applied, total);
	ck_assert_int_eq(loaded, (int)nf);
	ck_assert_int_eq(card_store_check_schema(st, &d), CARD_OK);
	ck_assert_int_eq(scalar_int("SELECT count(*) FROM card.schema_version WHERE version = 1"),
	                 1);
	ck_assert_int_eq(scalar_int("SELECT count(*) FROM card.function_file"), (int)nf);
	ck_assert_int_eq(scalar_int("SELECT count(*) FROM pg_proc WHERE proname IN "
	                            "('org_import', 'batch_mint')"),
	                 2);
	/* Twice: a no-op. */
	ck_assert_int_eq(card_db_migrate(st, &applied, &loaded, &d), CARD_OK);
	ck_assert_int_eq(applied, 0);
	ck_assert_int_eq(loaded, 0);
	ck_assert_int_eq(scalar_int("SELECT count(*) FROM card.schema_version"), total);
	/* A function file the database loaded with another text: the schema check says so, and
	 * migrate loads that file (only that one) again, which changes no function or grant. */
	before = scalar_text(FUNCTIONS_FINGERPRINT);
	exec_sql("UPDATE card.function_file SET sha256 = repeat('0', 64) WHERE name = 'census'");
	ck_assert_int_eq(card_store_check_schema(st, &d), CARD_ERR_SCHEMA_MISSING);
	ck_assert_ptr_nonnull(strstr(d.message, "census"));
	ck_assert_ptr_nonnull(strstr(d.hint, "cardctl db migrate"));
	ck_assert_int_eq(card_db_functions(st, &f, &nf, &d), CARD_OK);
	for (size_t i = 0; i < nf; i++)
		ck_assert_int_eq(f[i].state, strcmp(f[i].name, "census") == 0
		                                     ? CARD_FUNCTIONS_CHANGED
		                                     : CARD_FUNCTIONS_CURRENT);
	free(f);
	ck_assert_int_eq(card_db_migrate(st, &applied, &loaded, &d), CARD_OK);
	ck_assert_int_eq(applied, 0);
	ck_assert_int_eq(loaded, 1);
	ck_assert_int_eq(card_store_check_schema(st, &d), CARD_OK);
	after = scalar_text(FUNCTIONS_FINGERPRINT);
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
	/* A database migrated by a newer libcard is refused, and left alone. */
	exec_sql(
		"INSERT INTO card.schema_version (version, name) VALUES (9999, 'from_the_future')");
	ck_assert_int_eq(card_db_migrate(st, &applied, NULL, &d), CARD_ERR_SCHEMA_NEWER);
	ck_assert_ptr_nonnull(strstr(d.message, "9999"));
	ck_assert_int_eq(card_store_check_schema(st, &d), CARD_ERR_SCHEMA_NEWER);
	ck_assert_int_eq(card_db_status(st, &m, &n, &unknown, &d), CARD_OK);
	ck_assert_uint_eq(unknown, 1);
	free(m);
	ck_assert_int_eq(scalar_int("SELECT count(*) FROM card.schema_version"), total + 1);
	card_store_close(st);
}
END_TEST

/* The 40-bit serial is one rule on both sides of the boundary: C's CARD_SERIAL_MAX is one less
 * than the server's card.serial_limit(), and the tables' CHECKs refuse what lies beyond it. */
START_TEST(test_serial_limit)
{
	card_store *st = NULL;
	card_diag d;
	char *v, want[32];

	card_diag_clear(&d);
	ck_assert_int_eq(card_store_open(NULL, &st, &d), CARD_OK);
	ck_assert_int_eq(card_db_migrate(st, NULL, NULL, &d), CARD_OK);
	v = scalar_text("SELECT card.serial_limit() - 1");
	snprintf(want, sizeof(want), "%llu", (unsigned long long)CARD_SERIAL_MAX);
	ck_assert_str_eq(v, want);
	free(v);
	v = scalar_text(
		"SELECT count(*) FROM pg_constraint WHERE connamespace = 'card'::regnamespace"
		" AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%1099511627776%'");
	ck_assert_int_ne(atoi(v), 0);
	free(v);
	v = scalar_text("SELECT card.serial_limit() = 1099511627776");
	ck_assert_str_eq(v, "t");
	free(v);
	card_store_close(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("migrate");
	TCase *tc = tcase_create("migrate");
	tcase_add_test(tc,
	               test_serial_limit); /* before test_migrate, which leaves a newer schema */
	tcase_add_test(tc, test_migrate);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
