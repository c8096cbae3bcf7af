/*
 * cmd_audit.c -- cardctl audit: prove the books balance (card_audit(), card/audit.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "rowsout.h"

static const char AUDIT_HELP[] =
	"Usage: cardctl audit [--term TERM] [--json]\n\n"
	"Recompute every balance from the ledger and prove the books balance: verify the ledger's\n"
	"hash chain; per term, print the cards minted and held by city stock, district stock,\n"
	"school stock, transit, distributed and void, and check that minted = their sum, that "
	"every\n"
	"minted serial is held exactly once, that replaying the ledger gives the holdings, that "
	"voids\n"
	"are held void, and that redeemed cards had left city stock and are not void.\n"
	"Exit status 0 when the books balance, 2 when they do not (the failed checks are "
	"marked).\n";

static void print_json(const card_audit_line *v, size_t n, int balanced)
{
	json_t *checks = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(
			checks, json_pack("{s:s?, s:s, s:I, s:b, s:s?}", "term",
		                          v[i].term[0] != '\0' ? v[i].term : NULL, "item",
		                          v[i].item, "value", (json_int_t)v[i].value, "ok", v[i].ok,
		                          "detail", v[i].detail[0] != '\0' ? v[i].detail : NULL));
	json_line(json_pack("{s:b, s:o}", "balanced", balanced, "checks", checks));
}

static void print_line(const card_audit_line *l)
{
	printf("  %-24s %12" PRId64 "  %s%s%s\n", l->item, l->value, l->ok ? "ok" : "MISMATCH",
	       l->detail[0] != '\0' ? "  " : "", l->detail);
}

/* The checks over all terms first, then each term's figures and checks. */
static void print_text(const card_audit_line *v, size_t n, int balanced)
{
	const char *term = NULL;
	printf("all terms\n");
	for (size_t i = 0; i < n; i++)
		if (v[i].term[0] == '\0')
			print_line(&v[i]);
	for (size_t i = 0; i < n; i++) {
		if (v[i].term[0] == '\0')
			continue;
		if (term == NULL || strcmp(term, v[i].term) != 0) {
			term = v[i].term;
			printf("%s\n", term);
		}
		print_line(&v[i]);
	}
	printf("%s\n", balanced ? "the books balance" : "the books do NOT balance");
}

int cmd_audit(struct cli *cli, int argc, char **argv)
{
	static const struct cli_spec spec = { "audit", AUDIT_HELP, "term", NULL, 0, NULL, 0 };
	struct cli_args o;
	const char *term;
	card_audit_line *lines = NULL;
	card_store *st = NULL;
	size_t n = 0;
	int balanced = 0, status = cli_parse(cli, &spec, argc, argv, &o);
	card_diag d;
	card_err rc;

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	term = o.term;
	st = cli_store(cli, &status);
	if (st == NULL)
		return status;
	card_diag_clear(&d);
	rc = card_audit(st, term, &lines, &n, &balanced, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "audit failed");
		goto out;
	}
	if (cli->json)
		print_json(lines, n, balanced);
	else
		print_text(lines, n, balanced);
	status = balanced ? EXIT_OK_ : EXIT_REJECTED;
out:
	free(lines);
	card_store_close(st);
	return status;
}
