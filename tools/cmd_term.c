/*
 * cmd_term.c -- cardctl term new|show|list: terms and their deadline calendar, as the server
 * computes it (card.term_calendar).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "rowsout.h"

static const char NEW_HELP[] =
	"Usage: cardctl term new TERM --start DATE [--census-due DATE] [--face-value FEN] "
	"[--json]\n\n"
	"Create TERM (YEAR-spring or YEAR-autumn) starting on DATE (YYYY-MM-DD).  The census is\n"
	"due on January 15 (spring) or June 25 (autumn) of that year unless --census-due says\n"
	"otherwise; a card is worth --face-value fen (default 5000, 50 yuan).\n";
static const char SHOW_HELP[] =
	"Usage: cardctl term show [TERM] [--json]\n\n"
	"Print the deadline calendar of TERM (default: the current term, by the bureau's day):\n"
	"each step (census, delivery, distribution, self-adjustment, adjustment-report,\n"
	"city-adjustment, supplement-distribution, close, final-report, replacement), who does\n"
	"it and when it is due.  S is the term's start day; a replacement is due some days after\n"
	"the school's request; supplement cards are handed out by supplement-distribution, not\n"
	"by distribution.\n"
	"The server computes every date (sql/functions/calendar.sql).\n";
static const char LIST_HELP[] = "Usage: cardctl term list [--json]\n\nList the terms with start, "
				"census due, face value and whether closed.\n";

static const struct cli_spec NEW = { "term new", NEW_HELP, "start census-due face-value",
	                             "start",    1,        "exactly one TERM is required",
	                             0 };
static const struct cli_spec SHOW = { "term show", SHOW_HELP, "", NULL, -1, NULL, 0 };
static const struct cli_spec LIST = { "term list", LIST_HELP, "", NULL, 0, NULL, 0 };

/* A term as the --json answers give it; a new reference. */
static json_t *term_json(const card_term *t)
{
	char start[CARD_DATE_BUFSZ], census[CARD_DATE_BUFSZ];
	card_date_format(t->start, start);
	card_date_format(t->census_due, census);
	return json_pack("{s:s, s:s, s:s, s:i, s:b}", "term", t->code, "start", start, "census_due",
	                 census, "face_value_fen", t->face_value_fen, "closed", t->closed);
}

static int term_new(struct cli *cli, int argc, char **argv)
{
	card_term t;
	card_store *st;
	card_diag d;
	card_err rc;
	long long face = 5000;
	struct cli_args o;
	int status = cli_parse(cli, &NEW, argc, argv, &o);
	char start[CARD_DATE_BUFSZ], census[CARD_DATE_BUFSZ];

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	memset(&t, 0, sizeof(t));
	if (card_date_parse(o.start, &t.start) != CARD_OK)
		return cli_usage(cli, "term new", "--start must be a date YYYY-MM-DD");
	if (o.census_due != NULL && card_date_parse(o.census_due, &t.census_due) != CARD_OK)
		return cli_usage(cli, "term new", "--census-due must be a date YYYY-MM-DD");
	if (o.face_value != NULL && cli_parse_long(o.face_value, 1, 100000000, &face) != 0)
		return cli_usage(cli, "term new", "--face-value must be a positive number of fen");
	if (strlen(o.rest[0]) >= sizeof(t.code) ||
	    card_term_parse_code(o.rest[0], NULL, NULL) != CARD_OK) {
		cli_error(cli, "invalid term \"%s\"", o.rest[0]);
		fprintf(stderr, "HINT: A term is YEAR-spring or YEAR-autumn, e.g. 2026-autumn.\n");
		return EXIT_REJECTED;
	}
	snprintf(t.code, sizeof(t.code), "%s", o.rest[0]);
	t.face_value_fen = (int)face;
	st = cli_store(cli, &status);
	if (st == NULL)
		return status;
	card_diag_clear(&d);
	rc = card_term_new(st, &t, &t.census_due, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "could not create the term");
		goto out;
	}
	card_date_format(t.start, start);
	card_date_format(t.census_due, census);
	if (cli->json) {
		json_t *j = term_json(&t);
		json_object_del(j, "closed");
		json_line(j);
	} else {
		printf("term %s created: starts %s, census due %s\n", t.code, start, census);
	}
out:
	card_store_close(st);
	return status;
}

