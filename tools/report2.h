/*
 * report2.h -- the forms of workflow part 2 (cmd_report2.c, forms.c): the `cardctl report`
 * subcommands annex4, annex5, annex6, coverage, finance, and the writers of the two forms that
 * also come as printable HTML.
 */
#ifndef CARDCTL_REPORT2_H
#define CARDCTL_REPORT2_H

#include "cli.h"
#include "table.h"

/* The term as the forms name it (card_term_name(): "2016年秋季学期"), or its code when it is
 * not a term code; returns buf. */
const char *form_term(const char *code, char buf[CARD_TERM_NAME_BUFSZ]);

int report_annex4(struct cli *cli, int argc, char **argv);
int report_annex5(struct cli *cli, int argc, char **argv);
int report_annex6(struct cli *cli, int argc, char **argv);
int report_coverage(struct cli *cli, int argc, char **argv);
int report_finance(struct cli *cli, int argc, char **argv);

/* Annex 6 of one district from its Annex 5 rows (r5), Annex 4 rows (r4), the server's Annex 6
 * row (r6: the figures that do not match and the verdict) and final report (fin, 0 or 1 row):
 * the HTML page for TABLE_HTML, else a two-column form table in fmt. */
card_err annex6_write(const char *term, const char *district, const card_rows *r5,
                      const card_rows *r4, const card_rows *r6, const card_rows *fin,
                      enum table_format fmt, const char *out, card_diag *d);
/* The coverage table (rows of card_report_coverage), or for TABLE_HTML the page with bar
 * charts. */
card_err coverage_write(const char *term, const char *district, const card_rows *r,
                        enum table_format fmt, const char *out, card_diag *d);

#endif
