/*
 * reconcile.c -- surplus/shortage reconciliation, returns, supplements, replacements and
 * charges (card/reconcile.h).  Thin: each step is one call to its server-side function in
 * sql/functions/reconcile.sql, where the rules live.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <card/reconcile.h>

#include "photo_int.h"
#include "rows_int.h"

static const struct stmt TRANSFER = {
	"rc_transfer", "SELECT * FROM card.transfer($1, $2::uuid, $3, $4, $5::bigint, $6)", 6
};
static const struct stmt ADJ_PROBLEMS = {
	"rc_adjust_problems",
	"SELECT line, problem FROM card.adjust_problems($1, $2, $3::integer[], $4::text[],"
	" $5::text[], $6::text[], $7::text[])",
	7
};
static const struct stmt ADJ_FILE = {
	"rc_adjust_file",
	"SELECT * FROM card.adjust_file($1, $2, $3::uuid, $4::integer[], $5::text[], $6::text[],"
	" $7::text[], $8::text[])",
	8
};
static const struct stmt ADJ_APPROVE = { "rc_adjust_approve",
	                                 "SELECT card.adjust_approve($1, $2, $3::uuid, $4)", 4 };
static const struct stmt ADJ_LIST = {
	"rc_adjust_list",
	"SELECT o.code AS district, o.name, coalesce(a.state, 'none') AS state, a.doc, a.due,"
	"  a.filed_on, a.late, a.approver, to_char(a.approved_at, 'YYYY-MM-DD HH24:MI') AS "
	"approved_at,"
	"  (SELECT count(*) FROM card.adjust_line l WHERE l.term = a.term AND l.district = "
	"a.district) AS schools,"
	"  (SELECT coalesce(sum(l.surplus), 0) FROM card.adjust_line l WHERE l.term = a.term AND "
	"l.district = a.district) AS surplus,"
	"  (SELECT coalesce(sum(l.shortage), 0) FROM card.adjust_line l WHERE l.term = a.term AND "
	"l.district = a.district) AS shortage"
	" FROM card.org o LEFT JOIN card.adjust_report a ON a.term = $1 AND a.district = o.code"
	" WHERE o.kind = 'district' AND ($2::text IS NULL OR o.code = $2)"
	"  AND EXISTS (SELECT 1 FROM card.term t WHERE t.code = $1)"
	" ORDER BY o.code",
	2
};
static const struct stmt ADJ_LINES = {
	"rc_adjust_lines",
	"SELECT l.district, d.name AS district_name, l.school, s.name AS school_name, l.surplus,"
	"  l.shortage, coalesce(l.reason, '') AS reason, card.balance(l.term, l.school, 'stock') "
	"AS stock,"
	"  card.balance(l.term, l.school, 'distributed') AS distributed"
	" FROM card.adjust_line l JOIN card.org d ON d.code = l.district JOIN card.org s ON s.code "
	"= l.school"
	" WHERE l.term = $1 AND ($2::text IS NULL OR l.district = $2) ORDER BY l.district, l.line",
	2
};
static const struct stmt PROPOSAL = { "rc_adjust_proposal",
	                              "SELECT * FROM card.adjust_proposal($1)", 1 };
static const struct stmt NDISTRICTS = { "rc_ndistricts",
	                                "SELECT count(*) FROM card.org WHERE kind = 'district'",
	                                0 };
static const struct stmt SETTLE = { "rc_adjust_settle",
	                            "SELECT * FROM card.adjust_settle($1, $2::uuid, $3::uuid[])",
	                            3 };
static const struct stmt ORDERS = {
	"rc_adjust_orders",
	"SELECT o.district, o.kind, o.count, o.id AS doc,"
	"  CASE o.kind WHEN 'return' THEN (SELECT coalesce(sum(r.count), 0) FROM card.card_return r"
	"                                  WHERE r.term = o.term AND r.district = o.district)"
	"  ELSE (SELECT coalesce(sum(s.count), 0) FROM card.supplement s WHERE s.ordered = o.id) "
	"END AS done"
	" FROM card.settle_order o WHERE o.term = $1 ORDER BY o.district, o.kind",
	1
};
static const struct stmt RETURN_CARDS = {
	"rc_return",
	"SELECT * FROM card.return_cards($1, $2::uuid, $3, $4, $5::bigint, $6::int8range, $7,"
	" card.rc_date($8), $9::bytea, $10::integer, $11::integer)",
	11
};
static const struct stmt SUPPLEMENT = { "rc_supplement",
	                                "SELECT * FROM card.supplement($1, $2::uuid, $3, "
	                                "$4::bigint, $5, card.rc_date($6), $7::bytea, "
	                                "$8::integer, $9::integer)",
	                                9 };
static const struct stmt CHARGE = { "rc_charge", "SELECT * FROM card.charge_run($1, $2::uuid[])",
	                            2 };
static const struct stmt REPLACE = {
	"rc_replace",
	"SELECT * FROM card.replace($1, $2::uuid, $3, $4::bigint, $5, card.rc_date($6))", 6
};

/* "{uuid,uuid,...}" of n new UUIDs (malloc'ed), or NULL when out of memory. */
static char *uuid_array(size_t n)
{
	char *out = malloc(n * CARD_UUID_BUFSZ + 3), *p;
	if (out == NULL)
		return NULL;
	p = out;
	*p++ = '{';
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		card_uuid_new(p);
		p += CARD_UUID_BUFSZ - 1;
	}
	*p++ = '}';
	*p = '\0';
	return out;
}

