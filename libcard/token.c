/*
 * token.c -- bearer tokens for cardd (include/card/token.h): create, list, revoke, verify.
 *
 * Only the SHA-256 of a token's secret reaches the database.  Verification fetches the stored
 * hash by the token's public id and compares in constant time, so neither the SQL nor a
 * timing difference tells an attacker how much of a secret was right.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <card/token.h>

#include "store_int.h"
#include "wipe.h"

#define TOKEN_PREFIX "cdt_"
#define ID_BYTES 8
#define SECRET_BYTES 32
#define SECRET_CHARS 43 /* base64url of 32 bytes, unpadded */

static const struct stmt TOKEN_INSERT = { "token_insert",
	                                  "INSERT INTO card.api_token (id, role, label, "
	                                  "secret_sha256) VALUES ($1, $2, $3, $4::bytea)",
	                                  4 };
static const struct stmt TOKEN_LIST = {
	"token_list",
	"SELECT id, role, label, created_by, "
	"to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	"coalesce(to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
	"FROM card.api_token ORDER BY created_at, id",
	0
};
static const struct stmt TOKEN_REVOKE = {
	"token_revoke",
	"UPDATE card.api_token SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", 1
};
static const struct stmt TOKEN_LOOKUP = { "token_lookup",
	                                  "SELECT role, secret_sha256 FROM card.token_lookup($1)",
	                                  1 };

const char *card_token_role_name(card_token_role role)
{
	switch (role) {
	case CARD_ROLE_HELPDESK:
		return "helpdesk";
	case CARD_ROLE_PLATFORM:
		return "platform";
	}
	return NULL;
}

card_err card_token_role_parse(const char *name, card_token_role *role)
{
	if (name != NULL && strcmp(name, "helpdesk") == 0)
		*role = CARD_ROLE_HELPDESK;
	else if (name != NULL && strcmp(name, "platform") == 0)
		*role = CARD_ROLE_PLATFORM;
	else
		return CARD_ERR_INPUT;
	return CARD_OK;
}

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char HEX[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = HEX[in[i] >> 4];
		out[2 * i + 1] = HEX[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Unpadded base64url of n bytes into out (4*ceil(n/3) + 1 bytes of room). */
static void b64url(const unsigned char *in, size_t n, char *out)
{
	static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		size_t left = n - i;
		if (left > 1)
			v |= (unsigned)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[o++] = A[(v >> 18) & 63];
		out[o++] = A[(v >> 12) & 63];
		if (left > 1)
			out[o++] = A[(v >> 6) & 63];
		if (left > 2)
			out[o++] = A[v & 63];
	}
	out[o] = '\0';
}

/* "\x" + 64 hex digits of SHA-256(secret): the bytea literal the database stores. */
static void secret_hash_param(const char *secret, size_t len, char out[2 + 64 + 1])
{
	unsigned char h[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)secret, len, h);
	out[0] = '\\';
	out[1] = 'x';
	hex_encode(h, sizeof(h), out + 2);
	card_wipe(h, sizeof(h));
}

card_err card_token_new(card_store *st, card_token_role role, const char *label,
                        char token[CARD_TOKEN_BUFSZ], char id[CARD_TOKEN_ID_BUFSZ], card_diag *diag)
{
	unsigned char idb[ID_BYTES], sec[SECRET_BYTES];
	char secret[SECRET_CHARS + 4], hash[2 + 64 + 1];
	const char *params[4];
	card_err rc;

	if (st == NULL || token == NULL || id == NULL || card_token_role_name(role) == NULL ||
	    (label != NULL && strlen(label) > 200)) {
		rc = CARD_ERR_INVALID_ARG;
		goto out;
	}
	if (RAND_bytes(idb, sizeof(idb)) != 1 || RAND_bytes(sec, sizeof(sec)) != 1) {
		rc = CARD_ERR_CRYPTO;
		goto out;
	}
	hex_encode(idb, sizeof(idb), id);
	b64url(sec, sizeof(sec), secret);
	secret_hash_param(secret, strlen(secret), hash);
	params[0] = id;
	params[1] = card_token_role_name(role);
	params[2] = label != NULL ? label : "";
	params[3] = hash;
	rc = store_query(st, &TOKEN_INSERT, params, NULL, diag);
	if (rc == CARD_OK)
		snprintf(token, CARD_TOKEN_BUFSZ, TOKEN_PREFIX "%s_%s", id, secret);
out:
	card_wipe(sec, sizeof(sec));
	card_wipe(secret, sizeof(secret));
	card_wipe(hash, sizeof(hash));
	return rc;
}

card_err card_token_list(card_store *st, card_token_info **out, size_t *n, card_diag *diag)
{
	PGresult *r = NULL;
	card_token_info *v = NULL;
	card_err rc;
	int rows;

	if (st == NULL || out == NULL || n == NULL)
		return CARD_ERR_INVALID_ARG;
	*out = NULL;
	*n = 0;
	rc = store_query_retry(st, &TOKEN_LIST, NULL, &r, diag);
	if (rc != CARD_OK)
		goto out;
	rows = PQntuples(r);
	v = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*v));
	if (v == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	for (int i = 0; i < rows; i++) {
		snprintf(v[i].id, sizeof(v[i].id), "%s", PQgetvalue(r, i, 0));
		if (card_token_role_parse(PQgetvalue(r, i, 1), &v[i].role) != CARD_OK)
			v[i].role = CARD_ROLE_HELPDESK;
		snprintf(v[i].label, sizeof(v[i].label), "%s", PQgetvalue(r, i, 2));
		snprintf(v[i].created_by, sizeof(v[i].created_by), "%s", PQgetvalue(r, i, 3));
		snprintf(v[i].created_at, sizeof(v[i].created_at), "%s", PQgetvalue(r, i, 4));
		snprintf(v[i].revoked_at, sizeof(v[i].revoked_at), "%s", PQgetvalue(r, i, 5));
	}
	*out = v;
	*n = (size_t)rows;
	v = NULL;
out:
	free(v);
	PQclear(r);
	return rc;
}

