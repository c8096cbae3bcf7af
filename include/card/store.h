/*
 * card/store.h -- the PostgreSQL store: a connection with its prepared statements, and the
 * schema migrations.
 *
 * A card_store wraps one libpq connection.  Statements are prepared on first use per
 * connection and never built from input text.  When the connection is lost, the next call
 * reconnects once and retries statements that cannot have taken effect; if the database is
 * still away the call fails with CARD_ERR_DB_UNAVAILABLE.
 *
 * Ownership: card_store_open() returns a store the caller closes with card_store_close()
 * (NULL is a no-op).  Thread-safety: a store is used by one thread at a time; a daemon keeps
 * one store per worker (see the pool in daemon/).
 *
 * Errors raised by libcard's server-side functions carry SQLSTATE class CR and arrive as
 * card_err values with the server's message, detail and hint copied into the card_diag.
 */
#ifndef CARD_STORE_H
#define CARD_STORE_H

#include <stddef.h>
#include <time.h>
#include <card/err.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct card_store card_store;

/* conninfo: a libpq connection string or URI; NULL or "" uses the libpq environment. */
CARD_API card_err card_store_open(const char *conninfo, card_store **out, card_diag *diag) CARD_WUR;
CARD_API void card_store_close(card_store *st);
/* Round trip to the server, reconnecting if needed: CARD_OK or CARD_ERR_DB_UNAVAILABLE. */
CARD_API card_err card_store_ping(card_store *st);
/* Schema check: CARD_OK when every migration this libcard knows is applied, else
 * CARD_ERR_SCHEMA_MISSING (run `cardctl db migrate`) or CARD_ERR_SCHEMA_NEWER. */
CARD_API card_err card_store_check_schema(card_store *st, card_diag *diag) CARD_WUR;

/* Migrations (sql/NNNN_name.sql, compiled into libcard). */
typedef struct card_migration_info {
	int version;
	const char *name;    /* static */
	int applied;         /* 1 if recorded in the database */
	char applied_at[40]; /* ISO 8601 or "" */
} card_migration_info;

/* Apply every pending migration, each in its own transaction, in version order.  *applied
 * (may be NULL) gets how many ran.  Refuses (CARD_ERR_SCHEMA_NEWER) a database that has a
 * version this libcard does not know. */
CARD_API card_err card_db_migrate(card_store *st, int *applied, card_diag *diag) CARD_WUR;
/* Fill *out (caller frees with free()) with one entry per known migration, plus *unknown:
 * how many versions the database has that this libcard does not know. */
CARD_API card_err card_db_status(card_store *st, card_migration_info **out, size_t *n,
                                 size_t *unknown, card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
