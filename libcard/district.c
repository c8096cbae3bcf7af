/*
 * district.c -- the batches of delivery and distribution for a district (card/district.h).
 * Each is one call of card.school_batch (sql/functions/delivery.sql), which runs the single
 * form on every line and undoes them all if one is refused.  Here: the document UUIDs, the
 * lines as arrays, and the receipt photos, read one at a time (as card_receive reads its one)
 * and staged in the same transaction so that a district's photos never sit in memory
 * together.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <card/district.h>
#include <card/uuid.h>

#include "photo_int.h"
#include "rows_int.h"

static const struct stmt SHIP_DUE = { "ship_due", "SELECT * FROM card.ship_due($1, $2)", 2 };
/* The batches are calls of card.school_batch, its result (the single form's row as JSON) typed
 * back into columns. */
static const struct stmt SHIP_SCHOOLS = {
	"ship_schools",
	"SELECT b.line, b.school, b.doc AS shipment, r.*, b.problem, b.detail"
	" FROM card.school_batch('ship', $1, $2, $3, $4::boolean, $5::uuid[], $6::integer[],"
	"  $7::text[], $8::text[], NULL, NULL, NULL, NULL) b"
	" LEFT JOIN LATERAL jsonb_to_record(b.result)"
	"  AS r(count bigint, ranges text, due date, late boolean, courier boolean) ON true"
	" ORDER BY b.line, b.school",
	8
};
static const struct stmt PHOTO_STAGE = { "receipt_photo_stage",
	                                 "SELECT card.receipt_photo_stage($1::integer, $2::bytea, "
	                                 "$3::integer, $4::integer)",
	                                 4 };
static const struct stmt RECEIVE_SCHOOLS = {
	"receive_schools",
	"SELECT b.line, b.school, b.doc AS receipt, r.*, b.problem, b.detail"
	" FROM card.school_batch('receive', $1, $2, NULL, false, $3::uuid[], $4::integer[],"
	"  $5::text[], $9::text[], $8::text[], $7::text[], $6::text[], $10::text[]) b"
	" LEFT JOIN LATERAL jsonb_to_record(b.result)"
	"  AS r(shipment uuid, shipped bigint, counted bigint, received bigint,"
	"  discrepancy bigint, late boolean, sha256 text) ON true"
	" ORDER BY b.line, b.school",
	10
};
static const struct stmt DISTRIBUTE_SCHOOLS = {
	"distribute_schools",
	"SELECT b.line, b.school, b.doc AS distribution, r.*, b.problem, b.detail"
	" FROM card.school_batch('distribute', $1, $2, NULL, false, $3::uuid[], $4::integer[],"
	"  $5::text[], $6::text[], $7::text[], NULL, NULL, NULL) b"
	" LEFT JOIN LATERAL jsonb_to_record(b.result)"
	"  AS r(count bigint, distributed bigint, census bigint, due date, late boolean) ON true"
	" ORDER BY b.line, b.school",
	7
};

/* The columns of a batch as text[] literals: the document UUIDs, the line numbers, the cells
 * of the lines (by their offsets in card_school_line), then `extra` columns the caller fills.
 * Everything is ours (batch_free). */
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

static card_err batch_init(struct batch *b, const card_school_line *l, size_t n,
                           const size_t *field, size_t nfield, size_t extra)
{
	memset(b, 0, sizeof(*b));
	b->n = n;
	b->ncol = 2 + nfield + extra;
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
		for (size_t k = 0; k < nfield; k++)
			b->col[2 + k][i] = *(
				const char *const *)(const void *)((const char *)&l[i] + field[k]);
	}
	return CARD_OK;
}

/* Run the batch statement with its leading parameters (term, district, ...) and the columns;
 * rows with a problem mean the batch was refused and undone. */
static card_err batch_run(card_store *st, const struct stmt *s, const char *const *head,
                          size_t nhead, struct batch *b, card_rows **out, card_diag *diag)
{
	const char *p[2 + BATCH_MAXCOL];
	size_t bad = 0;
	bool null;
	card_err rc = CARD_OK;

	for (size_t k = 0; k < b->ncol && rc == CARD_OK; k++)
		if ((b->arr[k] = pg_text_array(b->col[k], b->n)) == NULL)
			rc = CARD_ERR_NOMEM;
	if (rc != CARD_OK)
		return rc;
	memcpy(p, head, nhead * sizeof(*p));
	for (size_t k = 0; k < b->ncol; k++)
		p[nhead + k] = b->arr[k];
	rc = rows_write(st, s, p, out, diag);
	for (size_t i = 0; rc == CARD_OK && i < card_rows_count(*out); i++)
		if (card_rows_null(*out, i, "problem", &null, NULL) == CARD_OK && !null)
			bad++;
	if (rc == CARD_OK && bad > 0) {
		/* lines of a file have their numbers; --all-schools' lines are schools */
		const char *what = b->n > 0 && b->lines[0][0] != '0' ? "line" : "school";
		card_diag_set(diag, "%zu of %zu %s%s refused: nothing was recorded", bad, b->n,
		              what, b->n == 1 ? "" : "s");
		if (what[0] == 'l')
			card_diag_hint(diag,
			               "Correct the lines named and run the whole file again.");
		else
			card_diag_hint(diag, "Solve the problems named and run the command again.");
		rc = CARD_ERR_REJECTED;
	}
	return rc;
}

