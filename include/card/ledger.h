/*
 * card/ledger.h -- the inventory ledger: moving cards between holders, and balances.
 *
 * A holder is (organisation, state): state "stock" (at the org), "transit" (shipped to the
 * org, not yet received), "distributed" (handed to students and teachers) or "void".  Cards
 * move only through card_move()/card_move_count() (SQL card.move/card.move_count, see
 * sql/functions/ledger.sql and docs/data-model.md): each call is one transaction that updates
 * card.holding and appends one card.ledger row per contiguous range moved, and refuses
 * (CARD_ERR_REJECTED, nothing changed, the diag names the holder, the missing serials and
 * its balance) to move a serial its source does not hold, more cards than it has, zero cards,
 * or from a holder to itself.  Concurrent moves from the same holder are serialised on the
 * server, so they never overdraw it.
 *
 * Ownership: strings are the caller's; card_holdings() returns an array the caller frees with
 * free().  Thread-safety: as card_store (one thread per store at a time).
 */
#ifndef CARD_LEDGER_H
#define CARD_LEDGER_H

#include <stddef.h>
#include <stdint.h>
#include <card/err.h>
#include <card/store.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CARD_ORG_BUFSZ 33   /* organisation codes are 1..32 characters */
#define CARD_TERM_BUFSZ 16  /* "2026-autumn" */
#define CARD_STATE_BUFSZ 12 /* "distributed" */

/* A contiguous range of serials: first, first+1, ..., first+count-1. */
typedef struct card_range {
	uint64_t first;
	uint64_t count;
} card_range;

/* What a move is: which term, which document caused it (a UUID), its kind ("shipment",
 * "transfer", ...), and the two holders. */
typedef struct card_move_spec {
	const char *term;
	const char *doc;
	const char *kind;
	const char *from_org, *from_state;
	const char *to_org, *to_state;
} card_move_spec;

/* Move every serial of r.  *moved (may be NULL) gets r.count on success. */
CARD_API card_err card_move(card_store *st, const card_move_spec *m, card_range r, uint64_t *moved,
                            card_diag *diag) CARD_WUR;

/* Move the `count` lowest serials the source holds (only inside *within when it is not NULL).
 * On success *out (caller frees with free()) holds the *n contiguous ranges moved, lowest
 * first; out may be NULL when the caller does not need them. */
CARD_API card_err card_move_count(card_store *st, const card_move_spec *m, uint64_t count,
                                  const card_range *within, card_range **out, size_t *n,
                                  card_diag *diag) CARD_WUR;

/* How many cards the holder (org, state) has in term. */
CARD_API card_err card_balance(card_store *st, const char *term, const char *org, const char *state,
                               uint64_t *count, card_diag *diag) CARD_WUR;

typedef struct card_holding {
	card_range range;
	char term[CARD_TERM_BUFSZ];
	char org[CARD_ORG_BUFSZ];
	char state[CARD_STATE_BUFSZ];
	char doc[37]; /* the shipment for state "transit", else "" */
} card_holding;

/* The holding ranges of a term, optionally only of one org and/or state (NULL = any), ordered
 * by org, state, first serial.  *out is the caller's to free() (NULL when *n is 0). */
CARD_API card_err card_holdings(card_store *st, const char *term, const char *org, const char *state,
                                card_holding **out, size_t *n, card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
