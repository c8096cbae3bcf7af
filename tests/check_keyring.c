/*
 * check_keyring.c -- keyring files: round trip, permissions, corrupt and truncated input.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char *dir;
static char path[4096];

static void setup(void)
{
	dir = tu_tmpdir();
	snprintf(path, sizeof(path), "%s/keyring", dir);
}

static void teardown(void)
{
	tu_rmtree(dir);
	free(dir);
}

static void write_file(const char *text, mode_t mode)
{
	int fd;
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

START_TEST(test_round_trip)
{
	card_keyring *a = NULL, *b = NULL;
	card_codec *ca = NULL, *cb = NULL;
	card_diag d;
	card_key_info info;
	struct stat st;
	unsigned id;
	char x[CARD_CODE_BUFSZ], y[CARD_CODE_BUFSZ];

	card_diag_clear(&d);
	ck_assert_int_eq(card_keyring_new(&a), CARD_OK);
	ck_assert_int_eq(card_keyring_generate(a, -1, "term 2026 autumn", &id), CARD_OK);
	ck_assert_uint_eq(id, 0);
	ck_assert_int_eq(card_keyring_generate(a, 9, "spare, 备用", &id), CARD_OK);
	ck_assert_uint_eq(id, 9);
	ck_assert_int_eq(card_keyring_generate(a, 9, "again", &id), CARD_ERR_KEY_EXISTS);
	ck_assert_int_eq(card_keyring_generate(a, 3, "bad\nlabel", &id), CARD_ERR_INVALID_ARG);
	ck_assert_int_eq(card_keyring_save(a, path, &d), CARD_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);

	ck_assert_int_eq(card_keyring_load(path, &b, &d), CARD_OK);
	ck_assert_uint_eq(card_keyring_count(b), 2);
	ck_assert_int_eq(card_keyring_info(b, 9, &info), CARD_OK);
	ck_assert_str_eq(info.label, "spare, 备用");
	ck_assert_int_eq(card_keyring_info(b, 4, &info), CARD_ERR_KEY_NOT_FOUND);
	/* Same keys: same codes. */
	ck_assert_int_eq(card_codec_new(a, &ca), CARD_OK);
	ck_assert_int_eq(card_codec_new(b, &cb), CARD_OK);
	for (unsigned k = 0; k < 10; k += 9) {
		ck_assert_int_eq(card_code_encode(ca, k, 99, x), CARD_OK);
		ck_assert_int_eq(card_code_encode(cb, k, 99, y), CARD_OK);
		ck_assert_str_eq(x, y);
	}
	card_codec_free(ca);
	card_codec_free(cb);
	card_keyring_free(a);
	card_keyring_free(b);
	card_keyring_free(NULL);
}
END_TEST

START_TEST(test_refuses_open_modes)
{
	static const mode_t bad[] = { 0644, 0640, 0604, 0660, 0666, 0700, 0601 };
	card_keyring *kr = NULL;
	card_diag d;
	write_file("# libcard keyring v1\n", 0600);
	ck_assert_int_eq(card_keyring_load(path, &kr, NULL), CARD_OK);
	card_keyring_free(kr);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		card_diag_clear(&d);
		ck_assert_int_eq(chmod(path, bad[i]), 0);
		kr = (card_keyring *)1;
		if ((bad[i] & 077) == 0)
			continue; /* 0700 has no group/other bits: allowed */
		ck_assert_int_eq(card_keyring_load(path, &kr, &d), CARD_ERR_KEYRING_MODE);
		ck_assert_ptr_null(kr);
		ck_assert_ptr_nonnull(strstr(d.message, "unsafe permissions"));
		ck_assert_ptr_nonnull(strstr(d.hint, "chmod 600"));
	}
}
END_TEST

START_TEST(test_refuses_symlink_and_missing)
{
	card_keyring *kr = NULL;
	card_diag d;
	char link[4200];
	card_diag_clear(&d);
	ck_assert_int_eq(card_keyring_load(path, &kr, &d), CARD_ERR_IO);
	ck_assert_ptr_nonnull(strstr(d.message, "could not open keyring"));
	write_file("# libcard keyring v1\n", 0600);
	snprintf(link, sizeof(link), "%s.link", path);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_eq(card_keyring_load(link, &kr, &d), CARD_ERR_IO);
}
END_TEST

static const char GOOD_HEX[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

START_TEST(test_corrupt_files)
{
	static const char *cases[] = {
		"",                                                   /* empty */
		"not a keyring\n",                                    /* wrong header */
		"# libcard keyring v1",                               /* header without newline */
		"# libcard keyring v1\nkey 1 0 00\n",                 /* short hex */
		"# libcard keyring v1\nkey 16 0 %s x\n",              /* id out of range */
		"# libcard keyring v1\nkey 1 0 %s x\nkey 1 0 %s y\n", /* duplicate */
		"# libcard keyring v1\nkey 1 0 %s x",                 /* truncated last line */
		"# libcard keyring v1\nkey 1 0 %.63sg x\n",           /* bad hex digit */
		"# libcard keyring v1\nkey one 0 %s\n",               /* id not a number */
		"# libcard keyring v1\nkey 1 -5 %s\n",                /* negative time */
		"# libcard keyring v1\nkey 1 0 %sx\n",                /* hex too long */
		"# libcard keyring v1\nsecret 1 0 %s\n",              /* unknown entry */
		"# libcard keyring v1\nkey 1 0 %s label\twith tab\n",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		card_keyring *kr = (card_keyring *)1;
		card_diag d;
		card_err rc;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(text, sizeof(text), cases[i], GOOD_HEX, GOOD_HEX);
#pragma GCC diagnostic pop
		write_file(text, 0600);
		card_diag_clear(&d);
		rc = card_keyring_load(path, &kr, &d);
		ck_assert_msg(rc == CARD_ERR_KEYRING_FORMAT, "case %zu: %s", i, card_strerror(rc));
		ck_assert_ptr_null(kr);
		ck_assert(d.message[0] != '\0');
		/* Never key material in a message. */
		ck_assert_ptr_null(strstr(d.message, "0001020304"));
		ck_assert_ptr_null(strstr(d.detail, "0001020304"));
	}
	/* Binary garbage. */
	{
		char junk[300];
		card_keyring *kr = NULL;
		for (size_t i = 0; i < sizeof(junk) - 1; i++)
			junk[i] = (char)(1 + (i * 37) % 255);
		junk[sizeof(junk) - 1] = '\0';
		write_file(junk, 0600);
		ck_assert_int_eq(card_keyring_load(path, &kr, NULL), CARD_ERR_KEYRING_FORMAT);
	}
}
END_TEST

START_TEST(test_import_hex)
{
	uint8_t key[CARD_KEY_LEN];
	ck_assert_int_eq(card_key_from_hex(GOOD_HEX, key), CARD_OK);
	ck_assert_mem_eq(key, TU_VECTOR_KEY, CARD_KEY_LEN);
	ck_assert_int_eq(
		card_key_from_hex(
			"  000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F\n",
			key),
		CARD_OK);
	ck_assert_mem_eq(key, TU_VECTOR_KEY, CARD_KEY_LEN);
	ck_assert_int_eq(card_key_from_hex("0001", key), CARD_ERR_INPUT);
	ck_assert_int_eq(
		card_key_from_hex(
			"zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", key),
		CARD_ERR_INPUT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keyring");
	TCase *tc = tcase_create("keyring");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_refuses_open_modes);
	tcase_add_test(tc, test_refuses_symlink_and_missing);
	tcase_add_test(tc, test_corrupt_files);
	tcase_add_test(tc, test_import_hex);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
