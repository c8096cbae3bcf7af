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
#include "rowsout.h"
#include "table.h"

static const char TRANSFER_HELP[] =
	"Usage: cardctl transfer --term TERM --from SCHOOL --to SCHOOL --count N [--late REASON]\n\n"
	"District self-adjustment: move N cards from one school's stock to another school of the\n"
	"same district (a transfer document; the lowest serials the school holds).  Allowed until\n"
	"7 days after delivery (delivery is S-7, so until S); later only with --late REASON, which\n"
	"is recorded.  Prints the transfer's UUID.\n";
static const char RETURN_HELP[] =
	"Usage: cardctl return --term TERM --district D (--count N | --serials A-B) --signer NAME --date YYYY-MM-DD --photo FILE [--from ORG]\n\n"
	"Return cards from the district's depot (or from --from, one of its schools) to the city's\n"
	"stock, as the city's settlement ordered.  The receipt is taken as for 'cardctl receive':\n"
	"NAME signed for the city on the date (not after today); the photo of the signed receipt\n"
	"(JPEG, PNG or PDF by content, at most 10 MiB) is stored with its SHA-256, and there is\n"
	"no return without it.  Prints the return's UUID, the serial ranges moved and the\n"
	"photo's SHA-256.\n";
static const char SUPPLEMENT_HELP[] =
	"Usage: cardctl supplement --term TERM --to ORG --count N --signer NAME --date YYYY-MM-DD --photo FILE\n\n"
	"Supply N cards from the city's stock to a district's depot or one of its schools, as the\n"
	"settlement ordered (never more than ordered, never more than the city holds).  The\n"
	"receipt is taken as for 'cardctl receive': NAME signed it at the destination on the date\n"
	"(not after today); the photo of the signed receipt (JPEG, PNG or PDF by content, at most\n"
	"10 MiB) is stored with its SHA-256, and there is no supplement without it.  Prints the\n"
	"supplement's UUID, the serial ranges moved and the photo's SHA-256.\n";
static const char REPLACE_HELP[] =
	"Usage: cardctl replace --term TERM --school S --serial N --reason TEXT [--requested DATE]\n\n"
	"Replace a defective card the school holds (in stock or handed out): the card is voided\n"
	"(it can never be redeemed) and a good card from the district's stock, else the city's, is\n"
	"issued to the school in its place.  Due 7 days after the school's request (DATE,\n"
	"YYYY-MM-DD, default today); later is flagged late.  Refused for a redeemed or void card\n"
	"and for a card the school does not hold.  Prints the replacement's UUID.\n";
static const char CHARGE_HELP[] =
	"Usage: cardctl charge --term TERM [--format csv|xlsx --out FILE]\n\n"
	"After the close (S+30): for each district, the surplus it was ordered (or, without a\n"
	"settlement, declared) to return but did not, times the face value.  The first run closes\n"
	"the term and records one charge document per district that owes; running it again\n"
	"prints the same charges.  --format/--out write the charge list for the finance office.\n";

enum { O_TERM = 1, O_FROM, O_TO, O_COUNT, O_LATE, O_DISTRICT, O_SERIALS, O_SIGNER, O_SCHOOL,
       O_SERIAL, O_REASON, O_REQUESTED, O_FORMAT, O_DATE, O_PHOTO, O_OUT };

struct args {
	const char *term, *from, *to, *count, *late, *district, *serials, *signer, *school,
		*serial, *reason, *requested, *format, *date, *photo, *out;
};

/* Parse options; returns -1 after --help, else 0 or an exit status. */
static int parse(struct cli *cli, const char *cmd, const char *help, int argc, char **argv,
                 struct args *a)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "term", required_argument, NULL, O_TERM },
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "count", required_argument, NULL, O_COUNT },
		{ "late", required_argument, NULL, O_LATE },
		{ "district", required_argument, NULL, O_DISTRICT },
		{ "serials", required_argument, NULL, O_SERIALS },
		{ "signer", required_argument, NULL, O_SIGNER },
		{ "school", required_argument, NULL, O_SCHOOL },
		{ "serial", required_argument, NULL, O_SERIAL },
		{ "reason", required_argument, NULL, O_REASON },
		{ "requested", required_argument, NULL, O_REQUESTED },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "date", required_argument, NULL, O_DATE },
		{ "photo", required_argument, NULL, O_PHOTO },
		{ "out", required_argument, NULL, O_OUT },
		{ NULL, 0, NULL, 0 },
	};
	const char **slot[] = { NULL, &a->term, &a->from, &a->to, &a->count, &a->late, &a->district,
		                &a->serials, &a->signer, &a->school, &a->serial, &a->reason,
		                &a->requested, &a->format, &a->date, &a->photo, &a->out };
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (cli_common(cli, opt, optarg))
			continue;
		if (opt == OPT_HELP) {
			fputs(help, stdout);
			return -1;
		}
		if (opt >= O_TERM && opt <= O_OUT) {
			*slot[opt] = optarg;
			continue;
		}
		return cli_usage(cli, cmd, "invalid option");
	}
	if (optind < argc)
		return cli_usage(cli, cmd, "unexpected argument \"%s\"", argv[optind]);
	if (a->term == NULL)
		return cli_usage(cli, cmd, "--term TERM is required");
	return 0;
}

