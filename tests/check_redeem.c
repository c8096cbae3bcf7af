/*
 * check_redeem.c -- exactly-once redemption against a real PostgreSQL: every outcome,
 * idempotency keys, mixed batches, input checks, and concurrency (32 connections racing for
 * one code, 100 times; disjoint codes; shuffled batches that must not deadlock).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storeutil.h"
#include "testutil.h"

static card_redemption redeem1(card_store *st, uint64_t serial, unsigned key, const char *acct,
                               const char *idem)
{
	card_redeem_req q = { serial, key, acct, idem };
	card_redemption r;
	card_diag d;
	card_diag_clear(&d);
	ck_assert_msg(card_redeem(st, &q, &r, &d) == CARD_OK, "redeem: %s", d.message);
	return r;
}

START_TEST(test_account_valid)
{
	char buf[300];
	ck_assert(card_account_valid("a"));
	ck_assert(card_account_valid("学生-2026-0001@school"));
	ck_assert(!card_account_valid(""));
	ck_assert(!card_account_valid(NULL));
	memset(buf, 'x', 64);
	buf[64] = '\0';
	ck_assert(card_account_valid(buf));
	buf[64] = 'x';
	buf[65] = '\0';
	ck_assert(!card_account_valid(buf));
	buf[0] = '\0';
	for (int i = 0; i < 64; i++)
		strcat(buf, "卡");
	ck_assert(card_account_valid(buf)); /* 64 characters, 192 bytes */
	strcat(buf, "卡");
	ck_assert(!card_account_valid(buf));
	ck_assert(!card_account_valid("a\tb"));
	ck_assert(!card_account_valid("a\x7f"));
	ck_assert(!card_account_valid("a\xc2\x85"));        /* C1 control U+0085 */
	ck_assert(!card_account_valid("\xc0\xaf"));         /* overlong */
	ck_assert(!card_account_valid("\xed\xa0\x80"));     /* surrogate */
	ck_assert(!card_account_valid("\xe5\x8d"));         /* truncated */
	ck_assert(!card_account_valid("\xf4\x90\x80\x80")); /* above U+10FFFF */
	ck_assert(card_account_valid("\xf0\x9f\x98\x80"));  /* emoji */
	ck_assert_str_eq(card_redeem_outcome_name(CARD_IDEMPOTENCY_REUSED),
	                 "idempotency_key_reused");
	ck_assert_str_eq(card_redeem_outcome_name(CARD_CARD_VOID), "card_void");
}
END_TEST

