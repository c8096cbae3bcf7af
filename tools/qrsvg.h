/*
 * qrsvg.h -- QR codes as small SVG images (libqrencode), for the print file's QR column
 * (`cardctl batch export --qr BASE_URL`): each row gets the QR code of BASE_URL/?code=CODE,
 * so a student who scratches the card can scan it and land on the redemption page with the
 * code filled in.
 *
 * The SVG uses single quotes and spaces only (no comma, double quote or line end), so it sits
 * in a CSV cell unquoted.  A 4-module quiet zone surrounds the code; error correction M.
 * Thread-safety: reentrant (libqrencode's encoder is).
 */
#ifndef CARDCTL_QRSVG_H
#define CARDCTL_QRSVG_H

#include <stddef.h>
#include <stdint.h>

#define QRSVG_MAX 16384 /* bytes: enough for the QR of a URL of up to ~200 characters */
#define QRSVG_URL_MAX 200

/* 0 if base is an http(s) URL of at most QRSVG_URL_MAX characters with nothing a CSV cell
 * or a query could trip on (no space, comma, quote, '?', '#'). */
int qrsvg_base_ok(const char *base);

/* The SVG of the QR code of text into buf (cap bytes); its length, or (size_t)-1. */
size_t qrsvg_encode(const char *text, char *buf, size_t cap);

/* card_print_extra callback: arg is the base URL (no trailing '/'); the cell is the SVG of
 * "BASE/?code=CODE". */
size_t qrsvg_cell(void *arg, uint64_t serial, const char *code, char *buf, size_t cap);

#endif
