/*
 * cmd_report2.c -- cardctl report annex4|annex5|annex6|coverage|finance: the final forms of a
 * term (workflow part 2) as CSV or XLSX (table.h), Annex 6 and coverage also as a printable
 * self-contained HTML page (html.h).  The figures come from libcard (card/reports.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "html.h"
#include "report2.h"
#include "rowsout.h"
#include "table.h"

static const char ANNEX4_HELP[] =
	"Usage: cardctl report annex4 --term TERM [--district D] [--format csv|xlsx|text|json] "
	"[--out FILE]\n\n"
	"Annex 4 (余缺调剂表): per school its approved surplus, shortage and reason; per district\n"
	"(小计) the city's return and supplement orders, what was returned and supplied, what was\n"
	"not returned and its charge; a total line.\n"
	"\n" TABLE_FORMAT_HELP;
static const char ANNEX5_HELP[] =
	"Usage: cardctl report annex5 --term TERM [--district D] [--format csv|xlsx|text|json] "
	"[--out FILE]\n\n"
	"Annex 5 (发放汇总表): per district its schools, its own line (区直: its\n"
	"staff's cards and what it kept) and its subtotal (小计, the sum of the rows);\n"
	"a total line (合计).  Columns: planned, shipped, received with signer and date,\n"
	"transfer (+ from / - to other schools), distributed, on hand, returned,\n"
	"supplemented, replaced and charged.\n"
	"\n" TABLE_FORMAT_HELP;
static const char ANNEX6_HELP[] =
	"Usage: cardctl report annex6 --term TERM --district D [--format csv|xlsx|html|text|json] "
	"[--out FILE] [--sign NAME]\n\n"
	"Annex 6 (验收证明): the district's acceptance certificate as a filled form.  --sign NAME\n"
	"files the district's final report (Annex 5 and 6) signed by NAME, once (late after\n"
	"S+30); its UUID is printed on the form.  Another name is refused naming the first\n"
	"signer.  HTML is a printable self-contained page.\n"
	"\n" TABLE_FORMAT_HELP_HTML;
static const char COVERAGE_HELP[] =
	"Usage: cardctl report coverage --term TERM [--district D] [--format "
	"csv|xlsx|html|text|json] [--out FILE]\n\n"
	"Coverage (普及率): per district and school cards handed out, redeemed, the rate and the\n"
	"cards unredeemed; per district the timeliness of its census, receipts, adjustment report\n"
	"and final report; a city total (合计).  HTML adds bar charts (inline SVG, no external\n"
	"assets).\n"
	"\n" TABLE_FORMAT_HELP_HTML;
static const char FINANCE_HELP[] =
	"Usage: cardctl report finance --term TERM [--format csv|xlsx|text|json] [--out FILE]\n\n"
	"The city's term summary for the finance office: per district and for the city planned,\n"
	"produced, shipped, distributed, redeemed, void, returned, supplemented and charged.\n"
	"\n" TABLE_FORMAT_HELP;

/* Write rows r as a table: names[i] selects the column of tcols[i]; columns whose name starts
 * with '$' are fen shown as yuan.  A total line sums the TABLE_INT columns over the rows for
 * which total_row(r, i) is true. */
static const struct cli_spec ANNEX6 = { "report annex6", ANNEX6_HELP, "term district sign",
	                                "term",          0,           NULL,
	                                CLI_TABLE_HTML };
static const struct cli_spec COVERAGE = {
	"report coverage", COVERAGE_HELP, "term district", "term", 0, NULL, CLI_TABLE_HTML
};

