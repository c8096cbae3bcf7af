/*
 * testutil.h -- helpers shared by the Check suites.
 */
#ifndef CARD_TESTUTIL_H
#define CARD_TESTUTIL_H

#include <check.h>
#include <card/card.h>

/* The fixed key of the published test vectors: bytes 0x00, 0x01, ..., 0x1f. */
extern const uint8_t TU_VECTOR_KEY[CARD_KEY_LEN];

/* A keyring holding TU_VECTOR_KEY under key ids 0, 1 and 15. */
card_keyring *tu_vector_keyring(void);
/* A fresh private directory (mkdtemp); caller frees the string. */
char *tu_tmpdir(void);
/* Remove a directory tree (best effort). */
void tu_rmtree(const char *dir);
/* Run a suite, print Check's summary; returns the process exit status. */
int tu_run(Suite *s);

#endif
