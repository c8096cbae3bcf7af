/*
 * printfile.c -- writing and checking the print vendor's file of a batch (card/printfile.h).
 *
 * Export is built for speed: one codec (a keyed HMAC context per key, no key schedule per
 * code), rows assembled with memcpy into a 1 MiB buffer (the serial as a decimal counter, no
 * printf), SHA-256 updated per buffer as it is written, and no database work at all.  The
 * file goes to a temporary name (mkstemp: mode 0600) and is renamed into place after its
 * signed manifest, so the final name never holds a partial file.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <card/code.h>
#include "printfile_int.h"

#define BUF_SIZE (1u << 20)
#define PROGRESS_EVERY 65536
#define LINE_MAX_ 256
#define EXTRA_MAX_ (64u << 10) /* largest extra cell (a QR code's SVG is a few KiB) */

static const char HEADER[] = "serial,code,batch,term\n";

struct sink {
	int fd;
	char *buf;
	size_t len;
	EVP_MD_CTX *sha;
	const char *name;
};

static card_err sink_flush(struct sink *s, card_diag *diag)
{
	const char *p = s->buf;
	size_t left = s->len;
	if (EVP_DigestUpdate(s->sha, s->buf, s->len) != 1)
		return CARD_ERR_CRYPTO;
	while (left > 0) {
		ssize_t n = write(s->fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			card_diag_set(diag, "could not write \"%s\": %s", s->name, strerror(errno));
			return CARD_ERR_IO;
		}
		p += n;
		left -= (size_t)n;
	}
	s->len = 0;
	return CARD_OK;
}

