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
	"(reason).  SERIAL is the 13-digit number printed on the card.  Exit status 2 when no "
	"batch\n"
	"holds the serial.  A district login sees only the cards its district holds.\n";

/* A text field: its string, or NULL (JSON null) when empty. */
static const char *opt(const char *v)
{
	return v != NULL && v[0] != '\0' ? v : NULL;
}

static void print_json(const card_card_info *in)
{
	json_t *moves = json_array();

	for (size_t i = 0; i < in->nmoves; i++) {
		const card_card_move *m = &in->moves[i];
		json_array_append_new(
			moves,
			json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}",
		                  "ledger_id", (json_int_t)m->ledger_id, "at", opt(m->at), "kind",
		                  opt(m->kind), "doc", opt(m->doc), "from_org", opt(m->from_org),
		                  "from_state", opt(m->from_state), "to_org", opt(m->to_org),
		                  "to_state", opt(m->to_state), "actor", opt(m->actor)));
	}
	json_line(json_pack(
		"{s:I, s:s?, s:s?, s:i, s:i, s:{s:s?, s:s?, s:s?}, s:o, s:o, s:o}", "serial",
		(json_int_t)in->serial, "batch", opt(in->batch), "term", opt(in->term), "key_id",
		(int)in->key_id, "face_value_fen", in->face_value_fen, "holder", "org",
		opt(in->org), "state", opt(in->state), "doc", opt(in->holder_doc), "redemption",
		in->redeemed ? json_pack("{s:I, s:s?, s:s?}", "id", (json_int_t)in->redemption_id,
	                                 "account", opt(in->account), "redeemed_at",
	                                 opt(in->redeemed_at))
			     : json_null(),
		"void",
		in->voided ? json_pack("{s:s?, s:s?, s:s?}", "reason", opt(in->void_reason), "doc",
	                               opt(in->void_doc), "at", opt(in->voided_at))
			   : json_null(),
		"moves", moves));
}

static void print_text(const card_card_info *in)
{
	printf("serial       %013" PRIu64 "\nbatch        %s\nterm         %s\nkey id       %u\n"
	       "face value   %d.%02d yuan\n",
	       in->serial, in->batch, in->term, in->key_id, in->face_value_fen / 100,
	       in->face_value_fen % 100);
	if (in->org[0] != '\0')
		printf("holder       %s (%s)%s%s\n", in->org, in->state,
		       in->holder_doc[0] ? " shipment " : "", in->holder_doc);
	else
		printf("holder       none (run 'cardctl audit')\n");
	if (in->redeemed)
		printf("redeemed     %s by %s (redemption %" PRId64 ")\n", in->redeemed_at,
		       in->account, in->redemption_id);
	else
		printf("redeemed     no\n");
	if (in->voided)
		printf("void         %s: %s (document %s)\n", in->voided_at, in->void_reason,
		       in->void_doc);
	printf("moves\n");
	for (size_t i = 0; i < in->nmoves; i++) {
		const card_card_move *m = &in->moves[i];
		printf("  %s  %-10s %s -> %s (%s)  document %s  by %s\n", m->at, m->kind,
		       m->from_org[0] ? m->from_org : "-", m->to_org, m->to_state, m->doc,
		       m->actor);
	}
}

static int card_show(struct cli *cli, int argc, char **argv)
{
	static const struct cli_spec spec = { "card show",          SHOW_HELP, "", NULL, 1,
		                              "SERIAL is required", 0 };
	struct cli_args o;
	card_card_info info;
	card_store *st;
	uint64_t serial;
	int status = cli_parse(cli, &spec, argc, argv, &o);
	card_diag d;
	card_err rc;

	memset(&info, 0, sizeof(info));
	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	if (card_serial_parse(o.rest[0], &serial) != CARD_OK)
		return cli_usage(cli, "card show", "invalid serial \"%s\"", o.rest[0]);
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
