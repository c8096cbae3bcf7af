/*
 * card/cardinfo.h -- one card's state, for help-desk staff (cardctl card show, GET
 * /v1/cards/{serial}): its batch, term and key, who holds it now, the ledger rows that moved
 * it, its redemption and its void.
 *
 * Runs the SECURITY DEFINER functions card.card_show and card.card_moves, which card_daemon
 * may execute.  No code is involved: a serial is public (printed on the card).
 *
 * Ownership: card_card_show() fills a caller-owned card_card_info; its `moves` array is freed
 * by card_card_info_free() (which also accepts a zeroed or NULL info).  Thread-safety: as
 * card_store.
 */
#ifndef CARD_CARDINFO_H
#define CARD_CARDINFO_H

#include <stddef.h>
#include <stdint.h>
#include <card/err.h>
#include <card/store.h>
#include <card/redeem.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct card_card_move {
	int64_t ledger_id;
	char at[40]; /* ISO 8601 UTC */
	char kind[33];
	char doc[37];
	char from_org[33]; /* "" for a mint */
	char from_state[12];
	char to_org[33];
	char to_state[12];
	char actor[64];
} card_card_move;

typedef struct card_card_info {
	uint64_t serial;
	char batch[37];
	char term[16];
	unsigned key_id;
	int face_value_fen;
	char org[33]; /* current holder; "" if the holdings lack the serial (see audit) */
	char state[12];
	char holder_doc[37]; /* the shipment when in transit */
	int redeemed;
	int64_t redemption_id;
	char account[CARD_ACCOUNT_BUFSZ];
	char redeemed_at[40];
	int voided;
	char void_reason[256];
	char void_doc[37];
	char voided_at[40];
	card_card_move *moves; /* oldest first */
	size_t nmoves;
} card_card_info;

/* CARD_ERR_NOT_FOUND when the serial is in no batch. */
CARD_API card_err card_card_show(card_store *st, uint64_t serial, card_card_info *info,
                                 card_diag *diag) CARD_WUR;
CARD_API void card_card_info_free(card_card_info *info);

#ifdef __cplusplus
}
#endif
#endif
