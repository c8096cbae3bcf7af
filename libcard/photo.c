/*
 * photo.c -- the photo of a signed receipt, shared by every step that records one: part 1's
 * receipts of shipments (shipment.c, card_receive) and part 2's returns and supplements
 * (reconcile.c).  A PNG or JPEG is decoded whole (libpng, libjpeg-turbo) and its pixel size
 * recorded with the receipt; a PDF must run from its header to its end-of-file marker; the
 * size is capped at CARD_PHOTO_MAX.  card.receipt_check and card.photo_size_check
 * (sql/functions/delivery.sql) check the type and the pixel size again.
 *
 * Both decoders report errors by longjmp: each decode runs in a function of its own whose
 * locals changed after setjmp are volatile, the jump buffer lives in a per-call struct (no
 * global state), and the decoder's messages are kept for the diagnostic instead of printed.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <png.h>

#include <card/shipment.h>

#include "photo_int.h"

/* Memory a JPEG decoder may use for whole-image buffers (progressive and multi-scan files);
 * past it libjpeg wants a backing store, which this build has not, and the photo is refused.
 * A 12-megapixel progressive photo needs about 36 MiB. */
#define PHOTO_JPEG_MEMORY (128L << 20)
/* Scans of a progressive JPEG: a camera writes about ten; thousands are a slow-decode attack. */
#define PHOTO_JPEG_SCANS 500

static const char HINT[] = "Photograph or scan the signed receipt again and give that file.";

/* ---- PNG ---- */

struct png_ctx {
	const unsigned char *buf;
	size_t n, off;
	char msg[200];
};

static void png_fail(png_structp png, png_const_charp msg)
{
	struct png_ctx *c = png_get_error_ptr(png);

	snprintf(c->msg, sizeof(c->msg), "%s", msg);
	png_longjmp(png, 1);
}

/* Warnings (an ancillary chunk with a bad CRC, a known-incorrect sRGB profile) do not make
 * a photo unreadable: they are dropped, not printed. */
static void png_warn(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void png_mem_read(png_structp png, png_bytep out, size_t len)
{
	struct png_ctx *c = png_get_io_ptr(png);

	if (len > c->n - c->off)
		png_error(png, "the file ends before the image does");
	memcpy(out, c->buf + c->off, len);
	c->off += len;
}

/* Decode every row of every pass into one row buffer, then read to IEND (every CRC checked).
 * The limits are set before the header is read, so a huge IHDR is refused before any row
 * is allocated. */
static int png_decode(struct png_ctx *c, unsigned *w, unsigned *h)
{
	png_structp png;
	png_infop info = NULL;
	unsigned char *volatile row = NULL;
	volatile int ok = 0;

	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, png_fail, png_warn);
	if (png == NULL) {
		snprintf(c->msg, sizeof(c->msg), "out of memory");
		return 0;
	}
	info = png_create_info_struct(png);
	if (info == NULL) {
		snprintf(c->msg, sizeof(c->msg), "out of memory");
		goto out;
	}
	if (setjmp(png_jmpbuf(png)))
		goto out;
	png_set_read_fn(png, c, png_mem_read);
	png_set_user_limits(png, PHOTO_MAX_SIDE, PHOTO_MAX_SIDE);
	png_set_chunk_cache_max(png, 1000);
	png_set_chunk_malloc_max(png, CARD_PHOTO_MAX);
	png_read_info(png, info);
	{
		int passes = png_set_interlace_handling(png);
		png_uint_32 height = png_get_image_height(png, info);

		png_read_update_info(png, info);
		row = malloc(png_get_rowbytes(png, info));
		if (row == NULL)
			png_error(png, "out of memory");
		for (int p = 0; p < passes; p++)
			for (png_uint_32 y = 0; y < height; y++)
				png_read_row(png, row, NULL);
	}
	png_read_end(png, NULL);
	*w = png_get_image_width(png, info);
	*h = png_get_image_height(png, info);
	ok = 1;
out:
	png_destroy_read_struct(&png, info != NULL ? &info : NULL, NULL);
	free(row);
	return ok;
}

static unsigned long be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 |
	       p[3];
}

/* ---- JPEG ---- */

struct jpeg_ctx {
	struct jpeg_error_mgr err; /* first: libjpeg's err pointer is this struct */
	struct jpeg_progress_mgr progress;
	jmp_buf jump;
	char msg[JMSG_LENGTH_MAX + 40];
	int warned;
};

