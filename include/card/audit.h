/*
 * card/audit.h -- prove the books balance.
 *
 * card_audit() runs card.audit (sql/functions/audit.sql) in one read-only REPEATABLE READ
 * transaction: it verifies the ledger's hash chain, and per term prints the figures (minted;
 * city, district and school stock; transit; distributed; void; redeemed) and checks that
 * minted = the sum of all holdings, every minted serial is held exactly once, a replay of the
 * ledger gives exactly card.holding, voids are held void, and redeemed cards had left city
 * stock, are not void and lie in their batch.  *balanced is 1 only when every check holds.
 *
 * Ownership: *lines is the caller's to free() (one allocation).  Thread-safety: as card_store.
 */
#ifndef CARD_AUDIT_H
#define CARD_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <card/err.h>
#include <card/store.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct card_audit_line {
	char term[16]; /* "" for checks over all terms (the hash chain) */
	char item[32]; /* "minted", "city_stock", ..., "ledger_chain", "ledger_replay", ... */
	int64_t value; /* the figure (a count) */
	int ok;        /* 0: this check failed */
	char detail[1024];
} card_audit_line;

/* term: one term, or NULL for all.  CARD_ERR_NOT_FOUND for an unknown term. */
CARD_API card_err card_audit(card_store *st, const char *term, card_audit_line **lines, size_t *n,
                             int *balanced, card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