card_err card_token_revoke(card_store *st, const char *id, card_diag *diag)
{
	PGresult *r = NULL;
	const char *params[1] = { id };
	card_err rc;

	if (st == NULL || id == NULL)
		return CARD_ERR_INVALID_ARG;
	rc = store_query(st, &TOKEN_REVOKE, params, &r, diag);
	if (rc == CARD_OK && strcmp(PQcmdTuples(r), "1") != 0) {
		card_diag_set(diag, "no active token with id \"%.16s\"", id);
		card_diag_hint(diag, "Run 'cardctl token list' to see the tokens.");
		rc = CARD_ERR_NOT_FOUND;
	}
	PQclear(r);
	return rc;
}

/* Split "cdt_<16 hex>_<43 base64url>" into id and secret; 0 if the shape is wrong. */
static int split_token(const char *t, char id[CARD_TOKEN_ID_BUFSZ], const char **secret)
{
	size_t plen = strlen(TOKEN_PREFIX);
	if (strlen(t) != plen + 2 * ID_BYTES + 1 + SECRET_CHARS ||
	    strncmp(t, TOKEN_PREFIX, plen) != 0 || t[plen + 2 * ID_BYTES] != '_')
		return 0;
	for (size_t i = 0; i < 2 * ID_BYTES; i++) {
		if (hex_val(t[plen + i]) < 0)
			return 0;
		id[i] = t[plen + i];
	}
	id[2 * ID_BYTES] = '\0';
	*secret = t + plen + 2 * ID_BYTES + 1;
	return 1;
}

card_err card_token_verify(card_store *st, const char *token, card_token_role *role,
                           card_diag *diag)
{
	char id[CARD_TOKEN_ID_BUFSZ], hash[2 + 64 + 1];
	const char *secret = NULL, *params[1] = { id };
	const char *stored;
	PGresult *r = NULL;
	card_err rc;

	if (st == NULL || token == NULL || role == NULL)
		return CARD_ERR_INVALID_ARG;
	if (!split_token(token, id, &secret)) {
		card_diag_set(diag, "invalid token");
		return CARD_ERR_NOT_FOUND;
	}
	secret_hash_param(secret, SECRET_CHARS, hash);
	rc = store_query_retry(st, &TOKEN_LOOKUP, params, &r, diag);
	if (rc != CARD_OK)
		goto out;
	rc = CARD_ERR_NOT_FOUND;
	if (PQntuples(r) != 1) {
		card_diag_set(diag, "invalid token");
		goto out;
	}
	stored = PQgetvalue(r, 0, 1); /* bytea in hex output: "\x..." */
	if (strlen(stored) != sizeof(hash) - 1 ||
	    CRYPTO_memcmp(stored, hash, sizeof(hash) - 1) != 0 ||
	    card_token_role_parse(PQgetvalue(r, 0, 0), role) != CARD_OK) {
		card_diag_set(diag, "invalid token");
		goto out;
	}
	rc = CARD_OK;
out:
	card_wipe(hash, sizeof(hash));
	PQclear(r);
	return rc;
}
