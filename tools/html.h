/*
 * html.h -- self-contained HTML pages for cardctl's printable forms (Annex 6, the coverage
 * report): one file, inline CSS and SVG, no external assets, UTF-8.  Not thread-safe (one
 * page, one thread).
 *
 * A page is written as every report file is (outfile.h: created exclusively beside the
 * target, mode OUTFILE_MODE) and renamed on html_close(), so a failure leaves no
 * half-written page.  html_open(NULL or "-") writes to stdout.
 */
#ifndef CARDCTL_HTML_H
#define CARDCTL_HTML_H

#include <stdio.h>

#include <card/card.h>

struct html;

/* Start a page with a title (escaped); *out is the caller's to html_close(). */
card_err html_open(const char *path, const char *title, struct html **out, card_diag *diag);
/* Finish the page and move it into place; frees h (NULL is a no-op). */
card_err html_close(struct html *h, card_diag *diag);
/* Abandon the page (on error): removes the temporary file; frees h. */

FILE *html_file(struct html *h);
/* Write text escaped for HTML. */
void html_text(struct html *h, const char *s);
/* printf raw markup (the caller escapes what it interpolates with html_text). */
void html_raw(struct html *h, const char *fmt, ...) CARD_PRINTF(2, 3);

/* A horizontal bar chart in inline SVG: n bars labelled labels[i] with values[i] in 0..max,
 * value text shown as texts[i] (may be NULL: the value).  Width 1000 user units. */
void html_bars(struct html *h, const char *caption, const char *const *labels, const double *values,
               const char *const *texts, size_t n, double max);

#endif
