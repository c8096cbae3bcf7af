/*
 * forms.c -- Annex 6 (验收证明, the acceptance certificate of a district) and the coverage
 * report (普及率): as a table (CSV/XLSX, table.h) or a printable self-contained HTML page with
 * inline SVG bar charts (html.h).  See report2.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "report2.h"
#include "rowsout.h"

const char *form_term(const char *code, char buf[CARD_TERM_NAME_BUFSZ])
{
	if (card_term_name(code, buf) != CARD_OK)
		snprintf(buf, CARD_TERM_NAME_BUFSZ, "%s", code != NULL ? code : "");
	return buf;
}

/* The first row of r whose `school` column is NULL (the district's row), or (size_t)-1. */
static size_t district_row(const card_rows *r)
{
	for (size_t i = 0; i < card_rows_count(r); i++)
		if (row_null(r, i, "school"))
			return i;
	return (size_t)-1;
}

#define NFIELDS 18

/* The certificate's fields as (label, value) pairs; values point into buf or the rows. */
static size_t annex6_fields(const char *term, const char *district, const card_rows *r5,
                            const card_rows *r4, const card_rows *r6, const card_rows *fin,
                            const char *lab[NFIELDS], const char *val[NFIELDS],
                            char buf[NFIELDS][160])
{
	size_t i5 = district_row(r5), i4 = district_row(r4), n = 0;
	int filed = card_rows_count(fin) > 0;
	char amt[32], tname[CARD_TERM_NAME_BUFSZ];

	fen_yuan(row_int(r5, i5, "charge_fen"), amt);
#define F(l, ...)                                              \
	do {                                                   \
		lab[n] = (l);                                  \
		snprintf(buf[n], sizeof(buf[n]), __VA_ARGS__); \
		val[n] = buf[n];                               \
		n++;                                           \
	} while (0)
	F("区县", "%s %s", district, row_text(r5, i5, "district_name"));
	F("学期", "%s", form_term(term, tname));
	F("计划发放数(张)", "%s", row_text(r5, i5, "planned"));
	F("市级发出数(张)", "%s", row_text(r5, i5, "shipped"));
	F("签收数(张)", "%s", row_text(r5, i5, "received"));
	F("签收人 / 签收日期", "%s / %s", row_text(r5, i5, "signer"),
	  row_text(r5, i5, "signed_on"));
	F("发放数(张)", "%s", row_text(r5, i5, "distributed"));
	F("余 / 缺(张)", "%s / %s", row_text(r4, i4, "surplus"), row_text(r4, i4, "shortage"));
	F("退回市级(张)", "%s（应退回 %s）", row_text(r5, i5, "returned"),
	  row_text(r4, i4, "return_ordered"));
	F("市级补充(张)", "%s（应补充 %s）", row_text(r5, i5, "supplied"),
	  row_text(r4, i4, "supplement_ordered"));
	F("补换(张)", "%s", row_text(r5, i5, "replaced"));
	F("未退回(张)", "%s", row_text(r6, 0, "not_returned"));
	F("扣款金额(元)", "%s", amt);
	F("余缺调剂表编号", "%s",
	  row_text(r4, i4, "report_doc")[0] ? row_text(r4, i4, "report_doc") : "未报");
	F("汇总上报编号", "%s", filed ? row_text(fin, 0, "doc") : "未报");
	F("区县签字 / 日期", "%s / %s%s", filed ? row_text(fin, 0, "signer") : "",
	  filed ? row_text(fin, 0, "filed_on") : "",
	  filed && row_bool(fin, 0, "late") ? "（逾期）" : "");
	/* the server's verdict (card.report_annex6): what does not match, and whether it accepts */
	F("验收意见", "%s", row_text(r6, 0, "verdict"));
#undef F
	return n;
}

