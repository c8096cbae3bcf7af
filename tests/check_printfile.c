/*
 * check_printfile.c -- the print vendor's file: export of 100,000 codes that verify and decode
 * to their serials, mode 0600, atomic writing, and rejection of every kind of tampering.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define N 100000

static char *dir;
static char path[512], krpath[512];
static card_keyring *kr;
static card_signer *sk;
static card_batch batch;

static void setup(void)
{
	card_diag d;
	card_diag_clear(&d);
	dir = tu_tmpdir();
	snprintf(path, sizeof(path), "%s/cards.csv", dir);
	snprintf(krpath, sizeof(krpath), "%s/keyring", dir);
	kr = tu_vector_keyring();
	ck_assert_int_eq(card_signer_open(krpath, 0, &sk, &d), CARD_ERR_KEY_NOT_FOUND);
	ck_assert_int_eq(card_signer_open(krpath, 1, &sk, &d), CARD_OK);
	memset(&batch, 0, sizeof(batch));
	card_uuid_new(batch.id);
	snprintf(batch.term, sizeof(batch.term), "2026-autumn");
	batch.key_id = 1;
	batch.first_serial = 5000001;
	batch.count = N;
}

static void teardown(void)
{
	card_signer_free(sk);
	card_keyring_free(kr);
	tu_rmtree(dir);
	free(dir);
}

static card_err verify(const card_keyring *k, const card_signer *s, card_diag *d)
{
	card_diag_clear(d);
	return card_print_verify(path, k, s, NULL, NULL, NULL, d);
}

static void export_all(void)
{
	card_print_manifest m;
	card_diag d;
	card_diag_clear(&d);
	ck_assert_int_eq(card_print_export(kr, sk, &batch, batch.first_serial, N, path, NULL, NULL,
	                                   NULL, &m, &d),
	                 CARD_OK);
	ck_assert_uint_eq(m.rows, N);
	ck_assert_uint_eq(m.first_serial, 5000001);
	ck_assert_uint_eq(m.last_serial, 5000000 + N);
	ck_assert_str_eq(m.file, "cards.csv");
}

/* Rewrite byte `off` of file p. */
static void poke(const char *p, long off, char c)
{
	FILE *f = fopen(p, "r+");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, off, SEEK_SET), 0);
	ck_assert_int_eq(fputc(c, f), c);
	fclose(f);
}

static int mode_of(const char *p)
{
	struct stat sb;
	ck_assert_int_eq(stat(p, &sb), 0);
	return (int)(sb.st_mode & 0777);
}

START_TEST(test_export_verifies_and_decodes)
{
	card_codec *codec = NULL;
	char line[256], man[600], sign[600];
	FILE *f;
	uint64_t want = batch.first_serial;
	card_diag d;

	export_all();
	snprintf(man, sizeof(man), "%s.manifest", path);
	snprintf(sign, sizeof(sign), "%s.sign", krpath);
	ck_assert_int_eq(mode_of(path), 0600);
	ck_assert_int_eq(mode_of(man), 0600);
	ck_assert_int_eq(mode_of(sign), 0600);
	ck_assert_int_eq(verify(kr, sk, &d), CARD_OK);
	/* Independently: every code validates and decodes to the serial on its row. */
	ck_assert_int_eq(card_codec_new(kr, &codec), CARD_OK);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	ck_assert_str_eq(line, "serial,code,batch,term\n");
	while (fgets(line, sizeof(line), f) != NULL) {
		uint64_t serial = 0, decoded = 0;
		unsigned key = 99;
		char *comma = strchr(line, ',');
		ck_assert_ptr_nonnull(comma);
		*comma = '\0';
		ck_assert_int_eq(card_serial_parse(line, &serial), CARD_OK);
		ck_assert_uint_eq(serial, want);
		ck_assert_int_eq(
			card_code_validate(codec, comma + 1, CARD_CODE_TEXT_LEN, &decoded, &key),
			CARD_VALID);
		ck_assert_uint_eq(decoded, serial);
		ck_assert_uint_eq(key, 1);
		ck_assert_ptr_nonnull(strstr(comma + 1 + CARD_CODE_TEXT_LEN, batch.id));
		want++;
	}
	fclose(f);
	ck_assert_uint_eq(want, batch.first_serial + N);
	card_codec_free(codec);
}
END_TEST

