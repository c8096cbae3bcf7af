/*
 * card/distribution.h -- a school hands its cards to its students and teachers (SPEC §1
 * "distribution", due S+7; later distributions are flagged late).
 *
 * Cards move from the school's stock to "distributed" (card.move_count); a district hands its
 * bureau staff their cards the same way (school = the district's code).  Refused: more than
 * the school holds, and more in all than its approved census counts (students and teachers):
 * "not one short, not one extra".  A distribution may carry its lines per grade and class (as
 * read from a file), which must add up to its count.  Rules: sql/functions/delivery.sql.
 *
 * Ownership: inputs are read during the call; card_rows returned are the caller's.
 * Thread-safety: as card_store.
 */
#ifndef CARD_DISTRIBUTION_H
#define CARD_DISTRIBUTION_H

#include <stddef.h>
#include <card/err.h>
#include <card/rows.h>
#include <card/store.h>
#include <card/uuid.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One line of a distribution file: grade, class (may be NULL), cards handed out. */
typedef struct card_dist_line {
	long line;
	const char *grade;
	const char *klass;
	long long count;
} card_dist_line;

/*
 * Distribute count cards at school (count = the sum of lines when lines are given; pass
 * count 0 then).  date NULL = today.  doc receives the distribution's UUID; *out (may be
 * NULL) one row: count, distributed (the school's total now), census, due, late.
 */
CARD_API card_err card_distribute(card_store *st, const char *term, const char *school,
                                  long long count, const char *date, const card_dist_line *lines,
                                  size_t nlines, char doc[CARD_UUID_BUFSZ], card_rows **out,
                                  card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
