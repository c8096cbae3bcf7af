/*
 * table.c -- report tables written as CSV (UTF-8 BOM, CRLF), XLSX (libxlsxwriter), an aligned
 * text table or JSON.
 * See table.h.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "outfile.h"
#include "rowsout.h"
#include "table.h"

struct table {
	char *title, *sheet;
	struct table_col *cols;
	size_t ncols;
	char **cells; /* nrows * ncols, row-major; NULL = empty */
	size_t nrows, cap;
};

struct table *table_new(const char *title, const char *sheet, const struct table_col *cols,
                        size_t ncols)
{
	struct table *t = calloc(1, sizeof(*t));
	size_t i, j = 0, k = 0;
	const char *sh = sheet != NULL ? sheet : "Sheet1";

	if (t == NULL)
		return NULL;
	t->title = strdup(title != NULL ? title : "");
	t->sheet = calloc(1, 32 * 4 + 1);
	t->cols = calloc(ncols ? ncols : 1, sizeof(*t->cols));
	if (t->title == NULL || t->sheet == NULL || t->cols == NULL)
		goto fail;
	/* Excel: at most 31 characters, none of []:*?/\ ; count UTF-8 lead bytes. */
	for (i = 0; sh[i] != '\0'; i++) {
		unsigned char c = (unsigned char)sh[i];
		if (strchr("[]:*?/\\", c) != NULL)
			continue;
		if ((c & 0xC0) != 0x80 && ++j > 31)
			break;
		t->sheet[k++] = sh[i];
	}
	t->ncols = ncols;
	for (i = 0; i < ncols; i++) {
		t->cols[i].type = cols[i].type;
		t->cols[i].header = strdup(cols[i].header);
		if (t->cols[i].header == NULL)
			goto fail;
	}
	return t;
fail:
	table_free(t);
	return NULL;
}

void table_free(struct table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	for (size_t i = 0; t->cols != NULL && i < t->ncols; i++)
		free((char *)t->cols[i].header);
	free(t->cells);
	free(t->cols);
	free(t->title);
	free(t->sheet);
	free(t);
}

size_t table_rows(const struct table *t)
{
	return t->nrows;
}

static int valid_int(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* A decimal: optional '-', digits, and when decimals > 0 a '.' and exactly that many digits
 * (decimals < 0: any number of them, the point optional). */
static int valid_decimal(const char *s, int decimals)
{
	int before = 0, after = -1;

	if (*s == '-')
		s++;
	for (; *s != '\0'; s++) {
		if (*s == '.' && after < 0)
			after = 0;
		else if (*s >= '0' && *s <= '9' && after < 0)
			before++;
		else if (*s >= '0' && *s <= '9')
			after++;
		else
			return 0;
	}
	if (before == 0 || after == 0)
		return 0;
	return decimals < 0 || after == decimals;
}

static int parse_date(const char *s, int *y, int *m, int *d)
{
	char end;
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", y, m, d, &end) != 3)
		return 0;
	return *y >= 1900 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31;
}

card_err table_add_row(struct table *t, const char *const *cells, card_diag *diag)
{
	size_t base, i;

	for (i = 0; i < t->ncols; i++) {
		const char *c = cells[i];
		int y, m, d;
		if (c == NULL || *c == '\0')
			continue;
		if ((t->cols[i].type == TABLE_INT && !valid_int(c)) ||
		    (t->cols[i].type == TABLE_DATE && !parse_date(c, &y, &m, &d)) ||
		    (t->cols[i].type == TABLE_MONEY && !valid_decimal(c, 2)) ||
		    (t->cols[i].type == TABLE_RATE && !valid_decimal(c, -1))) {
			card_diag_set(diag, "report column \"%s\" got \"%s\"", t->cols[i].header,
			              c);
			return CARD_ERR_INVALID_ARG;
		}
	}
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **p = realloc(t->cells, cap * t->ncols * sizeof(*p));
		if (p == NULL)
			return CARD_ERR_NOMEM;
		t->cells = p;
		t->cap = cap;
	}
	base = t->nrows * t->ncols;
	for (i = 0; i < t->ncols; i++) {
		t->cells[base + i] = NULL;
		if (cells[i] != NULL && cells[i][0] != '\0' &&
		    (t->cells[base + i] = strdup(cells[i])) == NULL) {
			while (i-- > 0)
				free(t->cells[base + i]);
			return CARD_ERR_NOMEM;
		}
	}
	t->nrows++;
	return CARD_OK;
}

