/*
 * check_district.c -- the district batches (card/district.h) against a real PostgreSQL: a clean
 * batch makes one document per line with the single form's row; a batch with bad lines is
 * CARD_ERR_REJECTED, changes nothing, and returns one problem row per bad line (its line
 * number, school, the single form's message); a receipt line whose photo cannot be read is that
 * line's problem; the arguments the API forbids are CARD_ERR_INVALID_ARG.
 */
#include "ledger_int.h"
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storeutil.h"
#include "testutil.h"

/* Move n of the lowest city-stock cards to (org, state) through the ledger. */
static void give(card_store *st, PGconn *c, const char *org, const char *state, uint64_t n)
{
	char doc[CARD_UUID_BUFSZ];
	card_move_spec m = { SU_TERM, doc, "shipment", "C", "stock", org, state };
	card_diag d;

	card_diag_clear(&d);
	su_doc(c, "shipment", doc);
	ck_assert_msg(card_move_count(st, &m, n, NULL, NULL, NULL, &d) == CARD_OK, "%s", d.message);
}

/* Row i's text in column name. */
static const char *cell(const card_rows *r, size_t i, const char *name)
{
	const char *t = NULL;
	ck_assert_int_eq(card_rows_text(r, i, name, &t, NULL), CARD_OK);
	return t;
}

