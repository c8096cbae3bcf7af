/*
 * rows.c -- card_rows: a PGresult behind the public read-only table API (card/rows.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rows_int.h"

struct card_rows {
	PGresult *res;
};

card_err rows_wrap(PGresult *res, card_rows **out)
{
	card_rows *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		PQclear(res);
		*out = NULL;
		return CARD_ERR_NOMEM;
	}
	r->res = res;
	*out = r;
	return CARD_OK;
}

card_err rows_query(card_store *st, const struct stmt *s, const char *const *params,
                    card_rows **out, card_diag *diag)
{
	PGresult *res = NULL;
	card_err rc;

	*out = NULL;
	rc = store_query_retry(st, s, params, &res, diag);
	if (rc != CARD_OK)
		return rc;
	return rows_wrap(res, out);
}

card_err rows_write(card_store *st, const struct stmt *s, const char *const *params,
                    card_rows **out, card_diag *diag)
{
	PGresult *res = NULL;
	card_err rc;

	if (out != NULL)
		*out = NULL;
	rc = store_query(st, s, params, &res, diag);
	if (rc == CARD_OK && out != NULL)
		return rows_wrap(res, out);
	PQclear(res);
	return rc;
}

void card_rows_free(card_rows *r)
{
	if (r == NULL)
		return;
	PQclear(r->res);
	free(r);
}

size_t card_rows_count(const card_rows *r)
{
	return r != NULL ? (size_t)PQntuples(r->res) : 0;
}

size_t card_rows_ncols(const card_rows *r)
{
	return r != NULL ? (size_t)PQnfields(r->res) : 0;
}

const char *card_rows_name(const card_rows *r, size_t col)
{
	const char *n = col < card_rows_ncols(r) ? PQfname(r->res, (int)col) : NULL;
	return n != NULL ? n : "";
}

card_coltype card_rows_type(const card_rows *r, size_t col)
{
	if (col >= card_rows_ncols(r))
		return CARD_COL_TEXT;
	switch (PQftype(r->res, (int)col)) {
	case 20:   /* int8 */
	case 21:   /* int2 */
	case 23:   /* int4 */
	case 1700: /* numeric */
		return CARD_COL_INT;
	case 16:
		return CARD_COL_BOOL;
	case 1082:
		return CARD_COL_DATE;
	default:
		return CARD_COL_TEXT;
	}
}

size_t card_rows_col(const card_rows *r, const char *name)
{
	int c = r != NULL ? PQfnumber(r->res, name) : -1;
	return c < 0 ? (size_t)-1 : (size_t)c;
}

const char *card_rows_get(const card_rows *r, size_t row, size_t col)
{
	if (row >= card_rows_count(r) || col >= card_rows_ncols(r))
		return "";
	return PQgetvalue(r->res, (int)row, (int)col);
}

/* The column `name` and a valid row, or the error that names what is wrong. */
static card_err cell(const card_rows *r, size_t row, const char *name, size_t *col, card_diag *diag)
{
	if (r == NULL || name == NULL) {
		card_diag_set(diag, "no result to read");
		return CARD_ERR_INVALID_ARG;
	}
	*col = card_rows_col(r, name);
	if (*col == (size_t)-1) {
		card_diag_set(diag, "result has no column \"%s\"", name);
		card_diag_hint(
			diag,
			"The program and the database schema disagree: run `cardctl db migrate`, "
			"or use a cardctl of the same version as the schema.");
		return CARD_ERR_SCHEMA_MISSING;
	}
	if (row >= card_rows_count(r)) {
		card_diag_set(diag, "no row %zu to read column \"%s\" from (the result has %zu)",
		              row, name, card_rows_count(r));
		return CARD_ERR_INVALID_ARG;
	}
	return CARD_OK;
}

static card_err wrong_type(const card_rows *r, size_t col, const char *want, card_diag *diag)
{
	static const char *const names[] = { "text", "integer", "boolean", "date" };
	unsigned t = (unsigned)card_rows_type(r, col);
	card_diag_set(diag, "column \"%s\" is %s, not %s", card_rows_name(r, col),
	              t < sizeof(names) / sizeof(names[0]) ? names[t] : "text", want);
	card_diag_hint(diag,
	               "The program and the database schema disagree: run `cardctl db migrate`, "
	               "or use a cardctl of the same version as the schema.");
	return CARD_ERR_SCHEMA_MISSING;
}

card_err card_rows_text(const card_rows *r, size_t row, const char *name, const char **out,
                        card_diag *diag)
{
	size_t col;
	card_err rc = cell(r, row, name, &col, diag);
	if (rc == CARD_OK)
		*out = card_rows_get(r, row, col);
	return rc;
}

card_err card_rows_int(const card_rows *r, size_t row, const char *name, long long *out,
                       card_diag *diag)
{
	size_t col;
	card_err rc = cell(r, row, name, &col, diag);
	const char *v;
	char *end;
	long long n;

	if (rc != CARD_OK)
		return rc;
	if (card_rows_type(r, col) != CARD_COL_INT)
		return wrong_type(r, col, "integer", diag);
	if (card_rows_isnull(r, row, col)) {
		*out = 0;
		return CARD_OK;
	}
	v = card_rows_get(r, row, col);
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0') {
		card_diag_set(diag, "column \"%s\" holds \"%s\", not an integer", name, v);
		return CARD_ERR_SCHEMA_MISSING;
	}
	*out = n;
	return CARD_OK;
}

card_err card_rows_bool(const card_rows *r, size_t row, const char *name, bool *out,
                        card_diag *diag)
{
	size_t col;
	card_err rc = cell(r, row, name, &col, diag);

	if (rc != CARD_OK)
		return rc;
	if (card_rows_type(r, col) != CARD_COL_BOOL)
		return wrong_type(r, col, "boolean", diag);
	*out = !card_rows_isnull(r, row, col) && strcmp(card_rows_get(r, row, col), "t") == 0;
	return CARD_OK;
}

card_err card_rows_null(const card_rows *r, size_t row, const char *name, bool *out,
                        card_diag *diag)
{
	size_t col;
	card_err rc = cell(r, row, name, &col, diag);

	if (rc == CARD_OK)
		*out = card_rows_isnull(r, row, col) != 0;
	return rc;
}

int card_rows_isnull(const card_rows *r, size_t row, size_t col)
{
	if (row >= card_rows_count(r) || col >= card_rows_ncols(r))
		return 1;
	return PQgetisnull(r->res, (int)row, (int)col);
}

/* {"a","b",NULL}: a text[] literal, every element quoted, '"' and '\' escaped. */
char *pg_text_array(const char *const *v, size_t n)
{
	size_t len = 3, i;
	char *out, *p;

	for (i = 0; i < n; i++)
		len += v[i] != NULL ? 2 * strlen(v[i]) + 3 : 5;
	out = malloc(len);
	if (out == NULL)
		return NULL;
	p = out;
	*p++ = '{';
	for (i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		if (v[i] == NULL) {
			memcpy(p, "NULL", 4);
			p += 4;
			continue;
		}
		*p++ = '"';
		for (const char *s = v[i]; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				*p++ = '\\';
			*p++ = *s;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	return out;
}
