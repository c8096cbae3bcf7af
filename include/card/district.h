/*
 * card/district.h -- the batch forms of delivery and distribution for a whole district
 * (docs/workflow.md, "A district's term in batches"): ship each school its census (or the
 * counts of a file), record many receipts, record distribution at many schools, each in one
 * call and one transaction.
 *
 * Every line is checked by the single form's own rules (card_ship, card_receive,
 * card_distribute; sql/functions/delivery.sql): all or nothing.  When any line is refused,
 * nothing is recorded, the call returns CARD_ERR_REJECTED, diag says how many lines have
 * problems, and *out holds one row per problem (line, school, problem, detail; line 0 for the
 * batch as a whole, detail may be empty), in line order.  On CARD_OK *out holds one row per
 * line with its document (columns below) and an empty problem.  A login that may not act for
 * the district gets CARD_ERR_PERMISSION and nothing else.
 *
 * Ownership: inputs are read during the call; the card_rows returned are the caller's.
 * Thread-safety: as card_store.
 */
#ifndef CARD_DISTRICT_H
#define CARD_DISTRICT_H

#include <stddef.h>
#include <card/err.h>
#include <card/rows.h>
#include <card/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One line of a district's batch file, cells as read (NULL or "" when empty): the server
 * parses and checks them, naming the line. */
typedef struct card_school_line {
	long line;          /* line number in the file, for messages */
	const char *school; /* a school of the district (distribute, receive: or the district) */
	const char *count; /* ship, distribute: cards; receive: cards counted (empty: as shipped) */
	const char *date;  /* receive: day signed; distribute: day handed out (empty: today) */
	const char *signer;   /* receive: who signed the receipt */
	const char *photo;    /* receive: path of the photo of the signed receipt */
	const char *shipment; /* receive: the shipment's UUID (empty: the one not yet received) */
} card_school_line;

/* What each school of the district still has to be shipped: school, name, census (students
 * and teachers of its approved census), shipped (every shipment to it so far), due. */
CARD_API card_err card_ship_due(card_store *st, const char *term, const char *district,
                                card_rows **out, card_diag *diag) CARD_WUR;

/*
 * Ship each line's school its count from `from` (NULL: the city centre, by courier, address
 * from the school; else the district's depot), as card_ship does.  lines NULL (n 0): every
 * school of the district its census still due (card_ship_due; schools with nothing due are
 * left out; CARD_OK with *out NULL when none is due, CARD_ERR_STATE when no school has
 * an approved census).  Rows: line, school, shipment, count,
 * ranges, due, late, courier.
 */
CARD_API card_err card_ship_schools(card_store *st, const char *term, const char *district,
                                    const char *from, const card_school_line *lines, size_t n,
                                    card_rows **out, card_diag *diag) CARD_WUR;

/*
 * Record each line's receipt as card_receive does: school, date, signer, photo (read and
 * checked like card_receive's; a relative path is taken from the current directory), count
 * and shipment optional.  Rows: line, school, receipt, shipment, shipped, counted,
 * discrepancy, late, sha256.
 */
CARD_API card_err card_receive_schools(card_store *st, const char *term, const char *district,
                                       const card_school_line *lines, size_t n, card_rows **out,
                                       card_diag *diag) CARD_WUR;

/*
 * Record each line's distribution as card_distribute does: school (or the district itself,
 * its bureau staff), count, date.  Rows: line, school, distribution, count, distributed,
 * census, due, late.
 */
CARD_API card_err card_distribute_schools(card_store *st, const char *term, const char *district,
                                          const card_school_line *lines, size_t n, card_rows **out,
                                          card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
