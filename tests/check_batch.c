/*
 * check_batch.c -- minting: contiguous, disjoint ranges (also from concurrent connections),
 * the stock holding and ledger entry of each batch, and refusals that change nothing.
 */
#include "config.h"

#include <pthread.h>
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

static void exec_sql(const char *sql)
{
	PGconn *c = PQconnectdb("");
	PGresult *r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

/* A migrated database with a term; with_city adds the city centre. */
static card_store *setup(int with_city)
{
	static const card_org_row ORGS[] = {
		{ 2, "C", "市教育局", "市", "", NULL, NULL, NULL },
		{ 3, "D1", "一区", "区", "C", NULL, NULL, NULL },
	};
	card_store *st = NULL;
	card_org_import_result res;
	card_term t;
	card_diag d;

	card_diag_clear(&d);
	ck_assert_int_eq(card_store_open(NULL, &st, &d), CARD_OK);
	/* Each test starts from an empty schema (the tests share one cluster). */
	exec_sql("DROP SCHEMA IF EXISTS card CASCADE");
	ck_assert_int_eq(card_db_migrate(st, NULL, NULL, &d), CARD_OK);
	if (with_city)
		ck_assert_int_eq(card_org_import(st, ORGS, 2, &res, &d), CARD_OK);
	memset(&t, 0, sizeof(t));
	strcpy(t.code, "2026-autumn");
	ck_assert_int_eq(card_date_parse("2026-09-01", &t.start), CARD_OK);
	t.face_value_fen = 5000;
	ck_assert_int_eq(card_term_new(st, &t, NULL, &d), CARD_OK);
	return st;
}

START_TEST(test_mint_sequential)
{
	card_store *st = setup(1);
	card_keyring *kr = tu_vector_keyring();
	card_batch a, b, got, *list = NULL;
	size_t n = 0;
	card_diag d;

	card_diag_clear(&d);
	ck_assert_int_eq(card_batch_mint(st, kr, "2026-autumn", 1, 1000, "first", &a, &d), CARD_OK);
	ck_assert_int_eq(card_batch_mint(st, kr, "2026-autumn", 15, 250, NULL, &b, &d), CARD_OK);
	ck_assert(card_uuid_valid(a.id) && card_uuid_valid(b.id) && strcmp(a.id, b.id) != 0);
	ck_assert_uint_eq(a.first_serial, 1);
	ck_assert_uint_eq(a.count, 1000);
	ck_assert_uint_eq(b.first_serial, 1001); /* contiguous with a */
	ck_assert_str_eq(b.term, "2026-autumn");
	ck_assert_uint_eq(b.key_id, 15);
	ck_assert_int_eq(card_batch_get(st, a.id, &got, &d), CARD_OK);
	ck_assert_uint_eq(got.first_serial, 1);
	ck_assert_uint_eq(got.count, 1000);
	ck_assert_uint_eq(got.key_id, 1);
	ck_assert_int_ne(got.created_at[0], '\0');
	ck_assert_int_eq(card_batch_list(st, "2026-autumn", &list, &n, &d), CARD_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].id, a.id);
	ck_assert_str_eq(list[1].id, b.id);
	free(list);
	/* Each batch: one document, one city stock holding, one mint ledger entry. */
	ck_assert_int_eq(scalar("SELECT count(*) FROM card.document WHERE kind = 'batch'"), 2);
	ck_assert_int_eq(scalar("SELECT count(*) FROM card.holding h JOIN card.batch b ON "
	                        "h.serials = b.serials "
	                        "WHERE h.org = 'C' AND h.state = 'stock'"),
	                 2);
	ck_assert_int_eq(
		scalar("SELECT count(*) FROM card.ledger l JOIN card.batch b ON l.doc = b.id "
	               "AND l.serials = b.serials WHERE l.kind = 'mint' AND l.from_org IS NULL "
	               "AND l.to_org = 'C' AND l.to_state = 'stock'"),
		2);
	/* Refusals change nothing. */
	ck_assert_int_eq(card_batch_mint(st, kr, "2026-autumn", 2, 10, NULL, &got, &d),
	                 CARD_ERR_KEY_NOT_FOUND);
	ck_assert_int_eq(card_batch_mint(st, kr, "2031-spring", 1, 10, NULL, &got, &d),
	                 CARD_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(d.message, "2031-spring"));
	ck_assert_int_eq(card_batch_mint(st, kr, "2026-autumn", 1, 0, NULL, &got, &d),
	                 CARD_ERR_INPUT);
	ck_assert_int_eq(card_batch_get(st, "not-a-uuid", &got, &d), CARD_ERR_INPUT);
	ck_assert_int_eq(card_batch_get(st, "00000000-0000-4000-8000-000000000000", &got, &d),
	                 CARD_ERR_NOT_FOUND);
	ck_assert_int_eq(scalar("SELECT count(*) FROM card.batch"), 2);
	ck_assert_int_eq(scalar("SELECT count(*) FROM card.ledger"), 2);
	ck_assert_int_eq(scalar("SELECT next_serial FROM card.serial_counter"), 1251);
	card_keyring_free(kr);
	card_store_close(st);
}
END_TEST

