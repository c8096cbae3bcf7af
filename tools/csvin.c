/*
 * csvin.c -- Excel-style CSV input: decoding (UTF-8, BOM, GB18030 via iconv), libcsv parsing
 * with physical line numbers, and header-to-column mapping.  See csvin.h for the contract.
 *
 * The whole file is read and decoded to UTF-8 first (it is capped at CSVIN_MAX_BYTES), then
 * fed to libcsv one physical line at a time.  Before each line we look at whether the parser
 * is between records: if it is, a record that ends later started on this line.  That is how
 * an error in a row whose quoted field spans lines still names the line the row starts on.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>

#include "csvin.h"

/* libcsv's parser state "between records" (ROW_NOT_BEGUN in libcsv.c, stable since 3.0). */
#define CSV_ROW_NOT_BEGUN 0

struct record {
	long line;
	size_t n;
	char **f;
};

struct csvin {
	char *name; /* for messages */
	char *text; /* the whole file, UTF-8, NUL-terminated */
	size_t len, pos;
	long line;            /* physical line of text[pos] */
	long rec_line;        /* line where the record being parsed started */
	const char *encoding; /* "UTF-8" or "GB18030" */
	struct csv_parser parser;
	int parser_live, finished;
	/* the record being assembled by the callbacks */
	struct record cur;
	size_t cur_cap;
	/* completed records (normally at most one) */
	struct record *queue;
	size_t qhead, qlen, qcap;
	struct record out; /* the record handed out last, freed on the next call */
	int oom;
	/* header */
	const struct csvin_col *cols;
	size_t ncols, nhdr;
	long header_line;
	size_t *map;         /* map[i]: header index of column i, or SIZE_MAX */
	const char **fields; /* ncols pointers handed to the caller */
};

static void record_free(struct record *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->f[i]);
	free(r->f);
	r->f = NULL;
	r->n = 0;
}

/* Set diag to "NAME:LINE: <msg>" and diag->line. */
static card_err fail_at(struct csvin *c, card_diag *d, long line, const char *fmt, ...)
	CARD_PRINTF(4, 5);
static card_err fail_at(struct csvin *c, card_diag *d, long line, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	card_diag_set(d, "%s:%ld: %s", c->name, line, msg);
	if (d != NULL)
		d->line = line;
	return CARD_ERR_INPUT;
}

/* Offset of the first byte that is not part of valid UTF-8 (no overlongs, no surrogates). */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char b = s[i];
		size_t n;
		uint32_t cp;
		if (b < 0x80) {
			i++;
			continue;
		} else if (b >= 0xc2 && b <= 0xdf) {
			n = 1;
			cp = b & 0x1f;
		} else if (b >= 0xe0 && b <= 0xef) {
			n = 2;
			cp = b & 0x0f;
		} else if (b >= 0xf0 && b <= 0xf4) {
			n = 3;
			cp = b & 0x07;
		} else {
			return i;
		}
		if (len - i <= n)
			return i;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

static long line_of(const char *s, size_t off)
{
	long line = 1;
	for (size_t i = 0; i < off; i++)
		line += s[i] == '\n';
	return line;
}

/* Convert GB18030 to UTF-8 into a fresh buffer. */
static card_err from_gb18030(struct csvin *c, const char *src, size_t len, size_t utf8_bad,
                             card_diag *d)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	size_t cap = len * 2 + 16, inleft = len, outleft;
	char *in = (char *)src, *out, *buf = NULL;
	card_err rc = CARD_OK;

	if (cd == (iconv_t)-1) {
		card_diag_set(d, "could not convert from GB18030: %s", strerror(errno));
		return CARD_ERR_IO;
	}
	buf = malloc(cap);
	if (buf == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	out = buf;
	outleft = cap - 1;
	if (iconv(cd, &in, &inleft, &out, &outleft) == (size_t)-1) {
		/* EILSEQ or EINVAL (truncated sequence at the end): the file is neither.  Name
		 * the first line that is not UTF-8: most such files are UTF-8 with a stray byte. */
		long gb_line = line_of(src, (size_t)(in - src));
		rc = fail_at(c, d, line_of(src, utf8_bad < len ? utf8_bad : (size_t)(in - src)),
		             "invalid byte sequence: the file is neither UTF-8 nor GB18030");
		card_diag_detail(d, "Read as GB18030, it fails on line %ld.", gb_line);
		goto out;
	}
	*out = '\0';
	c->text = buf;
	c->len = (size_t)(out - buf);
	/* A BOM written in GB18030 (84 31 95 33) decodes to U+FEFF: drop it. */
	if (c->len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		memmove(buf, buf + 3, c->len - 2);
		c->len -= 3;
	}
	buf = NULL;
out:
	free(buf);
	iconv_close(cd);
	return rc;
}

