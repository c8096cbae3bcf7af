/*
 * check_redeem_race.c -- voids racing redemptions of the same cards, many at a time.
 *
 * card.redeem_many decides a whole batch in a few set-based statements (the void check is an
 * anti-join); card.void_card refuses a redeemed card.  Each round here mints cards, then
 * VOIDERS connections void every card (one void_card transaction each, shuffled) while
 * REDEEMERS connections redeem every card (shuffled batches of BATCH, their own account),
 * all started together.  Whatever the interleaving, each card ends either voided or redeemed,
 * never both and never neither, and every answer agrees with what was committed: a void that
 * succeeded has its void row and no redemption, a void refused with CR001 lost to a
 * redemption, "redeemed" was answered exactly once per redeemed card, to its account,
 * "card_void" only for voided cards and "already_redeemed" only to the other accounts.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storeutil.h"
#include "testutil.h"

enum { CARDS = 120, ROUNDS = 4, VOIDERS = 3, REDEEMERS = 3, BATCH = 8, KEY = 6 };

struct voider {
	pthread_barrier_t *bar;
	uint64_t first;
	int idx;
	char doc[CARD_UUID_BUFSZ];
	char state[CARDS][6]; /* SQLSTATE per card this voider tried; "" when not its card */
};

struct redeemer {
	pthread_barrier_t *bar;
	uint64_t first;
	int idx;
	card_redeem_outcome out[CARDS];
};

