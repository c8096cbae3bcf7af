/*
 * cmd_distribute.c -- cardctl distribute and cardctl status (card/distribution.h,
 * card/status.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "csvin.h"
#include "rowsout.h"

static const char DISTRIBUTE_HELP[] =
	"Usage: cardctl distribute --term TERM --school S (--count N | --file FILE.csv) [--date "
	"YYYY-MM-DD] [--encoding E] [--json]\n"
	"Usage: cardctl distribute --term TERM --district D --schools FILE.csv [--encoding E] "
	"[--json]\n\n"
	"Record cards handed to students and teachers at a school (or, with a district's code,\n"
	"to its bureau staff): its stock -> distributed.\n"
	"Refused beyond what the school holds, and beyond its approved census (students and\n"
	"teachers) plus the cards transferred or supplied to it: not one extra.  --file lists\n"
	"them per grade and class, header (any order)\n"
	"    年级,班级,人数   /   grade,class,count\n"
	"--date is the day the cards were handed out (default today; not in the future): it\n"
	"decides lateness.  Due 7 days after the term starts (distribution, S+7); the cards the\n"
	"city supplied after its settlement are due by the close (supplement-distribution,\n"
	"S+30).  Later distributions are flagged late.\n"
	"--schools FILE.csv records the distribution at many schools of district D at once (the\n"
	"district's own code for its bureau staff), all or nothing, every problem listed by its\n"
	"line; the date (the day the cards were handed out) is optional, today by default:\n"
	"    学校编码,张数[,发放日期]   /   school,count[,date]\n";
static const char STATUS_HELP[] =
	"Usage: cardctl status --term TERM [--district D] [--json]\n\n"
	"Where every card of the term is: city stock, in transit, at each district and school,\n"
	"distributed, redeemed; against the plan (schools: their census of students and\n"
	"teachers); the deadlines passed and coming; and what is late or open.\n";

static const struct csvin_col DIST_COLS[] = {
	{ "年级", "grade", 1 },
	{ "班级", "class", 0 },
	{ "人数", "count", 1 },
};

/* Each command takes its own options (status --school is a usage error, not ignored). */
static const struct cli_spec DISTRIBUTE = { "distribute",
	                                    DISTRIBUTE_HELP,
	                                    "term school count file date encoding district schools",
	                                    "term",
	                                    0,
	                                    NULL,
	                                    0 };
static const struct cli_spec STATUS = {
	"status", STATUS_HELP, "term district", "term", 0, NULL, 0
};

/* Read a distribution file; strings are owned by *strs (2 per line). */
static card_err read_lines(const char *path, const char *enc, card_dist_line **out, char ***strs,
                           size_t *np, card_diag *d)
{
	struct csvin *in = NULL;
	card_dist_line *lines = NULL;
	char **s = NULL;
	size_t n = 0, cap = 0;
	card_err rc = csvin_open(path, enc, DIST_COLS, 3, &in, d);

	while (rc == CARD_OK) {
		const char *const *f;
		long line;
		int long_ok;
		long long v;
		int eof = 0;
		rc = csvin_next(in, &f, &line, &eof, d);
		if (rc != CARD_OK || eof)
			break;
		long_ok = f[2] != NULL && cli_parse_long(f[2], 1, 100000, &v) == 0;
		if (!long_ok) {
			card_diag_set(d, "%s:%ld: count \"%s\" is not a positive whole number",
			              path, line, f[2] != NULL ? f[2] : "");
			d->line = line;
			rc = CARD_ERR_INPUT;
			break;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			card_dist_line *l2 = realloc(lines, nc * sizeof(*l2));
			char **s2 = l2 != NULL ? realloc(s, 2 * nc * sizeof(*s2)) : NULL;
			if (l2 != NULL)
				lines = l2;
			if (s2 == NULL) {
				rc = CARD_ERR_NOMEM;
				break;
			}
			s = s2;
			cap = nc;
		}
		s[2 * n] = strdup(f[0] != NULL ? f[0] : "");
		s[2 * n + 1] = strdup(f[1] != NULL ? f[1] : "");
		lines[n] = (card_dist_line){ line, s[2 * n], s[2 * n + 1], v };
		n++;
		if (s[2 * n - 2] == NULL || s[2 * n - 1] == NULL)
			rc = CARD_ERR_NOMEM;
	}
	csvin_close(in);
	*out = lines;
	*strs = s;
	*np = n;
	return rc;
}