static card_err annex6_html(const char *term, const char *district, const card_rows *r5,
                            const char *const *lab, const char *const *val, size_t n,
                            const char *out, card_diag *d)
{
	/* the rows of Annex 5: the schools, the district's own line, its subtotal (the sum) */
	static const char *const heads[] = { "学校", "计划数", "签收数", "调剂",  "发放数",
		                             "结存", "退回数", "补充数", "补换数" };
	static const char *const cols[] = { "planned", "received", "transfer", "distributed",
		                            "on_hand", "returned", "supplied", "replaced" };
	struct html *h = NULL;
	char title[160], tname[CARD_TERM_NAME_BUFSZ];
	card_err rc;

	form_term(term, tname);
	snprintf(title, sizeof(title), "附件6 资源卡发放验收证明 %s %s", tname, district);
	rc = html_open(out, title, &h, d);
	if (rc != CARD_OK)
		return rc;
	html_raw(h, "<h1>资源卡发放验收证明</h1><div class=\"sub\">附件6 · ");
	html_text(h, tname);
	html_raw(h, " · ");
	html_text(h, val[0]);
	html_raw(h, "</div>\n<table class=\"form\">\n");
	for (size_t i = 1; i < n; i++) {
		html_raw(h, "<tr><td class=\"k\">");
		html_text(h, lab[i]);
		html_raw(h, "</td><td>");
		html_text(h, val[i]);
		html_raw(h, "</td></tr>\n");
	}
	html_raw(h, "</table>\n<h2>各校发放情况</h2><table><tr>");
	for (size_t k = 0; k < sizeof(heads) / sizeof(heads[0]); k++) {
		html_raw(h, "<th>");
		html_text(h, heads[k]);
		html_raw(h, "</th>");
	}
	html_raw(h, "</tr>\n");
	for (size_t i = 0; i < card_rows_count(r5); i++) {
		int sum = row_null(r5, i, "school");
		html_raw(h, "<tr%s><td>", sum ? " class=\"sum\"" : "");
		html_text(h, sum ? "合计" : row_text(r5, i, "school_name"));
		html_raw(h, "</td>");
		for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
			html_raw(h, "<td class=\"n\">");
			html_text(h, row_text(r5, i, cols[k]));
			html_raw(h, "</td>");
		}
		html_raw(h, "</tr>\n");
	}
	html_raw(h, "</table>\n<div class=\"sign\"><div>区县教育局（盖章）负责人签字：</div>"
	            "<div>市教育局验收人签字：</div></div>\n"
	            "<div class=\"sign\"><div>日期：</div><div>日期：</div></div>\n");
	return html_close(h, d);
}

card_err annex6_write(const char *term, const char *district, const card_rows *r5,
                      const card_rows *r4, const card_rows *r6, const card_rows *fin,
                      enum table_format fmt, const char *out, card_diag *d)
{
	/* counts and yuan in the 内容 column are number cells in XLSX */
	static const struct table_col tcols[] = { { "项目", TABLE_TEXT }, { "内容", TABLE_VALUE } };
	const char *lab[NFIELDS], *val[NFIELDS];
	char buf[NFIELDS][160], title[160], tname[CARD_TERM_NAME_BUFSZ];
	struct table *t;
	size_t n;
	card_err rc = CARD_OK;

	if (district_row(r5) == (size_t)-1 || district_row(r4) == (size_t)-1 ||
	    card_rows_count(r6) != 1) {
		card_diag_set(d, "no district \"%s\"", district);
		return CARD_ERR_NOT_FOUND;
	}
	n = annex6_fields(term, district, r5, r4, r6, fin, lab, val, buf);
	if (fmt == TABLE_HTML)
		return annex6_html(term, district, r5, lab, val, n, out, d);
	snprintf(title, sizeof(title), "附件6 资源卡发放验收证明 %s %s", form_term(term, tname),
	         district);
	if ((t = table_new(title, "附件6", tcols, 2)) == NULL)
		return CARD_ERR_NOMEM;
	for (size_t i = 0; rc == CARD_OK && i < n; i++) {
		const char *cells[2] = { lab[i], val[i] };
		rc = table_add_row(t, cells, d);
	}
	if (rc == CARD_OK)
		rc = table_write(t, fmt, out, d);
	table_free(t);
	return rc;
}

