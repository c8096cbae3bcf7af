/*
 * check_store.c -- connection handling a daemon can build on: a killed backend is replaced
 * on the next call and its prepared statements are prepared again; an outage answers
 * CARD_ERR_DB_UNAVAILABLE (never a crash or a hang) and the store recovers when the server
 * is back.  Uses $CARD_TEST_PGCTL from tests/pg-run to stop and start the cluster.
 */
#include "ledger_int.h"
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "storeutil.h"
#include "testutil.h"

static void pgctl(const char *what)
{
	const char *ctl = getenv("CARD_TEST_PGCTL");
	char cmd[1024];
	ck_assert_ptr_nonnull(ctl);
	snprintf(cmd, sizeof(cmd), "'%s' %s >/dev/null 2>&1", ctl, what);
	ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
}

static void kill_backend(PGconn *admin, card_store *st)
{
	char pid[16];
	const char *p[1] = { pid };
	snprintf(pid, sizeof(pid), "%d", PQbackendPID(store_conn(st)));
	ck_assert_str_eq(su_execp(admin, "SELECT pg_terminate_backend($1::int)::text", 1, p),
	                 "true");
}

START_TEST(test_reconnect_after_kill)
{
	card_store *st = su_store();
	PGconn *c = su_conn();
	uint64_t f = su_mint(c, 2, 10, NULL), n = 0;
	card_redeem_req q = { f, 2, "reconnect", NULL };
	card_redemption r;
	card_diag d;
	int pid;

	card_diag_clear(&d);
	/* Prepare the statements on the first connection. */
	ck_assert_int_eq(card_redeem(st, &q, &r, &d), CARD_OK);
	ck_assert_int_eq(r.outcome, CARD_REDEEMED);
	ck_assert_int_eq(card_balance(st, SU_TERM, "C", "stock", &n, &d), CARD_OK);
	pid = PQbackendPID(store_conn(st));
	kill_backend(c, st);
	/* A read: reconnects and prepares again. */
	ck_assert_msg(card_balance(st, SU_TERM, "C", "stock", &n, &d) == CARD_OK, "%s", d.message);
	ck_assert_int_ne(PQbackendPID(store_conn(st)), pid);
	/* A redemption right after another kill: sent again, prepared again. */
	kill_backend(c, st);
	q.serial = f + 1;
	ck_assert_msg(card_redeem(st, &q, &r, &d) == CARD_OK, "%s", d.message);
	ck_assert_int_eq(r.outcome, CARD_REDEEMED);
	/* The first redemption survived. */
	q.serial = f;
	ck_assert_int_eq(card_redeem(st, &q, &r, &d), CARD_OK);
	ck_assert_int_eq(r.outcome, CARD_REDEEM_REPEATED);
	kill_backend(c, st);
	ck_assert_int_eq(card_store_ping(st), CARD_OK);
	card_store_close(st);
	PQfinish(c);
}
END_TEST

START_TEST(test_outage)
{
	card_store *st = su_store(), *st2 = NULL;
	PGconn *c = su_conn();
	uint64_t f = su_mint(c, 2, 10, NULL), n = 0;
	card_redeem_req q = { f + 3, 2, "outage", NULL };
	card_redemption r;
	card_diag d;

	PQfinish(c);
	card_diag_clear(&d);
	ck_assert_int_eq(card_redeem(st, &q, &r, &d), CARD_OK);
	pgctl("stop");
	q.serial = f + 4;
	ck_assert_int_eq(card_redeem(st, &q, &r, &d), CARD_ERR_DB_UNAVAILABLE);
	ck_assert_int_eq(card_balance(st, SU_TERM, "C", "stock", &n, &d), CARD_ERR_DB_UNAVAILABLE);
	ck_assert_int_eq(card_store_ping(st), CARD_ERR_DB_UNAVAILABLE);
	ck_assert_int_eq(card_store_open(NULL, &st2, &d), CARD_ERR_DB_UNAVAILABLE);
	ck_assert_ptr_null(st2);
	ck_assert_ptr_nonnull(strstr(d.message, "could not connect"));
	pgctl("start");
	ck_assert_int_eq(card_store_ping(st), CARD_OK);
	ck_assert_msg(card_redeem(st, &q, &r, &d) == CARD_OK, "%s", d.message);
	ck_assert_int_eq(r.outcome, CARD_REDEEMED);
	ck_assert_int_eq(card_balance(st, SU_TERM, "C", "stock", &n, &d), CARD_OK);
	card_store_close(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("connection");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_reconnect_after_kill);
	tcase_add_test(tc, test_outage);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
