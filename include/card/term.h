/*
 * card/term.h -- terms ("2026-autumn"), the bureau's day and the deadline calendar
 * (docs/workflow.md).
 *
 * The server owns the calendar: every deadline is computed by card.step_due from the rules
 * of card.calendar_rules (sql/functions/calendar.sql), and the day is the server's
 * card.bureau_today() (China Standard Time, or the drill day of a drill database).  This
 * header only asks for them.
 *
 * Dates are calendar dates without a time zone (card_date); they are compared and shifted
 * by days, never through time_t.  Thread-safety: the date functions are reentrant; the store
 * functions are as card_store.
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

typedef struct card_term {
	char code[CARD_TERM_BUFSZ];
	card_date start;      /* S */
	card_date census_due; /* Jan 15 (spring) / Jun 25 (autumn) of the year, unless set */
	int face_value_fen;   /* 5000 = 50 yuan */
	int closed;           /* 1 once closed */
} card_term;

/* "YYYY-spring" or "YYYY-autumn"; *autumn (may be NULL) gets 1 for autumn. */
CARD_API card_err card_term_parse_code(const char *code, int *year, int *autumn) CARD_WUR;

/* The term as officials write it on every form and page: "2016-autumn" -> "2016年秋季学期",
 * "2017-spring" -> "2017年春季学期" (UTF-8).  CARD_ERR_INPUT (and out "") for a code that
 * card_term_parse_code() refuses.  The one place this name is made. */
#define CARD_TERM_NAME_BUFSZ 32
CARD_API card_err card_term_name(const char *code, char out[CARD_TERM_NAME_BUFSZ]) CARD_WUR;

/* One step of the calendar, as card.term_calendar gives it. */
typedef struct card_deadline {
	char step[24]; /* "census", "delivery", ..., "replacement": the names cardctl, the forms
	                   and the docs use */
	char zh[32];   /* 人数统计, ... */
	char who[16];  /* "district", "city", "school" */
	char base[16]; /* what it counts from: "start" (S), "census_due", "request" */
	int days;      /* due = base + days */
	int has_due;   /* 0 when the base is not the term's (a replacement: the request) */
	card_date due;
	int offset_days; /* due - S, when has_due */
} card_deadline;

/* The calendar of a term, one entry per step in calendar order; free *out with free(). */
CARD_API card_err card_term_calendar(card_store *st, const char *term, card_deadline **out,
                                     size_t *n, card_diag *diag) CARD_WUR;

/* The bureau's day, from the server: the drill day when the database has one (*drill, may be
 * NULL, gets 1), else today in China Standard Time by the server's clock. */
CARD_API card_err card_bureau_today(card_store *st, card_date *out, int *drill,
                                    card_diag *diag) CARD_WUR;
/* Set (day non-NULL) or clear (NULL) the drill day of a drill or training database
 * (card.drill_day).  Only the database owner may: CARD_ERR_PERMISSION for anyone else. */
CARD_API card_err card_drill_day_set(card_store *st, const card_date *day,
                                     card_diag *diag) CARD_WUR;

/*
 * Create a term.  Checks: a valid code, start in the term's year (spring: January to June,
 * autumn: July to December).  A census_due of year 0 (all zero) asks the server for the
 * default, January 15 (spring) or June 25 (autumn) of the term's year; the server checks that
 * the census is due by delivery (card.term_new).  *census_due (may be NULL) gets the census due
 * date stored.  CARD_ERR_CONFLICT if it exists.
 */
CARD_API card_err card_term_new(card_store *st, const card_term *t, card_date *census_due,
                                card_diag *diag) CARD_WUR;
/* CARD_ERR_NOT_FOUND if there is no such term. */
CARD_API card_err card_term_get(card_store *st, const char *code, card_term *out,
                                card_diag *diag) CARD_WUR;
/* The current term: the latest term that has started by `today` (NULL: the bureau's day, from
 * the server), else the earliest. */
CARD_API card_err card_term_current(card_store *st, const card_date *today, card_term *out,
                                    card_diag *diag) CARD_WUR;
/* All terms by start date; free *out with free(). */
CARD_API card_err card_term_list(card_store *st, card_term **out, size_t *n,
                                 card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