START_TEST(test_outcomes)
{
	card_store *st = su_store();
	PGconn *c = su_conn();
	char batch[CARD_UUID_BUFSZ], serial[24];
	card_redemption r, r2;
	uint64_t first = su_mint(c, 3, 100, batch), other;

	r = redeem1(st, first + 1, 3, "alice", NULL);
	ck_assert_int_eq(r.outcome, CARD_REDEEMED);
	ck_assert_uint_eq(r.serial, first + 1);
	ck_assert_int_gt(r.id, 0);
	ck_assert_str_eq(r.term, SU_TERM);
	ck_assert_int_eq(r.face_value_fen, 5000);
	ck_assert_str_eq(r.account, "alice");
	ck_assert_int_eq((int)strlen(r.redeemed_at), 24);
	ck_assert_int_eq(r.redeemed_at[23], 'Z');
	/* Same account again: the original success, same id and time. */
	r2 = redeem1(st, first + 1, 3, "alice", NULL);
	ck_assert_int_eq(r2.outcome, CARD_REDEEM_REPEATED);
	ck_assert_int_eq(r2.id, r.id);
	ck_assert_str_eq(r2.redeemed_at, r.redeemed_at);
	ck_assert_str_eq(r2.account, "alice");
	/* Another account: already redeemed, and alice's account is not revealed. */
	r2 = redeem1(st, first + 1, 3, "bob", NULL);
	ck_assert_int_eq(r2.outcome, CARD_ALREADY_REDEEMED);
	ck_assert_str_eq(r2.account, "");
	ck_assert_int_eq(r2.id, 0);
	/* A void card. */
	snprintf(serial, sizeof(serial), "%llu", (unsigned long long)first + 2);
	su_execp(c,
	         "INSERT INTO card.void (serial, doc, reason) VALUES ($1::bigint, $2::uuid, "
	         "'defective')",
	         2, (const char *[]){ serial, batch });
	ck_assert_int_eq(redeem1(st, first + 2, 3, "alice", NULL).outcome, CARD_CARD_VOID);
	/* Right serial, wrong key: invalid.  A serial in no batch: invalid. */
	ck_assert_int_eq(redeem1(st, first + 3, 4, "alice", NULL).outcome, CARD_INVALID_CODE);
	other = strtoull(su_exec(c, "SELECT next_serial FROM card.serial_counter"), NULL, 10) + 5;
	ck_assert_int_eq(redeem1(st, other, 3, "alice", NULL).outcome, CARD_INVALID_CODE);
	ck_assert_int_eq(redeem1(st, CARD_SERIAL_MAX, 3, "alice", NULL).outcome, CARD_INVALID_CODE);
	snprintf(serial, sizeof(serial), "%llu", (unsigned long long)first);
	ck_assert_str_eq(su_execp(c,
	                          "SELECT count(*) FROM card.redemption WHERE serial BETWEEN "
	                          "$1::bigint AND $1::bigint + 99",
	                          1, (const char *[]){ serial }),
	                 "1");
	card_store_close(st);
	PQfinish(c);
}
END_TEST

START_TEST(test_idempotency)
{
	card_store *st = su_store();
	PGconn *c = su_conn();
	uint64_t first = su_mint(c, 3, 100, NULL);
	card_redemption r, r2;

	r = redeem1(st, first, 3, "carol", "idem-1");
	ck_assert_int_eq(r.outcome, CARD_REDEEMED);
	r2 = redeem1(st, first, 3, "carol", "idem-1");
	ck_assert_int_eq(r2.outcome, CARD_REDEEM_REPEATED);
	ck_assert_int_eq(r2.id, r.id);
	ck_assert_str_eq(r2.redeemed_at, r.redeemed_at);
	/* The key with another code, or another account: reused, and nothing redeemed. */
	ck_assert_int_eq(redeem1(st, first + 1, 3, "carol", "idem-1").outcome,
	                 CARD_IDEMPOTENCY_REUSED);
	ck_assert_int_eq(redeem1(st, first, 3, "dave", "idem-1").outcome, CARD_IDEMPOTENCY_REUSED);
	ck_assert_int_eq(redeem1(st, first + 1, 3, "carol", NULL).outcome, CARD_REDEEMED);
	/* A first outcome that was a failure is replayed too. */
	ck_assert_int_eq(redeem1(st, first + 1, 3, "erin", "idem-2").outcome,
	                 CARD_ALREADY_REDEEMED);
	ck_assert_int_eq(redeem1(st, first + 1, 3, "erin", "idem-2").outcome,
	                 CARD_ALREADY_REDEEMED);
	ck_assert_int_eq(redeem1(st, first + 2, 4, "erin", "idem-3").outcome, CARD_INVALID_CODE);
	ck_assert_int_eq(redeem1(st, first + 2, 4, "erin", "idem-3").outcome, CARD_INVALID_CODE);
	ck_assert_str_eq(su_exec(c, "SELECT outcome FROM card.idempotency WHERE key = 'idem-3'"),
	                 "invalid_code");
	card_store_close(st);
	PQfinish(c);
}
END_TEST

