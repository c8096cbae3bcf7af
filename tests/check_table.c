/*
 * check_table.c -- the report tables of cardctl (tools/table.h) and the QR column
 * (tools/qrsvg.h): CSV bytes (BOM, CRLF, quoting), the text table and JSON, typed cells, XLSX
 * files, failures that leave no file behind, picking a format; card_threshold_parse.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qrsvg.h"
#include "table.h"
#include "testutil.h"

static char *dir;

static void setup(void)
{
	dir = tu_tmpdir();
}

static void teardown(void)
{
	tu_rmtree(dir);
	free(dir);
}

static const struct table_col COLS[] = {
	{ "学校编码", TABLE_TEXT },
	{ "人数", TABLE_INT },
	{ "日期", TABLE_DATE },
};

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, 1 << 16);
	ck_assert_ptr_nonnull(f);
	*n = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

START_TEST(test_csv_bytes)
{
	struct table *t = table_new("附件2 2027-spring", "附件2", COLS, 3);
	const char *r1[] = { "S101", "40", "2027-02-22" };
	const char *r2[] = { "a,b \"q\"\nx", NULL, "" };
	char path[512];
	size_t n;
	char *got;
	card_diag d = { 0 };
	static const char want[] = "\xEF\xBB\xBF学校编码,人数,日期\r\nS101,40,2027-02-22\r\n"
				   "\"a,b \"\"q\"\"\nx\",,\r\n";

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(table_add_row(t, r1, &d), CARD_OK);
	ck_assert_int_eq(table_add_row(t, r2, &d), CARD_OK);
	ck_assert_uint_eq(table_rows(t), 2);
	snprintf(path, sizeof(path), "%s/t.csv", dir);
	ck_assert_int_eq(table_write(t, TABLE_CSV, path, &d), CARD_OK);
	got = slurp(path, &n);
	ck_assert_uint_eq(n, sizeof(want) - 1);
	ck_assert_mem_eq(got, want, n);
	free(got);
	table_free(t);
}
END_TEST

/* A cell a spreadsheet would run as a formula is written as quoted text with a leading single
 * quote; a negative number stays a number. */
START_TEST(test_csv_formula)
{
	struct table *t = table_new("x", NULL, COLS, 3);
	const char *text[] = { "=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-x", "@SUM(A1)", "\tx" };
	const char *neg[] = { "-", "-3", "" };
	char path[512];
	size_t n;
	char *got;
	card_diag d = { 0 };
	static const char want[] = "\xEF\xBB\xBF学校编码,人数,日期\r\n"
				   "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",,\r\n"
				   "\"'+1+1\",,\r\n"
				   "\"'-x\",,\r\n"
				   "\"'@SUM(A1)\",,\r\n"
				   "\"'\tx\",,\r\n"
				   "-,-3,\r\n";

	ck_assert_ptr_nonnull(t);
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		const char *row[] = { text[i], NULL, "" };
		ck_assert_int_eq(table_add_row(t, row, &d), CARD_OK);
	}
	ck_assert_int_eq(table_add_row(t, neg, &d), CARD_OK);
	snprintf(path, sizeof(path), "%s/f.csv", dir);
	ck_assert_int_eq(table_write(t, TABLE_CSV, path, &d), CARD_OK);
	got = slurp(path, &n);
	ck_assert_uint_eq(n, sizeof(want) - 1);
	ck_assert_mem_eq(got, want, n);
	free(got);
	table_free(t);
}
END_TEST

START_TEST(test_typed_cells)
{
	struct table *t = table_new("x", NULL, COLS, 3);
	const char *bad_int[] = { "S", "4O", NULL };
	const char *bad_date[] = { "S", "1", "2027-13-01" };
	const char *neg[] = { "S", "-3", "2027-01-31" };
	card_diag d = { 0 };

	ck_assert_int_eq(table_add_row(t, bad_int, &d), CARD_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(d.message, "人数"));
	ck_assert_int_eq(table_add_row(t, bad_date, &d), CARD_ERR_INVALID_ARG);
	ck_assert_int_eq(table_add_row(t, neg, &d), CARD_OK);
	ck_assert_uint_eq(table_rows(t), 1);
	table_free(t);
	table_free(NULL);
}
END_TEST