int table_parse_format(const char *s, enum table_format *out)
{
	if (s != NULL && strcmp(s, "csv") == 0)
		*out = TABLE_CSV;
	else if (s != NULL && strcmp(s, "xlsx") == 0)
		*out = TABLE_XLSX;
	else if (s != NULL && strcmp(s, "text") == 0)
		*out = TABLE_PLAIN;
	else if (s != NULL && strcmp(s, "json") == 0)
		*out = TABLE_JSON;
	else
		return -1;
	return 0;
}

int table_pick_format(const char *format, const char *out, int json, int html_ok,
                      enum table_format *fmt)
{
	static const struct {
		const char *ext;
		enum table_format fmt;
	} exts[] = { { ".csv", TABLE_CSV },
		     { ".xlsx", TABLE_XLSX },
		     { ".txt", TABLE_PLAIN },
		     { ".json", TABLE_JSON },
		     { ".html", TABLE_HTML } };
	size_t n;

	if (format != NULL && html_ok && strcmp(format, "html") == 0) {
		*fmt = TABLE_HTML;
		return 0;
	}
	if (format != NULL)
		return table_parse_format(format, fmt);
	if (json) {
		*fmt = TABLE_JSON;
		return 0;
	}
	if (out == NULL || strcmp(out, "-") == 0) {
		*fmt = TABLE_PLAIN;
		return 0;
	}
	n = strlen(out);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t e = strlen(exts[i].ext);
		if (n > e && strcasecmp(out + n - e, exts[i].ext) == 0 &&
		    (html_ok || exts[i].fmt != TABLE_HTML)) {
			*fmt = exts[i].fmt;
			return 0;
		}
	}
	return -1;
}

const char *table_format_problem(char *buf, size_t n, const char *format, const char *out,
                                 int html_ok)
{
	const char *allowed = html_ok ? "csv|xlsx|html|text|json" : "csv|xlsx|text|json";
	if (format != NULL)
		snprintf(buf, n, "--format %s: \"%s\" is none of them", allowed, format);
	else
		snprintf(buf, n,
		         "cannot tell a report format from the name \"%s\": give --format %s",
		         out != NULL ? out : "", allowed);
	return buf;
}

static int numeric(const char *s);

/* A cell a spreadsheet would run as a formula: it starts with =, +, -, @, a tab or a carriage
 * return and is not a plain number (a negative count stays a number) nor the lone "-" the
 * forms print for "none". */
static int formula_like(const char *s)
{
	return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL && !numeric(s) &&
	       strcmp(s, "-") != 0;
}

/* One CSV field (RFC 4180 quoting).  A name or reason that a spreadsheet would take for a
 * formula (=HYPERLINK(...), +1, @SUM...) is written as text: quoted, with a leading single
 * quote, as spreadsheet-safety guides (OWASP's "CSV injection") recommend. */
static void csv_field(FILE *f, const char *s)
{
	int formula;

	if (s == NULL)
		return;
	formula = formula_like(s);
	if (!formula && strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void write_csv(const struct table *t, FILE *f)
{
	fputs("\xEF\xBB\xBF", f);
	for (size_t i = 0; i < t->ncols; i++) {
		if (i > 0)
			fputc(',', f);
		csv_field(f, t->cols[i].header);
	}
	fputs("\r\n", f);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t i = 0; i < t->ncols; i++) {
			if (i > 0)
				fputc(',', f);
			csv_field(f, t->cells[r * t->ncols + i]);
		}
		fputs("\r\n", f);
	}
}

static int numeric(const char *s)
{
	int digits = 0;
	if (*s == '-')
		s++;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (*s != '.')
			return 0;
	}
	return digits > 0;
}

