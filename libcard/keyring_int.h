/*
 * keyring_int.h -- what the codec may see of a keyring (internal, not installed).
 */
#ifndef CARD_KEYRING_INT_H
#define CARD_KEYRING_INT_H

#include <stdint.h>
#include <card/keyring.h>

/* The 32 key bytes of key_id, or NULL.  Borrowed: valid while the keyring lives. */
const uint8_t *keyring_key_bytes(const card_keyring *kr, unsigned key_id);

/* Parse keyring text buf[0..len) (buf[len] == '\0'; changed in place).  path names it in
 * messages.  On CARD_OK *out is a new keyring the caller frees. */
card_err keyring_parse(const char *path, char *buf, size_t len, card_keyring **out,
                       card_diag *diag);

#endif
