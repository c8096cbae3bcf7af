/*
 * card/plan.h -- the issuance plan of a term: per district its approved students, teachers and
 * staff, plus an optional city reserve (a percentage of the total, held in city stock).
 * Filed with the finance office (plan export) and minted as one batch laid out as one
 * contiguous serial range per district (batch mint --plan).
 *
 * Making the plan refuses while a district has no approved census, unless the caller lists
 * it in `without`; the plan can be re-made until it is minted.  Rules: sql/functions/delivery.sql.
 *
 * Ownership: inputs are read during the call; card_rows returned are the caller's.
 * Thread-safety: as card_store.
 */
#ifndef CARD_PLAN_H
#define CARD_PLAN_H

#include <stddef.h>
#include <card/err.h>
#include <card/keyring.h>
#include <card/rows.h>
#include <card/store.h>
#include <card/uuid.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Make (or re-make) the plan; doc receives its document UUID; reserve_pct 0..100. */
CARD_API card_err card_plan_make(card_store *st, const char *term, double reserve_pct,
                                 const char *const *without, size_t nwithout,
                                 char doc[CARD_UUID_BUFSZ], card_diag *diag) CARD_WUR;

/* The plan, one row per district and a last row for the city reserve: org, name, kind,
 * students, teachers, staff, reserve, total, first_serial, last_serial (the range once
 * minted), and for every row the plan's doc, reserve_pct, made_at, made_by, batch,
 * proceed_without, face_value_fen.  CARD_ERR_NOT_FOUND when the term has no plan. */
CARD_API card_err card_plan_get(card_store *st, const char *term, card_rows **out,
                                card_diag *diag) CARD_WUR;

/*
 * Mint the plan: one batch of (total + reserve) cards under key_id in city stock, recorded as
 * the plan's batch with each district's contiguous range, in one transaction (all or
 * nothing).  kr must hold key_id (CARD_ERR_KEY_NOT_FOUND otherwise: a batch nobody can
 * print is refused).  batch receives the batch's UUID, *first and *count its serials.
 * CARD_ERR_STATE when there is no plan or it is minted already.
 */
CARD_API card_err card_plan_mint(card_store *st, const card_keyring *kr, const char *term,
                                 unsigned key_id, char batch[CARD_UUID_BUFSZ], long long *first,
                                 long long *count, card_diag *diag) CARD_WUR;

/*
 * The serial range of one plan line (a district, or the city's reserve) in the minted plan:
 * *first and *count, and the plan's batch (may be NULL).  CARD_ERR_NOT_FOUND when the term
 * has no plan or the org no line; CARD_ERR_STATE when the plan is not minted yet.
 */
CARD_API card_err card_plan_range(card_store *st, const char *term, const char *org,
                                  char batch[CARD_UUID_BUFSZ], long long *first, long long *count,
                                  card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
