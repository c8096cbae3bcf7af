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
	MHD_add_response_header(
		resp, "Content-Security-Policy",
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

/* The card's state as JSON (a redemption's account is shown: help-desk staff need it). */
static json_t *card_json(const card_card_info *c)
{
	char serial[CARD_SERIAL_BUFSZ];
	json_t *j, *moves = json_array();

	card_serial_format(c->serial, serial);
	for (size_t i = 0; moves != NULL && i < c->nmoves; i++) {
		const card_card_move *m = &c->moves[i];
		json_array_append_new(
			moves, json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s, s:s}", "at", m->at,
		                         "kind", m->kind, "document", m->doc, "from_org",
		                         m->from_org[0] ? m->from_org : NULL, "from_state",
		                         m->from_state[0] ? m->from_state : NULL, "to_org",
		                         m->to_org, "to_state", m->to_state));
	}
	j = json_pack("{s:s, s:s, s:s, s:i, s:i, s:s?, s:s?, s:b, s:b, s:o}", "serial", serial,
	              "batch", c->batch, "term", c->term, "key_id", (int)c->key_id,
	              "face_value_fen", c->face_value_fen, "org", c->org[0] ? c->org : NULL,
	              "state", c->state[0] ? c->state : NULL, "redeemed", c->redeemed, "void",
	              c->voided, "moves", moves);
	if (j != NULL && c->redeemed)
		json_object_set_new(j, "redemption",
		                    json_pack("{s:I, s:s, s:s}", "id", (json_int_t)c->redemption_id,
		                              "account", c->account, "redeemed_at",
		                              c->redeemed_at));
	if (j != NULL && c->voided)
		json_object_set_new(j, "voided",
		                    json_pack("{s:s, s:s, s:s}", "reason", c->void_reason,
		                              "document", c->void_doc, "at", c->voided_at));
	return j;
}

enum MHD_Result api_card(struct req *r, const char *serial_text)
{
	enum MHD_Result ret;
	card_card_info info;
	card_store *st;
	uint64_t serial;
	card_err rc;

	if (api_authorize(r, CARD_ROLE_HELPDESK, &ret) != 0)
		return ret;
	if (card_serial_parse(serial_text, &serial) != CARD_OK)
		return http_error(r, 400, "invalid_serial", "a serial is 1 to 13 decimal digits",
		                  NULL, 0);
	card_serial_format(serial, r->serial);
	st = cardd_pool_get(r->d->pool, r->d->cfg.db_timeout_ms);
	if (st == NULL)
		return http_error(r, 503, "unavailable", "the database is unavailable", NULL,
		                  r->live->retry_after);
	memset(&info, 0, sizeof(info));
	rc = card_card_show(st, serial, &info, NULL);
	cardd_pool_put(r->d->pool, st, rc == CARD_ERR_DB_UNAVAILABLE);
	if (rc == CARD_OK)
		ret = http_json(r, 200, card_json(&info));
	else if (rc == CARD_ERR_NOT_FOUND)
		ret = http_error(r, 404, "not_found", "no card with this serial", NULL, 0);
	else
		ret = http_error(r, 503, "unavailable", "the database is unavailable", NULL,
		                 r->live->retry_after);
	card_card_info_free(&info);
	return ret;
}
