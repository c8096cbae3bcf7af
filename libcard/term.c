/*
 * term.c -- terms, the bureau's day and the deadline calendar: the server computes them
 * (sql/functions/calendar.sql); this file asks.
 *
 * Dates are handled as day numbers (days since 1970-01-01, proleptic Gregorian, Howard
 * Hinnant's civil-date algorithms), so shifting by days never meets time zones or DST.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <card/term.h>
#include "store_int.h"

static const struct stmt TERM_INSERT = { "term_insert",
	                                 "SELECT coalesce(to_char(card.term_new($1, $2::date, "
	                                 "$3::date, $4::integer), 'YYYY-MM-DD'), '')",
	                                 4 };
static const struct stmt TERM_CALENDAR = {
	"term_calendar",
	"SELECT step, zh, who, base, days, coalesce(to_char(due, 'YYYY-MM-DD'), ''), "
	"coalesce(offset_days, 0) FROM card.term_calendar($1)",
	1
};
static const struct stmt BUREAU_TODAY = { "bureau_today",
	                                  "SELECT to_char(card.bureau_today(), 'YYYY-MM-DD'), "
	                                  "EXISTS (SELECT 1 FROM card.drill_day)",
	                                  0 };
static const struct stmt DRILL_SET = {
	"drill_day_set",
	"INSERT INTO card.drill_day (today) VALUES ($1::date) ON CONFLICT (one) DO UPDATE "
	"SET today = EXCLUDED.today, set_by = session_user, set_at = now()",
	1
};
static const struct stmt DRILL_CLEAR = { "drill_day_clear", "DELETE FROM card.drill_day", 0 };
#define TERM_COLS                                                                      \
	"code, to_char(start_date, 'YYYY-MM-DD'), to_char(census_due, 'YYYY-MM-DD'), " \
	"face_value_fen, closed_at IS NOT NULL"
static const struct stmt TERM_GET = { "term_get",
	                              "SELECT " TERM_COLS " FROM card.term WHERE code = $1", 1 };
static const struct stmt TERM_LIST = {
	"term_list", "SELECT " TERM_COLS " FROM card.term ORDER BY start_date, code", 0
};
static const struct stmt TERM_CURRENT = {
	"term_current",
	"SELECT " TERM_COLS " FROM card.term, "
	"coalesce($1::date, card.bureau_today()) AS today "
	"ORDER BY start_date <= today DESC, "
	"CASE WHEN start_date <= today THEN start_date END DESC NULLS LAST, start_date LIMIT 1",
	1
};

static long days_from_civil(int y, int m, int d)
{
	long era, yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static card_date civil_from_days(long z)
{
	long era, doe, yoe, y, doy, mp;
	card_date r;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	r.day = (int)(doy - (153 * mp + 2) / 5 + 1);
	r.month = (int)(mp < 10 ? mp + 3 : mp - 9);
	r.year = (int)(y + (r.month <= 2));
	return r;
}

card_err card_date_parse(const char *text, card_date *out)
{
	int y, m, d, n = 0;
	card_date back;
	if (text == NULL || out == NULL || strlen(text) != 10 ||
	    sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || text[4] != '-' ||
	    text[7] != '-')
		return CARD_ERR_INPUT;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9'))
			return CARD_ERR_INPUT;
	if (y < 2000 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31)
		return CARD_ERR_INPUT;
	back = civil_from_days(days_from_civil(y, m, d));
	if (back.year != y || back.month != m || back.day != d)
		return CARD_ERR_INPUT; /* 2026-02-30 */
	out->year = y;
	out->month = m;
	out->day = d;
	return CARD_OK;
}

void card_date_format(card_date d, char out[CARD_DATE_BUFSZ])
{
	unsigned y = (unsigned)d.year % 10000, m = (unsigned)d.month % 100,
		 dd = (unsigned)d.day % 100;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + dd / 10);
	out[9] = (char)('0' + dd % 10);
	out[10] = '\0';
}

card_date card_date_add(card_date d, int days)
{
	return civil_from_days(days_from_civil(d.year, d.month, d.day) + days);
}

long card_date_diff(card_date a, card_date b)
{
	return days_from_civil(a.year, a.month, a.day) - days_from_civil(b.year, b.month, b.day);
}

