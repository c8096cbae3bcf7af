/*
 * cli.c -- shared plumbing of cardctl subcommands.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* The long options of cardctl's subcommands: name, value word for messages, field. */
enum optkind { O_STR, O_FLAG, O_LIST };
static const struct optdef {
	const char *name;
	const char *word;
	enum optkind kind;
	size_t off;
} OPTS[] = {
#define S(n, w, f)                                        \
	{                                                 \
		n, w, O_STR, offsetof(struct cli_args, f) \
	}
	S("address", "TEXT", address),
	S("approver", "NAME", approver),
	S("census-due", "DATE", census_due),
	S("contact", "NAME", contact),
	S("count", "N", count),
	S("date", "YYYY-MM-DD", date),
	S("district", "D", district),
	S("encoding", "ENC", encoding),
	S("face-value", "FEN", face_value),
	S("file", "FILE", file),
	S("format", "FORMAT", format),
	S("from", "ORG", from),
	S("id", "N", id),
	S("key-id", "N", key_id),
	S("keyring", "FILE", keyring),
	S("label", "TEXT", label),
	S("late", "REASON", late),
	S("note", "TEXT", note),
	S("out", "FILE", out),
	S("phone", "TEL", phone),
	S("photo", "FILE", photo),
	S("proceed-without", "D,...", proceed_without),
	S("pubkey", "FILE", pubkey),
	S("qr", "URL", qr),
	S("range", "A-B", range),
	S("reason", "TEXT", reason),
	S("requested", "DATE", requested),
	S("reserve", "PCT", reserve),
	S("role", "ROLE", role),
	S("school", "S", school),
	S("schools", "FILE", schools),
	S("serial", "N", serial),
	S("serials", "A-B", serials),
	S("set", "YYYY-MM-DD", set),
	S("sign", "NAME", sign),
	S("signer", "NAME", signer),
	S("start", "DATE", start),
	S("term", "TERM", term),
	S("threshold", "PCT", threshold),
	S("to", "ORG", to),
#undef S
	{ "all-schools", NULL, O_FLAG, offsetof(struct cli_args, all_schools) },
	{ "clear", NULL, O_FLAG, offsetof(struct cli_args, clear) },
	{ "confirm", NULL, O_FLAG, offsetof(struct cli_args, confirm) },
	{ "plan", NULL, O_FLAG, offsetof(struct cli_args, plan) },
	{ "explain", "TEXT", O_LIST, offsetof(struct cli_args, explain) },
};
#define NOPTS (sizeof(OPTS) / sizeof(OPTS[0]))
#define OPT_TABLE 0x2000 /* getopt's value of OPTS[i]: OPT_TABLE + i */

/* Is name one of the space-separated words of list? */
static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p != NULL && *p != '\0';) {
		const char *e = strchr(p, ' ');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		p = e != NULL ? e + 1 : NULL;
	}
	return 0;
}

/*
 * The one message of an option getopt_long() refused (opt '?': unknown, ambiguous or not the
 * command's; ':': its value is missing), naming the command's --help.  word is the argument
 * as typed ("--bogus=1"), optch getopt's optopt; the message names the option alone.
 */
int cli_bad_option(const struct cli *cli, const char *cmd, int opt, int optch, const char *word)
{
	char shortopt[3] = { '-', (char)optch, '\0' };
	int n;

	if (opt == '?' && optch > 0 && optch < 128)
		word = shortopt; /* -x, perhaps one of a group -xy */
	n = (int)strcspn(word, "=");
	if (opt == ':')
		return cli_usage(cli, cmd, "%.*s needs a value", n, word);
	for (size_t i = 0; *cmd != '\0' && i < NOPTS; i++)
		if (strncmp(word, "--", 2) == 0 && (size_t)n - 2 == strlen(OPTS[i].name) &&
		    strncmp(word + 2, OPTS[i].name, (size_t)n - 2) == 0)
			return cli_usage(cli, cmd, "%.*s is not an option of %s", n, word, cmd);
	return cli_usage(cli, cmd, "unknown option %.*s", n, word);
}

int cli_parse(struct cli *cli, const struct cli_spec *spec, int argc, char **argv,
              struct cli_args *a)
{
	struct option opts[NOPTS + 4];
	size_t n = 0;
	int opt;

