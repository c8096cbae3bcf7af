/*
 * card/batch.h -- print batches: minting serial ranges into the city centre's stock.
 *
 * A batch is one contiguous serial range [first_serial, first_serial + count) of one term
 * under one key_id.  Minting records, in one transaction on the server (card.batch_mint() in
 * sql/functions/org.sql, callable from other server-side functions too): the batch
 * document (UUID from card_uuid_new()), the batch, one city stock holding and one 'mint'
 * ledger entry.  Serials come from one counter row, so concurrent mints never overlap.  No
 * code or anything a code follows from is stored: codes are derived from the keyring.
 *
 * Thread-safety: as card_store.  Results are plain structs the caller owns.
 */
#ifndef CARD_BATCH_H
#define CARD_BATCH_H

#include <stdint.h>
#include <card/err.h>
#include <card/keyring.h>
#include <card/store.h>
#include <card/term.h>
#include <card/uuid.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CARD_BATCH_MAX_COUNT UINT64_C(100000000) /* per batch: 100 M cards */

typedef struct card_batch {
	char id[CARD_UUID_BUFSZ];
	char term[CARD_TERM_BUFSZ];
	unsigned key_id;
	uint64_t first_serial;
	uint64_t count;
	char created_at[40]; /* ISO 8601 UTC */
} card_batch;

/*
 * Mint `count` cards of `term` under `key_id` into the city's stock.  kr must hold key_id
 * (CARD_ERR_KEY_NOT_FOUND otherwise: a batch nobody can print is refused).  note may be NULL.
 * CARD_ERR_NOT_FOUND for an unknown term or no city centre.  On CARD_OK *out describes the
 * new batch.
 */
CARD_API card_err card_batch_mint(card_store *st, const card_keyring *kr, const char *term,
                                  unsigned key_id, uint64_t count, const char *note,
                                  card_batch *out, card_diag *diag) CARD_WUR;
/* CARD_ERR_NOT_FOUND if no such batch. */
CARD_API card_err card_batch_get(card_store *st, const char *id, card_batch *out,
                                 card_diag *diag) CARD_WUR;
/* Batches of a term (or all, term NULL) by first serial; free *out with free(). */
CARD_API card_err card_batch_list(card_store *st, const char *term, card_batch **out, size_t *n,
                                  card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
