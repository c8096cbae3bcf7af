/*
 * manifest.c -- the signed manifest beside a print file (docs/print-file.md).
 *
 *     # libcard print manifest v1
 *     file: cards.csv
 *     batch: <uuid>
 *     term: 2026-autumn
 *     key_id: 1
 *     first_serial: 1
 *     last_serial: 1000000
 *     rows: 1000000
 *     sha256: <64 hex digits, of the print file>
 *     created: 2026-11-23T18:00:00Z
 *     signer: <16 hex digits, fingerprint of the signing key>
 *     signature: <128 hex digits>
 *
 * The signature is Ed25519 over every byte before the "signature: " line.  Reading is strict:
 * exactly these keys, in this order, each once, and nothing after the signature.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <card/code.h>
#include "printfile_int.h"

#define MANIFEST_MAX 4096
#define SIG_LEN 64

static const char MAGIC[] = "# libcard print manifest v1\n";

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	static const char HEX[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = HEX[b[i] >> 4];
		out[2 * i + 1] = HEX[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int from_hex(const char *s, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + k];
			int d = c >= '0' && c <= '9'   ? c - '0'
			        : c >= 'a' && c <= 'f' ? c - 'a' + 10
			                               : -1;
			if (d < 0)
				return -1;
			v = v * 16 + d;
		}
		out[i] = (unsigned char)v;
	}
	return s[2 * n] == '\0' ? 0 : -1;
}

card_err manifest_write(const char *path, const card_print_manifest *m, const card_signer *sk,
                        card_diag *diag)
{
	char text[MANIFEST_MAX], final[4200], tmp[4200];
	unsigned char sig[SIG_LEN];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *md = NULL;
	int len, fd = -1, created = 0;
	card_err rc = CARD_ERR_CRYPTO;

	len = snprintf(text, sizeof(text),
	               "%sfile: %s\nbatch: %s\nterm: %s\nkey_id: %u\nfirst_serial: %" PRIu64
	               "\nlast_serial: %" PRIu64 "\nrows: %" PRIu64
	               "\nsha256: %s\ncreated: %s\nsigner: %s\n",
	               MAGIC, m->file, m->batch, m->term, m->key_id, m->first_serial,
	               m->last_serial, m->rows, m->sha256, m->created, m->signer);
	if (len < 0 || (size_t)len + 12 + 2 * SIG_LEN + 2 > sizeof(text) ||
	    (size_t)snprintf(final, sizeof(final), "%s.manifest", path) >= sizeof(final) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s.manifest.tmp.XXXXXX", path) >= sizeof(tmp))
		return CARD_ERR_INVALID_ARG;
	md = EVP_MD_CTX_new();
	if (md == NULL || !signer_has_private(sk) ||
	    EVP_DigestSignInit(md, NULL, NULL, NULL, signer_pkey(sk)) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)text, (size_t)len) != 1 ||
	    siglen != SIG_LEN)
		goto out;
	memcpy(text + len, "signature: ", 11);
	to_hex(sig, SIG_LEN, text + len + 11);
	len += 11 + 2 * SIG_LEN;
	text[len++] = '\n';
	rc = CARD_ERR_IO;
	fd = mkstemp(tmp);
	if (fd < 0) {
		card_diag_set(diag, "could not create \"%s\": %s", tmp, strerror(errno));
		goto out;
	}
	created = 1;
	if (fchmod(fd, 0600) != 0 || write(fd, text, (size_t)len) != len || fsync(fd) != 0) {
		card_diag_set(diag, "could not write \"%s\": %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0 || rename(tmp, final) != 0) {
		fd = -1;
		card_diag_set(diag, "could not write \"%s\": %s", final, strerror(errno));
		goto out;
	}
	fd = -1;
	rc = CARD_OK;
out:
	if (fd >= 0)
		close(fd);
	if (rc != CARD_OK && created)
		unlink(tmp);
	EVP_MD_CTX_free(md);
	return rc;
}

/* "key: value\n" at *p: copy value (bounded) and advance; -1 if the line is not that key. */
static int field(const char **p, const char *key, char *out, size_t cap)
{
	size_t klen = strlen(key), vlen;
	const char *nl;
	if (strncmp(*p, key, klen) != 0 || (*p)[klen] != ':' || (*p)[klen + 1] != ' ')
		return -1;
	*p += klen + 2;
	nl = strchr(*p, '\n');
	if (nl == NULL)
		return -1;
	vlen = (size_t)(nl - *p);
	if (vlen == 0 || vlen >= cap)
		return -1;
	memcpy(out, *p, vlen);
	out[vlen] = '\0';
	*p = nl + 1;
	return 0;
}

