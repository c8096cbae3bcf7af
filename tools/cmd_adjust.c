/*
 * cmd_adjust.c -- cardctl adjust file|approve|show|settle: the Annex 4 surplus/shortage
 * reports of the districts and the city's settlement (workflow part 2).  The rules live in
 * libcard (card/reconcile.h) and sql/functions/reconcile.sql.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "csvin.h"
#include "rowsout.h"

static const char FILE_HELP[] =
	"Usage: cardctl adjust file --term TERM --district D [--encoding E] FILE.csv\n\n"
	"File the district's surplus/shortage report (Annex 4, 余缺调剂表) as its draft, "
	"replacing\n"
	"the draft.  Header (any order, Chinese or English):\n"
	"    学校编码,余,缺,原因   /   school,surplus,shortage,reason\n"
	"One line per school of the district with a surplus or a shortage; a school with nothing\n"
	"to report may be left out or given 0,0, and a district with nothing to report files one\n"
	"line 0,0 (any of its schools).  A line has a surplus or a shortage (not both) and a\n"
	"reason when either is not zero.  Checked against the ledger: a surplus is at most what\n"
	"the school holds in stock; a school that still holds stock is not short.  Filed after\n"
	"S+14 it is recorded as late.  Same CSV rules as the census (UTF-8 or GB18030).  A\n"
	"rejected file changes nothing; every problem is listed with its line number.\n";
static const char APPROVE_HELP[] =
	"Usage: cardctl adjust approve --term TERM --district D --approver NAME\n\n"
	"The district centre approves its report (who and when are recorded); its lines are\n"
	"checked against the ledger again.\n";
static const char SHOW_HELP[] =
	"Usage: cardctl adjust show --term TERM [--district D] [--json]\n\n"
	"The reports of the districts (state, late, approver, totals), the lines with what each\n"
	"school holds now, and the city's orders once settled.\n";
static const char SETTLE_HELP[] =
	"Usage: cardctl adjust settle --term TERM [--confirm]\n\n"
	"The city's cross-district settlement: per district the approved surplus and shortage,\n"
	"what it covers itself by transfer, the return of its net surplus to city stock and the\n"
	"supplement of its net shortage from city stock (the reserve plus the returns, in "
	"district\n"
	"order); a shortage that cannot be covered is explained.  Without --confirm only prints\n"
	"the proposal; with --confirm records the orders (documents with UUIDs).  Then 'cardctl\n"
	"return' and 'cardctl supplement' move the cards.\n";

static const struct csvin_col ADJ_COLS[] = {
	{ "学校编码", "school", 1 },
	{ "余", "surplus", 1 },
	{ "缺", "shortage", 1 },
	{ "原因", "reason", 0 },
};
#define NCOLS (sizeof(ADJ_COLS) / sizeof(ADJ_COLS[0]))

/* Each command takes its own options (adjust file --confirm is a usage error). */
#define CMD_PARSE(name, cmd, help, opts, nargs)                                          \
	static const struct cli_spec name = {                                            \
		cmd, help, opts, "term", nargs, nargs ? "one FILE is required" : NULL, 0 \
	}
CMD_PARSE(ADJ_FILE, "adjust file", FILE_HELP, "term district encoding", 1);
CMD_PARSE(ADJ_APPROVE, "adjust approve", APPROVE_HELP, "term district approver", 0);
CMD_PARSE(ADJ_SHOW, "adjust show", SHOW_HELP, "term district", 0);
CMD_PARSE(ADJ_SETTLE, "adjust settle", SETTLE_HELP, "term confirm", 0);
#undef CMD_PARSE

/* Read the file into rows; the strings are owned by *t. */
static card_err read_adjust(const char *path, const char *enc, card_adjust_row **rowsp,
                            struct csvin_table *t, card_diag *d)
{
	card_err rc = csvin_read_all(path, enc, ADJ_COLS, NCOLS, t, NULL, NULL, d);
	card_adjust_row *rows = calloc(t->n + 1, sizeof(*rows));

