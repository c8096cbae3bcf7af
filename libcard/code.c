/*
 * code.c -- card code format v1: Crockford base32, the GF(32) check symbol, the 48-bit MAC.
 *
 * Layout (docs/code-format.md): the 95-bit payload version:3 · key_id:4 · serial:40 · mac:48 is
 * cut into 19 five-bit symbols, most significant first, and a check symbol c is appended such
 * that  sum_{i=0..18} alpha^(i+1) d_i + c = 0  over GF(32) = GF(2)[x]/(x^5 + x^2 + 1), alpha = x.
 * The weights alpha^0..alpha^19 are distinct and non-zero (alpha has order 31), so any single
 * substitution e changes the sum by w*e != 0 and any swap of a != b at positions i, j changes it
 * by (w_i + w_j)(a + b) != 0: both are always caught.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <card/code.h>
#include "keyring_int.h"
#include "wipe.h"

#define MAC_BYTES 6
#define MSG_LEN 18 /* "LIBCARD1" + version + key_id + 8-byte serial */
#define SHA256_LEN 32
/* Fixed-count loops on the per-code path: unrolled, since -O2 keeps them rolled. */
#define UNROLL _Pragma("GCC unroll 20")

static const char ALPHABET[33] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/*
 * Input symbols: value + 1 (0 = not in the alphabet), SEP for ignored separators.
 */
#define SEP 0xff
static const uint8_t SYMBOL[256] = {
	['-'] = SEP,
	[' '] = SEP,
	['\t'] = SEP,
	['0'] = 1,
	['1'] = 2,
	['2'] = 3,
	['3'] = 4,
	['4'] = 5,
	['5'] = 6,
	['6'] = 7,
	['7'] = 8,
	['8'] = 9,
	['9'] = 10,
	['A'] = 11,
	['a'] = 11,
	['B'] = 12,
	['b'] = 12,
	['C'] = 13,
	['c'] = 13,
	['D'] = 14,
	['d'] = 14,
	['E'] = 15,
	['e'] = 15,
	['F'] = 16,
	['f'] = 16,
	['G'] = 17,
	['g'] = 17,
	['H'] = 18,
	['h'] = 18,
	['J'] = 19,
	['j'] = 19,
	['K'] = 20,
	['k'] = 20,
	['M'] = 21,
	['m'] = 21,
	['N'] = 22,
	['n'] = 22,
	['P'] = 23,
	['p'] = 23,
	['Q'] = 24,
	['q'] = 24,
	['R'] = 25,
	['r'] = 25,
	['S'] = 26,
	['s'] = 26,
	['T'] = 27,
	['t'] = 27,
	['V'] = 28,
	['v'] = 28,
	['W'] = 29,
	['w'] = 29,
	['X'] = 30,
	['x'] = 30,
	['Y'] = 31,
	['y'] = 31,
	['Z'] = 32,
	['z'] = 32,
	/* confusables: O is 0, I and L are 1 */
	['O'] = 1,
	['o'] = 1,
	['I'] = 2,
	['i'] = 2,
	['L'] = 2,
	['l'] = 2,
};

/* The value of ch, -2 for a separator, -1 outside the alphabet. */
static int symbol_value(unsigned char ch)
{
	if (SYMBOL[ch] == SEP)
		return -2;
	return (int)SYMBOL[ch] - 1;
}

struct card_codec {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx[CARD_KEY_IDS]; /* keyed template per key_id, NULL when absent */
};

const char *card_verdict_name(card_verdict v)
{
	switch (v) {
	case CARD_VALID:
		return "valid";
	case CARD_MALFORMED:
		return "malformed";
	case CARD_TYPO:
		return "typo";
	case CARD_UNKNOWN_KEY:
		return "unknown_key";
	case CARD_FORGED:
		return "forged";
	}
	return "unknown";
}

void card_codec_free(card_codec *c)
{
	if (c == NULL)
		return;
	for (unsigned i = 0; i < CARD_KEY_IDS; i++)
		EVP_MAC_CTX_free(c->ctx[i]); /* frees (and cleanses) the keyed HMAC state */
	EVP_MAC_free(c->mac);
	free(c);
}

