/*
 * cmd_ship.c -- cardctl ship, ship show|list|lost, receive: delivery with signed receipts
 * (card/shipment.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "report2.h"
#include "rowsout.h"

static const char SHIP_HELP[] =
	"Usage: cardctl ship --term TERM --to DISTRICT|SCHOOL (--count N | --serials A-B) [--from "
	"DISTRICT] [--address TEXT] [--contact NAME] [--phone TEL] [--json]\n"
	"Usage: cardctl ship --term TERM (--from DISTRICT | --district DISTRICT) (--all-schools | "
	"--schools FILE.csv) [--encoding E] [--json]\n"
	"Usage: cardctl ship show SHIPMENT [--format csv|xlsx|text|json] [--out FILE] [--json]\n"
	"Usage: cardctl ship list --term TERM [--district D] [--json]\n"
	"Usage: cardctl ship lost SHIPMENT --reason TEXT [--json]\n\n"
	"Ship cards to state 'transit' at the destination: from city stock to a district depot,\n"
	"or by courier straight to a school (address, contact and phone recorded; they default\n"
	"to the school's), or with --from DISTRICT from the district depot to one of its schools.\n"
	"From the city, --count takes the lowest serials of the destination district's range of\n"
	"the minted plan; --serials A-B ships exactly that range (inclusive; one serial A is "
	"A-A).\n"
	"Prints the shipment's UUID.\n"
	"A district's batch, one command and one transaction for all its schools: --from DISTRICT\n"
	"ships from the district's depot, --district DISTRICT alone by courier from the city;\n"
	"--all-schools ships each school of the district its approved census (students and\n"
	"teachers) less what it has been shipped already; --schools FILE.csv the counts of a file\n"
	"    学校编码,张数   /   school,count\n"
	"All or nothing: a line refused by the rules of a single shipment refuses the batch, and\n"
	"every problem is listed by its line.\n"
	"Delivery is due 7 days before the term starts; later shipments are flagged late.\n"
	"'ship show' prints the shipping list; with --format or --out, as a report "
	"table:\n" TABLE_FORMAT_HELP "'ship lost' (the city centre, after the receipt) voids the "
	"cards of the shipment that never\n"
	"arrived and are still in transit: lost cards can never be redeemed.  A lost card "
	"somebody\n"
	"redeemed already cannot be voided: it is listed and stays in transit.\n";
static const char RECEIVE_HELP[] =
	"Usage: cardctl receive SHIPMENT --signer NAME --date YYYY-MM-DD --photo FILE [--count N] "
	"[--json]\n"
	"Usage: cardctl receive --term TERM --district D --schools FILE.csv [--encoding E] "
	"[--json]\n\n"
	"Record the receiver's signed, stamped receipt of a shipment.  The photo of the signed\n"
	"receipt (a JPEG or PNG that decodes whole, at most 10000 pixels each way, or a PDF; at\n"
	"most 10 MiB) is stored with its SHA-256 and pixel size; there is no receipt without it.\n"
	"--count is the number of cards counted (default: as shipped); a different count is\n"
	"recorded as the receipt's discrepancy and the cards not counted\n"
	"stay in transit under the shipment for the adjustment (or 'ship lost').  Prints the\n"
	"receipt's UUID.\n"
	"--schools FILE.csv records the receipts of many schools of district D at once, all or\n"
	"nothing (every problem listed by its line), one line per receipt:\n"
	"    学校编码,签收日期,签收人,照片[,实收张数][,发货单号]\n"
	"    school,date,signer,photo[,count][,shipment]\n"
	"Each receipt is for the shipment to that school (or the district's depot) not yet\n"
	"received; name it in the shipment column when there are several.  A photo's path is\n"
	"taken from the folder of the file; each photo is checked as --photo is.\n";

static const struct cli_spec SHIP = {
	"ship",
	SHIP_HELP,
	"term to from count serials address contact phone district schools all-schools encoding",
	NULL,
	0,
	NULL,
	0
};
static const struct cli_spec SHIP_SHOW = { "ship show", SHIP_HELP, "", NULL, -1, NULL, CLI_TABLE };
static const struct cli_spec SHIP_LIST = { "ship list", SHIP_HELP, "term district", "term", 0,
	                                   NULL,        0 };
static const struct cli_spec SHIP_LOST = { "ship lost", SHIP_HELP, "reason", NULL, -1, NULL, 0 };
static const struct cli_spec RECEIVE = {
	"receive", RECEIVE_HELP, "signer date photo count term district schools encoding",
	NULL,      -1,           NULL,
	0
};

static int ship_do(struct cli *cli, int argc, char **argv)
{
	struct cli_args a;
	card_ship_req q = { 0 };
	card_rows *r = NULL;
	card_store *st = NULL;
	char doc[CARD_UUID_BUFSZ];
	card_diag d;
	card_err rc;
	long long v;
	int status = cli_parse(cli, &SHIP, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0)
		goto out;
	if (a.schools != NULL || a.all_schools) {
		status = district_ship(cli, &a);
		goto out;
	}
	if (a.district != NULL || a.encoding != NULL) {
		status = cli_usage(cli, "ship",
		                   "--district and --encoding are for a district's batch "
		                   "(--all-schools or --schools FILE)");
		goto out;
	}
	if (a.term == NULL || a.to == NULL || (a.count == NULL) == (a.serials == NULL)) {
		status = cli_usage(cli, "ship",
		                   "--term, --to and one of --count or --serials are required");
		goto out;
	}
	q.term = a.term;
	q.to = a.to;
	q.from = a.from;
	q.address = a.address;
	q.contact = a.contact;
	q.phone = a.phone;
	if (a.count != NULL) {
		if (cli_parse_long(a.count, 1, 100000000LL, &v) != 0) {
			status = cli_usage(cli, "ship",
			                   "--count wants a positive number, got \"%s\"", a.count);
			goto out;
		}
		q.count = v;
	} else {
		uint64_t f, l;
		if (cli_parse_serials(a.serials, &f, &l) != 0) {
			status = cli_usage(cli, "ship", CLI_SERIALS_USAGE, "--serials", a.serials);
			goto out;
		}
		q.first = (long long)f;
		q.last = (long long)l;
	}
	if ((st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_ship(st, &q, doc, &r, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "ship failed");
		goto out;
	}
	if (cli->json) {
		json_line(json_pack("{s:s, s:o}", "shipment", doc, "result", row_json(r, 0)));
	} else {
		printf("shipment %s: %s cards to %s%s, serials %s\n", doc, row_text(r, 0, "count"),
		       a.to, row_bool(r, 0, "courier") ? " by courier" : "",
		       row_text(r, 0, "ranges"));
		if (row_bool(r, 0, "late"))
			printf("LATE: delivery was due %s\n", row_text(r, 0, "due"));
	}
out:
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

static int ship_show(struct cli *cli, int argc, char **argv)
{
	static const struct table_col tcols[] = {
		{ "发货单号", TABLE_TEXT },     { "发货单位", TABLE_TEXT },
		{ "收货单位编码", TABLE_TEXT }, { "收货单位", TABLE_TEXT },
		{ "起始卡号", TABLE_TEXT },     { "终止卡号", TABLE_TEXT },
		{ "张数", TABLE_INT },          { "发货日期", TABLE_DATE },
		{ "应到日期", TABLE_DATE },     { "地址", TABLE_TEXT },
		{ "联系人", TABLE_TEXT },       { "电话", TABLE_TEXT },
		{ "签收人", TABLE_TEXT },       { "签收日期", TABLE_DATE },
		{ "实收张数", TABLE_INT },
	};
	static const char *names[] = { "id",           "from_name",   "to_org",  "to_name",
		                       "first_serial", "last_serial", "cards",   "shipped_on",
		                       "due",          "address",     "contact", "phone",
		                       "signer",       "signed_on",   "counted" };
	static const struct rows_col cols[] = {
		{ "first_serial", "first serial" },
		{ "last_serial", "last serial" },
		{ "cards", "cards" },
	};
	struct cli_args a;
	card_rows *r = NULL;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	char title[128], tname[CARD_TERM_NAME_BUFSZ];
	int status = cli_parse(cli, &SHIP_SHOW, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0)
		goto out;
	if (a.nargs != 1) {
		status = cli_usage(cli, "ship", "ship show wants one SHIPMENT");
		goto out;
	}
	if ((st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_shipment_get(st, a.rest[0], &r, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "ship show failed");
		goto out;
	}
	if (a.format != NULL || a.out != NULL) {
		snprintf(title, sizeof(title), "发货清单 %s %s",
		         form_term(row_text(r, 0, "term"), tname), a.rest[0]);
		rc = rows_report(r, title, "发货清单", tcols, names,
		                 sizeof(names) / sizeof(names[0]), a.fmt, a.out, &d);
		if (rc != CARD_OK)
			status = cli_fail(cli, rc, &d, "ship show failed");
	} else if (cli->json) {
		json_line(json_pack("{s:o, s:o}", "shipment", row_json(r, 0), "ranges",
		                    rows_json(r)));
	} else {
		printf("shipment %s, term %s\nfrom %s %s to %s %s%s\n", a.rest[0],
		       row_text(r, 0, "term"), row_text(r, 0, "from_org"),
		       row_text(r, 0, "from_name"), row_text(r, 0, "to_org"),
		       row_text(r, 0, "to_name"), row_bool(r, 0, "courier") ? " by courier" : "");
		if (row_bool(r, 0, "courier"))
			printf("address %s, contact %s, phone %s\n", row_text(r, 0, "address"),
			       row_text(r, 0, "contact"), row_text(r, 0, "phone"));
		printf("%s cards shipped %s (due %s)%s\n", row_text(r, 0, "count"),
		       row_text(r, 0, "shipped_on"), row_text(r, 0, "due"),
		       row_bool(r, 0, "late") ? " LATE" : "");
		rows_print(stdout, r, cols, 3);
		if (row_text(r, 0, "receipt")[0] != '\0') {
			/* The pixel size: none for a PDF or a receipt recorded before it was kept. */
			char size[48] = "";

			if (!row_null(r, 0, "photo_width"))
				snprintf(size, sizeof(size), " %sx%s pixels,",
				         row_text(r, 0, "photo_width"),
				         row_text(r, 0, "photo_height"));
			printf("received: receipt %s signed by %s on %s, %s cards counted "
			       "(discrepancy %s), photo %s%s sha256 %s\n",
			       row_text(r, 0, "receipt"), row_text(r, 0, "signer"),
			       row_text(r, 0, "signed_on"), row_text(r, 0, "counted"),
			       row_text(r, 0, "discrepancy"), row_text(r, 0, "photo_type"), size,
			       row_text(r, 0, "photo_sha256"));
		} else
			printf("not received yet\n");
	}
