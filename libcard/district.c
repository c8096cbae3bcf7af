/*
 * district.c -- the batch forms of delivery and distribution for a district
 * (card/district.h).  The lines go to one server call each (card.ship_schools,
 * card.receive_schools, card.distribute_schools in sql/functions/delivery.sql), which runs
 * the single form on every line and undoes them all if one is refused.  Here: the document
 * UUIDs, the lines as arrays, and the receipt photos, read one at a time (as card_receive
 * reads its one) and staged in the same transaction so that a district's photos never sit
 * in memory together.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <card/district.h>
#include <card/uuid.h>

#include "photo_int.h"
#include "rows_int.h"

static const struct stmt SHIP_DUE = { "ship_due", "SELECT * FROM card.ship_due($1, $2)", 2 };
static const struct stmt SHIP_SCHOOLS = {
	"ship_schools",
	"SELECT * FROM card.ship_schools($1, $2, $3, $4::boolean, $5::uuid[], $6::integer[],"
	" $7::text[], $8::text[])",
	8
};
static const struct stmt PHOTO_STAGE = { "receipt_photo_stage",
	                                 "SELECT card.receipt_photo_stage($1::integer, $2::bytea)",
	                                 2 };
static const struct stmt RECEIVE_SCHOOLS = { "receive_schools",
	                                     "SELECT * FROM card.receive_schools($1, $2, "
	                                     "$3::uuid[], $4::integer[], $5::text[], $6::text[],"
	                                     " $7::text[], $8::text[], $9::text[], $10::text[])",
	                                     10 };
static const struct stmt DISTRIBUTE_SCHOOLS = {
	"distribute_schools",
	"SELECT * FROM card.distribute_schools($1, $2, $3::uuid[], $4::integer[], $5::text[],"
	" $6::text[], $7::text[])",
	7
};

/* The columns of a batch as text[] literals (arr[k], malloc'ed): the document UUIDs, the line
 * numbers, then the cells pick() chooses from each line.  Owned by the caller (batch_free). */
enum { BATCH_MAXCOL = 10 };
struct batch {
	size_t n, ncol;
	char (*docs)[CARD_UUID_BUFSZ];
	char (*lines)[24];
	const char **col[BATCH_MAXCOL];
	char *arr[BATCH_MAXCOL];
};

static void batch_free(struct batch *b)
{
	for (size_t k = 0; k < BATCH_MAXCOL; k++) {
		free(b->col[k]);
		free(b->arr[k]);
	}
	free(b->docs);
	free(b->lines);
}

/* Fill b with the docs and line numbers of n lines and room for ncol more columns (ncol + 2 <=
 * BATCH_MAXCOL); the caller sets col[2..] and calls batch_arrays(). */
static card_err batch_init(struct batch *b, size_t n, size_t ncol, const card_school_line *l)
{
	memset(b, 0, sizeof(*b));
	b->n = n;
	b->ncol = ncol + 2;
	b->docs = calloc(n + 1, sizeof(*b->docs));
	b->lines = calloc(n + 1, sizeof(*b->lines));
	if (b->docs == NULL || b->lines == NULL)
		return CARD_ERR_NOMEM;
	for (size_t k = 0; k < b->ncol; k++)
		if ((b->col[k] = calloc(n + 1, sizeof(char *))) == NULL)
			return CARD_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		card_uuid_new(b->docs[i]);
		snprintf(b->lines[i], sizeof(b->lines[i]), "%ld", l[i].line);
		b->col[0][i] = b->docs[i];
		b->col[1][i] = b->lines[i];
	}
	return CARD_OK;
}

static card_err batch_arrays(struct batch *b)
{
	for (size_t k = 0; k < b->ncol; k++)
		if ((b->arr[k] = pg_text_array(b->col[k], b->n)) == NULL)
			return CARD_ERR_NOMEM;
	return CARD_OK;
}

/* The server's answer: rows with a problem mean the batch was refused and undone. */
static card_err batch_result(card_err rc, card_rows **out, size_t n, card_diag *diag)
{
	size_t bad = 0;
	bool null;

	for (size_t i = 0; rc == CARD_OK && i < card_rows_count(*out); i++)
		if (card_rows_null(*out, i, "problem", &null, NULL) == CARD_OK && !null)
			bad++;
	if (rc == CARD_OK && bad > 0) {
		card_diag_set(diag, "%zu of %zu line%s refused: nothing was recorded", bad, n,
		              n == 1 ? "" : "s");
		card_diag_hint(diag, "Correct the lines named and run the whole batch again.");
		rc = CARD_ERR_REJECTED;
	}
	return rc;
}