/* Fisher-Yates with a private seed (rand() is not thread-safe). */
static void shuffle(int *a, int n, unsigned *seed)
{
	for (int i = 0; i < n; i++)
		a[i] = i;
	for (int i = n - 1; i > 0; i--) {
		int j = (int)(rand_r(seed) % (unsigned)(i + 1)), t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

static void *void_run(void *arg)
{
	struct voider *w = arg;
	PGconn *c = su_conn();
	unsigned seed = (unsigned)w->idx * 7919u + 1u;
	int order[CARDS];

	shuffle(order, CARDS, &seed);
	pthread_barrier_wait(w->bar);
	for (int k = 0; k < CARDS; k++) {
		int i = order[k];
		char serial[24];
		const char *p[2] = { w->doc, serial };
		PGresult *r;
		const char *st;

		if (i % VOIDERS != w->idx)
			continue;
		snprintf(serial, sizeof(serial), "%llu",
		         (unsigned long long)(w->first + (uint64_t)i));
		r = PQexecParams(c,
		                 "SELECT card.void_card('" SU_TERM
		                 "', $1::uuid, 'C', 'stock', $2::bigint, 'race')",
		                 2, NULL, p, NULL, NULL, 0);
		st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		snprintf(w->state[i], sizeof(w->state[i]), "%s", st != NULL ? st : "00000");
		ck_assert_msg(st == NULL || strcmp(st, "CR001") == 0, "void_card of card %d: %s", i,
		              PQerrorMessage(c));
		PQclear(r);
	}
	PQfinish(c);
	return NULL;
}

static void *redeem_run(void *arg)
{
	struct redeemer *w = arg;
	card_store *st = NULL;
	unsigned seed = (unsigned)w->idx * 104729u + 3u;
	int order[CARDS];
	char acct[16];

	snprintf(acct, sizeof(acct), "racer-%d", w->idx);
	ck_assert_int_eq(card_store_open(NULL, &st, NULL), CARD_OK);
	shuffle(order, CARDS, &seed);
	pthread_barrier_wait(w->bar);
	for (int k = 0; k < CARDS; k += BATCH) {
		card_redeem_req q[BATCH];
		card_redemption o[BATCH];
		size_t n = 0;
		card_diag d;

		for (int j = k; j < k + BATCH && j < CARDS; j++)
			q[n++] =
				(card_redeem_req){ w->first + (uint64_t)order[j], KEY, acct, NULL };
		card_diag_clear(&d);
		ck_assert_msg(card_redeem_many(st, q, n, o, &d) == CARD_OK, "redeem_many: %s",
		              d.message);
		for (size_t j = 0; j < n; j++)
			w->out[order[k + (int)j]] = o[j].outcome;
	}
	card_store_close(st);
	return NULL;
}

/* What the database holds for card i: 'v' voided, 'r' redeemed (account in acct), 'b' both,
 * '-' neither. */
static char held(PGconn *c, uint64_t serial, char *acct, size_t acctsz)
{
	char s[24];
	const char *v;
	snprintf(s, sizeof(s), "%llu", (unsigned long long)serial);
	v = su_execp(
		c,
		"SELECT (EXISTS (SELECT 1 FROM card.void WHERE serial = $1::bigint))::int || "
		"coalesce((SELECT account FROM card.redemption WHERE serial = $1::bigint), '')",
		1, (const char *const[]){ s });
	snprintf(acct, acctsz, "%s", v + 1);
	if (v[0] == '1')
		return acct[0] != '\0' ? 'b' : 'v';
	return acct[0] != '\0' ? 'r' : '-';
}

START_TEST(test_voids_race_redemptions)
{
	PGconn *c = su_conn();
	card_store *st = su_store(); /* migrates */
	int voided = 0, redeemed = 0;

	for (int round = 0; round < ROUNDS; round++) {
		uint64_t first = su_mint(c, KEY, CARDS, NULL);
		pthread_barrier_t bar;
		struct voider *v = calloc(VOIDERS, sizeof(*v));
		struct redeemer *r = calloc(REDEEMERS, sizeof(*r));
		pthread_t t[VOIDERS + REDEEMERS];

		ck_assert_ptr_nonnull(v);
		ck_assert_ptr_nonnull(r);
		pthread_barrier_init(&bar, NULL, VOIDERS + REDEEMERS);
		for (int i = 0; i < VOIDERS; i++) {
			v[i].bar = &bar;
			v[i].first = first;
			v[i].idx = i;
			su_doc(c, "replacement", v[i].doc);
			ck_assert_int_eq(pthread_create(&t[i], NULL, void_run, &v[i]), 0);
		}
		for (int i = 0; i < REDEEMERS; i++) {
			r[i] = (struct redeemer){ &bar, first, i, { 0 } };
			ck_assert_int_eq(pthread_create(&t[VOIDERS + i], NULL, redeem_run, &r[i]),
			                 0);
		}
		for (int i = 0; i < VOIDERS + REDEEMERS; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&bar);

		for (int i = 0; i < CARDS; i++) {
			char acct[80], want[16];
			const char *vs = v[i % VOIDERS].state[i];
			char h = held(c, first + (uint64_t)i, acct, sizeof(acct));
			int winners = 0;

			ck_assert_msg(h == 'v' || h == 'r', "round %d card %d: %s", round, i,
			              h == 'b' ? "both voided and redeemed"
			                       : "neither voided nor redeemed");
			ck_assert_msg(strcmp(vs, h == 'v' ? "00000" : "CR001") == 0,
			              "round %d card %d: held '%c' but the void answered %s", round,
			              i, h, vs);
			for (int j = 0; j < REDEEMERS; j++) {
				card_redeem_outcome o = r[j].out[i];
				snprintf(want, sizeof(want), "racer-%d", j);
				if (h == 'v') {
					ck_assert_msg(o == CARD_CARD_VOID,
					              "round %d card %d: void, redeemer %d got %s",
					              round, i, j, card_redeem_outcome_name(o));
				} else if (o == CARD_REDEEMED) {
					winners++;
					ck_assert_str_eq(acct, want);
				} else {
					ck_assert_msg(o == CARD_ALREADY_REDEEMED &&
					                      strcmp(acct, want) != 0,
					              "round %d card %d: redeemed by %s, redeemer "
					              "%d got %s",
					              round, i, acct, j,
					              card_redeem_outcome_name(o));
				}
			}
			ck_assert_int_eq(winners, h == 'r' ? 1 : 0);
			h == 'v' ? voided++ : redeemed++;
		}
		free(v);
		free(r);
	}
	/* Not asserted (the interleaving is the scheduler's), but shown: both sides won cards. */
	fprintf(stderr, "voids raced redemptions: %d cards voided, %d redeemed\n", voided,
	        redeemed);
	ck_assert_int_eq(voided + redeemed, CARDS * ROUNDS);
	card_store_close(st);
	PQfinish(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("redeem_race");
	TCase *tc = tcase_create("redeem_race");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_voids_race_redemptions);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