card_err card_codec_new(const card_keyring *kr, card_codec **out)
{
	card_err rc = CARD_ERR_CRYPTO;
	card_codec *c = NULL;
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};

	if (kr == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return CARD_ERR_NOMEM;
	c->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (c->mac == NULL)
		goto out;
	for (unsigned id = 0; id < CARD_KEY_IDS; id++) {
		const uint8_t *key = keyring_key_bytes(kr, id);
		if (key == NULL)
			continue;
		c->ctx[id] = EVP_MAC_CTX_new(c->mac);
		if (c->ctx[id] == NULL || !EVP_MAC_init(c->ctx[id], key, CARD_KEY_LEN, params))
			goto out;
	}
	*out = c;
	c = NULL;
	rc = CARD_OK;
out:
	card_codec_free(c);
	return rc;
}

/* The MAC input "LIBCARD1" || version || key_id || serial (8 bytes, big-endian). */
static void mac_message(unsigned key_id, uint64_t serial, uint8_t msg[MSG_LEN])
{
	static const uint8_t PREFIX[9] = {
		'L', 'I', 'B', 'C', 'A', 'R', 'D', '1', CARD_CODE_VERSION
	};
	memcpy(msg, PREFIX, sizeof(PREFIX));
	msg[9] = (uint8_t)key_id;
	UNROLL
	for (int i = 0; i < 8; i++)
		msg[10 + i] = (uint8_t)(serial >> (56 - 8 * i));
}

/*
 * The HMAC-SHA256 tag of (key_id, serial); the code uses its first MAC_BYTES bytes.
 * EVP_MAC_init with a NULL key re-initialises HMAC with the key set at codec creation: no key
 * schedule per code.  The caller wipes tag: on validation it is the secret half of the code
 * being checked.  (A 32-byte buffer, not EVP_MAX_MD_SIZE: a shorter cleanse, one cache line.)
 */
static int hmac_tag(EVP_MAC_CTX *ctx, unsigned key_id, uint64_t serial, uint8_t tag[SHA256_LEN])
{
	uint8_t msg[MSG_LEN];
	size_t outl = 0;

	mac_message(key_id, serial, msg);
	return EVP_MAC_init(ctx, NULL, 0, NULL) && EVP_MAC_update(ctx, msg, sizeof(msg)) &&
	       EVP_MAC_final(ctx, tag, &outl, SHA256_LEN) && outl >= MAC_BYTES;
}

/*
 * CHECK_WEIGHT[i][d] = alpha^(i+1) * d in GF(32) = GF(2)[x]/(x^5 + x^2 + 1), alpha = x: the
 * contribution of data symbol d at position i to the check sum.  Generated by repeated
 * multiplication by alpha (shift left; on overflow into bit 5, xor 0x25); the published test
 * vectors and tests/vectors_ref.py, which computes it the slow way, pin it down.  A table
 * turns 19 dependent multiply steps into 19 independent loads.
 */
