/*
 * codes.c -- bench/codes: how fast libcard encodes and validates card codes, against the raw
 * cost of the MAC they carry.
 *
 * One process, one thread.  The baseline is HMAC-SHA256 over an 18-byte message (the size of
 * the code's MAC input) through OpenSSL's EVP_MAC with one keyed context reused for every
 * message, which is the cheapest way OpenSSL offers to compute it.  A code costs that MAC plus
 * base32, the check symbol and (on validation) parsing and a constant-time compare, so the
 * ratios say how much of the work is overhead.  Target: encode and validate each >= 0.8x raw.
 *
 * The three measurements are interleaved in rounds (N/rounds operations each), timed in the
 * thread's CPU time, and the best round of each counts, so a noisy neighbour on a shared
 * machine hurts all three alike.  The "mean" column is total CPU time over all rounds.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <card/card.h>

#define RING 4096 /* codes kept for the validation pass (a power of two) */
#define MSG_LEN 18

static const uint8_t KEY[CARD_KEY_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID,
	              &ts); /* CPU time: waiting for a shared core does not count */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench/codes: %s\n", what);
	exit(1);
}

/* Checked positive number (strtonum-style). */
static unsigned long long parse_count(const char *s, const char *opt)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] == '\0' || s[0] == '-' || *end != '\0' || errno != 0 || v == 0 ||
	    v > CARD_SERIAL_MAX) {
		fprintf(stderr, "bench/codes: %s must be a positive number\n", opt);
		exit(1);
	}
	return v;
}

/* n raw HMAC-SHA256 over 18-byte messages with one reused, pre-keyed context. */
static double bench_raw(EVP_MAC_CTX *ctx, uint64_t first, unsigned long long n, unsigned *sink)
{
	uint8_t msg[MSG_LEN] = { 'L', 'I', 'B', 'C', 'A', 'R', 'D', '1', 1, 1 };
	uint8_t out[32];
	size_t outl;
	double t0 = now();

	for (unsigned long long i = 0; i < n; i++) {
		uint64_t s = first + i;
		for (int b = 0; b < 8; b++)
			msg[10 + b] = (uint8_t)(s >> (56 - 8 * b));
		if (!EVP_MAC_init(ctx, NULL, 0, NULL) || !EVP_MAC_update(ctx, msg, sizeof(msg)) ||
		    !EVP_MAC_final(ctx, out, &outl, sizeof(out)))
			die("HMAC failed");
		*sink += out[0];
	}
	return now() - t0;
}

static double bench_encode(card_codec *codec, uint64_t first, unsigned long long n,
                           char (*ring)[CARD_CODE_BUFSZ], unsigned *sink)
{
	double t0 = now();

	for (unsigned long long i = 0; i < n; i++) {
		char *code = ring[i & (RING - 1)];
		if (card_code_encode(codec, 1, first + i, code) != CARD_OK)
			die("encode failed");
		*sink += (unsigned char)code[19];
	}
	return now() - t0;
}

/* Validate the RING codes of serials first.. over and over; every one must be valid. */
static double bench_validate(card_codec *codec, uint64_t first, unsigned long long n,
                             char (*ring)[CARD_CODE_BUFSZ], unsigned *sink)
{
	double t0 = now();

	for (unsigned long long i = 0; i < n; i++) {
		const char *code = ring[i & (RING - 1)];
		uint64_t serial = 0;
		unsigned key_id = 0;
		if (card_code_validate(codec, code, CARD_CODE_TEXT_LEN, &serial, &key_id) !=
		            CARD_VALID ||
		    serial != first + (i & (RING - 1)) || key_id != 1)
			die("validate disagrees with encode");
		*sink += (unsigned)serial;
	}
	return now() - t0;
}