START_TEST(test_many_mixed)
{
	card_store *st = su_store();
	PGconn *c = su_conn();
	char batch[CARD_UUID_BUFSZ], serial[24];
	uint64_t f = su_mint(c, 5, 100, batch);
	card_redemption out[9];
	card_diag d;

	snprintf(serial, sizeof(serial), "%llu", (unsigned long long)f + 9);
	su_execp(
		c,
		"INSERT INTO card.void (serial, doc, reason) VALUES ($1::bigint, $2::uuid, 'lost')",
		2, (const char *[]){ serial, batch });
	card_redeem_req q[9] = {
		{ f + 7, 5, "zed", NULL }, /* later serial first in the array */
		{ f + 5, 5, "amy", NULL },
		{ f + 5, 5, "amy", NULL },           /* duplicate, same account: repeated */
		{ f + 5, 5, "ben", NULL },           /* duplicate, other account */
		{ f + 9, 5, "amy", NULL },           /* void */
		{ f + 6, 6, "amy", NULL },           /* wrong key */
		{ f + 8, 5, "cy\"\\{,}", "k-many" }, /* quoting of array elements */
		{ f + 8, 5, "cy\"\\{,}", "k-many" }, /* the same key again in one call */
		{ f + 7, 5, "dan", "k-many" },       /* the key with another code */
	};
	card_diag_clear(&d);
	ck_assert_msg(card_redeem_many(st, q, 9, out, &d) == CARD_OK, "%s", d.message);
	ck_assert_int_eq(out[0].outcome, CARD_REDEEMED);
	ck_assert_int_eq(out[1].outcome, CARD_REDEEMED);
	ck_assert_int_eq(out[2].outcome, CARD_REDEEM_REPEATED);
	ck_assert_int_eq(out[2].id, out[1].id);
	ck_assert_int_eq(out[3].outcome, CARD_ALREADY_REDEEMED);
	ck_assert_int_eq(out[4].outcome, CARD_CARD_VOID);
	ck_assert_int_eq(out[5].outcome, CARD_INVALID_CODE);
	ck_assert_int_eq(out[6].outcome, CARD_REDEEMED);
	ck_assert_str_eq(out[6].account, "cy\"\\{,}");
	ck_assert_int_eq(out[7].outcome, CARD_REDEEM_REPEATED);
	ck_assert_int_eq(out[7].id, out[6].id);
	ck_assert_int_eq(out[8].outcome, CARD_IDEMPOTENCY_REUSED);
	for (int i = 0; i < 9; i++)
		ck_assert_uint_eq(out[i].serial, q[i].serial);
	ck_assert_str_eq(
		su_execp(c, "SELECT account FROM card.redemption WHERE serial = $1::bigint - 1", 1,
	                 (const char *[]){ serial }),
		"cy\"\\{,}");
	card_store_close(st);
	PQfinish(c);
}
END_TEST

/* The two ways a call is answered: straight from the rows it inserted when every request
 * redeemed its card, and from the cards as they are otherwise.  Both give the same details. */
static void check_row(PGconn *c, const card_redemption *r, uint64_t serial, const char *acct)
{
	char s[24], want[128];

	ck_assert_uint_eq(r->serial, serial);
	ck_assert_str_eq(r->term, SU_TERM);
	ck_assert_int_eq(r->face_value_fen, 5000);
	ck_assert_str_eq(r->account, acct);
	snprintf(s, sizeof(s), "%llu", (unsigned long long)serial);
	snprintf(want, sizeof(want), "%lld|%s", (long long)r->id, r->redeemed_at);
	ck_assert_str_eq(su_execp(c,
	                          "SELECT id || '|' || to_char(redeemed_at AT TIME ZONE 'UTC', "
	                          "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM card.redemption "
	                          "WHERE serial = $1::bigint",
	                          1, (const char *[]){ s }),
	                 want);
}

