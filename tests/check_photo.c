/*
 * check_photo.c -- receipt photos are decoded, not sniffed (libcard/photo.c photo_check and
 * photo_read): the fixtures of tests/data (PNG, baseline and progressive JPEG) decode with
 * their pixel size; a PNG or JPEG cut short, a real header followed by garbage, FF D8 FF
 * alone, a header over 10000 pixels either way and a PDF without its end are refused with a
 * message naming the file; photo_read keeps nothing on a refusal.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "photo_int.h"
#include "testutil.h"

static unsigned char png[4096], jpg[4096];
static size_t png_n, jpg_n;

static size_t fixture(const char *name, unsigned char *buf, size_t sz)
{
	const char *src = getenv("top_srcdir");
	char path[512];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/data/%s", src != NULL ? src : ".", name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	n = fread(buf, 1, sz, f);
	fclose(f);
	ck_assert(n > 0 && n < sz);
	return n;
}

static void load(void)
{
	png_n = fixture("receipt.png", png, sizeof(png));
	jpg_n = fixture("receipt.jpg", jpg, sizeof(jpg));
}

/* The CRC of a PNG chunk (type and data), for headers made here. */
static uint32_t crc32_png(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return c ^ 0xffffffffu;
}

static void be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Refused as input, with a message that has want and names the file. */
static void refused(const unsigned char *buf, size_t n, const char *want)
{
	const char *type = "x";
	unsigned w = 1, h = 1;
	card_diag d;

	card_diag_clear(&d);
	ck_assert_int_eq(photo_check(buf, n, "r.img", &type, &w, &h, &d), CARD_ERR_INPUT);
	ck_assert_msg(strstr(d.message, want) != NULL || strstr(d.detail, want) != NULL,
	              "wanted '%s': %s / %s", want, d.message, d.detail);
	ck_assert_ptr_null(type);
	ck_assert_uint_eq(w, 0);
	ck_assert_uint_eq(h, 0);
}

START_TEST(test_good)
{
	static const char pdf[] = "%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n";
	const char *type;
	unsigned w, h;
	card_diag d;

	load();
	card_diag_clear(&d);
	ck_assert_int_eq(photo_check(png, png_n, "r.png", &type, &w, &h, &d), CARD_OK);
	ck_assert_str_eq(type, "image/png");
	ck_assert_uint_eq(w, 5);
	ck_assert_uint_eq(h, 3);
	ck_assert_int_eq(photo_check(jpg, jpg_n, "r.jpg", &type, &w, &h, &d), CARD_OK);
	ck_assert_str_eq(type, "image/jpeg");
	ck_assert_uint_eq(w, 24);
	ck_assert_uint_eq(h, 16);
	{
		unsigned char prog[4096];
		size_t n = fixture("receipt-progressive.jpg", prog, sizeof(prog));

		/* A progressive JPEG decodes through libjpeg's whole-image buffers. */
		ck_assert_int_eq(photo_check(prog, n, "p.jpg", &type, &w, &h, &d), CARD_OK);
		ck_assert_str_eq(type, "image/jpeg");
		ck_assert_uint_eq(w, 24);
		ck_assert_uint_eq(h, 16);
		for (size_t cut = 3; cut < n - 2; cut += 37)
			refused(prog, cut, "is not a JPEG image that can be read");
	}
	ck_assert_int_eq(photo_check((const unsigned char *)pdf, sizeof(pdf) - 1, "r.pdf", &type,
	                             &w, &h, &d),
	                 CARD_OK);
	ck_assert_str_eq(type, "application/pdf");
	ck_assert_uint_eq(w, 0);
}
END_TEST