	if (rc == CARD_OK && rows == NULL)
		rc = CARD_ERR_NOMEM;
	for (size_t i = 0; rc == CARD_OK && i < t->n; i++) {
		char **c = t->cells + i * NCOLS;
		rows[i] = (card_adjust_row){ t->lines[i], c[0], c[1], c[2], c[3] };
	}
	*rowsp = rows;
	return rc;
}

static int adjust_file(struct cli *cli, int argc, char **argv)
{
	struct cli_args a;
	card_adjust_row *rows = NULL;
	struct csvin_table t = { 0 };
	char doc[CARD_UUID_BUFSZ];
	card_rows *sum = NULL;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &ADJ_FILE, argc, argv, &a);

	card_diag_clear(&d);
	if (status == 0 && a.district == NULL)
		status = cli_usage(cli, "adjust file", "--district D is required");
	if (status != 0)
		goto out;
	rc = read_adjust(a.rest[0], a.encoding, &rows, &t, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "could not read the adjustment file");
		goto out;
	}
	if ((st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_adjust_file(st, a.term, a.district, rows, t.n, doc, &sum, &d);
	if (rc == CARD_ERR_INPUT) {
		/* every problem in full: the refusal's detail is cut to its size */
		card_rows *p = NULL;
		card_diag pd;
		card_diag_clear(&pd);
		if (card_adjust_problems(st, a.term, a.district, rows, t.n, &p, &pd) == CARD_OK &&
		    card_rows_count(p) > 0) {
			problems_print(cli, "adjust file", "nothing was filed", p,
			               "Correct the file and file it again.");
			status = EXIT_REJECTED;
		}
		card_rows_free(p);
		if (status == EXIT_REJECTED)
			goto out;
	}
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "adjust file failed");
		goto out;
	}
	if (cli->json) {
		json_line(json_pack("{s:s, s:o}", "document", doc, "report", row_json(sum, 0)));
	} else {
		printf("adjustment report of %s filed as draft%s, document %s\n"
		       "  schools %s, surplus %s, shortage %s, due %s\n",
		       a.district, row_bool(sum, 0, "late") ? " LATE" : "", doc,
		       row_text(sum, 0, "schools"), row_text(sum, 0, "surplus"),
		       row_text(sum, 0, "shortage"), row_text(sum, 0, "due"));
	}
out:
	csvin_table_free(&t);
	free(rows);
	card_rows_free(sum);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

static int adjust_approve(struct cli *cli, int argc, char **argv)
{
	struct cli_args a;
	char doc[CARD_UUID_BUFSZ];
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &ADJ_APPROVE, argc, argv, &a);

	card_diag_clear(&d);
	if (status == 0 && a.district == NULL)
		status = cli_usage(cli, "adjust approve", "--district D is required");
	if (status == 0 && a.approver == NULL)
		status = cli_usage(cli, "adjust approve", "--approver NAME is required");
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_adjust_approve(st, a.term, a.district, a.approver, doc, &d);
	if (rc != CARD_OK)
		status = cli_fail(cli, rc, &d, "adjust approve failed");
	else if (cli->json)
		json_line(json_pack("{s:s, s:s, s:s}", "district", a.district, "state", "approved",
		                    "document", doc));
	else
		printf("adjustment report of %s approved by %s, document %s\n", a.district,
		       a.approver, doc);
out:
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

