/*
 * reports.c -- the figures of the final forms (card/reports.h); the queries are in
 * sql/functions/reports.sql.
 */
#include "config.h"

#include <card/reports.h>

#include "rows_int.h"

static const struct stmt TERM_EXISTS = { "rp_term_exists",
	                                 "SELECT 1 FROM card.term WHERE code = $1", 1 };
static const struct stmt ANNEX4 = { "rp_annex4", "SELECT * FROM card.report_annex4($1, $2)", 2 };
static const struct stmt ANNEX5 = { "rp_annex5", "SELECT * FROM card.report_annex5($1, $2)", 2 };
static const struct stmt ANNEX6 = { "rp_annex6", "SELECT * FROM card.report_annex6($1, $2)", 2 };
static const struct stmt COVERAGE = { "rp_coverage", "SELECT * FROM card.report_coverage($1, $2)",
	                              2 };
static const struct stmt FINANCE = { "rp_finance", "SELECT * FROM card.report_finance($1)", 1 };
static const struct stmt FINAL_FILE = {
	"rp_final_file", "SELECT * FROM card.final_report_file($1, $2, $3::uuid, $4)", 4
};
static const struct stmt FINAL_GET = { "rp_final_get",
	                               "SELECT doc, signer, filed_on, late FROM card.final_report "
	                               "WHERE term = $1 AND district = $2",
	                               2 };

/* CARD_ERR_NOT_FOUND with a message when the term does not exist. */
static card_err term_check(card_store *st, const char *term, card_diag *diag)
{
	const char *p[1] = { term };
	card_rows *r = NULL;
	card_err rc = rows_query(st, &TERM_EXISTS, p, &r, diag);
	if (rc == CARD_OK && card_rows_count(r) == 0) {
		card_diag_set(diag, "term \"%s\" does not exist", term);
		rc = CARD_ERR_NOT_FOUND;
	}
	card_rows_free(r);
	return rc;
}

static card_err report(card_store *st, const struct stmt *s, const char *term, const char *district,
                       card_rows **out, card_diag *diag)
{
	const char *p[2] = { term, district };
	card_err rc;

	if (out != NULL)
		*out = NULL;
	if (st == NULL || term == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	rc = term_check(st, term, diag);
	if (rc == CARD_OK)
		rc = rows_query(st, s, p, out, diag);
	return rc;
}

card_err card_report_annex4(card_store *st, const char *term, const char *district, card_rows **out,
                            card_diag *diag)
{
	return report(st, &ANNEX4, term, district, out, diag);
}

card_err card_report_annex5(card_store *st, const char *term, const char *district, card_rows **out,
                            card_diag *diag)
{
	return report(st, &ANNEX5, term, district, out, diag);
}

card_err card_report_annex6(card_store *st, const char *term, const char *district, card_rows **out,
                            card_diag *diag)
{
	return report(st, &ANNEX6, term, district, out, diag);
}

card_err card_report_coverage(card_store *st, const char *term, const char *district,
                              card_rows **out, card_diag *diag)
{
	return report(st, &COVERAGE, term, district, out, diag);
}

card_err card_report_finance(card_store *st, const char *term, card_rows **out, card_diag *diag)
{
	return report(st, &FINANCE, term, NULL, out, diag);
}

card_err card_final_report_file(card_store *st, const char *term, const char *district,
                                const char *signer, card_rows **out, card_diag *diag)
{
	char doc[CARD_UUID_BUFSZ];

	if (out != NULL)
		*out = NULL;
	if (st == NULL || term == NULL || district == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	card_uuid_new(doc);
	{
		const char *p[4] = { term, district, doc, signer };
		return rows_write(st, &FINAL_FILE, p, out, diag);
	}
}

card_err card_final_report_get(card_store *st, const char *term, const char *district,
                               card_rows **out, card_diag *diag)
{
	const char *p[2] = { term, district };
	if (st == NULL || term == NULL || district == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	return rows_query(st, &FINAL_GET, p, out, diag);
}
