/*
 * shipment.c -- shipments and receipts (card/shipment.h); rules in sql/functions/delivery.sql.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <card/shipment.h>

#include "photo_int.h"
#include "rows_int.h"

static const struct stmt SHIP = {
	"ship",
	"SELECT * FROM card.ship($1, $2, $3, $4, $5::bigint,"
	" CASE WHEN $6::bigint IS NULL THEN NULL ELSE int8range($6::bigint, $7::bigint + 1) END,"
	" $8, $9, $10)",
	10
};
static const struct stmt RECEIVE = {
	"receive",
	"SELECT * FROM card.receive($1::uuid, $2::uuid, $3, $4::date, $5::bigint, $6::bytea,"
	" $7::integer, $8::integer)",
	8
};
static const struct stmt LOSS = { "transit_loss",
	                          "SELECT * FROM card.transit_loss($1::uuid, $2::uuid, $3)", 3 };
static const struct stmt GET = {
	"shipment_get",
	"SELECT s.id, s.term, s.from_org, f.name AS from_name, s.to_org, o.name AS to_name,"
	"  s.count, s.courier, s.address, s.contact, s.phone, s.due, s.shipped_on, s.late,"
	"  lower(l.serials) AS first_serial, upper(l.serials) - 1 AS last_serial,"
	"  upper(l.serials) - lower(l.serials) AS cards,"
	"  r.id AS receipt, r.signer, r.signed_on, r.count AS counted, r.discrepancy,"
	"  r.late AS receipt_late, r.photo_type, encode(r.photo_sha256, 'hex') AS photo_sha256,"
	"  r.photo_width, r.photo_height"
	" FROM card.shipment s JOIN card.org f ON f.code = s.from_org JOIN card.org o ON o.code = "
	"s.to_org"
	" JOIN card.ledger l ON l.doc = s.id AND l.kind = 'shipment'"
	" LEFT JOIN card.receipt r ON r.shipment = s.id"
	" WHERE s.id = $1::uuid ORDER BY lower(l.serials)",
	1
};
static const struct stmt LIST = {
	"shipment_list",
	"SELECT s.id, s.from_org, s.to_org, s.count, s.shipped_on, s.late, r.id IS NOT NULL AS "
	"received,"
	"  r.count AS counted, r.discrepancy"
	" FROM card.shipment s LEFT JOIN card.receipt r ON r.shipment = s.id"
	" WHERE s.term = $1 AND ($2::text IS NULL OR s.district = $2) ORDER BY s.shipped_at",
	2
};

card_err card_ship(card_store *st, const card_ship_req *q, char doc[CARD_UUID_BUFSZ],
                   card_rows **out, card_diag *diag)
{
	char cnt[24], first[24], last[24];

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
		const char *p[10] = { q->term,
			              doc,
			              q->from,
			              q->to,
			              q->count > 0 ? cnt : NULL,
			              q->count > 0 ? NULL : first,
			              q->count > 0 ? NULL : last,
			              q->address,
			              q->contact,
			              q->phone };
		return rows_write(st, &SHIP, p, out, diag);
	}
}

/* A shipment id is a UUID; else say so in diag and return 0. */
static int shipment_id_ok(const char *shipment, card_diag *diag)
{
	if (card_uuid_valid(shipment))
		return 1;
	card_diag_set(diag, "\"%s\" is not a shipment id", shipment);
	card_diag_hint(diag, "A shipment id is the UUID printed by 'cardctl ship'.");
	return 0;
}

card_err card_receive(card_store *st, const char *shipment, const char *signer, const char *date,
                      long long count, const char *photo_path, char doc[CARD_UUID_BUFSZ],
                      card_rows **out, card_diag *diag)
{
	char cnt[24];
	struct photo ph;
	card_err rc;

	if (out != NULL)
		*out = NULL;
	if (st == NULL || shipment == NULL || doc == NULL)
		return CARD_ERR_INVALID_ARG;
	if (!shipment_id_ok(shipment, diag))
		return CARD_ERR_INPUT;
	rc = photo_read(photo_path, &ph, diag);
	if (rc != CARD_OK)
		return rc;
	snprintf(cnt, sizeof(cnt), "%lld", count);
	card_uuid_new(doc);
	{
		const char *p[8] = { shipment,
			             doc,
			             signer,
			             date,
			             count >= 0 ? cnt : NULL,
			             ph.hex,
			             photo_param(ph.width),
			             photo_param(ph.height) };
		rc = rows_write(st, &RECEIVE, p, out, diag);
	}
	photo_clear(&ph);
	return rc;
}

card_err card_transit_loss(card_store *st, const char *shipment, const char *reason,
                           char doc[CARD_UUID_BUFSZ], card_rows **out, card_diag *diag)
{
	if (out != NULL)
		*out = NULL;
	if (st == NULL || shipment == NULL || doc == NULL)
		return CARD_ERR_INVALID_ARG;
	if (!shipment_id_ok(shipment, diag))
		return CARD_ERR_INPUT;
	card_uuid_new(doc);
	{
		const char *p[3] = { shipment, doc, reason };
		return rows_write(st, &LOSS, p, out, diag);
	}
}

card_err card_shipment_get(card_store *st, const char *shipment, card_rows **out, card_diag *diag)
{
	const char *p[1] = { shipment };
	card_err rc;

	if (st == NULL || shipment == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	*out = NULL;
	if (!shipment_id_ok(shipment, diag))
		return CARD_ERR_INPUT;
	rc = rows_query(st, &GET, p, out, diag);
	if (rc == CARD_OK && card_rows_count(*out) == 0) {
		card_rows_free(*out);
		*out = NULL;
		card_diag_set(diag, "shipment %s does not exist", shipment);
		rc = CARD_ERR_NOT_FOUND;
	}
	return rc;
}

card_err card_shipment_list(card_store *st, const char *term, const char *district, card_rows **out,
                            card_diag *diag)
{
	const char *p[2] = { term, district };
	if (st == NULL || term == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	return rows_query(st, &LIST, p, out, diag);
}
