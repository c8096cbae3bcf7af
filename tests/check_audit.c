/*
 * check_audit.c -- card_audit() proves the books balance after real moves, voids and
 * redemptions, and catches a ledger row, a holding row or a redemption changed behind the
 * library's back; card_card_show() tells a card's story.
 */
#include "ledger_int.h"
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storeutil.h"
#include "testutil.h"

/* Run the audit; returns balanced, and the line for item (term SU_TERM or "" ) in *line. */
static int audit(card_store *st, const char *item, card_audit_line *line)
{
	card_audit_line *v = NULL;
	size_t n = 0;
	int balanced = -1, found = 0;
	card_diag d;

	card_diag_clear(&d);
	ck_assert_msg(card_audit(st, NULL, &v, &n, &balanced, &d) == CARD_OK, "%s", d.message);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].item, item) == 0 &&
		    (strcmp(v[i].term, SU_TERM) == 0 || v[i].term[0] == '\0')) {
			*line = v[i];
			found = 1;
		}
	}
	ck_assert_msg(found, "no audit line %s", item);
	free(v);
	return balanced;
}

static int64_t figure(card_store *st, const char *item)
{
	card_audit_line l;
	(void)audit(st, item, &l);
	return l.value;
}

/* A small term's life: mint, ship, receive, distribute, void, redeem. */
static uint64_t scenario(card_store *st, PGconn *c)
{
	char ship[CARD_UUID_BUFSZ], repl[CARD_UUID_BUFSZ], s[24];
	card_move_spec m = { SU_TERM, ship, "shipment", "C", "stock", "D1", "transit" };
	card_redeem_req q = { 0, 9, "student-1", NULL };
	card_redemption r;
	uint64_t f = su_mint(c, 9, 1000, NULL);

	su_doc(c, "shipment", ship);
	su_doc(c, "replacement", repl);
	ck_assert_int_eq(card_move_count(st, &m, 300, &(card_range){ f, 1000 }, NULL, NULL, NULL),
	                 CARD_OK);
	m = (card_move_spec){ SU_TERM, ship, "receipt", "D1", "transit", "D1", "stock" };
	ck_assert_int_eq(card_move_count(st, &m, 300, NULL, NULL, NULL, NULL), CARD_OK);
	m = (card_move_spec){ SU_TERM, ship, "shipment", "D1", "stock", "S11", "stock" };
	ck_assert_int_eq(card_move(st, &m, (card_range){ f, 100 }, NULL, NULL), CARD_OK);
	m = (card_move_spec){ SU_TERM, ship, "distribution", "S11", "stock", "S11", "distributed" };
	ck_assert_int_eq(card_move(st, &m, (card_range){ f, 80 }, NULL, NULL), CARD_OK);
	snprintf(s, sizeof(s), "%llu", (unsigned long long)f + 90);
	su_execp(c,
	         "SELECT card.void_card('" SU_TERM
	         "', $1::uuid, 'S11', 'stock', $2::bigint, 'torn')",
	         2, (const char *[]){ repl, s });
	q.serial = f + 5;
	ck_assert_int_eq(card_redeem(st, &q, &r, NULL), CARD_OK);
	ck_assert_int_eq(r.outcome, CARD_REDEEMED);
	return f;
}

START_TEST(test_balanced_and_figures)
{
	card_store *st = su_store();
	PGconn *c = su_conn();
	card_audit_line l;
	int64_t minted0, city0;

	su_orgs(c);
	minted0 = figure(st, "minted");
	city0 = figure(st, "city_stock");
	(void)scenario(st, c);
	ck_assert_int_eq(audit(st, "held_total", &l), 1);
	ck_assert_int_eq(figure(st, "minted") - minted0, 1000);
	ck_assert_int_eq(figure(st, "city_stock") - city0, 700);
	ck_assert_int_eq(figure(st, "district_stock"), 200);
	ck_assert_int_eq(figure(st, "school_stock"), 19);
	ck_assert_int_eq(figure(st, "distributed"), 80);
	ck_assert_int_eq(figure(st, "void"), 1);
	ck_assert_int_eq(figure(st, "redeemed"), 1);
	ck_assert_int_eq(audit(st, "ledger_chain", &l), 1);
	ck_assert(l.ok);
	ck_assert_ptr_nonnull(strstr(l.detail, "head "));
	/* A term that does not exist. */
	{
		card_audit_line *v = NULL;
		size_t n;
		int b;
		ck_assert_int_eq(card_audit(st, "1999-spring", &v, &n, &b, NULL),
		                 CARD_ERR_NOT_FOUND);
		ck_assert_ptr_null(v);
	}
	card_store_close(st);
	PQfinish(c);
}
END_TEST