static int is_gb_name(const char *e)
{
	return strcasecmp(e, "GB18030") == 0 || strcasecmp(e, "GBK") == 0 ||
	       strcasecmp(e, "GB2312") == 0 || strcasecmp(e, "CP936") == 0;
}

static int is_utf8_name(const char *e)
{
	return strcasecmp(e, "UTF-8") == 0 || strcasecmp(e, "UTF8") == 0;
}

/* Decode raw bytes into c->text (UTF-8, no BOM, NUL-terminated, no NUL inside). */
static card_err decode(struct csvin *c, const char *raw, size_t len, const char *enc, card_diag *d)
{
	int bom = len >= 3 && memcmp(raw, "\xef\xbb\xbf", 3) == 0;
	int want_utf8 = enc != NULL && is_utf8_name(enc), want_gb = enc != NULL && is_gb_name(enc);
	const char *nul;
	size_t bad;

	if (enc != NULL && strcasecmp(enc, "auto") != 0 && !want_utf8 && !want_gb) {
		card_diag_set(d, "unsupported encoding \"%s\"", enc);
		card_diag_hint(d, "Use UTF-8 or GB18030.");
		return CARD_ERR_INVALID_ARG;
	}
	nul = memchr(raw, '\0', len);
	if (nul != NULL)
		return fail_at(c, d, line_of(raw, (size_t)(nul - raw)), "file contains a NUL byte");
	if (bom) {
		raw += 3;
		len -= 3;
	}
	bad = want_gb ? 0 : utf8_invalid_at((const unsigned char *)raw, len);
	if (!want_gb && bad == len) {
		c->encoding = "UTF-8";
		c->text = malloc(len + 1);
		if (c->text == NULL)
			return CARD_ERR_NOMEM;
		memcpy(c->text, raw, len);
		c->text[len] = '\0';
		c->len = len;
		return CARD_OK;
	}
	if (want_utf8 || bom)
		return fail_at(c, d, line_of(raw, bad), "invalid byte sequence for encoding UTF-8");
	c->encoding = "GB18030";
	return from_gb18030(c, raw, len, want_gb ? len : bad, d);
}

/* Trim ASCII space/tab/CR/LF and U+3000 (E3 80 80) from both ends; returns a malloc'd copy. */
static char *trimmed(const char *s, size_t n)
{
	char *r;
	for (;;) {
		if (n > 0 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
			s++;
			n--;
		} else if (n >= 3 && memcmp(s, "\xe3\x80\x80", 3) == 0) {
			s += 3;
			n -= 3;
		} else {
			break;
		}
	}
	for (;;) {
		char e = n > 0 ? s[n - 1] : 'x';
		if (e == ' ' || e == '\t' || e == '\r' || e == '\n')
			n--;
		else if (n >= 3 && memcmp(s + n - 3, "\xe3\x80\x80", 3) == 0)
			n -= 3;
		else
			break;
	}
	r = malloc(n + 1);
	if (r != NULL) {
		memcpy(r, s, n);
		r[n] = '\0';
	}
	return r;
}

