/*
 * signkey.c -- the Ed25519 key that signs print-file manifests (card/printfile.h).
 *
 * KEYRING.sign holds the private key as PKCS#8 PEM, mode 0600, created with O_EXCL so two
 * first exports cannot race to different keys.  The PEM text is read into (or written from)
 * a buffer that is wiped right after; the key itself lives in OpenSSL's EVP_PKEY, whose free
 * wipes it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <card/printfile.h>
#include "printfile_int.h"
#include "wipe.h"

#define PEM_MAX 8192

struct card_signer {
	EVP_PKEY *pkey;
	int has_private;
};

EVP_PKEY *signer_pkey(const card_signer *s)
{
	return s->pkey;
}

int signer_has_private(const card_signer *s)
{
	return s->has_private;
}

void card_signer_free(card_signer *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_free(s->pkey); /* ED25519 keys are cleared on free */
	free(s);
}

void card_signer_fingerprint(const card_signer *s, char out[CARD_SIGNER_FPR_BUFSZ])
{
	unsigned char pub[32], md[EVP_MAX_MD_SIZE];
	size_t len = sizeof(pub);
	unsigned mdlen = 0;
	static const char HEX[] = "0123456789abcdef";

	out[0] = '\0';
	if (s == NULL || !EVP_PKEY_get_raw_public_key(s->pkey, pub, &len) ||
	    !EVP_Digest(pub, len, md, &mdlen, EVP_sha256(), NULL) || mdlen < 8)
		return;
	for (int i = 0; i < 8; i++) {
		out[2 * i] = HEX[md[i] >> 4];
		out[2 * i + 1] = HEX[md[i] & 15];
	}
	out[16] = '\0';
}

/* Read a small file whole into buf (NUL-terminated); *len gets its length. */
static card_err read_small(int fd, const char *path, char *buf, size_t cap, size_t *len,
                           card_diag *diag)
{
	ssize_t n;
	*len = 0;
	while ((n = read(fd, buf + *len, cap - 1 - *len)) > 0)
		*len += (size_t)n;
	buf[*len] = '\0';
	if (n < 0) {
		card_diag_set(diag, "could not read \"%s\": %s", path, strerror(errno));
		return CARD_ERR_IO;
	}
	if (*len == cap - 1) {
		card_diag_set(diag, "\"%s\" is too large for a key file", path);
		return CARD_ERR_KEYRING_FORMAT;
	}
	return CARD_OK;
}

