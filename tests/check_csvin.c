/*
 * check_csvin.c -- the CSV input module of cardctl (tools/csvin.c): encodings, quoting,
 * header mapping, and the line numbers in its errors.
 */
#include "config.h"

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "../tools/csvin.h"

static const struct csvin_col COLS[] = {
	{ "编码", "code", 1 },       { "名称", "name", 1 },  { "类型", "kind", 1 },
	{ "上级编码", "parent", 0 }, { "电话", "phone", 0 },
};
#define NCOLS (sizeof(COLS) / sizeof(COLS[0]))

/* All rows of a buffer as "line|f0|f1|...\n" text (absent columns as "-"), or the error
 * as "ERR line: message". */
static char *slurp(const char *data, size_t len, const char *enc, const char **encoding_out)
{
	struct csvin *c = NULL;
	card_diag d;
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	card_err rc;

	card_diag_clear(&d);
	ck_assert_ptr_nonnull(f);
	rc = csvin_open_buffer(data, len, 1 << 20, "t.csv", enc, COLS, NCOLS, &c, &d);
	while (rc == CARD_OK) {
		const char *const *fl;
		long line = 0;
		int eof = 0;
		rc = csvin_next(c, &fl, &line, &eof, &d);
		if (rc != CARD_OK || eof)
			break;
		fprintf(f, "%ld", line);
		for (size_t i = 0; i < NCOLS; i++)
			fprintf(f, "|%s", fl[i] != NULL ? fl[i] : "-");
		fputc('\n', f);
	}
	if (rc != CARD_OK) {
		ck_assert_int_eq(rc, CARD_ERR_INPUT);
		fprintf(f, "ERR %ld: %s", d.line, d.message);
	}
	if (encoding_out != NULL)
		*encoding_out = c != NULL ? csvin_encoding(c) : NULL;
	csvin_close(c);
	fclose(f);
	return out;
}

static char *rows(const char *text)
{
	return slurp(text, strlen(text), NULL, NULL);
}

#define EXPECT(text, want)                    \
	do {                                  \
		char *got_ = rows(text);      \
		ck_assert_str_eq(got_, want); \
		free(got_);                   \
	} while (0)

START_TEST(test_english_any_order)
{
	EXPECT("kind,Code,NAME\ncity,C1,City\n  district , D1 ,\" Dist \"\n",
	       "2|C1|City|city|-|-\n3|D1|Dist|district|-|-\n");
}
END_TEST

START_TEST(test_bom_chinese)
{
	EXPECT("\xef\xbb\xbf编码,名称,类型,上级编码\r\nC1,市教育局,市,\r\n",
	       "2|C1|市教育局|市||-\n");
}
END_TEST

START_TEST(test_crlf_quotes_newlines)
{
	/* Line numbers are physical: the quoted newline moves the next row to line 4. */
	EXPECT("code,name,kind\r\nA,\"two\r\nlines\",x\r\nB,\"say \"\"hi\"\"\",y\r\n",
	       "2|A|two\r\nlines|x|-|-\n4|B|say \"hi\"|y|-|-\n");
	/* A last row without a terminator. */
	EXPECT("code,name,kind\nA,b,c", "2|A|b|c|-|-\n");
}
END_TEST

START_TEST(test_blank_lines)
{
	EXPECT("\n\ncode,name,kind\n\n   \n,,\nA,b,c\n\n", "7|A|b|c|-|-\n");
	/* Ideographic spaces around a value are trimmed too. */
	EXPECT("code,name,kind\n\xe3\x80\x80"
	       "A\xe3\x80\x80,b,c\n",
	       "2|A|b|c|-|-\n");
}
END_TEST

/* Convert UTF-8 text to GB18030 with iconv (the test's own use, independent of csvin). */
static char *to_gb(const char *s, size_t *len)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	size_t inleft = strlen(s), outleft = inleft * 2 + 4;
	char *buf = malloc(outleft), *in = (char *)s, *out = buf;
	ck_assert(cd != (iconv_t)-1);
	ck_assert(iconv(cd, &in, &inleft, &out, &outleft) != (size_t)-1);
	iconv_close(cd);
	*len = (size_t)(out - buf);
	return buf;
}

