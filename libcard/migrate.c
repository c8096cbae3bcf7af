/*
 * migrate.c -- apply the numbered migrations of sql/migrations/, each once, each in its own
 * transaction; then load the function files of sql/functions/ whose text the database has not
 * loaded yet (card.function_file records the SHA-256 of each file as loaded).
 *
 * The tables card.schema_version and card.function_file are created by the first migration.  A
 * session-level advisory lock serialises concurrent `cardctl db migrate` runs.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate_int.h"
#include "store_int.h"

#define MIGRATE_LOCK "7243011" /* advisory lock key; sql/functions/ledger.sql lists every key */

static const struct stmt HAS_TABLE = { "migrate_has_table",
	                               "SELECT to_regclass('card.schema_version') IS NOT NULL", 0 };
static const struct stmt HAS_FUNCTION_TABLE = {
	"migrate_has_function_table", "SELECT to_regclass('card.function_file') IS NOT NULL", 0
};
static const struct stmt APPLIED = {
	"migrate_applied",
	"SELECT version, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	"FROM card.schema_version ORDER BY version",
	0
};
static const struct stmt RECORD = {
	"migrate_record", "INSERT INTO card.schema_version (version, name) VALUES ($1, $2)", 2
};
static const struct stmt LOADED = { "migrate_loaded",
	                            "SELECT name, sha256, to_char(loaded_at AT TIME ZONE 'UTC', "
	                            "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	                            "FROM card.function_file ORDER BY name",
	                            0 };
static const struct stmt RECORD_FUNCTIONS = {
	"migrate_record_functions",
	"INSERT INTO card.function_file (name, sha256) VALUES ($1, $2) ON CONFLICT (name) DO "
	"UPDATE "
	"SET sha256 = EXCLUDED.sha256, loaded_at = now(), loaded_by = current_user",
	2
};

static int known(int version)
{
	for (size_t i = 0; i < NMIGRATIONS; i++)
		if (MIGRATIONS[i].version == version)
			return 1;
	return 0;
}

/* The version in row j (an integer column), parsed with checks; -1 (known to no libcard, so
 * refused as newer) if the server sent anything but a non-negative int. */
