/*
 * storeutil.h -- fixtures for the store suites: a migrated database and SQL-made fixtures
 * (organisations, a term, minted batches) inserted directly, as the superuser.
 */
#ifndef CARD_STOREUTIL_H
#define CARD_STOREUTIL_H

#include <stdint.h>
#include <libpq-fe.h>
#include <card/card.h>

#define SU_TERM "2026-autumn"

/* A store on the test cluster (superuser), schema migrated. */
card_store *su_store(void);
/* A raw libpq connection (superuser) for fixtures and inspection. */
PGconn *su_conn(void);
/* Run SQL that must succeed; returns the first column of the first row, or "" (static). */
const char *su_exec(PGconn *c, const char *sql);
/* Same, with text parameters. */
const char *su_execp(PGconn *c, const char *sql, int n, const char *const *params);
/* Organisations C (city), D1, D2 (districts), S11, S12 (schools of D1), S21 (of D2), and
 * the term SU_TERM; idempotent. */
void su_orgs(PGconn *c);
/* A new document of `kind`; its UUID in out. */
void su_doc(PGconn *c, const char *kind, char out[CARD_UUID_BUFSZ]);
/* Mint `count` cards under key_id into city stock as store-a's mint does (batch row, holding
 * (C, stock), ledger 'mint'); returns the first serial, batch id in batch (may be NULL). */
uint64_t su_mint(PGconn *c, unsigned key_id, uint64_t count, char batch[CARD_UUID_BUFSZ]);
/* A fingerprint of card.holding, card.ledger, card.redemption, card.void, card.idempotency
 * (to prove a refusal changed nothing); caller frees. */
char *su_fingerprint(PGconn *c);

#endif
