/*
 * cmd_batch_print.c -- cardctl batch export|verify: the print vendor's file and its signed
 * manifest (docs/print-file.md).  The work is in libcard (card/printfile.h); here are the
 * options, the progress bar, and SIGINT/SIGTERM turned into a clean cancellation.
 */
#include "config.h"

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "rowsout.h"
#include "qrsvg.h"

static const char EXPORT_HELP[] =
	"Usage: cardctl batch export BATCH --keyring FILE --out OUT.csv [--range A-B | --district "
	"D] [--qr BASE_URL] [--json]\n\n"
	"Write the print vendor's file of BATCH (or of its serials A to B; --range A alone is one\n"
	"card): UTF-8 CSV with the header serial,code,batch,term, mode 0600, plus\n"
	"OUT.csv.manifest with the row count, the SHA-256 of the file, the batch, term and range,\n"
	"signed with Ed25519 by the signing key FILE.sign beside the keyring (made on first use,\n"
	"mode 0600; its public half is written to FILE.sign.pub).  The file appears under its\n"
	"name only when complete.\n"
	"--district D exports only D's range of the minted plan (cardctl plan show).  --qr adds\n"
	"a last column qr: the SVG of a QR code of BASE_URL/?code=CODE for each card.\n";
static const char VERIFY_HELP[] =
	"Usage: cardctl batch verify FILE.csv (--keyring FILE | --pubkey PEM) [--json]\n\n"
	"Check FILE.csv against FILE.csv.manifest: the signature, the SHA-256 and the row count,\n"
	"and every row: serial in order inside the signed range, batch and term as signed, and\n"
	"(with --keyring) the code valid and decoding to its serial.  With --pubkey (the vendor's\n"
	"case, no MAC keys) codes are checked for form and check symbol only.  When the database\n"
	"is reachable the range is also checked against the batch as minted.  Exit status 0 when\n"
	"everything matches, 2 on any mismatch.\n";

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct progress_arg {
	struct cli_progress bar;
};

static int progress(void *arg, uint64_t done, uint64_t total)
{
	struct progress_arg *p = arg;
	(void)total;
	cli_progress(&p->bar, done);
	return interrupted;
}

static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int batch_export(struct cli *cli, int argc, char **argv)
{
	static const struct cli_spec spec = { "batch export",
		                              EXPORT_HELP,
		                              "keyring out range qr district",
		                              NULL,
		                              1,
		                              "exactly one BATCH is required",
		                              0 };
	struct cli_args o;
	const char *keyring = NULL, *outpath = NULL, *district = NULL;
	char *qr = NULL;
	card_print_extra qrcol = { "qr", QRSVG_MAX, qrsvg_cell, NULL };
	uint64_t a = 0, b = 0;
	int have_range = 0, status = EXIT_OK_;
	card_keyring *kr = NULL;
	card_signer *sk = NULL;
	card_store *st = NULL;
	card_print_manifest m;
	struct progress_arg pa;
	card_batch batch;
	card_diag d;
	card_err rc;

	status = cli_parse(cli, &spec, argc, argv, &o);
	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	keyring = o.keyring;
	outpath = o.out;
	district = o.district;
	if (o.range != NULL) {
		if (cli_parse_serials(o.range, &a, &b) != 0)
			return cli_usage(cli, "batch export", CLI_SERIALS_USAGE, "--range",
			                 o.range);
		have_range = 1;
	}
	if (o.qr != NULL) {
		if (qrsvg_base_ok(o.qr) != 0)
			return cli_usage(
				cli, "batch export",
				"--qr wants an http(s) URL without ?, #, quotes or spaces");
		qr = (char *)o.qr; /* argv is ours: drop a trailing '/' */
		if (qr[strlen(qr) - 1] == '/')
			qr[strlen(qr) - 1] = '\0';
		qrcol.arg = qr;
	}
	if (keyring == NULL || outpath == NULL)
		return cli_usage(cli, "batch export", "--keyring and --out are required");
	card_diag_clear(&d);
	kr = cli_keyring(cli, keyring, &status);
	if (kr == NULL)
		return status;
	rc = card_signer_open(keyring, 1, &sk, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "could not open the signing key");
		goto out;
	}
	st = cli_store(cli, &status);
	if (st == NULL)
		goto out;
	rc = card_batch_get(st, o.rest[0], &batch, &d);
	if (rc == CARD_OK && district != NULL) { /* D's range of the minted plan */
		status = cmd_batch_district_range(cli, st, &batch, district, &have_range, &a, &b);
		if (status != EXIT_OK_)
			goto out;
	}
	card_store_close(st); /* nothing more from the database: export is offline work */
	st = NULL;
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "could not read the batch");
		goto out;
	}
	if (!have_range) {
		a = batch.first_serial;
		b = batch.first_serial + batch.count - 1;
	} else if (a < batch.first_serial || b >= batch.first_serial + batch.count) {
		cli_error(cli,
		          "range %" PRIu64 "-%" PRIu64 " is not inside batch %s (serials %" PRIu64
		          "-%" PRIu64 ")",
		          a, b, batch.id, batch.first_serial, batch.first_serial + batch.count - 1);
		status = EXIT_REJECTED;
		goto out;
	}
	catch_signals();
	cli_progress_start(&pa.bar, cli, "export", b - a + 1);
	rc = card_print_export(kr, sk, &batch, a, b - a + 1, outpath, qr != NULL ? &qrcol : NULL,
	                       progress, &pa, &m, &d);
	cli_progress_end(&pa.bar);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "export failed");
		if (interrupted)
			fprintf(stderr, "No file was left under \"%s\".\n", outpath);
		goto out;
	}
	if (cli->json) {
		json_line(json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:s}", "file", outpath, "batch",
		                    m.batch, "rows", (json_int_t)m.rows, "first_serial",
		                    (json_int_t)m.first_serial, "last_serial",
		                    (json_int_t)m.last_serial, "sha256", m.sha256, "signer",
		                    m.signer));
	} else
		printf("%s: %" PRIu64 " cards of batch %s (serials %" PRIu64 "-%" PRIu64
		       "), sha256 %s\n"
		       "%s.manifest: signed by %s\n",
		       outpath, m.rows, m.batch, m.first_serial, m.last_serial, m.sha256, outpath,
		       m.signer);
