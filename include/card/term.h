/*
 * card/term.h -- terms ("2026-autumn") and the deadline calendar of docs/workflow.md.
 *
 * Every date of the calendar follows from the term's start day S and its census due date:
 * delivery S-7, distribution S+7, district self-adjustment until delivery+7, adjustment
 * report S+14, city adjustment S+20, close and final reports S+30; a replacement is due 7
 * days after the school's request.  The calendar functions are pure (no database), so the
 * workflow code can flag late steps with them.
 *
 * Dates are calendar dates without a time zone (card_date); they are compared and shifted
 * by days, never through time_t.  Thread-safety: the date and calendar functions are
 * reentrant; the store functions are as card_store.
 */
#ifndef CARD_TERM_H
#define CARD_TERM_H

#include <card/err.h>
#include <card/store.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct card_date {
	int year, month, day;
} card_date;

#define CARD_DATE_BUFSZ 11 /* "YYYY-MM-DD" */
#define CARD_TERM_BUFSZ 16 /* "2026-autumn" */

/* Strict YYYY-MM-DD, a real date, years 2000..2999. */
CARD_API card_err card_date_parse(const char *text, card_date *out) CARD_WUR;
CARD_API void card_date_format(card_date d, char out[CARD_DATE_BUFSZ]);
CARD_API card_date card_date_add(card_date d, int days);
/* a - b in days (negative when a is earlier). */
CARD_API long card_date_diff(card_date a, card_date b);
/* Today in UTC+8 (China Standard Time), the bureau's calendar. */
CARD_API card_date card_date_today(void);

typedef struct card_term {
	char code[CARD_TERM_BUFSZ];
	card_date start;      /* S */
	card_date census_due; /* Jan 15 (spring) / Jun 25 (autumn) of the year, unless set */
	int face_value_fen;   /* 5000 = 50 yuan */
	int closed;           /* 1 once closed */
} card_term;

/* "YYYY-spring" or "YYYY-autumn"; *autumn (may be NULL) gets 1 for autumn. */
CARD_API card_err card_term_parse_code(const char *code, int *year, int *autumn) CARD_WUR;
/* The default census due date of a term code: Jan 15 or Jun 25 of its year. */
CARD_API card_err card_term_default_census(const char *code, card_date *out) CARD_WUR;

/* The steps of docs/workflow.md that have a due date, in calendar order. */
typedef enum card_step {
	CARD_STEP_CENSUS = 0,
	CARD_STEP_DELIVERY,
	CARD_STEP_DISTRIBUTION,
	CARD_STEP_SELF_ADJUST,   /* nominal: delivery due + 7; per district: card_self_adjust_due() */
	CARD_STEP_ADJUST_REPORT,
	CARD_STEP_CITY_ADJUST,
	CARD_STEP_CLOSE,
	CARD_STEP_FINAL_REPORT,
	CARD_STEP_COUNT
} card_step;

typedef struct card_deadline {
	card_step step;
	const char *name; /* "census", "delivery", ... (static) */
	const char *zh;   /* 人数统计, 配送, ... (static) */
	const char *who;  /* "district", "city", "school" (static) */
	card_date due;
} card_deadline;

/* The calendar of a term, one entry per step in card_step order. */
CARD_API void card_term_calendar(const card_term *t, card_deadline out[CARD_STEP_COUNT]);
CARD_API card_date card_term_due(const card_term *t, card_step step);
/* A district's self-adjustment window ends 7 days after its actual delivery. */
CARD_API card_date card_self_adjust_due(card_date delivered);
/* A replacement is due 7 days after the school's request. */
CARD_API card_date card_replacement_due(card_date requested);
/* 1 if a step done on `done` missed `due`. */
CARD_API int card_date_late(card_date due, card_date done);

/*
 * Create a term.  Checks: a valid code, start in the term's year (spring: January to June,
 * autumn: July to December), the census due at least 7 days before delivery (S-7).
 * CARD_ERR_CONFLICT if it exists.
 */
CARD_API card_err card_term_new(card_store *st, const card_term *t, card_diag *diag) CARD_WUR;
/* CARD_ERR_NOT_FOUND if there is no such term. */
CARD_API card_err card_term_get(card_store *st, const char *code, card_term *out,
                                card_diag *diag) CARD_WUR;
/* The current term: the latest term that has started by `today`, else the earliest. */
CARD_API card_err card_term_current(card_store *st, card_date today, card_term *out,
                                    card_diag *diag) CARD_WUR;
/* All terms by start date; free *out with free(). */
CARD_API card_err card_term_list(card_store *st, card_term **out, size_t *n,
                                 card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
