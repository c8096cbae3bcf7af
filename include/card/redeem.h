/*
 * card/redeem.h -- exactly-once redemption of validated codes.
 *
 * The caller has validated the code (card_code_validate() == CARD_VALID): forged codes and
 * typos never reach the database.  Redemption checks, in the same statement on the server,
 * that the serial lies in a batch minted under that key_id, that it is not void, and records
 * the redemption under a unique serial, so a card is redeemed once even under concurrent
 * requests and crashes.
 *
 * card_redeem_many() redeems several requests in ONE transaction and ONE round trip (group
 * commit for the daemon); each request gets its own outcome, and all of them are durable when
 * it returns CARD_OK.  Requests for the same serial within one call are answered as if they
 * had arrived in array order.
 *
 * Errors: a business outcome is never an error (it is out[i].outcome).  The call fails as a
 * whole, redeeming nothing, with CARD_ERR_INVALID_ARG (n is 0 or above 10000, a serial above
 * 40 bits, a key_id above 15) or CARD_ERR_INPUT (an account that fails card_account_valid(),
 * an idempotency key that is not 1..255 bytes of UTF-8 without control characters; the diag
 * names the request, 1-based), and CARD_ERR_DB_UNAVAILABLE when the database cannot be
 * reached after one reconnect.  Sending the same requests again after a failure is safe: a
 * redemption that did commit answers REPEATED.  Implemented by card.redeem_many
 * (sql/functions/redeem.sql); the out array has n entries and is the caller's.
 *
 * Thread-safety: as card_store (one thread per store at a time).
 */
#ifndef CARD_REDEEM_H
#define CARD_REDEEM_H

#include <stddef.h>
#include <stdint.h>
#include <card/err.h>
#include <card/store.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CARD_ACCOUNT_MAX 64 /* characters (UTF-8), docs/openapi.yaml */
#define CARD_ACCOUNT_BUFSZ (64 * 4 + 1)
#define CARD_IDEM_KEY_MAX 255 /* characters: see card_idem_key_valid() */

typedef enum card_redeem_outcome {
	CARD_REDEEMED = 0,         /* 201: this request redeemed the card */
	CARD_REDEEM_REPEATED = 1,  /* 200: same account and code again, or same Idempotency-Key */
	CARD_ALREADY_REDEEMED = 2, /* 409: another account redeemed it */
	CARD_CARD_VOID = 3,        /* 410: the card was voided (replaced) */
	CARD_INVALID_CODE = 4,     /* 422: serial in no batch, or batch under another key */
	CARD_IDEMPOTENCY_REUSED =
		5 /* 422: the Idempotency-Key was used with another code/account */
} card_redeem_outcome;

/* "redeemed", "repeated", "already_redeemed", "card_void", "invalid_code", "idempotency_key_reused". */
CARD_API const char *card_redeem_outcome_name(card_redeem_outcome o);

typedef struct card_redeem_req {
	uint64_t serial;
	unsigned key_id;
	const char *account;  /* 1..64 UTF-8 characters, no control characters */
	const char *idem_key; /* NULL, or 1..255 bytes */
} card_redeem_req;

typedef struct card_redemption {
	card_redeem_outcome outcome;
	uint64_t serial;
	int64_t id;                       /* redemption id (REDEEMED/REPEATED), else 0 */
	char term[16];                    /* e.g. "2026-autumn" (REDEEMED/REPEATED) */
	int face_value_fen;               /* e.g. 5000 */
	char account[CARD_ACCOUNT_BUFSZ]; /* the account the card is redeemed for */
	char redeemed_at[40];             /* ISO 8601 UTC, e.g. "2026-09-01T08:00:00.123Z" */
} card_redemption;

/* 1 if account is acceptable (1..64 UTF-8 characters, valid UTF-8, no control characters). */
CARD_API int card_account_valid(const char *account);
/* 1 if key is an acceptable Idempotency-Key: 1..255 printable ASCII characters, 0x21 to 0x7E
 * (no space, no control).  The one rule: cardd, card.redeem_many and docs/openapi.yaml agree. */
CARD_API int card_idem_key_valid(const char *key);

CARD_API card_err card_redeem(card_store *st, const card_redeem_req *req, card_redemption *out,
                              card_diag *diag) CARD_WUR;
CARD_API card_err card_redeem_many(card_store *st, const card_redeem_req *reqs, size_t n,
                                   card_redemption *out, card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