static card_err write_rows(const card_rows *r, const char *title, const char *sheet,
                           const struct table_col *tcols, const char *const *names, size_t n,
                           int (*total_row)(const card_rows *, size_t), enum table_format fmt,
                           const char *out, card_diag *d)
{
	struct table *t = table_new(title, sheet, tcols, n);
	long long sum[32] = { 0 };
	char buf[32][32];
	const char *cells[32];
	card_err rc = t == NULL ? CARD_ERR_NOMEM : CARD_OK;

	for (size_t i = 0; rc == CARD_OK && i < card_rows_count(r); i++) {
		for (size_t k = 0; k < n && k < 32; k++) {
			int fen = names[k][0] == '$'; /* the column's name follows the '$' */
			cells[k] = row_text(r, i, names[k] + fen);
			if (fen && !row_null(r, i, names[k] + fen)) {
				fen_yuan(row_int(r, i, names[k] + fen), buf[k]);
				cells[k] = buf[k];
			}
			if (total_row != NULL && total_row(r, i) &&
			    !row_null(r, i, names[k] + fen) && (fen || tcols[k].type == TABLE_INT))
				sum[k] += row_int(r, i, names[k] + fen);
		}
		rc = table_add_row(t, cells, d);
	}
	if (rc == CARD_OK && total_row != NULL) {
		for (size_t k = 0; k < n && k < 32; k++) {
			cells[k] = "";
			if (k == 0)
				cells[k] = "合计";
			else if (names[k][0] == '$') {
				fen_yuan(sum[k], buf[k]);
				cells[k] = buf[k];
			} else if (tcols[k].type == TABLE_INT) {
				snprintf(buf[k], sizeof(buf[k]), "%lld", sum[k]);
				cells[k] = buf[k];
			}
		}
		rc = table_add_row(t, cells, d);
	}
	if (rc == CARD_OK)
		rc = table_write(t, fmt, out, d);
	table_free(t);
	return rc;
}

/* The district ("小计"/"合计") rows have no school code. */
static int district_row(const card_rows *r, size_t i)
{
	return row_null(r, i, "school");
}

