/*
 * redeem.c -- exactly-once redemption: a thin layer over card.redeem_many (sql/functions/redeem.sql).
 *
 * Every rule (batch and key, void, unique serial, idempotency keys, deadlock-free ordering)
 * lives in the one server-side function, so card_redeem_many() is one statement: one
 * transaction, one round trip, however many requests it carries.  The requests travel as
 * four array parameters; array literals are parameter values, never SQL text.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <card/code.h>
#include <card/keyring.h>
#include <card/redeem.h>

#include "ledger_int.h"
#include "rows_int.h"
#include "store_int.h"

#define REDEEM_MAX 10000
#define REDEEM_TRIES 3

static const struct stmt REDEEM_MANY = {
	"redeem_many",
	"SELECT outcome, serial, coalesce(id, 0), coalesce(term, ''), coalesce(face_value_fen, 0), "
	"coalesce(account, ''), coalesce(to_char(redeemed_at AT TIME ZONE 'UTC', "
	"'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), '') "
	"FROM card.redeem_many($1::bigint[], $2::int[], $3::text[], $4::text[])",
	4
};

static const char *const OUTCOME_NAMES[] = {
	"redeemed",  "repeated",     "already_redeemed",
	"card_void", "invalid_code", "idempotency_key_reused",
};

const char *card_redeem_outcome_name(card_redeem_outcome o)
{
	if ((unsigned)o < sizeof(OUTCOME_NAMES) / sizeof(OUTCOME_NAMES[0]))
		return OUTCOME_NAMES[o];
	return "unknown";
}

static int outcome_from_name(const char *s, card_redeem_outcome *o)
{
	for (size_t i = 0; i < sizeof(OUTCOME_NAMES) / sizeof(OUTCOME_NAMES[0]); i++) {
		if (strcmp(s, OUTCOME_NAMES[i]) == 0) {
			*o = (card_redeem_outcome)i;
			return 0;
		}
	}
	return -1;
}

/*
 * Decode one UTF-8 character at s (strict: no overlongs, surrogates or code points above
 * U+10FFFF).  Returns its length and the code point in *cp, or 0 when invalid.
 */
