/*
 * card/code.h -- card code format v1 (docs/code-format.md).
 *
 * A code is 95 bits, version:3 (=1) · key_id:4 · serial:40 · mac:48, written as 19 Crockford
 * base32 symbols plus one GF(32) check symbol, grouped XXXX-XXXX-XXXX-XXXX-XXXX.  The MAC is
 * the first 48 bits of HMAC-SHA256(K[key_id], "LIBCARD1" || 0x01 || key_id || serial as 8-byte
 * big-endian), compared in constant time.
 *
 * A card_codec holds one prepared HMAC context per key of a keyring (no key set-up per code).
 * It is NOT thread-safe: give each thread its own codec (they are cheap, and may share one
 * keyring).  The codec copies no key bytes itself; the keyring must outlive it.
 */
#ifndef CARD_CODE_H
#define CARD_CODE_H

#include <stddef.h>
#include <stdint.h>
#include <card/err.h>
#include <card/keyring.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CARD_CODE_VERSION 1
#define CARD_CODE_SYMBOLS 20  /* 19 data + 1 check */
#define CARD_CODE_TEXT_LEN 24 /* with the four dashes */
#define CARD_CODE_BUFSZ 25    /* text plus NUL */
#define CARD_SERIAL_MAX ((UINT64_C(1) << 40) - 1)
#define CARD_SERIAL_DIGITS 13
#define CARD_SERIAL_BUFSZ 14

/* The answer of validation.  Numbering is part of the ABI. */
typedef enum card_verdict {
	CARD_VALID = 0,
	CARD_MALFORMED = 1,   /* wrong length or a symbol outside the alphabet */
	CARD_TYPO = 2,        /* check symbol fails: ask the user to re-type; not a guess */
	CARD_UNKNOWN_KEY = 3, /* well formed, but no key with that key_id */
	CARD_FORGED = 4       /* MAC mismatch */
} card_verdict;

/* "valid", "malformed", "typo", "unknown_key", "forged". */
CARD_API const char *card_verdict_name(card_verdict v);

typedef struct card_codec card_codec;

CARD_API card_err card_codec_new(const card_keyring *kr, card_codec **out) CARD_WUR;
CARD_API void card_codec_free(card_codec *c);

/* Write the grouped code of (key_id, serial) into out (NUL-terminated). */
CARD_API card_err card_code_encode(card_codec *c, unsigned key_id, uint64_t serial,
                                   char out[CARD_CODE_BUFSZ]) CARD_WUR;

/*
 * Validate user input (forgiving: case, '-', spaces, O->0, I/L->1).  On CARD_VALID and on
 * CARD_FORGED/CARD_UNKNOWN_KEY, *serial and *key_id (either may be NULL) are what the text says.
 */
CARD_API card_verdict card_code_validate(card_codec *c, const char *text, size_t len,
                                         uint64_t *serial, unsigned *key_id) CARD_WUR;

/*
 * Syntax only, no key: normalise input into 20 symbol values.  Returns CARD_VALID when the
 * check symbol holds, CARD_TYPO when it does not, CARD_MALFORMED otherwise.  *nsym gets the
 * number of symbols seen (for "you typed 19 of 20"), *bad_at the byte offset of the first
 * character outside the alphabet or (size_t)-1.  Either out-pointer may be NULL.
 */
CARD_API card_verdict card_code_check(const char *text, size_t len, size_t *nsym, size_t *bad_at);

/* 13 decimal digits, zero-padded. */
CARD_API void card_serial_format(uint64_t serial, char out[CARD_SERIAL_BUFSZ]);
/* Accepts 1..13 decimal digits, value <= CARD_SERIAL_MAX. */
CARD_API card_err card_serial_parse(const char *text, uint64_t *serial) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
