/*
 * qrsvg.c -- QR codes as SVG for the print file (see qrsvg.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <qrencode.h>

#include "qrsvg.h"

int qrsvg_base_ok(const char *base)
{
	size_t n = base != NULL ? strlen(base) : 0;
	if (n == 0 || n > QRSVG_URL_MAX)
		return -1;
	if (strncmp(base, "https://", 8) != 0 && strncmp(base, "http://", 7) != 0)
		return -1;
	for (const unsigned char *p = (const unsigned char *)base; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr(",\"'?#<>\\", *p) != NULL)
			return -1;
	return 0;
}

/* Append printf output; returns 0, or -1 when it does not fit. */
static int put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *len)
		return -1;
	*len += (size_t)n;
	return 0;
}

size_t qrsvg_encode(const char *text, char *buf, size_t cap)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	size_t len = 0, result = (size_t)-1;
	int w, size;

	if (qr == NULL || cap == 0)
		goto out;
	w = qr->width;
	size = w + 8;
	if (put(buf, cap, &len,
	        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 %d %d' "
	        "shape-rendering='crispEdges'><rect width='%d' height='100%%' fill='#fff'/><path "
	        "d='",
	        size, size, size) != 0)
		goto out;
	/* One horizontal run of dark modules per "Mx yhNv1h-Nz". */
	for (int y = 0; y < w; y++) {
		for (int x = 0; x < w;) {
			int run = 0;
			while (x + run < w && (qr->data[y * w + x + run] & 1))
				run++;
			if (run == 0) {
				x++;
				continue;
			}
			if (put(buf, cap, &len, "M%d %dh%dv1h-%dz", x + 4, y + 4, run, run) != 0)
				goto out;
			x += run;
		}
	}
	if (put(buf, cap, &len, "%s", "'/></svg>") != 0)
		goto out;
	result = len;
out:
	QRcode_free(qr);
	return result;
}

size_t qrsvg_cell(void *arg, uint64_t serial, const char *code, char *buf, size_t cap)
{
	char url[QRSVG_URL_MAX + 64];
	(void)serial;
	if ((size_t)snprintf(url, sizeof(url), "%s/?code=%s", (const char *)arg, code) >=
	    sizeof(url))
		return (size_t)-1;
	return qrsvg_encode(url, buf, cap);
}
