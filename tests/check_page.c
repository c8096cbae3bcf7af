/*
 * check_page.c -- the student page compiled into cardd: the embedded bytes are exactly
 * daemon/page.html, valid UTF-8 with no NUL, and the page is self-contained (no external
 * script, style, font, image or link) and carries what a phone and a screen reader need.
 * How it behaves in a browser is tests/page_browser.sh's job.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "page.h"

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;
	ck_assert_msg(f != NULL, "cannot open %s", path);
	do {
		if (n + 4096 > cap) {
			cap = (cap + 4096) * 2;
			buf = realloc(buf, cap + 1);
			ck_assert_ptr_nonnull(buf);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
static int utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i], need, min, cp;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			min = 0x80;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			min = 0x800;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			min = 0x10000;
			cp = c & 0x07;
		} else
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

START_TEST(test_embedded_is_the_file)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	size_t flen, len = 0;
	char *file;
	const char *page = cardd_page_html(&len);

	snprintf(path, sizeof(path), "%s/daemon/page.html", top ? top : ".");
	file = read_file(path, &flen);
	ck_assert_ptr_nonnull(page);
	ck_assert_uint_eq(len, flen);
	ck_assert_uint_eq(strlen(page), len);
	ck_assert_int_eq(memcmp(page, file, len), 0);
	ck_assert_ptr_eq(cardd_page_html(NULL), page);
	free(file);
}
END_TEST

START_TEST(test_utf8)
{
	size_t len;
	const unsigned char *p = (const unsigned char *)cardd_page_html(&len);
	static const unsigned char bad[] = { 'a', 0xe4, 0xbd };
	static const unsigned char good[] = { 0xe5, 0x85, 0x91 }; /* 兑 */
	ck_assert(utf8_ok(good, sizeof(good)));
	ck_assert(!utf8_ok(bad, sizeof(bad)));
	ck_assert(utf8_ok(p, len));
}
END_TEST

START_TEST(test_self_contained)
{
	const char *p = cardd_page_html(NULL);
	/* Nothing is fetched from anywhere: no URL, no src=, no link, no CSS import or url(). */
	static const char *const banned[] = { "http:",      "https:", "src=",    "<link",
		                              "@import",    "url(",   "<iframe", "<img",
		                              "@font-face", "//cdn",  "eval(" };
	for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
		ck_assert_msg(strstr(p, banned[i]) == NULL, "page contains \"%s\"", banned[i]);
	ck_assert_ptr_nonnull(strstr(p, "default-src 'none'"));
	ck_assert_ptr_nonnull(strstr(p, "connect-src 'self'"));
}
END_TEST

START_TEST(test_phone_and_screen_reader)
{
	const char *p = cardd_page_html(NULL);
	static const char *const need[] = {
		"<!doctype html>",
		"<html lang=\"zh-CN\">",
		"<meta charset=\"utf-8\">",
		"name=\"viewport\" content=\"width=device-width, initial-scale=1\"",
		"<label for=\"code\">",
		"<label for=\"account\">",
		"id=\"code\"",
		"id=\"account\"",
		"maxlength=\"64\"",
		"aria-live=\"polite\"",
		"role=\"status\"",
		"type=\"submit\"",
		"v1/redemptions",
		"Idempotency-Key",
		"Retry-After",
		"<title>"
	};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		ck_assert_msg(strstr(p, need[i]) != NULL, "page lacks \"%s\"", need[i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("page");
	TCase *tc = tcase_create("page");
	tcase_add_test(tc, test_embedded_is_the_file);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_self_contained);
	tcase_add_test(tc, test_phone_and_screen_reader);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