static int report_run(struct cli *cli, int argc, char **argv, const char *cmd, const char *help,
                      int which)
{
	static const struct table_col a4cols[] = {
		{ "区县编码", TABLE_TEXT },  { "区县名称", TABLE_TEXT },
		{ "学校编码", TABLE_TEXT },  { "学校名称", TABLE_TEXT },
		{ "余(张)", TABLE_INT },     { "缺(张)", TABLE_INT },
		{ "原因", TABLE_TEXT },      { "应退回(张)", TABLE_INT },
		{ "已退回(张)", TABLE_INT }, { "应补充(张)", TABLE_INT },
		{ "已补充(张)", TABLE_INT }, { "未退回(张)", TABLE_INT },
		{ "扣款(元)", TABLE_MONEY }, { "审批人", TABLE_TEXT },
	};
	static const char *const a4names[] = {
		"district", "district_name", "school",         "school_name", "surplus",
		"shortage", "reason",        "return_ordered", "returned",    "supplement_ordered",
		"supplied", "not_returned",  "$charge_fen",    "approver"
	};
	/* 调剂: received from other schools (+) and given to them (-); each school row balances:
	 * 签收数 + 调剂 + 补充数 - 退回数 = 发放数 + 结存 */
	static const struct table_col a5cols[] = {
		{ "区县编码", TABLE_TEXT },  { "区县名称", TABLE_TEXT },
		{ "学校编码", TABLE_TEXT },  { "学校名称", TABLE_TEXT },
		{ "计划数", TABLE_INT },     { "发出数", TABLE_INT },
		{ "签收数", TABLE_INT },     { "签收人", TABLE_TEXT },
		{ "签收日期", TABLE_DATE },  { "调剂(转入+/转出-)", TABLE_INT },
		{ "发放数", TABLE_INT },     { "结存", TABLE_INT },
		{ "退回数", TABLE_INT },     { "补充数", TABLE_INT },
		{ "补换数", TABLE_INT },     { "扣款(张)", TABLE_INT },
		{ "扣款(元)", TABLE_MONEY },
	};
	static const char *const a5names[] = {
		"district", "district_name", "school",    "school_name", "planned",     "shipped",
		"received", "signer",        "signed_on", "transfer",    "distributed", "on_hand",
		"returned", "supplied",      "replaced",  "charged",     "$charge_fen"
	};
	static const struct table_col fcols[] = {
		{ "单位编码", TABLE_TEXT },  { "单位名称", TABLE_TEXT },
		{ "计划数", TABLE_INT },     { "制作数", TABLE_INT },
		{ "发出数", TABLE_INT },     { "发放数", TABLE_INT },
		{ "兑换数", TABLE_INT },     { "作废数", TABLE_INT },
		{ "退回数", TABLE_INT },     { "补充数", TABLE_INT },
		{ "扣款(张)", TABLE_INT },   { "扣款(元)", TABLE_MONEY },
		{ "面值(元)", TABLE_MONEY },
	};
	static const char *const fnames[] = {
		"org",         "name",        "planned",        "produced", "shipped",
		"distributed", "redeemed",    "void",           "returned", "supplied",
		"charged",     "$charge_fen", "$face_value_fen"
	};
	struct cli_args a;
	card_rows *r = NULL;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	char title[160], tname[CARD_TERM_NAME_BUFSZ];
	const struct cli_spec spec = { cmd,      help, which == 0 ? "term" : "term district",
		                       "term",   0,    NULL,
		                       CLI_TABLE };
	int status = cli_parse(cli, &spec, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	if (which == 4)
		rc = card_report_annex4(st, a.term, a.district, &r, &d);
	else if (which == 5)
		rc = card_report_annex5(st, a.term, a.district, &r, &d);
	else
		rc = card_report_finance(st, a.term, &r, &d);
	snprintf(title, sizeof(title), "%s %s%s%s",
	         which == 4   ? "附件4 余缺调剂表"
	         : which == 5 ? "附件5 发放汇总表"
	                      : "年度结算汇总表",
	         form_term(a.term, tname), a.district ? " " : "", a.district ? a.district : "");
	if (rc == CARD_OK && which == 4)
		rc = write_rows(r, title, "附件4", a4cols, a4names, 14, district_row, a.fmt, a.out,
		                &d);
	else if (rc == CARD_OK && which == 5)
		rc = write_rows(r, title, "附件5", a5cols, a5names, 17, district_row, a.fmt, a.out,
		                &d);
	else if (rc == CARD_OK)
		rc = write_rows(r, title, "结算汇总", fcols, fnames, 13, NULL, a.fmt, a.out, &d);
	if (rc != CARD_OK)
		status = cli_fail(cli, rc, &d, "report failed");
out:
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

int report_annex4(struct cli *cli, int argc, char **argv)
{
	return report_run(cli, argc, argv, "report annex4", ANNEX4_HELP, 4);
}

int report_annex5(struct cli *cli, int argc, char **argv)
{
	return report_run(cli, argc, argv, "report annex5", ANNEX5_HELP, 5);
}

int report_finance(struct cli *cli, int argc, char **argv)
{
	return report_run(cli, argc, argv, "report finance", FINANCE_HELP, 0);
}

int report_annex6(struct cli *cli, int argc, char **argv)
{
	struct cli_args a;
	card_rows *r5 = NULL, *r4 = NULL, *r6 = NULL, *fin = NULL, *filed = NULL;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &ANNEX6, argc, argv, &a);

	card_diag_clear(&d);
	if (status == 0 && a.district == NULL)
		status = cli_usage(cli, "report annex6", "--district D is required");
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_report_annex5(st, a.term, a.district, &r5, &d);
	if (rc == CARD_OK)
		rc = card_report_annex4(st, a.term, a.district, &r4, &d);
	if (rc == CARD_OK)
		rc = card_report_annex6(st, a.term, a.district, &r6, &d);
	if (rc == CARD_OK && a.sign != NULL)
		rc = card_final_report_file(st, a.term, a.district, a.sign, &filed, &d);
	if (rc == CARD_OK)
		rc = card_final_report_get(st, a.term, a.district, &fin, &d);
	if (rc == CARD_OK)
		rc = annex6_write(a.term, a.district, r5, r4, r6, fin, a.fmt, a.out, &d);
	if (rc != CARD_OK)
		status = cli_fail(cli, rc, &d, "report annex6 failed");
	else if (filed != NULL && row_bool(filed, 0, "created"))
		/* the form may be on stdout: the note goes beside it, on stderr */
		fprintf(a.out != NULL ? stdout : stderr, "final report of %s filed, document %s\n",
		        a.district, row_text(filed, 0, "doc"));
	else if (filed != NULL)
		fprintf(a.out != NULL ? stdout : stderr,
		        "final report of %s was already signed by %s on %s, document %s: "
		        "nothing changed\n",
		        a.district, row_text(fin, 0, "signer"), row_text(fin, 0, "filed_on"),
		        row_text(filed, 0, "doc"));
out:
	card_rows_free(r5);
	card_rows_free(r4);
	card_rows_free(r6);
	card_rows_free(fin);
	card_rows_free(filed);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

int report_coverage(struct cli *cli, int argc, char **argv)
{
	struct cli_args a;
	card_rows *r = NULL;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &COVERAGE, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_report_coverage(st, a.term, a.district, &r, &d);
	if (rc == CARD_OK)
		rc = coverage_write(a.term, a.district, r, a.fmt, a.out, &d);
	if (rc != CARD_OK)
		status = cli_fail(cli, rc, &d, "report coverage failed");
out:
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}