	memset(a, 0, sizeof(*a));
	opts[n++] = (struct option){ "db", required_argument, NULL, OPT_DB };
	opts[n++] = (struct option){ "json", no_argument, NULL, OPT_JSON };
	opts[n++] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	for (size_t i = 0; i < NOPTS; i++)
		if (listed(spec->accepts, OPTS[i].name) ||
		    (spec->table &&
		     (strcmp(OPTS[i].name, "format") == 0 || strcmp(OPTS[i].name, "out") == 0)))
			opts[n++] = (struct option){ OPTS[i].name,
				                     OPTS[i].kind == O_FLAG ? no_argument
				                                            : required_argument,
				                     NULL, OPT_TABLE + (int)i };
	opts[n] = (struct option){ NULL, 0, NULL, 0 };

	optind = 0;
	opterr = 0; /* one message, ours (cli_bad_option), not getopt's as well */
	while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		const struct optdef *o;
		if (cli_common(cli, opt, optarg))
			continue;
		if (opt == OPT_HELP) {
			fputs(spec->help, stdout);
			return -1;
		}
		if (opt < OPT_TABLE || (size_t)(opt - OPT_TABLE) >= NOPTS)
			return cli_bad_option(cli, spec->cmd, opt, optopt, argv[optind - 1]);
		o = &OPTS[opt - OPT_TABLE];
		if (o->kind == O_STR) {
			*(const char **)(void *)((char *)a + o->off) = optarg;
		} else if (o->kind == O_FLAG) {
			*(int *)(void *)((char *)a + o->off) = 1;
		} else {
			const char **v = realloc(a->explain, (a->nexplain + 1) * sizeof(*v));
			if (v == NULL) {
				cli_error(cli, "out of memory");
				return EXIT_FAILED;
			}
			a->explain = v;
			a->explain[a->nexplain++] = optarg;
		}
	}
	a->nargs = argc - optind;
	a->rest = argv + optind;
	for (size_t i = 0; i < NOPTS; i++) {
		const struct optdef *o = &OPTS[i];
		if (o->kind == O_STR && listed(spec->needs, o->name) &&
		    *(const char **)(void *)((char *)a + o->off) == NULL)
			return cli_usage(cli, spec->cmd, "--%s %s is required", o->name, o->word);
	}
	if (spec->nargs >= 0 && a->nargs != spec->nargs) {
		if (spec->args_usage != NULL)
			return cli_usage(cli, spec->cmd, "%s", spec->args_usage);
		return cli_usage(cli, spec->cmd, "unexpected argument \"%s\"", a->rest[0]);
	}
	if (spec->table && table_pick_format(a->format, a->out, cli->json,
	                                     spec->table == CLI_TABLE_HTML, &a->fmt) != 0) {
		char why[256];
		return cli_usage(cli, spec->cmd, "%s",
		                 table_format_problem(why, sizeof(why), a->format, a->out,
		                                      spec->table == CLI_TABLE_HTML));
	}
	return 0;
}

void cli_args_free(struct cli_args *a)
{
	free(a->explain);
	a->explain = NULL;
	a->nexplain = 0;
}

int cli_parse_serials(const char *s, uint64_t *first, uint64_t *last)
{
	char left[32];
	const char *dash;
	size_t n;

	if (s == NULL)
		return -1;
	dash = strchr(s, '-');
	if (dash == NULL)
		return card_serial_parse(s, first) == CARD_OK ? (*last = *first, 0) : -1;
	n = (size_t)(dash - s);
	if (n == 0 || n >= sizeof(left))
		return -1;
	memcpy(left, s, n);
	left[n] = '\0';
	if (card_serial_parse(left, first) != CARD_OK ||
	    card_serial_parse(dash + 1, last) != CARD_OK || *last < *first)
		return -1;
	return 0;
}

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
	const char *sp = *cmd != '\0' ? " " : "";
	va_list ap;
	fprintf(stderr, "%s%s%s: ", cli->prog, sp, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see %s%s%s --help)\n", cli->prog, sp, cmd);
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

int cli_dispatch(struct cli *cli, const char *group, const struct cli_cmd *cmds, int argc,
                 char **argv)
{
	if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		FILE *o = argc < 1 ? stderr : stdout;
		fprintf(o, "Usage: %s %s COMMAND [OPTIONS]\n\nCommands:\n", cli->prog, group);
		for (const struct cli_cmd *c = cmds; c->name != NULL; c++)
			fprintf(o, "  %-10s %s\n", c->name, c->summary);
		fprintf(o, "\nRun '%s %s COMMAND --help' for the options of each.\n", cli->prog,
		        group);
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
		fprintf(stderr, "\r%s: %llu/%llu (%3llu%%)", p->what, done, p->total,
		        done * 100 / p->total);
	else
		fprintf(stderr, "\r%s: %llu", p->what, done);
}

void cli_progress_end(struct cli_progress *p)
{
	if (p->cli->tty)
		fputc('\n', stderr);
}