card_err card_term_parse_code(const char *code, int *year, int *autumn)
{
	int y = 0;
	if (code == NULL || strlen(code) < 11)
		return CARD_ERR_INPUT;
	for (int i = 0; i < 4; i++) {
		if (code[i] < '0' || code[i] > '9')
			return CARD_ERR_INPUT;
		y = y * 10 + (code[i] - '0');
	}
	if (y < 2000 || code[4] != '-')
		return CARD_ERR_INPUT;
	if (strcmp(code + 5, "autumn") == 0) {
		if (autumn != NULL)
			*autumn = 1;
	} else if (strcmp(code + 5, "spring") == 0) {
		if (autumn != NULL)
			*autumn = 0;
	} else {
		return CARD_ERR_INPUT;
	}
	if (year != NULL)
		*year = y;
	return CARD_OK;
}

card_err card_term_name(const char *code, char out[CARD_TERM_NAME_BUFSZ])
{
	int year = 0, autumn = 0;
	card_err rc = card_term_parse_code(code, &year, &autumn);

	out[0] = '\0';
	if (rc == CARD_OK)
		snprintf(out, CARD_TERM_NAME_BUFSZ, "%d年%s季学期", year, autumn ? "秋" : "春");
	return rc;
}

card_err card_term_calendar(card_store *st, const char *term, card_deadline **out, size_t *n,
                            card_diag *diag)
{
	const char *params[1] = { term };
	PGresult *r = NULL;
	card_deadline *cal = NULL;
	size_t rows = 0;
	card_err rc;

	if (st == NULL || term == NULL || out == NULL || n == NULL)
		return CARD_ERR_INVALID_ARG;
	*out = NULL;
	*n = 0;
	rc = store_query_retry(st, &TERM_CALENDAR, params, &r, diag);
	if (rc == CARD_OK && PQntuples(r) == 0) {
		card_diag_set(diag, "term \"%s\" does not exist", term);
		card_diag_hint(diag, "See 'cardctl term list'.");
		rc = CARD_ERR_NOT_FOUND;
	}
	if (rc == CARD_OK) {
		rows = (size_t)PQntuples(r);
		cal = calloc(rows, sizeof(*cal));
		if (cal == NULL)
			rc = CARD_ERR_NOMEM;
	}
	for (size_t i = 0; rc == CARD_OK && i < rows; i++) {
		card_deadline *c = &cal[i];
		const char *due = PQgetvalue(r, (int)i, 5);
		snprintf(c->step, sizeof(c->step), "%s", PQgetvalue(r, (int)i, 0));
		snprintf(c->zh, sizeof(c->zh), "%s", PQgetvalue(r, (int)i, 1));
		snprintf(c->who, sizeof(c->who), "%s", PQgetvalue(r, (int)i, 2));
		snprintf(c->base, sizeof(c->base), "%s", PQgetvalue(r, (int)i, 3));
		c->days = (int)strtol(PQgetvalue(r, (int)i, 4), NULL, 10);
		c->has_due = *due != '\0';
		if (c->has_due && card_date_parse(due, &c->due) != CARD_OK)
			rc = CARD_ERR_DB;
		c->offset_days = (int)strtol(PQgetvalue(r, (int)i, 6), NULL, 10);
	}
	PQclear(r);
	if (rc != CARD_OK) {
		free(cal);
		return rc;
	}
	*out = cal;
	*n = rows;
	return CARD_OK;
}