static int adjust_show(struct cli *cli, int argc, char **argv)
{
	static const struct rows_col list_cols[] = {
		{ "district", "district" }, { "name", "name" },
		{ "state", "state" },       { "late", "late" },
		{ "filed_on", "filed" },    { "schools", "schools" },
		{ "surplus", "surplus" },   { "shortage", "shortage" },
		{ "approver", "approver" }, { "approved_at", "approved" },
	};
	static const struct rows_col line_cols[] = {
		{ "district", "district" }, { "school", "school" },
		{ "school_name", "name" },  { "surplus", "surplus" },
		{ "shortage", "shortage" }, { "reason", "reason" },
		{ "stock", "stock_now" },   { "distributed", "distributed" },
	};
	static const struct rows_col order_cols[] = {
		{ "district", "district" }, { "kind", "order" },   { "count", "count" },
		{ "done", "done" },         { "doc", "document" },
	};
	struct cli_args a;
	card_rows *list = NULL, *lines = NULL, *orders = NULL;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &ADJ_SHOW, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_adjust_list(st, a.term, a.district, &list, &d);
	if (rc == CARD_OK)
		rc = card_adjust_lines(st, a.term, a.district, &lines, &d);
	if (rc == CARD_OK)
		rc = card_adjust_orders(st, a.term, &orders, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "adjust show failed");
		goto out;
	}
	if (cli->json) {
		json_line(json_pack("{s:s, s:o, s:o, s:o}", "term", a.term, "reports",
		                    rows_json(list), "lines", rows_json(lines), "orders",
		                    rows_json(orders)));
	} else {
		rows_print(stdout, list, list_cols, sizeof(list_cols) / sizeof(list_cols[0]));
		if (card_rows_count(lines) > 0) {
			printf("\nlines:\n");
			rows_print(stdout, lines, line_cols,
			           sizeof(line_cols) / sizeof(line_cols[0]));
		}
		if (card_rows_count(orders) > 0) {
			printf("\nthe city's orders:\n");
			rows_print(stdout, orders, order_cols,
			           sizeof(order_cols) / sizeof(order_cols[0]));
		}
	}
out:
	card_rows_free(list);
	card_rows_free(lines);
	card_rows_free(orders);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

static int adjust_settle(struct cli *cli, int argc, char **argv)
{
	static const struct rows_col cols[] = {
		{ "district", "district" },
		{ "report", "report" },
		{ "surplus", "surplus" },
		{ "shortage", "shortage" },
		{ "internal", "internal" },
		{ "return_count", "return" },
		{ "supplement_count", "supplement" },
		{ "uncovered", "uncovered" },
		{ "note", "note" },
	};
	static const struct rows_col order_cols[] = {
		{ "district", "district" },
		{ "kind", "order" },
		{ "count", "count" },
		{ "doc", "document" },
	};
	struct cli_args a;
	char doc[CARD_UUID_BUFSZ];
	card_rows *prop = NULL, *orders = NULL;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &ADJ_SETTLE, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_adjust_settle(st, a.term, a.confirm, doc, &prop, &orders, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "adjust settle failed");
		goto out;
	}
	if (cli->json) {
		json_t *j = json_pack("{s:o}", "proposal", rows_json(prop));
		if (j != NULL && a.confirm) {
			json_object_set_new(j, "settlement", json_string(doc));
			json_object_set_new(j, "orders", rows_json(orders));
		}
		json_line(j);
	} else {
		if (a.confirm)
			printf("settlement of term %s:\n", a.term);
		else
			printf("settlement of term %s (proposal; --confirm records it):\n", a.term);
		rows_print(stdout, prop, cols, sizeof(cols) / sizeof(cols[0]));
		if (a.confirm) {
			printf("\nsettlement recorded, document %s; orders:\n", doc);
			rows_print(stdout, orders, order_cols,
			           sizeof(order_cols) / sizeof(order_cols[0]));
		}
	}
out:
	card_rows_free(prop);
	card_rows_free(orders);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

int cmd_adjust(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "file", adjust_file, "file a district's Annex 4 report (draft)" },
		{ "approve", adjust_approve, "approve a district's report (district centre)" },
		{ "show", adjust_show, "show the reports, their lines and the city's orders" },
		{ "settle", adjust_settle,
		  "the city's cross-district settlement (--confirm records it)" },
		{ NULL, NULL, NULL },
	};
	return cli_dispatch(cli, "adjust", cmds, argc - 1, argv + 1);
}