START_TEST(test_mint_no_city)
{
	card_store *st = setup(0);
	card_keyring *kr = tu_vector_keyring();
	card_batch b;
	card_diag d;
	card_diag_clear(&d);
	ck_assert_int_eq(card_batch_mint(st, kr, "2026-autumn", 1, 10, NULL, &b, &d),
	                 CARD_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(d.message, "city"));
	ck_assert_int_eq(scalar("SELECT count(*) FROM card.document"), 0);
	ck_assert_int_eq(scalar("SELECT next_serial FROM card.serial_counter"), 1);
	card_keyring_free(kr);
	card_store_close(st);
}
END_TEST

#define THREADS 8
#define MINTS 12

struct worker {
	const card_keyring *kr;
	int index;
	int failures;
};

static void *mint_worker(void *arg)
{
	struct worker *w = arg;
	card_store *st = NULL;
	card_diag d;
	card_diag_clear(&d);
	if (card_store_open(NULL, &st, &d) != CARD_OK) {
		w->failures++;
		return NULL;
	}
	for (int i = 0; i < MINTS; i++) {
		card_batch b;
		uint64_t count = (uint64_t)(1 + (w->index * 7919 + i * 104729) % 5000);
		if (card_batch_mint(st, w->kr, "2026-autumn", 1, count, NULL, &b, &d) != CARD_OK ||
		    b.count != count)
			w->failures++;
	}
	card_store_close(st);
	return NULL;
}

START_TEST(test_mint_concurrent)
{
	card_store *st = setup(1);
	card_keyring *kr = tu_vector_keyring();
	pthread_t th[THREADS];
	struct worker w[THREADS];

	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ kr, i, 0 };
		ck_assert_int_eq(pthread_create(&th[i], NULL, mint_worker, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		ck_assert_int_eq(w[i].failures, 0);
	}
	ck_assert_int_eq(scalar("SELECT count(*) FROM card.batch"), THREADS * MINTS);
	/* Disjoint (the exclusion constraint holds, and we check again) and gap-free from 1. */
	ck_assert_int_eq(scalar("SELECT count(*) FROM card.batch a JOIN card.batch b "
	                        "ON a.id < b.id AND a.serials && b.serials"),
	                 0);
	ck_assert_int_eq(
		scalar("SELECT count(*) FROM (SELECT first_serial, lag(first_serial + card_count) "
	               "OVER (ORDER BY first_serial) AS prev_end FROM card.batch) s "
	               "WHERE prev_end IS NOT NULL AND prev_end <> first_serial"),
		0);
	ck_assert_int_eq(scalar("SELECT min(first_serial) FROM card.batch"), 1);
	ck_assert_int_eq(
		scalar("SELECT sum(card_count) + 1 - (SELECT next_serial FROM card.serial_counter) "
	               "FROM card.batch"),
		0);
	ck_assert_int_eq(scalar("SELECT count(*) FROM card.ledger WHERE kind = 'mint'"),
	                 THREADS * MINTS);
	card_keyring_free(kr);
	card_store_close(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("batch");
	TCase *tc = tcase_create("mint");
	tcase_add_test(tc, test_mint_sequential);
	tcase_add_test(tc, test_mint_no_city);
	tcase_add_test(tc, test_mint_concurrent);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
