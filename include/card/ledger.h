/*
 * card/ledger.h -- the vocabulary of the inventory ledger: serial ranges and the sizes of the
 * codes that name a holder.
 *
 * A holder is (organisation, state): state "stock" (at the org), "transit" (shipped to the
 * org, not yet received), "distributed" (handed to students and teachers) or "void".  Cards
 * move only through the workflow's steps (shipment.h, distribution.h, reconcile.h), each one
 * server-side function that updates card.holding and appends to card.ledger
 * (sql/functions/, docs/data-model.md).  There is deliberately no public call that moves
 * cards outside the workflow: the raw move and the balance queries the tests use are
 * internal (libcard/ledger_int.h).
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

#ifdef __cplusplus
}
#endif
#endif