out:
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

static int ship_list(struct cli *cli, int argc, char **argv)
{
	static const struct rows_col cols[] = {
		{ "id", "shipment" },
		{ "from_org", "from" },
		{ "to_org", "to" },
		{ "count", "count" },
		{ "shipped_on", "shipped" },
		{ "late", "late" },
		{ "received", "received" },
		{ "counted", "counted" },
		{ "discrepancy", "discrepancy" },
	};
	struct cli_args a;
	card_rows *r = NULL;
	card_store *st = NULL;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &SHIP_LIST, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0)
		goto out;
	if ((st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_shipment_list(st, a.term, a.district, &r, &d);
	if (rc != CARD_OK)
		status = cli_fail(cli, rc, &d, "ship list failed");
	else if (cli->json) {
		rows_json_array(stdout, r);
		printf("\n");
	} else
		rows_print(stdout, r, cols, sizeof(cols) / sizeof(cols[0]));
out:
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

static int ship_lost(struct cli *cli, int argc, char **argv)
{
	static const struct rows_col cols[] = {
		{ "org", "org" },          { "state", "state" },
		{ "count", "cards" },      { "first_serial", "first" },
		{ "last_serial", "last" },
	};
	struct cli_args a;
	card_rows *r = NULL;
	card_store *st = NULL;
	char doc[CARD_UUID_BUFSZ];
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &SHIP_LOST, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0)
		goto out;
	if (a.nargs != 1) {
		status = cli_usage(cli, "ship", "ship lost wants one SHIPMENT");
		goto out;
	}
	if (a.reason == NULL) {
		status = cli_usage(cli, "ship", "--reason TEXT is required");
		goto out;
	}
	if ((st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_transit_loss(st, a.rest[0], a.reason, doc, &r, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "ship lost failed");
		goto out;
	}
	if (cli->json) {
		json_line(json_pack("{s:s, s:s, s:o}", "document", doc, "shipment", a.rest[0],
		                    "ranges", rows_json(r)));
	} else {
		long long n[2] = { 0, 0 }; /* void, redeemed */
		for (size_t i = 0; i < card_rows_count(r); i++)
			n[strcmp(row_text(r, i, "state"), "void") != 0] += row_int(r, i, "count");
		printf("%s\n%lld card%s of shipment %s lost in transit: void, never redeemable\n",
		       doc, n[0], n[0] == 1 ? "" : "s", a.rest[0]);
		if (n[1] > 0)
			printf("%lld lost card%s redeemed already, left in transit: look into them "
			       "(card show)\n",
			       n[1], n[1] == 1 ? " was" : "s were");
		rows_print(stdout, r, cols, sizeof(cols) / sizeof(cols[0]));
	}
out:
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}

int cmd_ship(struct cli *cli, int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "show") == 0)
		return ship_show(cli, argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "list") == 0)
		return ship_list(cli, argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "lost") == 0)
		return ship_lost(cli, argc - 1, argv + 1);
	return ship_do(cli, argc, argv);
}

