/*
 * shipment.c -- shipments and receipts (card/shipment.h); rules in sql/0410_delivery.sql.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <card/shipment.h>

#include "rows_int.h"

static const struct stmt SHIP = {
	"ship",
	"SELECT * FROM card.ship($1, $2, $3, $4, $5::bigint,"
	" CASE WHEN $6::bigint IS NULL THEN NULL ELSE int8range($6::bigint, $7::bigint + 1) END,"
	" $8, $9, $10)",
	10
};
static const struct stmt RECEIVE = {
	"receive", "SELECT * FROM card.receive($1::uuid, $2::uuid, $3, $4::date, $5::bigint, $6::bytea)", 6
};
static const struct stmt GET = {
	"shipment_get",
	"SELECT s.id, s.term, s.from_org, f.name AS from_name, s.to_org, o.name AS to_name,"
	"  s.count, s.courier, s.address, s.contact, s.phone, s.due, s.shipped_on, s.late,"
	"  lower(l.serials) AS first_serial, upper(l.serials) - 1 AS last_serial,"
	"  upper(l.serials) - lower(l.serials) AS cards,"
	"  r.id AS receipt, r.signer, r.signed_on, r.count AS counted, r.discrepancy,"
	"  r.late AS receipt_late, r.photo_type, encode(r.photo_sha256, 'hex') AS photo_sha256"
	" FROM card.shipment s JOIN card.org f ON f.code = s.from_org JOIN card.org o ON o.code = s.to_org"
	" JOIN card.ledger l ON l.doc = s.id AND l.kind = 'shipment'"
	" LEFT JOIN card.receipt r ON r.shipment = s.id"
	" WHERE s.id = $1::uuid ORDER BY lower(l.serials)",
	1
};
static const struct stmt LIST = {
	"shipment_list",
	"SELECT s.id, s.from_org, s.to_org, s.count, s.shipped_on, s.late, r.id IS NOT NULL AS received,"
	"  r.count AS counted, r.discrepancy"
	" FROM card.shipment s LEFT JOIN card.receipt r ON r.shipment = s.id"
	" WHERE s.term = $1 AND ($2::text IS NULL OR s.district = $2) ORDER BY s.shipped_at",
	2
};

card_err card_ship(card_store *st, const card_ship_req *q, char doc[CARD_UUID_BUFSZ],
                   card_rows **out, card_diag *diag)
{
	char cnt[24], first[24], last[24];
	PGresult *res = NULL;
	card_err rc;

	if (out != NULL)
		*out = NULL;
	if (st == NULL || q == NULL || q->term == NULL || q->to == NULL || doc == NULL ||
	    q->count < 0 || (q->count == 0 && (q->first < 0 || q->last < q->first)))
		return CARD_ERR_INVALID_ARG;
	snprintf(cnt, sizeof(cnt), "%lld", q->count);
	snprintf(first, sizeof(first), "%lld", q->first);
	snprintf(last, sizeof(last), "%lld", q->last);
	card_uuid_new(doc);
	{
		const char *p[10] = { q->term, doc, q->from, q->to, q->count > 0 ? cnt : NULL,
			              q->count > 0 ? NULL : first, q->count > 0 ? NULL : last,
			              q->address, q->contact, q->phone };
		rc = store_query(st, &SHIP, p, &res, diag);
	}
	if (rc == CARD_OK && out != NULL) {
		rc = rows_wrap(res, out);
		res = NULL;
	}
	PQclear(res);
	return rc;
}

const char *card_photo_type(const void *data, size_t len)
{
	const unsigned char *p = data;
	if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
		return "image/jpeg";
	if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (len >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return "application/pdf";
	return NULL;
}

/* Read a photo file (at most CARD_PHOTO_MAX bytes) as "\x<hex>" for a bytea parameter. */
static card_err read_photo(const char *path, char **hex, card_diag *diag)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char *buf = NULL;
	struct stat sb;
	FILE *f = NULL;
	size_t n = 0;
	card_err rc = CARD_ERR_INPUT;

	*hex = NULL;
	if (path == NULL) {
		card_diag_set(diag, "no receipt without the photo of the signed receipt");
		card_diag_hint(diag, "Give --photo FILE (JPEG, PNG or PDF).");
		goto out;
	}
	f = fopen(path, "rb");
	if (f == NULL || fstat(fileno(f), &sb) != 0) {
		card_diag_set(diag, "could not open photo \"%s\": %s", path, strerror(errno));
		rc = CARD_ERR_IO;
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size == 0 || (size_t)sb.st_size > CARD_PHOTO_MAX) {
		card_diag_set(diag, "photo \"%s\" is %s", path,
		              !S_ISREG(sb.st_mode) ? "not a regular file" : sb.st_size == 0 ? "empty" : "too large");
		card_diag_detail(diag, "The limit is %zu bytes.", CARD_PHOTO_MAX);
		goto out;
	}
	buf = malloc((size_t)sb.st_size);
	if (buf == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	n = fread(buf, 1, (size_t)sb.st_size, f);
	if (n != (size_t)sb.st_size) {
		card_diag_set(diag, "could not read photo \"%s\"", path);
		rc = CARD_ERR_IO;
		goto out;
	}
	if (card_photo_type(buf, n) == NULL) {
		card_diag_set(diag, "photo \"%s\" is not a JPEG, PNG or PDF file", path);
		card_diag_detail(diag, "The type is checked by the file's content, not its name.");
		goto out;
	}
	*hex = malloc(2 * n + 3);
	if (*hex == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	(*hex)[0] = '\\';
	(*hex)[1] = 'x';
	for (size_t i = 0; i < n; i++) {
		(*hex)[2 + 2 * i] = digits[buf[i] >> 4];
		(*hex)[3 + 2 * i] = digits[buf[i] & 15];
	}
	(*hex)[2 + 2 * n] = '\0';
	rc = CARD_OK;
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	return rc;
}

card_err card_receive(card_store *st, const char *shipment, const char *signer, const char *date,
                      long long count, const char *photo_path, char doc[CARD_UUID_BUFSZ],
                      card_rows **out, card_diag *diag)
{
	char cnt[24], *hex = NULL;
	PGresult *res = NULL;
	card_err rc;

	if (out != NULL)
		*out = NULL;
	if (st == NULL || shipment == NULL || doc == NULL)
		return CARD_ERR_INVALID_ARG;
	if (!card_uuid_valid(shipment)) {
		card_diag_set(diag, "\"%s\" is not a shipment id", shipment);
		card_diag_hint(diag, "A shipment id is the UUID printed by 'cardctl ship'.");
		return CARD_ERR_INPUT;
	}
	rc = read_photo(photo_path, &hex, diag);
	if (rc != CARD_OK)
		goto out;
	snprintf(cnt, sizeof(cnt), "%lld", count);
	card_uuid_new(doc);
	{
		const char *p[6] = { shipment, doc, signer, date, count >= 0 ? cnt : NULL, hex };
		rc = store_query(st, &RECEIVE, p, &res, diag);
	}
	if (rc == CARD_OK && out != NULL) {
		rc = rows_wrap(res, out);
		res = NULL;
	}
out:
	PQclear(res);
	free(hex);
	return rc;
}

card_err card_shipment_get(card_store *st, const char *shipment, card_rows **out, card_diag *diag)
{
	const char *p[1] = { shipment };
	card_err rc;

	if (st == NULL || shipment == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	*out = NULL;
	if (!card_uuid_valid(shipment)) {
		card_diag_set(diag, "\"%s\" is not a shipment id", shipment);
		return CARD_ERR_INPUT;
	}
	rc = rows_query(st, &GET, p, out, diag);
	if (rc == CARD_OK && card_rows_count(*out) == 0) {
		card_rows_free(*out);
		*out = NULL;
		card_diag_set(diag, "shipment %s does not exist", shipment);
		rc = CARD_ERR_NOT_FOUND;
	}
	return rc;
}

card_err card_shipment_list(card_store *st, const char *term, const char *district,
                            card_rows **out, card_diag *diag)
{
	const char *p[2] = { term, district };
	if (st == NULL || term == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	return rows_query(st, &LIST, p, out, diag);
}
