/*
 * fuzz_printfile.c -- libFuzzer harness for the print file and its manifest
 * (libcard/printfile.c card_print_verify(), libcard/manifest.c manifest_read()).
 *
 * The first byte picks what the rest is: even, the manifest (written as FILE.manifest beside
 * a valid print file: the manifest parser and its signature check); odd, the print file,
 * checked against a manifest signed at start-up for serials 1..1000 of key 1 (the row parser
 * runs on every line before the file's digest is compared).  Whatever the bytes, the check
 * must refuse or accept with a message, never crash, and never accept a file whose manifest
 * it did not sign.  Files live in a private directory under /dev/shm (or TMPDIR).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <card/card.h>
#include "../libcard/printfile_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256], pf[300], mf[320], kp[300], saved[300];
static card_signer *sk;
static card_keyring *kr;
static int mf_signed, pf_plain; /* what the files hold now */

static void put(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "w");
	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
}

static void setup(void)
{
	static const uint8_t key[CARD_KEY_LEN] = { 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
		                                   11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
		                                   22, 23, 24, 25, 26, 27, 28, 29, 30, 31 };
	card_print_manifest m;
	const char *base = access("/dev/shm", W_OK) == 0
	                           ? "/dev/shm"
	                           : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");

	snprintf(dir, sizeof(dir), "%s/fuzz_printfile.XXXXXX", base);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(pf, sizeof(pf), "%s/cards.csv", dir);
	snprintf(mf, sizeof(mf), "%s/cards.csv.manifest", dir);
	snprintf(kp, sizeof(kp), "%s/keyring", dir);
	snprintf(saved, sizeof(saved), "%s/signed.manifest", dir);
	if (card_keyring_new(&kr) != CARD_OK || card_keyring_import(kr, 1, key, "fuzz") != CARD_OK)
		abort();
	if (card_keyring_save(kr, kp, NULL) != CARD_OK ||
	    card_signer_open(kp, 1, &sk, NULL) != CARD_OK)
		abort();
	memset(&m, 0, sizeof(m));
	snprintf(m.file, sizeof(m.file), "cards.csv");
	snprintf(m.batch, sizeof(m.batch), "11111111-1111-4111-8111-111111111111");
	snprintf(m.term, sizeof(m.term), "2026-autumn");
	m.key_id = 1;
	m.first_serial = 1;
	m.last_serial = 1000;
	m.rows = 1000;
	memset(m.sha256, 'a', 64);
	snprintf(m.created, sizeof(m.created), "2026-09-01T00:00:00Z");
	card_signer_fingerprint(sk, m.signer);
	if (manifest_write(pf, &m, sk, NULL) != CARD_OK)
		abort();
	if (rename(mf, saved) != 0) /* the signed manifest, restored before each print-file input */
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	card_print_manifest out;
	card_diag diag;
	card_err rc;
	FILE *f;
	char text[4096];
	size_t n;

	if (sk == NULL)
		setup();
	if (size == 0)
		return 0;
	/* Rewrite only what the previous input changed: files are most of the cost. */
	if ((data[0] & 1) == 0) {
		if (!pf_plain)
			put(pf, (const uint8_t *)"serial,code,batch,term\n", 23);
		pf_plain = 1;
		put(mf, data + 1, size - 1);
		mf_signed = 0;
	} else {
		if (!mf_signed) {
			f = fopen(saved, "r");
			if (f == NULL)
				abort();
			n = fread(text, 1, sizeof(text), f);
			fclose(f);
			put(mf, (const uint8_t *)text, n);
		}
		mf_signed = 1;
		put(pf, data + 1, size - 1);
		pf_plain = 0;
	}
	card_diag_clear(&diag);
	rc = card_print_verify(pf, (data[0] & 2) ? kr : NULL, sk, NULL, NULL, &out, &diag);
	/* Nothing can match the made-up digest of the signed manifest, and no forged manifest
	 * carries a valid signature: every input must be refused, with a message. */
	if (rc == CARD_OK || diag.message[0] == '\0')
		abort();
	return 0;
}