static card_err load_private(const char *path, card_signer *s, card_diag *diag)
{
	char *pem = malloc(PEM_MAX);
	struct stat sb;
	size_t len = 0;
	BIO *bio = NULL;
	int fd = -1;
	card_err rc = CARD_ERR_IO;

	if (pem == NULL)
		return CARD_ERR_NOMEM;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = errno == ENOENT ? CARD_ERR_KEY_NOT_FOUND : CARD_ERR_IO;
		card_diag_set(diag, "could not open signing key \"%s\": %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077) != 0 ||
	    sb.st_uid != geteuid()) {
		card_diag_set(
			diag,
			"signing key \"%s\" must be a regular file of mode 0600 owned by this user",
			path);
		card_diag_hint(diag, "chmod 600 \"%s\"", path);
		rc = CARD_ERR_KEYRING_MODE;
		goto out;
	}
	rc = read_small(fd, path, pem, PEM_MAX, &len, diag);
	if (rc != CARD_OK)
		goto out;
	bio = BIO_new_mem_buf(pem, (int)len);
	s->pkey = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	if (s->pkey == NULL || !EVP_PKEY_is_a(s->pkey, "ED25519")) {
		card_diag_set(diag, "\"%s\" is not an Ed25519 private key in PEM", path);
		rc = CARD_ERR_KEYRING_FORMAT;
		goto out;
	}
	s->has_private = 1;
out:
	BIO_free(bio);
	card_wipe(pem, PEM_MAX);
	free(pem);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Write len bytes to a new file (O_EXCL) with `mode`, fsync'd. */
static card_err write_new(const char *path, const void *data, size_t len, mode_t mode,
                          card_diag *diag)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	const char *p = data;
	card_err rc = CARD_OK;

	if (fd < 0) {
		card_diag_set(diag, "could not create \"%s\": %s", path, strerror(errno));
		return errno == EEXIST ? CARD_ERR_CONFLICT : CARD_ERR_IO;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			card_diag_set(diag, "could not write \"%s\": %s", path, strerror(errno));
			rc = CARD_ERR_IO;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (rc == CARD_OK && (fchmod(fd, mode) != 0 || fsync(fd) != 0)) {
		card_diag_set(diag, "could not write \"%s\": %s", path, strerror(errno));
		rc = CARD_ERR_IO;
	}
	if (close(fd) != 0 && rc == CARD_OK)
		rc = CARD_ERR_IO;
	if (rc != CARD_OK)
		unlink(path);
	return rc;
}

/* Make a new key; write KEYRING.sign (0600), then KEYRING.sign.pub (0644). */
static card_err create_key(const char *path, const char *pub_path, card_signer *s, card_diag *diag)
{
	BIO *priv = BIO_new(BIO_s_secmem()), *pub = BIO_new(BIO_s_mem());
	char *data = NULL;
	long len;
	card_err rc = CARD_ERR_CRYPTO;

	s->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (priv == NULL || pub == NULL || s->pkey == NULL ||
	    !PEM_write_bio_PrivateKey(priv, s->pkey, NULL, NULL, 0, NULL, NULL) ||
	    !PEM_write_bio_PUBKEY(pub, s->pkey))
		goto out;
	s->has_private = 1;
	len = BIO_get_mem_data(priv, &data);
	rc = write_new(path, data, (size_t)len, 0600, diag);
	if (rc != CARD_OK)
		goto out;
	len = BIO_get_mem_data(pub, &data);
	(void)unlink(pub_path); /* a stale public key of an older signing key */
	rc = write_new(pub_path, data, (size_t)len, 0644, diag);
out:
	BIO_free(priv); /* secure memory: cleared on free */
	BIO_free(pub);
	return rc;
}

card_err card_signer_open(const char *keyring_path, int create, card_signer **out, card_diag *diag)
{
	card_signer *s = NULL;
	char path[4096], pub[4096];
	card_err rc;

	if (keyring_path == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	*out = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s.sign", keyring_path) >= sizeof(path) ||
	    (size_t)snprintf(pub, sizeof(pub), "%s.sign.pub", keyring_path) >= sizeof(pub))
		return CARD_ERR_INVALID_ARG;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return CARD_ERR_NOMEM;
	rc = load_private(path, s, diag);
	if (rc == CARD_ERR_KEY_NOT_FOUND && create) {
		card_diag_clear(diag);
		rc = create_key(path, pub, s, diag);
		if (rc == CARD_ERR_CONFLICT) { /* another process made it just now */
			card_diag_clear(diag);
			EVP_PKEY_free(s->pkey);
			s->pkey = NULL;
			rc = load_private(path, s, diag);
		}
	} else if (rc == CARD_ERR_KEY_NOT_FOUND) {
		card_diag_hint(diag, "The signing key is made by the first 'cardctl batch export' "
		                     "with this keyring.");
	}
	if (rc != CARD_OK) {
		card_signer_free(s);
		return rc;
	}
	*out = s;
	return CARD_OK;
}

card_err card_signer_load_public(const char *pem_path, card_signer **out, card_diag *diag)
{
	char buf[PEM_MAX];
	card_signer *s = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	int fd;
	card_err rc;

	if (pem_path == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	*out = NULL;
	fd = open(pem_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		card_diag_set(diag, "could not open public key \"%s\": %s", pem_path,
		              strerror(errno));
		return CARD_ERR_IO;
	}
	rc = read_small(fd, pem_path, buf, sizeof(buf), &len, diag);
	close(fd);
	if (rc != CARD_OK)
		return rc;
	s = calloc(1, sizeof(*s));
	bio = BIO_new_mem_buf(buf, (int)len);
	if (s == NULL || bio == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	s->pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	if (s->pkey == NULL || !EVP_PKEY_is_a(s->pkey, "ED25519")) {
		card_diag_set(diag, "\"%s\" is not an Ed25519 public key in PEM", pem_path);
		rc = CARD_ERR_KEYRING_FORMAT;
		goto out;
	}
	*out = s;
	s = NULL;
out:
	BIO_free(bio);
	card_signer_free(s);
	return rc;
}
