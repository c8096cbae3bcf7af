/*
 * rowsout.c -- card_rows as JSON, aligned text, or a report table.  See rowsout.h.
 */
#include "config.h"

#include <errno.h>
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

const char *row_shown(const card_rows *r, size_t row, size_t col)
{
	if (card_rows_type(r, col) == CARD_COL_BOOL && !card_rows_isnull(r, row, col))
		return row_bool(r, row, card_rows_name(r, col)) ? "yes" : "no";
	return card_rows_get(r, row, col);
}

/* One cell as JSON: null, true/false, an integer, another number, or a string. */
static json_t *cell_json(const card_rows *r, size_t row, size_t c)
{
	const char *v = card_rows_get(r, row, c);
	char *end;

	if (card_rows_isnull(r, row, c))
		return json_null();
	switch (card_rows_type(r, c)) {
	case CARD_COL_BOOL:
		return json_boolean(strcmp(v, "t") == 0);
	case CARD_COL_INT: {
		long long n;
		double x;
		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno == 0 && end != v && *end == '\0')
			return json_integer(n);
		x = strtod(v, &end);
		if (end != v && *end == '\0')
			return json_real(x);
		return json_string(v);
	}
	case CARD_COL_TEXT:
	case CARD_COL_DATE:
		break;
	}
	return json_string(v);
}

json_t *row_json(const card_rows *r, size_t row)
{
	json_t *o = json_object();

	for (size_t c = 0; o != NULL && c < card_rows_ncols(r); c++)
		if (json_object_set_new(o, card_rows_name(r, c), cell_json(r, row, c)) != 0) {
			json_decref(o);
			o = NULL;
		}
	return o;
}

json_t *rows_json(const card_rows *r)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < card_rows_count(r); i++)
		if (json_array_append_new(a, row_json(r, i)) != 0) {
			json_decref(a);
			a = NULL;
		}
	return a;
}

int json_print(FILE *f, json_t *j)
{
	int rc = j != NULL ? json_dumpf(j, f, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15)) : -1;
	json_decref(j);
	return rc;
}

void json_line(json_t *j)
{
	json_print(stdout, j);
	putchar('\n');
}

void json_item(json_t *j, int *first)
{
	if (!*first)
		fputs(", ", stdout);
	json_print(stdout, j);
	*first = 0;
}

void rows_json_object(FILE *f, const card_rows *r, size_t row)
{
	json_print(f, row_json(r, row));
}

void rows_json_array(FILE *f, const card_rows *r)
{
	json_print(f, rows_json(r));
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
			int n = text_cols(row_shown(r, i, idx[c]));
			if (n > w[c])
				w[c] = n;
		}
	}
	for (size_t c = 0; c < ncols; c++) {
		text_pad(f, cols[c].heading, c + 1 < ncols ? w[c] : 0,
		         card_rows_type(r, idx[c]) == CARD_COL_INT);
		fputs(c + 1 < ncols ? "  " : "\n", f);
	}
	for (size_t i = 0; i < card_rows_count(r); i++)
		for (size_t c = 0; c < ncols; c++) {
			const char *v = row_shown(r, i, idx[c]);
			text_pad(f, v, c + 1 < ncols ? w[c] : 0,
			         card_rows_type(r, idx[c]) == CARD_COL_INT);
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

void problems_print(const struct cli *cli, const char *cmd, const char *nothing, const card_rows *p,
                    const char *hint)
{
	size_t k = card_rows_count(p);

	fprintf(stderr, "%s: %s: %zu problem%s, %s:\n", cli->prog, cmd, k, k == 1 ? "" : "s",
	        nothing);
	for (size_t i = 0; i < k; i++)
		fprintf(stderr, "  %s\n", row_text(p, i, "problem"));
	fprintf(stderr, "HINT: %s\n", hint);
	if (cli->json)
		json_line(json_pack("{s:b, s:o}", "refused", 1, "problems", rows_json(p)));
}
