/*
 * check_reconcile.c -- the reconciliation API (card/reconcile.h) against a real PostgreSQL:
 * a replaced card is void and card_redeem_many answers CARD_CARD_VOID for it while its
 * replacement redeems; refusals (a redeemed card, a card the school does not hold, a transfer
 * across districts, a charge before the close) return the right card_err and change nothing.
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

/* Write a receipt photo (tests/data/receipt.png, a real 5x3 PNG, or text when fake) to a temp
 * file; path in buf. */
static void photo_file(char *buf, size_t sz, int fake)
{
	const char *dir = getenv("TMPDIR"), *src = getenv("top_srcdir");
	char fixture[512], data[4096];
	size_t n = 0;
	FILE *f;

	if (!fake) {
		snprintf(fixture, sizeof(fixture), "%s/tests/data/receipt.png",
		         src != NULL ? src : ".");
		f = fopen(fixture, "rb");
		ck_assert_msg(f != NULL, "cannot open %s", fixture);
		n = fread(data, 1, sizeof(data), f);
		fclose(f);
	}
	snprintf(buf, sz, "%s/check_reconcile_%ld_%d.png", dir != NULL ? dir : "/tmp",
	         (long)getpid(), fake);
	f = fopen(buf, "wb");
	ck_assert(f != NULL);
	if (fake)
		fputs("this is not a photo\n", f);
	else
		fwrite(data, 1, n, f);
	fclose(f);
}

/* A transaction-free reject check: rc as wanted, fingerprint unchanged. */
#define REFUSED(call, want, c, before)                             \
	do {                                                       \
		char *after_;                                      \
		card_diag_clear(&d);                               \
		ck_assert_int_eq((call), (want));                  \
		ck_assert_msg(d.message[0] != '\0', "no message"); \
		after_ = su_fingerprint(c);                        \
		ck_assert_str_eq(before, after_);                  \
		free(after_);                                      \
	} while (0)

