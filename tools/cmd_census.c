/*
 * cmd_census.c -- cardctl census import|submit|approve|reopen|show (Annex 2, 人数统计表).
 * The rules live in libcard (card/census.h) and sql/functions/census.sql.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "csvin.h"
#include "rowsout.h"

static const char IMPORT_HELP[] =
	"Usage: cardctl census import --term TERM [--district D] [--encoding E] [--threshold "
	"PCT%[,N]] [--json] FILE.csv\n\n"
	"Import a census file (Annex 2) as the draft census of its district(s), replacing the\n"
	"draft.  Header (any order, Chinese or English):\n"
	"    单位编码,类别,年级,人数,课本数   /   unit,category,grade,count,textbooks\n"
	"category 学生/教师/工作人员 (student/teacher/staff); grade and textbooks only for "
	"students;\n"
	"staff rows name their district as the unit; a row whose unit is 合计 (total) must equal\n"
	"the sum of the rows (of its category, if it names one).  With --district every school "
	"must\n"
	"belong to D.  UTF-8 (with or without BOM) or GB18030, detected or forced by --encoding.\n"
	"--threshold sets the cross-check: a school is flagged when its textbook order differs\n"
	"from its students by more than PCT percent and more than N cards (default 2%,5).\n"
	"A rejected file changes nothing; every problem is listed with its line number.\n";
static const char SUBMIT_HELP[] =
	"Usage: cardctl census submit --term TERM --district D [--json]\n\n"
	"Submit the district's draft census to its bureau.  Recorded as late after the term's\n"
	"census due date (spring Jan 15, autumn Jun 25).  Prints the submission's UUID.\n";
static const char APPROVE_HELP[] =
	"Usage: cardctl census approve --term TERM --district D --approver NAME [--explain "
	"SCHOOL=TEXT]... [--threshold PCT%[,N]] [--json]\n\n"
	"The district bureau approves a submitted census (who and when are recorded).  Refused\n"
	"while a school whose students differ from its textbook order beyond the threshold has\n"
	"no explanation.  Approval is the report to the city centre (its acceptance).\n";
static const char REOPEN_HELP[] =
	"Usage: cardctl census reopen --term TERM --district D [--json]\n\n"
	"The city sends a submitted or approved census back to draft (until the plan is minted).\n";
static const char SHOW_HELP[] =
	"Usage: cardctl census show --term TERM [--district D] [--json]\n\n"
	"The census of every district (or one): state, late, who approved, the totals, and for\n"
	"one district the cross-check of every school against its textbook order.\n";

static const struct csvin_col CENSUS_COLS[] = {
	{ "单位编码", "unit", 1 }, { "类别", "category", 1 },    { "年级", "grade", 0 },
	{ "人数", "count", 1 },    { "课本数", "textbooks", 0 },
};
#define NCOLS (sizeof(CENSUS_COLS) / sizeof(CENSUS_COLS[0]))

/* Each command takes its own options: an option of another (census import --explain) is a
 * usage error, never silently ignored. */
#define CMD_PARSE(name, cmd, help, opts, nargs)                                          \
	static const struct cli_spec name = {                                            \
		cmd, help, opts, "term", nargs, nargs ? "one FILE is required" : NULL, 0 \
	}
CMD_PARSE(CEN_IMPORT, "census import", IMPORT_HELP, "term district encoding threshold", 1);
CMD_PARSE(CEN_SUBMIT, "census submit", SUBMIT_HELP, "term district", 0);
CMD_PARSE(CEN_APPROVE, "census approve", APPROVE_HELP, "term district approver explain threshold",
          0);
CMD_PARSE(CEN_REOPEN, "census reopen", REOPEN_HELP, "term district", 0);
CMD_PARSE(CEN_SHOW, "census show", SHOW_HELP, "term district", 0);
#undef CMD_PARSE

static void census_progress(void *bar, size_t n)
{
	cli_progress(bar, n);
}

/* Read the whole file into rows (strings owned by *t). */
static card_err read_census(const struct cli *cli, const char *path, const char *enc,
                            card_census_row **rowsp, struct csvin_table *t, card_diag *d)
{
	struct cli_progress bar;
	card_census_row *rows;
	card_err rc;

	cli_progress_start(&bar, cli, "reading census", 0);
	rc = csvin_read_all(path, enc, CENSUS_COLS, NCOLS, t, census_progress, &bar, d);
	if (t->n >= 1000)
		cli_progress_end(&bar);
	rows = calloc(t->n + 1, sizeof(*rows));
	if (rc == CARD_OK && rows == NULL)
		rc = CARD_ERR_NOMEM;
	for (size_t i = 0; rc == CARD_OK && i < t->n; i++) {
		char **c = t->cells + i * NCOLS;
		rows[i] = (card_census_row){ t->lines[i], c[0], c[1], c[2], c[3], c[4] };
	}
	*rowsp = rows;
	return rc;
}

