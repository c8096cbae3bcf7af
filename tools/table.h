/*
 * table.h -- report output for cardctl: one table (a form such as Annex 2), written as CSV
 * or XLSX.
 *
 * A table has a title (the form's name and term, e.g. "附件2 人数统计表 2026-autumn"), a
 * sheet name, typed columns with the Chinese headers of the paper form, and rows of text
 * cells.  Cells are kept as text and typed on output:
 *
 *   TABLE_TEXT  written as is;
 *   TABLE_INT   a decimal integer (optional '-'), written as a number in XLSX (format "0");
 *   TABLE_DATE  "YYYY-MM-DD", written as a date cell (yyyy-mm-dd) in XLSX;
 *   TABLE_MONEY yuan with two decimals ("100.00", optional '-'), a number in XLSX (format
 *               "0.00"), a string in JSON (exact, as printed);
 *   TABLE_RATE  a percentage as the forms print it ("31.3" for 31.3 %), in XLSX the number
 *               0.313 in percent format ("0.0%"), a string in JSON (as printed);
 *   TABLE_VALUE the value column of a filled-in form (Annex 6): each cell typed by its text, an
 *               integer as TABLE_INT, a decimal with two decimals as TABLE_MONEY, anything
 *               else as TABLE_TEXT (in XLSX only; a string in JSON).
 * An empty cell is written empty whatever the type.
 *
 * Formats: CSV and XLSX for files (below); text, an aligned table for a terminal (title, header,
 * a rule, the rows; CJK characters take two columns, numbers align right); JSON for programs
 * ({"title": ..., "columns": [headers], "rows": [[cells]]}, integers as numbers, empty cells
 * null).
 *
 * CSV is what Excel on Chinese Windows opens without a wizard: UTF-8 with a BOM, CRLF line
 * ends, RFC 4180 quoting; the first line is the header (no title, so the file stays
 * machine-readable).  XLSX (libxlsxwriter) has the title in a merged first row, the header in
 * bold in the second row (frozen), and column widths fitted to the contents (CJK characters
 * count twice).  The data cells of both are the same, so a reader can compare them.
 *
 * Ownership: table_new() copies the title, sheet name and column definitions; table_add_row()
 * copies the cells.  table_free(NULL) is a no-op.  Not thread-safe (one table, one thread).
 * Reused by every report of cardctl (Annex 2, plan, shipping list, Annex 4/5/6, coverage).
 */
#ifndef CARDCTL_TABLE_H
#define CARDCTL_TABLE_H

#include <stddef.h>

#include <card/card.h>

enum table_type {
	TABLE_TEXT = 0,
	TABLE_INT = 1,
	TABLE_DATE = 2,
	TABLE_MONEY = 3,
	TABLE_RATE = 4,
	TABLE_VALUE = 5
};
/* TABLE_HTML is a report's own page (forms.c, html.h): table_pick_format() names it for the
 * reports that have one; table_write() does not write it. */
enum table_format {
	TABLE_CSV = 0,
	TABLE_XLSX = 1,
	TABLE_PLAIN = 2,
	TABLE_JSON = 3,
	TABLE_HTML = 4
};

struct table_col {
	const char *header; /* as on the form, e.g. "学校编码" */
	enum table_type type;
};

struct table;

/* A new empty table, or NULL when out of memory.  sheet may be NULL ("Sheet1"); it is cut to
 * Excel's 31 characters and stripped of []:*?/\ . */
struct table *table_new(const char *title, const char *sheet, const struct table_col *cols,
                        size_t ncols);
void table_free(struct table *t);

/* Append a row of ncols cells (NULL = empty).  CARD_ERR_INVALID_ARG when a TABLE_INT,
 * TABLE_DATE, TABLE_MONEY or TABLE_RATE cell does not parse (a bug in the caller, not user
 * input). */
card_err table_add_row(struct table *t, const char *const *cells, card_diag *diag);

size_t table_rows(const struct table *t);

/* "csv", "xlsx", "text" or "json" -> *out; returns 0, or -1 for anything else. */
int table_parse_format(const char *s, enum table_format *out);

/*
 * The format of a report command: --format when given (table_parse_format, and "html" when
 * html_ok); else JSON when --json was given; else text when the report goes to stdout (out
 * NULL or "-"); else the extension of out (.csv, .xlsx, .txt, .json, and .html when html_ok).
 * Returns 0, or -1 when none of these applies.
 */
int table_pick_format(const char *format, const char *out, int json, int html_ok,
                      enum table_format *fmt);

/* The usage message for a format table_pick_format() refused.  Returns buf. */
const char *table_format_problem(char *buf, size_t n, const char *format, const char *out,
                                 int html_ok);

/* The --help paragraph of a report command on choosing its format (_HTML: with html). */
#define TABLE_FORMAT_HELP                                                                      \
	"Without --format: an aligned text table on stdout, JSON with --json, or the format\n" \
	"that --out FILE's extension names (.csv, .xlsx, .txt, .json).  CSV is UTF-8 with a\n" \
	"BOM and CRLF, as Excel on Chinese Windows opens it; XLSX needs --out.\n"
#define TABLE_FORMAT_HELP_HTML                                                                 \
	"Without --format: an aligned text table on stdout, JSON with --json, or the format\n" \
	"that --out FILE's extension names (.csv, .xlsx, .html, .txt, .json).  XLSX needs\n"   \
	"--out; HTML without it goes to stdout.\n"

/*
 * Write the table.  path NULL or "-" means stdout, for every format but XLSX (which needs a file);
 * TABLE_HTML is CARD_ERR_INVALID_ARG.
 * Files are written as every report file is (outfile.h: created exclusively beside path,
 * mode OUTFILE_MODE) and renamed, so a failure leaves no half-written report.  CARD_ERR_IO
 * with diag on failure.
 */
card_err table_write(const struct table *t, enum table_format fmt, const char *path,
                     card_diag *diag);

#endif
