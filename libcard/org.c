/*
 * org.c -- organisations: the import of a whole file in one server-side call, and listing.
 *
 * The rules live in card.org_import() (sql/functions/org.sql) so that an import is
 * checked and applied in one statement, atomically, under a table lock.  Here we only turn
 * the rows into PostgreSQL array literals (parameters, never SQL text) and pick the line
 * number out of the server's "line N: ..." message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <card/org.h>
#include "rows_int.h"
#include "store_int.h"

static const struct stmt ORG_IMPORT = {
	"org_import",
	"SELECT inserted, updated, unchanged FROM card.org_import($1::integer[], $2::text[], "
	"$3::text[], "
	"$4::text[], $5::text[], $6::text[], $7::text[], $8::text[])",
	8
};
static const struct stmt ORG_LIST = {
	"org_list",
	"SELECT code, name, kind, parent, district, address, contact, phone FROM card.org "
	"WHERE $1::text IS NULL OR district = $1 "
	"ORDER BY district NULLS FIRST, array_position(ARRAY['city','district','school'], kind), "
	"code",
	1
};

/* The text[] literal of field `off` (a const char * inside card_org_row) of every row; an
 * absent field is the empty string. */
static char *column(const card_org_row *rows, size_t n, size_t off)
{
	const char **v = malloc((n ? n : 1) * sizeof(*v));
	char *arr;
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *f = *(const char *const *)((const char *)&rows[i] + off);
		v[i] = f != NULL ? f : "";
	}
	arr = pg_text_array(v, n);
	free(v);
	return arr;
}

/* The line numbers of the rows, as an array literal. */
static char *lines(const card_org_row *rows, size_t n)
{
	char(*num)[24] = malloc((n ? n : 1) * sizeof(*num));
	const char **v = malloc((n ? n : 1) * sizeof(*v));
	char *arr = NULL;
	if (num != NULL && v != NULL) {
		for (size_t i = 0; i < n; i++) {
			snprintf(num[i], sizeof(num[i]), "%ld", rows[i].line);
			v[i] = num[i];
		}
		arr = pg_text_array(v, n);
	}
	free(num);
	free(v);
	return arr;
}

card_err card_org_import(card_store *st, const card_org_row *rows, size_t n,
                         card_org_import_result *res, card_diag *diag)
{
	static const size_t OFF[7] = {
		offsetof(card_org_row, code),    offsetof(card_org_row, name),
		offsetof(card_org_row, kind),    offsetof(card_org_row, parent),
		offsetof(card_org_row, address), offsetof(card_org_row, contact),
		offsetof(card_org_row, phone),
	};
	char *arr[8] = { NULL };
	const char *params[8];
	PGresult *r = NULL;
	card_err rc = CARD_ERR_NOMEM;

	if (st == NULL || (rows == NULL && n > 0) || res == NULL)
		return CARD_ERR_INVALID_ARG;
	memset(res, 0, sizeof(*res));
	arr[0] = lines(rows, n);
	for (size_t k = 0; k < 7; k++) {
		/* Optional columns (address, contact, phone) absent from the file: NULL array. */
		int absent =
			k >= 4 &&
			(n == 0 || *(const char *const *)((const char *)&rows[0] + OFF[k]) == NULL);
		if (!absent && (arr[k + 1] = column(rows, n, OFF[k])) == NULL)
			goto out;
	}
	if (arr[0] == NULL)
		goto out;
	for (size_t k = 0; k < 8; k++)
		params[k] = arr[k];
	rc = store_query_retry(st, &ORG_IMPORT, params, &r, diag);
	if (rc != CARD_OK) {
		long line;
		if (diag != NULL && sscanf(diag->message, "line %ld:", &line) == 1)
			diag->line = line;
		goto out;
	}
	res->inserted = strtoul(PQgetvalue(r, 0, 0), NULL, 10);
	res->updated = strtoul(PQgetvalue(r, 0, 1), NULL, 10);
	res->unchanged = strtoul(PQgetvalue(r, 0, 2), NULL, 10);
out:
	PQclear(r);
	for (size_t k = 0; k < 8; k++)
		free(arr[k]);
	return rc;
}

static char *dup_or_null(const PGresult *r, int row, int col, int *oom)
{
	char *s;
	if (PQgetisnull(r, row, col))
		return NULL;
	s = strdup(PQgetvalue(r, row, col));
	if (s == NULL)
		*oom = 1;
	return s;
}

void card_org_list_free(card_org *list, size_t n)
{
	if (list == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(list[i].code);
		free(list[i].name);
		free(list[i].kind);
		free(list[i].parent);
		free(list[i].district);
		free(list[i].address);
		free(list[i].contact);
		free(list[i].phone);
	}
	free(list);
}

card_err card_org_list(card_store *st, const char *district, card_org **out, size_t *n,
                       card_diag *diag)
{
	const char *params[1] = { district };
	card_org *list = NULL;
	PGresult *r = NULL;
	card_err rc;
	size_t rows = 0;
	int oom = 0;

	if (st == NULL || out == NULL || n == NULL)
		return CARD_ERR_INVALID_ARG;
	*out = NULL;
	*n = 0;
	rc = store_query_retry(st, &ORG_LIST, params, &r, diag);
	if (rc != CARD_OK)
		goto out;
	rows = (size_t)PQntuples(r);
	list = calloc(rows ? rows : 1, sizeof(*list));
	if (list == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < rows; i++) {
		int row = (int)i;
		list[i].code = dup_or_null(r, row, 0, &oom);
		list[i].name = dup_or_null(r, row, 1, &oom);
		list[i].kind = dup_or_null(r, row, 2, &oom);
		list[i].parent = dup_or_null(r, row, 3, &oom);
		list[i].district = dup_or_null(r, row, 4, &oom);
		list[i].address = dup_or_null(r, row, 5, &oom);
		list[i].contact = dup_or_null(r, row, 6, &oom);
		list[i].phone = dup_or_null(r, row, 7, &oom);
	}
	if (oom) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	*out = list;
	*n = rows;
	list = NULL;
out:
	card_org_list_free(list, rows);
	PQclear(r);
	return rc;
}
