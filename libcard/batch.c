/*
 * batch.c -- minting print batches into the city's stock, and reading them back.
 *
 * The mint itself is one call to card.batch_mint() (sql/functions/org.sql): the serial
 * counter's row lock orders concurrent mints, and the batch, its document, the city stock
 * holding and the ledger entry commit together or not at all.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <card/batch.h>
#include "store_int.h"

static const struct stmt BATCH_MINT = {
	"batch_mint", "SELECT card.batch_mint($1::uuid, $2, $3::integer, $4::bigint, $5)", 5
};
#define BATCH_COLS                                     \
	"id, term, key_id, first_serial, card_count, " \
	"to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
static const struct stmt BATCH_GET = { "batch_get",
	                               "SELECT " BATCH_COLS " FROM card.batch WHERE id = $1::uuid",
	                               1 };
static const struct stmt BATCH_LIST = {
	"batch_list",
	"SELECT " BATCH_COLS
	" FROM card.batch WHERE $1::text IS NULL OR term = $1 ORDER BY first_serial",
	1
};

static void batch_from_row(const PGresult *r, int row, card_batch *b)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->id, sizeof(b->id), "%s", PQgetvalue(r, row, 0));
	snprintf(b->term, sizeof(b->term), "%s", PQgetvalue(r, row, 1));
	b->key_id = (unsigned)strtoul(PQgetvalue(r, row, 2), NULL, 10);
	b->first_serial = cell_uint64(r, row, 3);
	b->count = cell_uint64(r, row, 4);
	snprintf(b->created_at, sizeof(b->created_at), "%s", PQgetvalue(r, row, 5));
}

card_err card_batch_mint(card_store *st, const card_keyring *kr, const char *term, unsigned key_id,
                         uint64_t count, const char *note, card_batch *out, card_diag *diag)
{
	char id[CARD_UUID_BUFSZ], key[8], cnt[24];
	const char *params[5] = { id, term, key, cnt, note };
	PGresult *r = NULL;
	card_err rc;

	if (st == NULL || kr == NULL || term == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	if (key_id >= CARD_KEY_IDS || !card_keyring_has(kr, key_id)) {
		card_diag_set(diag, "the keyring has no key %u", key_id);
		card_diag_detail(diag, "Cards minted under a key nobody holds could never be "
		                       "printed or redeemed.");
		card_diag_hint(diag, "See 'cardctl key list'.");
		return CARD_ERR_KEY_NOT_FOUND;
	}
	if (count < 1 || count > CARD_BATCH_MAX_COUNT) {
		card_diag_set(diag, "a batch holds 1 to %" PRIu64 " cards", CARD_BATCH_MAX_COUNT);
		return CARD_ERR_INPUT;
	}
	card_uuid_new(id);
	snprintf(key, sizeof(key), "%u", key_id);
	snprintf(cnt, sizeof(cnt), "%" PRIu64, count);
	/* One statement: it commits or fails as a whole, and is never retried after sending. */
	rc = store_query(st, &BATCH_MINT, params, &r, diag);
	if (rc != CARD_OK)
		goto out;
	memset(out, 0, sizeof(*out));
	memcpy(out->id, id, sizeof(id));
	snprintf(out->term, sizeof(out->term), "%s", term);
	out->key_id = key_id;
	out->first_serial = cell_uint64(r, 0, 0);
	out->count = count;
	PQclear(r);
	r = NULL;
	/* created_at, as stored (best effort: the mint has committed already). */
	if (card_batch_get(st, id, out, NULL) != CARD_OK)
		out->created_at[0] = '\0';
out:
	PQclear(r);
	return rc;
}

card_err card_batch_get(card_store *st, const char *id, card_batch *out, card_diag *diag)
{
	const char *params[1] = { id };
	PGresult *r = NULL;
	card_err rc;

	if (st == NULL || id == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	if (!card_uuid_valid(id)) {
		card_diag_set(diag, "invalid batch id \"%.40s\"", id);
		card_diag_hint(diag, "A batch id is a UUID, as printed by 'cardctl batch mint'.");
		return CARD_ERR_INPUT;
	}
	rc = store_query_retry(st, &BATCH_GET, params, &r, diag);
	if (rc == CARD_OK && PQntuples(r) == 0) {
		card_diag_set(diag, "batch %s does not exist", id);
		rc = CARD_ERR_NOT_FOUND;
	}
	if (rc == CARD_OK)
		batch_from_row(r, 0, out);
	PQclear(r);
	return rc;
}

card_err card_batch_list(card_store *st, const char *term, card_batch **out, size_t *n,
                         card_diag *diag)
{
	const char *params[1] = { term };
	PGresult *r = NULL;
	card_batch *list = NULL;
	card_err rc;
	size_t rows;

	if (st == NULL || out == NULL || n == NULL)
		return CARD_ERR_INVALID_ARG;
	*out = NULL;
	*n = 0;
	rc = store_query_retry(st, &BATCH_LIST, params, &r, diag);
	if (rc != CARD_OK)
		goto out;
	rows = (size_t)PQntuples(r);
	list = calloc(rows ? rows : 1, sizeof(*list));
	if (list == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < rows; i++)
		batch_from_row(r, (int)i, &list[i]);
	*out = list;
	*n = rows;
out:
	PQclear(r);
	return rc;
}
