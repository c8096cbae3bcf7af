/*
 * fuzz_redeem_body.c -- libFuzzer harness for the JSON body parser of POST /v1/redemptions
 * (daemon/body.c).  Whatever the bytes, the parser must return 0 with NUL-terminated fields
 * that fit their buffers, or -1 with a static error code and message.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/cardd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cardd_redeem_body b;
	const char *code = NULL, *msg = NULL;
	if (cardd_parse_redeem_body((const char *)data, size, &b, &code, &msg) == 0) {
		if (strlen(b.code) >= sizeof(b.code) || strlen(b.account) >= sizeof(b.account) ||
		    !card_account_valid(b.account))
			abort();
	} else if (code == NULL || msg == NULL) {
		abort();
	}
	return 0;
}
