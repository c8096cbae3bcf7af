/*
 * cards.c -- GET /v1/cards/{serial} for help-desk staff, and GET / (the student page).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "http_int.h"
#include "page.h"

/* The student page (daemon/page.html, compiled into daemon/page.c by the cardd-page build). */
enum MHD_Result api_page(struct req *r)
{
	size_t len = 0;
	const char *html = cardd_page_html(&len);
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)html, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
	MHD_add_response_header(resp, "Content-Security-Policy",
	                        "default-src 'self'; script-src 'self' 'unsafe-inline'; "
	                        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'");
	MHD_add_response_header(resp, "X-Request-Id", r->id);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	r->status = 200;
	return ret;
}

enum MHD_Result api_card(struct req *r, const char *serial_text)
{
	enum MHD_Result ret;
	uint64_t serial;

	if (api_authorize(r, CARD_ROLE_HELPDESK, &ret) != 0)
		return ret;
	if (card_serial_parse(serial_text, &serial) != CARD_OK)
		return http_error(r, 400, "invalid_serial", "a serial is 1 to 13 decimal digits", NULL, 0);
	card_serial_format(serial, r->serial);
	return http_error(r, 404, "not_found", "no such card", NULL, 0);
}