static void jpeg_fail(j_common_ptr ci)
{
	struct jpeg_ctx *c = (struct jpeg_ctx *)ci->err;

	(*ci->err->format_message)(ci, c->msg);
	longjmp(c->jump, 1);
}

/* Level -1 is a warning (corrupt data, the file ends early: libjpeg would fill in grey and
 * go on); the first is kept and the photo refused after the decode.  Trace levels are
 * dropped.  Nothing is printed. */
static void jpeg_note(j_common_ptr ci, int level)
{
	struct jpeg_ctx *c = (struct jpeg_ctx *)ci->err;

	if (level < 0 && c->warned++ == 0)
		(*ci->err->format_message)(ci, c->msg);
}

static void jpeg_progress(j_common_ptr ci)
{
	struct jpeg_ctx *c = (struct jpeg_ctx *)ci->err;
	j_decompress_ptr d = (j_decompress_ptr)ci;

	if (ci->is_decompressor && d->progressive_mode && d->input_scan_number > PHOTO_JPEG_SCANS) {
		snprintf(c->msg, sizeof(c->msg), "more than %d progressive scans",
		         PHOTO_JPEG_SCANS);
		longjmp(c->jump, 1);
	}
}

/* Read the header, refuse a size over PHOTO_MAX_SIDE before starting the decompressor (no
 * pixel memory yet), then decode every scanline into one row and finish. */
static int jpeg_decode(struct jpeg_ctx *c, const unsigned char *buf, size_t n, unsigned *w,
                       unsigned *h)
{
	struct jpeg_decompress_struct ci;
	volatile int ok = 0;

	memset(&ci, 0, sizeof(ci));
	ci.err = jpeg_std_error(&c->err);
	c->err.error_exit = jpeg_fail;
	c->err.emit_message = jpeg_note;
	if (setjmp(c->jump))
		goto out;
	jpeg_create_decompress(&ci);
	ci.mem->max_memory_to_use = PHOTO_JPEG_MEMORY;
	c->progress.progress_monitor = jpeg_progress;
	ci.progress = &c->progress;
	jpeg_mem_src(&ci, buf, (unsigned long)n);
	jpeg_read_header(&ci, TRUE);
	if (ci.image_width > PHOTO_MAX_SIDE || ci.image_height > PHOTO_MAX_SIDE) {
		snprintf(c->msg, sizeof(c->msg), "the image is %u x %u pixels", ci.image_width,
		         ci.image_height);
		goto out;
	}
	jpeg_start_decompress(&ci);
	{
		JSAMPARRAY row = (*ci.mem->alloc_sarray)((j_common_ptr)&ci, JPOOL_IMAGE,
		                                         ci.output_width * ci.output_components, 1);

		while (ci.output_scanline < ci.output_height)
			jpeg_read_scanlines(&ci, row, 1);
	}
	jpeg_finish_decompress(&ci);
	*w = ci.image_width;
	*h = ci.image_height;
	ok = c->warned == 0;
out:
	jpeg_destroy_decompress(&ci);
	return ok;
}

/* ---- PDF ---- */

/* A PDF is not rendered: it must start with "%PDF-" and carry "%%EOF" in its last 1024 bytes
 * (a file cut short in transfer loses it). */
static int pdf_whole(const unsigned char *buf, size_t n)
{
	for (size_t i = n > 1024 ? n - 1024 : 0; i + 5 <= n; i++)
		if (memcmp(buf + i, "%%EOF", 5) == 0)
			return 1;
	return 0;
}

/* A photo whose decoder stopped: refused with the decoder's reason. */
static card_err undecodable(const char *name, const char *kind, const char *why, unsigned *width,
                            unsigned *height, card_diag *diag)
{
	card_diag_set(diag, "photo \"%s\" is not a %s image that can be read", name, kind);
	card_diag_detail(diag, "The %s decoder stopped: %s.", kind, why);
	card_diag_hint(diag, "%s", HINT);
	*width = *height = 0;
	return CARD_ERR_INPUT;
}

