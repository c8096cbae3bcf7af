/*
 * cli.h -- what every cardctl subcommand shares: exit codes, common options, error printing.
 *
 * Subcommands are thin: parse arguments, call libcard, print.  Each lives in cmd_<group>.c and
 * is listed once in the table of cardctl.c.
 */
#ifndef CARDCTL_CLI_H
#define CARDCTL_CLI_H

#include <getopt.h>
#include <stdio.h>

#include <card/card.h>

/* Exit status (cardctl(1), EXIT STATUS; docs/overview.md). */
enum {
	EXIT_OK_ = 0,
	EXIT_USAGE = 1,    /* bad command line */
	EXIT_REJECTED = 2, /* input rejected, nothing changed */
	EXIT_FAILED = 3    /* database or I/O failure */
};

struct cli {
	const char *db;   /* --db CONNINFO, or NULL for the libpq environment */
	int json;         /* --json */
	int tty;          /* stderr is a terminal: show progress */
	const char *prog; /* "cardctl" */
};

/* Long options every subcommand accepts; handle them with cli_common(). */
enum { OPT_DB = 0x1000, OPT_JSON, OPT_HELP };
#define CLI_COMMON_OPTIONS                                  \
	{ "db", required_argument, NULL, OPT_DB },          \
	{ "json", no_argument, NULL, OPT_JSON },            \
	{ "help", no_argument, NULL, OPT_HELP }

/* Returns 1 if opt was a common option (and records it), 0 otherwise. */
int cli_common(struct cli *cli, int opt, const char *arg);

/* Print "cardctl: <msg>" plus the diag's detail/hint to stderr. */
void cli_error(const struct cli *cli, const char *fmt, ...) CARD_PRINTF(2, 3);
/* Report a libcard failure; returns the exit status it maps to. */
int cli_fail(const struct cli *cli, card_err rc, const card_diag *diag, const char *what);
/* The exit status for a card_err. */
int cli_exit_for(card_err rc);
/* Usage error: message plus "Try 'cardctl CMD --help'."; returns EXIT_USAGE. */
int cli_usage(const struct cli *cli, const char *cmd, const char *fmt, ...) CARD_PRINTF(3, 4);

/* Checked number parsing (strtonum-style): returns 0 on success. */
int cli_parse_long(const char *s, long long min, long long max, long long *out);

/* A subcommand. */
struct cli_cmd {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary;
};

/* Dispatch argv[0] among cmds (a NULL-terminated table) for group `group`. */
int cli_dispatch(struct cli *cli, const char *group, const struct cli_cmd *cmds, int argc, char **argv);

/* Load a keyring, printing the error; returns NULL on failure. */
card_keyring *cli_keyring(const struct cli *cli, const char *path, int *status);

/* Connect (--db or the libpq environment), printing the error; returns NULL on failure. */
card_store *cli_store(const struct cli *cli, int *status);

/* Progress on a terminal: call with done/total; prints at most ~10 times a second. */
struct cli_progress {
	const struct cli *cli;
	const char *what;
	unsigned long long total;
	long long last_ms;
};
void cli_progress_start(struct cli_progress *p, const struct cli *cli, const char *what,
                        unsigned long long total);
void cli_progress(struct cli_progress *p, unsigned long long done);
void cli_progress_end(struct cli_progress *p);

#endif