START_TEST(test_gb18030_twin)
{
	const char *utf8 = "编码,名称,类型,上级编码,电话\r\nC1,某市教育局,市,,\r\n"
			   "D1,\"高新区\r\n（开发区）\",区,C1,0571-1234\r\nS1,第一中学,校,D1,\r\n";
	const char *e1 = NULL, *e2 = NULL;
	size_t glen;
	char *gb = to_gb(utf8, &glen);
	char *a = slurp(utf8, strlen(utf8), NULL, &e1);
	char *b = slurp(gb, glen, NULL, &e2);
	char *c = slurp(gb, glen, "GB18030", NULL);

	ck_assert(glen != strlen(utf8) || memcmp(gb, utf8, glen) != 0);
	ck_assert_str_eq(e1, "UTF-8");
	ck_assert_str_eq(e2, "GB18030");
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(a, c);
	ck_assert_ptr_nonnull(strstr(a, "5|S1|第一中学|校|D1|"));
	free(a);
	free(b);
	free(c);
	/* GB18030 bytes read as UTF-8 by request: an error naming the first bad line. */
	a = slurp(gb, glen, "UTF-8", NULL);
	ck_assert_str_eq(a, "ERR 1: t.csv:1: invalid byte sequence for encoding UTF-8");
	free(a);
	free(gb);
}
END_TEST

START_TEST(test_bad_encoding)
{
	/* 0xFF is no lead byte in UTF-8 nor in GB18030. */
	const char bad[] = "code,name,kind\nA,b,c\nB,\xff\xff,c\n";
	char *r = slurp(bad, sizeof(bad) - 1, NULL, NULL);
	ck_assert_str_eq(
		r, "ERR 3: t.csv:3: invalid byte sequence: the file is neither UTF-8 nor GB18030");
	free(r);
	/* A BOM promises UTF-8: no fallback. */
	r = slurp("\xef\xbb\xbf"
	          "code,name,kind\n\xb1\xe0,b,c\n",
	          22, NULL, NULL);
	ck_assert_str_eq(r, "ERR 2: t.csv:2: invalid byte sequence for encoding UTF-8");
	free(r);
	r = slurp("code,name,kind\nA,b\0,c\n", 22, NULL, NULL);
	ck_assert_str_eq(r, "ERR 2: t.csv:2: file contains a NUL byte");
	free(r);
}
END_TEST

START_TEST(test_header_errors)
{
	EXPECT("code,name\nA,b\n", "ERR 1: t.csv:1: missing column \"类型\" (kind) in header");
	EXPECT("\ncode,name,kind,colour\n", "ERR 2: t.csv:2: unknown column \"colour\" in header");
	EXPECT("code,name,kind,编码\n",
	       "ERR 1: t.csv:1: duplicate column \"编码\" (code) in header");
	EXPECT("CODE,name,kind,code\n",
	       "ERR 1: t.csv:1: duplicate column \"编码\" (code) in header");
	EXPECT("", "ERR 1: t.csv:1: file has no header row");
	EXPECT("\n\n", "ERR 3: t.csv:3: file has no header row");
}
END_TEST

START_TEST(test_row_errors)
{
	EXPECT("code,name,kind\nA,b,c\n\nB,c\n",
	       "2|A|b|c|-|-\nERR 4: t.csv:4: row has 2 fields, but the header has 3");
	EXPECT("code,name,kind\nA,b,c,d\n",
	       "ERR 2: t.csv:2: row has 4 fields, but the header has 3");
	/* The row starts on line 2; its quoted field runs to line 3. */
	EXPECT("code,name,kind\nA,\"b\nc\"\n",
	       "ERR 2: t.csv:2: row has 2 fields, but the header has 3");
	EXPECT("code,name,kind\nA,b\"x,c\n", "ERR 2: t.csv:2: malformed quoted field");
	EXPECT("code,name,kind\nA,\"b,c\n\n", "ERR 2: t.csv:2: unterminated quoted field");
	/* Trailing empty header cells (Excel) are fine while the rows leave them empty. */
	EXPECT("code,name,kind,,\nA,b,c,,\n", "2|A|b|c|-|-\n");
	EXPECT("code,name,kind,\nA,b,c,\nB,b,c,x\n",
	       "2|A|b|c|-|-\nERR 3: t.csv:3: value in column 4, which has no header");
}
END_TEST