/* A refused census file: every problem in full (problems_print).  Returns 0 once listed, -1
 * when the list cannot be had (the caller prints the refusal as it came). */
static int list_problems(const struct cli *cli, card_store *st, const struct cli_args *a,
                         const card_census_row *rows, size_t n)
{
	card_rows *p = NULL;
	card_diag d;
	int ok;

	card_diag_clear(&d);
	ok = card_census_problems(st, a->term, a->district, rows, n, &p, &d) == CARD_OK &&
	     card_rows_count(p) > 0;
	if (ok)
		problems_print(cli, "census import", "nothing was imported", p,
		               "Correct the file and import it again.");
	card_rows_free(p);
	return ok ? 0 : -1;
}

static int census_import(struct cli *cli, int argc, char **argv)
{
	struct cli_args a;
	card_census_row *rows = NULL;
	struct csvin_table t = { 0 };
	char doc[CARD_UUID_BUFSZ];
	card_threshold th = { -1, -1 };
	card_rows *sum = NULL;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &CEN_IMPORT, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0)
		goto out;
	if (a.threshold != NULL && card_threshold_parse(a.threshold, &th) != 0) {
		status = cli_usage(cli, "census import", "invalid --threshold \"%s\"", a.threshold);
		goto out;
	}
	rc = read_census(cli, a.rest[0], a.encoding, &rows, &t, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "could not read the census file");
		goto out;
	}
	st = cli_store(cli, &status);
	if (st == NULL)
		goto out;
	rc = card_census_import(st, a.term, a.district, rows, t.n, a.threshold ? &th : NULL, doc,
	                        &sum, &d);
	if (rc == CARD_ERR_INPUT && list_problems(cli, st, &a, rows, t.n) == 0) {
		status = EXIT_REJECTED;
		goto out;
	}
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "census import failed");
		goto out;
	}
	if (cli->json) {
		json_line(json_pack("{s:s, s:o}", "document", doc, "districts", rows_json(sum)));
	} else {
		static const struct rows_col cols[] = {
			{ "district", "district" }, { "lines", "lines" },
			{ "students", "students" }, { "teachers", "teachers" },
			{ "staff", "staff" },       { "textbooks", "textbooks" },
		};
		printf("census imported as draft, document %s\n", doc);
		rows_print(stdout, sum, cols, sizeof(cols) / sizeof(cols[0]));
	}
out:
	csvin_table_free(&t);
	free(rows);
	cli_args_free(&a);
	card_rows_free(sum);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

static int need_district(struct cli *cli, const char *cmd, const struct cli_args *a)
{
	if (a->district == NULL)
		return cli_usage(cli, cmd, "--district D is required");
	return 0;
}

