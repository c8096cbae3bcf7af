/*
 * card/feed.h -- the redemption feed the course platform consumes (GET /v1/redemptions).
 *
 * Entries are committed redemptions in feed order: ids are consecutive, assigned by the
 * sequencer in sql/functions/daemon.sql, and a redemption that commits later always gets a larger
 * id than any already handed out.  So a reader that remembers the last id it processed and
 * asks for what comes after it sees every redemption exactly once, in order, without gaps.
 *
 * Ownership: card_feed_read() returns an array the caller frees with free().
 * Thread-safety: as card_store.
 */
#ifndef CARD_FEED_H
#define CARD_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <card/err.h>
#include <card/store.h>
#include <card/redeem.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CARD_FEED_LIMIT_MAX 1000

typedef struct card_feed_entry {
	int64_t id; /* feed id: 1, 2, 3, ... */
	uint64_t serial;
	char account[CARD_ACCOUNT_BUFSZ];
	char term[16];
	int face_value_fen;
	char redeemed_at[40]; /* ISO 8601 UTC with milliseconds */
} card_feed_entry;

/* Up to `limit` (1..CARD_FEED_LIMIT_MAX) entries with id > after, in id order. */
CARD_API card_err card_feed_read(card_store *st, int64_t after, unsigned limit,
                                 card_feed_entry **out, size_t *n, card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
