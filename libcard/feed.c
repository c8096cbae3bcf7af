/*
 * feed.c -- read the redemption feed (include/card/feed.h) through card.feed() in SQL,
 * which numbers newly committed redemptions and returns what follows the reader's position.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <card/feed.h>

#include "store_int.h"

static const struct stmt FEED = {
	"feed_read",
	"SELECT feed_id, serial, account, term, face_value_fen, "
	"to_char(redeemed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
	"FROM card.feed($1, $2)",
	2
};

card_err card_feed_read(card_store *st, int64_t after, unsigned limit, card_feed_entry **out,
                        size_t *n, card_diag *diag)
{
	char a[24], l[12];
	const char *params[2] = { a, l };
	PGresult *r = NULL;
	card_feed_entry *v = NULL;
	card_err rc;
	int rows;

	if (st == NULL || out == NULL || n == NULL || after < 0 || limit < 1 ||
	    limit > CARD_FEED_LIMIT_MAX)
		return CARD_ERR_INVALID_ARG;
	*out = NULL;
	*n = 0;
	snprintf(a, sizeof(a), "%" PRId64, after);
	snprintf(l, sizeof(l), "%u", limit);
	/* Not retried blindly after a reconnect: harmless anyway, the sequencer is idempotent. */
	rc = store_query_retry(st, &FEED, params, &r, diag);
	if (rc != CARD_OK)
		goto out;
	rows = PQntuples(r);
	v = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*v));
	if (v == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	for (int i = 0; i < rows; i++) {
		v[i].id = cell_int64(r, i, 0);
		v[i].serial = cell_uint64(r, i, 1);
		snprintf(v[i].account, sizeof(v[i].account), "%s", PQgetvalue(r, i, 2));
		snprintf(v[i].term, sizeof(v[i].term), "%s", PQgetvalue(r, i, 3));
		v[i].face_value_fen = (int)strtol(PQgetvalue(r, i, 4), NULL, 10);
		snprintf(v[i].redeemed_at, sizeof(v[i].redeemed_at), "%s", PQgetvalue(r, i, 5));
	}
	*out = v;
	*n = (size_t)rows;
	v = NULL;
out:
	free(v);
	PQclear(r);
	return rc;
}