static const char *const COV_NAMES[] = { "district",   "district_name", "org",         "name",
	                                 "kind",       "planned",       "distributed", "redeemed",
	                                 "rate",       "unredeemed",    "census",      "receipts",
	                                 "adjustment", "final_report" };
#define COV_N (sizeof(COV_NAMES) / sizeof(COV_NAMES[0]))

/* The 类型 of a coverage row as the form prints it. */
static const char *cov_kind(const char *kind)
{
	return strcmp(kind, "district") == 0 ? "区县"
	       : strcmp(kind, "staff") == 0  ? "区直"
	       : strcmp(kind, "city") == 0   ? "全市"
	                                     : "学校";
}

static void cov_cell(struct html *h, const card_rows *r, size_t i, size_t k)
{
	const char *v = row_text(r, i, COV_NAMES[k]);
	int num = k >= 5 && k <= 9;
	const char *cls = num                                    ? "n"
	                  : strstr(v, "逾期") || strstr(v, "未") ? "late"
	                  : strcmp(v, "按时") == 0               ? "ok"
	                                                         : "";
	html_raw(h, "<td class=\"%s\">", cls);
	if (k == 4)
		html_text(h, cov_kind(v));
	else
		html_text(h, v);
	if (k == 8 && *v != '\0')
		html_raw(h, "%%");
	html_raw(h, "</td>");
}

/* The timeliness columns are named by their steps' names in card.calendar_rules. */
static const char *const COV_HEADS[] = { "区县编码",     "区县名称", "单位编码", "单位名称",
	                                 "类型",         "计划数",   "发放数",   "兑换数",
	                                 "普及率(%)",    "未兑换",   "人数统计", "签收回执",
	                                 "余缺调剂上报", "汇总上报" };

/* The bars of the rows with kind `kind` (and district `district` unless NULL). */
static void cov_chart(struct html *h, const card_rows *r, const char *kind, const char *district,
                      const char *caption)
{
	const char **labels = calloc(card_rows_count(r) + 1, sizeof(*labels));
	const char **texts = calloc(card_rows_count(r) + 1, sizeof(*texts));
	double *vals = calloc(card_rows_count(r) + 1, sizeof(*vals));
	char(*tb)[48] = calloc(card_rows_count(r) + 1, sizeof(*tb));
	size_t n = 0;

	if (labels == NULL || texts == NULL || vals == NULL || tb == NULL)
		goto out;
	for (size_t i = 0; i < card_rows_count(r); i++) {
		if (strcmp(row_text(r, i, "kind"), kind) != 0 ||
		    (district != NULL && strcmp(row_text(r, i, "district"), district) != 0))
			continue;
		labels[n] = row_text(r, i, "name");
		vals[n] = strtod(row_text(r, i, "rate"), NULL);
		snprintf(tb[n], sizeof(tb[n]), "%s%%（%s/%s）",
		         *row_text(r, i, "rate") ? row_text(r, i, "rate") : "-",
		         row_text(r, i, "redeemed"), row_text(r, i, "distributed"));
		texts[n] = tb[n];
		n++;
	}
	html_bars(h, caption, labels, vals, texts, n, 100);
out:
	free(labels);
	free(texts);
	free(vals);
	free(tb);
}