int cmd_receive(struct cli *cli, int argc, char **argv)
{
	static const struct rows_col cols[] = {
		{ "shipped", "shipped" },   { "counted", "counted" },
		{ "received", "received" }, { "discrepancy", "discrepancy" },
		{ "late", "late" },
	};
	struct cli_args a;
	card_rows *r = NULL;
	card_store *st = NULL;
	char doc[CARD_UUID_BUFSZ];
	long long count = -1;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &RECEIVE, argc, argv, &a);

	card_diag_clear(&d);
	if (status != 0)
		goto out;
	if (a.schools != NULL) {
		status = district_receive(cli, &a);
		goto out;
	}
	if (a.term != NULL || a.district != NULL || a.encoding != NULL) {
		status =
			cli_usage(cli, "receive",
		                  "--term, --district and --encoding are for a district's receipts "
		                  "(--schools FILE)");
		goto out;
	}
	if (a.nargs != 1 || a.signer == NULL || a.date == NULL) {
		status = cli_usage(cli, "receive", "SHIPMENT, --signer and --date are required");
		goto out;
	}
	if (a.count != NULL && cli_parse_long(a.count, 0, 100000000LL, &count) != 0) {
		status = cli_usage(cli, "receive", "--count wants a number, got \"%s\"", a.count);
		goto out;
	}
	if ((st = cli_store(cli, &status)) == NULL)
		goto out;
	rc = card_receive(st, a.rest[0], a.signer, a.date, count, a.photo, doc, &r, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "receive failed");
		goto out;
	}
	if (cli->json) {
		json_line(json_pack("{s:s, s:o}", "receipt", doc, "result", row_json(r, 0)));
	} else {
		if (row_null(r, 0, "photo_width"))
			printf("receipt %s of shipment %s, photo sha256 %s\n", doc, a.rest[0],
			       row_text(r, 0, "sha256"));
		else
			printf("receipt %s of shipment %s, photo %sx%s pixels, sha256 %s\n", doc,
			       a.rest[0], row_text(r, 0, "photo_width"),
			       row_text(r, 0, "photo_height"), row_text(r, 0, "sha256"));
		rows_print(stdout, r, cols, sizeof(cols) / sizeof(cols[0]));
		if (row_int(r, 0, "discrepancy") != 0)
			printf("DISCREPANCY: %s cards; open for adjustment\n",
			       row_text(r, 0, "discrepancy"));
	}
out:
	card_rows_free(r);
	card_store_close(st);
	return status < 0 ? EXIT_OK_ : status;
}
