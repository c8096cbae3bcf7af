/*
 * rows_int.h -- internal helpers of the workflow modules: wrap query results as card_rows,
 * and pass lists as array parameters (internal, not installed).
 */
#ifndef CARD_ROWS_INT_H
#define CARD_ROWS_INT_H

#include <card/rows.h>
#include "store_int.h"

/* Take ownership of res (cleared on failure). */
card_err rows_wrap(PGresult *res, card_rows **out);
/* Run a read statement (retry-safe) and wrap its result. */
card_err rows_query(card_store *st, const struct stmt *s, const char *const *params,
                    card_rows **out, card_diag *diag);
/* Run a write statement once (store_query: no retry) and hand its rows to *out, or drop them
 * when out is NULL. */
card_err rows_write(card_store *st, const struct stmt *s, const char *const *params,
                    card_rows **out, card_diag *diag);
/* A malloc'ed text[] literal of n strings (NULL elements are SQL NULL); NULL when out of
 * memory.  Passed as a parameter, never spliced into SQL. */
char *pg_text_array(const char *const *v, size_t n);

#endif
