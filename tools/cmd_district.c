/*
 * cmd_district.c -- the batch forms for a whole district (card/district.h): `ship
 * --all-schools` and `ship --schools FILE`, `receive --schools FILE`, `distribute --schools
 * FILE`.  cmd_ship.c and cmd_distribute.c parse the options and hand over here when
 * --schools or --all-schools is given.  One command, one transaction: a clean run prints a
 * short summary; a refused one lists every problem by line on stderr (and as JSON with
 * --json) and records nothing.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "csvin.h"
#include "rowsout.h"

/* The columns of a batch file and the field of card_school_line each one fills. */
struct batch_file {
	const struct csvin_col *cols;
	const size_t *field; /* offsetof(card_school_line, ...) per column */
	size_t ncols;
};

#define F(x) offsetof(card_school_line, x)
static const struct csvin_col SHIP_COLS[] = { { "学校编码", "school", 1 }, { "张数", "count", 1 } };
static const size_t SHIP_FIELDS[] = { F(school), F(count) };
static const struct csvin_col RECEIVE_COLS[] = {
	{ "学校编码", "school", 1 }, { "签收日期", "date", 1 },  { "签收人", "signer", 1 },
	{ "照片", "photo", 1 },      { "实收张数", "count", 0 }, { "发货单号", "shipment", 0 },
};
static const size_t RECEIVE_FIELDS[] = { F(school), F(date),  F(signer),
	                                 F(photo),  F(count), F(shipment) };
static const struct csvin_col DIST_COLS[] = {
	{ "学校编码", "school", 1 },
	{ "张数", "count", 1 },
	{ "发放日期", "date", 0 },
};
static const size_t DIST_FIELDS[] = { F(school), F(count), F(date) };
#undef F
static const struct batch_file SHIP_FILE = { SHIP_COLS, SHIP_FIELDS, 2 };
static const struct batch_file RECEIVE_FILE = { RECEIVE_COLS, RECEIVE_FIELDS, 6 };
static const struct batch_file DIST_FILE = { DIST_COLS, DIST_FIELDS, 3 };

/* The lines of a batch file; their strings are the file's cells (ours). */
struct lines {
	card_school_line *v;
	size_t n;
	struct csvin_table t;
};

static void lines_free(struct lines *l)
{
	csvin_table_free(&l->t);
	free(l->v);
}

/* Read a batch file (csvin: UTF-8 or GB18030, BOM, CRLF, Chinese or English header).  A
 * photo's relative path is taken from the file's folder. */
static card_err read_batch(const char *path, const char *enc, const struct batch_file *bf,
                           struct lines *l, card_diag *d)
{
	const char *slash = strrchr(path, '/');
	card_err rc = csvin_read_all(path, enc, bf->cols, bf->ncols, &l->t, NULL, NULL, d);

	l->n = 0;
	l->v = calloc(l->t.n + 1, sizeof(*l->v));
	if (rc == CARD_OK && l->v == NULL)
		rc = CARD_ERR_NOMEM;
	for (size_t i = 0; rc == CARD_OK && i < l->t.n; i++, l->n++) {
		l->v[i].line = l->t.lines[i];
		for (size_t k = 0; k < bf->ncols; k++) {
			char **cell = &l->t.cells[i * bf->ncols + k];
			const char **slot =
				(const char **)(void *)((char *)&l->v[i] + bf->field[k]);
			if (bf->field[k] == offsetof(card_school_line, photo) && slash != NULL &&
			    (*cell)[0] != '/' && (*cell)[0] != '\0') {
				char *joined = NULL;
				if (asprintf(&joined, "%.*s/%s", (int)(slash - path), path, *cell) <
				    0)
					return CARD_ERR_NOMEM;
				free(*cell);
				*cell = joined;
			}
			*slot = *cell;
		}
	}
	return rc;
}

/* A refused batch: every problem on stderr (and in JSON on stdout with --json). */
static int print_problems(const struct cli *cli, card_err rc, const card_rows *r,
                          const card_diag *d, const char *what)
{
	json_t *arr = cli->json ? json_array() : NULL;
	size_t n = card_rows_count(r);

	cli_error(cli, "%s", d->message[0] != '\0' ? d->message : what);
	for (size_t i = 0; i < n; i++) {
		long long line = row_int(r, i, "line");
		const char *school = row_text(r, i, "school");
		const char *detail = row_text(r, i, "detail");
		if (line > 0)
			fprintf(stderr, "  line %lld%s%s%s: ", line, school[0] ? " (" : "", school,
			        school[0] ? ")" : "");
		else if (school[0] != '\0')
			fprintf(stderr, "  %s: ", school);
		else
			fprintf(stderr, "  ");
		fprintf(stderr, "%s\n", row_text(r, i, "problem"));
		if (detail[0] != '\0')
			fprintf(stderr, "      %s\n", detail);
		if (arr != NULL)
			json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s?}", "line",
			                                     (json_int_t)line, "school", school,
			                                     "problem", row_text(r, i, "problem"),
			                                     "detail", detail[0] ? detail : NULL));
	}
	if (d->hint[0] != '\0')
		fprintf(stderr, "HINT: %s\n", d->hint);
	if (arr != NULL)
		json_line(json_pack("{s:b, s:s, s:o}", "recorded", 0, "error", d->message,
		                    "problems", arr));
	return cli_exit_for(rc);
}

