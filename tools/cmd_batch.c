/*
 * cmd_batch.c -- cardctl batch mint|list|show (and the dispatch of export|verify, which live
 * in cmd_batch_print.c).
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "rowsout.h"

static const char MINT_HELP[] =
	"Usage: cardctl batch mint --term TERM --count N --keyring FILE --key-id K [--note TEXT] "
	"[--json]\n"
	"Usage: cardctl batch mint --term TERM --plan --keyring FILE --key-id K [--json]\n\n"
	"Mint a print batch of N cards (at most 100,000,000) of TERM under key K: the next N "
	"serials,\n"
	"allocated atomically, go into the city centre's stock, recorded with a 'mint' ledger "
	"entry.\n"
	"Prints the batch id (a UUID) and the serial range.  Refused if the keyring has no key\n"
	"K, or the term or the city centre does not exist.  No code is stored anywhere.\n"
	"With --plan (instead of --count) it mints the term's issuance plan (cardctl plan make)\n"
	"plus its reserve as one batch, laid out as one contiguous serial range per district\n"
	"(district code order, the reserve last; see 'cardctl plan show'), all or nothing.\n";
static const char LIST_HELP[] =
	"Usage: cardctl batch list [--term TERM] [--json]\n\nList the print batches: id, term, key "
	"id, serial range, count, time minted.\n";
static const char SHOW_HELP[] =
	"Usage: cardctl batch show BATCH [--json]\n\nShow one print batch.\n";

static const struct cli_spec MINT = {
	"batch mint", MINT_HELP, "term count keyring key-id note plan", NULL, 0, NULL, 0
};
static const struct cli_spec LIST = { "batch list", LIST_HELP, "term", NULL, 0, NULL, 0 };
static const struct cli_spec SHOW = {
	"batch show", SHOW_HELP, "", NULL, 1, "exactly one BATCH is required", 0
};

/* A batch as JSON (a new reference). */
static json_t *batch_json(const card_batch *b)
{
	return json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:s}", "batch", b->id, "term", b->term,
	                 "key_id", (int)b->key_id, "first_serial", (json_int_t)b->first_serial,
	                 "last_serial", (json_int_t)(b->first_serial + b->count - 1), "count",
	                 (json_int_t)b->count, "created_at", b->created_at);
}

static void print_batch(const struct cli *cli, const card_batch *b, json_t *all)
{
	char first[CARD_SERIAL_BUFSZ], last[CARD_SERIAL_BUFSZ];
	card_serial_format(b->first_serial, first);
	card_serial_format(b->first_serial + b->count - 1, last);
	if (cli->json)
		json_array_append_new(all, batch_json(b));
	else
		printf("%s  %-12s key %-2u %s-%s  %10" PRIu64 "  %s\n", b->id, b->term, b->key_id,
		       first, last, b->count, b->created_at);
}

static int batch_mint(struct cli *cli, int argc, char **argv)
{
	struct cli_args o;
	const char *term, *keyring, *note;
	int plan;
	long long count = 0, key_id = -1;
	card_keyring *kr = NULL;
	card_store *st = NULL;
	card_batch b;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &MINT, argc, argv, &o);

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	term = o.term;
	keyring = o.keyring;
	note = o.note;
	plan = o.plan;
	if (o.count != NULL &&
	    cli_parse_long(o.count, 1, (long long)CARD_BATCH_MAX_COUNT, &count) != 0)
		return cli_usage(cli, "batch mint", "--count must be from 1 to %" PRIu64,
		                 CARD_BATCH_MAX_COUNT);
	if (o.key_id != NULL && cli_parse_long(o.key_id, 0, CARD_KEY_IDS - 1, &key_id) != 0)
		return cli_usage(cli, "batch mint", "--key-id must be from 0 to 15");
	if (plan && term != NULL && count == 0 && keyring != NULL && key_id >= 0)
		return cmd_batch_mint_plan(cli, term, keyring, (unsigned)key_id);
	if (term == NULL || count == 0 || keyring == NULL || key_id < 0)
		return cli_usage(cli, "batch mint",
		                 "--term, --count, --keyring and --key-id are required");
	kr = cli_keyring(cli, keyring, &status);
	if (kr == NULL)
		return status;
	st = cli_store(cli, &status);
	if (st == NULL)
		goto out;
	card_diag_clear(&d);
	rc = card_batch_mint(st, kr, term, (unsigned)key_id, (uint64_t)count, note, &b, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "could not mint");
		goto out;
	}
	if (cli->json) {
		json_line(batch_json(&b));
	} else {
		char first[CARD_SERIAL_BUFSZ], last[CARD_SERIAL_BUFSZ];
		card_serial_format(b.first_serial, first);
		card_serial_format(b.first_serial + b.count - 1, last);
		printf("batch %s: %" PRIu64
		       " cards of %s under key %u, serials %s-%s, in city stock\n",
		       b.id, b.count, b.term, b.key_id, first, last);
	}
out:
	card_store_close(st);
	card_keyring_free(kr);
	return status;
}

static int batch_list(struct cli *cli, int argc, char **argv)
{
	struct cli_args o;
	card_batch *list = NULL;
	json_t *all = NULL;
	card_store *st;
	size_t n = 0;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &LIST, argc, argv, &o);

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	st = cli_store(cli, &status);
	if (st == NULL)
		return status;
	card_diag_clear(&d);
	rc = card_batch_list(st, o.term, &list, &n, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "could not list batches");
		goto out;
	}
	all = cli->json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++)
		print_batch(cli, &list[i], all);
	if (cli->json)
		json_line(all);
out:
	free(list);
	card_store_close(st);
	return status;
}

static int batch_show(struct cli *cli, int argc, char **argv)
{
	struct cli_args o;
	card_store *st;
	card_batch b;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &SHOW, argc, argv, &o);

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	st = cli_store(cli, &status);
	if (st == NULL)
		return status;
	card_diag_clear(&d);
	rc = card_batch_get(st, o.rest[0], &b, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "could not read the batch");
	} else if (cli->json) {
		json_line(batch_json(&b));
	} else {
		char first[CARD_SERIAL_BUFSZ], last[CARD_SERIAL_BUFSZ];
		card_serial_format(b.first_serial, first);
		card_serial_format(b.first_serial + b.count - 1, last);
		printf("batch    %s\nterm     %s\nkey id   %u\nserials  %s-%s\ncards    %" PRIu64
		       "\nminted   %s\n",
		       b.id, b.term, b.key_id, first, last, b.count, b.created_at);
	}
	card_store_close(st);
	return status;
}

int cmd_batch(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "mint", batch_mint, "mint a batch of cards into city stock" },
		{ "list", batch_list, "list print batches" },
		{ "show", batch_show, "show one print batch" },
		{ "export", batch_export, "write the print vendor's file and its signed manifest" },
		{ "verify", batch_verify, "check a print file against its manifest" },
		{ NULL, NULL, NULL },
	};
	return cli_dispatch(cli, "batch", cmds, argc - 1, argv + 1);
}
