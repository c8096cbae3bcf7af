/*
 * distribution.c -- distribution at schools (card/distribution.h) and the status of a term
 * (card/status.h); rules in sql/functions/delivery.sql.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <card/distribution.h>
#include <card/status.h>

#include "rows_int.h"

static const struct stmt DISTRIBUTE = {
	"distribute",
	"SELECT * FROM card.distribute($1, $2::uuid, $3, $4::bigint, $5::date, $6::integer[],"
	" $7::text[], $8::text[], $9::bigint[])",
	9
};
static const struct stmt ORGS = { "status_orgs", "SELECT * FROM card.term_status($1, $2)", 2 };
static const struct stmt DEADLINES = { "status_deadlines", "SELECT * FROM card.term_deadlines($1)",
	                               1 };
static const struct stmt FLAGS = { "status_flags", "SELECT * FROM card.term_flags($1, $2)", 2 };
static const struct stmt TOTALS = {
	"status_totals",
	"SELECT (SELECT coalesce(sum(b.card_count), 0) FROM card.batch b WHERE b.term = $1"
	"        AND $2::text IS NULL) AS minted,"
	"  coalesce(sum(s.planned) FILTER (WHERE s.kind <> 'school'), 0) AS planned,"
	"  coalesce(sum(s.stock) FILTER (WHERE s.kind = 'city'), 0) AS city_stock,"
	"  coalesce(sum(s.stock) FILTER (WHERE s.kind = 'district'), 0) AS district_stock,"
	"  coalesce(sum(s.stock) FILTER (WHERE s.kind = 'school'), 0) AS school_stock,"
	"  coalesce(sum(s.transit), 0) AS transit, coalesce(sum(s.distributed), 0) AS distributed,"
	"  coalesce(sum(s.redeemed), 0) AS redeemed, coalesce(sum(s.void), 0) AS void"
	" FROM card.term_status($1, $2) s",
	2
};

card_err card_distribute(card_store *st, const char *term, const char *school, long long count,
                         const char *date, const card_dist_line *lines, size_t nlines,
                         char doc[CARD_UUID_BUFSZ], card_rows **out, card_diag *diag)
{
	char **num = NULL, *arr[4] = { NULL }, cnt[24];
	const char **col[4] = { NULL };
	card_err rc = CARD_ERR_NOMEM;
	size_t i, k;

	if (out != NULL)
		*out = NULL;
	if (st == NULL || term == NULL || school == NULL || doc == NULL || count < 0 ||
	    (nlines > 0 && lines == NULL))
		return CARD_ERR_INVALID_ARG;
	if (nlines > 0) {
		long long sum = 0;
		for (i = 0; i < nlines; i++) {
			if (lines[i].count <= 0 || lines[i].grade == NULL ||
			    lines[i].grade[0] == '\0') {
				card_diag_set(diag, "line %ld: %s", lines[i].line,
				              lines[i].count <= 0 ? "the count must be positive"
				                                  : "the grade is empty");
				return CARD_ERR_INPUT;
			}
			sum += lines[i].count;
		}
		if (count != 0 && count != sum) {
			card_diag_set(diag, "the lines add up to %lld cards, not %lld", sum, count);
			return CARD_ERR_INPUT;
		}
		count = sum;
	}
	if (count <= 0) {
		card_diag_set(diag, "the count must be positive");
		return CARD_ERR_INPUT;
	}
	num = calloc(2 * nlines + 1, sizeof(*num));
	for (k = 0; k < 4; k++)
		if ((col[k] = calloc(nlines + 1, sizeof(char *))) == NULL)
			goto out;
	if (num == NULL)
		goto out;
	for (i = 0; i < nlines; i++) {
		if (asprintf(&num[2 * i], "%ld", lines[i].line) < 0 ||
		    asprintf(&num[2 * i + 1], "%lld", lines[i].count) < 0)
			goto out;
		col[0][i] = num[2 * i];
		col[1][i] = lines[i].grade;
		col[2][i] = lines[i].klass;
		col[3][i] = num[2 * i + 1];
	}
	for (k = 0; k < 4; k++)
		if ((arr[k] = pg_text_array(col[k], nlines)) == NULL)
			goto out;
	snprintf(cnt, sizeof(cnt), "%lld", count);
	card_uuid_new(doc);
	{
		const char *p[9] = { term, doc, school, cnt, date, arr[0], arr[1], arr[2], arr[3] };
		rc = rows_write(st, &DISTRIBUTE, p, out, diag);
	}
out:
	for (k = 0; k < 4; k++) {
		free(arr[k]);
		free(col[k]);
	}
	for (i = 0; num != NULL && i < 2 * nlines; i++)
		free(num[i]);
	free(num);
	return rc;
}

card_err card_status_orgs(card_store *st, const char *term, const char *district, card_rows **out,
                          card_diag *diag)
{
	const char *p[2] = { term, district };
	if (st == NULL || term == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	return rows_query(st, &ORGS, p, out, diag);
}

card_err card_status_deadlines(card_store *st, const char *term, card_rows **out, card_diag *diag)
{
	const char *p[1] = { term };
	card_err rc;
	if (st == NULL || term == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	rc = rows_query(st, &DEADLINES, p, out, diag);
	if (rc == CARD_OK && card_rows_count(*out) == 0) {
		card_rows_free(*out);
		*out = NULL;
		card_diag_set(diag, "term \"%s\" does not exist", term);
		rc = CARD_ERR_NOT_FOUND;
	}
	return rc;
}

card_err card_status_flags(card_store *st, const char *term, const char *district, card_rows **out,
                           card_diag *diag)
{
	const char *p[2] = { term, district };
	if (st == NULL || term == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	return rows_query(st, &FLAGS, p, out, diag);
}

card_err card_status_totals(card_store *st, const char *term, const char *district, card_rows **out,
                            card_diag *diag)
{
	const char *p[2] = { term, district };
	if (st == NULL || term == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	return rows_query(st, &TOTALS, p, out, diag);
}