/* Yuan have exactly two decimals, rates are decimals: anything else is the caller's bug. */
START_TEST(test_money_and_rate_cells)
{
	static const struct table_col mc[] = { { "扣款(元)", TABLE_MONEY },
		                               { "普及率(%)", TABLE_RATE } };
	static const char *const good[][2] = { { "100.00", "31.3" },
		                               { "-0.50", "0" },
		                               { "0.00", "100.0" } };
	static const char *const bad[][2] = { { "100", "1" },   { "1.5", "1" },  { "1e3", "1" },
		                              { "1.000", "1" }, { "0.00", "." }, { "0.00", "3.x" },
		                              { "0.00", "-" } };
	struct table *t = table_new("x", NULL, mc, 2);
	card_diag d = { 0 };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_int_eq(table_add_row(t, good[i], &d), CARD_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(table_add_row(t, bad[i], &d), CARD_ERR_INVALID_ARG);
	ck_assert_uint_eq(table_rows(t), 3);
	table_free(t);
}
END_TEST

START_TEST(test_xlsx_file)
{
	struct table *t = table_new(
		"发放计划表 2027-spring",
		"发放计划[1]:*?/\\很长很长很长很长很长很长很长很长很长很长很长很长", COLS, 3);
	const char *r1[] = { "S101", "40", "2027-02-22" };
	char path[512];
	size_t n;
	char *got;
	card_diag d = { 0 };

	ck_assert_int_eq(table_add_row(t, r1, &d), CARD_OK);
	ck_assert_int_eq(table_write(t, TABLE_XLSX, NULL, &d), CARD_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(d.message, "--out"));
	snprintf(path, sizeof(path), "%s/t.xlsx", dir);
	ck_assert_int_eq(table_write(t, TABLE_XLSX, path, &d), CARD_OK);
	got = slurp(path, &n);
	ck_assert_uint_gt(n, 1000);
	ck_assert_mem_eq(got, "PK", 2); /* a zip container */
	free(got);
	table_free(t);
}
END_TEST

START_TEST(test_write_failure_leaves_nothing)
{
	struct table *t = table_new("x", NULL, COLS, 3);
	char path[512], cmd[600];
	card_diag d = { 0 };

	snprintf(path, sizeof(path), "%s/no/such/dir/t.csv", dir);
	ck_assert_int_eq(table_write(t, TABLE_CSV, path, &d), CARD_ERR_IO);
	ck_assert_ptr_nonnull(strstr(d.message, "could not"));
	snprintf(path, sizeof(path), "%s/no/t.xlsx", dir);
	ck_assert_int_eq(table_write(t, TABLE_XLSX, path, &d), CARD_ERR_IO);
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", dir);
	ck_assert_int_eq(system(cmd), 0);
	table_free(t);
}
END_TEST

START_TEST(test_formats)
{
	enum table_format f;
	ck_assert_int_eq(table_parse_format("csv", &f), 0);
	ck_assert_int_eq(f, TABLE_CSV);
	ck_assert_int_eq(table_parse_format("xlsx", &f), 0);
	ck_assert_int_eq(f, TABLE_XLSX);
	ck_assert_int_eq(table_parse_format("text", &f), 0);
	ck_assert_int_eq(f, TABLE_PLAIN);
	ck_assert_int_eq(table_parse_format("json", &f), 0);
	ck_assert_int_eq(f, TABLE_JSON);
	ck_assert_int_eq(table_parse_format("XLS", &f), -1);
	ck_assert_int_eq(table_parse_format(NULL, &f), -1);

	/* --format wins; then --json; then stdout means text; then the file's extension */
	ck_assert_int_eq(table_pick_format("csv", "x.xlsx", 1, 0, &f), 0);
	ck_assert_int_eq(f, TABLE_CSV);
	ck_assert_int_eq(table_pick_format("pdf", NULL, 0, 0, &f), -1);
	ck_assert_int_eq(table_pick_format(NULL, NULL, 1, 0, &f), 0);
	ck_assert_int_eq(f, TABLE_JSON);
	ck_assert_int_eq(table_pick_format(NULL, NULL, 0, 0, &f), 0);
	ck_assert_int_eq(f, TABLE_PLAIN);
	ck_assert_int_eq(table_pick_format(NULL, "-", 0, 0, &f), 0);
	ck_assert_int_eq(f, TABLE_PLAIN);
	ck_assert_int_eq(table_pick_format(NULL, "out/annex5.XLSX", 0, 0, &f), 0);
	ck_assert_int_eq(f, TABLE_XLSX);
	ck_assert_int_eq(table_pick_format(NULL, "a.csv", 0, 0, &f), 0);
	ck_assert_int_eq(f, TABLE_CSV);
	ck_assert_int_eq(table_pick_format(NULL, "a.txt", 0, 0, &f), 0);
	ck_assert_int_eq(f, TABLE_PLAIN);
	ck_assert_int_eq(table_pick_format(NULL, "a.json", 0, 0, &f), 0);
	ck_assert_int_eq(f, TABLE_JSON);
	ck_assert_int_eq(table_pick_format(NULL, "a.pdf", 0, 0, &f), -1);
	ck_assert_int_eq(table_pick_format(NULL, ".csv", 0, 0, &f), -1);
	/* html only for the reports that have a page */
	ck_assert_int_eq(table_pick_format("html", NULL, 0, 0, &f), -1);
	ck_assert_int_eq(table_pick_format(NULL, "c.html", 0, 0, &f), -1);
	ck_assert_int_eq(table_pick_format("html", NULL, 0, 1, &f), 0);
	ck_assert_int_eq(f, TABLE_HTML);
	ck_assert_int_eq(table_pick_format(NULL, "c.HTML", 0, 1, &f), 0);
	ck_assert_int_eq(f, TABLE_HTML);
}
END_TEST

START_TEST(test_text_and_json)
{
	static const struct table_col cols[] = {
		{ "学校编码", TABLE_TEXT },
		{ "人数", TABLE_INT },
		{ "率(%)", TABLE_TEXT },
		{ "备注", TABLE_TEXT },
	};
	struct table *t = table_new("普及率 2027-spring", NULL, cols, 4);
	const char *r1[] = { "S101", "40", "100.0", "转入 \"2\"" };
	const char *r2[] = { "高新一小", "7", "5.6", NULL };
	char path[512];
	size_t n;
	char *got;
	card_diag d = { 0 };
	/* CJK counts two columns: 学校编码 and 高新一小 are 8 wide; numbers align right; the
	 * second row stops after its last non-empty cell. */
	static const char want_text[] = "普及率 2027-spring\n"
					"学校编码  人数  率(%)  备注\n"
					"-------------------------------\n"
					"S101        40  100.0  转入 \"2\"\n"
					"高新一小     7    5.6\n";
	static const char want_json[] =
		"{\"title\": \"普及率 2027-spring\", \"columns\": [\"学校编码\", \"人数\", "
		"\"率(%)\", \"备注\"], \"rows\": ["
		"[\"S101\", 40, \"100.0\", \"转入 \\\"2\\\"\"], "
		"[\"高新一小\", 7, \"5.6\", null]]}\n";

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(table_add_row(t, r1, &d), CARD_OK);
	ck_assert_int_eq(table_add_row(t, r2, &d), CARD_OK);
	snprintf(path, sizeof(path), "%s/t.txt", dir);
	ck_assert_int_eq(table_write(t, TABLE_PLAIN, path, &d), CARD_OK);
	got = slurp(path, &n);
	ck_assert_str_eq(got, want_text);
	free(got);
	snprintf(path, sizeof(path), "%s/t.json", dir);
	ck_assert_int_eq(table_write(t, TABLE_JSON, path, &d), CARD_OK);
	got = slurp(path, &n);
	ck_assert_str_eq(got, want_json);
	free(got);
	/* an HTML page is a form's own, never a table's */
	ck_assert_int_eq(table_write(t, TABLE_HTML, path, &d), CARD_ERR_INVALID_ARG);
	table_free(t);
}
END_TEST

START_TEST(test_qr_svg)
{
	char buf[QRSVG_MAX], small[64];
	size_t n = qrsvg_cell("https://card.example.cn", 1, "4800-0030-E9JC-MX3N-XX2Q", buf,
	                      sizeof(buf));

	ck_assert_uint_ne(n, (size_t)-1);
	ck_assert_uint_lt(n, sizeof(buf));
	buf[n] = '\0';
	ck_assert_int_eq(strncmp(buf, "<svg ", 5), 0);
	ck_assert_ptr_nonnull(strstr(buf, "</svg>"));
	ck_assert_ptr_null(strpbrk(buf, ",\"\r\n"));
	ck_assert_uint_eq(qrsvg_encode("https://card.example.cn/?code=X", small, sizeof(small)),
	                  (size_t)-1);
	ck_assert_int_eq(qrsvg_base_ok("https://card.example.cn/r"), 0);
	ck_assert_int_eq(qrsvg_base_ok("http://10.0.0.1:8080"), 0);
	ck_assert_int_eq(qrsvg_base_ok("ftp://x"), -1);
	ck_assert_int_eq(qrsvg_base_ok("https://x/?a=b"), -1);
	ck_assert_int_eq(qrsvg_base_ok("https://x/a b"), -1);
	ck_assert_int_eq(qrsvg_base_ok("https://x/a,b"), -1);
	ck_assert_int_eq(qrsvg_base_ok(""), -1);
}
END_TEST

START_TEST(test_threshold)
{
	card_threshold t;
	ck_assert_int_eq(card_threshold_parse("2%", &t), 0);
	ck_assert(t.pct == 2 && t.abs == -1);
	ck_assert_int_eq(card_threshold_parse("10", &t), 0);
	ck_assert(t.pct < 0 && t.abs == 10);
	ck_assert_int_eq(card_threshold_parse("2.5%,7", &t), 0);
	ck_assert(t.pct == 2.5 && t.abs == 7);
	ck_assert_int_eq(card_threshold_parse("x", &t), -1);
	ck_assert_int_eq(card_threshold_parse("-1", &t), -1);
	ck_assert_int_eq(card_threshold_parse("101%", &t), -1);
	ck_assert_int_eq(card_threshold_parse("", &t), -1);
	ck_assert_int_eq(card_threshold_parse("%", &t), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("table");
	TCase *tc = tcase_create("table");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_csv_bytes);
	tcase_add_test(tc, test_csv_formula);
	tcase_add_test(tc, test_typed_cells);
	tcase_add_test(tc, test_money_and_rate_cells);
	tcase_add_test(tc, test_xlsx_file);
	tcase_add_test(tc, test_write_failure_leaves_nothing);
	tcase_add_test(tc, test_formats);
	tcase_add_test(tc, test_text_and_json);
	tcase_add_test(tc, test_qr_svg);
	tcase_add_test(tc, test_threshold);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
