/*
 * card/rows.h -- a read-only table of results (a report, a list), as returned by the
 * workflow's listing functions (card_census_lines, card_plan_get, card_status, ...).
 *
 * Each column has a name and a coarse type.  A program reads a cell by column name with the
 * typed readers card_rows_text/_int/_bool: a column the result does not have, or one of
 * another type, is an error whose message names the column (CARD_ERR_SCHEMA_MISSING: the
 * program and the database schema disagree), never a silent "" or 0.  Booleans and integers
 * cross as such.  Generic printers (JSON, tables) walk the columns by index with
 * card_rows_get, which gives PostgreSQL's text output ("" for NULL, see card_rows_isnull).
 *
 * Ownership: the caller frees a card_rows with card_rows_free() (NULL is a no-op); the
 * strings it returns live as long as the card_rows.  Thread-safety: immutable; any number of
 * threads may read one.
 */
#ifndef CARD_ROWS_H
#define CARD_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <card/err.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum card_coltype {
	CARD_COL_TEXT = 0,
	CARD_COL_INT = 1,  /* integer or numeric: print unquoted */
	CARD_COL_BOOL = 2, /* "t" / "f" */
	CARD_COL_DATE = 3  /* YYYY-MM-DD */
} card_coltype;

typedef struct card_rows card_rows;

CARD_API void card_rows_free(card_rows *r);
CARD_API size_t card_rows_count(const card_rows *r);
CARD_API size_t card_rows_ncols(const card_rows *r);
CARD_API const char *card_rows_name(const card_rows *r, size_t col);
CARD_API card_coltype card_rows_type(const card_rows *r, size_t col);
/* The column with that name, or (size_t)-1. */
CARD_API size_t card_rows_col(const card_rows *r, const char *name);
/* Cell text by column index ("" when NULL or out of range): for generic printers. */
CARD_API const char *card_rows_get(const card_rows *r, size_t row, size_t col);
CARD_API int card_rows_isnull(const card_rows *r, size_t row, size_t col);

/*
 * Typed reads by column name.  Each returns CARD_OK and sets *out, or fails without touching
 * *out: CARD_ERR_SCHEMA_MISSING when the result has no column `name` or it has another type
 * (diag: 'result has no column "late"', 'column "count" is text, not integer'), and
 * CARD_ERR_INVALID_ARG when row is out of range.  A NULL cell reads as "", 0 or false;
 * card_rows_null tells it apart.
 *
 *   card_rows_text  any column, as PostgreSQL prints it (the string lives as long as r)
 *   card_rows_int   an integer column (int2/4/8, or numeric without a fraction)
 *   card_rows_bool  a boolean column
 */
CARD_API card_err card_rows_text(const card_rows *r, size_t row, const char *name, const char **out,
                                 card_diag *diag) CARD_WUR;
CARD_API card_err card_rows_int(const card_rows *r, size_t row, const char *name, long long *out,
                                card_diag *diag) CARD_WUR;
CARD_API card_err card_rows_bool(const card_rows *r, size_t row, const char *name, bool *out,
                                 card_diag *diag) CARD_WUR;
CARD_API card_err card_rows_null(const card_rows *r, size_t row, const char *name, bool *out,
                                 card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
