/*
 * store.c -- one libpq connection, its prepared statements, and error mapping.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"

struct card_store {
	PGconn *conn;
	const struct stmt **prepared; /* statements prepared on this connection */
	size_t nprepared, cap;
};

PGconn *store_conn(card_store *st)
{
	return st->conn;
}

void store_forget_prepared(card_store *st)
{
	st->nprepared = 0;
}

static void set_from_conn(card_store *st, card_diag *diag)
{
	const char *m = st->conn != NULL ? PQerrorMessage(st->conn) : "out of memory";
	size_t n = strcspn(m, "\n");
	card_diag_set(diag, "could not connect to the database: %.*s", (int)n, m);
	card_diag_hint(diag, "Check --db or the PGHOST, PGPORT, PGDATABASE and PGUSER settings.");
}

/* Every session, on connect and reconnect: our objects live in schema "card", with pg_catalog
 * first so nothing can shadow builtins; and the server's NOTICEs ("... does not exist,
 * skipping") stay in the server log instead of reaching the clerk's terminal -- warnings and
 * errors still come through. */
static const char SESSION_SETUP[] =
	"SET search_path = pg_catalog, card; SET client_min_messages = warning";

card_err card_store_open(const char *conninfo, card_store **out, card_diag *diag)
{
	card_store *st;
	PGresult *r;

	if (out == NULL)
		return CARD_ERR_INVALID_ARG;
	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return CARD_ERR_NOMEM;
	st->conn = PQconnectdb(conninfo != NULL ? conninfo : "");
	if (st->conn == NULL || PQstatus(st->conn) != CONNECTION_OK) {
		set_from_conn(st, diag);
		card_store_close(st);
		return CARD_ERR_DB_UNAVAILABLE;
	}
	r = PQexec(st->conn, SESSION_SETUP);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		card_err rc = store_error(st, r, diag);
		PQclear(r);
		card_store_close(st);
		return rc;
	}
	PQclear(r);
	*out = st;
	return CARD_OK;
}

void card_store_close(card_store *st)
{
	if (st == NULL)
		return;
	PQfinish(st->conn);
	free(st->prepared);
	free(st);
}

int store_reconnect(card_store *st)
{
	PGresult *r;
	store_forget_prepared(st);
	PQreset(st->conn);
	if (PQstatus(st->conn) != CONNECTION_OK)
		return 0;
	r = PQexec(st->conn, SESSION_SETUP);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		return 0;
	}
	PQclear(r);
	return 1;
}

/* Connected, or reconnected now. */
static int ensure_conn(card_store *st)
{
	if (PQstatus(st->conn) == CONNECTION_OK)
		return 1;
	return store_reconnect(st);
}

static card_err map_sqlstate(const char *state)
{
	if (state == NULL)
		return CARD_ERR_DB;
	if (strncmp(state, "CR", 2) == 0) {
		/* libcard's own errors, raised by sql/ functions (see sql/README.md). */
		if (strcmp(state, "CR001") == 0)
			return CARD_ERR_REJECTED;
		if (strcmp(state, "CR002") == 0)
			return CARD_ERR_NOT_FOUND;
		if (strcmp(state, "CR003") == 0)
			return CARD_ERR_STATE;
		if (strcmp(state, "CR004") == 0)
			return CARD_ERR_INPUT;
		if (strcmp(state, "CR005") == 0)
			return CARD_ERR_CONFLICT;
		if (strcmp(state, "CR006") == 0)
			return CARD_ERR_PERMISSION;
		return CARD_ERR_REJECTED;
	}
	if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	    strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0 ||
	    strcmp(state, "53300") == 0)
		return CARD_ERR_DB_UNAVAILABLE;
	if (strcmp(state, "42501") == 0)
		return CARD_ERR_PERMISSION;
	if (strcmp(state, "23505") == 0 || strcmp(state, "23P01") == 0 ||
	    strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return CARD_ERR_CONFLICT;
	if (strncmp(state, "23", 2) == 0)
		return CARD_ERR_REJECTED;
	if (strncmp(state, "22", 2) == 0)
		return CARD_ERR_INPUT;
	if (strcmp(state, "42P01") == 0 || strcmp(state, "42883") == 0 ||
	    strcmp(state, "3F000") == 0)
		return CARD_ERR_SCHEMA_MISSING;
	return CARD_ERR_DB;
}

