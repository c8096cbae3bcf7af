/*
 * audit.c -- card_audit() and card_card_show(): reads over sql/functions/audit.sql and ledger.sql.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <card/audit.h>
#include <card/cardinfo.h>
#include <card/code.h>

#include "ledger_int.h"
#include "store_int.h"

#define ISO_UTC(col) \
	"coalesce(to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), '')"

static const struct stmt AUDIT = {
	"audit_run",
	"SELECT coalesce(term, ''), item, value, ok, coalesce(detail, '') FROM card.audit($1)", 1
};
static const struct stmt SHOW = {
	"card_show",
	"SELECT batch, term, key_id, face_value_fen, coalesce(org, ''), coalesce(state, ''), "
	"coalesce(holder_doc::text, ''), redemption_id IS NOT NULL, coalesce(redemption_id, 0), "
	"coalesce(account, ''), " ISO_UTC(
		"redeemed_at") ", void_reason IS NOT NULL, "
			       "coalesce(void_reason, ''), coalesce(void_doc::text, ''), " ISO_UTC(
				       "voided_at") " "
						    "FROM card.card_show($1::bigint)",
	1
};
static const struct stmt MOVES = { "card_moves",
	                           "SELECT ledger_id, " ISO_UTC(
					   "at") ", kind, doc, coalesce(from_org, ''), "
	                                         "coalesce(from_state, ''), to_org, to_state, "
	                                         "actor FROM card.card_moves($1::bigint)",
	                           1 };

card_err card_audit(card_store *st, const char *term, card_audit_line **lines, size_t *n,
                    int *balanced, card_diag *diag)
{
	const char *params[1] = { term };
	PGresult *res = NULL;
	card_audit_line *v = NULL;
	card_err rc;
	int rows, all_ok = 1;

	if (st == NULL || lines == NULL || n == NULL || balanced == NULL)
		return CARD_ERR_INVALID_ARG;
	*lines = NULL;
	*n = 0;
	*balanced = 0;
	/* One snapshot for every figure: a move committed meanwhile must not look like a hole. */
	rc = store_exec(st, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", diag);
	if (rc != CARD_OK)
		return rc;
	rc = store_query(st, &AUDIT, params, &res, diag);
	store_rollback(st);
	if (rc != CARD_OK)
		goto out;
	rows = PQntuples(res);
	v = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*v));
	if (v == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	for (int i = 0; i < rows; i++) {
		ledger_copy(v[i].term, sizeof(v[i].term), PQgetvalue(res, i, 0));
		ledger_copy(v[i].item, sizeof(v[i].item), PQgetvalue(res, i, 1));
		v[i].value = cell_int64(res, i, 2);
		v[i].ok = cell_bool(res, i, 3);
		ledger_copy(v[i].detail, sizeof(v[i].detail), PQgetvalue(res, i, 4));
		all_ok &= v[i].ok;
	}
	*lines = v;
	*n = (size_t)rows;
	*balanced = all_ok;
	v = NULL;
out:
	free(v);
	PQclear(res);
	return rc;
}

void card_card_info_free(card_card_info *info)
{
	if (info == NULL)
		return;
	free(info->moves);
	info->moves = NULL;
	info->nmoves = 0;
}

static void fill_info(PGresult *res, card_card_info *in)
{
	ledger_copy(in->batch, sizeof(in->batch), PQgetvalue(res, 0, 0));
	ledger_copy(in->term, sizeof(in->term), PQgetvalue(res, 0, 1));
	in->key_id = (unsigned)strtoul(PQgetvalue(res, 0, 2), NULL, 10);
	in->face_value_fen = (int)strtol(PQgetvalue(res, 0, 3), NULL, 10);
	ledger_copy(in->org, sizeof(in->org), PQgetvalue(res, 0, 4));
	ledger_copy(in->state, sizeof(in->state), PQgetvalue(res, 0, 5));
	ledger_copy(in->holder_doc, sizeof(in->holder_doc), PQgetvalue(res, 0, 6));
	in->redeemed = cell_bool(res, 0, 7);
	in->redemption_id = cell_int64(res, 0, 8);
	ledger_copy(in->account, sizeof(in->account), PQgetvalue(res, 0, 9));
	ledger_copy(in->redeemed_at, sizeof(in->redeemed_at), PQgetvalue(res, 0, 10));
	in->voided = cell_bool(res, 0, 11);
	ledger_copy(in->void_reason, sizeof(in->void_reason), PQgetvalue(res, 0, 12));
	ledger_copy(in->void_doc, sizeof(in->void_doc), PQgetvalue(res, 0, 13));
	ledger_copy(in->voided_at, sizeof(in->voided_at), PQgetvalue(res, 0, 14));
}

card_err card_card_show(card_store *st, uint64_t serial, card_card_info *info, card_diag *diag)
{
	char s[24];
	const char *params[1] = { s };
	PGresult *res = NULL;
	card_err rc;
	int rows;

	if (st == NULL || info == NULL)
		return CARD_ERR_INVALID_ARG;
	memset(info, 0, sizeof(*info));
	info->serial = serial;
	if (serial > CARD_SERIAL_MAX) {
		card_diag_set(diag, "serial %" PRIu64 " is out of range", serial);
		return CARD_ERR_INPUT;
	}
	snprintf(s, sizeof(s), "%" PRIu64, serial);
	rc = store_query_retry(st, &SHOW, params, &res, diag);
	if (rc != CARD_OK)
		goto out;
	if (PQntuples(res) == 0) {
		card_diag_set(diag, "no card %013" PRIu64, serial);
		card_diag_detail(diag, "The serial lies in no batch (for a district login: in none "
		                       "its district holds).");
		rc = CARD_ERR_NOT_FOUND;
		goto out;
	}
	fill_info(res, info);
	PQclear(res);
	res = NULL;
	rc = store_query_retry(st, &MOVES, params, &res, diag);
	if (rc != CARD_OK)
		goto out;
	rows = PQntuples(res);
	info->moves = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*info->moves));
	if (info->moves == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	for (int i = 0; i < rows; i++) {
		card_card_move *m = &info->moves[i];
		m->ledger_id = cell_int64(res, i, 0);
		ledger_copy(m->at, sizeof(m->at), PQgetvalue(res, i, 1));
		ledger_copy(m->kind, sizeof(m->kind), PQgetvalue(res, i, 2));
		ledger_copy(m->doc, sizeof(m->doc), PQgetvalue(res, i, 3));
		ledger_copy(m->from_org, sizeof(m->from_org), PQgetvalue(res, i, 4));
		ledger_copy(m->from_state, sizeof(m->from_state), PQgetvalue(res, i, 5));
		ledger_copy(m->to_org, sizeof(m->to_org), PQgetvalue(res, i, 6));
		ledger_copy(m->to_state, sizeof(m->to_state), PQgetvalue(res, i, 7));
		ledger_copy(m->actor, sizeof(m->actor), PQgetvalue(res, i, 8));
	}
	info->nmoves = (size_t)rows;
out:
	if (rc != CARD_OK)
		card_card_info_free(info);
	PQclear(res);
	return rc;
}
