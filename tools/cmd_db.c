/*
 * cmd_db.c -- cardctl db migrate|status: the schema.
 */
#include "config.h"

#include <stdlib.h>

#include "commands.h"

static const char MIGRATE_HELP[] =
	"Usage: cardctl db migrate [--json]\n\n"
	"Apply every pending schema migration, each in its own transaction, and create the\n"
	"database roles card_city, card_district and card_daemon; then load the server functions\n"
	"of every function file the database does not have as this cardctl has it.  Running it\n"
	"again is a no-op.  Refuses a database whose schema is newer than this cardctl.\n";
static const char STATUS_HELP[] =
	"Usage: cardctl db status [--json]\n\n"
	"List the schema migrations this cardctl knows, applied or pending, and its function\n"
	"files: current, changed (the database has another text) or pending.  Exit status 0 when\n"
	"the schema is up to date, 2 when anything is pending or changed or the database is newer.\n";

/* Parse only the common options; returns -1 after --help, else 0 or a usage status. */
static int parse_common(struct cli *cli, const char *cmd, const char *help, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTIONS, { NULL, 0, NULL, 0 } };
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (cli_common(cli, opt, optarg))
			continue;
		if (opt == OPT_HELP) {
			fputs(help, stdout);
			return -1;
		}
		return cli_usage(cli, cmd, "invalid option");
	}
	if (optind < argc)
		return cli_usage(cli, cmd, "unexpected argument \"%s\"", argv[optind]);
	return 0;
}

card_store *cli_store(const struct cli *cli, int *status)
{
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	card_diag_clear(&d);
	rc = card_store_open(cli->db, &st, &d);
	if (rc != CARD_OK) {
		*status = cli_fail(cli, rc, &d, "could not connect");
		return NULL;
	}
	return st;
}

static int db_migrate(struct cli *cli, int argc, char **argv)
{
	card_store *st;
	card_diag d;
	card_err rc;
	int applied = 0, loaded = 0, status = parse_common(cli, "db migrate", MIGRATE_HELP, argc, argv);

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	st = cli_store(cli, &status);
	if (st == NULL)
		return status;
	card_diag_clear(&d);
	rc = card_db_migrate(st, &applied, &loaded, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "migration failed");
	} else if (cli->json) {
		printf("{\"applied\": %d, \"loaded\": %d}\n", applied, loaded);
	} else if (applied == 0 && loaded == 0) {
		printf("schema is up to date\n");
	} else {
		printf("applied %d migration%s, loaded %d function file%s\n", applied,
		       applied == 1 ? "" : "s", loaded, loaded == 1 ? "" : "s");
	}
	card_store_close(st);
	return status;
}

static const char *const FUNCTION_STATE[] = { "pending", "current", "changed" };

static int db_status(struct cli *cli, int argc, char **argv)
{
	card_migration_info *m = NULL;
	card_function_info *f = NULL;
	size_t nf = 0;
	card_store *st;
	card_diag d;
	card_err rc;
	size_t n = 0, unknown = 0, pending = 0;
	int status = parse_common(cli, "db status", STATUS_HELP, argc, argv);

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	st = cli_store(cli, &status);
	if (st == NULL)
		return status;
	card_diag_clear(&d);
	rc = card_db_status(st, &m, &n, &unknown, &d);
	if (rc == CARD_OK)
		rc = card_db_functions(st, &f, &nf, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "could not read the schema version");
		goto out;
	}
	if (cli->json)
		printf("{\"migrations\": [");
	for (size_t i = 0; i < n; i++) {
		pending += !m[i].applied;
		if (cli->json)
			printf("%s{\"version\": %d, \"name\": \"%s\", \"applied\": %s}", i ? ", " : "",
			       m[i].version, m[i].name, m[i].applied ? "true" : "false");
		else
			printf("%04d  %-24s %s\n", m[i].version, m[i].name,
			       m[i].applied ? m[i].applied_at : "pending");
	}
	if (cli->json)
		printf("], \"functions\": [");
	for (size_t i = 0; i < nf; i++) {
		pending += f[i].state != CARD_FUNCTIONS_CURRENT;
		if (cli->json)
			printf("%s{\"file\": \"%s\", \"sha256\": \"%s\", \"state\": \"%s\"}", i ? ", " : "",
			       f[i].name, f[i].sha256, FUNCTION_STATE[f[i].state]);
		else
			printf("functions/%-19s %s\n", f[i].name,
			       f[i].state == CARD_FUNCTIONS_CURRENT ? f[i].loaded_at : FUNCTION_STATE[f[i].state]);
	}
	if (cli->json)
		printf("], \"pending\": %zu, \"unknown\": %zu}\n", pending, unknown);
	else if (unknown > 0)
		printf("the database has %zu migration%s newer than this cardctl\n", unknown,
		       unknown == 1 ? "" : "s");
	status = (pending == 0 && unknown == 0) ? EXIT_OK_ : EXIT_REJECTED;
out:
	free(m);
	free(f);
	card_store_close(st);
	return status;
}

int cmd_db(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "migrate", db_migrate, "apply pending schema migrations" },
		{ "status", db_status, "show applied and pending migrations" },
		{ NULL, NULL, NULL },
	};
	return cli_dispatch(cli, "db", cmds, argc - 1, argv + 1);
}
