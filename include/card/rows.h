/*
 * card/rows.h -- a read-only table of results (a report, a list), as returned by the
 * workflow's listing functions (card_census_lines, card_plan_get, card_status, ...).
 *
 * Every cell is text (PostgreSQL's text output; "" for NULL, see card_rows_isnull); each
 * column has a name and a coarse type so that programs can print JSON or typed spreadsheet
 * cells without knowing the query.
 *
 * Ownership: the caller frees a card_rows with card_rows_free() (NULL is a no-op); the
 * strings it returns live as long as the card_rows.  Thread-safety: immutable; any number of
 * threads may read one.
 */
#ifndef CARD_ROWS_H
#define CARD_ROWS_H

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
/* Cell text ("" when NULL or out of range). */
CARD_API const char *card_rows_get(const card_rows *r, size_t row, size_t col);
/* Cell by column name ("" when NULL or no such column). */
CARD_API const char *card_rows_getn(const card_rows *r, size_t row, const char *name);
CARD_API int card_rows_isnull(const card_rows *r, size_t row, size_t col);

#ifdef __cplusplus
}
#endif
#endif
