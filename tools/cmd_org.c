/*
 * cmd_org.c -- cardctl org import|list: the organisations (city centre, districts, schools).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "rowsout.h"
#include "csvin.h"

static const char IMPORT_HELP[] =
	"Usage: cardctl org import [--encoding ENC] [--json] FILE.csv\n\n"
	"Import the organisations of FILE.csv (UTF-8 with or without BOM, or GB18030), all in one\n"
	"transaction.  Columns, in any order, by Chinese or English name:\n"
	"  编码 code, 名称 name, 类型 kind (市/区/校 or city/district/school), 上级编码 parent,\n"
	"  and optionally 地址 address, 联系人 contact, 电话 phone (for courier delivery).\n"
	"Parents may come later in the file.  Rejected with the line number, changing nothing:\n"
	"bad encoding or columns, unknown parents, duplicate codes, a school under the city, a\n"
	"district under a district, a second city centre, a change of kind or parent of an\n"
	"organisation that already has cards.  Importing the same file again is a no-op.\n"
	"  --encoding ENC   UTF-8 or GB18030 (default: detect)\n";
static const char LIST_HELP[] = "Usage: cardctl org list [--district CODE] [--json]\n\n"
				"List the organisations, or one district and its schools.\n";

static const struct csvin_col ORG_COLS[] = {
	{ "编码", "code", 1 },       { "名称", "name", 1 },    { "类型", "kind", 1 },
	{ "上级编码", "parent", 1 }, { "地址", "address", 0 }, { "联系人", "contact", 0 },
	{ "电话", "phone", 0 },
};
#define ORG_NCOLS (sizeof(ORG_COLS) / sizeof(ORG_COLS[0]))

struct rows {
	card_org_row *v;
	size_t n, cap;
};

static void rows_free(struct rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const char *f[7] = { r->v[i].code,    r->v[i].name,    r->v[i].kind, r->v[i].parent,
			             r->v[i].address, r->v[i].contact, r->v[i].phone };
		for (size_t k = 0; k < 7; k++)
			free((char *)f[k]);
	}
	free(r->v);
}

static char *dup_field(const char *s, int *oom)
{
	char *d;
	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*oom = 1;
	return d;
}

/* Read the whole file into rows (the import is one server-side call). */
static card_err read_rows(const char *path, const char *enc, struct rows *out,
                          const char **encoding, card_diag *d)
{
	struct csvin *c = NULL;
	card_err rc = csvin_open(path, enc, ORG_COLS, ORG_NCOLS, &c, d);
	int eof = 0, oom = 0;

	while (rc == CARD_OK) {
		const char *const *f;
		card_org_row *row;
		long line;
		rc = csvin_next(c, &f, &line, &eof, d);
		if (rc != CARD_OK || eof)
			break;
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 64;
			card_org_row *v = realloc(out->v, cap * sizeof(*v));
			if (v == NULL) {
				rc = CARD_ERR_NOMEM;
				break;
			}
			out->v = v;
			out->cap = cap;
		}
		row = &out->v[out->n++];
		row->line = line;
		row->code = dup_field(f[0], &oom);
		row->name = dup_field(f[1], &oom);
		row->kind = dup_field(f[2], &oom);
		row->parent = dup_field(f[3], &oom);
		row->address = dup_field(f[4], &oom);
		row->contact = dup_field(f[5], &oom);
		row->phone = dup_field(f[6], &oom);
		if (oom)
			rc = CARD_ERR_NOMEM;
	}
	if (c != NULL)
		*encoding = csvin_encoding(c);
	csvin_close(c);
	return rc;
}

static int org_import(struct cli *cli, int argc, char **argv)
{
	static const struct cli_spec spec = { "org import",
		                              IMPORT_HELP,
		                              "encoding",
		                              NULL,
		                              1,
		                              "exactly one FILE.csv is required",
		                              0 };
	struct cli_args o;
	struct rows rows = { 0 };
	card_org_import_result res;
	card_store *st = NULL;
	const char *enc = NULL, *path, *encoding = "";
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &spec, argc, argv, &o);

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	enc = o.encoding;
	path = o.rest[0];
	card_diag_clear(&d);
	rc = read_rows(path, enc, &rows, &encoding, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "could not read the file");
		goto out;
	}
	st = cli_store(cli, &status);
	if (st == NULL)
		goto out;
	rc = card_org_import(st, rows.v, rows.n, &res, &d);
	if (rc != CARD_OK) {
		/* The server says "line N: ..."; say which file, as the CSV reader does. */
		if (d.line > 0 && strncmp(d.message, "line ", 5) == 0) {
			const char *rest = strchr(d.message, ':');
			char msg[sizeof(d.message)];
			snprintf(msg, sizeof(msg), "%s:%ld%s", path, d.line,
			         rest != NULL ? rest : "");
			memcpy(d.message, msg, sizeof(msg));
		}
		status = cli_fail(cli, rc, &d, "could not import organisations");
		if (rc != CARD_ERR_DB_UNAVAILABLE)
			fprintf(stderr, "Nothing was changed.\n");
		goto out;
	}
	if (cli->json)
		json_line(json_pack("{s:I, s:I, s:I, s:I, s:s}", "rows", (json_int_t)rows.n,
		                    "inserted", (json_int_t)res.inserted, "updated",
		                    (json_int_t)res.updated, "unchanged", (json_int_t)res.unchanged,
		                    "encoding", encoding));
	else
		printf("%zu organisations read (%s): %zu new, %zu updated, %zu unchanged\n", rows.n,
		       encoding, res.inserted, res.updated, res.unchanged);
out:
	card_store_close(st);
	rows_free(&rows);
	return status;
}

static int org_list(struct cli *cli, int argc, char **argv)
{
	static const struct cli_spec spec = { "org list", LIST_HELP, "district", NULL, 0, NULL, 0 };
	struct cli_args args;
	const char *district;
	json_t *all = NULL;
	card_org *list = NULL;
	card_store *st;
	size_t n = 0;
	card_diag d;
	card_err rc;
	int status = cli_parse(cli, &spec, argc, argv, &args);

	if (status != 0)
		return status < 0 ? EXIT_OK_ : status;
	district = args.district;
	st = cli_store(cli, &status);
	if (st == NULL)
		return status;
	card_diag_clear(&d);
	rc = card_org_list(st, district, &list, &n, &d);
	if (rc != CARD_OK) {
		status = cli_fail(cli, rc, &d, "could not list organisations");
		goto out;
	}
	if (cli->json)
		all = json_array();
	for (size_t i = 0; i < n; i++) {
		const card_org *o = &list[i];
		if (cli->json) {
			json_array_append_new(
				all,
				json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}",
			                  "code", o->code, "name", o->name, "kind", o->kind,
			                  "parent", o->parent, "district", o->district, "address",
			                  o->address, "contact", o->contact, "phone", o->phone));
		} else {
			printf("%-12s %-8s %-12s %s\n", o->code, o->kind,
			       o->parent != NULL ? o->parent : "-", o->name);
		}
	}
	if (cli->json)
		json_line(all);
	if (district != NULL && n == 0) {
		cli_error(cli, "no district \"%s\"", district);
		status = EXIT_REJECTED;
	}
out:
	card_org_list_free(list, n);
	card_store_close(st);
	return status;
}

int cmd_org(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "import", org_import, "import organisations from a CSV file" },
		{ "list", org_list, "list organisations" },
		{ NULL, NULL, NULL },
	};
	return cli_dispatch(cli, "org", cmds, argc - 1, argv + 1);
}
