/*
 * check_outfile.c -- every report file is created the same way (tools/outfile.c, used by
 * table.c and html.c): a symlink planted at the temporary name the writers used before
 * (PATH.tmp<pid>) or at the target is never followed, the file lands whole at the target, no
 * temporary is left, and CSV, XLSX, text, JSON and HTML all get the one mode, OUTFILE_MODE,
 * whatever the umask.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "html.h"
#include "outfile.h"
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
};

static const struct {
	enum table_format fmt;
	const char *name;
} FORMATS[] = {
	{ TABLE_CSV, "r.csv" },   { TABLE_XLSX, "r.xlsx" }, { TABLE_PLAIN, "r.txt" },
	{ TABLE_JSON, "r.json" }, { TABLE_HTML, "r.html" },
};
#define NFORMATS (sizeof(FORMATS) / sizeof(FORMATS[0]))

/* Write a one-row report in format k to path (HTML through html.c, the rest table.c). */
static card_err write_report(size_t k, const char *path, card_diag *d)
{
	static const char *row[] = { "S101", "40" };
	struct table *t;
	card_err rc;

	if (FORMATS[k].fmt == TABLE_HTML) {
		struct html *h = NULL;

		rc = html_open(path, "附件5", &h, d);
		if (rc != CARD_OK)
			return rc;
		html_text(h, "S101 40");
		return html_close(h, d);
	}
	t = table_new("附件5", "附件5", COLS, 2);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(table_add_row(t, row, d), CARD_OK);
	rc = table_write(t, FORMATS[k].fmt, path, d);
	table_free(t);
	return rc;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void ck_content(const char *path, const char *want)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_str_eq(buf, want);
}

/* Only the names given (NULL-terminated) are left in dir. */
static void ck_only(const char *const *names)
{
	char cmd[1024];
	size_t n = 0;

	while (names[n] != NULL)
		n++;
	snprintf(cmd, sizeof(cmd), "test \"$(ls -A '%s' | wc -l)\" -eq %zu", dir, n);
	ck_assert_msg(system(cmd) == 0, "%s holds more than the %zu files wanted", dir, n);
}

/* A symlink at the old temporary name PATH.tmp<pid>, pointing at a file of someone else's:
 * that file is not touched, the report is a regular file at PATH. */
START_TEST(test_planted_symlink_at_old_temp_name)
{
	char path[512], planted[600], victim[512];
	struct stat sb;
	card_diag d = { 0 };

	for (size_t k = 0; k < NFORMATS; k++) {
		snprintf(victim, sizeof(victim), "%s/victim", dir);
		put(victim, "precious\n");
		snprintf(path, sizeof(path), "%s/%s", dir, FORMATS[k].name);
		snprintf(planted, sizeof(planted), "%s.tmp%ld", path, (long)getpid());
		ck_assert_int_eq(symlink(victim, planted), 0);
		ck_assert_msg(write_report(k, path, &d) == CARD_OK, "%s: %s", FORMATS[k].name,
		              d.message);
		ck_content(victim, "precious\n");
		ck_assert_int_eq(lstat(path, &sb), 0);
		ck_assert_msg(S_ISREG(sb.st_mode), "%s is not a regular file", FORMATS[k].name);
		ck_assert_int_eq(lstat(planted, &sb), 0);
		ck_assert(S_ISLNK(sb.st_mode));
		{
			const char *names[] = { "victim", FORMATS[k].name,
				                planted + strlen(dir) + 1, NULL };
			ck_only(names);
		}
		unlink(planted);
		unlink(path);
	}
}
END_TEST

/* A symlink at the target itself is replaced, not followed. */
START_TEST(test_symlink_at_target)
{
	char path[512], victim[512];
	struct stat sb;
	card_diag d = { 0 };

	snprintf(victim, sizeof(victim), "%s/victim", dir);
	for (size_t k = 0; k < NFORMATS; k++) {
		put(victim, "precious\n");
		snprintf(path, sizeof(path), "%s/%s", dir, FORMATS[k].name);
		ck_assert_int_eq(symlink(victim, path), 0);
		ck_assert_int_eq(write_report(k, path, &d), CARD_OK);
		ck_content(victim, "precious\n");
		ck_assert_int_eq(lstat(path, &sb), 0);
		ck_assert(S_ISREG(sb.st_mode));
		unlink(path);
	}
}
END_TEST

/* One mode for every format, whatever the umask (a lax one cannot widen it, a strict one
 * cannot narrow it); an existing wider file at the target does not keep its mode. */
START_TEST(test_one_mode)
{
	static const mode_t masks[] = { 0, 022, 077 };
	char path[512];
	struct stat sb;
	card_diag d = { 0 };
	mode_t old = umask(0);

	for (size_t m = 0; m < sizeof(masks) / sizeof(masks[0]); m++) {
		umask(masks[m]);
		for (size_t k = 0; k < NFORMATS; k++) {
			snprintf(path, sizeof(path), "%s/%s", dir, FORMATS[k].name);
			put(path, "old\n");
			ck_assert_int_eq(chmod(path, 0666), 0);
			ck_assert_int_eq(write_report(k, path, &d), CARD_OK);
			ck_assert_int_eq(stat(path, &sb), 0);
			ck_assert_msg((sb.st_mode & 07777) == OUTFILE_MODE,
			              "%s has mode %o under umask %o", FORMATS[k].name,
			              (unsigned)(sb.st_mode & 07777), (unsigned)masks[m]);
		}
	}
	umask(old);
	{
		const char *names[] = { "r.csv", "r.xlsx", "r.txt", "r.json", "r.html", NULL };
		ck_only(names);
	}
}
END_TEST

/* A directory that cannot be written: refused with a message, nothing left. */
START_TEST(test_failure_leaves_nothing)
{
	char path[512];
	card_diag d = { 0 };
	const char *none[] = { NULL };

	for (size_t k = 0; k < NFORMATS; k++) {
		snprintf(path, sizeof(path), "%s/no/such/%s", dir, FORMATS[k].name);
		ck_assert_int_eq(write_report(k, path, &d), CARD_ERR_IO);
		ck_assert_ptr_nonnull(strstr(d.message, "could not create"));
		ck_assert_ptr_nonnull(strstr(d.message, FORMATS[k].name));
		/* ... and says which folder is missing. */
		snprintf(path, sizeof(path), "The folder \"%s/no/such\" does not exist", dir);
		ck_assert_msg(strstr(d.hint, path) != NULL, "hint: %s", d.hint);
	}
	ck_only(none);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("outfile");
	TCase *tc = tcase_create("report files");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_planted_symlink_at_old_temp_name);
	tcase_add_test(tc, test_symlink_at_target);
	tcase_add_test(tc, test_one_mode);
	tcase_add_test(tc, test_failure_leaves_nothing);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
