/*
 * ledger.c -- thin wrappers over the server-side ledger functions of sql/functions/ledger.sql.
 *
 * All the rules (which holder has which serial, no negative balance, concurrency) live in
 * card.move / card.move_count on the server: each wrapper is one statement, so one
 * transaction, one round trip.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <card/code.h>

#include "ledger_int.h"
#include "store_int.h"

#define SERIAL_LIMIT (CARD_SERIAL_MAX + 1)

static const struct stmt MOVE = {
	"ledger_move", "SELECT card.move($1, $2::uuid, $3, $4, $5, $6, $7, $8::int8range)", 8
};
static const struct stmt MOVE_COUNT = {
	"ledger_move_count",
	"SELECT r::text FROM card.move_count($1, $2::uuid, $3, $4, $5, $6, $7, $8::bigint, "
	"$9::int8range) AS r",
	9
};
static const struct stmt BALANCE = { "ledger_balance", "SELECT card.balance($1, $2, $3)", 3 };
static const struct stmt HOLDINGS = {
	"ledger_holdings",
	"SELECT serials::text, term, org, state, coalesce(doc::text, '') FROM card.holding "
	"WHERE term = $1 AND ($2::text IS NULL OR org = $2) AND ($3::text IS NULL OR state = $3) "
	"ORDER BY org, state, lower(serials)",
	3
};

int ledger_parse_range(const char *text, card_range *r)
{
	unsigned long long a, b;
	char close;
	int used = 0;

	if (text == NULL || sscanf(text, "[%llu,%llu%c%n", &a, &b, &close, &used) != 3 ||
	    close != ')' || text[used] != '\0' || b <= a)
		return -1;
	r->first = a;
	r->count = b - a;
	return 0;
}

void ledger_format_range(card_range r, char *buf, size_t len)
{
	snprintf(buf, len, "[%" PRIu64 ",%" PRIu64 ")", r.first, r.first + r.count);
}

void ledger_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "");
}

static int range_ok(card_range r)
{
	return r.count > 0 && r.first < SERIAL_LIMIT && r.count <= SERIAL_LIMIT - r.first;
}

static int spec_ok(const card_move_spec *m)
{
	return m != NULL && m->term != NULL && m->doc != NULL && m->kind != NULL &&
	       m->from_org != NULL && m->from_state != NULL && m->to_org != NULL &&
	       m->to_state != NULL;
}

card_err card_move(card_store *st, const card_move_spec *m, card_range r, uint64_t *moved,
                   card_diag *diag)
{
	char range[48];
	const char *params[8];
	PGresult *res = NULL;
	card_err rc;

	if (moved != NULL)
		*moved = 0;
	if (st == NULL || !spec_ok(m))
		return CARD_ERR_INVALID_ARG;
	if (!range_ok(r)) {
		card_diag_set(diag, "invalid serial range: first %" PRIu64 ", count %" PRIu64,
		              r.first, r.count);
		return CARD_ERR_INPUT;
	}
	ledger_format_range(r, range, sizeof(range));
	params[0] = m->term;
	params[1] = m->doc;
	params[2] = m->kind;
	params[3] = m->from_org;
	params[4] = m->from_state;
	params[5] = m->to_org;
	params[6] = m->to_state;
	params[7] = range;
	rc = store_query(st, &MOVE, params, &res, diag);
	if (rc == CARD_OK && moved != NULL)
		*moved = cell_uint64(res, 0, 0);
	PQclear(res);
	return rc;
}

card_err card_move_count(card_store *st, const card_move_spec *m, uint64_t count,
                         const card_range *within, card_range **out, size_t *n, card_diag *diag)
{
	char cnt[24], win[48];
	const char *params[9];
	PGresult *res = NULL;
	card_range *v = NULL;
	card_err rc;
	int rows;

	if (out != NULL)
		*out = NULL;
	if (n != NULL)
		*n = 0;
	if (st == NULL || !spec_ok(m) || (out != NULL && n == NULL))
		return CARD_ERR_INVALID_ARG;
	if (within != NULL && !range_ok(*within)) {
		card_diag_set(diag, "invalid serial range");
		return CARD_ERR_INPUT;
	}
	if (count > INT64_MAX) {
		card_diag_set(diag, "invalid count %" PRIu64, count);
		return CARD_ERR_INPUT;
	}
	snprintf(cnt, sizeof(cnt), "%" PRIu64, count);
	if (within != NULL)
		ledger_format_range(*within, win, sizeof(win));
	params[0] = m->term;
	params[1] = m->doc;
	params[2] = m->kind;
	params[3] = m->from_org;
	params[4] = m->from_state;
	params[5] = m->to_org;
	params[6] = m->to_state;
	params[7] = cnt;
	params[8] = within != NULL ? win : NULL;
	rc = store_query(st, &MOVE_COUNT, params, &res, diag);
	if (rc != CARD_OK || out == NULL)
		goto out;
	rows = PQntuples(res);
	v = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*v));
	if (v == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	for (int i = 0; i < rows; i++) {
		if (ledger_parse_range(PQgetvalue(res, i, 0), &v[i]) != 0) {
			card_diag_set(diag, "unexpected range from the server");
			rc = CARD_ERR_DB;
			goto out;
		}
	}
	*out = v;
	*n = (size_t)rows;
	v = NULL;
out:
	free(v);
	PQclear(res);
	return rc;
}

card_err card_balance(card_store *st, const char *term, const char *org, const char *state,
                      uint64_t *count, card_diag *diag)
{
	const char *params[3] = { term, org, state };
	PGresult *res = NULL;
	card_err rc;

	if (st == NULL || term == NULL || org == NULL || state == NULL || count == NULL)
		return CARD_ERR_INVALID_ARG;
	*count = 0;
	rc = store_query_retry(st, &BALANCE, params, &res, diag);
	if (rc == CARD_OK)
		*count = cell_uint64(res, 0, 0);
	PQclear(res);
	return rc;
}

card_err card_holdings(card_store *st, const char *term, const char *org, const char *state,
                       card_holding **out, size_t *n, card_diag *diag)
{
	const char *params[3] = { term, org, state };
	PGresult *res = NULL;
	card_holding *v = NULL;
	card_err rc;
	int rows;

	if (st == NULL || term == NULL || out == NULL || n == NULL)
		return CARD_ERR_INVALID_ARG;
	*out = NULL;
	*n = 0;
	rc = store_query_retry(st, &HOLDINGS, params, &res, diag);
	if (rc != CARD_OK)
		goto out;
	rows = PQntuples(res);
	if (rows == 0)
		goto out;
	v = calloc((size_t)rows, sizeof(*v));
	if (v == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	for (int i = 0; i < rows; i++) {
		if (ledger_parse_range(PQgetvalue(res, i, 0), &v[i].range) != 0) {
			card_diag_set(diag, "unexpected range from the server");
			rc = CARD_ERR_DB;
			goto out;
		}
		ledger_copy(v[i].term, sizeof(v[i].term), PQgetvalue(res, i, 1));
		ledger_copy(v[i].org, sizeof(v[i].org), PQgetvalue(res, i, 2));
		ledger_copy(v[i].state, sizeof(v[i].state), PQgetvalue(res, i, 3));
		ledger_copy(v[i].doc, sizeof(v[i].doc), PQgetvalue(res, i, 4));
	}
	*out = v;
	*n = (size_t)rows;
	v = NULL;
out:
	free(v);
	PQclear(res);
	return rc;
}