static const uint8_t CHECK_WEIGHT[CARD_CODE_SYMBOLS - 1][32] = {
	{ 0, 2, 4, 6, 8,  10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30,
	  5, 7, 1, 3, 13, 15, 9,  11, 21, 23, 17, 19, 29, 31, 25, 27 },
	{ 0,  4,  8, 12, 16, 20, 24, 28, 5,  1,  13, 9, 21, 17, 29, 25,
	  10, 14, 2, 6,  26, 30, 18, 22, 15, 11, 7,  3, 31, 27, 23, 19 },
	{ 0,  8,  16, 24, 5,  13, 21, 29, 10, 2,  26, 18, 15, 7,  31, 23,
	  20, 28, 4,  12, 17, 25, 1,  9,  30, 22, 14, 6,  27, 19, 11, 3 },
	{ 0,  16, 5, 21, 10, 26, 15, 31, 20, 4, 17, 1,  30, 14, 27, 11,
	  13, 29, 8, 24, 7,  23, 2,  18, 25, 9, 28, 12, 19, 3,  22, 6 },
	{ 0,  5,  10, 15, 20, 17, 30, 27, 13, 8,  7,  2,  25, 28, 19, 22,
	  26, 31, 16, 21, 14, 11, 4,  1,  23, 18, 29, 24, 3,  6,  9,  12 },
	{ 0,  10, 20, 30, 13, 7,  25, 19, 26, 16, 14, 4,  23, 29, 3,  9,
	  17, 27, 5,  15, 28, 22, 8,  2,  11, 1,  31, 21, 6,  12, 18, 24 },
	{ 0, 20, 13, 25, 26, 14, 23, 3, 17, 5, 28, 8,  11, 31, 6, 18,
	  7, 19, 10, 30, 29, 9,  16, 4, 22, 2, 27, 15, 12, 24, 1, 21 },
	{ 0,  13, 26, 23, 17, 28, 11, 6, 7, 10, 29, 16, 22, 27, 12, 1,
	  14, 3,  20, 25, 31, 18, 5,  8, 9, 4,  19, 30, 24, 21, 2,  15 },
	{ 0,  26, 17, 11, 7,  29, 22, 12, 14, 20, 31, 5,  9,  19, 24, 2,
	  28, 6,  13, 23, 27, 1,  10, 16, 18, 8,  3,  25, 21, 15, 4,  30 },
	{ 0,  17, 7,  22, 14, 31, 9,  24, 28, 13, 27, 10, 18, 3,  21, 4,
	  29, 12, 26, 11, 19, 2,  20, 5,  1,  16, 6,  23, 15, 30, 8,  25 },
	{ 0,  7,  14, 9,  28, 27, 18, 21, 29, 26, 19, 20, 1,  6,  15, 8,
	  31, 24, 17, 22, 3,  4,  13, 10, 2,  5,  12, 11, 30, 25, 16, 23 },
	{ 0,  14, 28, 18, 29, 19, 1,  15, 31, 17, 3,  13, 2,  12, 30, 16,
	  27, 21, 7,  9,  6,  8,  26, 20, 4,  10, 24, 22, 25, 23, 5,  11 },
	{ 0,  28, 29, 1,  31, 3,  2,  30, 27, 7,  6,  26, 4,  24, 25, 5,
	  19, 15, 14, 18, 12, 16, 17, 13, 8,  20, 21, 9,  23, 11, 10, 22 },
	{ 0, 29, 31, 2, 27, 6, 4, 25, 19, 14, 12, 17, 8,  21, 23, 10,
	  3, 30, 28, 1, 24, 5, 7, 26, 16, 13, 15, 18, 11, 22, 20, 9 },
	{ 0, 31, 27, 4, 19, 12, 8,  23, 3, 28, 24, 7, 16, 15, 11, 20,
	  6, 25, 29, 2, 21, 10, 14, 17, 5, 26, 30, 1, 22, 9,  13, 18 },
	{ 0,  27, 19, 8, 3,  24, 16, 11, 6,  29, 21, 14, 5, 30, 22, 13,
	  12, 23, 31, 4, 15, 20, 28, 7,  10, 17, 25, 2,  9, 18, 26, 1 },
	{ 0,  19, 3,  16, 6,  21, 5,  22, 12, 31, 15, 28, 10, 25, 9,  26,
	  24, 11, 27, 8,  30, 13, 29, 14, 20, 7,  23, 4,  18, 1,  17, 2 },
	{ 0,  3,  6,  5,  12, 15, 10, 9,  24, 27, 30, 29, 20, 23, 18, 17,
	  21, 22, 19, 16, 25, 26, 31, 28, 13, 14, 11, 8,  1,  2,  7,  4 },
	{ 0,  6, 12, 10, 24, 30, 20, 18, 21, 19, 25, 31, 13, 11, 1,  7,
	  15, 9, 3,  5,  23, 17, 27, 29, 26, 28, 22, 16, 2,  4,  14, 8 },
};

/* The check symbol of 19 data symbols: sum alpha^(i+1) d_i (so that sum + c = 0). */
static unsigned check_symbol(const uint8_t d[CARD_CODE_SYMBOLS - 1])
{
	unsigned acc = 0;
	UNROLL
	for (int i = 0; i < CARD_CODE_SYMBOLS - 1; i++)
		acc ^= CHECK_WEIGHT[i][d[i]];
	return acc;
}

/*
 * The payload as two words: hi = version:3 · key_id:4 · serial:40 (47 bits), lo = mac:48.
 * Symbol i holds payload bits 94-5i .. 90-5i: symbols 0-8 lie in hi, symbol 9 straddles
 * (two bits of hi, three of lo), symbols 10-18 lie in lo.
 */
static void payload_to_symbols(uint64_t hi, uint64_t lo, uint8_t sym[CARD_CODE_SYMBOLS - 1])
{
	UNROLL
	for (int i = 0; i < 9; i++)
		sym[i] = (uint8_t)((hi >> (42 - 5 * i)) & 31);
	sym[9] = (uint8_t)(((hi & 3) << 3) | (lo >> 45));
	UNROLL
	for (int i = 10; i < CARD_CODE_SYMBOLS - 1; i++)
		sym[i] = (uint8_t)((lo >> (40 - 5 * (i - 10))) & 31);
}

