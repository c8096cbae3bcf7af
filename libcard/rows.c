/*
 * rows.c -- card_rows: a PGresult behind the public read-only table API (card/rows.h).
 */
#include "config.h"

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
	case 20: /* int8 */
	case 21: /* int2 */
	case 23: /* int4 */
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

const char *card_rows_getn(const card_rows *r, size_t row, const char *name)
{
	return card_rows_get(r, row, card_rows_col(r, name));
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