/* Title, header, a rule, the rows: columns two spaces apart and padded to their widest cell
 * (CJK counts two columns); numbers align right; no trailing blanks. */
static void write_plain(const struct table *t, FILE *f)
{
	int *w = calloc(t->ncols ? t->ncols : 1, sizeof(int));
	char *right = calloc(t->ncols ? t->ncols : 1, 1);
	int total = 0;

	if (w == NULL || right == NULL)
		goto out;
	for (size_t i = 0; i < t->ncols; i++) {
		w[i] = text_cols(t->cols[i].header);
		right[i] = 1;
		for (size_t r = 0; r < t->nrows; r++) {
			const char *c = t->cells[r * t->ncols + i];
			if (c == NULL || *c == '\0')
				continue;
			if (text_cols(c) > w[i])
				w[i] = text_cols(c);
			if (!numeric(c))
				right[i] = 0;
		}
		right[i] |= t->cols[i].type == TABLE_INT || t->cols[i].type == TABLE_MONEY ||
		            t->cols[i].type == TABLE_RATE;
		total += w[i] + (i > 0 ? 2 : 0);
	}
	fprintf(f, "%s\n", t->title);
	for (size_t r = 0; r <= t->nrows; r++) {
		size_t last = 0;
		for (size_t i = 0; i < t->ncols; i++) {
			const char *c =
				r == 0 ? t->cols[i].header : t->cells[(r - 1) * t->ncols + i];
			if (c != NULL && *c != '\0')
				last = i;
		}
		for (size_t i = 0; i <= last && i < t->ncols; i++) {
			const char *c =
				r == 0 ? t->cols[i].header : t->cells[(r - 1) * t->ncols + i];
			/* the last cell of a line is not padded, unless it is a number aligned right */
			text_pad(f, c != NULL ? c : "", i < last || right[i] ? w[i] : 0, right[i]);
			fputs(i < last ? "  " : "\n", f);
		}
		if (r == 0) {
			for (int i = 0; i < total; i++)
				fputc('-', f);
			fputc('\n', f);
		}
	}
out:
	free(w);
	free(right);
}

static void write_json(const struct table *t, FILE *f)
{
	json_t *cols = json_array(), *rows = json_array();

	for (size_t i = 0; i < t->ncols; i++)
		json_array_append_new(cols, json_string(t->cols[i].header));
	for (size_t r = 0; r < t->nrows; r++) {
		json_t *row = json_array();
		for (size_t i = 0; i < t->ncols; i++) {
			const char *c = t->cells[r * t->ncols + i];
			if (c == NULL || *c == '\0')
				json_array_append_new(row, json_null());
			else if (t->cols[i].type == TABLE_INT) /* checked by table_add_row() */
				json_array_append_new(row, json_integer(strtoll(c, NULL, 10)));
			else
				json_array_append_new(row, json_string(c));
		}
		json_array_append_new(rows, row);
	}
	json_print(f,
	           json_pack("{s:s, s:o, s:o}", "title", t->title, "columns", cols, "rows", rows));
	fputc('\n', f);
}

static void write_stream(const struct table *t, enum table_format fmt, FILE *f)
{
	if (fmt == TABLE_PLAIN)
		write_plain(t, f);
	else if (fmt == TABLE_JSON)
		write_json(t, f);
	else
		write_csv(t, f);
}