START_TEST(test_batches)
{
	card_store *st = su_store();
	PGconn *c = su_conn();
	char photo[512], today[16], *before, *after;
	card_rows *r = NULL;
	card_diag d;

	card_diag_clear(&d);
	su_orgs(c);
	su_mint(c, 1, 40, NULL);
	give(st, c, "D1", "stock", 20);
	snprintf(today, sizeof(today), "%s", su_exec(c, "SELECT card.bureau_today()::text"));
	snprintf(photo, sizeof(photo), "%s/tests/data/receipt.png",
	         getenv("top_srcdir") != NULL ? getenv("top_srcdir") : ".");

	/* Every school its census: D1 has no approved census, so there is nothing to ship. */
	before = su_fingerprint(c);
	ck_assert_int_eq(card_ship_schools(st, SU_TERM, "D1", "D1", NULL, 0, &r, &d),
	                 CARD_ERR_STATE);
	ck_assert_str_eq(d.message,
	                 "no school of district \"D1\" has an approved census in term " SU_TERM);
	ck_assert_ptr_null(r);
	after = su_fingerprint(c);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	/* Refused: another district's school, a bad count, more than the depot holds after the
	 * good line.  Nothing changes; every bad line comes back with its number. */
	{
		card_school_line l[4] = { { .line = 2, .school = "S11", .count = "15" },
			                  { .line = 3, .school = "S21", .count = "x" },
			                  { .line = 4, .school = "S12", .count = "6" },
			                  { .line = 5, .school = "", .count = "1" } };
		before = su_fingerprint(c);
		ck_assert_int_eq(card_ship_schools(st, SU_TERM, "D1", "D1", l, 4, &r, &d),
		                 CARD_ERR_REJECTED);
		ck_assert_str_eq(d.message, "3 of 4 lines refused: nothing was recorded");
		ck_assert_uint_eq(card_rows_count(r), 3);
		ck_assert_str_eq(cell(r, 0, "line"), "3");
		ck_assert_str_eq(cell(r, 0, "problem"),
		                 "school \"S21\" is in district \"D2\", not \"D1\"");
		ck_assert_str_eq(cell(r, 1, "school"), "S12");
		ck_assert_msg(strstr(cell(r, 1, "problem"), "holds 5 cards, fewer than the 6") !=
		                      NULL,
		              "%s", cell(r, 1, "problem"));
		ck_assert_str_eq(cell(r, 2, "line"), "5");
		ck_assert_str_eq(cell(r, 2, "problem"), "the school code is empty");
		after = su_fingerprint(c);
		ck_assert_str_eq(before, after);
		free(before);
		free(after);
		card_rows_free(r);
	}
	/* Clean: one shipment per line, as card_ship makes it. */
	{
		card_school_line l[2] = { { .line = 2, .school = "S11", .count = "15" },
			                  { .line = 3, .school = "S12", .count = "5" } };
		ck_assert_msg(card_ship_schools(st, SU_TERM, "D1", "D1", l, 2, &r, &d) == CARD_OK,
		              "%s", d.message);
		ck_assert_uint_eq(card_rows_count(r), 2);
		ck_assert(card_uuid_valid(cell(r, 0, "shipment")));
		ck_assert_str_eq(cell(r, 0, "count"), "15");
		ck_assert_str_eq(cell(r, 1, "count"), "5");
		ck_assert_str_eq(cell(r, 1, "problem"), "");
		card_rows_free(r);
		ck_assert_str_eq(su_exec(c, "SELECT card.balance('" SU_TERM "', 'D1', 'stock')"),
		                 "0");
	}
	/* Receipts: a photo that cannot be read is its line's problem; then all of them. */
	{
		card_school_line l[2] = { { .line = 2,
			                    .school = "S11",
			                    .date = today,
			                    .signer = "王",
			                    .photo = photo },
			                  { .line = 3,
			                    .school = "S12",
			                    .date = today,
			                    .signer = "李",
			                    .photo = "/nonexistent.png" } };
		before = su_fingerprint(c);
		ck_assert_int_eq(card_receive_schools(st, SU_TERM, "D1", l, 2, &r, &d),
		                 CARD_ERR_REJECTED);
		ck_assert_uint_eq(card_rows_count(r), 1);
		ck_assert_str_eq(cell(r, 0, "line"), "3");
		ck_assert_msg(strstr(cell(r, 0, "problem"), "could not open photo") != NULL, "%s",
		              cell(r, 0, "problem"));
		after = su_fingerprint(c);
		ck_assert_str_eq(before, after);
		free(before);
		free(after);
		card_rows_free(r);
		l[1].photo = photo;
		l[1].count = "4";
		ck_assert_msg(card_receive_schools(st, SU_TERM, "D1", l, 2, &r, &d) == CARD_OK,
		              "%s", d.message);
		ck_assert_str_eq(cell(r, 1, "discrepancy"), "-1");
		ck_assert_uint_eq(strlen(cell(r, 0, "sha256")), 64);
		card_rows_free(r);
	}
	/* Distribution, and the district itself is a line of it (no census: no limit here). */
	{
		card_school_line l[2] = {
			{ .line = 2, .school = "S11", .count = "15" },
			{ .line = 3, .school = "S12", .count = "4", .date = today }
		};
		ck_assert_msg(card_distribute_schools(st, SU_TERM, "D1", l, 2, &r, &d) == CARD_OK,
		              "%s", d.message);
		ck_assert_str_eq(cell(r, 0, "distributed"), "15");
		card_rows_free(r);
		ck_assert_str_eq(
			su_exec(c, "SELECT card.balance('" SU_TERM "', 'S12', 'distributed')"),
			"4");
	}
	/* What the API forbids, and a district that does not exist. */
	ck_assert_int_eq(card_distribute_schools(st, NULL, "D1", NULL, 0, &r, &d),
	                 CARD_ERR_INVALID_ARG);
	ck_assert_int_eq(card_distribute_schools(st, SU_TERM, "D1", NULL, 1, &r, &d),
	                 CARD_ERR_INVALID_ARG);
	ck_assert_int_eq(card_ship_schools(st, SU_TERM, "D1", NULL, NULL, 0, NULL, &d),
	                 CARD_ERR_INVALID_ARG);
	ck_assert_int_eq(card_ship_due(st, SU_TERM, "D9", &r, &d), CARD_ERR_NOT_FOUND);
	ck_assert_ptr_null(r);
	card_store_close(st);
	PQfinish(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("district");
	TCase *tc = tcase_create("batches");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_batches);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