static int num(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	if (*s < '0' || *s > '9' || strlen(s) > 20)
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' || *out > max ? -1 : 0;
}

static card_err bad(card_diag *diag, const char *path, const char *what)
{
	card_diag_set(diag, "manifest \"%s.manifest\" is not valid: %s", path, what);
	card_diag_detail(diag, "The manifest was damaged or changed after it was signed.");
	return CARD_ERR_REJECTED;
}

card_err manifest_read(const char *path, const card_signer *pk, card_print_manifest *m,
                       card_diag *diag)
{
	char name[4200], text[MANIFEST_MAX], v[300], expect[CARD_SIGNER_FPR_BUFSZ];
	unsigned char sig[SIG_LEN];
	const char *p, *signed_end;
	EVP_MD_CTX *md = NULL;
	size_t len = 0;
	ssize_t n;
	uint64_t key;
	int fd;
	card_err rc;

	memset(m, 0, sizeof(*m));
	if ((size_t)snprintf(name, sizeof(name), "%s.manifest", path) >= sizeof(name))
		return CARD_ERR_INVALID_ARG;
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		card_diag_set(diag, "could not open manifest \"%s\": %s", name, strerror(errno));
		card_diag_detail(
			diag,
			"A print file is checked against the signed manifest written with it.");
		return CARD_ERR_REJECTED;
	}
	while (len < sizeof(text) - 1 && (n = read(fd, text + len, sizeof(text) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	text[len] = '\0';
	if (len == sizeof(text) - 1 || strlen(text) != len)
		return bad(diag, path, "too large or not text");
	if (strncmp(text, MAGIC, sizeof(MAGIC) - 1) != 0)
		return bad(diag, path, "not a libcard print manifest");
	p = text + sizeof(MAGIC) - 1;
	if (field(&p, "file", m->file, sizeof(m->file)) ||
	    field(&p, "batch", m->batch, sizeof(m->batch)) ||
	    field(&p, "term", m->term, sizeof(m->term)) || field(&p, "key_id", v, sizeof(v)) ||
	    num(v, CARD_KEY_IDS - 1, &key))
		return bad(diag, path, "bad file, batch, term or key_id line");
	m->key_id = (unsigned)key;
	if (field(&p, "first_serial", v, sizeof(v)) || num(v, CARD_SERIAL_MAX, &m->first_serial) ||
	    field(&p, "last_serial", v, sizeof(v)) || num(v, CARD_SERIAL_MAX, &m->last_serial) ||
	    field(&p, "rows", v, sizeof(v)) || num(v, CARD_SERIAL_MAX + 1, &m->rows) ||
	    m->last_serial < m->first_serial)
		return bad(diag, path, "bad serial range or row count");
	if (field(&p, "sha256", m->sha256, sizeof(m->sha256)) || strlen(m->sha256) != 64 ||
	    field(&p, "created", m->created, sizeof(m->created)) ||
	    field(&p, "signer", m->signer, sizeof(m->signer)))
		return bad(diag, path, "bad sha256, created or signer line");
	signed_end = p;
	if (field(&p, "signature", v, sizeof(v)) || from_hex(v, SIG_LEN, sig) != 0 || *p != '\0')
		return bad(diag, path, "bad signature line");
	card_signer_fingerprint(pk, expect);
	if (strcmp(expect, m->signer) != 0) {
		card_diag_set(diag,
		              "manifest \"%s\" was signed by key %s, not by this signing key (%s)",
		              name, m->signer, expect);
		card_diag_detail(
			diag,
			"Either the manifest was replaced, or the wrong signing key was given.");
		return CARD_ERR_REJECTED;
	}
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestVerifyInit(md, NULL, NULL, NULL, signer_pkey(pk)) != 1) {
		EVP_MD_CTX_free(md);
		return CARD_ERR_CRYPTO;
	}
	rc = EVP_DigestVerify(md, sig, SIG_LEN, (const unsigned char *)text,
	                      (size_t)(signed_end - text)) == 1
	             ? CARD_OK
	             : bad(diag, path, "the signature does not match its content");
	EVP_MD_CTX_free(md);
	return rc;
}
