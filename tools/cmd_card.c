/*
 * cmd_card.c -- cardctl card show SERIAL: one card's state (card_card_show(), card/cardinfo.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "rowsout.h"

static const char SHOW_HELP[] =
	"Usage: cardctl card show SERIAL [--json]\n\n"
	"Show a card: its batch, term and key id, who holds it now (organisation and state), the\n"
	"ledger entries and documents that moved it, its redemption (account, time) and its void\n"
	"(reason).  SERIAL is the 13-digit number printed on the card.  Exit status 2 when no batch\n"
	"holds the serial.  A district login sees only the cards its district holds.\n";

static void jfield(const char *name, const char *v, int last)
{
	printf("\"%s\": ", name);
	if (v != NULL && v[0] != '\0')
		json_str(stdout, v);
	else
		fputs("null", stdout);
	fputs(last ? "" : ", ", stdout);
}

static void print_json(const card_card_info *in)
{
	printf("{\"serial\": %" PRIu64 ", ", in->serial);
	jfield("batch", in->batch, 0);
	jfield("term", in->term, 0);
	printf("\"key_id\": %u, \"face_value_fen\": %d, \"holder\": {", in->key_id, in->face_value_fen);
	jfield("org", in->org, 0);
	jfield("state", in->state, 0);
	jfield("doc", in->holder_doc, 1);
	fputs("}, \"redemption\": ", stdout);
	if (in->redeemed) {
		printf("{\"id\": %" PRId64 ", ", in->redemption_id);
		jfield("account", in->account, 0);
		jfield("redeemed_at", in->redeemed_at, 1);
		fputs("}", stdout);
	} else {
		fputs("null", stdout);
	}
	fputs(", \"void\": ", stdout);
	if (in->voided) {
		fputs("{", stdout);
		jfield("reason", in->void_reason, 0);
		jfield("doc", in->void_doc, 0);
		jfield("at", in->voided_at, 1);
		fputs("}", stdout);
	} else {
		fputs("null", stdout);
	}
	fputs(", \"moves\": [", stdout);
	for (size_t i = 0; i < in->nmoves; i++) {
		const card_card_move *m = &in->moves[i];
		printf("%s{\"ledger_id\": %" PRId64 ", ", i ? ", " : "", m->ledger_id);
		jfield("at", m->at, 0);
		jfield("kind", m->kind, 0);
		jfield("doc", m->doc, 0);
		jfield("from_org", m->from_org, 0);
		jfield("from_state", m->from_state, 0);
		jfield("to_org", m->to_org, 0);
		jfield("to_state", m->to_state, 0);
		jfield("actor", m->actor, 1);
		fputs("}", stdout);
	}
	fputs("]}\n", stdout);
}

static void print_text(const card_card_info *in)
{
	printf("serial       %013" PRIu64 "\nbatch        %s\nterm         %s\nkey id       %u\n"
	       "face value   %d.%02d yuan\n",
	       in->serial, in->batch, in->term, in->key_id, in->face_value_fen / 100, in->face_value_fen % 100);
	if (in->org[0] != '\0')
		printf("holder       %s (%s)%s%s\n", in->org, in->state, in->holder_doc[0] ? " shipment " : "",
		       in->holder_doc);
	else
		printf("holder       none (run 'cardctl audit')\n");
	if (in->redeemed)
		printf("redeemed     %s by %s (redemption %" PRId64 ")\n", in->redeemed_at, in->account,
		       in->redemption_id);
	else
		printf("redeemed     no\n");
	if (in->voided)
		printf("void         %s: %s (document %s)\n", in->voided_at, in->void_reason, in->void_doc);
	printf("moves\n");
	for (size_t i = 0; i < in->nmoves; i++) {
		const card_card_move *m = &in->moves[i];
		printf("  %s  %-10s %s -> %s (%s)  document %s  by %s\n", m->at, m->kind,
		       m->from_org[0] ? m->from_org : "-", m->to_org, m->to_state, m->doc, m->actor);
	}
}

static int card_show(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTIONS, { NULL, 0, NULL, 0 } };
	card_card_info info;
	card_store *st;
	long long serial;
	int opt, status = EXIT_OK_;
	card_diag d;
	card_err rc;

	memset(&info, 0, sizeof(info));
	optind = 0;
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (cli_common(cli, opt, optarg))
			continue;
		if (opt == OPT_HELP) {
			fputs(SHOW_HELP, stdout);
			return EXIT_OK_;
		}
		return cli_usage(cli, "card show", "invalid option");
	}
	/* Options may follow the serial too. */
	if (optind >= argc)
		return cli_usage(cli, "card show", "SERIAL is required");
	if (optind + 1 < argc)
		return cli_usage(cli, "card show", "unexpected argument \"%s\"", argv[optind + 1]);
	if (cli_parse_long(argv[optind], 0, (long long)CARD_SERIAL_MAX, &serial) != 0)
		return cli_usage(cli, "card show", "invalid serial \"%s\"", argv[optind]);
	st = cli_store(cli, &status);
	if (st == NULL)
		return status;
	card_diag_clear(&d);
	rc = card_card_show(st, (uint64_t)serial, &info, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "could not show the card");
		goto out;
	}
	if (cli->json)
		print_json(&info);
	else
		print_text(&info);
out:
	card_card_info_free(&info);
	card_store_close(st);
	return status;
}

int cmd_card(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "show", card_show, "show a card's batch, holder, moves, redemption and void" },
		{ NULL, NULL, NULL },
	};
	return cli_dispatch(cli, "card", cmds, argc - 1, argv + 1);
}