card_err store_error(card_store *st, const PGresult *res, card_diag *diag)
{
	const char *state, *msg, *det, *hint;
	card_err rc;

	if (res == NULL || PQstatus(st->conn) != CONNECTION_OK) {
		const char *m = PQerrorMessage(st->conn);
		card_diag_set(diag, "lost the database connection: %.*s", (int)strcspn(m, "\n"), m);
		return CARD_ERR_DB_UNAVAILABLE;
	}
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	det = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	rc = map_sqlstate(state);
	card_diag_set(diag, "%s", msg != NULL ? msg : PQresultErrorMessage(res));
	if (det != NULL)
		card_diag_detail(diag, "%s", det);
	if (hint != NULL)
		card_diag_hint(diag, "%s", hint);
	else if (rc == CARD_ERR_SCHEMA_MISSING)
		card_diag_hint(diag, "Run 'cardctl db migrate'.");
	return rc;
}

static int is_prepared(card_store *st, const struct stmt *s)
{
	for (size_t i = 0; i < st->nprepared; i++)
		if (st->prepared[i] == s)
			return 1;
	return 0;
}

static card_err prepare(card_store *st, const struct stmt *s, card_diag *diag)
{
	PGresult *r;
	card_err rc = CARD_OK;

	if (is_prepared(st, s))
		return CARD_OK;
	if (st->nprepared == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 32;
		const struct stmt **p = realloc(st->prepared, cap * sizeof(*p));
		if (p == NULL)
			return CARD_ERR_NOMEM;
		st->prepared = p;
		st->cap = cap;
	}
	r = PQprepare(st->conn, s->name, s->sql, s->nparams, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = store_error(st, r, diag);
	else
		st->prepared[st->nprepared++] = s;
	PQclear(r);
	return rc;
}

static card_err run(card_store *st, const struct stmt *s, const char *const *params, PGresult **res,
                    card_diag *diag)
{
	PGresult *r;
	ExecStatusType es;
	card_err rc;

	if (res != NULL)
		*res = NULL;
	if (!ensure_conn(st)) {
		set_from_conn(st, diag);
		return CARD_ERR_DB_UNAVAILABLE;
	}
	rc = prepare(st, s, diag);
	if (rc != CARD_OK)
		return rc;
	r = PQexecPrepared(st->conn, s->name, s->nparams, params, NULL, NULL, 0);
	es = PQresultStatus(r);
	if (es != PGRES_TUPLES_OK && es != PGRES_COMMAND_OK) {
		rc = store_error(st, r, diag);
		PQclear(r);
		return rc;
	}
	if (res != NULL)
		*res = r;
	else
		PQclear(r);
	return CARD_OK;
}

card_err store_query(card_store *st, const struct stmt *s, const char *const *params,
                     PGresult **res, card_diag *diag)
{
	return run(st, s, params, res, diag);
}

card_err store_query_retry(card_store *st, const struct stmt *s, const char *const *params,
                           PGresult **res, card_diag *diag)
{
	int idle = PQstatus(st->conn) != CONNECTION_OK ||
	           PQtransactionStatus(st->conn) == PQTRANS_IDLE;
	card_err rc = run(st, s, params, res, diag);
	if (rc == CARD_ERR_DB_UNAVAILABLE && idle && store_reconnect(st)) {
		card_diag_clear(diag);
		rc = run(st, s, params, res, diag);
	}
	return rc;
}

card_err store_exec(card_store *st, const char *sql, card_diag *diag)
{
	PGresult *r;
	card_err rc = CARD_OK;

	if (!ensure_conn(st)) {
		set_from_conn(st, diag);
		return CARD_ERR_DB_UNAVAILABLE;
	}
	r = PQexec(st->conn, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = store_error(st, r, diag);
	PQclear(r);
	return rc;
}

card_err store_begin(card_store *st, card_diag *diag)
{
	return store_exec(st, "BEGIN", diag);
}

card_err store_commit(card_store *st, card_diag *diag)
{
	return store_exec(st, "COMMIT", diag);
}

void store_rollback(card_store *st)
{
	if (PQstatus(st->conn) == CONNECTION_OK && PQtransactionStatus(st->conn) != PQTRANS_IDLE) {
		PGresult *r = PQexec(st->conn, "ROLLBACK");
		PQclear(r);
	}
}

card_err card_store_ping(card_store *st)
{
	static const struct stmt PING = { "ping", "SELECT 1", 0 };
	if (st == NULL)
		return CARD_ERR_INVALID_ARG;
	return store_query_retry(st, &PING, NULL, NULL, NULL);
}