START_TEST(test_tampered_file)
{
	card_diag d;
	long row2 = 23; /* start of the first data row; rows are 88 bytes */
	export_all();
	/* A code symbol changed: the check symbol catches it, with the line. */
	poke(path, row2 + 14 + 6, '7');
	ck_assert_int_eq(verify(kr, sk, &d), CARD_ERR_REJECTED);
	ck_assert_int_eq(d.line, 2);
	ck_assert_ptr_nonnull(strstr(d.message, "cards.csv:2: the code of serial 0000005000001"));
	export_all();
	/* A serial changed. */
	poke(path, row2 + 12, '9');
	ck_assert_int_eq(verify(kr, sk, &d), CARD_ERR_REJECTED);
	ck_assert_ptr_nonnull(strstr(d.message, "out of order"));
	export_all();
	/* A row dropped (the file truncated at a row end). */
	ck_assert_int_eq(truncate(path, 23 + 88L * (N - 1)), 0);
	ck_assert_int_eq(verify(kr, sk, &d), CARD_ERR_REJECTED);
	ck_assert_ptr_nonnull(strstr(d.message, "rows; its manifest says"));
	export_all();
	/* Mid-row truncation. */
	ck_assert_int_eq(truncate(path, 23 + 88L * (N - 1) + 40), 0);
	ck_assert_int_eq(verify(kr, sk, &d), CARD_ERR_REJECTED);
	export_all();
	/* A code letter in lower case still validates (input is forgiving), so only the
	 * SHA-256 can catch it. */
	{
		char row[100];
		FILE *f = fopen(path, "r");
		int at = -1;
		fseek(f, row2, SEEK_SET);
		ck_assert_ptr_nonnull(fgets(row, sizeof(row), f));
		fclose(f);
		for (int i = 14; i < 14 + CARD_CODE_TEXT_LEN && at < 0; i++)
			if (row[i] >= 'A' && row[i] <= 'Z')
				at = i;
		ck_assert_int_ge(at, 0);
		poke(path, row2 + at, (char)(row[at] - 'A' + 'a'));
		ck_assert_int_eq(verify(kr, sk, &d), CARD_ERR_REJECTED);
		ck_assert_ptr_nonnull(strstr(d.message, "SHA-256"));
		export_all();
	}
	/* The header changed. */
	poke(path, 0, 'S');
	ck_assert_int_eq(verify(kr, sk, &d), CARD_ERR_REJECTED);
	/* The same file verifies again once restored. */
	poke(path, 0, 's');
	ck_assert_int_eq(verify(kr, sk, &d), CARD_OK);
	/* Without the MAC keys (the vendor): form only, but signature and hash still hold. */
	ck_assert_int_eq(verify(NULL, sk, &d), CARD_OK);
}
END_TEST

START_TEST(test_forged_code_row)
{
	card_codec *codec = NULL;
	card_keyring *other = NULL;
	uint8_t key[CARD_KEY_LEN];
	char code[CARD_CODE_BUFSZ];
	FILE *f;
	card_diag d;

	/* Row 2 rewritten with a well-formed code of the same serial under another key: only the
	 * MAC check can tell. */
	export_all();
	memset(key, 0x5a, sizeof(key));
	ck_assert_int_eq(card_keyring_new(&other), CARD_OK);
	ck_assert_int_eq(card_keyring_import(other, 1, key, "other"), CARD_OK);
	ck_assert_int_eq(card_codec_new(other, &codec), CARD_OK);
	ck_assert_int_eq(card_code_encode(codec, 1, batch.first_serial, code), CARD_OK);
	f = fopen(path, "r+");
	fseek(f, 23 + 14, SEEK_SET);
	fwrite(code, 1, CARD_CODE_TEXT_LEN, f);
	fclose(f);
	ck_assert_int_eq(verify(kr, sk, &d), CARD_ERR_REJECTED);
	ck_assert_ptr_nonnull(strstr(d.message, "forged"));
	card_codec_free(codec);
	card_keyring_free(other);
}
END_TEST

