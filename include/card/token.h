/*
 * card/token.h -- bearer tokens for cardd's help-desk and feed endpoints.
 *
 * A token reads "cdt_" + 16 hex digits (its public id) + "_" + 43 base64url characters (the
 * secret, 256 random bits).  The database keeps the id, the role and the SHA-256 of the secret;
 * the token itself is printed once by card_token_new() and stored nowhere.  Verification looks
 * the id up (card.token_lookup, which the daemon role may execute) and compares the hashes with
 * CRYPTO_memcmp.
 *
 * Ownership: buffers are the caller's; card_token_list() returns an array the caller frees with
 * free().  Thread-safety: as card_store.
 */
#ifndef CARD_TOKEN_H
#define CARD_TOKEN_H

#include <stddef.h>
#include <card/err.h>
#include <card/store.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CARD_TOKEN_BUFSZ 80 /* "cdt_" + 16 + "_" + 43 + NUL, with room to spare */
#define CARD_TOKEN_ID_BUFSZ 17

typedef enum card_token_role {
	CARD_ROLE_HELPDESK = 1, /* GET /v1/cards/{serial} */
	CARD_ROLE_PLATFORM = 2  /* GET /v1/redemptions (the feed) */
} card_token_role;

/* "helpdesk", "platform"; NULL for anything else. */
CARD_API const char *card_token_role_name(card_token_role role);
/* CARD_OK and *role, or CARD_ERR_INPUT. */
CARD_API card_err card_token_role_parse(const char *name, card_token_role *role) CARD_WUR;

typedef struct card_token_info {
	char id[CARD_TOKEN_ID_BUFSZ];
	card_token_role role;
	char label[201];
	char created_by[64];
	char created_at[40]; /* ISO 8601 UTC */
	char revoked_at[40]; /* "" when active */
} card_token_info;

/* Create a token; the text goes to token (shown once, the caller wipes it), the id to id. */
CARD_API card_err card_token_new(card_store *st, card_token_role role, const char *label,
                                 char token[CARD_TOKEN_BUFSZ], char id[CARD_TOKEN_ID_BUFSZ],
                                 card_diag *diag) CARD_WUR;
CARD_API card_err card_token_list(card_store *st, card_token_info **out, size_t *n,
                                  card_diag *diag) CARD_WUR;
/* CARD_ERR_NOT_FOUND when no active token has that id. */
CARD_API card_err card_token_revoke(card_store *st, const char *id, card_diag *diag) CARD_WUR;

/*
 * Check a presented token.  CARD_OK and *role when it is well formed, known, not revoked and
 * its secret matches; CARD_ERR_NOT_FOUND when it is not (one answer for all of these: no
 * oracle); CARD_ERR_DB_UNAVAILABLE / CARD_ERR_DB when the database cannot say.
 */
CARD_API card_err card_token_verify(card_store *st, const char *token, card_token_role *role,
                                    card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
