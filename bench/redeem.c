/*
 * redeem.c -- redemption throughput through libcard: K threads, each with its own card_store,
 * each calling card_redeem() (one redemption per transaction, durable) on random serials of
 * [lo, hi) for S seconds.  bench/redeem.sh runs it next to pgbench running the same SQL.
 *
 * Usage: bench/redeem -t THREADS -s SECONDS --lo SERIAL --hi SERIAL [-k KEY_ID] [--db CONNINFO]
 * Prints one line: "libcard threads=K n=N seconds=S rate=R redeemed=X other=Y".
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <card/card.h>

struct worker {
	pthread_t tid;
	const char *conninfo;
	uint64_t lo, hi, seed;
	unsigned key_id;
	int idx;
	double seconds;
	long redeemed, other, failed;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	card_store *st = NULL;
	char account[32];
	card_diag d;
	double end;

	card_diag_clear(&d);
	if (card_store_open(w->conninfo, &st, &d) != CARD_OK) {
		fprintf(stderr, "redeem: %s\n", d.message);
		w->failed++;
		return NULL;
	}
	snprintf(account, sizeof(account), "bench-%d", w->idx);
	end = now() + w->seconds;
	while (now() < end) {
		card_redeem_req q = { w->lo + xorshift(&w->seed) % (w->hi - w->lo), w->key_id,
			              account, NULL };
		card_redemption r;
		if (card_redeem(st, &q, &r, &d) != CARD_OK) {
			w->failed++;
			fprintf(stderr, "redeem: %s\n", d.message);
			break;
		}
		if (r.outcome == CARD_REDEEMED)
			w->redeemed++;
		else
			w->other++;
	}
	card_store_close(st);
	return NULL;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return (errno != 0 || end == s || *end != '\0') ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 's' },
		{ "lo", required_argument, NULL, 'l' },
		{ "hi", required_argument, NULL, 'h' },
		{ "key-id", required_argument, NULL, 'k' },
		{ "db", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t threads = 1, seconds = 5, lo = 0, hi = 0, key = 1;
	const char *conninfo = NULL;
	struct worker *w;
	long redeemed = 0, other = 0, failed = 0;
	double t0, t1;
	int opt, bad = 0;

	while ((opt = getopt_long(argc, argv, "t:s:l:h:k:d:", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			bad |= parse_u64(optarg, &threads);
			break;
		case 's':
			bad |= parse_u64(optarg, &seconds);
			break;
		case 'l':
			bad |= parse_u64(optarg, &lo);
			break;
		case 'h':
			bad |= parse_u64(optarg, &hi);
			break;
		case 'k':
			bad |= parse_u64(optarg, &key);
			break;
		case 'd':
			conninfo = optarg;
			break;
		default:
			bad = 1;
		}
	}
	if (bad || threads < 1 || threads > 256 || seconds < 1 || hi <= lo || key > 15) {
		fprintf(stderr, "usage: redeem -t THREADS -s SECONDS --lo SERIAL --hi SERIAL [-k "
		                "KEY_ID] [--db CONNINFO]\n");
		return 1;
	}
	w = calloc(threads, sizeof(*w));
	if (w == NULL)
		return 3;
	t0 = now();
	for (uint64_t i = 0; i < threads; i++) {
		w[i] = (struct worker){ .conninfo = conninfo,
			                .lo = lo,
			                .hi = hi,
			                .key_id = (unsigned)key,
			                .idx = (int)i,
			                .seconds = (double)seconds,
			                .seed = 0x9e3779b97f4a7c15ULL * (i + 1) ^ (uint64_t)t0 };
		if (pthread_create(&w[i].tid, NULL, run, &w[i]) != 0)
			return 3;
	}
	for (uint64_t i = 0; i < threads; i++) {
		pthread_join(w[i].tid, NULL);
		redeemed += w[i].redeemed;
		other += w[i].other;
		failed += w[i].failed;
	}
	t1 = now();
	printf("libcard threads=%llu n=%ld seconds=%.2f rate=%.1f redeemed=%ld other=%ld\n",
	       (unsigned long long)threads, redeemed + other, t1 - t0,
	       (double)(redeemed + other) / (t1 - t0), redeemed, other);
	free(w);
	return failed ? 3 : 0;
}
