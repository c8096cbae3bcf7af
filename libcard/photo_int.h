/*
 * photo_int.h -- reading and checking the photo of a signed receipt for a bytea parameter
 * (internal, not installed; libcard/photo.c).
 */
#ifndef CARD_PHOTO_INT_H
#define CARD_PHOTO_INT_H

#include <stddef.h>

#include <card/err.h>

/* The largest width and height of a receipt photo, in pixels; the server's check
 * (card.photo_size_check, sql/functions/delivery.sql) and migration 0004 say the same. */
#define PHOTO_MAX_SIDE 10000

/* A receipt photo read and checked by photo_read(): hex is the malloc'ed "\x<hex>" text for a
 * bytea parameter; type its MIME type (static); width and height its pixel size as decimal
 * text, both "" for a PDF (pages, not pixels).  photo_clear() frees hex. */
struct photo {
	char *hex;
	const char *type;
	char width[12], height[12];
};

/* Read the photo file at path (NULL: "no receipt without the photo") and check it by
 * decoding it (photo_check); on CARD_OK *p holds it and is the caller's (photo_clear).
 * CARD_ERR_INPUT when it is missing, not a regular file, empty, larger than CARD_PHOTO_MAX,
 * or not a JPEG or PNG that decodes whole, nor a PDF from header to end; CARD_ERR_IO when it
 * cannot be opened or read.  Nothing is kept on an error. */
card_err photo_read(const char *path, struct photo *p, card_diag *diag);
void photo_clear(struct photo *p);

/* A pixel size field of struct photo as a query parameter: NULL for a PDF's "". */
static inline const char *photo_param(const char *s)
{
	return s[0] != '\0' ? s : NULL;
}

/* Check n bytes as a receipt photo: a PNG (libpng) or JPEG (libjpeg-turbo) is decoded row by
 * row to its last row, refused when wider or taller than PHOTO_MAX_SIDE (before any pixel
 * memory is allocated), when the data ends early, is corrupt or the JPEG decoder warns; a PDF
 * must start with its header and end with its end-of-file marker.  *type gets the MIME type,
 * *width and *height the pixel size (0 for a PDF).  name names the file in diag's message.
 * Keeps no state: safe to call from several threads at once. */
card_err photo_check(const unsigned char *buf, size_t n, const char *name, const char **type,
                     unsigned *width, unsigned *height, card_diag *diag);

#endif
