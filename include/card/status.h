/*
 * card/status.h -- where every card of a term is, against the plan, and what is late
 * (`cardctl status`).  Read-only.  Rules: sql/functions/calendar.sql (card.term_status,
 * card.term_deadlines, card.term_flags).
 *
 * Ownership: card_rows returned are the caller's.  Thread-safety: as card_store.
 */
#ifndef CARD_STATUS_H
#define CARD_STATUS_H

#include <card/err.h>
#include <card/rows.h>
#include <card/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Per organisation (district NULL: the whole city; else that district and its schools):
 * org, name, kind, district, planned, stock, transit, distributed, redeemed, void. */
CARD_API card_err card_status_orgs(card_store *st, const char *term, const char *district,
                                   card_rows **out, card_diag *diag) CARD_WUR;
/* The term's deadlines: step, zh, due, days_left, passed, state
 * (passed/today/coming). */
CARD_API card_err card_status_deadlines(card_store *st, const char *term, card_rows **out,
                                        card_diag *diag) CARD_WUR;
/* What needs attention: flag, count, which. */
CARD_API card_err card_status_flags(card_store *st, const char *term, const char *district,
                                    card_rows **out, card_diag *diag) CARD_WUR;
/* Totals of the term: minted, planned, city_stock, district_stock, school_stock, transit,
 * distributed, redeemed, void (district non-NULL: only that district's holders). */
CARD_API card_err card_status_totals(card_store *st, const char *term, const char *district,
                                     card_rows **out, card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