START_TEST(test_answer_paths)
{
	card_store *st = su_store();
	PGconn *c = su_conn();
	uint64_t f = su_mint(c, 5, 100, NULL);
	card_redemption out[4], again[4], mix[4];
	card_diag d;
	card_redeem_req q[4] = {
		{ f + 30, 5, "amy", "paths-1" },
		{ f + 10, 5, "ben", "paths-2" },
		{ f + 20, 5, "cy", NULL },
		{ f + 11, 5, "dan", "paths-3" },
	};
	/* Every request redeems: answered from the inserted rows, in request order. */
	card_diag_clear(&d);
	ck_assert_msg(card_redeem_many(st, q, 4, out, &d) == CARD_OK, "%s", d.message);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(out[i].outcome, CARD_REDEEMED);
		check_row(c, &out[i], q[i].serial, q[i].account);
	}
	/* The same call again: keys replayed, the keyless request repeated; same rows. */
	ck_assert_msg(card_redeem_many(st, q, 4, again, &d) == CARD_OK, "%s", d.message);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(again[i].outcome, CARD_REDEEM_REPEATED);
		ck_assert_int_eq(again[i].id, out[i].id);
		check_row(c, &again[i], q[i].serial, q[i].account);
	}
	/* A card asked for first under the wrong key_id: the first request that can redeem it
	 * does; a new card beside a repeated one gets the same details as above. */
	card_redeem_req m[4] = {
		{ f + 40, 6, "eve", NULL },
		{ f + 40, 5, "eve", NULL },
		{ f + 40, 5, "eve", NULL },
		{ f + 10, 5, "ben", NULL },
	};
	ck_assert_msg(card_redeem_many(st, m, 4, mix, &d) == CARD_OK, "%s", d.message);
	ck_assert_int_eq(mix[0].outcome, CARD_INVALID_CODE);
	ck_assert_int_eq(mix[0].id, 0);
	ck_assert_int_eq(mix[1].outcome, CARD_REDEEMED);
	check_row(c, &mix[1], f + 40, "eve");
	ck_assert_int_eq(mix[2].outcome, CARD_REDEEM_REPEATED);
	ck_assert_int_eq(mix[2].id, mix[1].id);
	ck_assert_int_eq(mix[3].outcome, CARD_REDEEM_REPEATED);
	ck_assert_int_eq(mix[3].id, out[1].id);
	card_store_close(st);
	PQfinish(c);
}
END_TEST

START_TEST(test_bad_input_changes_nothing)
{
	card_store *st = su_store();
	PGconn *c = su_conn();
	uint64_t f = su_mint(c, 5, 10, NULL);
	char *before = su_fingerprint(c), *after;
	char long_key[300];
	card_redemption out[2];
	card_diag d;
	card_redeem_req q[2] = { { f, 5, "ok", NULL }, { f + 1, 5, "bad\n", NULL } };

	card_diag_clear(&d);
	ck_assert_int_eq(card_redeem_many(st, q, 2, out, &d), CARD_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(d.message, "request 2: invalid account"));
	q[1].account = "ok";
	memset(long_key, 'k', 256);
	long_key[256] = '\0';
	q[1].idem_key = long_key;
	ck_assert_int_eq(card_redeem_many(st, q, 2, out, &d), CARD_ERR_INPUT);
	/* One Idempotency-Key rule (cardd and the server apply the same): 1..255 of 0x21..0x7E. */
	long_key[255] = '\0';
	ck_assert(card_idem_key_valid(long_key));
	ck_assert(card_idem_key_valid("!~"));
	ck_assert(!card_idem_key_valid(""));
	ck_assert(!card_idem_key_valid("a b"));
	ck_assert(!card_idem_key_valid("caf\xc3\xa9"));
	ck_assert(!card_idem_key_valid("a\tb"));
	q[1].idem_key = "a b";
	ck_assert_int_eq(card_redeem_many(st, q, 2, out, &d), CARD_ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(d.detail, "printable ASCII"));
	q[1].idem_key = NULL;
	q[1].key_id = 16;
	ck_assert_int_eq(card_redeem_many(st, q, 2, out, &d), CARD_ERR_INVALID_ARG);
	ck_assert_int_eq(card_redeem_many(st, q, 0, out, &d), CARD_ERR_INVALID_ARG);
	/* The server checks too (the daemon role could call it directly). */
	{
		PGresult *r =
			PQexec(c, "SELECT * FROM card.redeem_many('{1}', '{1}', '{\"a\x01\"}')");
		ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "CR004");
		PQclear(r);
		r = PQexec(c, "SELECT * FROM card.redeem_many('{1,2}', '{1}', '{a,b}')");
		ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "CR004");
		PQclear(r);
		r = PQexec(c, "SELECT * FROM card.redeem_many('{1}', '{1}', '{a}', '{\"a b\"}')");
		ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "CR004");
		PQclear(r);
		r = PQexec(c,
		           "SELECT * FROM card.redeem_many('{1}', '{1}', '{a}', '{caf\xc3\xa9}')");
		ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "CR004");
		PQclear(r);
	}
	after = su_fingerprint(c);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	card_store_close(st);
	PQfinish(c);
}
END_TEST