int cmd_distribute(struct cli *cli, int argc, char **argv)
{
	static const struct rows_col cols[] = {
		{ "count", "handed out" }, { "distributed", "school total" },
		{ "census", "census" },    { "due", "due" },
		{ "late", "late" },
	};
	struct cli_args a;
	card_dist_line *lines = NULL;
	char **strs = NULL, doc[CARD_UUID_BUFSZ];
	size_t n = 0;
	long long count = 0;
	card_rows *r = NULL;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &DISTRIBUTE, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0)
		goto out;
	if (a.schools != NULL) {
		status = district_distribute(cli, &a);
		goto out;
	}
	if (a.district != NULL) {
		status = cli_usage(cli, "distribute", "--district goes with --schools FILE");
		goto out;
	}
	if (a.school == NULL || (a.count == NULL) == (a.file == NULL)) {
		status = cli_usage(cli, "distribute",
		                   "--school and one of --count or --file are required");
		goto out;
	}
	if (a.count != NULL && cli_parse_long(a.count, 1, 100000000LL, &count) != 0) {
		status = cli_usage(cli, "distribute", "--count wants a positive number, got \"%s\"",
		                   a.count);
		goto out;
	}
	if (a.file != NULL) {
		rc = read_lines(a.file, a.encoding, &lines, &strs, &n, &d);
		if (rc == CARD_OK && n == 0) {
			card_diag_set(&d, "%s: the file has no lines", a.file);
			rc = CARD_ERR_INPUT;
		}
		if (rc != CARD_OK) {
			status = cli_fail(cli, rc, &d, "could not read the distribution file");
			goto out;
		}
	}
	if ((st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_distribute(st, a.term, a.school, count, a.date, lines, n, doc, &r, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "distribute failed");
		goto out;
	}
	if (cli->json) {
		json_line(json_pack("{s:s, s:o}", "distribution", doc, "result", row_json(r, 0)));
	} else {
		printf("distribution %s at %s\n", doc, a.school);
		rows_print(stdout, r, cols, sizeof(cols) / sizeof(cols[0]));
	}
out:
	for (size_t i = 0; strs != NULL && i < 2 * n; i++)
		free(strs[i]);
	free(strs);
	free(lines);
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	static const struct rows_col org_cols[] = {
		{ "org", "org" },
		{ "name", "name" },
		{ "kind", "kind" },
		{ "planned", "planned" },
		{ "stock", "stock" },
		{ "transit", "in transit" },
		{ "distributed", "distributed" },
		{ "redeemed", "redeemed" },
		{ "void", "void" },
	};
	static const struct rows_col dl_cols[] = {
		{ "step", "step" },           { "zh", "步骤" },     { "due", "due" },
		{ "days_left", "days left" }, { "state", "state" },
	};
	struct cli_args a;
	card_rows *orgs = NULL, *dl = NULL, *fl = NULL, *tot = NULL;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &STATUS, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_status_deadlines(st, a.term, &dl, &d);
	if (rc == CARD_OK)
		rc = card_status_totals(st, a.term, a.district, &tot, &d);
	if (rc == CARD_OK)
		rc = card_status_orgs(st, a.term, a.district, &orgs, &d);
	if (rc == CARD_OK)
		rc = card_status_flags(st, a.term, a.district, &fl, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "status failed");
		goto out;
	}
	if (cli->json) {
		json_t *flags = json_object();
		for (size_t i = 0; flags != NULL && i < card_rows_count(fl); i++)
			json_object_set_new(flags, row_text(fl, i, "flag"),
			                    json_pack("{s:I, s:s}", "count",
			                              (json_int_t)row_int(fl, i, "count"), "which",
			                              row_text(fl, i, "which")));
		json_line(json_pack("{s:s, s:s?, s:o, s:o, s:o, s:o}", "term", a.term, "district",
		                    a.district, "totals", row_json(tot, 0), "orgs", rows_json(orgs),
		                    "deadlines", rows_json(dl), "flags", flags));
		goto out;
	}
	printf("term %s%s%s: minted %s, planned %s\n", a.term, a.district ? ", district " : "",
	       a.district ? a.district : "", row_text(tot, 0, "minted"),
	       row_text(tot, 0, "planned"));
	printf("city stock %s, in transit %s, district stock %s, school stock %s, distributed %s, "
	       "redeemed %s, void %s\n\n",
	       row_text(tot, 0, "city_stock"), row_text(tot, 0, "transit"),
	       row_text(tot, 0, "district_stock"), row_text(tot, 0, "school_stock"),
	       row_text(tot, 0, "distributed"), row_text(tot, 0, "redeemed"),
	       row_text(tot, 0, "void"));
	rows_print(stdout, orgs, org_cols, sizeof(org_cols) / sizeof(org_cols[0]));
	printf("\ndeadlines:\n");
	rows_print(stdout, dl, dl_cols, sizeof(dl_cols) / sizeof(dl_cols[0]));
	printf("\nattention:\n");
	for (size_t i = 0, shown = 0; i < card_rows_count(fl); i++) {
		if (row_int(fl, i, "count") == 0) {
			if (i + 1 == card_rows_count(fl) && shown == 0)
				printf("  nothing\n");
			continue;
		}
		shown++;
		printf("  %-20s %s: %s\n", row_text(fl, i, "flag"), row_text(fl, i, "count"),
		       row_text(fl, i, "which"));
	}
out:
	card_rows_free(orgs);
	card_rows_free(dl);
	card_rows_free(fl);
	card_rows_free(tot);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}
