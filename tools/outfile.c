/*
 * outfile.c -- report files written safely (see outfile.h): exclusive creation in a private
 * directory beside the target, one mode for every format, rename when whole.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

/* The name of the file inside the private directory. */
static const char LEAF[] = "report";

static void outfile_free(struct outfile *o)
{
	free(o->path);
	free(o->dir);
	free(o->tmp);
	memset(o, 0, sizeof(*o));
}

card_err outfile_open(struct outfile *o, const char *path, card_diag *diag)
{
	int fd = -1;
	card_err rc = CARD_ERR_NOMEM;

	memset(o, 0, sizeof(*o));
	o->path = strdup(path);
	if (o->path == NULL || asprintf(&o->dir, "%s.tmpXXXXXX", path) < 0) {
		o->dir = NULL;
		goto fail;
	}
	if (mkdtemp(o->dir) == NULL) {
		int e = errno;
		const char *slash = strrchr(path, '/');
		card_diag_set(diag, "could not create \"%s\": %s", path, strerror(e));
		if (e == ENOENT)
			card_diag_hint(diag, "The folder \"%.*s\" does not exist: create it first.",
			               slash != NULL ? (int)(slash - path) : 1,
			               slash != NULL ? path : ".");
		free(o->dir);
		o->dir = NULL;
		rc = CARD_ERR_IO;
		goto fail;
	}
	if (asprintf(&o->tmp, "%s/%s", o->dir, LEAF) < 0) {
		o->tmp = NULL;
		goto fail;
	}
	fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, OUTFILE_MODE);
	/* The umask may only take bits away; fchmod states the mode whole. */
	if (fd < 0 || fchmod(fd, OUTFILE_MODE) != 0 || (o->f = fdopen(fd, "wb")) == NULL) {
		card_diag_set(diag, "could not create \"%s\": %s", path, strerror(errno));
		rc = CARD_ERR_IO;
		goto fail;
	}
	return CARD_OK;
fail:
	if (fd >= 0 && o->f == NULL)
		close(fd);
	outfile_abort(o);
	return rc;
}

card_err outfile_commit(struct outfile *o, card_diag *diag)
{
	int bad = 0;

	if (o->f != NULL) {
		bad = ferror(o->f);
		if (fclose(o->f) != 0)
			bad = 1;
		o->f = NULL;
	}
	if (bad || rename(o->tmp, o->path) != 0) {
		card_diag_set(diag, "could not write \"%s\": %s", o->path,
		              errno != 0 ? strerror(errno) : "write error");
		outfile_abort(o);
		return CARD_ERR_IO;
	}
	rmdir(o->dir);
	outfile_free(o);
	return CARD_OK;
}

void outfile_abort(struct outfile *o)
{
	if (o->f != NULL)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp != NULL)
		unlink(o->tmp);
	if (o->dir != NULL)
		rmdir(o->dir);
	outfile_free(o);
}
