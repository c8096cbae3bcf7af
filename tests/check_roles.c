/*
 * check_roles.c -- roles and row-level security with real logins: a district login sees only
 * its own district and changes cards only through the workflow functions; the daemon can only
 * redeem and read card state; the city cannot rewrite the ledger, the voids, the redemptions
 * or an API token.  Every forbidden write is refused, and `cardctl audit` (card_audit) reads
 * the same before and after.
 */
#include "ledger_int.h"
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storeutil.h"
#include "testutil.h"

static uint64_t g_first;
static char g_doc1[CARD_UUID_BUFSZ], g_doc2[CARD_UUID_BUFSZ];

/* Logins alice (district D1), bob (D2), cardd (daemon), carol (city); cards in both districts. */
static void setup(void)
{
	card_store *st = su_store();
	PGconn *c = su_conn();
	card_move_spec m = { SU_TERM, g_doc1, "shipment", "C", "stock", "D1", "stock" };
	const char *p[1];

	su_orgs(c);
	su_exec(c,
	        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'alice') THEN "
	        "CREATE ROLE alice LOGIN IN ROLE card_district; CREATE ROLE bob LOGIN IN ROLE "
	        "card_district; "
	        "CREATE ROLE cardd LOGIN IN ROLE card_daemon; CREATE ROLE carol LOGIN IN ROLE "
	        "card_city; "
	        "END IF; END $$");
	su_exec(c, "INSERT INTO card.district_login (role, district) VALUES ('alice', 'D1'), "
	           "('bob', 'D2') "
	           "ON CONFLICT DO NOTHING");
	g_first = su_mint(c, 1, 100, NULL);
	card_uuid_new(g_doc1);
	card_uuid_new(g_doc2);
	p[0] = g_doc1;
	su_execp(c,
	         "INSERT INTO card.document (id, kind, term, district) VALUES ($1::uuid, "
	         "'shipment', '" SU_TERM "', 'D1')",
	         1, p);
	p[0] = g_doc2;
	su_execp(c,
	         "INSERT INTO card.document (id, kind, term, district) VALUES ($1::uuid, "
	         "'shipment', '" SU_TERM "', 'D2')",
	         1, p);
	ck_assert_int_eq(card_move(st, &m, (card_range){ g_first, 40 }, NULL, NULL), CARD_OK);
	m.doc = g_doc2;
	m.to_org = "D2";
	ck_assert_int_eq(card_move(st, &m, (card_range){ g_first + 40, 40 }, NULL, NULL), CARD_OK);
	card_store_close(st);
	PQfinish(c);
}

static card_store *login(const char *user)
{
	char conninfo[64];
	card_store *st = NULL;
	card_diag d;
	card_diag_clear(&d);
	snprintf(conninfo, sizeof(conninfo), "user=%s", user);
	ck_assert_msg(card_store_open(conninfo, &st, &d) == CARD_OK, "%s: %s", user, d.message);
	return st;
}

static PGconn *raw_login(const char *user)
{
	char conninfo[64];
	PGconn *c;
	snprintf(conninfo, sizeof(conninfo), "user=%s", user);
	c = PQconnectdb(conninfo);
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	return c;
}

/* What `cardctl audit` reports, every line, as one string (caller frees). */
static char *audit_text(void)
{
	card_store *st = su_store();
	card_audit_line *v = NULL;
	size_t n = 0, len = 1;
	int balanced = 0;
	card_diag d;
	char *out;

	card_diag_clear(&d);
	ck_assert_msg(card_audit(st, NULL, &v, &n, &balanced, &d) == CARD_OK, "%s", d.message);
	out = calloc(1, n * (sizeof(v->term) + sizeof(v->item) + sizeof(v->detail) + 32) + 16);
	ck_assert_ptr_nonnull(out);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(out + len - 1, "%s|%s|%lld|%d|%s\n", v[i].term, v[i].item,
		                       (long long)v[i].value, v[i].ok, v[i].detail);
	sprintf(out + len - 1, "balanced=%d", balanced);
	free(v);
	card_store_close(st);
	return out;
}

