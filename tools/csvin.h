/*
 * csvin.h -- reading the CSV files people make with Excel (docs/file-formats.md).
 *
 * Accepts UTF-8 with or without a BOM, or GB18030 (which covers GBK and GB2312): with
 * encoding NULL or "auto", a file that is not valid UTF-8 is converted from GB18030 with
 * iconv; "UTF-8" or "GB18030" (also "GBK", "GB2312", "CP936") forces one.  Parsing is
 * libcsv's, strict: quoted fields, embedded newlines and doubled quotes, CRLF or LF.
 *
 * The first non-blank row is the header.  The caller describes its columns with a table of
 * struct csvin_col; each header cell must name one of them, in Chinese (exact) or English
 * (case-insensitive), in any order.  Header cells that are empty are allowed only if every
 * row leaves that column empty (Excel writes such trailing columns).  Rejected, each with the
 * 1-based physical line number in diag->line and in the message ("FILE:LINE: ..."): a file
 * over CSVIN_MAX_BYTES, invalid encoding, a NUL byte, malformed quoting, an unknown or
 * duplicate column, a missing required column, a row whose field count differs from the
 * header's.  Blank rows (nothing, spaces, or only empty fields) are skipped.  Every field is
 * trimmed of surrounding spaces, tabs and ideographic spaces (U+3000).  Fields are UTF-8.
 *
 * Ownership: csvin_open() returns a reader the caller frees with csvin_close() (NULL is a
 * no-op).  The field pointers csvin_next() hands out belong to the reader and stay valid
 * until the next csvin_next() or csvin_close().  The column table must outlive the reader.
 * Thread-safety: a reader is used by one thread at a time; readers are independent.
 */
#ifndef CARDCTL_CSVIN_H
#define CARDCTL_CSVIN_H

#include <stddef.h>

#include <card/err.h>

#define CSVIN_MAX_BYTES ((size_t)64 << 20) /* largest input file: 64 MiB */

struct csvin;

/* One expected column: its Chinese and English header names, and whether it must appear. */
struct csvin_col {
	const char *zh;
	const char *en;
	int required;
};

/*
 * Open and decode `path` and read its header.  On failure *out is NULL and diag (message,
 * line) says why: CARD_ERR_IO (cannot read), CARD_ERR_INPUT (anything about the content).
 */
card_err csvin_open(const char *path, const char *encoding, const struct csvin_col *cols,
                    size_t ncols, struct csvin **out, card_diag *diag);

/* The same over a buffer in memory (copied; `name` is used in messages).  For tests and
 * the fuzzer; `max` caps len as CSVIN_MAX_BYTES caps a file. */
card_err csvin_open_buffer(const void *data, size_t len, size_t max, const char *name,
                           const char *encoding, const struct csvin_col *cols, size_t ncols,
                           struct csvin **out, card_diag *diag);

/*
 * The next data row.  On CARD_OK with *eof == 0, *fields points at ncols entries in the
 * order of the column table, NULL where the file has no such column, and *lineno (may be
 * NULL) is the physical line the row starts on.  At the end *eof is 1.  Errors:
 * CARD_ERR_INPUT with diag->line set; the reader is then unusable.
 */
card_err csvin_next(struct csvin *c, const char *const **fields, long *lineno, int *eof,
                    card_diag *diag);

/* "UTF-8" or "GB18030": what the file was read as.  Static string. */
const char *csvin_encoding(const struct csvin *c);
/* 1 if the file has column i (of the caller's table), else 0. */
int csvin_has(const struct csvin *c, size_t i);
/* The line number of the header row. */
long csvin_header_line(const struct csvin *c);

void csvin_close(struct csvin *c);

/* A whole file read at once (csvin_open, csvin_next to the end, csvin_close). */
struct csvin_table {
	size_t n;     /* data lines */
	size_t ncols; /* cells a line: the column table's */
	char **cells; /* cells[i * ncols + k]: line i's column k, a copy ("" where absent) */
	long *lines;  /* lines[i]: the physical line it starts on */
};
/* Read every data line of `path`; progress (may be NULL) is called every 1000 lines.  On
 * failure the table holds the lines read so far (csvin_table_free it either way). */
card_err csvin_read_all(const char *path, const char *encoding, const struct csvin_col *cols,
                        size_t ncols, struct csvin_table *t, void (*progress)(void *, size_t),
                        void *ctx, card_diag *diag);
void csvin_table_free(struct csvin_table *t);

#endif