/* 32 connections redeem one code for 32 accounts at once; 100 rounds. */
enum { RACERS = 32, ROUNDS = 100 };
struct race {
	pthread_barrier_t *bar;
	uint64_t first;
	int idx;
	int redeemed, already;
};

static void *racer(void *arg)
{
	struct race *w = arg;
	card_store *st = NULL;
	char acct[32];
	card_diag d;

	snprintf(acct, sizeof(acct), "racer-%d", w->idx);
	ck_assert_int_eq(card_store_open(NULL, &st, NULL), CARD_OK);
	for (int round = 0; round < ROUNDS; round++) {
		card_redeem_req q = { w->first + (uint64_t)round, 7, acct, NULL };
		card_redemption r;
		card_diag_clear(&d);
		pthread_barrier_wait(w->bar);
		ck_assert_msg(card_redeem(st, &q, &r, &d) == CARD_OK, "%s", d.message);
		if (r.outcome == CARD_REDEEMED)
			w->redeemed++;
		else if (r.outcome == CARD_ALREADY_REDEEMED)
			w->already++;
		else
			ck_abort_msg("outcome %s", card_redeem_outcome_name(r.outcome));
	}
	card_store_close(st);
	return NULL;
}

START_TEST(test_race_one_code)
{
	card_store *st = su_store();
	PGconn *c = su_conn();
	uint64_t f = su_mint(c, 7, ROUNDS, NULL);
	pthread_barrier_t bar;
	struct race w[RACERS];
	pthread_t t[RACERS];
	int redeemed = 0, already = 0;
	char first[24];

	pthread_barrier_init(&bar, NULL, RACERS);
	for (int i = 0; i < RACERS; i++) {
		w[i] = (struct race){ &bar, f, i, 0, 0 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, racer, &w[i]), 0);
	}
	for (int i = 0; i < RACERS; i++) {
		pthread_join(t[i], NULL);
		redeemed += w[i].redeemed;
		already += w[i].already;
	}
	pthread_barrier_destroy(&bar);
	ck_assert_int_eq(redeemed, ROUNDS);
	ck_assert_int_eq(already, ROUNDS * (RACERS - 1));
	snprintf(first, sizeof(first), "%llu", (unsigned long long)f);
	ck_assert_str_eq(su_execp(c,
	                          "SELECT count(*) FROM card.redemption WHERE serial >= $1::bigint "
	                          "AND serial < $1::bigint + 100",
	                          1, (const char *[]){ first }),
	                 "100");
	card_store_close(st);
	PQfinish(c);
}
END_TEST

/* Disjoint codes from many threads, in batches whose serials interleave: all succeed once.
 * Then every thread replays everything, shuffled, with idempotency keys: no deadlock, no error. */
enum { WORKERS = 12, PER = 120, BATCH = 10 };
struct disjoint {
	pthread_barrier_t *bar;
	uint64_t first;
	int idx, ok, bad;
};