/* The state of the cards: the fingerprint of their tables plus the audit. */
static char *books(PGconn *su)
{
	char *f = su_fingerprint(su), *a = audit_text(), *out = malloc(strlen(f) + strlen(a) + 2);
	ck_assert_ptr_nonnull(out);
	sprintf(out, "%s\n%s", f, a);
	free(f);
	free(a);
	return out;
}

/* SQL that must fail with `state`. */
static void denied(PGconn *c, const char *sql, const char *state)
{
	PGresult *r = PQexec(c, sql);
	const char *got = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	ck_assert_msg(got != NULL && strcmp(got, state) == 0, "%s: got %s (%s)", sql,
	              got ? got : "success", PQresultErrorMessage(r));
	PQclear(r);
}

START_TEST(test_district_sees_own)
{
	PGconn *a = raw_login("alice"), *su = su_conn();
	card_store *st = login("alice");
	card_move_spec m = { SU_TERM, g_doc1, "shipment", "D1", "stock", "S11", "stock" };
	char *before;
	uint64_t n = 0;

	ck_assert_str_eq(su_exec(a, "SELECT array_to_string(card.my_districts(), ',')"), "D1");
	ck_assert_str_eq(
		su_exec(a, "SELECT count(*) FROM card.holding WHERE org IN ('D2', 'S21', 'C')"),
		"0");
	ck_assert_str_ne(su_exec(a, "SELECT count(*) FROM card.holding WHERE org = 'D1'"), "0");
	ck_assert_str_eq(su_exec(a, "SELECT count(*) FROM card.ledger WHERE to_org = 'D2'"), "0");
	ck_assert_str_eq(su_exec(a, "SELECT count(*) FROM card.document WHERE district = 'D2'"),
	                 "0");
	/* Balances of the other district read as zero. */
	ck_assert_int_eq(card_balance(st, SU_TERM, "D2", "stock", &n, NULL), CARD_OK);
	ck_assert_uint_eq(n, 0);
	before = books(su);
	/* Cards move only through the workflow steps: not even her own with the ledger primitives. */
	ck_assert_int_eq(card_move(st, &m, (card_range){ g_first, 5 }, NULL, NULL),
	                 CARD_ERR_PERMISSION);
	m = (card_move_spec){ SU_TERM, g_doc1, "transfer", "D2", "stock", "D1", "stock" };
	ck_assert_int_eq(card_move(st, &m, (card_range){ g_first + 40, 5 }, NULL, NULL),
	                 CARD_ERR_PERMISSION);
	denied(a,
	       "SELECT card.move('" SU_TERM
	       "', gen_random_uuid(), 'x', 'D1', 'stock', 'S11', 'stock', '[1,2)')",
	       "42501");
	denied(a,
	       "SELECT * FROM card.move_count('" SU_TERM
	       "', gen_random_uuid(), 'x', 'D1', 'stock', 'S11', 'stock', 1)",
	       "42501");
	denied(a, "SELECT card.void_card('" SU_TERM "', gen_random_uuid(), 'D1', 'stock', 1, 'x')",
	       "42501");
	/* Voiding another district's card under her own document (cardd would answer its real
	 * code with card_void), or her own. */
	{
		char sql[256];
		snprintf(sql, sizeof(sql),
		         "INSERT INTO card.void (serial, doc, reason) VALUES (%llu, '%s', 'x')",
		         (unsigned long long)(g_first + 41), g_doc1);
		denied(a, sql, "42501");
		snprintf(sql, sizeof(sql),
		         "INSERT INTO card.void (serial, doc, reason) VALUES (%llu, '%s', 'x')",
		         (unsigned long long)(g_first + 1), g_doc1);
		denied(a, sql, "42501");
		/* A ledger entry moving the other district's serials, with an actor and a time of
		 * her choosing. */
		snprintf(sql, sizeof(sql),
		         "INSERT INTO card.ledger (term, doc, kind, from_org, from_state, to_org, "
		         "to_state, "
		         "serials, actor, at) VALUES ('" SU_TERM
		         "', '%s', 'transfer', 'D2', 'stock', 'D1', "
		         "'stock', int8range(%llu, %llu), 'zhang', '2020-01-01')",
		         g_doc1, (unsigned long long)(g_first + 40),
		         (unsigned long long)(g_first + 45));
		denied(a, sql, "42501");
		/* Her own holding rows: deleted, or a phantom range added. */
		denied(a, "DELETE FROM card.holding WHERE org = 'D1'", "42501");
		snprintf(sql, sizeof(sql),
		         "INSERT INTO card.holding (serials, term, org, state) VALUES "
		         "(int8range(%llu, %llu), '" SU_TERM "', 'D1', 'stock')",
		         (unsigned long long)(g_first + 1000),
		         (unsigned long long)(g_first + 2000));
		denied(a, sql, "42501");
	}
	denied(a, "UPDATE card.holding SET org = 'D1' WHERE org = 'D2'", "42501");
	denied(a, "DELETE FROM card.holding WHERE org = 'D2'", "42501");
	denied(a, "UPDATE card.void SET reason = 'x'", "42501");
	{
		char sql[256];
		snprintf(sql, sizeof(sql),
		         "INSERT INTO card.receipt (id, shipment, signer, signed_on, count, "
		         "received, discrepancy, late) VALUES ('%s', '%s', 'x', '2020-01-01', 1, "
		         "1, 0, false)",
		         g_doc1, g_doc1);
		denied(a, sql, "42501");
	}
	denied(a, "UPDATE card.shipment SET late = false", "42501");
	denied(a, "DELETE FROM card.distribution", "42501");
	denied(a, "DELETE FROM card.void", "42501");
	denied(a,
	       "INSERT INTO card.document (id, kind, term, district) VALUES (gen_random_uuid(), "
	       "'x', '" SU_TERM "', 'D2')",
	       "42501");
	denied(a, "UPDATE card.holding SET org = 'S21' WHERE org = 'D1'", "42501");
	denied(a, "SELECT * FROM card.idempotency", "42501");
	denied(a,
	       "INSERT INTO card.org (code, name, kind, parent, district) VALUES ('S99', 'x', "
	       "'school', 'D1', 'D1')",
	       "42501");
	denied(a, "SELECT * FROM card.redeem_many('{1}', '{1}', '{a}')", "42501");
	denied(a, "UPDATE card.serial_counter SET next_serial = next_serial + 1", "42501");
	{
		char *after = books(su);
		ck_assert_str_eq(before, after);
		free(after);
	}
	free(before);
	/* And bob sees his, not hers. */
	{
		PGconn *b = raw_login("bob");
		ck_assert_str_eq(
			su_exec(b, "SELECT count(*) FROM card.holding WHERE org IN ('D1', 'S11')"),
			"0");
		ck_assert_str_eq(
			su_exec(b, "SELECT sum(upper(serials) - lower(serials)) FROM card.holding"),
			"40");
		PQfinish(b);
	}
	card_store_close(st);
	PQfinish(a);
	PQfinish(su);
}
END_TEST

