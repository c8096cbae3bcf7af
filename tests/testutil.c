/*
 * testutil.c -- helpers shared by the Check suites.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

const uint8_t TU_VECTOR_KEY[CARD_KEY_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

card_keyring *tu_vector_keyring(void)
{
	card_keyring *kr = NULL;
	ck_assert_int_eq(card_keyring_new(&kr), CARD_OK);
	ck_assert_int_eq(card_keyring_import(kr, 0, TU_VECTOR_KEY, "vector"), CARD_OK);
	ck_assert_int_eq(card_keyring_import(kr, 1, TU_VECTOR_KEY, "vector"), CARD_OK);
	ck_assert_int_eq(card_keyring_import(kr, 15, TU_VECTOR_KEY, "vector"), CARD_OK);
	return kr;
}

char *tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *p = NULL;
	if (base == NULL || *base == '\0')
		base = "/tmp";
	ck_assert(asprintf(&p, "%s/libcard-test.XXXXXX", base) > 0);
	ck_assert_ptr_nonnull(mkdtemp(p));
	return p;
}

void tu_rmtree(const char *dir)
{
	char *cmd = NULL;
	if (dir == NULL || strchr(dir, '\'') != NULL)
		return;
	if (asprintf(&cmd, "rm -rf '%s'", dir) > 0 && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
}

int tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