card_err card_bureau_today(card_store *st, card_date *out, int *drill, card_diag *diag)
{
	PGresult *r = NULL;
	card_err rc;

	if (st == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	rc = store_query_retry(st, &BUREAU_TODAY, NULL, &r, diag);
	if (rc == CARD_OK && card_date_parse(PQgetvalue(r, 0, 0), out) != CARD_OK)
		rc = CARD_ERR_DB;
	if (rc == CARD_OK && drill != NULL)
		*drill = cell_bool(r, 0, 1);
	PQclear(r);
	return rc;
}

card_err card_drill_day_set(card_store *st, const card_date *day, card_diag *diag)
{
	char buf[CARD_DATE_BUFSZ];
	const char *params[1] = { buf };
	card_err rc;

	if (st == NULL)
		return CARD_ERR_INVALID_ARG;
	if (day != NULL)
		card_date_format(*day, buf);
	rc = store_query(st, day != NULL ? &DRILL_SET : &DRILL_CLEAR, day != NULL ? params : NULL,
	                 NULL, diag);
	if (rc == CARD_ERR_PERMISSION)
		card_diag_hint(diag,
		               "Only the database owner (the role that runs 'cardctl db migrate') "
		               "sets the drill day.");
	return rc;
}

card_err card_term_new(card_store *st, const card_term *t, card_date *census_due, card_diag *diag)
{
	char start[CARD_DATE_BUFSZ], census[CARD_DATE_BUFSZ], face[16];
	const char *params[4] = { t != NULL ? t->code : NULL, start,
		                  t != NULL && t->census_due.year != 0 ? census : NULL, face };
	PGresult *r = NULL;
	int year, autumn;
	card_err rc;

	if (st == NULL || t == NULL)
		return CARD_ERR_INVALID_ARG;
	if (card_term_parse_code(t->code, &year, &autumn) != CARD_OK) {
		card_diag_set(diag, "invalid term \"%s\"", t->code);
		card_diag_hint(diag, "A term is YEAR-spring or YEAR-autumn, e.g. 2026-autumn.");
		return CARD_ERR_INPUT;
	}
	card_date_format(t->start, start);
	card_date_format(t->census_due, census);
	if (t->start.year != year || (autumn ? t->start.month < 7 : t->start.month > 6)) {
		card_diag_set(diag, "term %s cannot start on %s", t->code, start);
		card_diag_detail(
			diag, "A spring term starts from January to June, an autumn term from July "
			      "to December, of the term's year.");
		return CARD_ERR_INPUT;
	}
	if (t->face_value_fen <= 0) {
		card_diag_set(diag, "face value must be a positive number of fen");
		return CARD_ERR_INPUT;
	}
	snprintf(face, sizeof(face), "%d", t->face_value_fen);
	rc = store_query_retry(st, &TERM_INSERT, params, &r, diag);
	if (rc == CARD_OK && PQgetvalue(r, 0, 0)[0] == '\0') {
		card_diag_set(diag, "term \"%s\" already exists", t->code);
		rc = CARD_ERR_CONFLICT;
	}
	if (rc == CARD_OK && census_due != NULL &&
	    card_date_parse(PQgetvalue(r, 0, 0), census_due) != CARD_OK)
		rc = CARD_ERR_DB;
	PQclear(r);
	return rc;
}

static card_err term_from_row(const PGresult *r, int row, card_term *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->code, sizeof(t->code), "%s", PQgetvalue(r, row, 0));
	if (card_date_parse(PQgetvalue(r, row, 1), &t->start) != CARD_OK ||
	    card_date_parse(PQgetvalue(r, row, 2), &t->census_due) != CARD_OK)
		return CARD_ERR_DB;
	t->face_value_fen = (int)strtol(PQgetvalue(r, row, 3), NULL, 10);
	t->closed = cell_bool(r, row, 4);
	return CARD_OK;
}

card_err card_term_get(card_store *st, const char *code, card_term *out, card_diag *diag)
{
	const char *params[1] = { code };
	PGresult *r = NULL;
	card_err rc;

	if (st == NULL || code == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	rc = store_query_retry(st, &TERM_GET, params, &r, diag);
	if (rc == CARD_OK && PQntuples(r) == 0) {
		card_diag_set(diag, "term \"%s\" does not exist", code);
		card_diag_hint(diag, "See 'cardctl term list'.");
		rc = CARD_ERR_NOT_FOUND;
	}
	if (rc == CARD_OK)
		rc = term_from_row(r, 0, out);
	PQclear(r);
	return rc;
}

card_err card_term_current(card_store *st, const card_date *today, card_term *out, card_diag *diag)
{
	char day[CARD_DATE_BUFSZ];
	const char *params[1] = { today != NULL ? day : NULL };
	PGresult *r = NULL;
	card_err rc;

	if (st == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	if (today != NULL)
		card_date_format(*today, day);
	rc = store_query_retry(st, &TERM_CURRENT, params, &r, diag);
	if (rc == CARD_OK && PQntuples(r) == 0) {
		card_diag_set(diag, "there are no terms");
		card_diag_hint(diag, "Create one with 'cardctl term new'.");
		rc = CARD_ERR_NOT_FOUND;
	}
	if (rc == CARD_OK)
		rc = term_from_row(r, 0, out);
	PQclear(r);
	return rc;
}

card_err card_term_list(card_store *st, card_term **out, size_t *n, card_diag *diag)
{
	PGresult *r = NULL;
	card_term *list = NULL;
	card_err rc;
	size_t rows;

	if (st == NULL || out == NULL || n == NULL)
		return CARD_ERR_INVALID_ARG;
	*out = NULL;
	*n = 0;
	rc = store_query_retry(st, &TERM_LIST, NULL, &r, diag);
	if (rc != CARD_OK)
		goto out;
	rows = (size_t)PQntuples(r);
	list = calloc(rows ? rows : 1, sizeof(*list));
	if (list == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < rows && rc == CARD_OK; i++)
		rc = term_from_row(r, (int)i, &list[i]);
	if (rc != CARD_OK)
		goto out;
	*out = list;
	*n = rows;
	list = NULL;
out:
	free(list);
	PQclear(r);
	return rc;
}