START_TEST(test_daemon_only_redeems)
{
	PGconn *dm = raw_login("cardd"), *su = su_conn();
	card_store *st = login("cardd");
	card_redeem_req q = { g_first + 45, 1, "kid", NULL };
	card_redemption r;
	card_card_info in;
	char *before, *after;
	card_diag d;

	card_diag_clear(&d);
	ck_assert_msg(card_redeem(st, &q, &r, &d) == CARD_OK, "%s", d.message);
	ck_assert_int_eq(r.outcome, CARD_REDEEMED);
	ck_assert_int_eq(card_card_show(st, g_first + 45, &in, &d), CARD_OK);
	ck_assert(in.redeemed);
	card_card_info_free(&in);
	before = books(su);
	denied(dm, "SELECT * FROM card.holding", "42501");
	denied(dm, "SELECT * FROM card.redemption", "42501");
	denied(dm,
	       "INSERT INTO card.redemption (serial, account, batch) SELECT 1, 'x', id FROM "
	       "card.batch LIMIT 1",
	       "42501");
	denied(dm, "UPDATE card.redemption SET account = 'x'", "42501");
	denied(dm, "DELETE FROM card.redemption", "42501");
	denied(dm,
	       "INSERT INTO card.ledger (term, doc, kind, to_org, to_state, serials) VALUES "
	       "('" SU_TERM "', gen_random_uuid(), 'mint', 'C', 'stock', '[1,2)')",
	       "42501");
	denied(dm, "UPDATE card.serial_counter SET next_serial = next_serial + 1", "42501");
	denied(dm,
	       "INSERT INTO card.batch (id, term, key_id, first_serial, card_count) VALUES "
	       "(gen_random_uuid(), '" SU_TERM "', 1, 1, 1)",
	       "42501");
	denied(dm, "INSERT INTO card.void (serial, doc, reason) VALUES (1, gen_random_uuid(), 'x')",
	       "42501");
	denied(dm,
	       "SELECT card.move('" SU_TERM
	       "', gen_random_uuid(), 'x', 'C', 'stock', 'D1', 'stock', '[1,2)')",
	       "42501");
	denied(dm,
	       "SELECT * FROM card.move_count('" SU_TERM
	       "', gen_random_uuid(), 'x', 'C', 'stock', 'D1', 'stock', 1)",
	       "42501");
	denied(dm, "SELECT card.void_card('" SU_TERM "', gen_random_uuid(), 'C', 'stock', 1, 'x')",
	       "42501");
	denied(dm, "SELECT * FROM card.audit()", "42501");
	denied(dm, "SELECT * FROM card.idempotency", "42501");
	denied(dm, "DELETE FROM card.void", "42501");
	denied(dm, "UPDATE card.api_token SET revoked_at = NULL", "42501");
	after = books(su);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	card_store_close(st);
	PQfinish(dm);
	PQfinish(su);
}
END_TEST