static void usage(FILE *o)
{
	fprintf(o,
	        "Usage: bench/codes [-n N] [-r ROUNDS]\n\n"
	        "Encode and validate N codes (default 2000000) and compute N raw HMAC-SHA256 of\n"
	        "18 bytes, in ROUNDS interleaved rounds (default 5); print codes/s and ratios.\n"
	        "Exit status 0 when both ratios reach 0.8, 2 when one misses, 1 on error.\n");
}

int main(int argc, char **argv)
{
	unsigned long long n = 2000000, rounds = 5, per;
	double best[3] = { 1e30, 1e30, 1e30 }, total[3] = { 0, 0, 0 };
	static const char *const NAME[3] = { "raw HMAC-SHA256", "encode", "validate" };
	char(*ring)[CARD_CODE_BUFSZ];
	card_keyring *kr = NULL;
	card_codec *codec = NULL;
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	unsigned sink = 0;
	int opt, status = 0;

	while ((opt = getopt(argc, argv, "n:r:h")) != -1) {
		switch (opt) {
		case 'n':
			n = parse_count(optarg, "-n");
			break;
		case 'r':
			rounds = parse_count(optarg, "-r");
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 1;
	}
	if (rounds > n)
		rounds = n;
	per = n / rounds;

	if (card_keyring_new(&kr) != CARD_OK ||
	    card_keyring_import(kr, 1, KEY, "bench") != CARD_OK ||
	    card_codec_new(kr, &codec) != CARD_OK)
		die("could not set up the codec");
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ctx = mac == NULL ? NULL : EVP_MAC_CTX_new(mac);
	if (ctx == NULL || !EVP_MAC_init(ctx, KEY, sizeof(KEY), params))
		die("could not set up HMAC");
	ring = calloc(RING, sizeof(*ring));
	if (ring == NULL)
		die("out of memory");

	/* Warm up caches and the CPU clock. */
	bench_raw(ctx, 0, per < 20000 ? per : 20000, &sink);
	bench_encode(codec, 0, RING, ring, &sink);

	for (unsigned long long r = 0; r < rounds; r++) {
		unsigned long long cnt = r + 1 == rounds ? n - per * (rounds - 1) : per;
		uint64_t first = r * per;
		double t[3];
		t[0] = bench_raw(ctx, first, cnt, &sink);
		t[1] = bench_encode(codec, first, cnt, ring, &sink);
		/* ring now holds the codes of the last RING serials encoded (if cnt >= RING). */
		if (cnt >= RING) {
			uint64_t base = first + cnt - RING;
			/* rotate so slot k holds serial base + k */
			bench_encode(codec, base, RING, ring, &sink);
			t[2] = bench_validate(codec, base, cnt, ring, &sink);
		} else {
			bench_encode(codec, first, cnt, ring, &sink);
			t[2] = 0;
			for (unsigned long long i = 0; i < cnt; i++)
				t[2] += bench_validate(codec, first + i, 1, ring + i, &sink);
		}
		for (int k = 0; k < 3; k++) {
			total[k] += t[k];
			if (t[k] / (double)cnt < best[k])
				best[k] = t[k] / (double)cnt;
		}
	}

	printf("bench/codes: %llu codes in %llu rounds, one thread, key id 1, %s\n", n, rounds,
	       OpenSSL_version(OPENSSL_VERSION));
	printf("%-16s %14s %14s %8s\n", "", "best codes/s", "mean codes/s", "ratio");
	for (int k = 0; k < 3; k++) {
		double ratio = best[0] / best[k];
		printf("%-16s %14.0f %14.0f %8.2f\n", NAME[k], 1.0 / best[k], (double)n / total[k],
		       ratio);
		if (k > 0 && ratio < 0.8)
			status = 2;
	}
	printf("target: encode and validate >= 0.80 x raw HMAC-SHA256: %s\n",
	       status == 0 ? "met" : "MISSED");
	if (sink == 42) /* keep the results alive */
		fputc('\n', stderr);

	free(ring);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	card_codec_free(codec);
	card_keyring_free(kr);
	return status;
}
