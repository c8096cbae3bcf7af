/*
 * ledger_int.h -- helpers shared by the ledger, audit and card-state modules (internal).
 */
#ifndef CARD_LEDGER_INT_H
#define CARD_LEDGER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <card/ledger.h>
#include <card/store.h>

/*
 * The raw ledger move and balance queries (SQL card.move/card.move_count/card.balance in
 * sql/functions/ledger.sql, docs/data-model.md), for libcard's own modules and the tests; not
 * exported.  Each move is one transaction that updates card.holding and appends one
 * card.ledger row per contiguous range moved, and refuses (CARD_ERR_REJECTED, nothing
 * changed, the diag names the holder, the missing serials and its balance) to move a serial
 * its source does not hold, more cards than it has, zero cards, or from a holder to itself.
 * Concurrent moves from the same holder are serialised on the server.  card_holdings()
 * returns an array the caller frees with free().
 */
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
card_err card_move(card_store *st, const card_move_spec *m, card_range r, uint64_t *moved,
                   card_diag *diag) CARD_WUR;

/* Move the `count` lowest serials the source holds (only inside *within when it is not NULL).
 * On success *out (caller frees with free()) holds the *n contiguous ranges moved, lowest
 * first; out may be NULL when the caller does not need them. */
card_err card_move_count(card_store *st, const card_move_spec *m, uint64_t count,
                         const card_range *within, card_range **out, size_t *n,
                         card_diag *diag) CARD_WUR;

/* How many cards the holder (org, state) has in term. */
card_err card_balance(card_store *st, const char *term, const char *org, const char *state,
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
card_err card_holdings(card_store *st, const char *term, const char *org, const char *state,
                       card_holding **out, size_t *n, card_diag *diag) CARD_WUR;

/* "[a,b)" (PostgreSQL's canonical int8range text) -> range; 0 on success, -1 otherwise. */
int ledger_parse_range(const char *text, card_range *r);
/* range -> "[a,b)"; buf of at least 48 bytes. */
void ledger_format_range(card_range r, char *buf, size_t len);
/* Copy src into a fixed buffer, truncating; NULL gives "". */
void ledger_copy(char *dst, size_t len, const char *src);

#endif