out:
	card_store_close(st);
	card_signer_free(sk);
	card_keyring_free(kr);
	return status;
}

/* With the database reachable, the signed range must lie in the batch as minted. */
static int check_db(struct cli *cli, const card_print_manifest *m, int *checked)
{
	card_store *st = NULL;
	card_batch b;
	card_diag d;
	card_err rc;

	*checked = 0;
	card_diag_clear(&d);
	rc = card_store_open(cli->db, &st, &d);
	if (rc == CARD_ERR_DB_UNAVAILABLE) {
		if (!cli->json)
			fprintf(stderr,
			        "%s: database not reachable; the range was checked against the "
			        "signed manifest only\n",
			        cli->prog);
		return EXIT_OK_;
	}
	if (rc == CARD_OK)
		rc = card_batch_get(st, m->batch, &b, &d);
	if (rc == CARD_OK)
		rc = card_print_check_batch(m, &b, &d);
	card_store_close(st);
	if (rc != CARD_OK)
		return cli_fail(cli, rc, &d, "could not check the batch");
	*checked = 1;
	return EXIT_OK_;
}

int batch_verify(struct cli *cli, int argc, char **argv)
{
	static const struct cli_spec spec = { "batch verify",
		                              VERIFY_HELP,
		                              "keyring pubkey",
		                              NULL,
		                              1,
		                              "exactly one FILE.csv is required",
		                              0 };
	struct cli_args o;
	const char *keyring, *pubkey, *file;
	card_keyring *kr = NULL;
	card_signer *pk = NULL;
	card_print_manifest m;
	struct progress_arg pa;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &spec, argc, argv, &o), db_checked = 0;

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	keyring = o.keyring;
	pubkey = o.pubkey;
	file = o.rest[0];
	if ((keyring == NULL) == (pubkey == NULL))
		return cli_usage(cli, "batch verify",
		                 "give --keyring FILE or --pubkey PEM (one of them)");
	card_diag_clear(&d);
	if (keyring != NULL) {
		kr = cli_keyring(cli, keyring, &status);
		if (kr == NULL)
			return status;
		rc = card_signer_open(keyring, 0, &pk, &d);
	} else {
		rc = card_signer_load_public(pubkey, &pk, &d);
	}
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "could not open the signing key");
		goto out;
	}
	catch_signals();
	cli_progress_start(&pa.bar, cli, "verify", 0);
	rc = card_print_verify(file, kr, pk, progress, &pa, &m, &d);
	cli_progress_end(&pa.bar);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "verification failed");
		if (rc == CARD_ERR_REJECTED)
			fprintf(stderr, "REJECTED: do not print %s.\n", file);
		goto out;
	}
	status = check_db(cli, &m, &db_checked);
	if (status != EXIT_OK_)
		goto out;
	if (cli->json) {
		json_line(json_pack("{s:s, s:b, s:I, s:s, s:s, s:I, s:I, s:s, s:b}", "file", file,
		                    "ok", 1, "rows", (json_int_t)m.rows, "batch", m.batch, "term",
		                    m.term, "first_serial", (json_int_t)m.first_serial,
		                    "last_serial", (json_int_t)m.last_serial, "codes_checked",
		                    kr != NULL ? "mac" : "form", "database_checked", db_checked));
	} else
		printf("%s: OK, %" PRIu64 " cards of batch %s (%s, serials %" PRIu64 "-%" PRIu64
		       "); signature, "
		       "SHA-256 and count match; codes %s%s\n",
		       file, m.rows, m.batch, m.term, m.first_serial, m.last_serial,
		       kr != NULL ? "valid" : "well formed (no MAC key given)",
		       db_checked ? "; range matches the database" : "");
out:
	card_signer_free(pk);
	card_keyring_free(kr);
	return status;
}
