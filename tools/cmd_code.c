/*
 * cmd_code.c -- cardctl code derive and cardctl verify: the code format, offline.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "rowsout.h"

static const char DERIVE_HELP[] =
	"Usage: cardctl code derive --keyring FILE --key-id N --serial S [--count M] [--json]\n\n"
	"Print the codes of serials S .. S+M-1 (default M = 1) under key N, one per line as\n"
	"\"SERIAL CODE\".  For tests, benchmarks and checking a print file by hand.\n";
static const char VERIFY_HELP[] = "Usage: cardctl verify --keyring FILE [--json] [CODE...]\n\n"
				  "Check each CODE (or, with none or \"-\", each line of standard "
				  "input) against the keyring,\n"
				  "offline.  Prints the verdict (valid, malformed, typo, "
				  "unknown_key, forged) and the serial.\n"
				  "Exit status 0 only if every code is valid, 2 otherwise.\n";

static const struct cli_spec DERIVE = {
	"code derive", DERIVE_HELP, "keyring key-id serial count", NULL, 0, NULL, 0
};
static const struct cli_spec VERIFY = { "verify", VERIFY_HELP, "keyring", "keyring", -1, NULL, 0 };

static int code_derive(struct cli *cli, int argc, char **argv)
{
	struct cli_args o;
	const char *keyring;
	long long key_id = -1, count = 1;
	uint64_t serial = 0;
	int have_serial, st = cli_parse(cli, &DERIVE, argc, argv, &o), first = 1;
	card_keyring *kr = NULL;
	card_codec *codec = NULL;
	card_err rc;

	if (st != 0)
		return st < 0 ? EXIT_OK_ : st;
	keyring = o.keyring;
	if (o.key_id != NULL && cli_parse_long(o.key_id, 0, CARD_KEY_IDS - 1, &key_id) != 0)
		return cli_usage(cli, "code derive", "--key-id must be from 0 to 15");
	have_serial = o.serial != NULL;
	if (have_serial && card_serial_parse(o.serial, &serial) != CARD_OK)
		return cli_usage(cli, "code derive", "--serial must be 0 to %llu",
		                 (unsigned long long)CARD_SERIAL_MAX);
	if (o.count != NULL &&
	    cli_parse_long(o.count, 1, (long long)CARD_SERIAL_MAX + 1, &count) != 0)
		return cli_usage(cli, "code derive", "--count must be a positive number");
	if (keyring == NULL || key_id < 0 || !have_serial)
		return cli_usage(cli, "code derive",
		                 "--keyring, --key-id and --serial are required");
	if (serial + (uint64_t)count - 1 > CARD_SERIAL_MAX)
		return cli_usage(cli, "code derive", "serials past %llu do not exist",
		                 (unsigned long long)CARD_SERIAL_MAX);
	kr = cli_keyring(cli, keyring, &st);
	if (kr == NULL)
		return st;
	rc = card_codec_new(kr, &codec);
	if (rc != CARD_OK) {
		st = cli_fail(cli, rc, NULL, "could not prepare the keys");
		goto out;
	}
	if (cli->json)
		printf("[");
	for (long long i = 0; i < count; i++) {
		char code[CARD_CODE_BUFSZ], ser[CARD_SERIAL_BUFSZ];
		rc = card_code_encode(codec, (unsigned)key_id, serial + (uint64_t)i, code);
		if (rc != CARD_OK) {
			if (cli->json)
				printf("]\n");
			st = cli_fail(cli, rc, NULL, "could not derive codes");
			goto out;
		}
		card_serial_format(serial + (uint64_t)i, ser);
		if (cli->json)
			json_item(json_pack("{s:s, s:s}", "serial", ser, "code", code), &first);
		else
			printf("%s %s\n", ser, code);
	}
	if (cli->json)
		printf("]\n");
out:
	card_codec_free(codec);
	card_keyring_free(kr);
	return st;
}

/* Print one verdict; returns 1 if valid. */
static int verify_one(const struct cli *cli, card_codec *codec, const char *text, int *first)
{
	uint64_t serial = 0;
	unsigned key_id = 0;
	char ser[CARD_SERIAL_BUFSZ] = "";
	card_verdict v = card_code_validate(codec, text, strlen(text), &serial, &key_id);
	int has_serial = v == CARD_VALID || v == CARD_FORGED || v == CARD_UNKNOWN_KEY;

	if (has_serial)
		card_serial_format(serial, ser);
	/* The code itself is echoed only as its position: output may end up in logs. */
	if (cli->json) {
		json_t *j = json_pack("{s:s}", "verdict", card_verdict_name(v));
		if (j != NULL && v == CARD_VALID) {
			json_object_set_new(j, "serial", json_string(ser));
			json_object_set_new(j, "key_id", json_integer(key_id));
		}
		json_item(j, first);
	} else {
		printf("%-11s %s\n", card_verdict_name(v), v == CARD_VALID ? ser : "-");
	}
	*first = 0;
	return v == CARD_VALID;
}

int cmd_verify(struct cli *cli, int argc, char **argv)
{
	struct cli_args o;
	card_keyring *kr = NULL;
	card_codec *codec = NULL;
	int st = cli_parse(cli, &VERIFY, argc, argv, &o), all_valid = 1, first = 1;
	card_err rc;

	if (st != 0)
		return st < 0 ? EXIT_OK_ : st;
	kr = cli_keyring(cli, o.keyring, &st);
	if (kr == NULL)
		return st;
	rc = card_codec_new(kr, &codec);
	if (rc != CARD_OK) {
		st = cli_fail(cli, rc, NULL, "could not prepare the keys");
		goto out;
	}
	if (cli->json)
		printf("[");
	if (o.nargs == 0 || (o.nargs == 1 && strcmp(o.rest[0], "-") == 0)) {
		char line[512];
		while (fgets(line, sizeof(line), stdin) != NULL) {
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] == '\0')
				continue;
			all_valid &= verify_one(cli, codec, line, &first);
		}
	} else {
		for (int i = 0; i < o.nargs; i++)
			all_valid &= verify_one(cli, codec, o.rest[i], &first);
	}
	if (cli->json)
		printf("]\n");
	st = all_valid ? EXIT_OK_ : EXIT_REJECTED;
out:
	card_codec_free(codec);
	card_keyring_free(kr);
	return st;
}

int cmd_code(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "derive", code_derive, "print the codes of a serial range" },
		{ NULL, NULL, NULL },
	};
	return cli_dispatch(cli, "code", cmds, argc - 1, argv + 1);
}
