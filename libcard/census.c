/*
 * census.c -- the census of a term (card/census.h); the rules are in sql/functions/census.sql.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <card/census.h>

#include "rows_int.h"

static const struct stmt IMPORT = {
	"census_import",
	"SELECT * FROM card.census_import($1, $2, $3, $4::integer[], $5::text[], $6::text[],"
	" $7::text[], $8::text[], $9::text[], $10::numeric, $11::integer)",
	11
};
static const struct stmt PROBLEMS = {
	"census_problems",
	"SELECT line, problem FROM card.census_problems($1, $2, $3::integer[], $4::text[],"
	" $5::text[], $6::text[], $7::text[], $8::text[])",
	8
};
static const struct stmt SUBMIT = { "census_submit",
	                            "SELECT late FROM card.census_submit($1, $2, $3)", 3 };
static const struct stmt APPROVE = {
	"census_approve",
	"SELECT card.census_approve($1, $2, $3, $4::text[], $5::text[], $6::numeric, $7::integer)",
	7
};
static const struct stmt REOPEN = { "census_reopen", "SELECT card.census_reopen($1, $2)", 2 };
static const struct stmt LIST = {
	"census_list",
	"SELECT c.district, o.name, c.state, c.late, c.submission,"
	"  to_char(c.submitted_at, 'YYYY-MM-DD HH24:MI') AS submitted_at,"
	"  to_char(c.approved_at, 'YYYY-MM-DD HH24:MI') AS approved_at, c.approver, c.approved_by,"
	"  coalesce(sum(l.count) FILTER (WHERE l.category = 'student'), 0) AS students,"
	"  coalesce(sum(l.count) FILTER (WHERE l.category = 'teacher'), 0) AS teachers,"
	"  coalesce(sum(l.count) FILTER (WHERE l.category = 'staff'), 0) AS staff,"
	"  coalesce(sum(l.textbooks), 0) AS textbooks,"
	"  (SELECT count(*) FROM card.census_check(c.term, c.district) k WHERE k.flagged) AS "
	"flagged,"
	"  (SELECT count(*) FROM card.census_check(c.term, c.district) k"
	"    WHERE k.flagged AND k.explanation IS NULL) AS unexplained,"
	"  c.threshold_pct, c.threshold_abs, c.doc"
	" FROM card.census c JOIN card.org o ON o.code = c.district"
	" LEFT JOIN card.census_line l ON l.term = c.term AND l.district = c.district"
	" WHERE c.term = $1 AND ($2::text IS NULL OR c.district = $2)"
	" GROUP BY c.term, c.district, o.name ORDER BY c.district",
	2
};
static const struct stmt CHECK = { "census_check", "SELECT * FROM card.census_check($1, $2)", 2 };
static const struct stmt LINES = {
	"census_lines",
	"SELECT l.district, d.name AS district_name, l.org AS school, o.name AS school_name,"
	"  CASE l.category WHEN 'student' THEN '学生' WHEN 'teacher' THEN '教师' ELSE '工作人员' "
	"END"
	"  AS category, l.grade, l.count, l.textbooks"
	" FROM card.census_line l JOIN card.org o ON o.code = l.org JOIN card.org d ON d.code = "
	"l.district"
	" WHERE l.term = $1 AND ($2::text IS NULL OR l.district = $2)"
	" ORDER BY l.district, CASE l.category WHEN 'staff' THEN 1 ELSE 0 END, l.org,"
	"  CASE l.category WHEN 'student' THEN 0 ELSE 1 END, l.line",
	2
};

int card_threshold_parse(const char *text, card_threshold *out)
{
	char buf[64], *part, *save = NULL, *end;
	card_threshold t = { -1, -1 };
	int rc = -1;

	if (text == NULL || strlen(text) >= sizeof(buf))
		return -1;
	memcpy(buf, text, strlen(text) + 1);
	for (part = strtok_r(buf, ",", &save); part != NULL; part = strtok_r(NULL, ",", &save)) {
		size_t len = strlen(part);
		errno = 0;
		if (len > 1 && part[len - 1] == '%') {
			part[len - 1] = '\0';
			t.pct = strtod(part, &end);
			if (errno != 0 || *end != '\0' || end == part || t.pct < 0 || t.pct > 100)
				goto out;
		} else {
			long v = strtol(part, &end, 10);
			if (errno != 0 || *end != '\0' || end == part || v < 0 || v > 1000000000)
				goto out;
			t.abs = v;
		}
	}
	if (t.pct < 0 && t.abs < 0)
		goto out;
	*out = t;
	rc = 0;
out:
	return rc;
}

static void threshold_params(const card_threshold *th, char pct[32], char abs[32],
                             const char **ppct, const char **pabs)
{
	*ppct = *pabs = NULL;
	if (th != NULL && th->pct >= 0) {
		snprintf(pct, 32, "%.4f", th->pct);
		*ppct = pct;
	}
	if (th != NULL && th->abs >= 0) {
		snprintf(abs, 32, "%ld", th->abs);
		*pabs = abs;
	}
}

/*
 * Run the census statement s (IMPORT or PROBLEMS) over rows: the rows go as one array per
 * column, the line numbers as text.  doc (IMPORT only) receives a new UUID.  The arrays are
 * this function's; *out is the caller's.
 */