/* The arguments every batch needs; *out is NULL until the batch answers. */
static card_err batch_args(const card_store *st, const char *term, const char *district,
                           const card_school_line *lines, size_t n, card_rows **out)
{
	if (out != NULL)
		*out = NULL;
	if (st == NULL || term == NULL || district == NULL || out == NULL ||
	    (n > 0 && lines == NULL))
		return CARD_ERR_INVALID_ARG;
	return CARD_OK;
}

#define F(x) offsetof(card_school_line, x)

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
	size_t k = 0, counted = 0;

	*lines = NULL;
	*n = 0;
	if (rc != CARD_OK)
		return rc;
	if ((*lines = calloc(card_rows_count(*due) + 1, sizeof(**lines))) == NULL)
		return CARD_ERR_NOMEM;
	for (size_t i = 0; i < card_rows_count(*due); i++) {
		long long v = 0, census = 0;
		const char *school = NULL, *cnt = NULL;
		if (card_rows_int(*due, i, "due", &v, diag) != CARD_OK ||
		    card_rows_int(*due, i, "census", &census, diag) != CARD_OK ||
		    card_rows_text(*due, i, "school", &school, diag) != CARD_OK ||
		    card_rows_text(*due, i, "due", &cnt, diag) != CARD_OK)
			return CARD_ERR_DB;
		counted += census > 0;
		if (v > 0)
			(*lines)[k++] =
				(card_school_line){ .line = 0, .school = school, .count = cnt };
	}
	*n = k;
	if (counted == 0) {
		/* nothing is due because nothing is counted: say so, not "all shipped" */
		card_diag_set(diag,
		              "no school of district \"%s\" has an approved census in term %s",
		              district, term);
		card_diag_hint(diag,
		               "Shipping every school ships each its approved census: approve "
		               "the census first (cardctl census approve), or give the counts "
		               "in a file.");
		return CARD_ERR_STATE;
	}
	return CARD_OK;
}

card_err card_ship_schools(card_store *st, const char *term, const char *district, const char *from,
                           const card_school_line *lines, size_t n, card_rows **out,
                           card_diag *diag)
{
	static const size_t fields[] = { F(school), F(count) };
	card_school_line *all = NULL;
	card_rows *due = NULL;
	struct batch b;
	card_err rc;

	memset(&b, 0, sizeof(b));
	if ((rc = batch_args(st, term, district, lines, n, out)) != CARD_OK)
		return rc;
	if (lines == NULL) {
		rc = ship_all_lines(st, term, district, &due, &all, &n, diag);
		if (rc != CARD_OK || n == 0)
			goto out; /* nothing due: *out stays NULL, nothing is shipped */
	}
	rc = batch_init(&b, all != NULL ? all : lines, n, fields, 2, 0);
	if (rc == CARD_OK) {
		const char *head[4] = { term, district, from, all != NULL ? "true" : "false" };
		rc = batch_run(st, &SHIP_SCHOOLS, head, 4, &b, out, diag);
	}
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
	static const size_t fields[] = { F(school), F(shipment), F(signer), F(date), F(count) };
	char **why = NULL;
	struct batch b;
	card_err rc;

	memset(&b, 0, sizeof(b));
	if ((rc = batch_args(st, term, district, lines, n, out)) != CARD_OK)
		return rc;
	if ((rc = batch_init(&b, lines, n, fields, 5, 1)) != CARD_OK)
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
		struct photo ph;
		card_diag_clear(&pd);
		if (photo_read(lines[i].photo != NULL && lines[i].photo[0] != '\0' ? lines[i].photo
		                                                                   : NULL,
		               &ph, &pd) != CARD_OK) {
			if ((why[i] = strdup(pd.message)) == NULL)
				rc = CARD_ERR_NOMEM;
			b.col[7][i] = why[i];
			continue;
		}
		{
			char ord[24];
			const char *p[4] = { ord, ph.hex, photo_param(ph.width),
				             photo_param(ph.height) };
			snprintf(ord, sizeof(ord), "%zu", i + 1);
			rc = rows_write(st, &PHOTO_STAGE, p, NULL, diag);
		}
		photo_clear(&ph);
	}
	if (rc == CARD_OK) {
		const char *head[2] = { term, district };
		rc = batch_run(st, &RECEIVE_SCHOOLS, head, 2, &b, out, diag);
	}
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
	static const size_t fields[] = { F(school), F(count), F(date) };
	const char *head[2] = { term, district };
	struct batch b;
	card_err rc;

	if ((rc = batch_args(st, term, district, lines, n, out)) != CARD_OK)
		return rc;
	rc = batch_init(&b, lines, n, fields, 3, 0);
	if (rc == CARD_OK)
		rc = batch_run(st, &DISTRIBUTE_SCHOOLS, head, 2, &b, out, diag);
	batch_free(&b);
	return rc;
}