/* A required option; prints the usage error. */
static int need(struct cli *cli, const char *cmd, const char *val, const char *what)
{
	return val != NULL ? 0 : cli_usage(cli, cmd, "%s is required", what);
}

static int parse_count(struct cli *cli, const char *cmd, const char *text, uint64_t *out)
{
	long long v;
	if (cli_parse_long(text, 1, (1LL << 40), &v) != 0)
		return cli_usage(cli, cmd, "--count wants a positive whole number, not \"%s\"", text);
	*out = (uint64_t)v;
	return 0;
}

/* Print the step's result: JSON (document + the row) or one line per column. */
static void print_result(const struct cli *cli, const char *what, const char *doc,
                         const card_rows *r)
{
	if (cli->json) {
		printf("{\"document\": \"%s\", \"result\": ", doc);
		if (card_rows_count(r) > 0)
			rows_json_object(stdout, r, 0);
		else
			fputs("null", stdout);
		printf("}\n");
		return;
	}
	printf("%s, document %s\n", what, doc);
	for (size_t c = 0; c < card_rows_ncols(r) && card_rows_count(r) > 0; c++)
		printf("  %-12s %s\n", card_rows_name(r, c), card_rows_get(r, 0, c));
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
	struct args a = { 0 };
	card_err rc;
	char doc[CARD_UUID_BUFSZ] = "";
	card_rows *r = NULL;
	card_store *st = NULL;
	uint64_t n = 0;
	card_diag d;
	int status = parse(cli, "transfer", TRANSFER_HELP, argc, argv, &a);

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
	status = cmd_finish(cli, rc, &d,
	                    "transfer failed", "transferred", doc, r);
out:
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

/* "A-B" (inclusive, as printed) -> first, n. */
static int parse_serials(const char *text, uint64_t *first, uint64_t *n)
{
	long long a, b;
	char buf[64], *dash;
	if (text == NULL || strlen(text) >= sizeof(buf))
		return -1;
	memcpy(buf, text, strlen(text) + 1);
	dash = strchr(buf, '-');
	if (dash != NULL)
		*dash = '\0';
	if (cli_parse_long(buf, 0, (1LL << 40) - 1, &a) != 0)
		return -1;
	b = a;
	if (dash != NULL && cli_parse_long(dash + 1, a, (1LL << 40) - 1, &b) != 0)
		return -1;
	*first = (uint64_t)a;
	*n = (uint64_t)(b - a + 1);
	return 0;
}

int cmd_return(struct cli *cli, int argc, char **argv)
{
	struct args a = { 0 };
	card_err rc;
	char doc[CARD_UUID_BUFSZ] = "";
	card_rows *r = NULL;
	card_store *st = NULL;
	uint64_t n = 0, first = 0, sn = 0;
	card_diag d;
	int status = parse(cli, "return", RETURN_HELP, argc, argv, &a);

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
	if (status == 0 && a.serials != NULL && parse_serials(a.serials, &first, &sn) != 0)
		status = cli_usage(cli, "return", "--serials wants A-B (serials, inclusive), not \"%s\"",
		                   a.serials);
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
	struct args a = { 0 };
	card_err rc;
	char doc[CARD_UUID_BUFSZ] = "";
	card_rows *r = NULL;
	card_store *st = NULL;
	uint64_t n = 0;
	card_diag d;
	int status = parse(cli, "supplement", SUPPLEMENT_HELP, argc, argv, &a);

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
	status = cmd_finish(cli, rc, &d,
	                    "supplement failed", "supplied from city stock", doc, r);
out:
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

int cmd_replace(struct cli *cli, int argc, char **argv)
{
	struct args a = { 0 };
	card_err rc;
	char doc[CARD_UUID_BUFSZ] = "";
	card_rows *r = NULL;
	card_store *st = NULL;
	long long serial = 0;
	card_diag d;
	int status = parse(cli, "replace", REPLACE_HELP, argc, argv, &a);

	card_diag_clear(&d);
	if (status == 0)
		status = need(cli, "replace", a.school, "--school S");
	if (status == 0)
		status = need(cli, "replace", a.serial, "--serial N");
	if (status == 0)
		status = need(cli, "replace", a.reason, "--reason TEXT");
	if (status == 0 && cli_parse_long(a.serial, 0, (1LL << 40) - 1, &serial) != 0)
		status = cli_usage(cli, "replace", "--serial wants a card's serial number, not \"%s\"",
		                   a.serial);
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_replace(st, a.term, a.school, (uint64_t)serial, a.reason, a.requested,
	                                 doc, &r, &d);
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
		{ "区县编码", TABLE_TEXT }, { "区县名称", TABLE_TEXT }, { "应退回(张)", TABLE_INT },
		{ "已退回(张)", TABLE_INT }, { "未退回(张)", TABLE_INT }, { "面值(元)", TABLE_TEXT },
		{ "扣款金额(元)", TABLE_TEXT }, { "扣款单号", TABLE_TEXT },
	};
	char title[128];
	struct table *t;
	card_err rc = CARD_OK;

	snprintf(title, sizeof(title), "扣款清单 %s", term);
	t = table_new(title, "扣款清单", tcols, 8);
	if (t == NULL)
		return CARD_ERR_NOMEM;
	for (size_t i = 0; rc == CARD_OK && i < card_rows_count(r); i++) {
		char fv[32], amt[32];
		long long f = strtoll(card_rows_getn(r, i, "face_value_fen"), NULL, 10);
		long long m = strtoll(card_rows_getn(r, i, "amount_fen"), NULL, 10);
		const char *cells[8] = { card_rows_getn(r, i, "district"), card_rows_getn(r, i, "name"),
			                 card_rows_getn(r, i, "due_return"), card_rows_getn(r, i, "returned"),
			                 card_rows_getn(r, i, "count"), fv, amt, card_rows_getn(r, i, "doc") };
		snprintf(fv, sizeof(fv), "%lld.%02lld", f / 100, f % 100);
		snprintf(amt, sizeof(amt), "%lld.%02lld", m / 100, m % 100);
		rc = table_add_row(t, cells, d);
	}
	if (rc == CARD_OK)
		rc = table_write(t, fmt, out, d);
	table_free(t);
	return rc;
}

int cmd_charge(struct cli *cli, int argc, char **argv)
{
	static const struct rows_col cols[] = {
		{ "district", "district" }, { "name", "name" }, { "due_return", "due_return" },
		{ "returned", "returned" }, { "count", "not_returned" }, { "amount_fen", "amount_fen" },
		{ "doc", "document" },
	};
	struct args a = { 0 };
	enum table_format fmt = TABLE_CSV;
	card_rows *r = NULL;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = parse(cli, "charge", CHARGE_HELP, argc, argv, &a);

	card_diag_clear(&d);
	if (status == 0 && a.format != NULL && table_parse_format(a.format, &fmt) != 0)
		status = cli_usage(cli, "charge", "--format wants csv or xlsx");
	if (status == 0 && (a.format != NULL) != (a.out != NULL))
		status = cli_usage(cli, "charge", "--format and --out go together");
	if (status != 0 || (st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_charge(st, a.term, &r, &d);
	if (rc == CARD_OK && a.out != NULL)
		rc = charge_table(r, a.term, fmt, a.out, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "charge failed");
		goto out;
	}
	if (cli->json) {
		rows_json_array(stdout, r);
		putchar('\n');
	} else {
		int created = card_rows_count(r) > 0 && strcmp(card_rows_getn(r, 0, "created"), "t") == 0;
		printf("term %s closed; %zu district%s charged%s\n", a.term, card_rows_count(r),
		       card_rows_count(r) == 1 ? "" : "s",
		       card_rows_count(r) == 0 ? "" : created ? "" : " (recorded earlier)");
		if (card_rows_count(r) > 0)
			rows_print(stdout, r, cols, sizeof(cols) / sizeof(cols[0]));
	}
out:
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}
