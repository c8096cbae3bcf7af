/*
 * photo.c -- the photo of a signed receipt, shared by every step that records one: part 1's
 * receipts of shipments (shipment.c, card_receive) and part 2's returns and supplements
 * (reconcile.c).  The type is checked by magic bytes (JPEG, PNG, PDF), the size capped at
 * CARD_PHOTO_MAX; card.receipt_check (sql/functions/reconcile.sql) checks again.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <card/shipment.h>

#include "photo_int.h"

/* Read the whole file (after fstat: a regular file of 1..CARD_PHOTO_MAX bytes, so nothing
 * larger is read or sent) and hex-encode it for libpq's text bytea input.  What a receipt
 * photo must be is the server's rule, card.receipt_check.  The buffer is ours and freed here;
 * *hex goes to the caller only on CARD_OK. */
card_err photo_read_hex(const char *path, char **hex, card_diag *diag)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char *buf = NULL;
	struct stat sb;
	FILE *f = NULL;
	size_t n = 0;
	card_err rc = CARD_ERR_INPUT;

	*hex = NULL;
	if (path == NULL) {
		card_diag_set(diag, "no receipt without the photo of the signed receipt");
		card_diag_hint(diag, "Give --photo FILE (JPEG, PNG or PDF).");
		goto out;
	}
	f = fopen(path, "rb");
	if (f == NULL || fstat(fileno(f), &sb) != 0) {
		card_diag_set(diag, "could not open photo \"%s\": %s", path, strerror(errno));
		rc = CARD_ERR_IO;
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size == 0 || (size_t)sb.st_size > CARD_PHOTO_MAX) {
		card_diag_set(diag, "photo \"%s\" is %s", path,
		              !S_ISREG(sb.st_mode) ? "not a regular file"
		              : sb.st_size == 0    ? "empty"
		                                   : "too large");
		card_diag_detail(diag, "The limit is %zu bytes.", CARD_PHOTO_MAX);
		goto out;
	}
	buf = malloc((size_t)sb.st_size);
	if (buf == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	n = fread(buf, 1, (size_t)sb.st_size, f);
	if (n != (size_t)sb.st_size) {
		card_diag_set(diag, "could not read photo \"%s\"", path);
		rc = CARD_ERR_IO;
		goto out;
	}
	*hex = malloc(2 * n + 3);
	if (*hex == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	(*hex)[0] = '\\';
	(*hex)[1] = 'x';
	for (size_t i = 0; i < n; i++) {
		(*hex)[2 + 2 * i] = digits[buf[i] >> 4];
		(*hex)[3 + 2 * i] = digits[buf[i] & 15];
	}
	(*hex)[2 + 2 * n] = '\0';
	rc = CARD_OK;
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	return rc;
}
