/*
 * cmd_term.c -- cardctl term new|show|list: terms and their deadline calendar, as the server
 * computes it (card.term_calendar).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "commands.h"

static const char NEW_HELP[] =
	"Usage: cardctl term new TERM --start DATE [--census-due DATE] [--face-value FEN] [--json]\n\n"
	"Create TERM (YEAR-spring or YEAR-autumn) starting on DATE (YYYY-MM-DD).  The census is\n"
	"due on January 15 (spring) or June 25 (autumn) of that year unless --census-due says\n"
	"otherwise; a card is worth --face-value fen (default 5000, 50 yuan).\n";
static const char SHOW_HELP[] =
	"Usage: cardctl term show [TERM] [--json]\n\n"
	"Print the deadline calendar of TERM (default: the current term, by the bureau's day):\n"
	"each step (census, delivery, distribution, self-adjustment, adjustment-report,\n"
	"city-adjustment, close, final-report, replacement), who does it and when it is due.\n"
	"S is the term's start day; a replacement is due some days after the school's request.\n"
	"The server computes every date (sql/functions/calendar.sql).\n";
static const char LIST_HELP[] =
	"Usage: cardctl term list [--json]\n\nList the terms with start, census due, face value and whether closed.\n";

enum { OPT_START = 1, OPT_CENSUS, OPT_FACE };

/* Parse the common options only; returns -1 after --help, 0, or a usage status. */
static int parse_simple(struct cli *cli, const char *cmd, const char *help, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTIONS, { NULL, 0, NULL, 0 } };
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (cli_common(cli, opt, optarg))
			continue;
		if (opt == OPT_HELP) {
			fputs(help, stdout);
			return -1;
		}
		return cli_usage(cli, cmd, "invalid option");
	}
	return 0;
}

static int term_new(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "start", required_argument, NULL, OPT_START },
		{ "census-due", required_argument, NULL, OPT_CENSUS },
		{ "face-value", required_argument, NULL, OPT_FACE },
		{ NULL, 0, NULL, 0 },
	};
	card_term t;
	card_store *st;
	card_diag d;
	card_err rc;
	long long face = 5000;
	int opt, status = EXIT_OK_, have_start = 0;
	char start[CARD_DATE_BUFSZ], census[CARD_DATE_BUFSZ];

	memset(&t, 0, sizeof(t));
	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (cli_common(cli, opt, optarg))
			continue;
		switch (opt) {
		case OPT_HELP:
			fputs(NEW_HELP, stdout);
			return EXIT_OK_;
		case OPT_START:
			if (card_date_parse(optarg, &t.start) != CARD_OK)
				return cli_usage(cli, "term new", "--start must be a date YYYY-MM-DD");
			have_start = 1;
			break;
		case OPT_CENSUS:
			if (card_date_parse(optarg, &t.census_due) != CARD_OK)
				return cli_usage(cli, "term new", "--census-due must be a date YYYY-MM-DD");
			break;
		case OPT_FACE:
			if (cli_parse_long(optarg, 1, 100000000, &face) != 0)
				return cli_usage(cli, "term new", "--face-value must be a positive number of fen");
			break;
		default:
			return cli_usage(cli, "term new", "invalid option");
		}
	}
	if (argc - optind != 1)
		return cli_usage(cli, "term new", "exactly one TERM is required");
	if (!have_start)
		return cli_usage(cli, "term new", "--start DATE is required");
	if (strlen(argv[optind]) >= sizeof(t.code) ||
	    card_term_parse_code(argv[optind], NULL, NULL) != CARD_OK) {
		cli_error(cli, "invalid term \"%s\"", argv[optind]);
		fprintf(stderr, "HINT: A term is YEAR-spring or YEAR-autumn, e.g. 2026-autumn.\n");
		return EXIT_REJECTED;
	}
	snprintf(t.code, sizeof(t.code), "%s", argv[optind]);
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
	if (cli->json)
		printf("{\"term\": \"%s\", \"start\": \"%s\", \"census_due\": \"%s\", \"face_value_fen\": %d}\n",
		       t.code, start, census, t.face_value_fen);
	else
		printf("term %s created: starts %s, census due %s\n", t.code, start, census);
out:
	card_store_close(st);
	return status;
}

static void print_calendar(const struct cli *cli, const card_term *t, const card_deadline *cal,
                           size_t n)
{
	char day[CARD_DATE_BUFSZ], start[CARD_DATE_BUFSZ];

	card_date_format(t->start, start);
	if (cli->json) {
		printf("{\"term\": \"%s\", \"start\": \"%s\", \"face_value_fen\": %d, \"closed\": %s, "
		       "\"calendar\": [", t->code, start, t->face_value_fen, t->closed ? "true" : "false");
		for (size_t i = 0; i < n; i++) {
			printf("%s{\"step\": \"%s\", \"zh\": \"%s\", \"who\": \"%s\"", i ? ", " : "",
			       cal[i].step, cal[i].zh, cal[i].who);
			if (cal[i].has_due) {
				card_date_format(cal[i].due, day);
				printf(", \"due\": \"%s\", \"offset_days\": %d", day, cal[i].offset_days);
			}
			printf(", \"base\": \"%s\", \"days\": %d}", cal[i].base, cal[i].days);
		}
		printf("]}\n");
		return;
	}
	printf("term %s: starts %s (S), %d fen a card%s\n\n", t->code, start, t->face_value_fen,
	       t->closed ? ", closed" : "");
	printf("%-18s %-10s %-8s %-10s %s\n", "step", "due", "S+days", "who", "步骤");
	for (size_t i = 0; i < n; i++) {
		if (cal[i].has_due) {
			card_date_format(cal[i].due, day);
			printf("%-18s %-10s %+-8d %-10s %s\n", cal[i].step, day, cal[i].offset_days, cal[i].who,
			       cal[i].zh);
		} else {
			char rule[32];
			snprintf(rule, sizeof(rule), "%s%+d", cal[i].base, cal[i].days);
			printf("%-18s %-10s %-8s %-10s %s\n", cal[i].step, rule, "", cal[i].who, cal[i].zh);
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
	int status = parse_simple(cli, "term show", SHOW_HELP, argc, argv);

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	if (argc - optind > 1)
		return cli_usage(cli, "term show", "at most one TERM");
	st = cli_store(cli, &status);
	if (st == NULL)
		return status;
	card_diag_clear(&d);
	if (argc - optind == 1)
		rc = card_term_get(st, argv[optind], &t, &d);
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
	int status = parse_simple(cli, "term list", LIST_HELP, argc, argv);

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	if (optind < argc)
		return cli_usage(cli, "term list", "unexpected argument \"%s\"", argv[optind]);
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
		putchar('[');
	else
		printf("%-12s %-10s %-10s %-8s %s\n", "term", "start", "census", "fen", "state");
	for (size_t i = 0; i < n; i++) {
		char s[CARD_DATE_BUFSZ], c[CARD_DATE_BUFSZ];
		card_date_format(list[i].start, s);
		card_date_format(list[i].census_due, c);
		if (cli->json)
			printf("%s{\"term\": \"%s\", \"start\": \"%s\", \"census_due\": \"%s\", "
			       "\"face_value_fen\": %d, \"closed\": %s}", i ? ", " : "", list[i].code, s, c,
			       list[i].face_value_fen, list[i].closed ? "true" : "false");
		else
			printf("%-12s %-10s %-10s %-8d %s\n", list[i].code, s, c, list[i].face_value_fen,
			       list[i].closed ? "closed" : "open");
	}
	if (cli->json)
		printf("]\n");
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