card_err photo_check(const unsigned char *buf, size_t n, const char *name, const char **type,
                     unsigned *width, unsigned *height, card_diag *diag)
{
	static const unsigned char png_magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	static const unsigned char jpeg_magic[3] = { 0xff, 0xd8, 0xff };

	*type = NULL;
	*width = *height = 0;
	if (n >= sizeof(png_magic) && memcmp(buf, png_magic, sizeof(png_magic)) == 0) {
		struct png_ctx c = { buf, n, 0, "" };

		/* IHDR comes first: its size is refused in the words the JPEG check uses (libpng's
		 * own limits, set too, would only say "Invalid IHDR data"). */
		if (n >= 24 && memcmp(buf + 12, "IHDR", 4) == 0) {
			unsigned long w = be32(buf + 16), h = be32(buf + 20);

			if (w > PHOTO_MAX_SIDE || h > PHOTO_MAX_SIDE)
				snprintf(c.msg, sizeof(c.msg), "the image is %lu x %lu pixels", w,
				         h);
		}
		if (c.msg[0] != '\0' || !png_decode(&c, width, height))
			return undecodable(name, "PNG", c.msg, width, height, diag);
		*type = "image/png";
		return CARD_OK;
	}
	if (n >= sizeof(jpeg_magic) && memcmp(buf, jpeg_magic, sizeof(jpeg_magic)) == 0) {
		struct jpeg_ctx c;

		memset(&c, 0, sizeof(c));
		if (!jpeg_decode(&c, buf, n, width, height))
			return undecodable(name, "JPEG", c.msg, width, height, diag);
		*type = "image/jpeg";
		return CARD_OK;
	}
	if (n >= 5 && memcmp(buf, "%PDF-", 5) == 0) {
		if (!pdf_whole(buf, n)) {
			card_diag_set(diag, "photo \"%s\" is not a whole PDF file", name);
			card_diag_detail(diag,
			                 "It has no end-of-file marker (%%%%EOF) at its end.");
			card_diag_hint(diag, "%s", HINT);
			return CARD_ERR_INPUT;
		}
		*type = "application/pdf";
		return CARD_OK;
	}
	card_diag_set(diag, "the receipt photo is not a JPEG, PNG or PDF file");
	card_diag_detail(diag, "The file \"%s\" is none of them by its content.", name);
	return CARD_ERR_INPUT;
}

void photo_clear(struct photo *p)
{
	free(p->hex);
	memset(p, 0, sizeof(*p));
}

/* Read the whole file (after fstat: a regular file of 1..CARD_PHOTO_MAX bytes, so nothing
 * larger is read or sent), check it by decoding it, and hex-encode it for libpq's text bytea
 * input.  The buffer is ours and freed here; *p goes to the caller only on CARD_OK. */
card_err photo_read(const char *path, struct photo *p, card_diag *diag)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char *buf = NULL;
	unsigned w, h;
	struct stat sb;
	FILE *f = NULL;
	size_t n = 0;
	card_err rc = CARD_ERR_INPUT;

	memset(p, 0, sizeof(*p));
	if (path == NULL) {
		card_diag_set(diag, "no receipt without the photo of the signed receipt");
		card_diag_hint(diag, "Give --photo FILE (JPEG, PNG or PDF).");
		goto out;
	}
	f = fopen(path, "rb");
	if (f == NULL || fstat(fileno(f), &sb) != 0) {
		card_diag_set(diag, "could not open photo \"%s\": %s", path, strerror(errno));
		rc = CARD_ERR_IO;
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size == 0 || (size_t)sb.st_size > CARD_PHOTO_MAX) {
		card_diag_set(diag, "photo \"%s\" is %s", path,
		              !S_ISREG(sb.st_mode) ? "not a regular file"
		              : sb.st_size == 0    ? "empty"
		                                   : "too large");
		card_diag_detail(diag, "The limit is %zu bytes.", CARD_PHOTO_MAX);
		goto out;
	}
	buf = malloc((size_t)sb.st_size);
	if (buf == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	n = fread(buf, 1, (size_t)sb.st_size, f);
	if (n != (size_t)sb.st_size) {
		card_diag_set(diag, "could not read photo \"%s\"", path);
		rc = CARD_ERR_IO;
		goto out;
	}
	rc = photo_check(buf, n, path, &p->type, &w, &h, diag);
	if (rc != CARD_OK)
		goto out;
	if (w > 0) {
		snprintf(p->width, sizeof(p->width), "%u", w);
		snprintf(p->height, sizeof(p->height), "%u", h);
	}
	p->hex = malloc(2 * n + 3);
	if (p->hex == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	p->hex[0] = '\\';
	p->hex[1] = 'x';
	for (size_t i = 0; i < n; i++) {
		p->hex[2 + 2 * i] = digits[buf[i] >> 4];
		p->hex[3 + 2 * i] = digits[buf[i] & 15];
	}
	p->hex[2 + 2 * n] = '\0';
	rc = CARD_OK;
out:
	if (rc != CARD_OK)
		photo_clear(p);
	if (f != NULL)
		fclose(f);
	free(buf);
	return rc;
}