static void on_field(void *data, size_t len, void *arg)
{
	struct csvin *c = arg;
	char *f;
	if (c->oom)
		return;
	if (c->cur.n == c->cur_cap) {
		size_t cap = c->cur_cap ? c->cur_cap * 2 : 8;
		char **p = realloc(c->cur.f, cap * sizeof(*p));
		if (p == NULL) {
			c->oom = 1;
			return;
		}
		c->cur.f = p;
		c->cur_cap = cap;
	}
	f = trimmed(data != NULL ? data : "", data != NULL ? len : 0);
	if (f == NULL) {
		c->oom = 1;
		return;
	}
	c->cur.f[c->cur.n++] = f;
}

static void on_record(int term, void *arg)
{
	struct csvin *c = arg;
	int blank = 1;
	(void)term;
	for (size_t i = 0; i < c->cur.n; i++)
		blank &= c->cur.f[i][0] == '\0';
	if (blank || c->oom) {
		record_free(&c->cur);
		c->cur_cap = 0;
		return;
	}
	if (c->qlen == c->qcap) {
		size_t cap = c->qcap ? c->qcap * 2 : 4;
		struct record *q = realloc(c->queue, cap * sizeof(*q));
		if (q == NULL) {
			c->oom = 1;
			record_free(&c->cur);
			c->cur_cap = 0;
			return;
		}
		c->queue = q;
		c->qcap = cap;
	}
	c->cur.line = c->rec_line;
	c->queue[c->qlen++] = c->cur;
	c->cur.f = NULL;
	c->cur.n = 0;
	c->cur_cap = 0;
}

/* Feed the next physical line to libcsv (or finish at the end). */
static card_err feed(struct csvin *c, card_diag *d)
{
	size_t start = c->pos, end = start;
	long line = c->line;

	if (c->pos >= c->len) {
		if (csv_fini(&c->parser, on_field, on_record, c) != 0)
			return fail_at(c, d, c->rec_line, "unterminated quoted field");
		c->finished = 1;
		return c->oom ? CARD_ERR_NOMEM : CARD_OK;
	}
	while (end < c->len && c->text[end] != '\n' &&
	       !(c->text[end] == '\r' && end + 1 < c->len && c->text[end + 1] != '\n'))
		end++;
	if (end < c->len)
		end++; /* include the terminator */
	if (c->parser.pstate == CSV_ROW_NOT_BEGUN && c->cur.n == 0)
		c->rec_line = line;
	c->pos = end;
	c->line++;
	if (csv_parse(&c->parser, c->text + start, end - start, on_field, on_record, c) !=
	    end - start)
		return fail_at(c, d, line, "malformed quoted field");
	return c->oom ? CARD_ERR_NOMEM : CARD_OK;
}

/* The next non-blank record into c->out (freeing the previous one); *eof at the end. */
static card_err next_record(struct csvin *c, int *eof, card_diag *d)
{
	card_err rc = CARD_OK;
	record_free(&c->out);
	*eof = 0;
	while (c->qhead == c->qlen) {
		c->qhead = c->qlen = 0;
		if (c->finished) {
			*eof = 1;
			return CARD_OK;
		}
		rc = feed(c, d);
		if (rc != CARD_OK)
			return rc;
	}
	c->out = c->queue[c->qhead++];
	return CARD_OK;
}

static const char *col_label(const struct csvin_col *col, char *buf, size_t len)
{
	snprintf(buf, len, "\"%s\" (%s)", col->zh, col->en);
	return buf;
}

