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

static const char ALPHABET[33] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/*
 * Input symbols: value + 1 (0 = not in the alphabet), SEP for ignored separators.
 */
#define SEP 0xff
static const uint8_t SYMBOL[256] = {
	['-'] = SEP, [' '] = SEP, ['\t'] = SEP,
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
	['8'] = 9, ['9'] = 10, ['A'] = 11, ['a'] = 11, ['B'] = 12, ['b'] = 12, ['C'] = 13, ['c'] = 13,
	['D'] = 14, ['d'] = 14, ['E'] = 15, ['e'] = 15, ['F'] = 16, ['f'] = 16, ['G'] = 17,
	['g'] = 17, ['H'] = 18, ['h'] = 18, ['J'] = 19, ['j'] = 19, ['K'] = 20, ['k'] = 20,
	['M'] = 21, ['m'] = 21, ['N'] = 22, ['n'] = 22, ['P'] = 23, ['p'] = 23, ['Q'] = 24,
	['q'] = 24, ['R'] = 25, ['r'] = 25, ['S'] = 26, ['s'] = 26, ['T'] = 27, ['t'] = 27,
	['V'] = 28, ['v'] = 28, ['W'] = 29, ['w'] = 29, ['X'] = 30, ['x'] = 30, ['Y'] = 31,
	['y'] = 31, ['Z'] = 32, ['z'] = 32,
	/* confusables: O is 0, I and L are 1 */
	['O'] = 1, ['o'] = 1, ['I'] = 2, ['i'] = 2, ['L'] = 2, ['l'] = 2,
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
	case CARD_VALID: return "valid";
	case CARD_MALFORMED: return "malformed";
	case CARD_TYPO: return "typo";
	case CARD_UNKNOWN_KEY: return "unknown_key";
	case CARD_FORGED: return "forged";
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

/* First 48 bits of the MAC of (key_id, serial), with the context re-initialised on its key. */
static int compute_mac(EVP_MAC_CTX *ctx, unsigned key_id, uint64_t serial, uint8_t mac[MAC_BYTES])
{
	uint8_t msg[MSG_LEN] = { 'L', 'I', 'B', 'C', 'A', 'R', 'D', '1', CARD_CODE_VERSION };
	uint8_t full[EVP_MAX_MD_SIZE];
	size_t outl = 0;
	int ok;

	msg[9] = (uint8_t)key_id;
	for (int i = 0; i < 8; i++)
		msg[10 + i] = (uint8_t)(serial >> (56 - 8 * i));
	/* A NULL key re-initialises HMAC with the key set at codec creation: no key schedule. */
	ok = EVP_MAC_init(ctx, NULL, 0, NULL) && EVP_MAC_update(ctx, msg, sizeof(msg)) &&
	     EVP_MAC_final(ctx, full, &outl, sizeof(full)) && outl >= MAC_BYTES;
	if (ok)
		memcpy(mac, full, MAC_BYTES);
	card_wipe(full, sizeof(full));
	return ok;
}

/* alpha * v in GF(32) with x^5 + x^2 + 1. */
static unsigned gf_times_alpha(unsigned v)
{
	v <<= 1;
	if (v & 0x20)
		v ^= 0x25;
	return v;
}

/* The check symbol of 19 data symbols: sum alpha^(i+1) d_i, by Horner's rule. */
static unsigned check_symbol(const uint8_t d[CARD_CODE_SYMBOLS - 1])
{
	unsigned acc = 0;
	for (int i = CARD_CODE_SYMBOLS - 2; i >= 0; i--)
		acc = gf_times_alpha(acc ^ d[i]);
	return acc;
}

typedef unsigned __int128 u128;

card_err card_code_encode(card_codec *c, unsigned key_id, uint64_t serial, char out[CARD_CODE_BUFSZ])
{
	uint8_t mac[MAC_BYTES];
	uint8_t sym[CARD_CODE_SYMBOLS];
	u128 p;
	uint64_t m = 0;
	size_t o = 0;

	if (c == NULL || out == NULL || key_id >= CARD_KEY_IDS || serial > CARD_SERIAL_MAX)
		return CARD_ERR_INVALID_ARG;
	if (c->ctx[key_id] == NULL)
		return CARD_ERR_KEY_NOT_FOUND;
	if (!compute_mac(c->ctx[key_id], key_id, serial, mac))
		return CARD_ERR_CRYPTO;
	for (int i = 0; i < MAC_BYTES; i++)
		m = (m << 8) | mac[i];
	p = ((u128)CARD_CODE_VERSION << 92) | ((u128)key_id << 88) | ((u128)serial << 48) | m;
	for (int i = 0; i < CARD_CODE_SYMBOLS - 1; i++)
		sym[i] = (uint8_t)((p >> (90 - 5 * i)) & 31);
	sym[CARD_CODE_SYMBOLS - 1] = (uint8_t)check_symbol(sym);
	for (int i = 0; i < CARD_CODE_SYMBOLS; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = ALPHABET[sym[i]];
	}
	out[o] = '\0';
	return CARD_OK;
}

/* Normalise text into exactly 20 symbol values, or say why not. */
static card_verdict normalise(const char *text, size_t len, uint8_t sym[CARD_CODE_SYMBOLS],
                              size_t *nsym, size_t *bad_at)
{
	size_t n = 0, bad = (size_t)-1;

	if (text == NULL)
		len = 0;
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

card_verdict card_code_validate(card_codec *c, const char *text, size_t len, uint64_t *serial,
                                unsigned *key_id)
{
	uint8_t sym[CARD_CODE_SYMBOLS], want[MAC_BYTES], got[MAC_BYTES];
	card_verdict v;
	u128 p = 0;
	unsigned kid;
	uint64_t s, m;

	v = normalise(text, len, sym, NULL, NULL);
	if (v != CARD_VALID)
		return v;
	for (int i = 0; i < CARD_CODE_SYMBOLS - 1; i++)
		p = (p << 5) | sym[i];
	if ((unsigned)(p >> 92) != CARD_CODE_VERSION)
		return CARD_MALFORMED;
	kid = (unsigned)(p >> 88) & 0xf;
	s = (uint64_t)(p >> 48) & CARD_SERIAL_MAX;
	m = (uint64_t)p & ((UINT64_C(1) << 48) - 1);
	if (serial != NULL)
		*serial = s;
	if (key_id != NULL)
		*key_id = kid;
	if (c == NULL || c->ctx[kid] == NULL)
		return CARD_UNKNOWN_KEY;
	if (!compute_mac(c->ctx[kid], kid, s, want))
		return CARD_FORGED; /* fail closed */
	for (int i = 0; i < MAC_BYTES; i++)
		got[i] = (uint8_t)(m >> (40 - 8 * i));
	v = CRYPTO_memcmp(want, got, MAC_BYTES) == 0 ? CARD_VALID : CARD_FORGED;
	card_wipe(want, sizeof(want));
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
