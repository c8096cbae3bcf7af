/*
 * keyring_int.h -- what the codec may see of a keyring (internal, not installed).
 */
#ifndef CARD_KEYRING_INT_H
#define CARD_KEYRING_INT_H

#include <stdint.h>
#include <card/keyring.h>

/* The 32 key bytes of key_id, or NULL.  Borrowed: valid while the keyring lives. */
const uint8_t *keyring_key_bytes(const card_keyring *kr, unsigned key_id);

#endif
