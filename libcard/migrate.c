/*
 * migrate.c -- apply the numbered migrations of sql/, each once, each in its own transaction.
 *
 * The version table card.schema_version is created by the first migration.  A session-level
 * advisory lock serialises concurrent `cardctl db migrate` runs.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate_int.h"
#include "store_int.h"

#define MIGRATE_LOCK "7243011"  /* pg_advisory_lock key: "libcard migrate" */

static const struct stmt HAS_TABLE = {
	"migrate_has_table", "SELECT to_regclass('card.schema_version') IS NOT NULL", 0 };
static const struct stmt APPLIED = {
	"migrate_applied",
	"SELECT version, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	"FROM card.schema_version ORDER BY version", 0 };
static const struct stmt RECORD = {
	"migrate_record", "INSERT INTO card.schema_version (version, name) VALUES ($1, $2)", 2 };

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

/* Versions applied in the database (sorted), or an empty list before the first migration. */
static card_err applied_versions(card_store *st, PGresult **res, card_diag *diag)
{
	PGresult *r = NULL;
	card_err rc = store_query_retry(st, &HAS_TABLE, NULL, &r, diag);
	int has;
	*res = NULL;
	if (rc != CARD_OK)
		return rc;
	has = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!has)
		return CARD_OK;
	return store_query_retry(st, &APPLIED, NULL, res, diag);
}

static int is_applied(const PGresult *r, int version)
{
	for (int i = 0; r != NULL && i < PQntuples(r); i++)
		if (row_version(r, i) == version)
			return 1;
	return 0;
}

card_err card_db_status(card_store *st, card_migration_info **out, size_t *n, size_t *unknown,
                        card_diag *diag)
{
	PGresult *r = NULL;
	card_migration_info *m;
	card_err rc;

	if (st == NULL || out == NULL || n == NULL)
		return CARD_ERR_INVALID_ARG;
	rc = applied_versions(st, &r, diag);
	if (rc != CARD_OK)
		return rc;
	m = calloc(NMIGRATIONS ? NMIGRATIONS : 1, sizeof(*m));
	if (m == NULL) {
		PQclear(r);
		return CARD_ERR_NOMEM;
	}
	for (size_t i = 0; i < NMIGRATIONS; i++) {
		m[i].version = MIGRATIONS[i].version;
		m[i].name = MIGRATIONS[i].name;
		for (int j = 0; r != NULL && j < PQntuples(r); j++) {
			if (row_version(r, j) == m[i].version) {
				m[i].applied = 1;
				snprintf(m[i].applied_at, sizeof(m[i].applied_at), "%s", PQgetvalue(r, j, 1));
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
			card_diag_set(diag, "database schema has migration %d, which this libcard does not know", v);
			card_diag_hint(diag, "Use a libcard at least as new as the one that migrated this database.");
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
			card_diag_set(diag, "database schema lacks migration %d (%s)", MIGRATIONS[i].version,
			              MIGRATIONS[i].name);
			card_diag_hint(diag, "Run 'cardctl db migrate'.");
			rc = CARD_ERR_SCHEMA_MISSING;
		}
	}
	PQclear(r);
	return rc;
}

card_err card_db_migrate(card_store *st, int *applied, card_diag *diag)
{
	PGresult *r = NULL;
	card_err rc;
	int count = 0;

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
		char ver[16];
		const char *params[2] = { ver, m->name };

		if (is_applied(r, m->version))
			continue;
		snprintf(ver, sizeof(ver), "%d", m->version);
		rc = store_begin(st, diag);
		if (rc == CARD_OK)
			rc = store_exec(st, m->sql, diag);
		if (rc == CARD_OK)
			rc = store_query(st, &RECORD, params, NULL, diag);
		if (rc == CARD_OK)
			rc = store_commit(st, diag);
		if (rc != CARD_OK) {
			char msg[sizeof(diag->message)];
			store_rollback(st);
			if (diag != NULL) {
				snprintf(msg, sizeof(msg), "migration %d (%.40s) failed: %.180s", m->version, m->name,
				         diag->message);
				memcpy(diag->message, msg, sizeof(msg));
			}
			break;
		}
		count++;
	}
	PQclear(r);
	(void)store_exec(st, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")", NULL);
	if (applied != NULL)
		*applied = count;
	return rc;
}