static void print_calendar(const struct cli *cli, const card_term *t, const card_deadline *cal,
                           size_t n)
{
	char day[CARD_DATE_BUFSZ], start[CARD_DATE_BUFSZ];
	int w = 4;

	card_date_format(t->start, start);
	if (cli->json) {
		json_t *j = term_json(t), *steps = json_array();
		json_object_del(j, "census_due");
		for (size_t i = 0; i < n; i++) {
			json_t *step = json_pack("{s:s, s:s, s:s}", "step", cal[i].step, "zh",
			                         cal[i].zh, "who", cal[i].who);
			if (cal[i].has_due) {
				card_date_format(cal[i].due, day);
				json_object_set_new(step, "due", json_string(day));
				json_object_set_new(step, "offset_days",
				                    json_integer(cal[i].offset_days));
			}
			json_object_set_new(step, "base", json_string(cal[i].base));
			json_object_set_new(step, "days", json_integer(cal[i].days));
			json_array_append_new(steps, step);
		}
		json_object_set_new(j, "calendar", steps);
		json_line(j);
		return;
	}
	printf("term %s: starts %s (S), %d fen a card%s\n\n", t->code, start, t->face_value_fen,
	       t->closed ? ", closed" : "");
	for (size_t i = 0; i < n; i++) /* the step column fits the longest name */
		if ((int)strlen(cal[i].step) > w)
			w = (int)strlen(cal[i].step);
	printf("%-*s %-10s %-8s %-10s %s\n", w, "step", "due", "S+days", "who", "步骤");
	for (size_t i = 0; i < n; i++) {
		if (cal[i].has_due) {
			card_date_format(cal[i].due, day);
			printf("%-*s %-10s %+-8d %-10s %s\n", w, cal[i].step, day,
			       cal[i].offset_days, cal[i].who, cal[i].zh);
		} else {
			char rule[32];
			snprintf(rule, sizeof(rule), "%s%+d", cal[i].base, cal[i].days);
			printf("%-*s %-10s %-8s %-10s %s\n", w, cal[i].step, rule, "", cal[i].who,
			       cal[i].zh);
		}
	}
}

static int term_show(struct cli *cli, int argc, char **argv)
{
	card_deadline *cal = NULL;
	size_t n = 0;
	card_store *st;
	card_term t;
	card_diag d;
	card_err rc;
	struct cli_args o;
	int status = cli_parse(cli, &SHOW, argc, argv, &o);

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	if (o.nargs > 1)
		return cli_usage(cli, "term show", "at most one TERM");
	st = cli_store(cli, &status);
	if (st == NULL)
		return status;
	card_diag_clear(&d);
	if (o.nargs == 1)
		rc = card_term_get(st, o.rest[0], &t, &d);
	else
		rc = card_term_current(st, NULL, &t, &d);
	if (rc == CARD_OK)
		rc = card_term_calendar(st, t.code, &cal, &n, &d);
	if (rc != CARD_OK)
		status = cli_fail(cli, rc, &d, "could not read the term");
	else
		print_calendar(cli, &t, cal, n);
	free(cal);
	card_store_close(st);
	return status;
}

static int term_list(struct cli *cli, int argc, char **argv)
{
	card_term *list = NULL;
	card_store *st;
	size_t n = 0;
	card_diag d;
	card_err rc;
	json_t *all = NULL;
	struct cli_args o;
	int status = cli_parse(cli, &LIST, argc, argv, &o);

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	st = cli_store(cli, &status);
	if (st == NULL)
		return status;
	card_diag_clear(&d);
	rc = card_term_list(st, &list, &n, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "could not list terms");
		goto out;
	}
	if (cli->json)
		all = json_array();
	else
		printf("%-12s %-10s %-10s %-8s %s\n", "term", "start", "census", "fen", "state");
	for (size_t i = 0; i < n; i++) {
		char s[CARD_DATE_BUFSZ], c[CARD_DATE_BUFSZ];
		card_date_format(list[i].start, s);
		card_date_format(list[i].census_due, c);
		if (cli->json)
			json_array_append_new(all, term_json(&list[i]));
		else
			printf("%-12s %-10s %-10s %-8d %s\n", list[i].code, s, c,
			       list[i].face_value_fen, list[i].closed ? "closed" : "open");
	}
	if (cli->json)
		json_line(all);
out:
	free(list);
	card_store_close(st);
	return status;
}

int cmd_term(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "new", term_new, "create a term" },
		{ "show", term_show, "print a term's deadline calendar" },
		{ "list", term_list, "list the terms" },
		{ NULL, NULL, NULL },
	};
	return cli_dispatch(cli, "term", cmds, argc - 1, argv + 1);
}
