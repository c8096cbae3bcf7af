/*
 * rowsout.c -- card_rows as JSON, aligned text, or a report table.  See rowsout.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rowsout.h"

/* A read the program cannot do without: say which column and stop. */
static void row_die(card_err rc, const card_diag *d)
{
	fprintf(stderr, "cardctl: %s\n", d->message[0] != '\0' ? d->message : card_strerror(rc));
	if (d->hint[0] != '\0')
		fprintf(stderr, "HINT: %s\n", d->hint);
	exit(cli_exit_for(rc) == EXIT_USAGE ? EXIT_FAILED : cli_exit_for(rc));
}

/* The index of column `name`, checked like row_text's. */
static size_t row_col(const card_rows *r, const char *name)
{
	size_t c = card_rows_col(r, name);
	if (c == (size_t)-1) {
		bool dummy;
		card_diag d;
		card_diag_clear(&d);
		row_die(card_rows_null(r, 0, name, &dummy, &d), &d);
	}
	return c;
}

void fen_yuan(long long fen, char out[32])
{
	snprintf(out, 32, "%s%lld.%02lld", fen < 0 ? "-" : "", llabs(fen) / 100, llabs(fen) % 100);
}

const char *row_text(const card_rows *r, size_t row, const char *name)
{
	const char *v = "";
	card_diag d;
	card_err rc;
	card_diag_clear(&d);
	rc = card_rows_text(r, row, name, &v, &d);
	if (rc != CARD_OK)
		row_die(rc, &d);
	return v;
}

long long row_int(const card_rows *r, size_t row, const char *name)
{
	long long v = 0;
	card_diag d;
	card_err rc;
	card_diag_clear(&d);
	rc = card_rows_int(r, row, name, &v, &d);
	if (rc != CARD_OK)
		row_die(rc, &d);
	return v;
}

bool row_bool(const card_rows *r, size_t row, const char *name)
{
	bool v = false;
	card_diag d;
	card_err rc;
	card_diag_clear(&d);
	rc = card_rows_bool(r, row, name, &v, &d);
	if (rc != CARD_OK)
		row_die(rc, &d);
	return v;
}

bool row_null(const card_rows *r, size_t row, const char *name)
{
	bool v = false;
	card_diag d;
	card_err rc;
	card_diag_clear(&d);
	rc = card_rows_null(r, row, name, &v, &d);
	if (rc != CARD_OK)
		row_die(rc, &d);
	return v;
}

void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void rows_json_object(FILE *f, const card_rows *r, size_t row)
{
	fputc('{', f);
	for (size_t c = 0; c < card_rows_ncols(r); c++) {
		const char *v = card_rows_get(r, row, c);
		if (c > 0)
			fputs(", ", f);
		json_str(f, card_rows_name(r, c));
		fputs(": ", f);
		if (card_rows_isnull(r, row, c))
			fputs("null", f);
		else if (card_rows_type(r, c) == CARD_COL_INT)
			fputs(v, f);
		else if (card_rows_type(r, c) == CARD_COL_BOOL)
			fputs(strcmp(v, "t") == 0 ? "true" : "false", f);
		else
			json_str(f, v);
	}
	fputc('}', f);
}

void rows_json_array(FILE *f, const card_rows *r)
{
	fputc('[', f);
	for (size_t i = 0; i < card_rows_count(r); i++) {
		if (i > 0)
			fputs(", ", f);
		rows_json_object(f, r, i);
	}
	fputc(']', f);
}

int text_cols(const char *s)
{
	int w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x80)
			w += 1;
		else if (*p >= 0xE0)
			w += 2;
		else if (*p >= 0xC0)
			w += 1;
	}
	return w;
}

void text_pad(FILE *f, const char *s, int width, int right)
{
	int n = width - text_cols(s);
	if (right)
		for (; n > 0; n--)
			fputc(' ', f);
	fputs(s, f);
	if (!right)
		for (; n > 0; n--)
			fputc(' ', f);
}

void rows_print(FILE *f, const card_rows *r, const struct rows_col *cols, size_t ncols)
{
	int *w = calloc(ncols ? ncols : 1, sizeof(int));
	size_t *idx = calloc(ncols ? ncols : 1, sizeof(size_t));

	if (w == NULL || idx == NULL)
		goto out;
	for (size_t c = 0; c < ncols; c++) {
		idx[c] = row_col(r, cols[c].name);
		w[c] = text_cols(cols[c].heading);
		for (size_t i = 0; i < card_rows_count(r); i++) {
			int n = text_cols(card_rows_get(r, i, idx[c]));
			if (n > w[c])
				w[c] = n;
		}
	}
	for (size_t c = 0; c < ncols; c++) {
		text_pad(f, cols[c].heading, c + 1 < ncols ? w[c] : 0, card_rows_type(r, idx[c]) == CARD_COL_INT);
		fputs(c + 1 < ncols ? "  " : "\n", f);
	}
	for (size_t i = 0; i < card_rows_count(r); i++)
		for (size_t c = 0; c < ncols; c++) {
			const char *v = card_rows_get(r, i, idx[c]);
			if (card_rows_type(r, idx[c]) == CARD_COL_BOOL)
				v = strcmp(v, "t") == 0 ? "yes" : strcmp(v, "f") == 0 ? "no" : v;
			text_pad(f, v, c + 1 < ncols ? w[c] : 0, card_rows_type(r, idx[c]) == CARD_COL_INT);
			fputs(c + 1 < ncols ? "  " : "\n", f);
		}
out:
	free(w);
	free(idx);
}

card_err rows_report(const card_rows *r, const char *title, const char *sheet,
                     const struct table_col *tcols, const char *const *names, size_t ncols,
                     enum table_format fmt, const char *out, card_diag *diag)
{
	struct table *t = table_new(title, sheet, tcols, ncols);
	const char **cells = calloc(ncols ? ncols : 1, sizeof(*cells));
	card_err rc = CARD_ERR_NOMEM;

	if (t == NULL || cells == NULL)
		goto out;
	for (size_t i = 0; i < card_rows_count(r); i++) {
		for (size_t c = 0; c < ncols; c++)
			cells[c] = row_text(r, i, names[c]);
		rc = table_add_row(t, cells, diag);
		if (rc != CARD_OK)
			goto out;
	}
	rc = table_write(t, fmt, out, diag);
out:
	free(cells);
	table_free(t);
	return rc;
}