static void symbols_to_payload(const uint8_t sym[CARD_CODE_SYMBOLS - 1], uint64_t *hi, uint64_t *lo)
{
	uint64_t h = 0, l = 0;
	UNROLL
	for (int i = 0; i < 9; i++)
		h = (h << 5) | sym[i];
	h = (h << 2) | (sym[9] >> 3);
	l = sym[9] & 7;
	UNROLL
	for (int i = 10; i < CARD_CODE_SYMBOLS - 1; i++)
		l = (l << 5) | sym[i];
	*hi = h;
	*lo = l;
}

card_err card_code_encode(card_codec *c, unsigned key_id, uint64_t serial,
                          char out[CARD_CODE_BUFSZ])
{
	uint8_t sym[CARD_CODE_SYMBOLS], tag[SHA256_LEN];
	uint64_t mac = 0;

	if (c == NULL || out == NULL || key_id >= CARD_KEY_IDS || serial > CARD_SERIAL_MAX)
		return CARD_ERR_INVALID_ARG;
	if (c->ctx[key_id] == NULL)
		return CARD_ERR_KEY_NOT_FOUND;
	if (!hmac_tag(c->ctx[key_id], key_id, serial, tag)) {
		card_wipe(tag, sizeof(tag));
		return CARD_ERR_CRYPTO;
	}
	UNROLL
	for (int i = 0; i < MAC_BYTES; i++)
		mac = (mac << 8) | tag[i];
	card_wipe(tag, sizeof(tag));
	payload_to_symbols((uint64_t)CARD_CODE_VERSION << 44 | (uint64_t)key_id << 40 | serial, mac,
	                   sym);
	sym[CARD_CODE_SYMBOLS - 1] = (uint8_t)check_symbol(sym);
	/* Symbol i goes to offset i + i/4: groups of four, a dash after each but the last. */
	UNROLL
	for (int i = 0; i < CARD_CODE_SYMBOLS; i++)
		out[i + i / 4] = ALPHABET[sym[i]];
	UNROLL
	for (int g = 1; g < CARD_CODE_SYMBOLS / 4; g++)
		out[5 * g - 1] = '-';
	out[CARD_CODE_TEXT_LEN] = '\0';
	return CARD_OK;
}

/*
 * The usual input, exactly "XXXX-XXXX-XXXX-XXXX-XXXX" with every X in the alphabet (any case,
 * confusables allowed): decode without the general loop.  Returns 0 (and the caller falls back
 * to the general loop, which gives the same answer) for anything else.
 */
static int normalise_grouped(const char *text, size_t len, uint8_t sym[CARD_CODE_SYMBOLS])
{
	unsigned bad = 0;

	if (len != CARD_CODE_TEXT_LEN || text[4] != '-' || text[9] != '-' || text[14] != '-' ||
	    text[19] != '-')
		return 0;
	UNROLL
	for (int i = 0; i < CARD_CODE_SYMBOLS; i++) {
		unsigned v = SYMBOL[(unsigned char)text[i + i / 4]];
		bad |= (v - 1) & ~31u; /* 0 (not a symbol) and SEP both leave bits above 31 */
		sym[i] = (uint8_t)(v - 1);
	}
	return bad == 0;
}

/* Normalise text into exactly 20 symbol values, or say why not. */
static card_verdict normalise(const char *text, size_t len, uint8_t sym[CARD_CODE_SYMBOLS],
                              size_t *nsym, size_t *bad_at)
{
	size_t n = 0, bad = (size_t)-1;

	if (text == NULL)
		len = 0;
	if (normalise_grouped(text, len, sym))
		n = CARD_CODE_SYMBOLS;
	else {
		for (size_t i = 0; i < len; i++) {
			unsigned char ch = (unsigned char)text[i];
			int v = symbol_value(ch);
			if (v == -2)
				continue;
			if (v < 0) {
				bad = i;
				break;
			}
			if (n < CARD_CODE_SYMBOLS)
				sym[n] = (uint8_t)v;
			n++;
		}
	}
	if (nsym != NULL)
		*nsym = n;
	if (bad_at != NULL)
		*bad_at = bad;
	if (bad != (size_t)-1 || n != CARD_CODE_SYMBOLS)
		return CARD_MALFORMED;
	return check_symbol(sym) == sym[CARD_CODE_SYMBOLS - 1] ? CARD_VALID : CARD_TYPO;
}

