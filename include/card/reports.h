/*
 * card/reports.h -- the figures of the final forms of a term (workflow part 2):
 *
 *   Annex 4 (余缺调剂表)  card_report_annex4: per school the approved surplus, shortage and
 *                         reason; per district ("小计" row, school NULL) the city's orders,
 *                         returned, supplied, not returned and the charge.
 *   Annex 5 (发放汇总表)  card_report_annex5: per school and district planned, shipped,
 *                         received (signer, date), distributed, returned, supplemented,
 *                         replaced, charged.
 *   Annex 6 (验收证明)    filled from the Annex 5 district row and card_final_report_file().
 *   coverage (普及率)     card_report_coverage: per district and school handed out, redeemed,
 *                         rate (percent, one decimal), unredeemed; per district the timeliness
 *                         of its census, receipts, adjustment report and final report.
 *   finance               card_report_finance: per district and for the city: planned,
 *                         produced, shipped, distributed, redeemed, void, returned,
 *                         supplemented, charged (cards and fen).
 *
 * The queries are in sql/functions/reports.sql; row-level security applies.  district NULL means
 * every district the caller may see.  The column names are listed in that file.
 *
 * Ownership: card_rows returned are the caller's (card_rows_free).  Thread-safety: as
 * card_store.
 */
#ifndef CARD_REPORTS_H
#define CARD_REPORTS_H

#include <card/err.h>
#include <card/rows.h>
#include <card/store.h>
#include <card/uuid.h>

#ifdef __cplusplus
extern "C" {
#endif

CARD_API card_err card_report_annex4(card_store *st, const char *term, const char *district,
                                     card_rows **out, card_diag *diag) CARD_WUR;
CARD_API card_err card_report_annex5(card_store *st, const char *term, const char *district,
                                     card_rows **out, card_diag *diag) CARD_WUR;
CARD_API card_err card_report_coverage(card_store *st, const char *term, const char *district,
                                       card_rows **out, card_diag *diag) CARD_WUR;
CARD_API card_err card_report_finance(card_store *st, const char *term, card_rows **out,
                                      card_diag *diag) CARD_WUR;

/* A district files its final report (Annex 5 and 6), signed by `signer`; once: a later call
 * returns the first filing.  *out: doc, filed_on, late, created. */
CARD_API card_err card_final_report_file(card_store *st, const char *term, const char *district,
                                         const char *signer, card_rows **out,
                                         card_diag *diag) CARD_WUR;
/* The final report of a district, if filed: doc, signer, filed_on, late (no row if not). */
CARD_API card_err card_final_report_get(card_store *st, const char *term, const char *district,
                                        card_rows **out, card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
