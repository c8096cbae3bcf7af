/*
 * store_int.h -- what libcard's modules share about the store (internal, not installed).
 *
 * Each module declares its SQL once, as named statements:
 *
 *     static const struct stmt GET_TERM = { "get_term", "SELECT ... WHERE code = $1", 1 };
 *
 * and runs it with store_query(), which prepares it on first use on this connection, runs it
 * with text parameters, and turns a failure into a card_err plus diagnostics.  Nothing is ever
 * spliced into SQL text.
 */
#ifndef CARD_STORE_INT_H
#define CARD_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <libpq-fe.h>
#include <card/store.h>

struct stmt {
	const char *name; /* unique across libcard */
	const char *sql;
	int nparams;
};

/*
 * Run a prepared statement.  On CARD_OK *res (if res is not NULL) holds the result, which the
 * caller PQclear()s; on failure *res is NULL and diag says why.  `retry_safe` says the
 * statement may be sent again after a reconnect (a read, or a write that failed before it was
 * sent); writes inside a transaction must pass 0.
 */
card_err store_query(card_store *st, const struct stmt *s, const char *const *params,
                     PGresult **res, card_diag *diag);
card_err store_query_retry(card_store *st, const struct stmt *s, const char *const *params,
                           PGresult **res, card_diag *diag);

/* Simple-protocol command text (BEGIN, COMMIT, ROLLBACK, SET ...): constants only. */
card_err store_exec(card_store *st, const char *sql, card_diag *diag);

/* Transactions: begin, then commit or rollback (rollback never fails loudly). */
card_err store_begin(card_store *st, card_diag *diag);
card_err store_commit(card_store *st, card_diag *diag);
void store_rollback(card_store *st);

/* The raw connection, for code that needs libpq directly (pipelines in the daemon). */
PGconn *store_conn(card_store *st);

/* Map a failed result (or connection failure when res is NULL) to a card_err + diag. */
card_err store_error(card_store *st, const PGresult *res, card_diag *diag);

/* Forget prepared statements (after reconnect). */
void store_forget_prepared(card_store *st);

/* Mark the store broken so the next call reconnects. */
int store_reconnect(card_store *st);

/*
 * Typed reads of a cell of our own statements' results, by position (text protocol): the one
 * place that knows how PostgreSQL prints a boolean or an integer.  A NULL cell reads as false
 * or 0; the statement beside each call says what the column is.
 */
static inline bool cell_bool(const PGresult *r, int row, int col)
{
	return PQgetvalue(r, row, col)[0] == 't';
}
static inline long long cell_int64(const PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}
static inline uint64_t cell_uint64(const PGresult *r, int row, int col)
{
	return strtoull(PQgetvalue(r, row, col), NULL, 10);
}

#endif