static int row_version(const PGresult *r, int j)
{
	const char *s = PQgetvalue(r, j, 0);
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

/* Run q when table (a regclass literal) exists, else hand back no result (*res NULL). */
static card_err query_if_table(card_store *st, const struct stmt *has, const struct stmt *q,
                               PGresult **res, card_diag *diag)
{
	PGresult *r = NULL;
	card_err rc = store_query_retry(st, has, NULL, &r, diag);
	int yes;
	*res = NULL;
	if (rc != CARD_OK)
		return rc;
	yes = cell_bool(r, 0, 0);
	PQclear(r);
	if (!yes)
		return CARD_OK;
	return store_query_retry(st, q, NULL, res, diag);
}

/* Versions applied in the database (sorted), or an empty list before the first migration. */
static card_err applied_versions(card_store *st, PGresult **res, card_diag *diag)
{
	return query_if_table(st, &HAS_TABLE, &APPLIED, res, diag);
}

static int is_applied(const PGresult *r, int version)
{
	for (int i = 0; r != NULL && i < PQntuples(r); i++)
		if (row_version(r, i) == version)
			return 1;
	return 0;
}

/* Function files as the database last loaded them (name, sha256, loaded_at), or an empty list
 * before the first migration. */
static card_err loaded_files(card_store *st, PGresult **res, card_diag *diag)
{
	return query_if_table(st, &HAS_FUNCTION_TABLE, &LOADED, res, diag);
}

/* The row of r that records function file f, or -1. */
static int loaded_row(const PGresult *r, const struct function_file *f)
{
	for (int j = 0; r != NULL && j < PQntuples(r); j++)
		if (strcmp(PQgetvalue(r, j, 0), f->name) == 0)
			return j;
	return -1;
}

static card_function_state file_state(const PGresult *r, const struct function_file *f)
{
	int j = loaded_row(r, f);
	if (j < 0)
		return CARD_FUNCTIONS_PENDING;
	return strcmp(PQgetvalue(r, j, 1), f->sha256) == 0 ? CARD_FUNCTIONS_CURRENT
	                                                   : CARD_FUNCTIONS_CHANGED;
}

/* What fetch returns, in *r, and a zeroed array of count elements of size bytes, in *m. */
static card_err fetch_and_alloc(card_store *st,
                                card_err (*fetch)(card_store *, PGresult **, card_diag *),
                                size_t count, size_t size, PGresult **r, void **m, card_diag *diag)
{
	card_err rc = fetch(st, r, diag);
	if (rc != CARD_OK)
		return rc;
	*m = calloc(count ? count : 1, size);
	if (*m == NULL) {
		PQclear(*r);
		*r = NULL;
		return CARD_ERR_NOMEM;
	}
	return CARD_OK;
}

card_err card_db_functions(card_store *st, card_function_info **out, size_t *n, card_diag *diag)
{
	PGresult *r = NULL;
	card_function_info *m = NULL;
	card_err rc;

	if (st == NULL || out == NULL || n == NULL)
		return CARD_ERR_INVALID_ARG;
	rc = fetch_and_alloc(st, loaded_files, NFUNCTION_FILES, sizeof(*m), &r, (void **)&m, diag);
	if (rc != CARD_OK)
		return rc;
	for (size_t i = 0; i < NFUNCTION_FILES; i++) {
		const struct function_file *f = &FUNCTION_FILES[i];
		int j = loaded_row(r, f);
		m[i].name = f->name;
		m[i].sha256 = f->sha256;
		m[i].state = file_state(r, f);
		if (j >= 0)
			snprintf(m[i].loaded_at, sizeof(m[i].loaded_at), "%s", PQgetvalue(r, j, 2));
	}
	PQclear(r);
	*out = m;
	*n = NFUNCTION_FILES;
	return CARD_OK;
}

card_err card_db_status(card_store *st, card_migration_info **out, size_t *n, size_t *unknown,
                        card_diag *diag)
{
	PGresult *r = NULL;
	card_migration_info *m = NULL;
	card_err rc;

	if (st == NULL || out == NULL || n == NULL)
		return CARD_ERR_INVALID_ARG;
	rc = fetch_and_alloc(st, applied_versions, NMIGRATIONS, sizeof(*m), &r, (void **)&m, diag);
	if (rc != CARD_OK)
		return rc;
	for (size_t i = 0; i < NMIGRATIONS; i++) {
		m[i].version = MIGRATIONS[i].version;
		m[i].name = MIGRATIONS[i].name;
		for (int j = 0; r != NULL && j < PQntuples(r); j++) {
			if (row_version(r, j) == m[i].version) {
				m[i].applied = 1;
				snprintf(m[i].applied_at, sizeof(m[i].applied_at), "%s",
				         PQgetvalue(r, j, 1));
			}
		}
	}
	if (unknown != NULL) {
		*unknown = 0;
		for (int j = 0; r != NULL && j < PQntuples(r); j++)
			if (!known(row_version(r, j)))
				(*unknown)++;
	}
	PQclear(r);
	*out = m;
	*n = NMIGRATIONS;
	return CARD_OK;
}

static card_err refuse_newer(const PGresult *r, card_diag *diag)
{
	for (int j = 0; r != NULL && j < PQntuples(r); j++) {
		int v = row_version(r, j);
		if (!known(v)) {
			card_diag_set(diag,
			              "database schema has migration %d, which this libcard does "
			              "not know",
			              v);
			card_diag_hint(diag, "Use a libcard at least as new as the one that "
			                     "migrated this database.");
			return CARD_ERR_SCHEMA_NEWER;
		}
	}
	return CARD_OK;
}

card_err card_store_check_schema(card_store *st, card_diag *diag)
{
	PGresult *r = NULL;
	card_err rc;

	if (st == NULL)
		return CARD_ERR_INVALID_ARG;
	rc = applied_versions(st, &r, diag);
	if (rc != CARD_OK)
		return rc;
	rc = refuse_newer(r, diag);
	for (size_t i = 0; rc == CARD_OK && i < NMIGRATIONS; i++) {
		if (!is_applied(r, MIGRATIONS[i].version)) {
			card_diag_set(diag, "database schema lacks migration %d (%s)",
			              MIGRATIONS[i].version, MIGRATIONS[i].name);
			card_diag_hint(diag, "Run 'cardctl db migrate'.");
			rc = CARD_ERR_SCHEMA_MISSING;
		}
	}
	PQclear(r);
	r = NULL;
	if (rc == CARD_OK)
		rc = loaded_files(st, &r, diag);
	for (size_t i = 0; rc == CARD_OK && i < NFUNCTION_FILES; i++) {
		if (file_state(r, &FUNCTION_FILES[i]) != CARD_FUNCTIONS_CURRENT) {
			card_diag_set(
				diag,
				"database server functions (%s) are not those of this libcard",
				FUNCTION_FILES[i].name);
			card_diag_hint(diag, "Run 'cardctl db migrate'.");
			rc = CARD_ERR_SCHEMA_MISSING;
		}
	}
	PQclear(r);
	return rc;
}

/* Run sql and record it with rec(params) in one transaction; on failure roll back and prefix the
 * message with what failed ("migration 7 (name)"). */
static card_err apply_recorded(card_store *st, const char *sql, const struct stmt *rec,
                               const char *const *params, const char *what, card_diag *diag)
{
	card_err rc = store_begin(st, diag);
	if (rc == CARD_OK)
		rc = store_exec(st, sql, diag);
	if (rc == CARD_OK)
		rc = store_query(st, rec, params, NULL, diag);
	if (rc == CARD_OK)
		rc = store_commit(st, diag);
	if (rc != CARD_OK) {
		char msg[sizeof(diag->message)];
		store_rollback(st);
		if (diag != NULL) {
			snprintf(msg, sizeof(msg), "%.60s failed: %.180s", what, diag->message);
			memcpy(diag->message, msg, sizeof(msg));
		}
	}
	return rc;
}

/* Load every function file the database has not loaded with its current text (every one when
 * all is set), each in its own transaction; *count gets how many. */
static card_err load_functions(card_store *st, int all, int *count, card_diag *diag)
{
	PGresult *r = NULL;
	card_err rc = loaded_files(st, &r, diag);

	for (size_t i = 0; rc == CARD_OK && i < NFUNCTION_FILES; i++) {
		const struct function_file *f = &FUNCTION_FILES[i];
		const char *params[2] = { f->name, f->sha256 };
		char what[64];

		if (!all && file_state(r, f) == CARD_FUNCTIONS_CURRENT)
			continue;
		snprintf(what, sizeof(what), "function file %.40s", f->name);
		rc = apply_recorded(st, f->sql, &RECORD_FUNCTIONS, params, what, diag);
		if (rc == CARD_OK)
			(*count)++;
	}
	PQclear(r);
	return rc;
}

card_err card_db_migrate(card_store *st, int *applied, int *loaded, card_diag *diag)
{
	PGresult *r = NULL;
	card_err rc;
	int count = 0, nfiles = 0;

	if (st == NULL)
		return CARD_ERR_INVALID_ARG;
	rc = store_exec(st, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")", diag);
	if (rc != CARD_OK)
		return rc;
	rc = applied_versions(st, &r, diag);
	if (rc == CARD_OK)
		rc = refuse_newer(r, diag);
	for (size_t i = 0; rc == CARD_OK && i < NMIGRATIONS; i++) {
		const struct migration *m = &MIGRATIONS[i];
		char ver[16], what[64];
		const char *params[2] = { ver, m->name };

		if (is_applied(r, m->version))
			continue;
		snprintf(ver, sizeof(ver), "%d", m->version);
		snprintf(what, sizeof(what), "migration %d (%.40s)", m->version, m->name);
		rc = apply_recorded(st, m->sql, &RECORD, params, what, diag);
		if (rc == CARD_OK)
			count++;
	}
	PQclear(r);
	/* After a migration every file is loaded again: a migration may have dropped a function. */
	if (rc == CARD_OK)
		rc = load_functions(st, count > 0, &nfiles, diag);
	(void)store_exec(st, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")", NULL);
	if (applied != NULL)
		*applied = count;
	if (loaded != NULL)
		*loaded = nfiles;
	return rc;
}
