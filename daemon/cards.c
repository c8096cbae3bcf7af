/*
 * cards.c -- GET /v1/cards/{serial} for help-desk staff, and GET / (the student page).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "http_int.h"

/* Placeholder until daemon/page.c (the student page, branch cardd-page) lands. */
static const char PLACEHOLDER[] =
	"<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	"<title>资源卡兑换</title></head><body><h1>资源卡兑换</h1>"
	"<p>POST /v1/redemptions {\"code\": \"...\", \"account\": \"...\"}</p></body></html>";

enum MHD_Result api_page(struct req *r)
{
	return http_bytes(r, 200, "text/html; charset=utf-8", PLACEHOLDER, sizeof(PLACEHOLDER) - 1);
}

enum MHD_Result api_card(struct req *r, const char *serial_text)
{
	(void)serial_text;
	return http_error(r, 404, "not_found", "no such card", NULL, 0);
}