static card_err write_xlsx(const struct table *t, const char *path, card_diag *diag)
{
	lxw_workbook *wb = workbook_new(path);
	lxw_worksheet *ws;
	lxw_format *bold, *title, *date, *count, *money, *rate;
	lxw_error e;
	card_err rc = CARD_OK;

	if (wb == NULL) {
		card_diag_set(diag, "could not create \"%s\"", path);
		return CARD_ERR_IO;
	}
	ws = workbook_add_worksheet(wb, t->sheet[0] ? t->sheet : NULL);
	bold = workbook_add_format(wb);
	title = workbook_add_format(wb);
	date = workbook_add_format(wb);
	format_set_bold(bold);
	format_set_border(bold, LXW_BORDER_THIN);
	format_set_bold(title);
	format_set_font_size(title, 14);
	format_set_num_format(date, "yyyy-mm-dd");
	/* counts, yuan and rates are numbers a clerk can sum, each with its number format */
	count = workbook_add_format(wb);
	money = workbook_add_format(wb);
	rate = workbook_add_format(wb);
	format_set_num_format(count, "0");
	format_set_num_format(money, "0.00");
	format_set_num_format(rate, "0.0%");
	if (t->ncols > 1)
		worksheet_merge_range(ws, 0, 0, 0, (lxw_col_t)(t->ncols - 1), t->title, title);
	else
		worksheet_write_string(ws, 0, 0, t->title, title);
	for (size_t i = 0; i < t->ncols; i++) {
		/* display columns (CJK two) are close enough to Excel's character units */
		double w = text_cols(t->cols[i].header);
		worksheet_write_string(ws, 1, (lxw_col_t)i, t->cols[i].header, bold);
		for (size_t r = 0; r < t->nrows; r++) {
			const char *c = t->cells[r * t->ncols + i];
			lxw_row_t row = (lxw_row_t)(r + 2);
			lxw_datetime dt = { 0 };
			if (c == NULL)
				continue;
			if (text_cols(c) > w)
				w = text_cols(c);
			enum table_type ty = t->cols[i].type;
			if (ty == TABLE_VALUE)
				ty = valid_int(c)          ? TABLE_INT
				     : valid_decimal(c, 2) ? TABLE_MONEY
				                           : TABLE_TEXT;
			if (ty == TABLE_INT)
				worksheet_write_number(ws, row, (lxw_col_t)i, strtod(c, NULL),
				                       count);
			else if (ty == TABLE_MONEY)
				worksheet_write_number(ws, row, (lxw_col_t)i, strtod(c, NULL),
				                       money);
			else if (ty == TABLE_RATE)
				worksheet_write_number(ws, row, (lxw_col_t)i,
				                       strtod(c, NULL) / 100.0, rate);
			else if (t->cols[i].type == TABLE_DATE &&
			         parse_date(c, &dt.year, &dt.month, &dt.day))
				worksheet_write_datetime(ws, row, (lxw_col_t)i, &dt, date);
			else
				worksheet_write_string(ws, row, (lxw_col_t)i, c, NULL);
		}
		if (t->cols[i].type == TABLE_DATE && w < 10)
			w = 10;
		worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, w > 60 ? 62 : w + 2, NULL);
	}
	worksheet_freeze_panes(ws, 2, 0);
	e = workbook_close(wb);
	if (e != LXW_NO_ERROR) {
		card_diag_set(diag, "could not write \"%s\": %s", path, lxw_strerror(e));
		rc = CARD_ERR_IO;
	}
	return rc;
}

card_err table_write(const struct table *t, enum table_format fmt, const char *path,
                     card_diag *diag)
{
	struct outfile o;
	card_err rc = CARD_OK;
	int to_stdout = path == NULL || strcmp(path, "-") == 0;

	if (fmt == TABLE_HTML) {
		card_diag_set(diag, "an HTML report is written by its form, not as a table");
		return CARD_ERR_INVALID_ARG;
	}
	if (to_stdout) {
		if (fmt == TABLE_XLSX) {
			card_diag_set(diag, "an XLSX report needs --out FILE");
			return CARD_ERR_INVALID_ARG;
		}
		write_stream(t, fmt, stdout);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			card_diag_set(diag, "could not write the report: %s", strerror(errno));
			return CARD_ERR_IO;
		}
		return CARD_OK;
	}
	/* Every format goes through the same exclusive temporary file (outfile.c); libxlsxwriter
	 * writes by name, so for XLSX the stream is closed and the file, in its private
	 * directory, written again by name. */
	rc = outfile_open(&o, path, diag);
	if (rc != CARD_OK)
		return rc;
	if (fmt == TABLE_XLSX) {
		fclose(o.f);
		o.f = NULL;
		rc = write_xlsx(t, o.tmp, diag);
	} else {
		write_stream(t, fmt, o.f);
	}
	if (rc == CARD_OK)
		rc = outfile_commit(&o, diag);
	else
		outfile_abort(&o);
	return rc;
}
