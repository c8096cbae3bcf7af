/*
 * outfile.h -- how every report file is written (tools/outfile.c): created exclusively in a
 * private directory next to the target, with one file mode, and renamed over the target only
 * when it is whole.  Used by table.c (CSV, XLSX, text, JSON) and html.c (HTML forms).
 */
#ifndef CARD_OUTFILE_H
#define CARD_OUTFILE_H

#include <stdio.h>

#include <card/err.h>

/* The mode of every report file cardctl writes, whatever the format and the umask: the
 * owner's only.  A report holds the names of schools and their counts, not codes, but the
 * database shows a district login only its own district; a report left readable by every
 * account of the machine would show it to the others.  man/cardctl.1 says so ("Report
 * files"). */
#define OUTFILE_MODE 0600

/* A report file being written: tmp is a new file in dir, a directory made by mkdtemp(3) next
 * to path (so nothing another user plants, a symlink least of all, is ever opened or
 * overwritten, and the rename stays on one file system).  f is open on tmp for writing. */
struct outfile {
	char *path, *dir, *tmp;
	FILE *f;
};

/* Create the private directory and the temporary file in it (O_EXCL|O_NOFOLLOW, mode
 * OUTFILE_MODE).  On CARD_OK *o is the caller's until outfile_commit() or outfile_abort();
 * on an error nothing is left behind and diag says why. */
card_err outfile_open(struct outfile *o, const char *path, card_diag *diag);
/* Close o->f (a writer that writes by name, such as libxlsxwriter, may close it first and
 * set it NULL, then write o->tmp) and rename the file over path; the directory goes.  Any
 * write error is reported, and then nothing is left but what was at path before. */
card_err outfile_commit(struct outfile *o, card_diag *diag);
/* Give up: close, remove the temporary file and its directory. */
void outfile_abort(struct outfile *o);

#endif
