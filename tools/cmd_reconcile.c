/*
 * cmd_reconcile.c -- cardctl transfer, return, supplement, replace, charge: the count-changing
 * steps of the reconciliation (workflow part 2).  The rules live in libcard
 * (card/reconcile.h) and sql/functions/reconcile.sql.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "report2.h"
#include "rowsout.h"
#include "table.h"

static const char TRANSFER_HELP[] =
	"Usage: cardctl transfer --term TERM --from SCHOOL --to SCHOOL --count N [--late "
	"REASON]\n\n"
	"District self-adjustment: move N cards from one school's stock to another school of the\n"
	"same district (a transfer document; the lowest serials the school holds).  Allowed until\n"
	"7 days after delivery (delivery is S-7, so until S); later only with --late REASON, "
	"which\n"
	"is recorded.  Prints the transfer's UUID.\n";
static const char RETURN_HELP[] =
	"Usage: cardctl return --term TERM --district D (--count N | --serials A-B) --signer NAME "
	"--date YYYY-MM-DD --photo FILE [--from ORG]\n\n"
	"Return cards from the district's depot (or from --from, one of its schools) to the "
	"city's\n"
	"stock, as the city's settlement ordered.  The receipt is taken as for 'cardctl receive':\n"
	"NAME signed for the city on the date (not after today); the photo of the signed receipt\n"
	"(a JPEG or PNG that decodes whole, or a PDF; at most 10 MiB) is stored with its SHA-256\n"
	"and pixel size, and there is no return without it.  --serials A-B returns exactly those\n"
	"serials (inclusive; A alone is one card).  Prints the return's UUID, the serial ranges\n"
	"moved and the photo's SHA-256 and pixel size.\n";
static const char SUPPLEMENT_HELP[] =
	"Usage: cardctl supplement --term TERM --to ORG --count N --signer NAME --date YYYY-MM-DD "
	"--photo FILE\n\n"
	"Supply N cards from the city's stock to a district's depot or one of its schools, as the\n"
	"settlement ordered (never more than ordered, never more than the city holds).  The\n"
	"receipt is taken as for 'cardctl receive': NAME signed it at the destination on the date\n"
	"(not after today); the photo of the signed receipt (a JPEG or PNG that decodes whole, or\n"
	"a PDF; at most 10 MiB) is stored with its SHA-256 and pixel size, and there is no\n"
	"supplement without it.  Prints the supplement's UUID, the serial ranges moved and the\n"
	"photo's SHA-256 and pixel size.\n";
static const char REPLACE_HELP[] =
	"Usage: cardctl replace --term TERM --school S --serial N --reason TEXT [--requested "
	"DATE]\n\n"
	"Replace a defective card the school holds (in stock or handed out): the card is voided\n"
	"(it can never be redeemed) and a good card from the district's stock, else the city's, "
	"is\n"
	"issued to the school in its place.  Due 7 days after the school's request (DATE,\n"
	"YYYY-MM-DD, default today); later is flagged late.  Refused for a redeemed or void card\n"
	"and for a card the school does not hold.  Prints the replacement's UUID.\n";
static const char CHARGE_HELP[] =
	"Usage: cardctl charge --term TERM [--format csv|xlsx|text|json] [--out FILE]\n\n"
	"After the close (S+30): for each district, the surplus it was ordered (or, without a\n"
	"settlement, declared) to return but did not, times the face value.  The first run closes\n"
	"the term and records one charge document per district that owes; running it again\n"
	"prints the same charges.  --format/--out write the charge list for the finance "
	"office:\n" TABLE_FORMAT_HELP;

#define CMD_PARSE(name, cmd, help, opts) \
	static const struct cli_spec name = { cmd, help, opts, "term", 0, NULL, 0 }
CMD_PARSE(TRANSFER, "transfer", TRANSFER_HELP, "term from to count late");
CMD_PARSE(RETURN, "return", RETURN_HELP, "term district from count serials signer date photo");
CMD_PARSE(SUPPLEMENT, "supplement", SUPPLEMENT_HELP, "term to count signer date photo");
CMD_PARSE(REPLACE, "replace", REPLACE_HELP, "term school serial reason requested");
#undef CMD_PARSE
static const struct cli_spec CHARGE = { "charge", CHARGE_HELP, "term", "term", 0, NULL, CLI_TABLE };

/* A required option; prints the usage error. */
static int need(struct cli *cli, const char *cmd, const char *val, const char *what)
{
	return val != NULL ? 0 : cli_usage(cli, cmd, "%s is required", what);
}

