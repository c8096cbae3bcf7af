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
	"now, it cannot be shown again.  Role helpdesk may read card states (GET "
	"/v1/cards/SERIAL);\n"
	"role platform may read the redemption feed (GET /v1/redemptions).\n";
static const char LIST_HELP[] =
	"Usage: cardctl token list [--json]\n\n"
	"List the tokens: id, role, label, who created them and when, and when revoked.\n"
	"Never prints a token.\n";
static const char REVOKE_HELP[] =
	"Usage: cardctl token revoke ID [--json]\n\n"
	"Revoke the token with id ID (the 16 hex digits after \"cdt_\"); cardd refuses it from\n"
	"its next request.\n";

static const struct cli_spec NEW = { "token new", NEW_HELP, "role label", NULL, 0, NULL, 0 };
static const struct cli_spec LIST = { "token list", LIST_HELP, "", NULL, 0, NULL, 0 };
static const struct cli_spec REVOKE = {
	"token revoke", REVOKE_HELP, "", NULL, 1, "expected 1 argument", 0
};

static int token_new(struct cli *cli, int argc, char **argv)
{
	struct cli_args o;
	const char *label = "";
	char token[CARD_TOKEN_BUFSZ], id[CARD_TOKEN_ID_BUFSZ];
	card_token_role role = 0;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &NEW, argc, argv, &o);

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	if (o.role != NULL && card_token_role_parse(o.role, &role) != CARD_OK)
		return cli_usage(cli, "token new", "--role must be helpdesk or platform");
	if (o.label != NULL && strlen(o.label) > 200)
		return cli_usage(cli, "token new", "--label is longer than 200 bytes");
	if (o.label != NULL)
		label = o.label;
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
		json_line(json_pack("{s:s, s:s, s:s}", "id", id, "role", card_token_role_name(role),
		                    "token", token));
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

static int token_list(struct cli *cli, int argc, char **argv)
{
	card_token_info *v = NULL;
	json_t *all = NULL;
	card_store *st = NULL;
	size_t n = 0;
	card_diag d;
	card_err rc;
	struct cli_args o;
	int status = cli_parse(cli, &LIST, argc, argv, &o);

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
		printf("%-16s %-8s %-20s %-20s %-12s %s\n", "id", "role", "created", "revoked",
		       "by", "label");
	for (size_t i = 0; i < n; i++) {
		if (cli->json) {
			json_array_append_new(
				all, json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s}", "id", v[i].id,
			                       "role", card_token_role_name(v[i].role),
			                       "created_at", v[i].created_at, "revoked_at",
			                       v[i].revoked_at[0] != '\0' ? v[i].revoked_at : NULL,
			                       "created_by", v[i].created_by, "label", v[i].label));
		} else {
			printf("%-16s %-8s %-20s %-20s %-12s %s\n", v[i].id,
			       card_token_role_name(v[i].role), v[i].created_at,
			       v[i].revoked_at[0] ? v[i].revoked_at : "-", v[i].created_by,
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
	struct cli_args o;
	int status = cli_parse(cli, &REVOKE, argc, argv, &o);

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	st = cli_store(cli, &status);
	if (st == NULL)
		return status;
	card_diag_clear(&d);
	rc = card_token_revoke(st, o.rest[0], &d);
	if (rc != CARD_OK)
		status = cli_fail(cli, rc, &d, "could not revoke the token");
	else if (cli->json)
		json_line(json_pack("{s:s}", "revoked", o.rest[0]));
	else
		printf("token %s revoked\n", o.rest[0]);
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
