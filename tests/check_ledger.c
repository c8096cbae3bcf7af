/*
 * check_ledger.c -- ledger moves against a real PostgreSQL: balances, splits and merges,
 * every refusal (and that it changed nothing), concurrent moves that must never overdraw.
 */
#include "ledger_int.h"
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "storeutil.h"
#include "testutil.h"

static uint64_t bal(card_store *st, const char *org, const char *state)
{
	uint64_t n = 0;
	card_diag d;
	card_diag_clear(&d);
	ck_assert_msg(card_balance(st, SU_TERM, org, state, &n, &d) == CARD_OK, "%s", d.message);
	return n;
}

START_TEST(test_move_split_merge)
{
	card_store *st = su_store();
	PGconn *c = su_conn();
	char doc[CARD_UUID_BUFSZ];
	card_move_spec m = { SU_TERM, doc, "shipment", "C", "stock", "S11", "transit" };
	card_holding *h = NULL;
	card_range *rs = NULL;
	size_t n = 0;
	uint64_t first, moved = 0, before_c = 0;
	card_diag d;

	card_diag_clear(&d);
	su_orgs(c);
	before_c = bal(st, "C", "stock");
	first = su_mint(c, 1, 1000, NULL);
	ck_assert_uint_eq(bal(st, "C", "stock"), before_c + 1000);
	su_doc(c, "shipment", doc);
	/* The middle of the batch: the city's row splits in two. */
	ck_assert_int_eq(card_move(st, &m, (card_range){ first + 100, 50 }, &moved, &d), CARD_OK);
	ck_assert_uint_eq(moved, 50);
	ck_assert_uint_eq(bal(st, "S11", "transit"), 50);
	ck_assert_uint_eq(bal(st, "C", "stock"), before_c + 950);
	/* The adjacent range merges into the school's row. */
	ck_assert_int_eq(card_move(st, &m, (card_range){ first + 150, 10 }, &moved, &d), CARD_OK);
	ck_assert_int_eq(card_holdings(st, SU_TERM, "S11", "transit", &h, &n, &d), CARD_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(h[0].range.first, first + 100);
	ck_assert_uint_eq(h[0].range.count, 60);
	ck_assert_str_eq(h[0].doc, doc);
	free(h);
	/* move_count takes the lowest serials first, across the hole. */
	m.from_org = "C";
	m.to_org = "D1";
	m.to_state = "stock";
	ck_assert_int_eq(card_move_count(st, &m, 120, &(card_range){ first, 1000 }, &rs, &n, &d),
	                 CARD_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(rs[0].first, first);
	ck_assert_uint_eq(rs[0].count, 100);
	ck_assert_uint_eq(rs[1].first, first + 160);
	ck_assert_uint_eq(rs[1].count, 20);
	free(rs);
	ck_assert_str_eq(su_exec(c, "SELECT count(*) FROM card.ledger WHERE kind = 'shipment'"),
	                 "4");
	/* Move back from the school: the receipt and a transfer. */
	m = (card_move_spec){ SU_TERM, doc, "receipt", "S11", "transit", "S11", "stock" };
	ck_assert_int_eq(card_move_count(st, &m, 60, NULL, NULL, NULL, &d), CARD_OK);
	ck_assert_uint_eq(bal(st, "S11", "transit"), 0);
	ck_assert_uint_eq(bal(st, "S11", "stock"), 60);
	card_store_close(st);
	PQfinish(c);
}
END_TEST

/* Each refusal: the status, the words of the message, and an unchanged database. */
static void refused(card_store *st, PGconn *c, card_err want, const char *words,
                    const card_move_spec *m, card_range r, uint64_t count)
{
	char *before = su_fingerprint(c), *after;
	card_diag d;
	card_err rc;

	card_diag_clear(&d);
	if (count == 0 && r.count != 0)
		rc = card_move(st, m, r, NULL, &d);
	else
		rc = card_move_count(st, m, count, NULL, NULL, NULL, &d);
	ck_assert_msg(rc == want, "got %s (%s), wanted %s", card_strerror(rc), d.message,
	              card_strerror(want));
	ck_assert_msg(strstr(d.message, words) != NULL || strstr(d.detail, words) != NULL,
	              "'%s' not in '%s' / '%s'", words, d.message, d.detail);
	after = su_fingerprint(c);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
}

START_TEST(test_move_refusals)
{
	card_store *st = su_store();
	PGconn *c = su_conn();
	char doc[CARD_UUID_BUFSZ], words[128];
	card_move_spec m = { SU_TERM, doc, "transfer", "S12", "stock", "S11", "stock" };
	uint64_t first;

	first = su_mint(c, 1, 100, NULL);
	su_doc(c, "transfer", doc);
	m.from_org = "C";
	m.to_org = "S12";
	ck_assert_int_eq(card_move(st, &m, (card_range){ first, 10 }, NULL, NULL), CARD_OK);
	m.from_org = "S12";
	m.to_org = "S11";
	/* More than the school holds: names the holder, the missing serials, its balance. */
	snprintf(words, sizeof(words), "S12 (stock) does not hold serials %llu",
	         (unsigned long long)first + 10);
	refused(st, c, CARD_ERR_REJECTED, words, &m, (card_range){ first + 5, 6 }, 0);
	refused(st, c, CARD_ERR_REJECTED, "which holds 10 cards", &m, (card_range){ first + 5, 6 },
	        0);
	refused(st, c, CARD_ERR_REJECTED, "holds 10 cards, fewer than the 11", &m,
	        (card_range){ 0, 0 }, 11);
	/* Serials never minted (foreign). */
	refused(st, c, CARD_ERR_REJECTED, "S12 (stock) does not hold", &m,
	        (card_range){ 900000000000ULL, 3 }, 0);
	/* Another holder's serials. */
	refused(st, c, CARD_ERR_REJECTED, "does not hold", &m, (card_range){ first + 50, 1 }, 0);
	/* From a holder to itself. */
	m.to_org = "S12";
	refused(st, c, CARD_ERR_REJECTED, "to itself", &m, (card_range){ first, 1 }, 0);
	m.to_org = "S11";
	/* Unknown organisation, state, document; bad kind. */
	m.to_org = "NOPE";
	refused(st, c, CARD_ERR_NOT_FOUND, "no organisation", &m, (card_range){ first, 1 }, 0);
	m.to_org = "S11";
	m.to_state = "lost";
	refused(st, c, CARD_ERR_INPUT, "invalid holder state", &m, (card_range){ first, 1 }, 0);
	m.to_state = "stock";
	m.kind = "DROP TABLE";
	refused(st, c, CARD_ERR_INPUT, "invalid ledger kind", &m, (card_range){ first, 1 }, 0);
	m.kind = "transfer";
	m.doc = "6b0e5a43-31d5-4f3e-9d5a-111111111111";
	refused(st, c, CARD_ERR_NOT_FOUND, "no document", &m, (card_range){ first, 1 }, 0);
	m.doc = doc;
	/* Non-positive count straight through SQL, and an empty range through the API. */
	{
		char *before = su_fingerprint(c), *after;
		const char *p[2] = { doc, "0" };
		PGresult *r =
			PQexecParams(c,
		                     "SELECT card.move_count('" SU_TERM "', $1::uuid, 'transfer', "
		                     "'S12', 'stock', 'S11', 'stock', $2::bigint)",
		                     2, NULL, p, NULL, NULL, 0);
		ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "CR001");
		PQclear(r);
		p[1] = "-5";
		r = PQexecParams(c,
		                 "SELECT card.move_count('" SU_TERM "', $1::uuid, 'transfer', "
		                 "'S12', 'stock', 'S11', 'stock', $2::bigint)",
		                 2, NULL, p, NULL, NULL, 0);
		ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "CR001");
		PQclear(r);
		after = su_fingerprint(c);
		ck_assert_str_eq(before, after);
		free(before);
		free(after);
	}
	ck_assert_int_eq(card_move(st, &m, (card_range){ first, 0 }, NULL, NULL), CARD_ERR_INPUT);
	/* The ledger itself is append-only. */
	{
		PGresult *r = PQexec(c, "UPDATE card.ledger SET to_org = 'S11'");
		ck_assert_int_eq(PQresultStatus(r), PGRES_FATAL_ERROR);
		PQclear(r);
	}
	ck_assert_uint_eq(bal(st, "S12", "stock"), 10);
	card_store_close(st);
	PQfinish(c);
}
END_TEST

