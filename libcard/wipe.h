/*
 * wipe.h -- internal helpers shared by the libcard modules (not installed).
 */
#ifndef CARD_WIPE_H
#define CARD_WIPE_H

#include <openssl/crypto.h>

/* Wipe a secret in a way the compiler may not elide. */
#define card_wipe(p, n) OPENSSL_cleanse((p), (n))

#endif
