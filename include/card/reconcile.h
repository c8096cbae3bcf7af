/*
 * card/reconcile.h -- surplus/shortage reconciliation (余缺调剂) of a term, docs/workflow.md part 2:
 *
 *   transfer     district self-adjustment: cards from one school's stock to another school of
 *                the same district; until delivery + 7 (= S), later only with a reason.
 *   adjust file  a district's Annex 4 lines (school, surplus, shortage, reason) as its draft
 *                report, checked against the ledger; re-filing replaces the draft; late after
 *                S+14.  adjust approve: the district centre signs it.
 *   settle       the city's cross-district proposal (returns of net surplus to city stock,
 *                supplements of net shortage from it), and with confirm its orders.
 *   return       cards from a district (or one of its schools) back to city stock.
 *   supplement   cards from city stock to a district or school, as ordered.
 *   charge       after S+30: what a district was ordered or declared to return but did not,
 *                times the face value; the first run closes the term, later runs repeat it.
 *
 * Every step is one server-side call (sql/functions/reconcile.sql):
 * a refused step changes nothing and says why in the diag.  Every step that creates a
 * document fills `doc` with its UUID (card_uuid_new).
 *
 * Ownership: strings passed in are read during the call; card_rows returned are the
 * caller's (card_rows_free).  Thread-safety: as card_store.
 */
#ifndef CARD_RECONCILE_H
#define CARD_RECONCILE_H

#include <stddef.h>
#include <stdint.h>
#include <card/err.h>
#include <card/rows.h>
#include <card/store.h>
#include <card/uuid.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Transfer `count` cards between two schools of one district.  late_reason NULL: refused
 * after the window.  *out (may be NULL): one row ranges, count, due, late. */
CARD_API card_err card_transfer(card_store *st, const char *term, const char *from, const char *to,
                                uint64_t count, const char *late_reason, char doc[CARD_UUID_BUFSZ],
                                card_rows **out, card_diag *diag) CARD_WUR;

/* One line of an Annex 4 file, cells as read (NULL or "" when empty). */
typedef struct card_adjust_row {
	long line;
	const char *school;
	const char *surplus;
	const char *shortage;
	const char *reason;
} card_adjust_row;

/* File the district's report (replacing its draft).  CARD_ERR_INPUT lists every problem with
 * its line in diag->detail.  *out (may be NULL): schools, surplus, shortage, due, late. */
CARD_API card_err card_adjust_file(card_store *st, const char *term, const char *district,
                                   const card_adjust_row *rows, size_t n, char doc[CARD_UUID_BUFSZ],
                                   card_rows **out, card_diag *diag) CARD_WUR;
/* Every problem card_adjust_file() would refuse the rows for, without filing anything: one row
 * per problem, in the order of the file: line (integer; 0 for the file as a whole) and problem
 * (the full message).  No row: the file would be filed.  (diag->detail of a refusal is cut to
 * its size; this is the whole list.) */
CARD_API card_err card_adjust_problems(card_store *st, const char *term, const char *district,
                                       const card_adjust_row *rows, size_t n, card_rows **problems,
                                       card_diag *diag) CARD_WUR;
CARD_API card_err card_adjust_approve(card_store *st, const char *term, const char *district,
                                      const char *approver, char doc[CARD_UUID_BUFSZ],
                                      card_diag *diag) CARD_WUR;
/* Reports of the term (district NULL: all districts, with or without a report): district,
 * name, state, doc, due, filed_on, late, approver, approved_at, schools, surplus, shortage. */
CARD_API card_err card_adjust_list(card_store *st, const char *term, const char *district,
                                   card_rows **out, card_diag *diag) CARD_WUR;
/* The lines (district NULL: all): district, district_name, school, school_name, surplus,
 * shortage, reason, stock, distributed (what the ledger says now). */
CARD_API card_err card_adjust_lines(card_store *st, const char *term, const char *district,
                                    card_rows **out, card_diag *diag) CARD_WUR;

/* The proposal (confirm 0), or record it (confirm 1; *out then also has the orders: district,
 * kind, count, doc).  Proposal rows: district, name, report, surplus, shortage, internal,
 * return_count, supplement_count, uncovered, note.  doc gets the settlement's UUID. */
CARD_API card_err card_adjust_settle(card_store *st, const char *term, int confirm,
                                     char doc[CARD_UUID_BUFSZ], card_rows **proposal,
                                     card_rows **orders, card_diag *diag) CARD_WUR;
/* The orders of a settled term: district, kind, count, doc, done (returned or supplied). */
CARD_API card_err card_adjust_orders(card_store *st, const char *term, card_rows **out,
                                     card_diag *diag) CARD_WUR;

/* Return cards to city stock from `from` (NULL: the district's depot): count > 0, or exactly
 * the serials [first, first + n) when serials is not NULL (count then ignored).  The receipt,
 * as part 1's (card_receive, card/shipment.h): signer, who signed for the city; date
 * ("YYYY-MM-DD", not after today); photo_path, the photo of the signed receipt, required,
 * checked as card_receive checks it (decoded whole), stored with its SHA-256 and pixel size
 * (CARD_ERR_INPUT otherwise, before anything is sent).  *out: ranges, count, ordered,
 * returned, sha256, photo_width, photo_height. */
CARD_API card_err card_return(card_store *st, const char *term, const char *district,
                              const char *from, uint64_t count, const uint64_t *serials_first,
                              uint64_t serials_n, const char *signer, const char *date,
                              const char *photo_path, char doc[CARD_UUID_BUFSZ], card_rows **out,
                              card_diag *diag) CARD_WUR;

/* Supply `count` cards from city stock to `to` (a district or a school) as ordered; signer,
 * date and photo_path: the receipt signed at the destination, as for card_return.
 * *out: ranges, count, ordered, supplied, sha256, photo_width, photo_height. */
CARD_API card_err card_supplement(card_store *st, const char *term, const char *to, uint64_t count,
                                  const char *signer, const char *date, const char *photo_path,
                                  char doc[CARD_UUID_BUFSZ], card_rows **out,
                                  card_diag *diag) CARD_WUR;

/* Charge after the close.  *out: district, name, due_return, returned, count, face_value_fen,
 * amount_fen, doc, created (t on the run that made them).  CARD_ERR_STATE before S+31. */
CARD_API card_err card_charge(card_store *st, const char *term, card_rows **out,
                              card_diag *diag) CARD_WUR;

/* Replace a school's defective card `serial`: void it, issue a good one from the district's
 * stock, else the city's.  requested: "YYYY-MM-DD" or NULL (today).  *out: old_serial,
 * new_serial, source, state, due, late.  Refused for a redeemed or void card, or a card the
 * school does not hold. */
CARD_API card_err card_replace(card_store *st, const char *term, const char *school,
                               uint64_t serial, const char *reason, const char *requested,
                               char doc[CARD_UUID_BUFSZ], card_rows **out,
                               card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
