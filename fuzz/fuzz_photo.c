/*
 * fuzz_photo.c -- libFuzzer harness for the receipt photo check (libcard/photo.c
 * photo_check(): libpng, libjpeg-turbo and the PDF end check on arbitrary bytes).
 *
 * For every input the harness checks, and aborts on any violation:
 *   - the check neither crashes, leaks, reads out of bounds nor trips UBSan across the
 *     decoders' longjmp error paths (the sanitizers do that);
 *   - it accepts or refuses: an accepted photo has a type, and an image a pixel size of
 *     1..PHOTO_MAX_SIDE each way (a PDF none); a refused one has a message and no type.
 * Seeds: the test fixtures (a 5x3 PNG, a 24x16 JPEG), a small PDF, and cut or oversized
 * copies of them.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../libcard/photo_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_photo: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *type = NULL;
	unsigned w = 0, h = 0;
	card_diag d;
	card_err rc;

	card_diag_clear(&d);
	rc = photo_check(data, size, "fuzz", &type, &w, &h, &d);
	if (rc == CARD_OK) {
		if (type == NULL)
			fail("accepted without a type");
		if (strcmp(type, "application/pdf") == 0
		            ? (w != 0 || h != 0)
		            : (w < 1 || h < 1 || w > PHOTO_MAX_SIDE || h > PHOTO_MAX_SIDE))
			fail("accepted with a pixel size out of bounds");
	} else if (rc != CARD_ERR_INPUT || type != NULL || d.message[0] == '\0') {
		fail("refused without a message, or with a type");
	}
	return 0;
}