START_TEST(test_city_append_only)
{
	PGconn *cc = raw_login("carol"), *su = su_conn();
	card_store *st = login("carol");
	card_move_spec m = { SU_TERM, g_doc1, "shipment", "C", "stock", "S11", "stock" };
	card_audit_line *v = NULL;
	size_t n;
	int balanced = 0;
	card_diag d;
	char *before, *after, *tokens;
	const char *p[1] = { g_doc2 };
	PGresult *r;

	card_diag_clear(&d);
	ck_assert_str_eq(su_exec(cc, "SELECT card.is_city()::text"), "true");
	ck_assert_str_ne(su_exec(cc, "SELECT count(*) FROM card.holding WHERE org = 'D2'"), "0");
	/* A void (by the server's function) and two tokens, one revoked: what she may not undo. */
	su_execp(su,
	         "SELECT card.void_card('" SU_TERM "', $1::uuid, 'D2', 'stock', "
	         "(SELECT lower(serials) "
	         "FROM card.holding WHERE org = 'D2' AND state = 'stock' LIMIT 1), 'torn')",
	         1, p);
	su_exec(su, "INSERT INTO card.api_token (id, role, secret_sha256, revoked_at) VALUES "
	            "('00000000000000a1', 'helpdesk', sha256('a'), NULL), "
	            "('00000000000000b2', 'platform', sha256('b'), now()) ON CONFLICT DO NOTHING");
	tokens = strdup(su_exec(
		su, "SELECT string_agg(concat_ws(',', id, role, encode(secret_sha256, 'hex'), "
		    "revoked_at IS NULL), ';' ORDER BY id) FROM card.api_token "
		    "WHERE id IN ('00000000000000a1', '00000000000000b2')"));
	before = books(su);
	ck_assert_int_eq(card_move(st, &m, (card_range){ g_first + 90, 2 }, NULL, &d),
	                 CARD_ERR_PERMISSION);
	denied(cc, "SELECT card.void_card('" SU_TERM "', gen_random_uuid(), 'C', 'stock', 1, 'x')",
	       "42501");
	denied(cc, "UPDATE card.ledger SET to_org = 'C'", "42501");
	denied(cc, "DELETE FROM card.ledger", "42501");
	denied(cc,
	       "INSERT INTO card.ledger (term, doc, kind, to_org, to_state, serials) VALUES "
	       "('" SU_TERM "', gen_random_uuid(), 'mint', 'C', 'stock', '[1,2)')",
	       "42501");
	denied(cc,
	       "INSERT INTO card.holding (serials, term, org, state) VALUES ('[900000,900010)', "
	       "'" SU_TERM "', 'C', 'stock')",
	       "42501");
	denied(cc, "DELETE FROM card.holding WHERE org = 'D2'", "42501");
	denied(cc, "UPDATE card.redemption SET account = 'x'", "42501");
	denied(cc, "DELETE FROM card.redemption", "42501");
	denied(cc,
	       "INSERT INTO card.redemption (serial, account, batch) SELECT 1, 'x', id FROM "
	       "card.batch LIMIT 1",
	       "42501");
	denied(cc, "UPDATE card.ledger_head SET seq = 0", "42501");
	/* A batch, once minted, is what every redemption of its cards names. */
	denied(cc, "DELETE FROM card.batch", "42501");
	denied(cc, "UPDATE card.batch SET key_id = 2", "42501");
	denied(su, "DELETE FROM card.batch", "CR001");
	denied(su, "UPDATE card.batch SET key_id = 2", "CR001");
	/* Un-voiding a card, or rewriting why. */
	denied(cc, "DELETE FROM card.void", "42501");
	denied(cc, "UPDATE card.void SET reason = 'x'", "42501");
	denied(cc, "INSERT INTO card.void (serial, doc, reason) VALUES (1, gen_random_uuid(), 'x')",
	       "42501");
	/* Tokens: not their role, secret or id; not deleted; a revoked token stays revoked. */
	denied(cc, "UPDATE card.api_token SET role = 'platform' WHERE id = '00000000000000a1'",
	       "42501");
	denied(cc,
	       "UPDATE card.api_token SET secret_sha256 = sha256('x') WHERE id = "
	       "'00000000000000a1'",
	       "42501");
	denied(cc, "DELETE FROM card.api_token", "42501");
	denied(cc, "UPDATE card.api_token SET revoked_at = NULL WHERE id = '00000000000000b2'",
	       "CR003");
	denied(cc, "UPDATE card.schema_version SET name = 'x'", "42501");
	denied(cc, "DELETE FROM card.function_file", "42501");
	after = books(su);
	ck_assert_str_eq(before, after);
	ck_assert_str_eq(
		su_exec(su,
	                "SELECT string_agg(concat_ws(',', id, role, encode(secret_sha256, 'hex'), "
	                "revoked_at IS NULL), ';' ORDER BY id) FROM card.api_token "
	                "WHERE id IN ('00000000000000a1', '00000000000000b2')"),
		tokens);
	free(before);
	free(after);
	free(tokens);
	/* What she may do: revoke a live token. */
	r = PQexec(cc,
	           "UPDATE card.api_token SET revoked_at = now() WHERE id = '00000000000000a1'");
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQresultErrorMessage(r));
	PQclear(r);
	ck_assert_msg(card_audit(st, SU_TERM, &v, &n, &balanced, &d) == CARD_OK, "%s", d.message);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(v[i].ok || strcmp(v[i].item, "redeemed_not_shipped") == 0, "%s: %s",
		              v[i].item, v[i].detail);
	free(v);
	card_store_close(st);
	PQfinish(cc);
	PQfinish(su);
}
END_TEST

