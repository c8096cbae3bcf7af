/*
 * cmd_key.c -- cardctl key new|list|import: the keyring file.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>

#include "commands.h"
#include "rowsout.h"

static const char KEY_NEW_HELP[] =
	"Usage: cardctl key new --keyring FILE [--id N] [--label TEXT]\n\n"
	"Add a key of 32 random bytes (from the OS) to FILE, creating FILE (mode 0600) if needed.\n"
	"Without --id the lowest free key id (0-15) is used.\n";
static const char KEY_LIST_HELP[] =
	"Usage: cardctl key list --keyring FILE [--json]\n\n"
	"List key ids, creation times and labels.  Key bytes are never printed.\n";
static const char KEY_IMPORT_HELP[] =
	"Usage: cardctl key import --keyring FILE --id N [--label TEXT] < KEY.hex\n\n"
	"Add a known key, read from standard input as 64 hexadecimal digits (an escrow copy,\n"
	"or the fixed key of the test vectors).  FILE is created (mode 0600) if needed.\n";

struct key_args {
	const char *keyring;
	const char *label;
	long long id;
};

static const struct cli_spec KEY_NEW = {
	"key new", KEY_NEW_HELP, "keyring id label", "keyring", 0, NULL, 0
};
static const struct cli_spec KEY_LIST = { "key list", KEY_LIST_HELP, "keyring", "keyring",
	                                  0,          NULL,          0 };
static const struct cli_spec KEY_IMPORT = {
	"key import", KEY_IMPORT_HELP, "keyring id label", "keyring", 0, NULL, 0
};

/* cli_parse(), then --id as a key id (-1 when absent) and --label ("" when absent). */
static int parse(struct cli *cli, const struct cli_spec *spec, int argc, char **argv,
                 struct key_args *a)
{
	struct cli_args o;
	int st = cli_parse(cli, spec, argc, argv, &o);

	if (st != 0)
		return st;
	a->keyring = o.keyring;
	a->label = o.label != NULL ? o.label : "";
	a->id = -1;
	if (o.id != NULL && cli_parse_long(o.id, 0, CARD_KEY_IDS - 1, &a->id) != 0)
		return cli_usage(cli, spec->cmd, "--id must be a key id from 0 to 15");
	return 0;
}

/* Load FILE, or start an empty keyring when it does not exist yet. */
static card_err open_or_new(const char *path, card_keyring **kr, card_diag *d)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return card_keyring_new(kr);
	return card_keyring_load(path, kr, d);
}

static int key_new(struct cli *cli, int argc, char **argv)
{
	struct key_args a;
	card_keyring *kr = NULL;
	card_diag d;
	card_err rc;
	unsigned id = 0;
	int st = parse(cli, &KEY_NEW, argc, argv, &a);

	if (st != 0)
		return st < 0 ? EXIT_OK_ : st;
	card_diag_clear(&d);
	rc = open_or_new(a.keyring, &kr, &d);
	if (rc == CARD_OK)
		rc = card_keyring_generate(kr, (int)a.id, a.label, &id);
	if (rc == CARD_OK)
		rc = card_keyring_save(kr, a.keyring, &d);
	if (rc != CARD_OK) {
		st = cli_fail(cli, rc, &d, "could not add key");
		goto out;
	}
	if (cli->json)
		json_line(json_pack("{s:I}", "key_id", (json_int_t)id));
	else
		printf("key %u added to %s\n", id, a.keyring);
out:
	card_keyring_free(kr);
	return st;
}

static int key_import(struct cli *cli, int argc, char **argv)
{
	struct key_args a;
	card_keyring *kr = NULL;
	uint8_t key[CARD_KEY_LEN];
	char buf[256];
	card_diag d;
	card_err rc;
	size_t n;
	int st = parse(cli, &KEY_IMPORT, argc, argv, &a);

	if (st != 0)
		return st < 0 ? EXIT_OK_ : st;
	if (a.id < 0)
		return cli_usage(cli, "key import", "--id N is required");
	card_diag_clear(&d);
	n = fread(buf, 1, sizeof(buf) - 1, stdin);
	buf[n] = '\0';
	rc = card_key_from_hex(buf, key);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (rc != CARD_OK) {
		cli_error(cli, "standard input is not a key");
		fprintf(stderr, "DETAIL: A key is exactly 64 hexadecimal digits.\n");
		return EXIT_REJECTED;
	}
	rc = open_or_new(a.keyring, &kr, &d);
	if (rc == CARD_OK)
		rc = card_keyring_import(kr, (unsigned)a.id, key, a.label);
	OPENSSL_cleanse(key, sizeof(key));
	if (rc == CARD_OK)
		rc = card_keyring_save(kr, a.keyring, &d);
	if (rc != CARD_OK) {
		st = cli_fail(cli, rc, &d, "could not import key");
		goto out;
	}
	if (cli->json)
		json_line(json_pack("{s:I}", "key_id", (json_int_t)a.id));
	else
		printf("key %lld imported into %s\n", a.id, a.keyring);
out:
	card_keyring_free(kr);
	return st;
}

static int key_list(struct cli *cli, int argc, char **argv)
{
	struct key_args a;
	card_keyring *kr;
	json_t *list = NULL;
	int st = parse(cli, &KEY_LIST, argc, argv, &a);

	if (st != 0)
		return st < 0 ? EXIT_OK_ : st;
	kr = cli_keyring(cli, a.keyring, &st);
	if (kr == NULL)
		return st;
	if (cli->json)
		list = json_array();
	else
		printf("%-6s %-20s %s\n", "key_id", "created", "label");
	for (unsigned id = 0; id < CARD_KEY_IDS; id++) {
		card_key_info info;
		char when[32];
		struct tm tm;
		if (card_keyring_info(kr, id, &info) != CARD_OK)
			continue;
		gmtime_r(&info.created, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (cli->json)
			json_array_append_new(list,
			                      json_pack("{s:I, s:s, s:s}", "key_id", (json_int_t)id,
			                                "created", when, "label", info.label));
		else
			printf("%-6u %-20s %s\n", id, when, info.label);
	}
	if (cli->json)
		json_line(list);
	card_keyring_free(kr);
	return EXIT_OK_;
}

int cmd_key(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "new", key_new, "add a random key to a keyring" },
		{ "list", key_list, "list the keys of a keyring (never their bytes)" },
		{ "import", key_import, "add a known key read as hex from stdin" },
		{ NULL, NULL, NULL },
	};
	return cli_dispatch(cli, "key", cmds, argc - 1, argv + 1);
}