/* Two UUIDs per district: enough for any settlement's orders or the charges. */
static card_err district_uuids(card_store *st, char **arr, card_diag *diag)
{
	PGresult *res = NULL;
	card_err rc;
	long n = 0;

	*arr = NULL;
	rc = store_query(st, &NDISTRICTS, NULL, &res, diag);
	if (rc == CARD_OK) {
		n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
		*arr = uuid_array((size_t)(2 * n + 1));
		if (*arr == NULL)
			rc = CARD_ERR_NOMEM;
	}
	PQclear(res);
	return rc;
}

card_err card_transfer(card_store *st, const char *term, const char *from, const char *to,
                       uint64_t count, const char *late_reason, char doc[CARD_UUID_BUFSZ],
                       card_rows **out, card_diag *diag)
{
	char n[24];

	if (st == NULL || term == NULL || from == NULL || to == NULL || doc == NULL)
		return CARD_ERR_INVALID_ARG;
	snprintf(n, sizeof(n), "%" PRIu64, count);
	card_uuid_new(doc);
	{
		const char *p[6] = { term, doc, from, to, n, late_reason };
		return rows_write(st, &TRANSFER, p, out, diag);
	}
}

/* Run ADJ_FILE (doc given: it receives a new UUID) or ADJ_PROBLEMS over the rows of an Annex 4
 * file, one array per column; the arrays are this function's, *out the caller's. */
static card_err adjust_run(card_store *st, const struct stmt *s, const char *term,
                           const char *district, const card_adjust_row *rows, size_t n, char *doc,
                           card_rows **out, card_diag *diag)
{
	const char **cols[5] = { NULL };
	char *arr[5] = { NULL }, **lines = NULL;
	card_err rc = CARD_ERR_NOMEM;
	size_t i, k;

	if ((lines = calloc(n + 1, sizeof(*lines))) == NULL)
		goto out;
	for (k = 0; k < 5; k++)
		if ((cols[k] = calloc(n + 1, sizeof(char *))) == NULL)
			goto out;
	for (i = 0; i < n; i++) {
		if (asprintf(&lines[i], "%ld", rows[i].line) < 0) {
			lines[i] = NULL;
			goto out;
		}
		cols[0][i] = lines[i];
		cols[1][i] = rows[i].school;
		cols[2][i] = rows[i].surplus;
		cols[3][i] = rows[i].shortage;
		cols[4][i] = rows[i].reason;
	}
	for (k = 0; k < 5; k++)
		if ((arr[k] = pg_text_array(cols[k], n)) == NULL)
			goto out;
	if (doc != NULL) {
		const char *p[8] = { term, district, doc, arr[0], arr[1], arr[2], arr[3], arr[4] };
		card_uuid_new(doc);
		rc = rows_write(st, s, p, out, diag);
	} else {
		const char *p[7] = { term, district, arr[0], arr[1], arr[2], arr[3], arr[4] };
		rc = rows_write(st, s, p, out, diag);
	}
out:
	for (k = 0; k < 5; k++) {
		free(arr[k]);
		free(cols[k]);
	}
	for (i = 0; lines != NULL && i < n; i++)
		free(lines[i]);
	free(lines);
	return rc;
}