static int parse_count(struct cli *cli, const char *cmd, const char *text, uint64_t *out)
{
	long long v;
	if (cli_parse_long(text, 1, (long long)CARD_SERIAL_MAX + 1, &v) != 0)
		return cli_usage(cli, cmd, "--count wants a positive whole number, not \"%s\"",
		                 text);
	*out = (uint64_t)v;
	return 0;
}

/* Print the step's result: JSON (document + the row) or one line per column. */
static void print_result(const struct cli *cli, const char *what, const char *doc,
                         const card_rows *r)
{
	if (cli->json) {
		json_line(json_pack("{s:s, s:o}", "document", doc, "result",
		                    card_rows_count(r) > 0 ? row_json(r, 0) : json_null()));
		return;
	}
	printf("%s, document %s\n", what, doc);
	for (size_t c = 0; c < card_rows_ncols(r) && card_rows_count(r) > 0; c++)
		printf("  %-12s %s\n", card_rows_name(r, c), row_shown(r, 0, c));
}

/* After the step: print its result, or the failure; returns the exit status.  (The caller
 * runs the step first, in its own statement, so that r is set before it is read.) */
static int cmd_finish(struct cli *cli, card_err rc, const card_diag *d, const char *failed,
                      const char *what, const char *doc, const card_rows *r)
{
	if (rc != CARD_OK)
		return cli_fail(cli, rc, d, failed);
	print_result(cli, what, doc, r);
	return EXIT_OK_;
}

