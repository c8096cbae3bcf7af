/*
 * cardctl.c -- the offline administration tool: global options and the command table.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

static const struct cli_cmd COMMANDS[] = {
	{ "db", cmd_db, "migrate the database schema, show its status" },
	{ "key", cmd_key, "create, list and import MAC keys" },
	{ "code", cmd_code, "derive the codes of serials (code derive)" },
	{ "verify", cmd_verify, "check codes offline against the keyring" },
	/* (store: org, term, batch) */
	{ "org", cmd_org, "import and list organisations (city, districts, schools)" },
	{ "term", cmd_term, "create terms, show their deadline calendar" },
	{ "batch", cmd_batch, "mint print batches, export and verify print files" },

	/* (store: audit, card) */
	{ "audit", cmd_audit, "prove the books balance: ledger, holdings, voids, redemptions" },
	{ "card", cmd_card, "show one card's state (card show SERIAL)" },

	/* (daemon: token) */
	{ "token", cmd_token, "create, list and revoke bearer tokens for cardd" },

	/* (workflow part 1) */
	{ "census", cmd_census, "census (Annex 2): import, submit, approve, reopen, show" },
	{ "plan", cmd_plan, "issuance plan: make, show, export" },
	{ "report", cmd_report, "forms: annex2, annex4, annex5, annex6, coverage, finance" },
	{ "ship", cmd_ship, "ship cards to a district or school; shipping lists; lost cards" },
	{ "receive", cmd_receive, "record a signed receipt (with its photo)" },
	{ "distribute", cmd_distribute, "record cards handed out at a school" },
	{ "status", cmd_status, "where every card of a term is, against the plan" },

	/* (workflow part 2) */
	{ "transfer", cmd_transfer, "district self-adjustment between its schools" },
	{ "adjust", cmd_adjust, "surplus/shortage (Annex 4): file, approve, show, settle" },
	{ "return", cmd_return, "return cards from a district to city stock" },
	{ "supplement", cmd_supplement, "supply ordered cards from city stock" },
	{ "replace", cmd_replace, "replace a defective card" },
	{ "charge", cmd_charge, "charge districts for unreturned surplus (after the close)" },

	{ NULL, NULL, NULL },
};

static void usage(FILE *o)
{
	fprintf(o, "Usage: cardctl [--db CONNINFO] [--json] COMMAND [ARGS]\n\n"
	           "The offline administration tool of libcard.\n\nCommands:\n");
	for (const struct cli_cmd *c = COMMANDS; c->name != NULL; c++)
		fprintf(o, "  %-11s %s\n", c->name, c->summary);
	fprintf(o, "\nThe database is named by --db or by the libpq environment (PGHOST, "
	           "PGDATABASE, ...).\n"
	           "Exit status: 0 ok, 1 usage, 2 rejected input, 3 database or I/O failure.\n"
	           "Run 'cardctl COMMAND --help' for the options of each; see cardctl(1).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { .prog = "cardctl" };
	int opt;

	cli.tty = isatty(STDERR_FILENO);
	/* "+": stop at the command; options after it belong to the command. */
	opterr = 0; /* one message: cli_bad_option's */
	while ((opt = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
		if (cli_common(&cli, opt, optarg))
			continue;
		switch (opt) {
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return EXIT_OK_;
		case 'V':
			printf("cardctl (libcard) %s\n", PACKAGE_VERSION);
			return EXIT_OK_;
		default:
			return cli_bad_option(&cli, "", opt, optopt, argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (const struct cli_cmd *c = COMMANDS; c->name != NULL; c++) {
		if (strcmp(c->name, argv[optind]) == 0) {
			int sub_argc = argc - optind;
			char **sub_argv = argv + optind;
			optind = 0; /* reset getopt for the command (glibc: 0 reinitialises) */
			return c->run(&cli, sub_argc, sub_argv);
		}
	}
	return cli_usage(&cli, "", "unknown command \"%s\"", argv[optind]);
}