card_verdict card_code_check(const char *text, size_t len, size_t *nsym, size_t *bad_at)
{
	uint8_t sym[CARD_CODE_SYMBOLS];
	return normalise(text, len, sym, nsym, bad_at);
}

/*
 * card_code_validate's fast path for the usual input "XXXX-XXXX-XXXX-XXXX-XXXX": one pass that
 * decodes the 20 symbols straight into the payload words and the check sum (0 when the check
 * holds), without the symbol array.  Returns 0 for anything else -- another layout or a
 * character outside the alphabet -- and the caller takes the general path, which gives the
 * same verdict for the same text.
 */
static int grouped_payload(const char *text, size_t len, uint64_t *hi, uint64_t *lo, unsigned *sum)
{
	unsigned bad = 0, acc = 0;
	uint64_t h = 0, l = 0;

	if (text == NULL || len != CARD_CODE_TEXT_LEN || text[4] != '-' || text[9] != '-' ||
	    text[14] != '-' || text[19] != '-')
		return 0;
	UNROLL
	for (int i = 0; i < CARD_CODE_SYMBOLS; i++) {
		unsigned v = SYMBOL[(unsigned char)text[i + i / 4]] - 1u;
		bad |= v & ~31u; /* not a symbol (0) and SEP both leave bits above 31 */
		v &= 31;
		if (i < CARD_CODE_SYMBOLS - 1)
			acc ^= CHECK_WEIGHT[i][v];
		else
			acc ^= v;
		/* the same split as payload_to_symbols: d0-d8 in hi, d9 across, d10-d18 in lo */
		if (i < 9)
			h = (h << 5) | v;
		else if (i == 9) {
			h = (h << 2) | (v >> 3);
			l = v & 7;
		} else if (i < CARD_CODE_SYMBOLS - 1)
			l = (l << 5) | v;
	}
	*hi = h;
	*lo = l;
	*sum = acc;
	return bad == 0;
}

card_verdict card_code_validate(card_codec *c, const char *text, size_t len, uint64_t *serial,
                                unsigned *key_id)
{
	uint8_t sym[CARD_CODE_SYMBOLS], got[MAC_BYTES], tag[SHA256_LEN];
	card_verdict v;
	unsigned kid, sum;
	uint64_t hi, lo, s;

	if (!grouped_payload(text, len, &hi, &lo, &sum)) {
		v = normalise(text, len, sym, NULL, NULL);
		if (v != CARD_VALID)
			return v;
		symbols_to_payload(sym, &hi, &lo);
	} else if (sum != 0) {
		return CARD_TYPO;
	}
	if ((unsigned)(hi >> 44) != CARD_CODE_VERSION)
		return CARD_MALFORMED;
	kid = (unsigned)(hi >> 40) & 0xf;
	s = hi & CARD_SERIAL_MAX;
	if (serial != NULL)
		*serial = s;
	if (key_id != NULL)
		*key_id = kid;
	if (c == NULL || c->ctx[kid] == NULL)
		return CARD_UNKNOWN_KEY;
	UNROLL
	for (int i = 0; i < MAC_BYTES; i++)
		got[i] = (uint8_t)(lo >> (40 - 8 * i));
	if (hmac_tag(c->ctx[kid], kid, s, tag))
		v = CRYPTO_memcmp(tag, got, MAC_BYTES) == 0 ? CARD_VALID : CARD_FORGED;
	else
		v = CARD_FORGED; /* fail closed */
	card_wipe(tag, sizeof(tag));
	return v;
}

void card_serial_format(uint64_t serial, char out[CARD_SERIAL_BUFSZ])
{
	for (int i = CARD_SERIAL_DIGITS - 1; i >= 0; i--) {
		out[i] = (char)('0' + serial % 10);
		serial /= 10;
	}
	out[CARD_SERIAL_DIGITS] = '\0';
}

card_err card_serial_parse(const char *text, uint64_t *serial)
{
	uint64_t v = 0;
	size_t n = 0;

	if (text == NULL || serial == NULL)
		return CARD_ERR_INVALID_ARG;
	for (; text[n] != '\0'; n++) {
		if (text[n] < '0' || text[n] > '9' || n >= CARD_SERIAL_DIGITS)
			return CARD_ERR_INPUT;
		v = v * 10 + (uint64_t)(text[n] - '0');
	}
	if (n == 0 || v > CARD_SERIAL_MAX)
		return CARD_ERR_INPUT;
	*serial = v;
	return CARD_OK;
}
