/*
 * term.c -- terms and the deadline calendar of SPEC §1.
 *
 * Dates are handled as day numbers (days since 1970-01-01, proleptic Gregorian, Howard
 * Hinnant's civil-date algorithms), so shifting by days never meets time zones or DST.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <card/term.h>
#include "store_int.h"

static const struct stmt TERM_INSERT = {
	"term_insert",
	"INSERT INTO card.term (code, start_date, census_due, face_value_fen) "
	"VALUES ($1, $2::date, $3::date, $4::integer) ON CONFLICT (code) DO NOTHING RETURNING code",
	4 };
#define TERM_COLS "code, to_char(start_date, 'YYYY-MM-DD'), to_char(census_due, 'YYYY-MM-DD'), " \
	"face_value_fen, closed_at IS NOT NULL"
static const struct stmt TERM_GET = {
	"term_get", "SELECT " TERM_COLS " FROM card.term WHERE code = $1", 1 };
static const struct stmt TERM_LIST = {
	"term_list", "SELECT " TERM_COLS " FROM card.term ORDER BY start_date, code", 0 };
static const struct stmt TERM_CURRENT = {
	"term_current",
	"SELECT " TERM_COLS " FROM card.term ORDER BY start_date <= $1::date DESC, "
	"CASE WHEN start_date <= $1::date THEN start_date END DESC NULLS LAST, start_date LIMIT 1",
	1 };

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
	unsigned y = (unsigned)d.year % 10000, m = (unsigned)d.month % 100, dd = (unsigned)d.day % 100;
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

card_date card_date_today(void)
{
	time_t now = time(NULL) + 8 * 3600; /* China Standard Time, no DST */
	return civil_from_days((long)(now / 86400));
}

int card_date_late(card_date due, card_date done)
{
	return card_date_diff(done, due) > 0;
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

card_err card_term_default_census(const char *code, card_date *out)
{
	int y, autumn;
	card_err rc = card_term_parse_code(code, &y, &autumn);
	if (rc != CARD_OK || out == NULL)
		return rc != CARD_OK ? rc : CARD_ERR_INVALID_ARG;
	out->year = y;
	out->month = autumn ? 6 : 1;
	out->day = autumn ? 25 : 15;
	return CARD_OK;
}

static const struct {
	const char *name, *zh, *who;
	int offset; /* days from S; census has none */
} STEPS[CARD_STEP_COUNT] = {
	[CARD_STEP_CENSUS] = { "census", "人数统计", "district", 0 },
	[CARD_STEP_DELIVERY] = { "delivery", "配送到区/校", "city", -7 },
	[CARD_STEP_DISTRIBUTION] = { "distribution", "发放到师生", "school", 7 },
	[CARD_STEP_SELF_ADJUST] = { "self-adjustment", "区内调剂", "district", 0 /* delivery + 7 */ },
	[CARD_STEP_ADJUST_REPORT] = { "adjustment-report", "余缺调剂上报", "district", 14 },
	[CARD_STEP_CITY_ADJUST] = { "city-adjustment", "全市调剂", "city", 20 },
	[CARD_STEP_CLOSE] = { "close", "调剂结束", "city", 30 },
	[CARD_STEP_FINAL_REPORT] = { "final-report", "汇总上报", "district", 30 },
};

card_date card_self_adjust_due(card_date delivered)
{
	return card_date_add(delivered, 7);
}

card_date card_replacement_due(card_date requested)
{
	return card_date_add(requested, 7);
}

card_date card_term_due(const card_term *t, card_step step)
{
	if (step == CARD_STEP_CENSUS)
		return t->census_due;
	if (step == CARD_STEP_SELF_ADJUST)
		return card_self_adjust_due(card_date_add(t->start, STEPS[CARD_STEP_DELIVERY].offset));
	return card_date_add(t->start, STEPS[step].offset);
}

void card_term_calendar(const card_term *t, card_deadline out[CARD_STEP_COUNT])
{
	for (int i = 0; i < CARD_STEP_COUNT; i++) {
		out[i].step = (card_step)i;
		out[i].name = STEPS[i].name;
		out[i].zh = STEPS[i].zh;
		out[i].who = STEPS[i].who;
		out[i].due = card_term_due(t, (card_step)i);
	}
}

card_err card_term_new(card_store *st, const card_term *t, card_diag *diag)
{
	char start[CARD_DATE_BUFSZ], census[CARD_DATE_BUFSZ], face[16];
	const char *params[4] = { t != NULL ? t->code : NULL, start, census, face };
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
		card_diag_detail(diag, "A spring term starts from January to June, an autumn term from July "
		                       "to December, of the term's year.");
		return CARD_ERR_INPUT;
	}
	if (card_date_diff(card_term_due(t, CARD_STEP_DELIVERY), t->census_due) < 0) {
		char delivery[CARD_DATE_BUFSZ];
		card_date_format(card_term_due(t, CARD_STEP_DELIVERY), delivery);
		card_diag_set(diag, "census due %s is after the delivery deadline %s", census, delivery);
		card_diag_detail(diag, "Cards are delivered 7 days before the term starts; the census must be "
		                       "done before that.");
		return CARD_ERR_INPUT;
	}
	if (t->face_value_fen <= 0) {
		card_diag_set(diag, "face value must be a positive number of fen");
		return CARD_ERR_INPUT;
	}
	snprintf(face, sizeof(face), "%d", t->face_value_fen);
	rc = store_query_retry(st, &TERM_INSERT, params, &r, diag);
	if (rc == CARD_OK && PQntuples(r) == 0) {
		card_diag_set(diag, "term \"%s\" already exists", t->code);
		rc = CARD_ERR_CONFLICT;
	}
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
	t->closed = strcmp(PQgetvalue(r, row, 4), "t") == 0;
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

card_err card_term_current(card_store *st, card_date today, card_term *out, card_diag *diag)
{
	char day[CARD_DATE_BUFSZ];
	const char *params[1] = { day };
	PGresult *r = NULL;
	card_err rc;

	if (st == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	card_date_format(today, day);
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
