/*
 * report.h -- what the `cardctl report` forms share: their common options
 * (--term, --district, --format, --out).  Part 2 of the workflow adds its forms in
 * cmd_report.c (or its own file) with report_parse() and rowsout.h/table.h.
 */
#ifndef CARDCTL_REPORT_H
#define CARDCTL_REPORT_H

#include "cli.h"
#include "table.h"

struct report_args {
	const char *term, *district, *format, *out;
	enum table_format fmt;
};

/* Parse --term (required), --district, --format csv|xlsx (required), --out.
 * Returns -1 after --help (help printed), else 0 or an exit status. */
int report_parse(struct cli *cli, const char *cmd, const char *help, int argc, char **argv,
                 struct report_args *a);

#endif
