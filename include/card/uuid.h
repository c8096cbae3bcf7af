/*
 * card/uuid.h -- document identifiers.  Every document (batch, shipment, receipt, transfer,
 * adjustment report, return, replacement, charge) carries a UUID made here with libuuid and
 * printed on its forms, so paper and database can be matched later.
 */
#ifndef CARD_UUID_H
#define CARD_UUID_H

#include <card/err.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CARD_UUID_BUFSZ 37

/* A new random (version 4) UUID in lower-case text form.  Thread-safe. */
CARD_API void card_uuid_new(char out[CARD_UUID_BUFSZ]);
/* 1 if text is a UUID in canonical text form. */
CARD_API int card_uuid_valid(const char *text);

#ifdef __cplusplus
}
#endif
#endif
