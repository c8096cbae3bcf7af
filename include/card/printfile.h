/*
 * card/printfile.h -- the print vendor's file of a batch, its signed manifest, and checking
 * both (docs/print-file.md).
 *
 * The print file is UTF-8 CSV, LF line ends, header `serial,code,batch,term`, one row per
 * card in serial order.  Beside it, FILE.manifest (text, "key: value" lines) holds the row
 * count, the SHA-256 of the file, the batch, term, key id and serial range, and an Ed25519
 * signature over all of that, made with the signing key kept beside the keyring.
 *
 * Signing keys (card_signer): an Ed25519 key in PEM, in KEYRING.sign, mode 0600 and owned by
 * us (refused otherwise), created on first use; KEYRING.sign.pub holds its public half for
 * whoever verifies without the MAC keys (the vendor).  The private key lives only inside
 * OpenSSL's EVP_PKEY, which wipes it when freed (card_signer_free), and the PEM text read
 * from or written to disk is wiped (OPENSSL_cleanse) as soon as it is parsed or written.
 *
 * Writing is atomic: the file and the manifest are written to temporary names (mode 0600)
 * and renamed into place only when complete, the manifest first; an interrupted export
 * (error, cancellation through the progress callback, crash) leaves nothing under the final
 * file name.
 *
 * Ownership: card_signer_* return a signer the caller frees with card_signer_free() (NULL is
 * a no-op).  Thread-safety: a signer may be shared for reading; export and verify use their
 * own codec and may run in parallel on different files.
 */
#ifndef CARD_PRINTFILE_H
#define CARD_PRINTFILE_H

#include <stdint.h>
#include <card/err.h>
#include <card/keyring.h>
#include <card/batch.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct card_signer card_signer;

#define CARD_SIGNER_FPR_BUFSZ 17 /* 16 hex digits: the first 8 bytes of SHA-256(public key) */

/* The signing key beside keyring_path (KEYRING.sign).  With create, a missing key is made
 * (and KEYRING.sign.pub written); otherwise it is CARD_ERR_KEY_NOT_FOUND.  A key file that
 * is not mode 0600 or not ours: CARD_ERR_KEYRING_MODE. */
CARD_API card_err card_signer_open(const char *keyring_path, int create, card_signer **out,
                                   card_diag *diag) CARD_WUR;
/* A public key only (PEM), for verifying. */
CARD_API card_err card_signer_load_public(const char *pem_path, card_signer **out,
                                          card_diag *diag) CARD_WUR;
CARD_API void card_signer_fingerprint(const card_signer *s, char out[CARD_SIGNER_FPR_BUFSZ]);
CARD_API void card_signer_free(card_signer *s);

/* Called now and then with rows done; a non-zero return cancels the export or check. */
typedef int (*card_progress_fn)(void *arg, uint64_t done, uint64_t total);

typedef struct card_print_manifest {
	char file[256]; /* base name of the print file */
	char batch[CARD_UUID_BUFSZ];
	char term[CARD_TERM_BUFSZ];
	unsigned key_id;
	uint64_t first_serial, last_serial;
	uint64_t rows;
	char sha256[65];  /* hex */
	char created[32]; /* ISO 8601 UTC */
	char signer[CARD_SIGNER_FPR_BUFSZ];
} card_print_manifest;

/*
 * An extra last column of the print file (workflow part 1: the QR code of `batch export
 * --qr`): its header name, and a callback writing the cell of each row into buf (at most cap
 * = max_cell bytes, no comma, double quote or line end) and returning its length, or
 * (size_t)-1 on failure.  The cell is covered by the file's signed SHA-256; verify checks
 * its form only (present, not empty).
 */
typedef struct card_print_extra {
	const char *name;
	size_t max_cell;
	size_t (*cell)(void *arg, uint64_t serial, const char *code, char *buf, size_t cap);
	void *arg;
} card_print_extra;

/*
 * Write the print file of serials [first, first + count) of batch b (which must lie inside
 * the batch) to path, and path.manifest signed by sk; extra (may be NULL: the plain file)
 * adds a last column.  No database work: b comes from card_batch_get().  *out (may be NULL)
 * gets the manifest.  Cancellation: CARD_ERR_IO with "export interrupted".
 */
CARD_API card_err card_print_export(const card_keyring *kr, const card_signer *sk,
                                    const card_batch *b, uint64_t first, uint64_t count,
                                    const char *path, const card_print_extra *extra,
                                    card_progress_fn progress, void *arg, card_print_manifest *out,
                                    card_diag *diag) CARD_WUR;

/*
 * Check path against path.manifest: the signature (by pk), the SHA-256 and the row count,
 * the header, and every row: its serial in order and inside the signed range, its batch and
 * term as signed, and its code valid under kr and decoding to its serial and key id.  With
 * kr NULL the codes are checked for form and check symbol only (no MAC).  Any mismatch is
 * CARD_ERR_REJECTED with the line number in diag->line where it applies.
 */
CARD_API card_err card_print_verify(const char *path, const card_keyring *kr, const card_signer *pk,
                                    card_progress_fn progress, void *arg, card_print_manifest *out,
                                    card_diag *diag) CARD_WUR;

/* Does the manifest agree with the batch as stored (same term and key, range inside)?
 * CARD_ERR_REJECTED with the reason if not. */
CARD_API card_err card_print_check_batch(const card_print_manifest *m, const card_batch *b,
                                         card_diag *diag) CARD_WUR;

#ifdef __cplusplus
}
#endif
#endif