START_TEST(test_card_show)
{
	card_store *st = su_store();
	PGconn *c = su_conn();
	uint64_t f = scenario(st, c);
	card_card_info in;

	ck_assert_int_eq(card_card_show(st, f + 5, &in, NULL), CARD_OK);
	ck_assert_str_eq(in.term, SU_TERM);
	ck_assert_uint_eq(in.key_id, 9);
	ck_assert_str_eq(in.org, "S11");
	ck_assert_str_eq(in.state, "distributed");
	ck_assert(in.redeemed);
	ck_assert_str_eq(in.account, "student-1");
	ck_assert(!in.voided);
	ck_assert_uint_eq(in.nmoves, 5); /* mint, shipment, receipt, shipment, distribution */
	ck_assert_str_eq(in.moves[0].kind, "mint");
	ck_assert_str_eq(in.moves[0].from_org, "");
	ck_assert_str_eq(in.moves[4].to_state, "distributed");
	card_card_info_free(&in);
	ck_assert_int_eq(card_card_show(st, f + 90, &in, NULL), CARD_OK);
	ck_assert(in.voided);
	ck_assert_str_eq(in.void_reason, "torn");
	ck_assert_str_eq(in.state, "void");
	card_card_info_free(&in);
	ck_assert_int_eq(card_card_show(st, CARD_SERIAL_MAX, &in, NULL), CARD_ERR_NOT_FOUND);
	ck_assert_ptr_null(in.moves);
	card_store_close(st);
	PQfinish(c);
}
END_TEST

START_TEST(test_catches_tampering)
{
	card_store *st = su_store();
	PGconn *c = su_conn();
	card_audit_line l;
	uint64_t f = scenario(st, c);
	char s[24];

	snprintf(s, sizeof(s), "%llu", (unsigned long long)f);
	ck_assert_int_eq(audit(st, "ledger_chain", &l), 1);
	/* A superuser edits a ledger row behind the library's back. */
	su_exec(c, "ALTER TABLE card.ledger DISABLE TRIGGER ledger_append_only");
	su_execp(c,
	         "UPDATE card.ledger SET to_org = 'S12' WHERE kind = 'distribution' AND "
	         "lower(serials) = $1::bigint",
	         1, (const char *[]){ s });
	ck_assert_int_eq(audit(st, "ledger_chain", &l), 0);
	ck_assert(!l.ok);
	ck_assert_msg(strstr(l.detail, "does not match its hash") != NULL, "%s", l.detail);
	(void)audit(st, "ledger_replay", &l);
	ck_assert(!l.ok);
	/* Put it back: balanced again. */
	su_execp(c,
	         "UPDATE card.ledger SET to_org = 'S11' WHERE kind = 'distribution' AND "
	         "lower(serials) = $1::bigint",
	         1, (const char *[]){ s });
	ck_assert_int_eq(audit(st, "ledger_chain", &l), 1);
	/* A deleted ledger row. */
	su_exec(c, "CREATE TEMP TABLE keep AS SELECT * FROM card.ledger WHERE id = (SELECT max(id) "
	           "FROM card.ledger)");
	su_exec(c, "DELETE FROM card.ledger WHERE id = (SELECT id FROM keep)");
	ck_assert_int_eq(audit(st, "ledger_chain", &l), 0);
	ck_assert_msg(strstr(l.detail, "deleted") != NULL, "%s", l.detail);
	su_exec(c, "INSERT INTO card.ledger OVERRIDING SYSTEM VALUE SELECT * FROM keep");
	/* The insert went through the chain trigger again: a new link, which breaks the order. */
	(void)audit(st, "ledger_chain", &l);
	su_exec(c, "ALTER TABLE card.ledger ENABLE TRIGGER ledger_append_only");
	/* A holding row moved to another school. */
	su_exec(c, "ALTER TABLE card.ledger DISABLE TRIGGER ledger_chain");
	su_execp(c,
	         "UPDATE card.holding SET org = 'S12' WHERE org = 'S11' AND state = 'distributed' "
	         "AND serials @> $1::bigint",
	         1, (const char *[]){ s });
	ck_assert_int_eq(audit(st, "ledger_replay", &l), 0);
	ck_assert(!l.ok);
	ck_assert_msg(strstr(l.detail, "S12 (distributed)") != NULL, "%s", l.detail);
	/* A holding row that lost some cards. */
	su_execp(c,
	         "UPDATE card.holding SET serials = int8range(lower(serials) + 1, upper(serials)) "
	         "WHERE org = 'S12' AND state = 'distributed' AND serials @> $1::bigint",
	         1, (const char *[]){ s });
	(void)audit(st, "held_total", &l);
	ck_assert(!l.ok);
	(void)audit(st, "held_once", &l);
	ck_assert(!l.ok);
	ck_assert_msg(strstr(l.detail, "minted but not held: ") != NULL, "%s", l.detail);
	/* A card redeemed while in city stock. */
	{
		char s2[24];
		snprintf(s2, sizeof(s2), "%llu", (unsigned long long)f + 999);
		su_execp(c,
		         "INSERT INTO card.redemption (serial, account, batch) "
		         "SELECT $1::bigint, 'x', id FROM card.batch WHERE serials @> $1::bigint",
		         1, (const char *[]){ s2 });
		(void)audit(st, "redeemed_not_shipped", &l);
		ck_assert(!l.ok);
		ck_assert_ptr_nonnull(strstr(l.detail, s2));
	}
	card_store_close(st);
	PQfinish(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("audit");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_balanced_and_figures);
	tcase_add_test(tc, test_card_show);
	tcase_add_test(tc, test_catches_tampering); /* last: it leaves the books broken */
	suite_add_tcase(s, tc);
	return tu_run(s);
}