static card_err coverage_html(const char *term, const card_rows *r, const char *out, card_diag *d)
{
	struct html *h = NULL;
	char title[160], cap[200], tname[CARD_TERM_NAME_BUFSZ];
	card_err rc;

	form_term(term, tname);
	snprintf(title, sizeof(title), "资源卡普及率 %s", tname);
	rc = html_open(out, title, &h, d);
	if (rc != CARD_OK)
		return rc;
	html_raw(h, "<h1>资源卡普及率与工作时效</h1><div class=\"sub\">");
	html_text(h, tname);
	html_raw(h, " · 普及率 = 兑换数 / 发放数</div>\n");
	cov_chart(h, r, "district", NULL, "各区县普及率");
	html_raw(h, "<h2>各区县</h2><table><tr>");
	for (size_t k = 1; k < COV_N; k++)
		if (k != 2 && k != 3 && k != 4) {
			html_raw(h, "<th>");
			html_text(h, COV_HEADS[k]);
			html_raw(h, "</th>");
		}
	html_raw(h, "</tr>\n");
	/* the districts, then the city's total (合计, kind city) */
	for (size_t i = 0; i < card_rows_count(r); i++) {
		int city = strcmp(row_text(r, i, "kind"), "city") == 0;
		if (strcmp(row_text(r, i, "kind"), "district") != 0 && !city)
			continue;
		html_raw(h, city ? "<tr class=\"sum\">" : "<tr>");
		for (size_t k = 1; k < COV_N; k++)
			if (k == 1 && city)
				html_raw(h, "<td>合计</td>");
			else if (k != 2 && k != 3 && k != 4)
				cov_cell(h, r, i, k);
		html_raw(h, "</tr>\n");
	}
	html_raw(h, "</table>\n");
	for (size_t i = 0; i < card_rows_count(r); i++) {
		const char *dist = row_text(r, i, "district");
		if (strcmp(row_text(r, i, "kind"), "district") != 0)
			continue;
		html_raw(h, "<h2>");
		html_text(h, row_text(r, i, "district_name"));
		html_raw(h, "</h2>\n");
		snprintf(cap, sizeof(cap), "%s 各校普及率", row_text(r, i, "district_name"));
		cov_chart(h, r, "school", dist, cap);
		html_raw(h, "<table><tr><th>学校编码</th><th>学校名称</th><th>计划数</"
		            "th><th>发放数</th>"
		            "<th>兑换数</th><th>普及率(%%)</th><th>未兑换</th></tr>\n");
		/* its schools and its own line (kind staff) */
		for (size_t j = 0; j < card_rows_count(r); j++) {
			const char *kind = row_text(r, j, "kind");
			if ((strcmp(kind, "school") != 0 && strcmp(kind, "staff") != 0) ||
			    strcmp(row_text(r, j, "district"), dist) != 0)
				continue;
			html_raw(h, "<tr>");
			for (size_t k = 2; k < 10; k++)
				if (k != 4)
					cov_cell(h, r, j, k);
			html_raw(h, "</tr>\n");
		}
		html_raw(h, "</table>\n");
	}
	return html_close(h, d);
}

card_err coverage_write(const char *term, const char *district, const card_rows *r,
                        enum table_format fmt, const char *out, card_diag *d)
{
	struct table_col tcols[COV_N];
	struct table *t;
	char title[160], tname[CARD_TERM_NAME_BUFSZ];
	card_err rc = CARD_OK;

	if (fmt == TABLE_HTML)
		return coverage_html(term, r, out, d);
	for (size_t k = 0; k < COV_N; k++)
		tcols[k] = (struct table_col){ COV_HEADS[k], k == 8             ? TABLE_RATE
			                                     : k >= 5 && k <= 9 ? TABLE_INT
			                                                        : TABLE_TEXT };
	snprintf(title, sizeof(title), "资源卡普及率 %s%s%s", form_term(term, tname),
	         district ? " " : "", district ? district : "");
	if ((t = table_new(title, "普及率", tcols, COV_N)) == NULL)
		return CARD_ERR_NOMEM;
	for (size_t i = 0; rc == CARD_OK && i < card_rows_count(r); i++) {
		const char *cells[COV_N];
		for (size_t k = 0; k < COV_N; k++)
			cells[k] = row_text(r, i, COV_NAMES[k]);
		cells[4] = cov_kind(cells[4]);
		rc = table_add_row(t, cells, d);
	}
	if (rc == CARD_OK)
		rc = table_write(t, fmt, out, d);
	table_free(t);
	return rc;
}