/* Read --schools FILE; a usage error or a file that cannot be read returns its status. */
static int batch_lines(struct cli *cli, const struct cli_args *a, const struct batch_file *bf,
                       struct lines *l)
{
	card_diag d;
	card_err rc;

	card_diag_clear(&d);
	rc = read_batch(a->schools, a->encoding, bf, l, &d);
	if (rc == CARD_OK && l->n == 0) {
		card_diag_set(&d, "%s: the file has no school lines", a->schools);
		rc = CARD_ERR_INPUT;
	}
	if (rc != CARD_OK)
		return cli_fail(cli, rc, &d, "could not read the file");
	return 0;
}

/* The libcard call of a batch, from the parsed options and the lines (NULL: no file). */
typedef card_err (*batch_call)(card_store *st, const struct cli_args *a,
                               const card_school_line *lines, size_t n, card_rows **out,
                               card_diag *d);

/* Read --schools FILE (if given), connect, run the batch; a refused batch lists its problems.
 * Returns the exit status; on 0, *out holds the rows for the caller to print and free. */
static int run_batch(struct cli *cli, const struct cli_args *a, const struct batch_file *bf,
                     batch_call call, const char *what, card_rows **out)
{
	struct lines l = { 0 };
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = 0;

	card_diag_clear(&d);
	*out = NULL;
	if (a->schools != NULL && (status = batch_lines(cli, a, bf, &l)) != 0)
		goto out;
	if ((st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = call(st, a, a->schools != NULL ? l.v : NULL, l.n, out, &d);
	if (rc == CARD_ERR_REJECTED && card_rows_count(*out) > 0)
		status = print_problems(cli, rc, *out, &d, what);
	else if (rc != CARD_OK)
		status = cli_fail(cli, rc, &d, what);
	if (status != 0) {
		card_rows_free(*out);
		*out = NULL;
	}
out:
	card_store_close(st);
	lines_free(&l);
	return status;
}

static card_err call_ship(card_store *st, const struct cli_args *a, const card_school_line *lines,
                          size_t n, card_rows **out, card_diag *d)
{
	return card_ship_schools(st, a->term, a->district != NULL ? a->district : a->from, a->from,
	                         lines, n, out, d);
}

static card_err call_receive(card_store *st, const struct cli_args *a,
                             const card_school_line *lines, size_t n, card_rows **out, card_diag *d)
{
	return card_receive_schools(st, a->term, a->district, lines, n, out, d);
}

static card_err call_distribute(card_store *st, const struct cli_args *a,
                                const card_school_line *lines, size_t n, card_rows **out,
                                card_diag *d)
{
	return card_distribute_schools(st, a->term, a->district, lines, n, out, d);
}

int district_ship(struct cli *cli, const struct cli_args *a)
{
	const char *district = a->district != NULL ? a->district : a->from;
	long long cards = 0;
	size_t late = 0;
	card_rows *r = NULL;
	int status;

	if (a->term == NULL || (a->schools != NULL) == a->all_schools || a->to != NULL ||
	    a->count != NULL || a->serials != NULL || district == NULL ||
	    (a->from != NULL && strcmp(a->from, district) != 0))
		return cli_usage(cli, "ship",
		                 "a district's batch takes --term, --from D (its depot) or "
		                 "--district D (from the city), and one of --all-schools or "
		                 "--schools FILE; no --to, --count or --serials");
	if ((status = run_batch(cli, a, &SHIP_FILE, call_ship, "ship failed", &r)) != 0)
		return status;
	for (size_t i = 0; i < card_rows_count(r); i++) {
		cards += row_int(r, i, "count");
		late += row_bool(r, i, "late");
	}
	if (cli->json) {
		/* nothing due: nothing recorded, and nothing wrong */
		json_line(json_pack("{s:b, s:b, s:s, s:s, s:I, s:I, s:o}", "recorded", r != NULL,
		                    "nothing_to_ship", r == NULL, "term", a->term, "district",
		                    district, "schools", (json_int_t)card_rows_count(r), "cards",
		                    (json_int_t)cards, "shipments",
		                    r != NULL ? rows_json(r) : json_array()));
	} else if (card_rows_count(r) == 0) {
		printf("nothing to ship: every school of %s has been shipped its census\n",
		       district);
	} else {
		printf("shipped %lld cards to %zu school%s of %s %s, one shipment each\n", cards,
		       card_rows_count(r), card_rows_count(r) == 1 ? "" : "s", district,
		       a->from != NULL ? "from its depot" : "by courier from the city centre");
		if (late > 0)
			printf("LATE: delivery was due %s (%zu shipment%s)\n",
			       row_text(r, 0, "due"), late, late == 1 ? "" : "s");
		printf("The shipments: cardctl ship list --term %s --district %s\n", a->term,
		       district);
	}
	card_rows_free(r);
	return EXIT_OK_;
}

int district_receive(struct cli *cli, const struct cli_args *a)
{
	long long counted = 0, shipped = 0;
	size_t late = 0, disc = 0;
	card_rows *r = NULL;
	int status;

	if (a->term == NULL || a->district == NULL || a->nargs != 0 || a->signer != NULL ||
	    a->date != NULL || a->photo != NULL || a->count != NULL)
		return cli_usage(cli, "receive",
		                 "a district's receipts take --term, --district and --schools "
		                 "FILE; the file gives each school's date, signer and photo");
	if ((status = run_batch(cli, a, &RECEIVE_FILE, call_receive, "receive failed", &r)) != 0)
		return status;
	for (size_t i = 0; i < card_rows_count(r); i++) {
		counted += row_int(r, i, "counted");
		shipped += row_int(r, i, "shipped");
		late += row_bool(r, i, "late");
	}
	if (cli->json) {
		json_line(json_pack("{s:b, s:s, s:s, s:I, s:I, s:o}", "recorded", 1, "term",
		                    a->term, "district", a->district, "schools",
		                    (json_int_t)card_rows_count(r), "cards", (json_int_t)counted,
		                    "receipts", rows_json(r)));
		card_rows_free(r);
		return EXIT_OK_;
	}
	printf("recorded %zu receipt%s of %s: %lld cards counted of %lld shipped\n",
	       card_rows_count(r), card_rows_count(r) == 1 ? "" : "s", a->district, counted,
	       shipped);
	for (size_t i = 0; i < card_rows_count(r); i++)
		if (row_int(r, i, "discrepancy") != 0) {
			printf("DISCREPANCY: %s, line %s: %s cards; open for adjustment\n",
			       row_text(r, i, "school"), row_text(r, i, "line"),
			       row_text(r, i, "discrepancy"));
			disc++;
		}
	if (late > 0)
		printf("LATE: %zu receipt%s signed after the delivery date\n", late,
		       late == 1 ? "" : "s");
	if (disc == 0)
		printf("every school counted what was shipped\n");
	card_rows_free(r);
	return EXIT_OK_;
}

int district_distribute(struct cli *cli, const struct cli_args *a)
{
	long long cards = 0;
	size_t late = 0;
	card_rows *r = NULL;
	int status;

	if (a->district == NULL || a->school != NULL || a->count != NULL || a->file != NULL ||
	    a->date != NULL)
		return cli_usage(cli, "distribute",
		                 "a district's distribution takes --term, --district and "
		                 "--schools FILE; the file gives each school's count and date");
	if ((status = run_batch(cli, a, &DIST_FILE, call_distribute, "distribute failed", &r)) != 0)
		return status;
	for (size_t i = 0; i < card_rows_count(r); i++) {
		cards += row_int(r, i, "count");
		late += row_bool(r, i, "late");
	}
	if (cli->json) {
		json_line(json_pack("{s:b, s:s, s:s, s:I, s:I, s:o}", "recorded", 1, "term",
		                    a->term, "district", a->district, "schools",
		                    (json_int_t)card_rows_count(r), "cards", (json_int_t)cards,
		                    "distributions", rows_json(r)));
	} else {
		printf("recorded distribution at %zu school%s of %s: %lld cards handed out\n",
		       card_rows_count(r), card_rows_count(r) == 1 ? "" : "s", a->district, cards);
		if (late > 0)
			printf("LATE: distribution was due %s (%zu school%s)\n",
			       row_text(r, 0, "due"), late, late == 1 ? "" : "s");
	}
	card_rows_free(r);
	return EXIT_OK_;
}
