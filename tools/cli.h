/*
 * cli.h -- what every cardctl subcommand shares: exit codes, common options, error printing.
 *
 * Subcommands are thin: parse arguments, call libcard, print.  Each lives in cmd_<group>.c and
 * is listed once in the table of cardctl.c.
 */
#ifndef CARDCTL_CLI_H
#define CARDCTL_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include <card/card.h>

#include "table.h"

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
#define CLI_COMMON_OPTIONS                                                                  \
	{ "db", required_argument, NULL, OPT_DB }, { "json", no_argument, NULL, OPT_JSON }, \
	{                                                                                   \
		"help", no_argument, NULL, OPT_HELP                                         \
	}

/*
 * The options of every subcommand, declared once in the table of cli.c: each long option has
 * one meaning, one value word in messages (--term TERM) and one field here.  A command names
 * the options it accepts and those it requires; cli_parse() does the rest.  Values are the
 * argv strings (not copied); commands check their form.
 */
struct cli_args {
	const char *address, *approver, *census_due, *contact, *count, *date, *district, *encoding,
		*face_value, *file, *format, *from, *id, *key_id, *keyring, *label, *late, *note,
		*out, *phone, *photo, *proceed_without, *pubkey, *qr, *range, *reason, *requested,
		*reserve, *role, *school, *serial, *serials, *set, *sign, *signer, *start, *term,
		*threshold, *to;
	const char *schools;      /* --schools FILE: a district's batch file (cmd_district.c) */
	int all_schools;          /* --all-schools */
	int clear, confirm, plan; /* flags */
	const char **explain;     /* --explain, repeatable */
	size_t nexplain;
	enum table_format fmt; /* with CLI_TABLE: the format --format/--out chose */
	int nargs;             /* positional arguments, after the options */
	char **rest;
};

/* What a command takes besides its options. */
struct cli_spec {
	const char *cmd;     /* "ship show": named in usage errors */
	const char *help;    /* printed by --help */
	const char *accepts; /* its options, space-separated long names: "term district out" */
	const char *needs;   /* the options it cannot do without, the same way ("term") */
	int nargs; /* positional arguments: exactly this many, or -1: the command checks */
	const char
		*args_usage; /* the usage error when nargs differs ("one FILE is required"); NULL:
	                         * 'unexpected argument "X"' */
	int table;           /* CLI_TABLE or CLI_TABLE_HTML: the command writes a report table;
	                      * --format and --out are accepted and decided by table_pick_format() */
};
enum { CLI_TABLE = 1, CLI_TABLE_HTML = 2 };

/*
 * Parse argv (argv[0] is the command's name) into *a (zeroed first) by the table of cli.c and
 * spec.  Options and positional arguments may be mixed.  Returns 0; -1 after --help (printed:
 * the caller exits 0); or the exit status of a usage error it printed (an option the command
 * does not take, a missing required option, the wrong number of arguments, a format it cannot
 * write).
 */
int cli_parse(struct cli *cli, const struct cli_spec *spec, int argc, char **argv,
              struct cli_args *a);
/* Free what cli_parse() allocated (the --explain list). */
void cli_args_free(struct cli_args *a);

/* A range of serials as written on the command line: "A-B" (inclusive) or "A" (A-A), each 1 to
 * 13 digits and at most CARD_SERIAL_MAX, A <= B.  Returns 0, or -1 when s is none of these. */
int cli_parse_serials(const char *s, uint64_t *first, uint64_t *last);
/* The usage message of a bad serial range, for option opt ("--serials"). */
#define CLI_SERIALS_USAGE "%s wants A-B (serials, inclusive) or one serial, not \"%s\""

/* Returns 1 if opt was a common option (and records it), 0 otherwise. */
int cli_common(struct cli *cli, int opt, const char *arg);

/* Print "cardctl: <msg>" plus the diag's detail/hint to stderr. */
void cli_error(const struct cli *cli, const char *fmt, ...) CARD_PRINTF(2, 3);
/* Report a libcard failure; returns the exit status it maps to. */
int cli_fail(const struct cli *cli, card_err rc, const card_diag *diag, const char *what);
/* The exit status for a card_err. */
int cli_exit_for(card_err rc);
/* Usage error, one line: "cardctl CMD: message (see cardctl CMD --help)" (cmd "": cardctl
 * itself); returns EXIT_USAGE. */
int cli_usage(const struct cli *cli, const char *cmd, const char *fmt, ...) CARD_PRINTF(3, 4);

/* The one message of an option getopt_long() refused (opterr = 0; optstring starts with ':'):
 * opt is its answer ('?' or ':'), optch its optopt, word the argument as typed (argv[optind -
 * 1]).  "cardctl CMD: unknown option --bogus (see cardctl CMD --help)"; cmd "" for cardctl
 * itself.  Returns EXIT_USAGE. */
int cli_bad_option(const struct cli *cli, const char *cmd, int opt, int optch, const char *word);

/* Checked number parsing (strtonum-style): returns 0 on success. */
int cli_parse_long(const char *s, long long min, long long max, long long *out);

/* A subcommand. */
struct cli_cmd {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary;
};

/* Dispatch argv[0] among cmds (a NULL-terminated table) for group `group`. */
int cli_dispatch(struct cli *cli, const char *group, const struct cli_cmd *cmds, int argc,
                 char **argv);

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