card_err card_ship_due(card_store *st, const char *term, const char *district, card_rows **out,
                       card_diag *diag)
{
	const char *p[2] = { term, district };
	if (st == NULL || term == NULL || district == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	return rows_query(st, &SHIP_DUE, p, out, diag);
}

/* Every school of the district with a census still to ship, as lines (line 0: not from a
 * file); the strings live in *due. */
static card_err ship_all_lines(card_store *st, const char *term, const char *district,
                               card_rows **due, card_school_line **lines, size_t *n,
                               card_diag *diag)
{
	card_err rc = card_ship_due(st, term, district, due, diag);
	size_t k = 0;

	*lines = NULL;
	*n = 0;
	if (rc != CARD_OK)
		return rc;
	if ((*lines = calloc(card_rows_count(*due) + 1, sizeof(**lines))) == NULL)
		return CARD_ERR_NOMEM;
	for (size_t i = 0; i < card_rows_count(*due); i++) {
		long long v = 0;
		const char *school = NULL, *cnt = NULL;
		if (card_rows_int(*due, i, "due", &v, diag) != CARD_OK ||
		    card_rows_text(*due, i, "school", &school, diag) != CARD_OK ||
		    card_rows_text(*due, i, "due", &cnt, diag) != CARD_OK)
			return CARD_ERR_DB;
		if (v > 0)
			(*lines)[k++] =
				(card_school_line){ .line = 0, .school = school, .count = cnt };
	}
	*n = k;
	return CARD_OK;
}

card_err card_ship_schools(card_store *st, const char *term, const char *district, const char *from,
                           const card_school_line *lines, size_t n, card_rows **out,
                           card_diag *diag)
{
	card_school_line *all = NULL;
	card_rows *due = NULL;
	struct batch b;
	card_err rc;

	memset(&b, 0, sizeof(b));
	if (out != NULL)
		*out = NULL;
	if (st == NULL || term == NULL || district == NULL || out == NULL ||
	    (n > 0 && lines == NULL))
		return CARD_ERR_INVALID_ARG;
	if (lines == NULL) {
		rc = ship_all_lines(st, term, district, &due, &all, &n, diag);
		if (rc != CARD_OK || n == 0)
			goto out; /* nothing due: *out stays NULL, nothing is shipped */
	}
	rc = batch_init(&b, n, 2, all != NULL ? all : lines);
	if (rc != CARD_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const card_school_line *l = all != NULL ? &all[i] : &lines[i];
		b.col[2][i] = l->school;
		b.col[3][i] = l->count;
	}
	if ((rc = batch_arrays(&b)) != CARD_OK)
		goto out;
	{
		const char *p[8] = { term,     district, from,     all != NULL ? "true" : "false",
			             b.arr[0], b.arr[1], b.arr[2], b.arr[3] };
		rc = rows_write(st, &SHIP_SCHOOLS, p, out, diag);
	}
	rc = batch_result(rc, out, n, diag);
out:
	batch_free(&b);
	free(all);
	card_rows_free(due);
	return rc;
}

card_err card_receive_schools(card_store *st, const char *term, const char *district,
                              const card_school_line *lines, size_t n, card_rows **out,
                              card_diag *diag)
{
	char **why = NULL;
	struct batch b;
	card_err rc;

	memset(&b, 0, sizeof(b));
	if (out != NULL)
		*out = NULL;
	if (st == NULL || term == NULL || district == NULL || out == NULL ||
	    (n > 0 && lines == NULL))
		return CARD_ERR_INVALID_ARG;
	if ((rc = batch_init(&b, n, 6, lines)) != CARD_OK)
		goto out;
	if ((why = calloc(n + 1, sizeof(*why))) == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	if ((rc = store_begin(st, diag)) != CARD_OK)
		goto out;
	/* One photo at a time: read and checked as card_receive reads its photo, sent, freed.
	 * A photo that cannot be read is that line's problem, listed by the server with the
	 * others. */
	for (size_t i = 0; i < n && rc == CARD_OK; i++) {
		card_diag pd;
		char *hex = NULL;
		card_diag_clear(&pd);
		if (photo_read_hex(lines[i].photo != NULL && lines[i].photo[0] != '\0'
		                           ? lines[i].photo
		                           : NULL,
		                   &hex, &pd) != CARD_OK) {
			if ((why[i] = strdup(pd.message)) == NULL)
				rc = CARD_ERR_NOMEM;
			continue;
		}
		{
			const char *p[2] = { b.lines[i], hex };
			rc = rows_write(st, &PHOTO_STAGE, p, NULL, diag);
		}
		free(hex);
	}
	for (size_t i = 0; i < n; i++) {
		b.col[2][i] = lines[i].school;
		b.col[3][i] = lines[i].shipment;
		b.col[4][i] = lines[i].signer;
		b.col[5][i] = lines[i].date;
		b.col[6][i] = lines[i].count;
		b.col[7][i] = why[i];
	}
	if (rc == CARD_OK)
		rc = batch_arrays(&b);
	if (rc == CARD_OK) {
		const char *p[10] = { term,     district, b.arr[0], b.arr[1], b.arr[2],
			              b.arr[3], b.arr[4], b.arr[5], b.arr[6], b.arr[7] };
		rc = rows_write(st, &RECEIVE_SCHOOLS, p, out, diag);
	}
	rc = batch_result(rc, out, n, diag);
	if (rc == CARD_OK)
		rc = store_commit(st, diag);
	if (rc != CARD_OK)
		store_rollback(st);
out:
	for (size_t i = 0; why != NULL && i < n; i++)
		free(why[i]);
	free(why);
	batch_free(&b);
	return rc;
}

card_err card_distribute_schools(card_store *st, const char *term, const char *district,
                                 const card_school_line *lines, size_t n, card_rows **out,
                                 card_diag *diag)
{
	struct batch b;
	card_err rc;

	memset(&b, 0, sizeof(b));
	if (out != NULL)
		*out = NULL;
	if (st == NULL || term == NULL || district == NULL || out == NULL ||
	    (n > 0 && lines == NULL))
		return CARD_ERR_INVALID_ARG;
	if ((rc = batch_init(&b, n, 3, lines)) != CARD_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		b.col[2][i] = lines[i].school;
		b.col[3][i] = lines[i].count;
		b.col[4][i] = lines[i].date;
	}
	if ((rc = batch_arrays(&b)) != CARD_OK)
		goto out;
	{
		const char *p[7] = { term,     district, b.arr[0], b.arr[1],
			             b.arr[2], b.arr[3], b.arr[4] };
		rc = rows_write(st, &DISTRIBUTE_SCHOOLS, p, out, diag);
	}
	rc = batch_result(rc, out, n, diag);
out:
	batch_free(&b);
	return rc;
}
