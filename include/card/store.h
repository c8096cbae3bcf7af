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
/* Schema check: CARD_OK when every migration this libcard knows is applied and every function
 * file is loaded as compiled in, else CARD_ERR_SCHEMA_MISSING (run `cardctl db migrate`) or
 * CARD_ERR_SCHEMA_NEWER. */
CARD_API card_err card_store_check_schema(card_store *st, card_diag *diag) CARD_WUR;

/* Migrations (sql/migrations/NNNN_name.sql, compiled into libcard). */
typedef struct card_migration_info {
	int version;
	const char *name;    /* static */
	int applied;         /* 1 if recorded in the database */
	char applied_at[40]; /* ISO 8601 or "" */
} card_migration_info;

/* Apply every pending migration, each in its own transaction, in version order; then load
 * every function file (sql/functions/NAME.sql) whose text differs from the one the database
 * last loaded (all of them when a migration ran), each in its own transaction.  *applied and
 * *loaded (either may be NULL) get how many migrations and function files ran.  Refuses
 * (CARD_ERR_SCHEMA_NEWER) a database that has a version this libcard does not know. */
CARD_API card_err card_db_migrate(card_store *st, int *applied, int *loaded,
                                  card_diag *diag) CARD_WUR;
/* Fill *out (caller frees with free()) with one entry per known migration, plus *unknown:
 * how many versions the database has that this libcard does not know. */
CARD_API card_err card_db_status(card_store *st, card_migration_info **out, size_t *n,
                                 size_t *unknown, card_diag *diag) CARD_WUR;

/* Function files (sql/functions/NAME.sql, compiled into libcard). */
typedef enum card_function_state {
	CARD_FUNCTIONS_PENDING = 0, /* never loaded */
	CARD_FUNCTIONS_CURRENT = 1, /* loaded with the text compiled in */
	CARD_FUNCTIONS_CHANGED = 2  /* loaded with another text: `cardctl db migrate` reloads it */
} card_function_state;

typedef struct card_function_info {
	const char *name;   /* static */
	const char *sha256; /* static: the compiled-in text's, hex */
	card_function_state state;
	char loaded_at[40]; /* ISO 8601 or "" */
} card_function_info;

/* Fill *out (caller frees with free()) with one entry per compiled-in function file. */
CARD_API card_err card_db_functions(card_store *st, card_function_info **out, size_t *n,
                                    card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
