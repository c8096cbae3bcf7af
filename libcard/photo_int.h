/*
 * photo_int.h -- reading the photo of a signed receipt for a bytea parameter (internal, not
 * installed; libcard/photo.c).
 */
#ifndef CARD_PHOTO_INT_H
#define CARD_PHOTO_INT_H

#include <card/err.h>

/* Read the photo file at path (NULL: "no receipt without the photo") as a malloc'ed
 * "\x<hex>" text for a bytea parameter; *hex is the caller's (free).  CARD_ERR_INPUT when it
 * is missing, not a regular file, empty, larger than CARD_PHOTO_MAX, or not a JPEG, PNG or
 * PDF by content; CARD_ERR_IO when it cannot be opened or read. */
card_err photo_read_hex(const char *path, char **hex, card_diag *diag);

#endif