START_TEST(test_size_cap_and_file)
{
	struct csvin *c = NULL;
	card_diag d;
	char *dir = tu_tmpdir(), path[512];
	FILE *f;
	const char *const *fl;
	long line;
	int eof;

	card_diag_clear(&d);
	ck_assert_int_eq(
		csvin_open_buffer("code,name,kind\n", 15, 10, "t.csv", NULL, COLS, NCOLS, &c, &d),
		CARD_ERR_INPUT);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(d.message, "too large"));
	ck_assert_int_eq(csvin_open_buffer("code,name,kind\n", 15, 100, "t.csv", "latin9", COLS,
	                                   NCOLS, &c, &d),
	                 CARD_ERR_INVALID_ARG);
	snprintf(path, sizeof(path), "%s/none.csv", dir);
	ck_assert_int_eq(csvin_open(path, NULL, COLS, NCOLS, &c, &d), CARD_ERR_IO);
	snprintf(path, sizeof(path), "%s/a.csv", dir);
	f = fopen(path, "w");
	fputs("名称,编码,类型\nx,A,校\n", f);
	fclose(f);
	ck_assert_int_eq(csvin_open(path, "auto", COLS, NCOLS, &c, &d), CARD_OK);
	ck_assert(csvin_has(c, 0) && !csvin_has(c, 3));
	ck_assert_int_eq(csvin_header_line(c), 1);
	ck_assert_int_eq(csvin_next(c, &fl, &line, &eof, &d), CARD_OK);
	ck_assert(!eof);
	ck_assert_str_eq(fl[0], "A");
	ck_assert_ptr_null(fl[3]);
	ck_assert_int_eq(csvin_next(c, &fl, &line, &eof, &d), CARD_OK);
	ck_assert(eof);
	csvin_close(c);
	csvin_close(NULL);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

/* A whole file at once: every line's cells copied ("" for an absent column), its line number;
 * a bad line stops the read and says where, the lines before it kept for the caller to free. */
START_TEST(test_read_all)
{
	struct csvin_table t;
	card_diag d;
	char *dir = tu_tmpdir(), path[512];
	FILE *f;

	card_diag_clear(&d);
	snprintf(path, sizeof(path), "%s/all.csv", dir);
	f = fopen(path, "w");
	fputs("code,name,kind\nA,一,校\n\nB,\"two\nlines\",校\n", f);
	fclose(f);
	ck_assert_int_eq(csvin_read_all(path, NULL, COLS, NCOLS, &t, NULL, NULL, &d), CARD_OK);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_uint_eq(t.ncols, NCOLS);
	ck_assert_str_eq(t.cells[0], "A");
	ck_assert_str_eq(t.cells[1], "一");
	ck_assert_str_eq(t.cells[3], "");
	ck_assert_str_eq(t.cells[NCOLS + 1], "two\nlines");
	ck_assert_int_eq(t.lines[0], 2);
	ck_assert_int_eq(t.lines[1], 4);
	csvin_table_free(&t);
	ck_assert_ptr_null(t.cells);

	f = fopen(path, "w");
	fputs("code,name,kind\nA,一,校\nB,二\n", f);
	fclose(f);
	ck_assert_int_eq(csvin_read_all(path, NULL, COLS, NCOLS, &t, NULL, NULL, &d),
	                 CARD_ERR_INPUT);
	ck_assert_int_eq(d.line, 3);
	ck_assert_uint_eq(t.n, 1);
	csvin_table_free(&t);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("csvin");
	TCase *tc = tcase_create("csvin");
	tcase_add_test(tc, test_english_any_order);
	tcase_add_test(tc, test_read_all);
	tcase_add_test(tc, test_bom_chinese);
	tcase_add_test(tc, test_crlf_quotes_newlines);
	tcase_add_test(tc, test_blank_lines);
	tcase_add_test(tc, test_gb18030_twin);
	tcase_add_test(tc, test_bad_encoding);
	tcase_add_test(tc, test_header_errors);
	tcase_add_test(tc, test_row_errors);
	tcase_add_test(tc, test_size_cap_and_file);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
