/*
 * bench/export.c -- the print-file export against its floor, in the same run.
 *
 * Baseline: the same MAC messages through raw OpenSSL (a pre-keyed EVP_MAC HMAC-SHA256
 * context, re-initialised per message), plus writing the very bytes of the print file (from
 * memory, in 1 MiB writes) to a file in the same directory, fsync'd and renamed, as export
 * does.  Measured: card_print_export() of the same serials (code encoding, row assembly,
 * SHA-256, the signed manifest, the same write/fsync/rename).  Rounds alternate; the best
 * wall-clock time of each counts.  Target: export / baseline <= 1.5.
 *
 *     ./bench/export [-n CARDS] [-r ROUNDS] [-d DIR]      (default 1,000,000 cards, 3 rounds)
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <card/card.h>

#define CHUNK (1u << 20)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(const char *what, card_err rc, const card_diag *d)
{
	fprintf(stderr, "bench/export: %s: %s %s\n", what, card_strerror(rc),
	        d != NULL ? d->message : "");
	return 3;
}

/* The file export wrote, into memory: the bytes the baseline writes. */
static char *slurp(const char *path, size_t *len)
{
	struct stat sb;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &sb) != 0 || (buf = malloc((size_t)sb.st_size + 1)) == NULL)
		goto out;
	while (got < (size_t)sb.st_size && (n = read(fd, buf + got, (size_t)sb.st_size - got)) > 0)
		got += (size_t)n;
	*len = got;
out:
	if (fd >= 0)
		close(fd);
	return buf;
}

/* Raw HMAC-SHA256 over the n messages of export, plus writing `image` to a file. */
static double baseline(const unsigned char key[32], unsigned key_id, uint64_t first, uint64_t n,
                       const char *image, size_t len, const char *dir, volatile unsigned char *sink)
{
	char digest[] = "SHA256", tmp[4200], fin[4200];
	OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		                OSSL_PARAM_construct_end() };
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
	unsigned char msg[18] = { 'L', 'I', 'B', 'C', 'A', 'R', 'D', '1', 1 }, out[32];
	size_t outl, written = 0, per = n > 0 ? len / n : len;
	double t0;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/baseline.csv.tmp.XXXXXX", dir);
	snprintf(fin, sizeof(fin), "%s/baseline.csv", dir);
	EVP_MAC_init(ctx, key, 32, params);
	t0 = now();
	fd = mkstemp(tmp);
	msg[9] = (unsigned char)key_id;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t s = first + i;
		for (int k = 0; k < 8; k++)
			msg[10 + k] = (unsigned char)(s >> (56 - 8 * k));
		EVP_MAC_init(ctx, NULL, 0, NULL);
		EVP_MAC_update(ctx, msg, sizeof(msg));
		EVP_MAC_final(ctx, out, &outl, sizeof(out));
		*sink ^= out[0];
		/* The bytes of these rows go out in the same 1 MiB writes as export's. */
		while (written + CHUNK <= (i + 1) * per && written + CHUNK <= len) {
			if (write(fd, image + written, CHUNK) != (ssize_t)CHUNK)
				abort();
			written += CHUNK;
		}
	}
	if (written < len && write(fd, image + written, len - written) != (ssize_t)(len - written))
		abort();
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, fin) != 0)
		abort();
	t0 = now() - t0;
	unlink(fin);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return t0;
}

int main(int argc, char **argv)
{
	long long n = 1000000, rounds = 3;
	const char *base = getenv("TMPDIR");
	char dir[4096], path[4200], krpath[4400];
	unsigned char key[32];
	volatile unsigned char sink = 0;
	card_keyring *kr = NULL;
	card_signer *sk = NULL;
	card_batch b;
	card_diag d;
	card_err rc;
	double best_base = 1e30, best_exp = 1e30, sum_base = 0, sum_exp = 0;
	char *image = NULL;
	size_t len = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:d:")) != -1) {
		char *end;
		switch (opt) {
		case 'n':
			n = strtoll(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > 100000000)
				return 1;
			break;
		case 'r':
			rounds = strtoll(optarg, &end, 10);
			if (*end != '\0' || rounds < 1 || rounds > 100)
				return 1;
			break;
		case 'd':
			base = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench/export [-n CARDS] [-r ROUNDS] [-d DIR]\n");
			return 1;
		}
	}
	snprintf(dir, sizeof(dir), "%s/libcard-bench-export.XXXXXX",
	         base != NULL && *base ? base : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 3;
	snprintf(path, sizeof(path), "%s/cards.csv", dir);
	snprintf(krpath, sizeof(krpath), "%s/keyring", dir);
	card_diag_clear(&d);
	if (RAND_bytes(key, sizeof(key)) != 1)
		return 3;
	if ((rc = card_keyring_new(&kr)) != CARD_OK ||
	    (rc = card_keyring_import(kr, 1, key, "bench")) != CARD_OK)
		return die("keyring", rc, NULL);
	if ((rc = card_signer_open(krpath, 1, &sk, &d)) != CARD_OK)
		return die("signing key", rc, &d);
	memset(&b, 0, sizeof(b));
	card_uuid_new(b.id);
	snprintf(b.term, sizeof(b.term), "2026-autumn");
	b.key_id = 1;
	b.first_serial = 1000000000;
	b.count = (uint64_t)n;

	printf("bench/export: %lld cards, %lld rounds, in %s\n", n, rounds, dir);
	for (long long r = 0; r < rounds; r++) {
		double t = now();
		rc = card_print_export(kr, sk, &b, b.first_serial, b.count, path, NULL, NULL, NULL,
		                       NULL, &d);
		t = now() - t;
		if (rc != CARD_OK)
			return die("export", rc, &d);
		sum_exp += t;
		best_exp = t < best_exp ? t : best_exp;
		if (image == NULL && (image = slurp(path, &len)) == NULL)
			return 3;
		t = baseline(key, 1, b.first_serial, b.count, image, len, dir, &sink);
		sum_base += t;
		best_base = t < best_base ? t : best_base;
	}
	printf("%-34s %14s %14s\n", "", "best cards/s", "mean cards/s");
	printf("%-34s %14.0f %14.0f\n", "baseline (raw HMAC + write bytes)", (double)n / best_base,
	       (double)n * (double)rounds / sum_base);
	printf("%-34s %14.0f %14.0f\n", "card_print_export", (double)n / best_exp,
	       (double)n * (double)rounds / sum_exp);
	printf("file %.1f MB; ratio export/baseline time (best): %.2f  target <= 1.50: %s\n",
	       (double)len / 1e6, best_exp / best_base,
	       best_exp / best_base <= 1.5 ? "met" : "MISSED");
	snprintf(krpath, sizeof(krpath), "%s/keyring.sign", dir);
	unlink(krpath);
	snprintf(krpath, sizeof(krpath), "%s/keyring.sign.pub", dir);
	unlink(krpath);
	snprintf(krpath, sizeof(krpath), "%s.manifest", path);
	unlink(krpath);
	unlink(path);
	rmdir(dir);
	OPENSSL_cleanse(key, sizeof(key));
	free(image);
	card_signer_free(sk);
	card_keyring_free(kr);
	return best_exp / best_base <= 1.5 ? 0 : 2;
}