static void hex(const unsigned char *b, size_t n, char *out)
{
	static const char HEX[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = HEX[b[i] >> 4];
		out[2 * i + 1] = HEX[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Increment a 13-digit decimal serial in place. */
static void serial_next(char d[CARD_SERIAL_DIGITS])
{
	for (int i = CARD_SERIAL_DIGITS - 1; i >= 0; i--) {
		if (d[i] != '9') {
			d[i]++;
			return;
		}
		d[i] = '0';
	}
}

/* The rows themselves, into s; the caller owns the file and the hash. */
static card_err write_rows(struct sink *s, card_codec *codec, const card_batch *b, uint64_t first,
                           uint64_t count, const card_print_extra *x, card_progress_fn progress,
                           void *arg, card_diag *diag)
{
	char serial[CARD_SERIAL_BUFSZ], suffix[80];
	size_t slen, row;
	card_err rc = CARD_OK;

	slen = (size_t)snprintf(suffix, sizeof(suffix), ",%s,%s\n", b->id, b->term);
	row = CARD_SERIAL_DIGITS + 1 + CARD_CODE_BUFSZ + slen + (x != NULL ? x->max_cell + 1 : 0);
	card_serial_format(first, serial);
	memcpy(s->buf, HEADER, sizeof(HEADER) - 1);
	s->len = sizeof(HEADER) - 1;
	if (x != NULL) /* "serial,code,batch,term,NAME\n" */
		s->len += (size_t)snprintf(s->buf + s->len - 1, 64, ",%s\n", x->name) - 1;
	for (uint64_t i = 0; i < count; i++) {
		char *p;
		if (BUF_SIZE - s->len < row && (rc = sink_flush(s, diag)) != CARD_OK)
			return rc;
		p = s->buf + s->len;
		memcpy(p, serial, CARD_SERIAL_DIGITS);
		p[CARD_SERIAL_DIGITS] = ',';
		p += CARD_SERIAL_DIGITS + 1;
		rc = card_code_encode(codec, b->key_id, first + i, p);
		if (rc != CARD_OK)
			return rc;
		memcpy(p + CARD_CODE_TEXT_LEN, suffix, slen); /* over the code's NUL */
		s->len += CARD_SERIAL_DIGITS + 1 + CARD_CODE_TEXT_LEN + slen;
		if (x != NULL) { /* ",CELL" before the line end */
			char *cell = s->buf + s->len, code[CARD_CODE_BUFSZ];
			size_t n;
			memcpy(code, p, CARD_CODE_TEXT_LEN);
			code[CARD_CODE_TEXT_LEN] = '\0';
			cell[-1] = ',';
			n = x->cell(x->arg, first + i, code, cell, x->max_cell);
			OPENSSL_cleanse(code, sizeof(code));
			if (n == (size_t)-1 || n > x->max_cell) {
				card_diag_set(diag, "could not make the %s column of serial %s",
				              x->name, serial);
				return CARD_ERR_IO;
			}
			cell[n] = '\n';
			s->len += n + 1;
		}
		serial_next(serial);
		if (progress != NULL && (i + 1) % PROGRESS_EVERY == 0 &&
		    progress(arg, i + 1, count) != 0) {
			card_diag_set(diag, "export interrupted");
			return CARD_ERR_IO;
		}
	}
	rc = sink_flush(s, diag);
	if (rc == CARD_OK && progress != NULL)
		(void)progress(arg, count, count);
	return rc;
}

static void fsync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd = copy != NULL ? open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

static void now_iso(char *out, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

card_err card_print_export(const card_keyring *kr, const card_signer *sk, const card_batch *b,
                           uint64_t first, uint64_t count, const char *path,
                           const card_print_extra *extra, card_progress_fn progress, void *arg,
                           card_print_manifest *out, card_diag *diag)
{
	struct sink s = { .fd = -1 };
	card_print_manifest m;
	card_codec *codec = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char tmp[4200], *base = NULL;
	card_err rc = CARD_ERR_INVALID_ARG;

	if (kr == NULL || sk == NULL || b == NULL || path == NULL || count == 0 ||
	    first < b->first_serial || first - b->first_serial > b->count ||
	    count > b->count - (first - b->first_serial)) {
		card_diag_set(diag, "the range to export must lie inside the batch");
		return CARD_ERR_INVALID_ARG;
	}
	if (extra != NULL && (extra->cell == NULL || extra->name == NULL || extra->max_cell == 0 ||
	                      extra->max_cell > EXTRA_MAX_ || strlen(extra->name) > 32 ||
	                      strpbrk(extra->name, ",\"\r\n") != NULL))
		return CARD_ERR_INVALID_ARG;
	if (!card_keyring_has(kr, b->key_id)) {
		card_diag_set(diag, "the keyring has no key %u, which batch %s is minted under",
		              b->key_id, b->id);
		return CARD_ERR_KEY_NOT_FOUND;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= sizeof(tmp))
		return CARD_ERR_INVALID_ARG;
	memset(&m, 0, sizeof(m));
	rc = card_codec_new(kr, &codec);
	if (rc != CARD_OK)
		goto out;
	rc = CARD_ERR_NOMEM;
	s.buf = malloc(BUF_SIZE + (extra != NULL ? extra->max_cell + 1 : 0));
	s.sha = EVP_MD_CTX_new();
	base = strdup(path);
	if (s.buf == NULL || s.sha == NULL || base == NULL)
		goto out;
	rc = CARD_ERR_CRYPTO;
	if (EVP_DigestInit_ex(s.sha, EVP_sha256(), NULL) != 1)
		goto out;
	rc = CARD_ERR_IO;
	s.fd = mkstemp(tmp); /* mode 0600 */
	s.name = tmp;
	if (s.fd < 0) {
		card_diag_set(diag, "could not create \"%s\": %s", tmp, strerror(errno));
		goto out;
	}
	if (fchmod(s.fd, 0600) != 0) {
		card_diag_set(diag, "could not set the mode of \"%s\": %s", tmp, strerror(errno));
		goto out;
	}
	rc = write_rows(&s, codec, b, first, count, extra, progress, arg, diag);
	if (rc != CARD_OK)
		goto out;
	rc = CARD_ERR_IO;
	if (fsync(s.fd) != 0 || close(s.fd) != 0) {
		s.fd = -1;
		card_diag_set(diag, "could not write \"%s\": %s", tmp, strerror(errno));
		goto out;
	}
	s.fd = -1;
	rc = CARD_ERR_CRYPTO;
	if (EVP_DigestFinal_ex(s.sha, md, &mdlen) != 1 || mdlen != 32)
		goto out;
	hex(md, 32, m.sha256);
	snprintf(m.file, sizeof(m.file), "%s", basename(base));
	memcpy(m.batch, b->id, sizeof(m.batch));
	memcpy(m.term, b->term, sizeof(m.term));
	m.key_id = b->key_id;
	m.first_serial = first;
	m.last_serial = first + count - 1;
	m.rows = count;
	now_iso(m.created, sizeof(m.created));
	card_signer_fingerprint(sk, m.signer);
	/* The manifest first: the vendor's file never appears without it. */
	rc = manifest_write(path, &m, sk, diag);
	if (rc != CARD_OK)
		goto out;
	if (rename(tmp, path) != 0) {
		char man[4200];
		card_diag_set(diag, "could not rename \"%s\" to \"%s\": %s", tmp, path,
		              strerror(errno));
		snprintf(man, sizeof(man), "%s.manifest", path);
		unlink(man);
		rc = CARD_ERR_IO;
		goto out;
	}
	tmp[0] = '\0';
	fsync_dir(path);
	if (out != NULL)
		*out = m;
	rc = CARD_OK;
out:
	if (s.fd >= 0)
		close(s.fd);
	if (rc != CARD_OK && tmp[0] != '\0')
		unlink(tmp); /* never a partial file, under any name, after a clean failure */
	EVP_MD_CTX_free(s.sha);
	free(s.buf);
	free(base);
	card_codec_free(codec);
	return rc;
}

card_err card_print_check_batch(const card_print_manifest *m, const card_batch *b, card_diag *diag)
{
	if (strcmp(m->batch, b->id) != 0 || strcmp(m->term, b->term) != 0 ||
	    m->key_id != b->key_id || m->first_serial < b->first_serial ||
	    m->last_serial >= b->first_serial + b->count) {
		card_diag_set(diag, "the manifest does not match batch %s in the database", b->id);
		card_diag_detail(
			diag,
			"The database has term %s, key %u, serials %" PRIu64 "-%" PRIu64
			"; the manifest says term %s, key %u, serials %" PRIu64 "-%" PRIu64 ".",
			b->term, b->key_id, b->first_serial, b->first_serial + b->count - 1,
			m->term, m->key_id, m->first_serial, m->last_serial);
		return CARD_ERR_REJECTED;
	}
	return CARD_OK;
}

/* What verify carries from line to line. */
struct check {
	const card_print_manifest *m;
	card_codec *codec; /* NULL: form and check symbol only */
	const char *path;
	long line;
	uint64_t rows;
	int extra; /* the header names an extra last column */
	card_diag *diag;
};

static card_err row_bad(struct check *c, const char *fmt, ...) CARD_PRINTF(2, 3);
static card_err row_bad(struct check *c, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	card_diag_set(c->diag, "%s:%ld: %s", c->path, c->line, msg);
	card_diag_detail(
		c->diag,
		"The print file does not match its signed manifest: it was damaged or changed.");
	if (c->diag != NULL)
		c->diag->line = c->line;
	return CARD_ERR_REJECTED;
}

static card_err check_line(struct check *c, const char *s, size_t len)
{
	const card_print_manifest *m = c->m;
	const char *f[4];
	size_t flen[4], k = 0;
	uint64_t serial, want = m->first_serial + c->rows, got_serial;
	unsigned got_key;
	char buf[LINE_MAX_];

	if (c->line == 1) {
		if (len == sizeof(HEADER) - 2 && memcmp(s, HEADER, len) == 0)
			return CARD_OK;
		/* An extra last column: "serial,code,batch,term,NAME". */
		if (len > sizeof(HEADER) - 1 && len <= sizeof(HEADER) + 32 &&
		    memcmp(s, HEADER, sizeof(HEADER) - 2) == 0 && s[sizeof(HEADER) - 2] == ',' &&
		    memchr(s + sizeof(HEADER) - 1, ',', len - (sizeof(HEADER) - 1)) == NULL) {
			c->extra = 1;
			return CARD_OK;
		}
		return row_bad(c, "the header is not \"serial,code,batch,term\"");
	}
	f[0] = s;
	for (size_t i = 0; i < len && k < 4; i++) {
		if (s[i] == ',') {
			flen[k] = (size_t)(s + i - f[k]);
			if (++k < 4)
				f[k] = s + i + 1;
		}
	}
	if (c->extra) { /* a fifth field after the term: not empty, no comma */
		const char *cell = k == 4 ? f[3] + flen[3] + 1 : NULL;
		if (cell == NULL || cell == s + len ||
		    memchr(cell, ',', (size_t)(s + len - cell)) != NULL)
			return row_bad(c, "expected a row of five fields");
		len = (size_t)(f[3] + flen[3] - s);
		k = 3;
	}
	if (k != 3)
		return row_bad(c, "expected a row of four fields");
	flen[3] = (size_t)(s + len - f[3]);
	if (want > m->last_serial)
		return row_bad(c, "more rows than the signed serial range");
	if (flen[0] != CARD_SERIAL_DIGITS)
		return row_bad(c, "the serial is not %d digits", CARD_SERIAL_DIGITS);
	memcpy(buf, f[0], flen[0]);
	buf[flen[0]] = '\0';
	if (card_serial_parse(buf, &serial) != CARD_OK || serial != want)
		return row_bad(c, "serial \"%s\" is out of order or outside the signed range", buf);
	if (flen[2] != strlen(m->batch) || memcmp(f[2], m->batch, flen[2]) != 0)
		return row_bad(c, "the batch is not the signed batch");
	if (flen[3] != strlen(m->term) || memcmp(f[3], m->term, flen[3]) != 0)
		return row_bad(c, "the term is not the signed term");
	if (flen[1] != CARD_CODE_TEXT_LEN)
		return row_bad(c, "the code of serial %s is malformed", buf);
	if (c->codec != NULL) {
		card_verdict v = card_code_validate(c->codec, f[1], flen[1], &got_serial, &got_key);
		if (v != CARD_VALID)
			return row_bad(c,
			               v == CARD_FORGED ? "the code of serial %s is forged"
			                                : "the code of serial %s does not validate",
			               buf);
		if (got_serial != serial || got_key != m->key_id)
			return row_bad(c, "the code of serial %s belongs to another serial or key",
			               buf);
	} else if (card_code_check(f[1], flen[1], NULL, NULL) != CARD_VALID) {
		return row_bad(c, "the code of serial %s does not validate", buf);
	}
	c->rows++;
	return CARD_OK;
}

card_err card_print_verify(const char *path, const card_keyring *kr, const card_signer *pk,
                           card_progress_fn progress, void *arg, card_print_manifest *out,
                           card_diag *diag)
{
	struct check c = { 0 };
	card_print_manifest m;
	EVP_MD_CTX *sha = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	char *buf = NULL, *line = NULL, digest[65];
	size_t ll = 0;
	unsigned mdlen = 0;
	ssize_t n;
	int fd = -1;
	card_err rc;

	if (path == NULL || pk == NULL)
		return CARD_ERR_INVALID_ARG;
	rc = manifest_read(path, pk, &m, diag);
	if (rc != CARD_OK)
		return rc;
	c.m = &m;
	c.diag = diag;
	c.path = path;
	if (kr != NULL && (rc = card_codec_new(kr, &c.codec)) != CARD_OK)
		goto out;
	rc = CARD_ERR_NOMEM;
	buf = malloc(BUF_SIZE);
	line = malloc(LINE_MAX_ + EXTRA_MAX_);
	sha = EVP_MD_CTX_new();
	if (buf == NULL || line == NULL || sha == NULL)
		goto out;
	rc = CARD_ERR_CRYPTO;
	if (EVP_DigestInit_ex(sha, EVP_sha256(), NULL) != 1)
		goto out;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		card_diag_set(diag, "could not open \"%s\": %s", path, strerror(errno));
		rc = CARD_ERR_IO;
		goto out;
	}
	rc = CARD_OK;
	while (rc == CARD_OK && (n = read(fd, buf, BUF_SIZE)) > 0) {
		if (EVP_DigestUpdate(sha, buf, (size_t)n) != 1) {
			rc = CARD_ERR_CRYPTO;
			break;
		}
		for (ssize_t i = 0; i < n && rc == CARD_OK; i++) {
			if (buf[i] != '\n') {
				if (ll ==
				    (c.extra || c.line == 0 ? LINE_MAX_ + EXTRA_MAX_ : LINE_MAX_)) {
					c.line++;
					rc = row_bad(&c, "the line is too long");
				}
				line[ll++] = buf[i];
				continue;
			}
			c.line++;
			rc = check_line(&c, line, ll);
			ll = 0;
			if (rc == CARD_OK && progress != NULL && c.rows % PROGRESS_EVERY == 0 &&
			    progress(arg, c.rows, m.rows) != 0) {
				card_diag_set(diag, "check interrupted");
				rc = CARD_ERR_IO;
			}
		}
	}
	if (rc == CARD_OK && n < 0) {
		card_diag_set(diag, "could not read \"%s\": %s", path, strerror(errno));
		rc = CARD_ERR_IO;
	}
	if (rc == CARD_OK && ll > 0) {
		c.line++;
		rc = row_bad(&c, "the last line has no line end (truncated file?)");
	}
	if (rc != CARD_OK)
		goto out;
	rc = CARD_ERR_CRYPTO;
	if (EVP_DigestFinal_ex(sha, md, &mdlen) != 1 || mdlen != 32)
		goto out;
	hex(md, 32, digest);
	rc = CARD_ERR_REJECTED;
	if (c.line == 0) {
		card_diag_set(diag, "\"%s\" is empty", path);
	} else if (c.rows != m.rows || m.rows != m.last_serial - m.first_serial + 1) {
		card_diag_set(diag,
		              "\"%s\" has %" PRIu64 " rows; its manifest says %" PRIu64
		              " (serials %" PRIu64 "-%" PRIu64 ")",
		              path, c.rows, m.rows, m.first_serial, m.last_serial);
	} else if (strcmp(digest, m.sha256) != 0) {
		card_diag_set(diag, "the SHA-256 of \"%s\" does not match its manifest", path);
		card_diag_detail(diag, "The file was changed after it was exported.");
	} else {
		rc = CARD_OK;
		if (progress != NULL)
			(void)progress(arg, c.rows, m.rows);
		if (out != NULL)
			*out = m;
	}
out:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(sha);
	free(buf);
	free(line);
	card_codec_free(c.codec);
	return rc;
}