int cmd_transfer(struct cli *cli, int argc, char **argv)
{
	struct cli_args a;
	card_err rc;
	char doc[CARD_UUID_BUFSZ] = "";
	card_rows *r = NULL;
	card_store *st = NULL;
	uint64_t n = 0;
	card_diag d;
	int status = cli_parse(cli, &TRANSFER, argc, argv, &a);

	card_diag_clear(&d);
	if (status == 0)
		status = need(cli, "transfer", a.from, "--from SCHOOL");
	if (status == 0)
		status = need(cli, "transfer", a.to, "--to SCHOOL");
	if (status == 0)
		status = need(cli, "transfer", a.count, "--count N");
	if (status == 0)
		status = parse_count(cli, "transfer", a.count, &n);
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_transfer(st, a.term, a.from, a.to, n, a.late, doc, &r, &d);
	status = cmd_finish(cli, rc, &d, "transfer failed", "transferred", doc, r);
out:
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

int cmd_return(struct cli *cli, int argc, char **argv)
{
	struct cli_args a;
	card_err rc;
	char doc[CARD_UUID_BUFSZ] = "";
	card_rows *r = NULL;
	card_store *st = NULL;
	uint64_t n = 0, first = 0, last = 0, sn = 0;
	card_diag d;
	int status = cli_parse(cli, &RETURN, argc, argv, &a);

	card_diag_clear(&d);
	if (status == 0)
		status = need(cli, "return", a.district, "--district D");
	if (status == 0)
		status = need(cli, "return", a.signer, "--signer NAME");
	if (status == 0)
		status = need(cli, "return", a.date, "--date YYYY-MM-DD");
	if (status == 0 && (a.count == NULL) == (a.serials == NULL))
		status = cli_usage(cli, "return", "give either --count N or --serials A-B");
	if (status == 0 && a.count != NULL)
		status = parse_count(cli, "return", a.count, &n);
	if (status == 0 && a.serials != NULL && cli_parse_serials(a.serials, &first, &last) != 0)
		status = cli_usage(cli, "return", CLI_SERIALS_USAGE, "--serials", a.serials);
	sn = a.serials != NULL && status == 0 ? last - first + 1 : 0;
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_return(st, a.term, a.district, a.from, n, a.serials ? &first : NULL, sn, a.signer,
	                 a.date, a.photo, doc, &r, &d);
	status = cmd_finish(cli, rc, &d, "return failed", "returned to city stock", doc, r);
out:
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

int cmd_supplement(struct cli *cli, int argc, char **argv)
{
	struct cli_args a;
	card_err rc;
	char doc[CARD_UUID_BUFSZ] = "";
	card_rows *r = NULL;
	card_store *st = NULL;
	uint64_t n = 0;
	card_diag d;
	int status = cli_parse(cli, &SUPPLEMENT, argc, argv, &a);

	card_diag_clear(&d);
	if (status == 0)
		status = need(cli, "supplement", a.to, "--to ORG");
	if (status == 0)
		status = need(cli, "supplement", a.signer, "--signer NAME");
	if (status == 0)
		status = need(cli, "supplement", a.date, "--date YYYY-MM-DD");
	if (status == 0)
		status = need(cli, "supplement", a.count, "--count N");
	if (status == 0)
		status = parse_count(cli, "supplement", a.count, &n);
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_supplement(st, a.term, a.to, n, a.signer, a.date, a.photo, doc, &r, &d);
	status = cmd_finish(cli, rc, &d, "supplement failed", "supplied from city stock", doc, r);
out:
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

int cmd_replace(struct cli *cli, int argc, char **argv)
{
	struct cli_args a;
	card_err rc;
	char doc[CARD_UUID_BUFSZ] = "";
	card_rows *r = NULL;
	card_store *st = NULL;
	uint64_t serial = 0;
	card_diag d;
	int status = cli_parse(cli, &REPLACE, argc, argv, &a);

	card_diag_clear(&d);
	if (status == 0)
		status = need(cli, "replace", a.school, "--school S");
	if (status == 0)
		status = need(cli, "replace", a.serial, "--serial N");
	if (status == 0)
		status = need(cli, "replace", a.reason, "--reason TEXT");
	if (status == 0 && card_serial_parse(a.serial, &serial) != CARD_OK)
		status = cli_usage(cli, "replace",
		                   "--serial wants a card's serial number, not \"%s\"", a.serial);
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_replace(st, a.term, a.school, serial, a.reason, a.requested, doc, &r, &d);
	status = cmd_finish(cli, rc, &d, "replace failed", "card replaced", doc, r);
out:
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

/* The charge list for the finance office. */
static card_err charge_table(const card_rows *r, const char *term, enum table_format fmt,
                             const char *out, card_diag *d)
{
	static const struct table_col tcols[] = {
		{ "区县编码", TABLE_TEXT },      { "区县名称", TABLE_TEXT },
		{ "应退回(张)", TABLE_INT },     { "已退回(张)", TABLE_INT },
		{ "未退回(张)", TABLE_INT },     { "面值(元)", TABLE_MONEY },
		{ "扣款金额(元)", TABLE_MONEY }, { "扣款单号", TABLE_TEXT },
	};
	char title[128], tname[CARD_TERM_NAME_BUFSZ];
	struct table *t;
	card_err rc = CARD_OK;

	snprintf(title, sizeof(title), "扣款清单 %s", form_term(term, tname));
	t = table_new(title, "扣款清单", tcols, 8);
	if (t == NULL)
		return CARD_ERR_NOMEM;
	for (size_t i = 0; rc == CARD_OK && i < card_rows_count(r); i++) {
		char fv[32], amt[32];
		long long f = row_int(r, i, "face_value_fen");
		long long m = row_int(r, i, "amount_fen");
		const char *cells[8] = { row_text(r, i, "district"),
			                 row_text(r, i, "name"),
			                 row_text(r, i, "due_return"),
			                 row_text(r, i, "returned"),
			                 row_text(r, i, "count"),
			                 fv,
			                 amt,
			                 row_text(r, i, "doc") };
		fen_yuan(f, fv);
		fen_yuan(m, amt);
		rc = table_add_row(t, cells, d);
	}
	if (rc == CARD_OK)
		rc = table_write(t, fmt, out, d);
	table_free(t);
	return rc;
}

int cmd_charge(struct cli *cli, int argc, char **argv)
{
	struct cli_args a;
	card_rows *r = NULL;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &CHARGE, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_charge(st, a.term, &r, &d);
	if (rc == CARD_OK && (a.format != NULL || a.out != NULL))
		rc = charge_table(r, a.term, a.fmt, a.out, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "charge failed");
		goto out;
	}
	if (a.format != NULL && a.out == NULL) {
		/* the charge list went to stdout */
	} else if (cli->json) {
		rows_json_array(stdout, r);
		putchar('\n');
	} else {
		int created = card_rows_count(r) > 0 && row_bool(r, 0, "created");
		printf("term %s closed; %zu district%s charged%s\n", a.term, card_rows_count(r),
		       card_rows_count(r) == 1 ? "" : "s",
		       card_rows_count(r) == 0 ? ""
		       : created               ? ""
		                               : " (recorded earlier)");
		/* the finance office's list, in yuan under the form's headings */
		if (card_rows_count(r) > 0 &&
		    (rc = charge_table(r, a.term, TABLE_PLAIN, NULL, &d)) != CARD_OK)
			status = cli_fail(cli, rc, &d, "charge failed");
	}
out:
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}