/* Concurrent moves from one holder: the sum moved never exceeds what it had. */
struct mover {
	const char *doc;
	uint64_t first;
	int moved_count, moved_range, refused;
};

static void *mover_run(void *arg)
{
	struct mover *w = arg;
	card_store *st = NULL;
	card_move_spec m = { SU_TERM, w->doc, "transfer", "D2", "stock", "S21", "stock" };
	card_err rc;

	ck_assert_int_eq(card_store_open(NULL, &st, NULL), CARD_OK);
	for (int i = 0; i < 30; i++) {
		rc = card_move_count(st, &m, 7, NULL, NULL, NULL, NULL);
		if (rc == CARD_OK)
			w->moved_count += 7;
		else if (rc == CARD_ERR_REJECTED)
			w->refused++;
		else
			ck_abort_msg("move_count: %s", card_strerror(rc));
		/* Everyone races for the same single serials too. */
		rc = card_move(st, &m, (card_range){ w->first + 500 + (uint64_t)i, 1 }, NULL, NULL);
		if (rc == CARD_OK)
			w->moved_range++;
		else if (rc != CARD_ERR_REJECTED)
			ck_abort_msg("move: %s", card_strerror(rc));
	}
	card_store_close(st);
	return NULL;
}

START_TEST(test_concurrent_moves)
{
	enum { NT = 8 };
	card_store *st = su_store();
	PGconn *c = su_conn();
	char doc[CARD_UUID_BUFSZ];
	card_move_spec m = { SU_TERM, doc, "shipment", "C", "stock", "D2", "stock" };
	struct mover w[NT];
	pthread_t t[NT];
	uint64_t first, d2_before, s21_before;
	int by_count = 0, by_range = 0;

	first = su_mint(c, 2, 1000, NULL);
	su_doc(c, "transfer", doc);
	d2_before = bal(st, "D2", "stock");
	s21_before = bal(st, "S21", "stock");
	/* D2 gets 600 cards: 500 for move_count and 30 singles it will race for, plus 70 spare. */
	ck_assert_int_eq(card_move(st, &m, (card_range){ first, 600 }, NULL, NULL), CARD_OK);
	ck_assert_int_eq(card_move_count(st, &m, 0, NULL, NULL, NULL, NULL), CARD_ERR_REJECTED);
	for (int i = 0; i < NT; i++) {
		w[i] = (struct mover){ doc, first, 0, 0, 0 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, mover_run, &w[i]), 0);
	}
	for (int i = 0; i < NT; i++) {
		pthread_join(t[i], NULL);
		by_count += w[i].moved_count;
		by_range += w[i].moved_range;
	}
	/* Each single serial went exactly once (or earlier, with a move_count). */
	ck_assert_int_le(by_range, 30);
	ck_assert_uint_eq(bal(st, "S21", "stock") - s21_before, (uint64_t)(by_count + by_range));
	ck_assert_uint_eq(bal(st, "D2", "stock") + bal(st, "S21", "stock") - d2_before - s21_before,
	                  600);
	ck_assert_int_le(by_count + by_range, 600);
	ck_assert_int_ge(by_count + by_range, 600 - 6); /* only a remainder below 7 is left */
	ck_assert_str_eq(su_exec(c, "SELECT count(*) FROM card.holding a JOIN card.holding b "
	                            "ON a.ctid <> b.ctid AND a.serials && b.serials"),
	                 "0");
	card_store_close(st);
	PQfinish(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ledger");
	TCase *tc = tcase_create("moves");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_move_split_merge);
	tcase_add_test(tc, test_move_refusals);
	tcase_add_test(tc, test_concurrent_moves);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
