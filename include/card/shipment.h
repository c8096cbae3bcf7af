/*
 * card/shipment.h -- delivery: shipments from city stock to a district depot or by courier
 * straight to a school, from a district depot to its schools, and the receiver's signed,
 * stamped receipt with its photo (docs/workflow.md, "delivery").
 *
 * A shipment moves cards (card.move_count, or exactly a serial range) from the sender's
 * stock to state "transit" at the destination under the shipment's document; from the city
 * the cards come from the destination district's range of the minted plan.  Delivery is due
 * at S-7; later shipments and receipts are flagged late.  A receipt moves the counted cards
 * (lowest serials of the shipment first) to the receiver's stock; a count different from the
 * shipment is recorded as the receipt's discrepancy, and uncounted cards stay in transit
 * under the shipment for the adjustment.  No receipt without a photo: a JPEG or PNG decoded
 * whole (libpng, libjpeg-turbo; at most 10000 pixels each way) or a PDF from its header to
 * its end, at most CARD_PHOTO_MAX bytes, stored in the database with its SHA-256 and, for an
 * image, its pixel size.  Rules: sql/functions/delivery.sql.
 *
 * Ownership: inputs are read during the call; card_rows returned are the caller's.
 * Thread-safety: as card_store.
 */
#ifndef CARD_SHIPMENT_H
#define CARD_SHIPMENT_H

#include <stddef.h>
#include <card/err.h>
#include <card/rows.h>
#include <card/store.h>
#include <card/uuid.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CARD_PHOTO_MAX ((size_t)10 << 20) /* 10 MiB */

typedef struct card_ship_req {
	const char *term;
	const char *from;      /* NULL: the city centre; else a district (to its own schools) */
	const char *to;        /* a district or a school */
	long long count;       /* > 0, or 0 when serials are given */
	long long first, last; /* with count 0: exactly serials first..last (inclusive) */
	const char *address, *contact, *phone; /* courier to a school: default from the org */
} card_ship_req;

/* Ship; doc receives the shipment's UUID.  *out (may be NULL) gets one row: ranges, count,
 * due, late, courier. */
CARD_API card_err card_ship(card_store *st, const card_ship_req *req, char doc[CARD_UUID_BUFSZ],
                            card_rows **out, card_diag *diag) CARD_WUR;

/*
 * Receive a shipment.  count < 0 means "as shipped".  date is YYYY-MM-DD (the signed date).
 * The photo is read from photo_path and decoded (CARD_ERR_INPUT if missing, empty, too large,
 * not a JPEG or PNG that decodes whole nor a whole PDF, or over 10000 pixels either way;
 * nothing is sent then).  doc receives the receipt's UUID; *out (may be NULL) one row:
 * shipped, counted, received, discrepancy, late, sha256, photo_width, photo_height (NULL for
 * a PDF).
 */
CARD_API card_err card_receive(card_store *st, const char *shipment, const char *signer,
                               const char *date, long long count, const char *photo_path,
                               char doc[CARD_UUID_BUFSZ], card_rows **out,
                               card_diag *diag) CARD_WUR;

/*
 * Cards lost in transit: after the shipment's receipt counted fewer cards than were shipped,
 * void every card of it still in transit and not redeemed (they can never be redeemed), under
 * a loss document whose UUID goes to doc; once per shipment.  The city centre's step; reason is
 * required.  *out (may be NULL): one row per run of serials (shipment, term, org, state "void"
 * or "redeemed", count, first_serial, last_serial); a card redeemed while lost stays in
 * transit.  CARD_ERR_STATE when the shipment is not received, has nothing in transit or its
 * loss is recorded; CARD_ERR_REJECTED when every card in transit was redeemed.
 */
CARD_API card_err card_transit_loss(card_store *st, const char *shipment, const char *reason,
                                    char doc[CARD_UUID_BUFSZ], card_rows **out,
                                    card_diag *diag) CARD_WUR;

/* A shipment for its shipping list: one row per serial range (first_serial, last_serial,
 * cards) with the shipment's id, term, from_org, from_name, to_org, to_name, count, courier,
 * address, contact, phone, due, shipped_on, late, and the receipt (receipt, signer,
 * signed_on, counted, discrepancy, photo_type, photo_sha256, photo_width, photo_height)
 * when received.
 * CARD_ERR_NOT_FOUND for an unknown shipment. */
CARD_API card_err card_shipment_get(card_store *st, const char *shipment, card_rows **out,
                                    card_diag *diag) CARD_WUR;

/* Shipments of a term (district NULL: all): id, from_org, to_org, count, shipped_on, late,
 * received (bool), counted, discrepancy. */
CARD_API card_err card_shipment_list(card_store *st, const char *term, const char *district,
                                     card_rows **out, card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
