/*
 * plan.c -- the issuance plan (card/plan.h); the rules are in sql/functions/census.sql and
 * sql/functions/delivery.sql.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <card/plan.h>

#include "rows_int.h"

static const struct stmt MAKE = { "plan_make",
	                          "SELECT * FROM card.plan_make($1, $2, $3::numeric, $4::text[])",
	                          4 };
static const struct stmt GET = {
	"plan_get",
	"SELECT l.org, o.name, o.kind, l.students, l.teachers, l.staff, l.reserve, l.total,"
	"  l.first_serial, l.first_serial + l.total - 1 AS last_serial,"
	"  p.doc, p.reserve_pct, to_char(p.made_at, 'YYYY-MM-DD HH24:MI') AS made_at, p.made_by,"
	"  p.batch, array_to_string(p.proceed_without, ',') AS proceed_without, t.face_value_fen"
	" FROM card.plan p JOIN card.plan_line l ON l.term = p.term JOIN card.org o ON o.code = "
	"l.org"
	" JOIN card.term t ON t.code = p.term"
	" WHERE p.term = $1 ORDER BY o.kind = 'city', l.org",
	1
};
static const struct stmt MINT = { "plan_mint", "SELECT * FROM card.plan_mint($1, $2, $3::smallint)",
	                          3 };

card_err card_plan_make(card_store *st, const char *term, double reserve_pct,
                        const char *const *without, size_t nwithout, char doc[CARD_UUID_BUFSZ],
                        card_diag *diag)
{
	char pct[32], *arr;
	card_err rc;

	if (st == NULL || term == NULL || doc == NULL || reserve_pct < 0 || reserve_pct > 100 ||
	    (nwithout > 0 && without == NULL))
		return CARD_ERR_INVALID_ARG;
	arr = pg_text_array(without, nwithout);
	if (arr == NULL)
		return CARD_ERR_NOMEM;
	snprintf(pct, sizeof(pct), "%.4f", reserve_pct);
	card_uuid_new(doc);
	{
		const char *p[4] = { term, doc, pct, arr };
		rc = store_query(st, &MAKE, p, NULL, diag);
	}
	free(arr);
	return rc;
}

card_err card_plan_get(card_store *st, const char *term, card_rows **out, card_diag *diag)
{
	const char *p[1] = { term };
	card_err rc;

	if (st == NULL || term == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	rc = rows_query(st, &GET, p, out, diag);
	if (rc == CARD_OK && card_rows_count(*out) == 0) {
		card_rows_free(*out);
		*out = NULL;
		card_diag_set(diag, "term \"%s\" has no plan", term);
		card_diag_hint(diag, "Make it with 'cardctl plan make'.");
		rc = CARD_ERR_NOT_FOUND;
	}
	return rc;
}

card_err card_plan_mint(card_store *st, const card_keyring *kr, const char *term, unsigned key_id,
                        char batch[CARD_UUID_BUFSZ], long long *first, long long *count,
                        card_diag *diag)
{
	PGresult *res = NULL;
	char kid[8];
	card_err rc;

	if (st == NULL || kr == NULL || term == NULL || batch == NULL || key_id > 15)
		return CARD_ERR_INVALID_ARG;
	if (!card_keyring_has(kr, key_id)) {
		card_diag_set(diag, "the keyring has no key %u", key_id);
		card_diag_hint(
			diag,
			"A batch nobody can print is refused; add the key with 'cardctl key new'.");
		return CARD_ERR_KEY_NOT_FOUND;
	}
	snprintf(kid, sizeof(kid), "%u", key_id);
	card_uuid_new(batch);
	{
		const char *p[3] = { term, batch, kid };
		rc = store_query(st, &MINT, p, &res, diag);
	}
	if (rc == CARD_OK && PQntuples(res) == 1) {
		if (first != NULL)
			*first = cell_int64(res, 0, 0);
		if (count != NULL)
			*count = cell_int64(res, 0, 1);
	}
	PQclear(res);
	return rc;
}

card_err card_plan_range(card_store *st, const char *term, const char *org,
                         char batch[CARD_UUID_BUFSZ], long long *first, long long *count,
                         card_diag *diag)
{
	card_rows *r = NULL;
	const char *o = NULL, *b = NULL;
	bool unminted = false;
	card_err rc;
	size_t i;

	if (st == NULL || term == NULL || org == NULL || first == NULL || count == NULL)
		return CARD_ERR_INVALID_ARG;
	rc = card_plan_get(st, term, &r, diag);
	if (rc != CARD_OK)
		return rc;
	for (i = 0; i < card_rows_count(r); i++) {
		rc = card_rows_text(r, i, "org", &o, diag);
		if (rc != CARD_OK || strcmp(o, org) == 0)
			break;
	}
	if (rc != CARD_OK)
		goto out;
	if (i == card_rows_count(r)) {
		card_diag_set(diag, "the plan of term \"%s\" has no line for \"%s\"", term, org);
		rc = CARD_ERR_NOT_FOUND;
		goto out;
	}
	rc = card_rows_null(r, i, "batch", &unminted, diag);
	if (rc == CARD_OK && unminted) {
		card_diag_set(diag, "the plan of term \"%s\" is not minted yet", term);
		card_diag_hint(diag, "Mint it with 'cardctl batch mint --plan'.");
		rc = CARD_ERR_STATE;
	}
	if (rc == CARD_OK)
		rc = card_rows_int(r, i, "first_serial", first, diag);
	if (rc == CARD_OK)
		rc = card_rows_int(r, i, "total", count, diag);
	if (rc == CARD_OK)
		rc = card_rows_text(r, i, "batch", &b, diag);
	if (rc == CARD_OK && batch != NULL)
		snprintf(batch, CARD_UUID_BUFSZ, "%s", b);
out:
	card_rows_free(r);
	return rc;
}
