/*
 * cli.c -- shared plumbing of cardctl subcommands.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

int cli_common(struct cli *cli, int opt, const char *arg)
{
	switch (opt) {
	case OPT_DB:
		cli->db = arg;
		return 1;
	case OPT_JSON:
		cli->json = 1;
		return 1;
	default:
		return 0;
	}
}

void cli_error(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_exit_for(card_err rc)
{
	switch (rc) {
	case CARD_OK:
		return EXIT_OK_;
	case CARD_ERR_INVALID_ARG:
		return EXIT_USAGE;
	case CARD_ERR_KEYRING_MODE:
	case CARD_ERR_KEYRING_FORMAT:
	case CARD_ERR_KEY_EXISTS:
	case CARD_ERR_KEY_NOT_FOUND:
	case CARD_ERR_KEYRING_FULL:
	case CARD_ERR_NOT_FOUND:
	case CARD_ERR_CONFLICT:
	case CARD_ERR_REJECTED:
	case CARD_ERR_INPUT:
	case CARD_ERR_PERMISSION:
	case CARD_ERR_STATE:
		return EXIT_REJECTED;
	case CARD_ERR_NOMEM:
	case CARD_ERR_IO:
	case CARD_ERR_CRYPTO:
	case CARD_ERR_DB:
	case CARD_ERR_DB_UNAVAILABLE:
	case CARD_ERR_SCHEMA_NEWER:
	case CARD_ERR_SCHEMA_MISSING:
		return EXIT_FAILED;
	}
	return EXIT_FAILED;
}

int cli_fail(const struct cli *cli, card_err rc, const card_diag *diag, const char *what)
{
	if (diag != NULL && diag->message[0] != '\0')
		cli_error(cli, "%s", diag->message);
	else if (what != NULL)
		cli_error(cli, "%s: %s", what, card_strerror(rc));
	else
		cli_error(cli, "%s", card_strerror(rc));
	if (diag != NULL && diag->detail[0] != '\0')
		fprintf(stderr, "DETAIL: %s\n", diag->detail);
	if (diag != NULL && diag->hint[0] != '\0')
		fprintf(stderr, "HINT: %s\n", diag->hint);
	return cli_exit_for(rc);
}

int cli_usage(const struct cli *cli, const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s %s --help'.\n", cli->prog, cmd);
	return EXIT_USAGE;
}

int cli_parse_long(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;
	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_dispatch(struct cli *cli, const char *group, const struct cli_cmd *cmds, int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		FILE *o = argc < 1 ? stderr : stdout;
		fprintf(o, "Usage: %s %s COMMAND [OPTIONS]\n\nCommands:\n", cli->prog, group);
		for (const struct cli_cmd *c = cmds; c->name != NULL; c++)
			fprintf(o, "  %-10s %s\n", c->name, c->summary);
		fprintf(o, "\nRun '%s %s COMMAND --help' for the options of each.\n", cli->prog, group);
		return argc < 1 ? EXIT_USAGE : EXIT_OK_;
	}
	for (const struct cli_cmd *c = cmds; c->name != NULL; c++)
		if (strcmp(c->name, argv[0]) == 0)
			return c->run(cli, argc, argv);
	return cli_usage(cli, group, "unknown command \"%s %s\"", group, argv[0]);
}

card_keyring *cli_keyring(const struct cli *cli, const char *path, int *status)
{
	card_keyring *kr = NULL;
	card_diag d;
	card_err rc;

	card_diag_clear(&d);
	if (path == NULL) {
		*status = cli_usage(cli, "", "--keyring FILE is required");
		return NULL;
	}
	rc = card_keyring_load(path, &kr, &d);
	if (rc != CARD_OK) {
		*status = cli_fail(cli, rc, &d, "could not load keyring");
		return NULL;
	}
	return kr;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cli_progress_start(struct cli_progress *p, const struct cli *cli, const char *what,
                        unsigned long long total)
{
	p->cli = cli;
	p->what = what;
	p->total = total;
	p->last_ms = 0;
}

void cli_progress(struct cli_progress *p, unsigned long long done)
{
	long long t;
	if (!p->cli->tty)
		return;
	t = now_ms();
	if (t - p->last_ms < 100 && done != p->total)
		return;
	p->last_ms = t;
	if (p->total > 0)
		fprintf(stderr, "\r%s: %llu/%llu (%3llu%%)", p->what, done, p->total, done * 100 / p->total);
	else
		fprintf(stderr, "\r%s: %llu", p->what, done);
}

void cli_progress_end(struct cli_progress *p)
{
	if (p->cli->tty)
		fputc('\n', stderr);
}