card_err card_adjust_file(card_store *st, const char *term, const char *district,
                          const card_adjust_row *rows, size_t n, char doc[CARD_UUID_BUFSZ],
                          card_rows **out, card_diag *diag)
{
	if (out != NULL)
		*out = NULL;
	if (st == NULL || term == NULL || district == NULL || doc == NULL ||
	    (rows == NULL && n > 0))
		return CARD_ERR_INVALID_ARG;
	return adjust_run(st, &ADJ_FILE, term, district, rows, n, doc, out, diag);
}

card_err card_adjust_problems(card_store *st, const char *term, const char *district,
                              const card_adjust_row *rows, size_t n, card_rows **problems,
                              card_diag *diag)
{
	if (problems != NULL)
		*problems = NULL;
	if (st == NULL || term == NULL || district == NULL || problems == NULL ||
	    (rows == NULL && n > 0))
		return CARD_ERR_INVALID_ARG;
	return adjust_run(st, &ADJ_PROBLEMS, term, district, rows, n, NULL, problems, diag);
}

card_err card_adjust_approve(card_store *st, const char *term, const char *district,
                             const char *approver, char doc[CARD_UUID_BUFSZ], card_diag *diag)
{
	if (st == NULL || term == NULL || district == NULL || doc == NULL)
		return CARD_ERR_INVALID_ARG;
	card_uuid_new(doc);
	{
		const char *p[4] = { term, district, doc, approver };
		return rows_write(st, &ADJ_APPROVE, p, NULL, diag);
	}
}

