/*
 * cmd_db.c -- cardctl db migrate|status|today: the schema, and the bureau's day.
 */
#include "config.h"

#include <stdlib.h>

#include "commands.h"
#include "rowsout.h"

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
	"the schema is up to date, 2 when anything is pending or changed or the database is "
	"newer.\n";

static const char TODAY_HELP[] =
	"Usage: cardctl db today [--set DATE | --clear] [--json]\n\n"
	"Print the bureau's day: the day every step of the workflow is dated and judged late by\n"
	"(China Standard Time by the database server's clock).  A drill or training database\n"
	"plays a term on days of its own: --set DATE (YYYY-MM-DD) makes DATE the bureau's day for\n"
	"every login until --clear.  Only the database owner (the role that runs 'cardctl db\n"
	"migrate'; no superuser needed) may set or clear it, so no city or district login can\n"
	"move the day.  The day printed says when it is a drill day.\n";

static const struct cli_spec MIGRATE = { "db migrate", MIGRATE_HELP, "", NULL, 0, NULL, 0 };
static const struct cli_spec STATUS = { "db status", STATUS_HELP, "", NULL, 0, NULL, 0 };
static const struct cli_spec TODAY = { "db today", TODAY_HELP, "set clear", NULL, 0, NULL, 0 };

/* Connect; with check, refuse a database whose schema is not this cardctl's (missing, behind
 * or newer: the message says to run 'cardctl db migrate'). */
static card_store *open_store(const struct cli *cli, int check, int *status)
{
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	card_diag_clear(&d);
	rc = card_store_open(cli->db, &st, &d);
	if (rc == CARD_OK && check)
		rc = card_store_check_schema(st, &d);
	if (rc != CARD_OK) {
		*status = cli_fail(cli, rc, &d, "could not connect");
		card_store_close(st);
		return NULL;
	}
	return st;
}

card_store *cli_store(const struct cli *cli, int *status)
{
	return open_store(cli, 1, status);
}

static int db_migrate(struct cli *cli, int argc, char **argv)
{
	card_store *st;
	card_diag d;
	card_err rc;
	struct cli_args o;
	int applied = 0, loaded = 0, status = cli_parse(cli, &MIGRATE, argc, argv, &o);

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	st = open_store(cli, 0, &status);
	if (st == NULL)
		return status;
	card_diag_clear(&d);
	rc = card_db_migrate(st, &applied, &loaded, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "migration failed");
	} else if (cli->json) {
		json_line(json_pack("{s:i, s:i}", "applied", applied, "loaded", loaded));
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
	json_t *jm = NULL, *jf = NULL;
	struct cli_args o;
	int status = cli_parse(cli, &STATUS, argc, argv, &o);

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	st = open_store(cli, 0, &status);
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
	if (cli->json) {
		jm = json_array();
		jf = json_array();
	}
	for (size_t i = 0; i < n; i++) {
		pending += !m[i].applied;
		if (cli->json)
			json_array_append_new(jm, json_pack("{s:i, s:s, s:b}", "version",
			                                    m[i].version, "name", m[i].name,
			                                    "applied", m[i].applied));
		else
			printf("%04d  %-24s %s\n", m[i].version, m[i].name,
			       m[i].applied ? m[i].applied_at : "pending");
	}
	for (size_t i = 0; i < nf; i++) {
		pending += f[i].state != CARD_FUNCTIONS_CURRENT;
		if (cli->json)
			json_array_append_new(jf, json_pack("{s:s, s:s, s:s}", "file", f[i].name,
			                                    "sha256", f[i].sha256, "state",
			                                    FUNCTION_STATE[f[i].state]));
		else
			printf("functions/%-19s %s\n", f[i].name,
			       f[i].state == CARD_FUNCTIONS_CURRENT ? f[i].loaded_at
			                                            : FUNCTION_STATE[f[i].state]);
	}
	if (cli->json) {
		json_line(json_pack("{s:o, s:o, s:I, s:I}", "migrations", jm, "functions", jf,
		                    "pending", (json_int_t)pending, "unknown",
		                    (json_int_t)unknown));
		jm = jf = NULL;
	} else if (unknown > 0)
		printf("the database has %zu migration%s newer than this cardctl\n", unknown,
		       unknown == 1 ? "" : "s");
	status = (pending == 0 && unknown == 0) ? EXIT_OK_ : EXIT_REJECTED;
out:
	json_decref(jm);
	json_decref(jf);
	free(m);
	free(f);
	card_store_close(st);
	return status;
}

static int db_today(struct cli *cli, int argc, char **argv)
{
	card_date day, set;
	card_store *st;
	card_diag d;
	card_err rc = CARD_OK;
	struct cli_args o;
	int drill = 0, status = cli_parse(cli, &TODAY, argc, argv, &o);
	char buf[CARD_DATE_BUFSZ];

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	if (o.set != NULL && card_date_parse(o.set, &set) != CARD_OK)
		return cli_usage(cli, "db today", "--set wants a date YYYY-MM-DD, not \"%s\"",
		                 o.set);
	if (o.set != NULL && o.clear)
		return cli_usage(cli, "db today", "--set and --clear exclude each other");
	st = cli_store(cli, &status);
	if (st == NULL)
		return status;
	card_diag_clear(&d);
	if (o.set != NULL || o.clear)
		rc = card_drill_day_set(st, o.set != NULL ? &set : NULL, &d);
	if (rc == CARD_OK)
		rc = card_bureau_today(st, &day, &drill, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d,
		                  o.set != NULL || o.clear ? "could not set the day"
		                                           : "could not read the day");
	} else {
		card_date_format(day, buf);
		if (cli->json)
			json_line(json_pack("{s:s, s:b}", "today", buf, "drill", drill));
		else
			printf("%s%s\n", buf,
			       drill ? " (drill day: cardctl db today --clear returns to the clock)"
			             : "");
	}
	card_store_close(st);
	return status;
}

int cmd_db(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "migrate", db_migrate, "apply pending schema migrations" },
		{ "status", db_status, "show applied and pending migrations" },
		{ "today", db_today, "show the bureau's day; set or clear a drill day" },
		{ NULL, NULL, NULL },
	};
	return cli_dispatch(cli, "db", cmds, argc - 1, argv + 1);
}