static card_err census_run(card_store *st, const struct stmt *s, const char *term,
                           const char *district, const card_census_row *rows, size_t n,
                           const card_threshold *th, char *doc, card_rows **out, card_diag *diag)
{
	const char **cols[6] = { NULL };
	char *arr[6] = { NULL };
	char **lines = NULL, pct[32], abs[32];
	card_err rc = CARD_ERR_NOMEM;
	size_t i, k;

	lines = calloc(n + 1, sizeof(*lines));
	for (k = 0; k < 6; k++)
		if ((cols[k] = calloc(n + 1, sizeof(char *))) == NULL)
			goto out;
	if (lines == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if (asprintf(&lines[i], "%ld", rows[i].line) < 0) {
			lines[i] = NULL;
			goto out;
		}
		cols[0][i] = lines[i];
		cols[1][i] = rows[i].unit;
		cols[2][i] = rows[i].category;
		cols[3][i] = rows[i].grade;
		cols[4][i] = rows[i].count;
		cols[5][i] = rows[i].textbooks;
	}
	for (k = 0; k < 6; k++)
		if ((arr[k] = pg_text_array(cols[k], n)) == NULL)
			goto out;
	if (doc != NULL) {
		const char *p[11] = { term,   district, NULL,   arr[0], arr[1],
			              arr[2], arr[3],   arr[4], arr[5] };
		card_uuid_new(doc);
		p[2] = doc;
		threshold_params(th, pct, abs, &p[9], &p[10]);
		rc = rows_write(st, s, p, out, diag);
	} else {
		const char *p[8] = {
			term, district, arr[0], arr[1], arr[2], arr[3], arr[4], arr[5]
		};
		rc = rows_write(st, s, p, out, diag);
	}
out:
	for (k = 0; k < 6; k++) {
		free(arr[k]);
		free(cols[k]);
	}
	for (i = 0; lines != NULL && i < n; i++)
		free(lines[i]);
	free(lines);
	return rc;
}

card_err card_census_import(card_store *st, const char *term, const char *district,
                            const card_census_row *rows, size_t n, const card_threshold *th,
                            char doc[CARD_UUID_BUFSZ], card_rows **summary, card_diag *diag)
{
	if (summary != NULL)
		*summary = NULL;
	if (st == NULL || term == NULL || (rows == NULL && n > 0) || doc == NULL)
		return CARD_ERR_INVALID_ARG;
	return census_run(st, &IMPORT, term, district, rows, n, th, doc, summary, diag);
}

card_err card_census_problems(card_store *st, const char *term, const char *district,
                              const card_census_row *rows, size_t n, card_rows **problems,
                              card_diag *diag)
{
	if (problems != NULL)
		*problems = NULL;
	if (st == NULL || term == NULL || (rows == NULL && n > 0) || problems == NULL)
		return CARD_ERR_INVALID_ARG;
	return census_run(st, &PROBLEMS, term, district, rows, n, NULL, NULL, problems, diag);
}

card_err card_census_submit(card_store *st, const char *term, const char *district,
                            char doc[CARD_UUID_BUFSZ], int *late, card_diag *diag)
{
	PGresult *res = NULL;
	card_err rc;

	if (st == NULL || term == NULL || district == NULL || doc == NULL)
		return CARD_ERR_INVALID_ARG;
	card_uuid_new(doc);
	{
		const char *p[3] = { term, district, doc };
		rc = store_query(st, &SUBMIT, p, &res, diag);
	}
	if (rc == CARD_OK && late != NULL)
		*late = PQntuples(res) > 0 && cell_bool(res, 0, 0);
	PQclear(res);
	return rc;
}

card_err card_census_approve(card_store *st, const char *term, const char *district,
                             const char *approver, const char *const *schools,
                             const char *const *texts, size_t nexplain, const card_threshold *th,
                             card_diag *diag)
{
	char *as = NULL, *at = NULL, pct[32], abs[32];
	card_err rc = CARD_ERR_NOMEM;

	if (st == NULL || term == NULL || district == NULL ||
	    (nexplain > 0 && (!schools || !texts)))
		return CARD_ERR_INVALID_ARG;
	as = pg_text_array(schools, nexplain);
	at = pg_text_array(texts, nexplain);
	if (as != NULL && at != NULL) {
		const char *p[7] = { term, district, approver, as, at };
		threshold_params(th, pct, abs, &p[5], &p[6]);
		rc = store_query(st, &APPROVE, p, NULL, diag);
	}
	free(as);
	free(at);
	return rc;
}

card_err card_census_reopen(card_store *st, const char *term, const char *district, card_diag *diag)
{
	const char *p[2] = { term, district };
	if (st == NULL || term == NULL || district == NULL)
		return CARD_ERR_INVALID_ARG;
	return store_query(st, &REOPEN, p, NULL, diag);
}

card_err card_census_list(card_store *st, const char *term, const char *district, card_rows **out,
                          card_diag *diag)
{
	const char *p[2] = { term, district };
	if (st == NULL || term == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	return rows_query(st, &LIST, p, out, diag);
}

card_err card_census_check(card_store *st, const char *term, const char *district, card_rows **out,
                           card_diag *diag)
{
	const char *p[2] = { term, district };
	if (st == NULL || term == NULL || district == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	return rows_query(st, &CHECK, p, out, diag);
}

card_err card_census_lines(card_store *st, const char *term, const char *district, card_rows **out,
                           card_diag *diag)
{
	const char *p[2] = { term, district };
	if (st == NULL || term == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	return rows_query(st, &LINES, p, out, diag);
}