static size_t utf8_char(const unsigned char *s, uint32_t *cp)
{
	size_t len;
	uint32_t c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Valid UTF-8 without control characters (C0, DEL, C1); its length in characters, or -1. */
static long text_chars(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	long n = 0;
	uint32_t cp;

	while (*s != '\0') {
		size_t len = utf8_char(s, &cp);
		if (len == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return -1;
		s += len;
		n++;
	}
	return n;
}

int card_account_valid(const char *account)
{
	long n;
	if (account == NULL)
		return 0;
	n = text_chars(account);
	return n >= 1 && n <= CARD_ACCOUNT_MAX;
}

int card_idem_key_valid(const char *key)
{
	size_t len;
	if (key == NULL)
		return 0;
	len = strlen(key);
	if (len < 1 || len > CARD_IDEM_KEY_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			return 0;
	return 1;
}

static card_err check_reqs(const card_redeem_req *reqs, size_t n, card_diag *diag)
{
	for (size_t i = 0; i < n; i++) {
		const card_redeem_req *r = &reqs[i];
		if (r->serial > CARD_SERIAL_MAX || r->key_id >= CARD_KEY_IDS) {
			card_diag_set(diag, "request %zu: serial or key id out of range", i + 1);
			return CARD_ERR_INVALID_ARG;
		}
		if (!card_account_valid(r->account)) {
			card_diag_set(diag, "request %zu: invalid account", i + 1);
			card_diag_detail(diag, "An account is 1 to 64 characters of UTF-8 without "
			                       "control characters.");
			return CARD_ERR_INPUT;
		}
		if (r->idem_key != NULL && !card_idem_key_valid(r->idem_key)) {
			card_diag_set(diag, "request %zu: invalid idempotency key", i + 1);
			card_diag_detail(diag, "An idempotency key is 1 to 255 printable ASCII "
			                       "characters (no spaces).");
			return CARD_ERR_INPUT;
		}
	}
	return CARD_OK;
}

static card_err parse_rows(PGresult *res, const card_redeem_req *reqs, size_t n,
                           card_redemption *out, card_diag *diag)
{
	if ((size_t)PQntuples(res) != n || PQnfields(res) != 7) {
		card_diag_set(diag, "unexpected answer from card.redeem_many");
		return CARD_ERR_DB;
	}
	for (size_t i = 0; i < n; i++) {
		card_redemption *o = &out[i];
		int row = (int)i;
		memset(o, 0, sizeof(*o));
		if (outcome_from_name(PQgetvalue(res, row, 0), &o->outcome) != 0 ||
		    cell_uint64(res, row, 1) != reqs[i].serial) {
			card_diag_set(diag, "unexpected answer from card.redeem_many");
			return CARD_ERR_DB;
		}
		o->serial = reqs[i].serial;
		o->id = cell_int64(res, row, 2);
		ledger_copy(o->term, sizeof(o->term), PQgetvalue(res, row, 3));
		o->face_value_fen = (int)strtol(PQgetvalue(res, row, 4), NULL, 10);
		ledger_copy(o->account, sizeof(o->account), PQgetvalue(res, row, 5));
		ledger_copy(o->redeemed_at, sizeof(o->redeemed_at), PQgetvalue(res, row, 6));
	}
	return CARD_OK;
}

/*
 * The four array parameters of card.redeem_many (serials, key ids, accounts, idempotency keys
 * or NULL when no request has one), as text[] literals made by pg_text_array (rows.c).  The
 * caller frees arr[0..3].
 */
static card_err redeem_params(const card_redeem_req *reqs, size_t n, char *arr[4])
{
	char(*num)[2][24] = malloc(n * sizeof(*num));
	const char **v = malloc(4 * n * sizeof(*v));
	card_err rc = CARD_ERR_NOMEM;
	int any_idem = 0;

	arr[0] = arr[1] = arr[2] = arr[3] = NULL;
	if (num == NULL || v == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		snprintf(num[i][0], sizeof(num[i][0]), "%" PRIu64, reqs[i].serial);
		snprintf(num[i][1], sizeof(num[i][1]), "%u", reqs[i].key_id);
		v[i] = num[i][0];
		v[n + i] = num[i][1];
		v[2 * n + i] = reqs[i].account;
		v[3 * n + i] = reqs[i].idem_key;
		any_idem |= reqs[i].idem_key != NULL;
	}
	for (int k = 0; k < 4; k++) {
		if (k == 3 && !any_idem)
			break;
		if ((arr[k] = pg_text_array(v + (size_t)k * n, n)) == NULL)
			goto out;
	}
	rc = CARD_OK;
out:
	if (rc != CARD_OK)
		for (int k = 0; k < 4; k++) {
			free(arr[k]);
			arr[k] = NULL;
		}
	free(num);
	free(v);
	return rc;
}

card_err card_redeem_many(card_store *st, const card_redeem_req *reqs, size_t n,
                          card_redemption *out, card_diag *diag)
{
	char *arr[4] = { NULL, NULL, NULL, NULL };
	PGresult *res = NULL;
	card_err rc;

	if (st == NULL || reqs == NULL || out == NULL || n == 0 || n > REDEEM_MAX)
		return CARD_ERR_INVALID_ARG;
	rc = check_reqs(reqs, n, diag);
	if (rc == CARD_OK)
		rc = redeem_params(reqs, n, arr);
	if (rc != CARD_OK)
		goto out;
	/*
	 * Safe to send again: a statement that failed changed nothing, and one that committed
	 * before the connection broke answers "repeated" the second time.  A deadlock or
	 * serialization failure (not expected: locks are taken in one global order) is retried.
	 */
	for (int tries = 0; tries < REDEEM_TRIES; tries++) {
		card_diag_clear(diag);
		rc = store_query_retry(st, &REDEEM_MANY, (const char *const *)arr, &res, diag);
		if (rc != CARD_ERR_CONFLICT)
			break;
	}
	if (rc == CARD_OK)
		rc = parse_rows(res, reqs, n, out, diag);
out:
	PQclear(res);
	for (int k = 0; k < 4; k++)
		free(arr[k]);
	return rc;
}

card_err card_redeem(card_store *st, const card_redeem_req *req, card_redemption *out,
                     card_diag *diag)
{
	return card_redeem_many(st, req, 1, out, diag);
}
