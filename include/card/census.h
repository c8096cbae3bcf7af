/*
 * card/census.h -- the census of a term (Annex 2, 人数统计表): per school and grade the
 * students (with their textbook order count), per school the teachers, per district the
 * bureau staff.  docs/workflow.md describes the steps:
 *
 *   import (draft, re-import replaces it) -> submit (district centre; late after census_due)
 *   -> approve (district bureau: who and when; every school whose count differs from its
 *   textbook orders beyond the threshold needs an explanation) = the report to the city.
 *   The city can send a census back to draft with card_census_reopen() until the plan is minted.
 *
 * The rules are in sql/functions/census.sql; every step is one server-side call, so a rejected
 * step changes nothing.
 *
 * Ownership: strings passed in are only read during the call; card_rows returned are the
 * caller's (card_rows_free).  Thread-safety: as card_store.
 */
#ifndef CARD_CENSUS_H
#define CARD_CENSUS_H

#include <stddef.h>
#include <card/err.h>
#include <card/rows.h>
#include <card/store.h>
#include <card/uuid.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One line of a census file, cells as read (NULL or "" when empty). */
typedef struct card_census_row {
	long line;            /* line number in the file, for messages */
	const char *unit;     /* school code, district code (staff), or 合计/total */
	const char *category; /* 学生/教师/工作人员 or student/teacher/staff */
	const char *grade;    /* students only */
	const char *count;
	const char *textbooks; /* students only (and total rows) */
} card_census_row;

/*
 * The cross-check threshold: a school is flagged when |textbooks - students| exceeds both
 * pct percent of its students and abs cards.  Defaults 2 % and 5 cards.  pct < 0 or abs < 0
 * means "keep the census's current value".
 */
typedef struct card_threshold {
	double pct;
	long abs;
} card_threshold;
/* "2%", "10", "2%,10" -> *out (unset parts -1); 0 on success, -1 on bad text. */
CARD_API int card_threshold_parse(const char *text, card_threshold *out);

/*
 * Import rows as the draft census of `district` (NULL: every district the file names; each is
 * replaced).  On rejection (CARD_ERR_INPUT) diag->message is the first problem with its line
 * number, diag->detail lists them all.  doc receives the import's document UUID.  *summary
 * (may be NULL) gets one row per district: district, lines, students, teachers, staff,
 * textbooks.
 */
CARD_API card_err card_census_import(card_store *st, const char *term, const char *district,
                                     const card_census_row *rows, size_t n,
                                     const card_threshold *th, char doc[CARD_UUID_BUFSZ],
                                     card_rows **summary, card_diag *diag) CARD_WUR;

/*
 * Every problem card_census_import() would refuse the rows for, without importing anything:
 * *problems gets one row per problem, in the order of the file: line (integer; 0 for the file
 * as a whole) and problem (the full message, with its line number).  No row: the rows would
 * be imported.  A rejection lists only the first problem in full (diag->message; diag->detail
 * is cut to its size): this lists them all.
 */
CARD_API card_err card_census_problems(card_store *st, const char *term, const char *district,
                                       const card_census_row *rows, size_t n, card_rows **problems,
                                       card_diag *diag) CARD_WUR;

/* Submit a draft; *late (may be NULL) is 1 when after the census due date. */
CARD_API card_err card_census_submit(card_store *st, const char *term, const char *district,
                                     char doc[CARD_UUID_BUFSZ], int *late,
                                     card_diag *diag) CARD_WUR;

/* Approve a submitted census as `approver` (the person signing), first recording the
 * explanations schools[i] = texts[i] (i < nexplain).  CARD_ERR_REJECTED while a flagged
 * school has no explanation (detail lists them). */
CARD_API card_err card_census_approve(card_store *st, const char *term, const char *district,
                                      const char *approver, const char *const *schools,
                                      const char *const *texts, size_t nexplain,
                                      const card_threshold *th, card_diag *diag) CARD_WUR;

/* City: send a submitted or approved census back to draft (before the plan is minted). */
CARD_API card_err card_census_reopen(card_store *st, const char *term, const char *district,
                                     card_diag *diag) CARD_WUR;

/* One row per district census of the term (district NULL: all): district, name, state,
 * late, submitted_at, approved_at, approver, students, teachers, staff, textbooks, flagged,
 * unexplained. */
CARD_API card_err card_census_list(card_store *st, const char *term, const char *district,
                                   card_rows **out, card_diag *diag) CARD_WUR;
/* The cross-check of one district: school, name, students, textbooks, diff, flagged,
 * explanation. */
CARD_API card_err card_census_check(card_store *st, const char *term, const char *district,
                                    card_rows **out, card_diag *diag) CARD_WUR;
/* The Annex 2 lines (district NULL: all), in form order: district, district_name, school,
 * school_name, category (学生/教师/工作人员), grade, count, textbooks. */
CARD_API card_err card_census_lines(card_store *st, const char *term, const char *district,
                                    card_rows **out, card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