/* "Expected columns: 编码 (code), ..." as the hint of a header error. */
static void expected_hint(const struct csvin *c, card_diag *d)
{
	char buf[sizeof(d->hint)];
	size_t off = 0;
	if (d == NULL)
		return;
	for (size_t i = 0; i < c->ncols && off < sizeof(buf); i++) {
		int n = snprintf(buf + off, sizeof(buf) - off, "%s%s (%s)", i ? ", " : "",
		                 c->cols[i].zh, c->cols[i].en);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	card_diag_hint(d, "Expected columns: %s.", buf);
}

/* Map the header row in c->out to the caller's columns. */
static card_err read_header(struct csvin *c, card_diag *d)
{
	int eof = 0;
	char label[160];
	card_err rc = next_record(c, &eof, d);

	if (rc != CARD_OK)
		return rc;
	if (eof)
		return fail_at(c, d, c->line, "file has no header row");
	c->header_line = c->out.line;
	c->nhdr = c->out.n;
	for (size_t i = 0; i < c->ncols; i++)
		c->map[i] = SIZE_MAX;
	for (size_t h = 0; h < c->out.n; h++) {
		const char *name = c->out.f[h];
		size_t i;
		if (name[0] == '\0')
			continue;
		for (i = 0; i < c->ncols; i++)
			if (strcmp(name, c->cols[i].zh) == 0 ||
			    strcasecmp(name, c->cols[i].en) == 0)
				break;
		if (i == c->ncols) {
			rc = fail_at(c, d, c->header_line, "unknown column \"%.80s\" in header",
			             name);
			expected_hint(c, d);
			return rc;
		}
		if (c->map[i] != SIZE_MAX) {
			rc = fail_at(c, d, c->header_line, "duplicate column %s in header",
			             col_label(&c->cols[i], label, sizeof(label)));
			card_diag_detail(d, "Columns %zu and %zu both name it.", c->map[i] + 1,
			                 h + 1);
			return rc;
		}
		c->map[i] = h;
	}
	for (size_t i = 0; i < c->ncols; i++)
		if (c->cols[i].required && c->map[i] == SIZE_MAX) {
			rc = fail_at(c, d, c->header_line, "missing column %s in header",
			             col_label(&c->cols[i], label, sizeof(label)));
			expected_hint(c, d);
			return rc;
		}
	/* The header's cells are referenced by nothing after this point. */
	record_free(&c->out);
	return CARD_OK;
}

card_err csvin_open_buffer(const void *data, size_t len, size_t max, const char *name,
                           const char *encoding, const struct csvin_col *cols, size_t ncols,
                           struct csvin **out, card_diag *diag)
{
	struct csvin *c = NULL;
	card_err rc = CARD_ERR_NOMEM;

	if (out == NULL || (data == NULL && len > 0) || cols == NULL || ncols == 0)
		return CARD_ERR_INVALID_ARG;
	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto out;
	c->name = strdup(name != NULL ? name : "input");
	c->map = calloc(ncols, sizeof(*c->map));
	c->fields = calloc(ncols, sizeof(*c->fields));
	if (c->name == NULL || c->map == NULL || c->fields == NULL)
		goto out;
	c->cols = cols;
	c->ncols = ncols;
	c->line = 1;
	c->rec_line = 1;
	if (len > max) {
		card_diag_set(diag, "%s: file is too large (%zu bytes; the limit is %zu)", c->name,
		              len, max);
		rc = CARD_ERR_INPUT;
		goto out;
	}
	rc = decode(c, data != NULL ? data : "", len, encoding, diag);
	if (rc != CARD_OK)
		goto out;
	if (csv_init(&c->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	c->parser_live = 1;
	rc = read_header(c, diag);
	if (rc != CARD_OK)
		goto out;
	*out = c;
	c = NULL;
out:
	csvin_close(c);
	return rc;
}

card_err csvin_open(const char *path, const char *encoding, const struct csvin_col *cols,
                    size_t ncols, struct csvin **out, card_diag *diag)
{
	struct stat sb;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = -1;
	card_err rc = CARD_ERR_IO;

	if (path == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		card_diag_set(diag, "could not open \"%s\": %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		card_diag_set(diag, "\"%s\" is not a regular file", path);
		goto out;
	}
	if ((size_t)sb.st_size > CSVIN_MAX_BYTES) {
		card_diag_set(diag, "%s: file is too large (%lld bytes; the limit is %zu)", path,
		              (long long)sb.st_size, CSVIN_MAX_BYTES);
		rc = CARD_ERR_INPUT;
		goto out;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (buf == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	/* Read at most one byte past the cap so a file that grew since fstat is still caught. */
	while ((n = read(fd, buf + len, (size_t)sb.st_size + 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0) {
		card_diag_set(diag, "could not read \"%s\": %s", path, strerror(errno));
		goto out;
	}
	rc = csvin_open_buffer(buf, len, len > (size_t)sb.st_size ? 0 : CSVIN_MAX_BYTES, path,
	                       encoding, cols, ncols, out, diag);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

card_err csvin_next(struct csvin *c, const char *const **fields, long *lineno, int *eof,
                    card_diag *diag)
{
	card_err rc;

	if (c == NULL || fields == NULL || eof == NULL)
		return CARD_ERR_INVALID_ARG;
	rc = next_record(c, eof, diag);
	if (rc != CARD_OK || *eof)
		return rc;
	if (c->out.n != c->nhdr)
		return fail_at(c, diag, c->out.line, "row has %zu field%s, but the header has %zu",
		               c->out.n, c->out.n == 1 ? "" : "s", c->nhdr);
	for (size_t h = 0; h < c->nhdr; h++) {
		int used = 0;
		for (size_t i = 0; i < c->ncols; i++)
			used |= c->map[i] == h;
		if (!used && c->out.f[h][0] != '\0')
			return fail_at(c, diag, c->out.line,
			               "value in column %zu, which has no header", h + 1);
	}
	for (size_t i = 0; i < c->ncols; i++)
		c->fields[i] = c->map[i] == SIZE_MAX ? NULL : c->out.f[c->map[i]];
	*fields = c->fields;
	if (lineno != NULL)
		*lineno = c->out.line;
	return CARD_OK;
}

const char *csvin_encoding(const struct csvin *c)
{
	return c->encoding;
}

int csvin_has(const struct csvin *c, size_t i)
{
	return i < c->ncols && c->map[i] != SIZE_MAX;
}

long csvin_header_line(const struct csvin *c)
{
	return c->header_line;
}

void csvin_close(struct csvin *c)
{
	if (c == NULL)
		return;
	if (c->parser_live)
		csv_free(&c->parser);
	record_free(&c->cur);
	record_free(&c->out);
	for (size_t i = c->qhead; i < c->qlen; i++)
		record_free(&c->queue[i]);
	free(c->queue);
	free(c->text);
	free(c->map);
	free(c->fields);
	free(c->name);
	free(c);
}

card_err csvin_read_all(const char *path, const char *encoding, const struct csvin_col *cols,
                        size_t ncols, struct csvin_table *t, void (*progress)(void *, size_t),
                        void *ctx, card_diag *diag)
{
	struct csvin *in = NULL;
	size_t cap = 0;
	card_err rc = csvin_open(path, encoding, cols, ncols, &in, diag);

	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	while (rc == CARD_OK) {
		const char *const *f;
		long line;
		int eof = 0;
		rc = csvin_next(in, &f, &line, &eof, diag);
		if (rc != CARD_OK || eof)
			break;
		if (t->n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			long *l2 = realloc(t->lines, nc * sizeof(*l2));
			char **c2 = l2 != NULL ? realloc(t->cells, nc * ncols * sizeof(*c2)) : NULL;
			if (l2 != NULL)
				t->lines = l2;
			if (c2 == NULL) {
				rc = CARD_ERR_NOMEM;
				break;
			}
			t->cells = c2;
			cap = nc;
		}
		t->lines[t->n] = line;
		for (size_t k = 0; k < ncols; k++) {
			char *cell = strdup(f[k] != NULL ? f[k] : "");
			t->cells[t->n * ncols + k] = cell;
			if (cell == NULL)
				rc = CARD_ERR_NOMEM;
		}
		t->n++;
		if (progress != NULL && t->n % 1000 == 0)
			progress(ctx, t->n);
	}
	csvin_close(in);
	return rc;
}

void csvin_table_free(struct csvin_table *t)
{
	for (size_t i = 0; t->cells != NULL && i < t->n * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->lines);
	memset(t, 0, sizeof(*t));
}
