/*
 * card/keyring.h -- the MAC keys: up to 16 keys of 32 random bytes, one per key_id (0..15).
 *
 * A keyring file is text (docs/keyring.md):
 *
 *     # libcard keyring v1
 *     key <id> <created, unix seconds> <64 hex digits> <label to end of line>
 *
 * The file must be mode 0600 (no group or other bits) and owned by the effective user; load
 * refuses anything else.  Saving writes a temporary file with mode 0600 and renames it over
 * the target, so a crash never leaves half a keyring.  Key bytes are wiped (OPENSSL_cleanse)
 * when the keyring is freed and from every buffer that held them on the way in or out.
 *
 * Ownership: card_keyring_load() and card_keyring_new() return a keyring the caller frees with
 * card_keyring_free() (NULL is a no-op).  Thread-safety: a keyring is immutable once loaded;
 * any number of threads may read it (card_codec_new, card_keyring_info) at once, but
 * card_keyring_generate/import/save need exclusive access.
 */
#ifndef CARD_KEYRING_H
#define CARD_KEYRING_H

#include <stdint.h>
#include <time.h>
#include <card/err.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CARD_KEY_LEN 32
#define CARD_KEY_IDS 16
#define CARD_LABEL_MAX 128

typedef struct card_keyring card_keyring;

typedef struct card_key_info {
	unsigned key_id;
	time_t created;
	char label[CARD_LABEL_MAX];
} card_key_info;

CARD_API card_err card_keyring_new(card_keyring **out) CARD_WUR;
CARD_API card_err card_keyring_load(const char *path, card_keyring **out, card_diag *diag) CARD_WUR;
CARD_API card_err card_keyring_save(const card_keyring *kr, const char *path,
                                    card_diag *diag) CARD_WUR;
CARD_API void card_keyring_free(card_keyring *kr);

/* Add a fresh key from the OS CSPRNG.  key_id < 0 takes the lowest free id; *assigned gets it. */
CARD_API card_err card_keyring_generate(card_keyring *kr, int key_id, const char *label,
                                        unsigned *assigned) CARD_WUR;
/* Add a known key (escrow restore, test vectors).  The caller wipes its own copy. */
CARD_API card_err card_keyring_import(card_keyring *kr, unsigned key_id,
                                      const uint8_t key[CARD_KEY_LEN], const char *label) CARD_WUR;
/* Parse 64 hex digits (surrounding white space allowed) into key; wipes nothing of the input. */
CARD_API card_err card_key_from_hex(const char *hex, uint8_t key[CARD_KEY_LEN]) CARD_WUR;

CARD_API int card_keyring_has(const card_keyring *kr, unsigned key_id);
CARD_API unsigned card_keyring_count(const card_keyring *kr);
/* Metadata only: never exposes key bytes. */
CARD_API card_err card_keyring_info(const card_keyring *kr, unsigned key_id, card_key_info *out);

#ifdef __cplusplus
}
#endif
#endif