START_TEST(test_tampered_manifest_and_wrong_key)
{
	char man[600], other_kr[600];
	card_signer *other = NULL;
	card_diag d;
	FILE *f;
	char text[4096];
	size_t n;
	char *p;

	export_all();
	snprintf(man, sizeof(man), "%s.manifest", path);
	f = fopen(man, "r");
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	/* Claim one row fewer: the signature no longer matches. */
	p = strstr(text, "rows: 100000\n");
	ck_assert_ptr_nonnull(p);
	memcpy(p, "rows: 099999", 12);
	f = fopen(man, "w");
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(verify(kr, sk, &d), CARD_ERR_REJECTED);
	ck_assert_ptr_nonnull(strstr(d.message, "signature does not match"));
	/* No manifest at all. */
	unlink(man);
	ck_assert_int_eq(verify(kr, sk, &d), CARD_ERR_REJECTED);
	/* A different signing key. */
	export_all();
	snprintf(other_kr, sizeof(other_kr), "%s/other", dir);
	ck_assert_int_eq(card_signer_open(other_kr, 1, &other, &d), CARD_OK);
	ck_assert_int_eq(verify(kr, other, &d), CARD_ERR_REJECTED);
	ck_assert_ptr_nonnull(strstr(d.message, "not by this signing key"));
	card_signer_free(other);
	/* The public half written beside the key verifies. */
	snprintf(other_kr, sizeof(other_kr), "%s.sign.pub", krpath);
	ck_assert_int_eq(card_signer_load_public(other_kr, &other, &d), CARD_OK);
	ck_assert_int_eq(verify(kr, other, &d), CARD_OK);
	/* ... but cannot sign. */
	ck_assert_int_eq(card_print_export(kr, other, &batch, batch.first_serial, 10, path, NULL,
	                                   NULL, NULL, NULL, &d),
	                 CARD_ERR_CRYPTO);
	card_signer_free(other);
}
END_TEST

START_TEST(test_signing_key_mode)
{
	char sign[600];
	card_signer *s = NULL;
	card_diag d;
	card_diag_clear(&d);
	snprintf(sign, sizeof(sign), "%s.sign", krpath);
	ck_assert_int_eq(chmod(sign, 0640), 0);
	ck_assert_int_eq(card_signer_open(krpath, 1, &s, &d), CARD_ERR_KEYRING_MODE);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(chmod(sign, 0600), 0);
	ck_assert_int_eq(card_signer_open(krpath, 0, &s, &d), CARD_OK);
	card_signer_free(s);
}
END_TEST

static int cancel_midway(void *arg, uint64_t done, uint64_t total)
{
	(void)arg;
	return done >= total / 2;
}

static int count_entries(void)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(dp)) != NULL)
		n += e->d_name[0] != '.';
	closedir(dp);
	return n;
}

START_TEST(test_interrupted_and_ranges)
{
	card_print_manifest m;
	card_diag d;
	int before = count_entries();

	card_diag_clear(&d);
	ck_assert_int_eq(card_print_export(kr, sk, &batch, batch.first_serial, N, path, NULL,
	                                   cancel_midway, NULL, NULL, &d),
	                 CARD_ERR_IO);
	ck_assert_ptr_nonnull(strstr(d.message, "interrupted"));
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(count_entries(), before); /* no temporary file left either */
	/* A sub-range. */
	ck_assert_int_eq(
		card_print_export(kr, sk, &batch, 5000101, 50, path, NULL, NULL, NULL, &m, &d),
		CARD_OK);
	ck_assert_uint_eq(m.first_serial, 5000101);
	ck_assert_uint_eq(m.last_serial, 5000150);
	ck_assert_int_eq(verify(kr, sk, &d), CARD_OK);
	ck_assert_int_eq(card_print_check_batch(&m, &batch, &d), CARD_OK);
	batch.count = 120;
	ck_assert_int_eq(card_print_check_batch(&m, &batch, &d), CARD_ERR_REJECTED);
	/* Outside the batch: refused before anything is written. */
	ck_assert_int_eq(
		card_print_export(kr, sk, &batch, 5000101, 50, path, NULL, NULL, NULL, &m, &d),
		CARD_ERR_INVALID_ARG);
	ck_assert_int_eq(
		card_print_export(kr, sk, &batch, 5000000, 5, path, NULL, NULL, NULL, &m, &d),
		CARD_ERR_INVALID_ARG);
	batch.key_id = 7; /* a key the keyring lacks */
	ck_assert_int_eq(
		card_print_export(kr, sk, &batch, 5000001, 5, path, NULL, NULL, NULL, &m, &d),
		CARD_ERR_KEY_NOT_FOUND);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("printfile");
	TCase *tc = tcase_create("printfile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_export_verifies_and_decodes);
	tcase_add_test(tc, test_tampered_file);
	tcase_add_test(tc, test_forged_code_row);
	tcase_add_test(tc, test_tampered_manifest_and_wrong_key);
	tcase_add_test(tc, test_signing_key_mode);
	tcase_add_test(tc, test_interrupted_and_ranges);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
