/*
 * cmd_token.c -- cardctl token new|list|revoke: bearer tokens for cardd's help-desk and feed
 * endpoints.  The token is printed once; the database keeps only the hash of its secret.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "commands.h"
#include "rowsout.h"

static const char NEW_HELP[] =
	"Usage: cardctl token new --role helpdesk|platform [--label TEXT] [--json]\n\n"
	"Create a bearer token for cardd and print it once.  Only a hash of it is stored: keep it\n"
	"now, it cannot be shown again.  Role helpdesk may read card states (GET /v1/cards/SERIAL);\n"
	"role platform may read the redemption feed (GET /v1/redemptions).\n";
static const char LIST_HELP[] =
	"Usage: cardctl token list [--json]\n\n"
	"List the tokens: id, role, label, who created them and when, and when revoked.\n"
	"Never prints a token.\n";
static const char REVOKE_HELP[] =
	"Usage: cardctl token revoke ID [--json]\n\n"
	"Revoke the token with id ID (the 16 hex digits after \"cdt_\"); cardd refuses it from\n"
	"its next request.\n";

enum { OPT_ROLE = 1, OPT_LABEL };

static int token_new(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "label", required_argument, NULL, OPT_LABEL },
		{ NULL, 0, NULL, 0 },
	};
	const char *label = "";
	char token[CARD_TOKEN_BUFSZ], id[CARD_TOKEN_ID_BUFSZ];
	card_token_role role = 0;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int opt, status = EXIT_OK_;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (cli_common(cli, opt, optarg))
			continue;
		switch (opt) {
		case OPT_HELP:
			fputs(NEW_HELP, stdout);
			return EXIT_OK_;
		case OPT_ROLE:
			if (card_token_role_parse(optarg, &role) != CARD_OK)
				return cli_usage(cli, "token new", "--role must be helpdesk or platform");
			break;
		case OPT_LABEL:
			if (strlen(optarg) > 200)
				return cli_usage(cli, "token new", "--label is longer than 200 bytes");
			label = optarg;
			break;
		default:
			return cli_usage(cli, "token new", "invalid option");
		}
	}
	if (optind < argc)
		return cli_usage(cli, "token new", "unexpected argument \"%s\"", argv[optind]);
	if (role == 0)
		return cli_usage(cli, "token new", "--role is required");
	st = cli_store(cli, &status);
	if (st == NULL)
		return status;
	card_diag_clear(&d);
	rc = card_token_new(st, role, label, token, id, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "could not create the token");
		goto out;
	}
	if (cli->json)
		json_line(json_pack("{s:s, s:s, s:s}", "id", id, "role", card_token_role_name(role), "token",
		                    token));
	else
		printf("%s\n", token);
	if (!cli->json && cli->tty)
		fprintf(stderr, "token %s (%s) created; it is shown only this once\n", id,
		        card_token_role_name(role));
out:
	OPENSSL_cleanse(token, sizeof(token));
	card_store_close(st);
	return status;
}

/* Only the common options, and at most `want` positional arguments (returned in *first). */
static int parse_plain(struct cli *cli, const char *cmd, const char *help, int argc, char **argv,
                       int want, int *first)
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
	if (argc - optind != want)
		return cli_usage(cli, cmd, want == 0 ? "unexpected argument" : "expected %d argument", want);
	*first = optind;
	return 0;
}

static int token_list(struct cli *cli, int argc, char **argv)
{
	card_token_info *v = NULL;
	json_t *all = NULL;
	card_store *st = NULL;
	size_t n = 0;
	card_diag d;
	card_err rc;
	int first, status = parse_plain(cli, "token list", LIST_HELP, argc, argv, 0, &first);

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	st = cli_store(cli, &status);
	if (st == NULL)
		return status;
	card_diag_clear(&d);
	rc = card_token_list(st, &v, &n, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "could not list tokens");
		goto out;
	}
	if (cli->json)
		all = json_array();
	else
		printf("%-16s %-8s %-20s %-20s %-12s %s\n", "id", "role", "created", "revoked", "by", "label");
	for (size_t i = 0; i < n; i++) {
		if (cli->json) {
			json_array_append_new(all, json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s}", "id", v[i].id,
			                                     "role", card_token_role_name(v[i].role), "created_at",
			                                     v[i].created_at, "revoked_at",
			                                     v[i].revoked_at[0] != '\0' ? v[i].revoked_at : NULL,
			                                     "created_by", v[i].created_by, "label", v[i].label));
		} else {
			printf("%-16s %-8s %-20s %-20s %-12s %s\n", v[i].id, card_token_role_name(v[i].role),
			       v[i].created_at, v[i].revoked_at[0] ? v[i].revoked_at : "-", v[i].created_by,
			       v[i].label);
		}
	}
	if (cli->json)
		json_line(all);
out:
	free(v);
	card_store_close(st);
	return status;
}

static int token_revoke(struct cli *cli, int argc, char **argv)
{
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int first, status = parse_plain(cli, "token revoke", REVOKE_HELP, argc, argv, 1, &first);

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	st = cli_store(cli, &status);
	if (st == NULL)
		return status;
	card_diag_clear(&d);
	rc = card_token_revoke(st, argv[first], &d);
	if (rc != CARD_OK)
		status = cli_fail(cli, rc, &d, "could not revoke the token");
	else if (cli->json)
		json_line(json_pack("{s:s}", "revoked", argv[first]));
	else
		printf("token %s revoked\n", argv[first]);
	card_store_close(st);
	return status;
}

int cmd_token(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "new", token_new, "create a bearer token for cardd (printed once)" },
		{ "list", token_list, "list tokens (never their secrets)" },
		{ "revoke", token_revoke, "revoke a token by id" },
		{ NULL, NULL, NULL },
	};
	return cli_dispatch(cli, "token", cmds, argc - 1, argv + 1);
}
