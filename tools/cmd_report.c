/*
 * cmd_report.c -- cardctl report FORM: the forms of the workflow as CSV or XLSX (table.h).
 * Part 1 writes Annex 2 (人数统计表); part 2 adds its forms to the table at the bottom.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "report2.h"
#include "rowsout.h"

static const char ANNEX2_HELP[] =
	"Usage: cardctl report annex2 --term TERM [--district D] [--format csv|xlsx|text|json] "
	"[--out FILE]\n\n"
	"Annex 2 (人数统计表): the census per district, school, category and grade with the\n"
	"textbook order count, a subtotal per district and a total.\n"
	"\n" TABLE_FORMAT_HELP;
static const struct cli_spec ANNEX2 = { "report annex2", ANNEX2_HELP, "term district",
	                                "term",          0,           NULL,
	                                CLI_TABLE };

static card_err add_total(struct table *t, const char *label, const char *name,
                          const long long sum[2], card_diag *d)
{
	char c[2][32];
	const char *cells[8] = { label, name, "", "", "", "", c[0], c[1] };
	snprintf(c[0], sizeof(c[0]), "%lld", sum[0]);
	snprintf(c[1], sizeof(c[1]), "%lld", sum[1]);
	return table_add_row(t, cells, d);
}

static int report_annex2(struct cli *cli, int argc, char **argv)
{
	static const struct table_col tcols[] = {
		{ "区县编码", TABLE_TEXT }, { "区县名称", TABLE_TEXT }, { "单位编码", TABLE_TEXT },
		{ "单位名称", TABLE_TEXT }, { "类别", TABLE_TEXT },     { "年级", TABLE_TEXT },
		{ "人数", TABLE_INT },      { "课本数", TABLE_INT },
	};
	static const char *names[] = { "district", "district_name", "school", "school_name",
		                       "category", "grade",         "count",  "textbooks" };
	struct cli_args a;
	struct table *t = NULL;
	card_rows *r = NULL;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	long long sub[2] = { 0 }, all[2] = { 0 };
	char title[160], tname[CARD_TERM_NAME_BUFSZ];
	int status = cli_parse(cli, &ANNEX2, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_census_lines(st, a.term, a.district, &r, &d);
	snprintf(title, sizeof(title), "附件2 人数统计表 %s%s%s", form_term(a.term, tname),
	         a.district ? " " : "", a.district ? a.district : "");
	if (rc == CARD_OK && (t = table_new(title, "附件2", tcols, 8)) == NULL)
		rc = CARD_ERR_NOMEM;
	for (size_t i = 0; rc == CARD_OK && i < card_rows_count(r); i++) {
		const char *cells[8];
		for (int k = 0; k < 8; k++)
			cells[k] = row_text(r, i, names[k]);
		rc = table_add_row(t, cells, &d);
		sub[0] += row_int(r, i, names[6]);
		sub[1] += row_int(r, i, names[7]);
		if (rc == CARD_OK && (i + 1 == card_rows_count(r) ||
		                      strcmp(cells[0], row_text(r, i + 1, "district")) != 0)) {
			rc = add_total(t, cells[0], "小计", sub, &d);
			all[0] += sub[0];
			all[1] += sub[1];
			sub[0] = sub[1] = 0;
		}
	}
	if (rc == CARD_OK)
		rc = add_total(t, "合计", "", all, &d);
	if (rc == CARD_OK)
		rc = table_write(t, a.fmt, a.out, &d);
	if (rc != CARD_OK)
		status = cli_fail(cli, rc, &d, "report annex2 failed");
out:
	table_free(t);
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "annex2", report_annex2, "Annex 2, the census (人数统计表)" },
		/* (workflow part 2: annex4, annex5, annex6, coverage, finance) */
		{ "annex4", report_annex4, "Annex 4, surplus and shortage (余缺调剂表)" },
		{ "annex5", report_annex5, "Annex 5, issuance summary (发放汇总表)" },
		{ "annex6", report_annex6, "Annex 6, acceptance certificate (验收证明)" },
		{ "coverage", report_coverage, "coverage (普及率) and timeliness" },
		{ "finance", report_finance, "the city's term summary for the finance office" },

		{ NULL, NULL, NULL },
	};
	return cli_dispatch(cli, "report", cmds, argc - 1, argv + 1);
}
