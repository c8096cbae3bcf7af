/*
 * rowsout.h -- printing card_rows (card/rows.h) from cardctl: as JSON (--json) or as an
 * aligned text table for people, and turning them into a report table (table.h).
 * Reused by every listing command of the workflow.  Not thread-safe (writes to a FILE).
 */
#ifndef CARDCTL_ROWSOUT_H
#define CARDCTL_ROWSOUT_H

#include <stdio.h>

#include <jansson.h>

#include <card/card.h>

#include "table.h"

/* A column to show: the card_rows column name and the heading to print above it. */
struct rows_col {
	const char *name;
	const char *heading;
};

/*
 * Typed reads of a listing's cells by column name (card_rows_text/_int/_bool/_null).  cardctl
 * cannot go on when a result lacks a column it reads (the program and the schema disagree):
 * these print the library's message, which names the column, and exit with EXIT_FAILED.
 */
const char *row_text(const card_rows *r, size_t row, const char *name);
long long row_int(const card_rows *r, size_t row, const char *name);
bool row_bool(const card_rows *r, size_t row, const char *name);
bool row_null(const card_rows *r, size_t row, const char *name);

/* A cell as a clerk reads it on the screen: "yes"/"no" for a boolean (never PostgreSQL's
 * t/f), else its text ("" for NULL).  Every on-screen listing prints cells through this. */
const char *row_shown(const card_rows *r, size_t row, size_t col);

/* An amount in fen as yuan text: -150 -> "-1.50". */
void fen_yuan(long long fen, char out[32]);

/*
 * --json output: every JSON document cardctl prints is built with jansson and written by
 * json_print() (no hand-made escaping).  rows_json/row_json give the rows of a listing as an
 * array of objects / one object (all columns, typed: integers and booleans as such, other
 * numbers as numbers, NULL as null).  They return a new reference, or NULL when out of memory.
 */
json_t *rows_json(const card_rows *r);
json_t *row_json(const card_rows *r, size_t row);
/* Write j to f on one line, without a newline, and drop the reference (j may be NULL: then
 * nothing is written and -1 returned, as for a write error). */
int json_print(FILE *f, json_t *j);
/* json_print(stdout, j) and a newline: the --json answer of a command. */
void json_line(json_t *j);
/* An element of a JSON array streamed to stdout (code derive and verify print millions: no
 * tree of them all): the caller prints "[" and "]\n"; this prints the separator when *first is
 * 0, then j, and clears *first. */
void json_item(json_t *j, int *first);
/* The rows of r as a JSON array, or one of them as an object, on f (json_print(rows_json)). */
void rows_json_array(FILE *f, const card_rows *r);
void rows_json_object(FILE *f, const card_rows *r, size_t row);
/* An aligned text table of the given columns, headings first. */
void rows_print(FILE *f, const card_rows *r, const struct rows_col *cols, size_t ncols);
/* Display width of UTF-8 text (CJK counts two). */
int text_cols(const char *s);
/* Write s padded with spaces to width display columns, on the left when right is set. */
void text_pad(FILE *f, const char *s, int width, int right);

/*
 * Write a report of the given rows: one column per cols[i] (cols[i].name selects the card_rows
 * column, tcols[i] gives the form's header and type).  fmt/out as in table_write().
 * Returns a card_err; diag says why.
 */
card_err rows_report(const card_rows *r, const char *title, const char *sheet,
                     const struct table_col *tcols, const char *const *names, size_t ncols,
                     enum table_format fmt, const char *out, card_diag *diag);

/*
 * A refused input file (census import, adjust file): every problem in full, one a line on
 * stderr after "cardctl: CMD: N problems, NOTHING:" and before "HINT: hint", never cut to a
 * message's size; with --json also {"refused": true, "problems": [{line, problem}, ...]} on
 * stdout.  p: the rows (line, problem) of card_census_problems() or card_adjust_problems().
 */
struct cli;
void problems_print(const struct cli *cli, const char *cmd, const char *nothing, const card_rows *p,
                    const char *hint);

#endif