/* The server sets a ledger entry's and a void's actor and time, whatever the INSERT says (even
 * the owner's, which no privilege stops). */
START_TEST(test_server_stamps)
{
	PGconn *su = su_conn();
	const char *p[1] = { g_doc1 };

	su_exec(su, "BEGIN");
	ck_assert_str_eq(
		su_execp(su,
	                 "INSERT INTO card.ledger (term, doc, kind, from_org, from_state, to_org, "
	                 "to_state, serials, actor, at) VALUES ('" SU_TERM
	                 "', $1::uuid, 'x', 'D1', "
	                 "'stock', 'S11', 'stock', '[1,2)', 'zhang', '2020-01-01') "
	                 "RETURNING actor = session_user AND at > now() - interval '1 minute'",
	                 1, p),
		"t");
	ck_assert_str_eq(
		su_execp(su,
	                 "INSERT INTO card.void (serial, doc, reason, actor, at) VALUES "
	                 "(999999, $1::uuid, 'x', 'zhang', '2020-01-01') "
	                 "RETURNING actor = session_user AND at > now() - interval '1 minute'",
	                 1, p),
		"t");
	su_exec(su, "ROLLBACK");
	PQfinish(su);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("roles");
	TCase *tc = tcase_create("roles");
	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_district_sees_own);
	tcase_add_test(tc, test_daemon_only_redeems);
	tcase_add_test(tc, test_city_append_only);
	tcase_add_test(tc, test_server_stamps);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