static int census_submit(struct cli *cli, int argc, char **argv)
{
	struct cli_args a;
	char doc[CARD_UUID_BUFSZ];
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int late = 0, status = cli_parse(cli, &CEN_SUBMIT, argc, argv, &a);

	card_diag_clear(&d);
	if (status == 0)
		status = need_district(cli, "census submit", &a);
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_census_submit(st, a.term, a.district, doc, &late, &d);
	if (rc != CARD_OK)
		status = cli_fail(cli, rc, &d, "census submit failed");
	else if (cli->json)
		json_line(json_pack("{s:s, s:b}", "submission", doc, "late", late));
	else
		printf("census of %s submitted%s, submission %s\n", a.district,
		       late ? " LATE (after the census due date)" : "", doc);
out:
	cli_args_free(&a);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

static int census_approve(struct cli *cli, int argc, char **argv)
{
	struct cli_args a;
	const char **schools = NULL, **texts = NULL;
	char **buf = NULL;
	card_threshold th = { -1, -1 };
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &CEN_APPROVE, argc, argv, &a);

	card_diag_clear(&d);
	if (status == 0)
		status = need_district(cli, "census approve", &a);
	if (status == 0 && a.approver == NULL)
		status = cli_usage(cli, "census approve", "--approver NAME is required");
	if (status == 0 && a.threshold != NULL && card_threshold_parse(a.threshold, &th) != 0)
		status =
			cli_usage(cli, "census approve", "invalid --threshold \"%s\"", a.threshold);
	if (status != 0)
		goto out;
	schools = calloc(a.nexplain + 1, sizeof(*schools));
	texts = calloc(a.nexplain + 1, sizeof(*texts));
	buf = calloc(a.nexplain + 1, sizeof(*buf));
	if (schools == NULL || texts == NULL || buf == NULL) {
		status = EXIT_FAILED;
		goto out;
	}
	for (size_t i = 0; i < a.nexplain; i++) {
		char *eq;
		buf[i] = strdup(a.explain[i]);
		if (buf[i] == NULL || (eq = strchr(buf[i], '=')) == NULL || eq == buf[i]) {
			status = cli_usage(cli, "census approve",
			                   "--explain wants SCHOOL=TEXT, got \"%s\"", a.explain[i]);
			goto out;
		}
		*eq = '\0';
		schools[i] = buf[i];
		texts[i] = eq + 1;
	}
	if ((st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_census_approve(st, a.term, a.district, a.approver, schools, texts, a.nexplain,
	                         a.threshold ? &th : NULL, &d);
	if (rc != CARD_OK)
		status = cli_fail(cli, rc, &d, "census approve failed");
	else if (cli->json)
		json_line(json_pack("{s:s, s:s}", "district", a.district, "state", "approved"));
	else
		printf("census of %s approved by %s\n", a.district, a.approver);
out:
	for (size_t i = 0; buf != NULL && i < a.nexplain; i++)
		free(buf[i]);
	free(buf);
	free(schools);
	free(texts);
	cli_args_free(&a);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

static int census_reopen(struct cli *cli, int argc, char **argv)
{
	struct cli_args a;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &CEN_REOPEN, argc, argv, &a);

	card_diag_clear(&d);
	if (status == 0)
		status = need_district(cli, "census reopen", &a);
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_census_reopen(st, a.term, a.district, &d);
	if (rc != CARD_OK)
		status = cli_fail(cli, rc, &d, "census reopen failed");
	else if (!cli->json)
		printf("census of %s is a draft again\n", a.district);
	else
		json_line(json_pack("{s:s, s:s}", "district", a.district, "state", "draft"));
out:
	cli_args_free(&a);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

static int census_show(struct cli *cli, int argc, char **argv)
{
	static const struct rows_col list_cols[] = {
		{ "district", "district" }, { "name", "name" },
		{ "state", "state" },       { "late", "late" },
		{ "students", "students" }, { "teachers", "teachers" },
		{ "staff", "staff" },       { "textbooks", "textbooks" },
		{ "flagged", "flagged" },   { "unexplained", "unexplained" },
		{ "approver", "approver" }, { "approved_at", "approved" },
	};
	static const struct rows_col check_cols[] = {
		{ "school", "school" },           { "name", "name" }, { "students", "students" },
		{ "textbooks", "textbooks" },     { "diff", "diff" }, { "flagged", "flagged" },
		{ "explanation", "explanation" },
	};
	struct cli_args a;
	card_rows *list = NULL, *check = NULL;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &CEN_SHOW, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_census_list(st, a.term, a.district, &list, &d);
	if (rc == CARD_OK && a.district != NULL && card_rows_count(list) == 0) {
		card_diag_set(&d, "district \"%s\" has no census for term \"%s\"", a.district,
		              a.term);
		rc = CARD_ERR_NOT_FOUND;
	}
	if (rc == CARD_OK && a.district != NULL)
		rc = card_census_check(st, a.term, a.district, &check, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "census show failed");
		goto out;
	}
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:o}", "term", a.term, "districts", rows_json(list));
		if (j != NULL && check != NULL)
			json_object_set_new(j, "schools", rows_json(check));
		json_line(j);
	} else {
		rows_print(stdout, list, list_cols, sizeof(list_cols) / sizeof(list_cols[0]));
		if (check != NULL) {
			printf("\ncross-check (threshold %s%% and %s cards):\n",
			       row_text(list, 0, "threshold_pct"),
			       row_text(list, 0, "threshold_abs"));
			rows_print(stdout, check, check_cols,
			           sizeof(check_cols) / sizeof(check_cols[0]));
		}
	}
out:
	cli_args_free(&a);
	card_rows_free(list);
	card_rows_free(check);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

int cmd_census(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "import", census_import, "import a district's census file as its draft" },
		{ "submit", census_submit, "submit a district's draft census" },
		{ "approve", census_approve, "approve a submitted census (district bureau)" },
		{ "reopen", census_reopen, "send a census back to draft (city)" },
		{ "show", census_show, "show the census and its cross-check" },
		{ NULL, NULL, NULL },
	};
	return cli_dispatch(cli, "census", cmds, argc - 1, argv + 1);
}
