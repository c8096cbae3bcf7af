/*
 * fuzz_keyring.c -- libFuzzer harness for the keyring file parser (libcard/keyring.c,
 * keyring_parse(), what card_keyring_load() runs on the file's text).  Whatever the bytes, it
 * must return CARD_OK with a keyring of at most CARD_KEY_IDS keys whose labels are printable,
 * or an error with a message; never crash, leak or read out of bounds.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <card/card.h>
#include "../libcard/keyring_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	card_keyring *kr = NULL;
	card_diag diag;
	card_err rc;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	card_diag_clear(&diag);
	rc = keyring_parse("fuzz", buf, size, &kr, &diag);
	if (rc == CARD_OK) {
		if (kr == NULL || card_keyring_count(kr) > CARD_KEY_IDS)
			abort();
		for (unsigned id = 0; id < CARD_KEY_IDS; id++) {
			card_key_info info;
			if (card_keyring_info(kr, id, &info) == CARD_OK &&
			    strnlen(info.label, sizeof(info.label)) >= sizeof(info.label))
				abort();
		}
	} else if (kr != NULL || diag.message[0] == '\0') {
		abort();
	}
	card_keyring_free(kr);
	free(buf);
	return 0;
}