START_TEST(test_cut_and_garbage)
{
	static const unsigned char ffd8ff[] = { 0xff, 0xd8, 0xff };
	static const char text[] = "this is not a photo\n";
	static const char cut_pdf[] = "%PDF-1.4\n1 0 obj << >> endobj\n";
	unsigned char buf[4096];

	load();
	for (size_t n = 8; n < png_n - 12; n += 7) /* every cut before IEND */
		refused(png, n, "is not a PNG image that can be read");
	memcpy(buf, png, 8);
	memcpy(buf + 8, "\0\0\0\rIHDR signed receipt and garbage", 36);
	refused(buf, 44, "PNG decoder stopped");
	refused(ffd8ff, sizeof(ffd8ff), "is not a JPEG image that can be read");
	for (size_t n = 3; n < jpg_n - 2; n += 29)
		refused(jpg, n, "is not a JPEG image that can be read");
	/* Corrupt entropy-coded data: a warning of libjpeg's is a refusal. */
	memcpy(buf, jpg, jpg_n);
	memset(buf + jpg_n - 60, 0xff, 40);
	refused(buf, jpg_n, "JPEG decoder stopped");
	refused((const unsigned char *)cut_pdf, sizeof(cut_pdf) - 1, "is not a whole PDF file");
	refused((const unsigned char *)text, sizeof(text) - 1, "not a JPEG, PNG or PDF");
	refused((const unsigned char *)"%PDF", 4, "not a JPEG, PNG or PDF");
}
END_TEST

/* Headers over PHOTO_MAX_SIDE: refused from the header (the data that follows is far too short
 * to be the image, so only the header can have refused it). */
START_TEST(test_huge)
{
	unsigned char buf[4096];
	size_t sof;

	load();
	for (int k = 0; k < 3; k++) {
		uint32_t w = k == 0 ? 100000 : k == 1 ? PHOTO_MAX_SIDE + 1 : 1;
		uint32_t h = k == 0 ? 100000 : k == 1 ? 1 : PHOTO_MAX_SIDE + 1;

		memcpy(buf, png, png_n);
		be32(buf + 16, w); /* IHDR data: width, height, then 5 bytes */
		be32(buf + 20, h);
		be32(buf + 29, crc32_png(buf + 12, 17));
		refused(buf, png_n, "pixels");
	}
	for (sof = 2; sof + 9 < jpg_n; sof++)
		if (jpg[sof] == 0xff && jpg[sof + 1] == 0xc0)
			break;
	ck_assert(sof + 9 < jpg_n);
	memcpy(buf, jpg, jpg_n);
	buf[sof + 5] = 0xea; /* height 60000 */
	buf[sof + 6] = 0x60;
	refused(buf, jpg_n, "the image is 24 x 60000 pixels");
	buf[sof + 5] = 0;
	buf[sof + 6] = 16;
	buf[sof + 7] = 0x27; /* width 10001 */
	buf[sof + 8] = 0x11;
	refused(buf, jpg_n, "the image is 10001 x 16 pixels");
}
END_TEST

START_TEST(test_read)
{
	char *dir = tu_tmpdir(), path[512];
	struct photo p;
	card_diag d;
	FILE *f;

	load();
	card_diag_clear(&d);
	snprintf(path, sizeof(path), "%s/r.png", dir);
	f = fopen(path, "wb");
	ck_assert(f != NULL);
	fwrite(png, 1, png_n, f);
	fclose(f);
	ck_assert_int_eq(photo_read(path, &p, &d), CARD_OK);
	ck_assert_str_eq(p.type, "image/png");
	ck_assert_str_eq(p.width, "5");
	ck_assert_str_eq(p.height, "3");
	ck_assert_ptr_nonnull(p.hex);
	ck_assert(strncmp(p.hex, "\\x89504e47", 10) == 0);
	ck_assert_uint_eq(strlen(p.hex), 2 + 2 * png_n);
	photo_clear(&p);
	f = fopen(path, "wb");
	ck_assert(f != NULL);
	fwrite(png, 1, png_n - 20, f);
	fclose(f);
	ck_assert_int_eq(photo_read(path, &p, &d), CARD_ERR_INPUT);
	ck_assert_ptr_null(p.hex);
	ck_assert_msg(strstr(d.message, "r.png") != NULL, "%s", d.message);
	ck_assert_int_eq(photo_read(NULL, &p, &d), CARD_ERR_INPUT);
	ck_assert_ptr_null(p.hex);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("photo");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_cut_and_garbage);
	tcase_add_test(tc, test_huge);
	tcase_add_test(tc, test_read);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