START_TEST(test_replace_voids)
{
	card_store *st = su_store();
	PGconn *c = su_conn();
	char doc[CARD_UUID_BUFSZ], *before;
	card_rows *r = NULL;
	card_redeem_req req[2] = { { 0, 1, "alice", NULL }, { 0, 1, "bob", NULL } };
	card_redemption out[2];
	uint64_t first, newser;
	const char *txt = NULL;
	long long n = 0;
	bool yes = true;
	char photo[512], fake[512];
	card_diag d;

	card_diag_clear(&d);
	photo_file(photo, sizeof(photo), 0);
	photo_file(fake, sizeof(fake), 1);
	su_orgs(c);
	first = su_mint(c, 1, 30, NULL);
	give(st, c, "S11", "stock", 10);      /* S11 stock: first .. first+9 */
	give(st, c, "S11", "distributed", 5); /* S11 handed out: first+10 .. first+14 */

	/* Replace a card S11 handed out: the good one comes from city stock (D1 holds none). */
	ck_assert_msg(card_replace(st, SU_TERM, "S11", first + 12, "unreadable code", NULL, doc, &r,
	                           &d) == CARD_OK,
	              "%s", d.message);
	ck_assert(card_uuid_valid(doc));
	ck_assert_int_eq(card_rows_text(r, 0, "source", &txt, &d), CARD_OK);
	ck_assert_str_eq(txt, "C");
	ck_assert_int_eq(card_rows_text(r, 0, "state", &txt, &d), CARD_OK);
	ck_assert_str_eq(txt, "distributed");
	ck_assert_int_eq(card_rows_int(r, 0, "new_serial", &n, &d), CARD_OK);
	newser = (unsigned long long)n;
	ck_assert_uint_eq(newser, first + 15); /* the lowest card left in city stock */
	/* The typed boundary: a column the result lacks, or of another type, is an error that
	 * names it, and leaves the output alone. */
	txt = "kept";
	ck_assert_int_eq(card_rows_text(r, 0, "new_serail", &txt, &d), CARD_ERR_SCHEMA_MISSING);
	ck_assert_str_eq(d.message, "result has no column \"new_serail\"");
	ck_assert_str_eq(txt, "kept");
	ck_assert_int_eq(card_rows_int(r, 0, "state", &n, &d), CARD_ERR_SCHEMA_MISSING);
	ck_assert_str_eq(d.message, "column \"state\" is text, not integer");
	ck_assert_int_eq(card_rows_bool(r, 0, "new_serial", &yes, &d), CARD_ERR_SCHEMA_MISSING);
	ck_assert_str_eq(d.message, "column \"new_serial\" is integer, not boolean");
	ck_assert_int_eq(card_rows_text(r, 1, "state", &txt, &d), CARD_ERR_INVALID_ARG);
	ck_assert_int_eq(card_rows_null(r, 0, "new_serial", &yes, &d), CARD_OK);
	ck_assert(!yes);
	card_rows_free(r);
	r = NULL;

	req[0].serial = first + 12;
	req[1].serial = newser;
	ck_assert_msg(card_redeem_many(st, req, 2, out, &d) == CARD_OK, "%s", d.message);
	ck_assert_int_eq(out[0].outcome, CARD_CARD_VOID);
	ck_assert_int_eq(out[1].outcome, CARD_REDEEMED);

	before = su_fingerprint(c);
	/* The replacement is redeemed now: it cannot be replaced. */
	REFUSED(card_replace(st, SU_TERM, "S11", newser, "torn", NULL, doc, NULL, &d),
	        CARD_ERR_REJECTED, c, before);
	ck_assert_msg(strstr(d.message, "redeemed") != NULL, "%s", d.message);
	/* Void already. */
	REFUSED(card_replace(st, SU_TERM, "S11", first + 12, "torn", NULL, doc, NULL, &d),
	        CARD_ERR_REJECTED, c, before);
	/* A card S12 does not hold. */
	REFUSED(card_replace(st, SU_TERM, "S12", first + 1, "torn", NULL, doc, NULL, &d),
	        CARD_ERR_REJECTED, c, before);
	ck_assert_msg(strstr(d.message, "does not hold") != NULL, "%s", d.message);
	/* No reason; a bad request date. */
	REFUSED(card_replace(st, SU_TERM, "S11", first + 1, "  ", NULL, doc, NULL, &d),
	        CARD_ERR_INPUT, c, before);
	REFUSED(card_replace(st, SU_TERM, "S11", first + 1, "x", "2026-13-01", doc, NULL, &d),
	        CARD_ERR_INPUT, c, before);
	/* Across districts. */
	REFUSED(card_transfer(st, SU_TERM, "S11", "S21", 1, "reason", doc, NULL, &d),
	        CARD_ERR_REJECTED, c, before);
	ck_assert_msg(strstr(d.message, "different districts") != NULL, "%s", d.message);
	/* More than S11 holds. */
	REFUSED(card_transfer(st, SU_TERM, "S11", "S12", 11, "reason", doc, NULL, &d),
	        CARD_ERR_REJECTED, c, before);
	/* No settlement yet: no supplement. */
	REFUSED(card_supplement(st, SU_TERM, "S21", 1, "x", "2025-01-01", photo, doc, NULL, &d),
	        CARD_ERR_STATE, c, before);
	/* No receipt photo, or a text file named .png: refused before anything is sent. */
	REFUSED(card_supplement(st, SU_TERM, "S21", 1, "x", "2025-01-01", NULL, doc, NULL, &d),
	        CARD_ERR_INPUT, c, before);
	ck_assert_msg(strstr(d.message, "no receipt without the photo") != NULL, "%s", d.message);
	REFUSED(card_return(st, SU_TERM, "D1", "S11", 1, NULL, 0, "x", "2025-01-01", fake, doc,
	                    NULL, &d),
	        CARD_ERR_INPUT, c, before);
	ck_assert_msg(strstr(d.message, "is not a JPEG, PNG or PDF file") != NULL, "%s", d.message);
	unlink(photo);
	unlink(fake);
	free(before);

	/* A transfer within D1 (with a reason, whatever today is), then the books. */
	ck_assert_msg(card_transfer(st, SU_TERM, "S11", "S12", 4, "late enrolment", doc, &r, &d) ==
	                      CARD_OK,
	              "%s", d.message);
	ck_assert_int_eq(card_rows_int(r, 0, "count", &n, &d), CARD_OK);
	ck_assert_int_eq(n, 4);
	card_rows_free(r);
	ck_assert_str_eq(su_exec(c, "SELECT card.balance('" SU_TERM "', 'S12', 'stock')"), "4");
	ck_assert_str_eq(su_exec(c, "SELECT bool_and(ok) FROM card.audit('" SU_TERM "')"), "t");
	card_store_close(st);
	PQfinish(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reconcile");
	TCase *tc = tcase_create("replace");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_replace_voids);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