static void *disjoint_run(void *arg)
{
	struct disjoint *w = arg;
	card_store *st = NULL;
	card_redeem_req q[BATCH];
	card_redemption out[BATCH];
	char acct[WORKERS][16], keys[BATCH][32];
	card_diag d;

	ck_assert_int_eq(card_store_open(NULL, &st, NULL), CARD_OK);
	for (int i = 0; i < WORKERS; i++)
		snprintf(acct[i], sizeof(acct[i]), "w%d", i);
	/* Serial first + k*WORKERS + idx belongs to this worker. */
	for (int b = 0; b < PER / BATCH; b++) {
		for (int i = 0; i < BATCH; i++) {
			uint64_t k = (uint64_t)(b * BATCH + (BATCH - 1 - i));
			q[i] = (card_redeem_req){ w->first + k * WORKERS + (uint64_t)w->idx, 8,
				                  acct[w->idx], NULL };
		}
		card_diag_clear(&d);
		ck_assert_msg(card_redeem_many(st, q, BATCH, out, &d) == CARD_OK, "%s", d.message);
		for (int i = 0; i < BATCH; i++)
			out[i].outcome == CARD_REDEEMED ? w->ok++ : w->bad++;
	}
	/* Everyone now redeems random serials of everyone, with keys: must answer, never fail. */
	pthread_barrier_wait(w->bar);
	srand((unsigned)w->idx + 1);
	for (int b = 0; b < 20; b++) {
		for (int i = 0; i < BATCH; i++) {
			uint64_t s = w->first + (uint64_t)(rand() % (PER * WORKERS));
			snprintf(keys[i], sizeof(keys[i]), "k%d", rand() % 50);
			q[i] = (card_redeem_req){ s, 8, acct[w->idx], keys[i] };
		}
		card_diag_clear(&d);
		ck_assert_msg(card_redeem_many(st, q, BATCH, out, &d) == CARD_OK, "%s", d.message);
		for (int i = 0; i < BATCH; i++)
			ck_assert_int_ne(out[i].outcome, CARD_REDEEMED);
	}
	card_store_close(st);
	return NULL;
}

START_TEST(test_disjoint_and_shuffled)
{
	card_store *st = su_store();
	PGconn *c = su_conn();
	uint64_t f = su_mint(c, 8, PER * WORKERS, NULL);
	struct disjoint w[WORKERS];
	pthread_t t[WORKERS];
	pthread_barrier_t bar;
	int ok = 0, bad = 0;
	char first[24];

	pthread_barrier_init(&bar, NULL, WORKERS);
	for (int i = 0; i < WORKERS; i++) {
		w[i] = (struct disjoint){ &bar, f, i, 0, 0 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, disjoint_run, &w[i]), 0);
	}
	for (int i = 0; i < WORKERS; i++) {
		pthread_join(t[i], NULL);
		ok += w[i].ok;
		bad += w[i].bad;
	}
	pthread_barrier_destroy(&bar);
	ck_assert_int_eq(ok, PER * WORKERS);
	ck_assert_int_eq(bad, 0);
	snprintf(first, sizeof(first), "%llu", (unsigned long long)f);
	ck_assert_str_eq(
		su_execp(c,
	                 "SELECT count(*) || '/' || count(DISTINCT serial) FROM card.redemption "
	                 "WHERE serial >= $1::bigint AND serial < $1::bigint + 1440",
	                 1, (const char *[]){ first }),
		"1440/1440");
	/* Each redemption belongs to the worker that owns the serial. */
	ck_assert_str_eq(su_execp(c,
	                          "SELECT count(*) FROM card.redemption WHERE serial >= $1::bigint "
	                          "AND serial < $1::bigint + 1440 AND account <> 'w' || ((serial - "
	                          "$1::bigint) % 12)",
	                          1, (const char *[]){ first }),
	                 "0");
	card_store_close(st);
	PQfinish(c);
}
END_TEST

