/*
 * fuzz_code.c -- libFuzzer harness for the code parser: card_code_check() and
 * card_code_validate() on arbitrary bytes.
 *
 * A fixed keyring (the test-vector key 00 01 .. 1f under key ids 0 and 1; every other id
 * absent, so unknown_key is reachable) is built once.  For every input the harness checks, and
 * aborts on any violation:
 *   - neither function crashes, reads out of bounds or trips UBSan (the sanitizers do that);
 *   - the verdict is one of the five, and the two functions agree on malformed and typo;
 *   - nsym and bad_at are consistent with the verdict and the input length;
 *   - a VALID input re-encodes to the same code: encoding (key_id, serial) gives exactly the
 *     input's symbols after the forgiving rules (case, '-', blanks, O->0, I/L->1), and that
 *     code validates to the same serial and key id.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <card/card.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Built on the first input; both live (reachable) for the life of the process. */
static card_keyring *kr;
static card_codec *codec;

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_code: %s\n", what);
	abort();
}

static card_codec *get_codec(void)
{
	static const uint8_t key[CARD_KEY_LEN] = {
		0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
		16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
	};
	if (codec != NULL)
		return codec;
	if (card_keyring_new(&kr) != CARD_OK ||
	    card_keyring_import(kr, 0, key, "fuzz") != CARD_OK ||
	    card_keyring_import(kr, 1, key, "fuzz") != CARD_OK ||
	    card_codec_new(kr, &codec) != CARD_OK)
		fail("could not set up the codec");
	return codec;
}

/* The harness's own reading of the forgiving rules: upper case, separators dropped, O I L mapped. */
static size_t normalise(const uint8_t *data, size_t size, char out[64])
{
	size_t n = 0;
	for (size_t i = 0; i < size && n < 63; i++) {
		char c = (char)data[i];
		if (c == '-' || c == ' ' || c == '\t')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c == 'O')
			c = '0';
		else if (c == 'I' || c == 'L')
			c = '1';
		out[n++] = c;
	}
	out[n] = '\0';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	card_codec *c = get_codec();
	const char *text = (const char *)data;
	size_t nsym = 12345, bad_at = 12345;
	uint64_t serial = 0;
	unsigned key_id = 99;
	card_verdict chk, v;

	chk = card_code_check(text, size, &nsym, &bad_at);
	v = card_code_validate(c, text, size, &serial, &key_id);

	if (chk != CARD_VALID && chk != CARD_MALFORMED && chk != CARD_TYPO)
		fail("card_code_check gave a key-dependent verdict");
	if (bad_at != (size_t)-1 && (bad_at >= size || chk != CARD_MALFORMED))
		fail("bad_at out of range or without malformed");
	if (chk != CARD_MALFORMED && (nsym != CARD_CODE_SYMBOLS || bad_at != (size_t)-1))
		fail("a well-formed code without 20 symbols");
	if ((chk == CARD_MALFORMED || chk == CARD_TYPO) && v != chk)
		fail("check and validate disagree");
	if (chk == CARD_VALID && v == CARD_TYPO)
		fail("validate says typo where check says valid");

	switch (v) {
	case CARD_MALFORMED:
	case CARD_TYPO:
		break;
	case CARD_UNKNOWN_KEY:
		if (key_id == 0 || key_id == 1 || key_id >= CARD_KEY_IDS ||
		    serial > CARD_SERIAL_MAX)
			fail("unknown_key for a key that exists");
		break;
	case CARD_FORGED:
		if (key_id > 1 || serial > CARD_SERIAL_MAX)
			fail("forged with an impossible key id or serial");
		break;
	case CARD_VALID: {
		char code[CARD_CODE_BUFSZ], want[64], got[64];
		uint64_t s2 = 0;
		unsigned k2 = 99;
		if (key_id > 1 || serial > CARD_SERIAL_MAX)
			fail("valid with an impossible key id or serial");
		if (card_code_encode(c, key_id, serial, code) != CARD_OK)
			fail("a valid code does not re-encode");
		normalise(data, size, want);
		normalise((const uint8_t *)code, strlen(code), got);
		if (strcmp(want, got) != 0)
			fail("a valid code re-encodes to other symbols");
		if (card_code_validate(c, code, strlen(code), &s2, &k2) != CARD_VALID ||
		    s2 != serial || k2 != key_id)
			fail("the re-encoded code does not validate to the same serial");
		break;
	}
	default:
		fail("verdict out of range");
	}
	return 0;
}
