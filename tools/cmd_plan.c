/*
 * cmd_plan.c -- cardctl plan make|show|export: the issuance plan (card/plan.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "report2.h"
#include "rowsout.h"

static const char MAKE_HELP[] =
	"Usage: cardctl plan make --term TERM [--reserve PCT] [--proceed-without D,...] "
	"[--json]\n\n"
	"Make (or re-make, until minted) the issuance plan: per district its approved students,\n"
	"teachers and staff; plus a city reserve of PCT percent of the total (rounded up), held\n"
	"in city stock.  Refused while a district has no approved census, unless it is listed in\n"
	"--proceed-without (it then gets no cards in this plan).  Prints the plan's UUID.\n";
static const char SHOW_HELP[] =
	"Usage: cardctl plan show --term TERM [--json]\n\n"
	"The plan per district (students, teachers, staff, total) and the reserve, with each\n"
	"district's serial range once minted.\n";
static const char EXPORT_HELP[] =
	"Usage: cardctl plan export --term TERM [--format csv|xlsx|text|json] [--out FILE]\n\n"
	"The plan as a report for the finance office (发放计划表): per district the counts, the\n"
	"total and its face value in yuan.\n"
	"\n" TABLE_FORMAT_HELP;

static const struct cli_spec MAKE = {
	"plan make", MAKE_HELP, "term reserve proceed-without", "term", 0, NULL, 0
};
static const struct cli_spec SHOW = { "plan show", SHOW_HELP, "term", "term", 0, NULL, 0 };
static const struct cli_spec EXPORT = { "plan export", EXPORT_HELP, "term", "term", 0,
	                                NULL,          CLI_TABLE };

static int plan_make(struct cli *cli, int argc, char **argv)
{
	struct cli_args a;
	char doc[CARD_UUID_BUFSZ], *list = NULL, *save = NULL;
	const char **without = NULL;
	size_t nwithout = 0;
	double pct = 0;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &MAKE, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0)
		goto out;
	if (a.reserve != NULL) {
		char *end;
		pct = strtod(a.reserve, &end);
		if (end == a.reserve || (*end != '\0' && strcmp(end, "%") != 0) || pct < 0 ||
		    pct > 100) {
			status = cli_usage(cli, "plan make",
			                   "--reserve wants a percentage 0..100, got \"%s\"",
			                   a.reserve);
			goto out;
		}
	}
	if (a.proceed_without != NULL) {
		list = strdup(a.proceed_without);
		without = calloc(strlen(a.proceed_without) / 2 + 2, sizeof(*without));
		if (list == NULL || without == NULL) {
			status = EXIT_FAILED;
			goto out;
		}
		for (char *t = strtok_r(list, ",", &save); t != NULL;
		     t = strtok_r(NULL, ",", &save))
			without[nwithout++] = t;
	}
	if ((st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_plan_make(st, a.term, pct, without, nwithout, doc, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "plan make failed");
		goto out;
	}
	if (cli->json)
		json_line(json_pack("{s:s, s:I}", "plan", doc, "proceed_without",
		                    (json_int_t)nwithout));
	else
		printf("plan of %s made, document %s%s%s\n", a.term, doc,
		       nwithout ? "; without " : "", nwithout ? a.proceed_without : "");
out:
	free(list);
	free(without);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

static int plan_show(struct cli *cli, int argc, char **argv)
{
	static const struct rows_col cols[] = {
		{ "org", "org" },
		{ "name", "name" },
		{ "students", "students" },
		{ "teachers", "teachers" },
		{ "staff", "staff" },
		{ "reserve", "reserve" },
		{ "total", "total" },
		{ "first_serial", "first serial" },
		{ "last_serial", "last serial" },
	};
	struct cli_args a;
	card_rows *r = NULL;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &SHOW, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_plan_get(st, a.term, &r, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "plan show failed");
		goto out;
	}
	if (cli->json) {
		json_line(json_pack("{s:s, s:s, s:s?, s:o}", "term", a.term, "plan",
		                    row_text(r, 0, "doc"), "batch",
		                    row_null(r, 0, "batch") ? NULL : row_text(r, 0, "batch"),
		                    "lines", rows_json(r)));
	} else {
		long long total = 0;
		for (size_t i = 0; i < card_rows_count(r); i++)
			total += row_int(r, i, "total");
		printf("plan %s of %s, made %s by %s, reserve %s%%%s%s\n", row_text(r, 0, "doc"),
		       a.term, row_text(r, 0, "made_at"), row_text(r, 0, "made_by"),
		       row_text(r, 0, "reserve_pct"),
		       row_text(r, 0, "proceed_without")[0] ? ", without " : "",
		       row_text(r, 0, "proceed_without"));
		rows_print(stdout, r, cols, sizeof(cols) / sizeof(cols[0]));
		printf("total %lld cards%s%s\n", total,
		       row_text(r, 0, "batch")[0] ? ", minted as batch " : ", not minted yet",
		       row_text(r, 0, "batch"));
	}
out:
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

static int plan_export(struct cli *cli, int argc, char **argv)
{
	static const struct table_col tcols[] = {
		{ "单位编码", TABLE_TEXT },  { "单位名称", TABLE_TEXT },
		{ "学生数", TABLE_INT },     { "教师数", TABLE_INT },
		{ "工作人员数", TABLE_INT }, { "预留数", TABLE_INT },
		{ "计划发放数", TABLE_INT }, { "面值合计(元)", TABLE_INT },
		{ "起始卡号", TABLE_TEXT },  { "终止卡号", TABLE_TEXT },
	};
	struct cli_args a;
	struct table *t = NULL;
	card_rows *r = NULL;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	long long sum[6] = { 0 };
	char title[128], cell[10][32], tname[CARD_TERM_NAME_BUFSZ];
	int status = cli_parse(cli, &EXPORT, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0)
		goto out;
	if ((st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_plan_get(st, a.term, &r, &d);
	snprintf(title, sizeof(title), "发放计划表 %s", form_term(a.term, tname));
	if (rc == CARD_OK && (t = table_new(title, "发放计划", tcols, 10)) == NULL)
		rc = CARD_ERR_NOMEM;
	for (size_t i = 0; rc == CARD_OK && i < card_rows_count(r); i++) {
		static const char *names[] = { "students", "teachers", "staff", "reserve",
			                       "total" };
		const char *cells[10];
		long long v;
		cells[0] = row_text(r, i, "org");
		cells[1] = row_text(r, i, "name");
		for (int k = 0; k < 5; k++) {
			cells[2 + k] = row_text(r, i, names[k]);
			sum[k] += row_int(r, i, names[k]);
		}
		v = row_int(r, i, "total") * row_int(r, i, "face_value_fen") / 100;
		sum[5] += v;
		snprintf(cell[7], sizeof(cell[7]), "%lld", v);
		cells[7] = cell[7];
		cells[8] = row_text(r, i, "first_serial");
		cells[9] = row_text(r, i, "last_serial");
		rc = table_add_row(t, cells, &d);
	}
	if (rc == CARD_OK) {
		const char *cells[10] = { "合计",  "",      cell[2], cell[3], cell[4],
			                  cell[5], cell[6], cell[7], "",      "" };
		for (int k = 0; k < 6; k++)
			snprintf(cell[2 + k], sizeof(cell[2 + k]), "%lld", sum[k]);
		rc = table_add_row(t, cells, &d);
	}
	if (rc == CARD_OK)
		rc = table_write(t, a.fmt, a.out, &d);
	if (rc != CARD_OK)
		status = cli_fail(cli, rc, &d, "plan export failed");
	else if (a.out != NULL && !cli->json)
		fprintf(stderr, "wrote %s\n", a.out);
out:
	table_free(t);
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

int cmd_batch_mint_plan(struct cli *cli, const char *term, const char *keyring, unsigned key_id)
{
	card_keyring *kr = NULL;
	card_store *st = NULL;
	char batch[CARD_UUID_BUFSZ];
	long long first = 0, count = 0;
	card_diag d;
	card_err rc;
	int status = EXIT_OK_;

	card_diag_clear(&d);
	if ((kr = cli_keyring(cli, keyring, &status)) == NULL)
		goto out;
	if ((st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_plan_mint(st, kr, term, key_id, batch, &first, &count, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "could not mint the plan");
		goto out;
	}
	if (cli->json)
		json_line(json_pack("{s:s, s:s, s:i, s:I, s:I, s:I}", "batch", batch, "term", term,
		                    "key_id", (int)key_id, "first_serial", (json_int_t)first,
		                    "last_serial", (json_int_t)(first + count - 1), "count",
		                    (json_int_t)count));
	else
		printf("batch %s: the plan of %s, %lld cards under key %u, serials "
		       "%013lld-%013lld, in city"
		       " stock\nrun 'cardctl plan show --term %s' for each district's range\n",
		       batch, term, count, key_id, first, first + count - 1, term);
out:
	card_store_close(st);
	card_keyring_free(kr);
	return status;
}

int cmd_batch_district_range(struct cli *cli, card_store *st, const card_batch *b,
                             const char *district, int *have_range, uint64_t *first, uint64_t *last)
{
	char batch[CARD_UUID_BUFSZ];
	long long f = 0, n = 0;
	card_diag d;
	card_err rc;

	card_diag_clear(&d);
	if (*have_range)
		return cli_usage(cli, "batch export", "--district and --range exclude each other");
	rc = card_plan_range(st, b->term, district, batch, &f, &n, &d);
	if (rc == CARD_OK && strcmp(batch, b->id) != 0) {
		card_diag_set(&d, "batch %s is not the plan's batch of term %s", b->id, b->term);
		card_diag_hint(&d, "The plan was minted as batch %s.", batch);
		rc = CARD_ERR_REJECTED;
	}
	if (rc == CARD_OK && n == 0) {
		card_diag_set(&d, "district \"%s\" has no cards in the plan", district);
		rc = CARD_ERR_REJECTED;
	}
	if (rc != CARD_OK)
		return cli_fail(cli, rc, &d, "could not find the district's range");
	*first = (uint64_t)f;
	*last = (uint64_t)(f + n - 1);
	*have_range = 1;
	return EXIT_OK_;
}

int cmd_plan(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "make", plan_make, "make the issuance plan from the approved censuses" },
		{ "show", plan_show, "show the plan" },
		{ "export", plan_export, "write the plan for the finance office (CSV/XLSX)" },
		{ NULL, NULL, NULL },
	};
	return cli_dispatch(cli, "plan", cmds, argc - 1, argv + 1);
}