/* A redemption racing a void of the same card, each way round: exactly one of them wins. */
struct raced {
	card_store *st;
	uint64_t serial;
	volatile int done;
	card_redemption r;
};

static void *redeem_later(void *arg)
{
	struct raced *x = arg;
	x->r = redeem1(x->st, x->serial, 3, "alice", NULL);
	x->done = 1;
	return NULL;
}

struct voiding {
	const char *params[2];
	volatile int done;
	char state[8];
};

static void *void_later(void *arg)
{
	struct voiding *x = arg;
	PGconn *c = su_conn();
	PGresult *r = PQexecParams(c,
	                           "SELECT card.void_card('" SU_TERM
	                           "', $1::uuid, 'C', 'stock', $2::bigint, 'defective')",
	                           2, NULL, x->params, NULL, NULL, 0);
	const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	snprintf(x->state, sizeof(x->state), "%s", st != NULL ? st : "00000");
	PQclear(r);
	PQfinish(c);
	x->done = 1;
	return NULL;
}

START_TEST(test_void_redeem_race)
{
	PGconn *c = su_conn(), *v = su_conn();
	char batch[CARD_UUID_BUFSZ], doc[CARD_UUID_BUFSZ], serial[24];
	uint64_t first = su_mint(c, 3, 10, batch);
	struct raced x = { su_store(), first, 0, { 0 } };
	struct voiding y = { { doc, serial }, 0, "" };
	pthread_t t;

	/* A void in flight: the redemption waits for it, then answers card_void. */
	su_doc(c, "replacement", doc);
	snprintf(serial, sizeof(serial), "%llu", (unsigned long long)first);
	su_exec(v, "BEGIN");
	su_execp(v,
	         "SELECT card.void_card('" SU_TERM
	         "', $1::uuid, 'C', 'stock', $2::bigint, 'defective')",
	         2, (const char *const[]){ doc, serial });
	ck_assert_int_eq(pthread_create(&t, NULL, redeem_later, &x), 0);
	usleep(500 * 1000);
	ck_assert_msg(!x.done, "the redemption did not wait for the void in flight");
	su_exec(v, "COMMIT");
	pthread_join(t, NULL);
	ck_assert_int_eq(x.r.outcome, CARD_CARD_VOID);

	/* A redemption in flight: the void waits for it, then is refused (CR001). */
	su_doc(c, "replacement", doc);
	snprintf(serial, sizeof(serial), "%llu", (unsigned long long)first + 1);
	su_exec(v, "BEGIN");
	su_execp(v,
	         "SELECT outcome FROM card.redeem_many(ARRAY[$1::bigint], ARRAY[3], ARRAY['bob'])",
	         1, (const char *const[]){ serial });
	ck_assert_int_eq(pthread_create(&t, NULL, void_later, &y), 0);
	usleep(500 * 1000);
	ck_assert_msg(!y.done, "the void did not wait for the redemption in flight");
	su_exec(v, "COMMIT");
	pthread_join(t, NULL);
	ck_assert_str_eq(y.state, "CR001");
	ck_assert_str_eq(su_execp(c, "SELECT count(*) FROM card.void WHERE serial = $1::bigint", 1,
	                          (const char *const[]){ serial }),
	                 "0");
	card_store_close(x.st);
	PQfinish(v);
	PQfinish(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("redeem");
	TCase *tc = tcase_create("redeem");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_account_valid);
	tcase_add_test(tc, test_outcomes);
	tcase_add_test(tc, test_idempotency);
	tcase_add_test(tc, test_many_mixed);
	tcase_add_test(tc, test_answer_paths);
	tcase_add_test(tc, test_bad_input_changes_nothing);
	tcase_add_test(tc, test_race_one_code);
	tcase_add_test(tc, test_disjoint_and_shuffled);
	tcase_add_test(tc, test_void_redeem_race);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