card_err card_adjust_list(card_store *st, const char *term, const char *district, card_rows **out,
                          card_diag *diag)
{
	const char *p[2] = { term, district };
	card_err rc;

	if (st == NULL || term == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	rc = rows_query(st, &ADJ_LIST, p, out, diag);
	if (rc == CARD_OK && card_rows_count(*out) == 0) {
		card_rows_free(*out);
		*out = NULL;
		card_diag_set(diag, "no term \"%s\" or no district \"%s\"", term,
		              district ? district : "");
		rc = CARD_ERR_NOT_FOUND;
	}
	return rc;
}

card_err card_adjust_lines(card_store *st, const char *term, const char *district, card_rows **out,
                           card_diag *diag)
{
	const char *p[2] = { term, district };
	if (st == NULL || term == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	return rows_query(st, &ADJ_LINES, p, out, diag);
}

card_err card_adjust_settle(card_store *st, const char *term, int confirm,
                            char doc[CARD_UUID_BUFSZ], card_rows **proposal, card_rows **orders,
                            card_diag *diag)
{
	const char *p1[1] = { term };
	char *ids = NULL;
	card_err rc;

	if (orders != NULL)
		*orders = NULL;
	if (proposal != NULL)
		*proposal = NULL;
	if (st == NULL || term == NULL || doc == NULL || proposal == NULL)
		return CARD_ERR_INVALID_ARG;
	doc[0] = '\0';
	if (!confirm)
		return rows_write(st, &PROPOSAL, p1, proposal, diag);
	/* One transaction: the orders recorded are exactly the proposal shown. */
	rc = store_begin(st, diag);
	if (rc != CARD_OK)
		return rc;
	rc = rows_write(st, &PROPOSAL, p1, proposal, diag);
	if (rc == CARD_OK)
		rc = district_uuids(st, &ids, diag);
	if (rc == CARD_OK) {
		card_uuid_new(doc);
		const char *p[3] = { term, doc, ids };
		rc = rows_write(st, &SETTLE, p, orders, diag);
	}
	if (rc == CARD_OK)
		rc = store_commit(st, diag);
	else
		store_rollback(st);
	free(ids);
	return rc;
}

card_err card_adjust_orders(card_store *st, const char *term, card_rows **out, card_diag *diag)
{
	const char *p[1] = { term };
	if (st == NULL || term == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	return rows_query(st, &ORDERS, p, out, diag);
}

card_err card_return(card_store *st, const char *term, const char *district, const char *from,
                     uint64_t count, const uint64_t *serials_first, uint64_t serials_n,
                     const char *signer, const char *date, const char *photo_path,
                     char doc[CARD_UUID_BUFSZ], card_rows **out, card_diag *diag)
{
	char n[24], range[64];
	const char *pn = NULL, *pr = NULL;
	struct photo ph;
	card_err rc;

	if (out != NULL)
		*out = NULL;
	if (st == NULL || term == NULL || district == NULL || doc == NULL)
		return CARD_ERR_INVALID_ARG;
	if (serials_first != NULL) {
		snprintf(range, sizeof(range), "[%" PRIu64 ",%" PRIu64 ")", *serials_first,
		         *serials_first + serials_n);
		pr = range;
	} else {
		snprintf(n, sizeof(n), "%" PRIu64, count);
		pn = n;
	}
	rc = photo_read(photo_path, &ph, diag);
	if (rc != CARD_OK)
		return rc;
	card_uuid_new(doc);
	{
		const char *p[11] = { term,
			              doc,
			              district,
			              from,
			              pn,
			              pr,
			              signer,
			              date,
			              ph.hex,
			              photo_param(ph.width),
			              photo_param(ph.height) };
		rc = rows_write(st, &RETURN_CARDS, p, out, diag);
	}
	photo_clear(&ph);
	return rc;
}

card_err card_supplement(card_store *st, const char *term, const char *to, uint64_t count,
                         const char *signer, const char *date, const char *photo_path,
                         char doc[CARD_UUID_BUFSZ], card_rows **out, card_diag *diag)
{
	char n[24];
	struct photo ph;
	card_err rc;

	if (out != NULL)
		*out = NULL;
	if (st == NULL || term == NULL || to == NULL || doc == NULL)
		return CARD_ERR_INVALID_ARG;
	snprintf(n, sizeof(n), "%" PRIu64, count);
	rc = photo_read(photo_path, &ph, diag);
	if (rc != CARD_OK)
		return rc;
	card_uuid_new(doc);
	{
		const char *p[9] = { term,
			             doc,
			             to,
			             n,
			             signer,
			             date,
			             ph.hex,
			             photo_param(ph.width),
			             photo_param(ph.height) };
		rc = rows_write(st, &SUPPLEMENT, p, out, diag);
	}
	photo_clear(&ph);
	return rc;
}

card_err card_charge(card_store *st, const char *term, card_rows **out, card_diag *diag)
{
	char *ids = NULL;
	card_err rc;

	if (st == NULL || term == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	rc = district_uuids(st, &ids, diag);
	if (rc == CARD_OK) {
		const char *p[2] = { term, ids };
		rc = rows_write(st, &CHARGE, p, out, diag);
	}
	free(ids);
	return rc;
}

card_err card_replace(card_store *st, const char *term, const char *school, uint64_t serial,
                      const char *reason, const char *requested, char doc[CARD_UUID_BUFSZ],
                      card_rows **out, card_diag *diag)
{
	char s[24];

	if (st == NULL || term == NULL || school == NULL || doc == NULL)
		return CARD_ERR_INVALID_ARG;
	snprintf(s, sizeof(s), "%" PRIu64, serial);
	card_uuid_new(doc);
	{
		const char *p[6] = { term, doc, school, s, reason, requested };
		return rows_write(st, &REPLACE, p, out, diag);
	}
}
