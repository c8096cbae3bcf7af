/*
 * api.c -- the endpoints of docs/openapi.yaml: redemption, the feed, card state, readiness, metrics,
 * and the student page.
 *
 * Redemption order of checks, cheapest first, so that nothing but a plausible code reaches
 * the database: content type and size (http.c), client-address rate limit (http.c), JSON
 * body, code syntax and check symbol (400 malformed/typo), MAC (422 invalid_code, counted as
 * a failed-MAC attempt), account rate limit (429), then group commit (batch.c).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_int.h"

static const char INVALID_CODE_MSG[] = "this code is not valid";

static void resume(struct cardd_item *it)
{
	struct req *r = it->cookie;
	MHD_resume_connection(r->conn);
}

/* Append s to out[*at..cap) as a JSON string; 0 ok, -1 no room.  Only '"', '\\' and control
 * characters need escaping (accounts and terms are valid UTF-8, passed through as is). */
static int json_str(char *out, size_t cap, size_t *at, const char *s)
{
	static const char HEX[] = "0123456789abcdef";
	size_t o = *at;
	if (o >= cap)
		return -1;
	out[o++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (o + 7 > cap)
			return -1;
		if (*p == '"' || *p == '\\') {
			out[o++] = '\\';
			out[o++] = (char)*p;
		} else if (*p < 0x20) {
			memcpy(out + o, "\\u00", 4);
			out[o + 4] = HEX[*p >> 4];
			out[o + 5] = HEX[*p & 15];
			o += 6;
		} else {
			out[o++] = (char)*p;
		}
	}
	if (o + 1 > cap)
		return -1;
	out[o++] = '"';
	*at = o;
	return 0;
}

/*
 * The body of a 201/200 answer, written straight into a buffer: the same document jansson
 * made (same keys, same order), without building and freeing a tree per request.
 */
static enum MHD_Result redemption_answer(struct req *r, unsigned status, const card_redemption *o)
{
	char serial[CARD_SERIAL_BUFSZ], buf[1024], tname[CARD_TERM_NAME_BUFSZ];
	size_t at;
	int n;

	card_serial_format(o->serial, serial);
	n = snprintf(buf, sizeof(buf), "{\"serial\":\"%s\",\"term\":", serial);
	at = (size_t)n;
	if (json_str(buf, sizeof(buf), &at, o->term) != 0)
		return MHD_NO;
	/* the term as the forms write it (card_term_name): the page shows it as is */
	if (card_term_name(o->term, tname) != CARD_OK)
		snprintf(tname, sizeof(tname), "%s", o->term);
	n = snprintf(buf + at, sizeof(buf) - at, ",\"term_name\":");
	at += (size_t)n;
	if (json_str(buf, sizeof(buf), &at, tname) != 0)
		return MHD_NO;
	n = snprintf(buf + at, sizeof(buf) - at,
	             ",\"face_value_fen\":%d,\"account\":", o->face_value_fen);
	if (n < 0 || (size_t)n >= sizeof(buf) - at)
		return MHD_NO;
	at += (size_t)n;
	if (json_str(buf, sizeof(buf), &at, o->account) != 0)
		return MHD_NO;
	n = snprintf(buf + at, sizeof(buf) - at, ",\"redeemed_at\":");
	at += (size_t)n;
	if (json_str(buf, sizeof(buf), &at, o->redeemed_at) != 0)
		return MHD_NO;
	n = snprintf(buf + at, sizeof(buf) - at, ",\"redemption_id\":%lld}", (long long)o->id);
	if (n < 0 || (size_t)n >= sizeof(buf) - at)
		return MHD_NO;
	at += (size_t)n;
	return http_bytes(r, status, "application/json; charset=utf-8", buf, at);
}

/* The answer to a redemption whose commit is done. */
static enum MHD_Result redeem_answer(struct req *r)
{
	struct cardd_item *it = &r->item;
	unsigned ra = r->live->retry_after;

	if (!atomic_load_explicit(&it->done,
	                          memory_order_acquire)) /* spurious resume: keep waiting */
		return MHD_YES;
	if (it->rc != CARD_OK)
		return http_error(r, 503, "unavailable",
		                  "the service is busy or the database is unavailable",
		                  "Please try again in a few seconds.", ra);
	card_serial_format(it->out.serial, r->serial);
	switch (it->out.outcome) {
	case CARD_REDEEMED:
		r->what = "redeemed";
		return redemption_answer(r, 201, &it->out);
	case CARD_REDEEM_REPEATED:
		r->what = "repeated";
		return redemption_answer(r, 200, &it->out);
	case CARD_ALREADY_REDEEMED:
		return http_error(r, 409, "already_redeemed", "this card has already been redeemed",
		                  NULL, 0);
	case CARD_CARD_VOID:
		return http_error(r, 410, "card_void", "this card has been voided",
		                  "If your school gave you a replacement card, redeem that one; "
		                  "otherwise ask your school.",
		                  0);
	case CARD_INVALID_CODE:
		return http_error(r, 422, "invalid_code", INVALID_CODE_MSG, NULL, 0);
	case CARD_IDEMPOTENCY_REUSED:
		return http_error(r, 422, "idempotency_key_reused",
		                  "this Idempotency-Key was used with a different request", NULL,
		                  0);
	}
	return http_error(r, 500, "internal", "unexpected outcome", NULL, 0);
}

enum MHD_Result api_redeem(struct req *r)
{
	struct cardd *d = r->d;
	struct cardd_redeem_body b;
	struct cardd_item *it = &r->item;
	const char *ecode, *emsg, *idem;
	char hint[160], akey[sizeof(uint64_t) + CARD_ACCOUNT_BUFSZ];
	uint64_t serial = 0;
	unsigned key_id = 0, retry = 0;
	size_t nsym = 0, bad_at = (size_t)-1;
	card_verdict v;

	if (r->submitted)
		return redeem_answer(r);
	if (cardd_parse_redeem_body(r->body != NULL ? r->body : "", r->len, &b, &ecode, &emsg) !=
	    0) {
		atomic_fetch_add(&d->metrics.rejected[VM_BAD_BODY], 1);
		return http_error(r, 400, ecode, emsg, NULL, 0);
	}
	idem = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Idempotency-Key");
	if (idem != NULL && !card_idem_key_valid(idem)) {
		atomic_fetch_add(&d->metrics.rejected[VM_BAD_BODY], 1);
		return http_error(r, 400, "invalid_idempotency_key",
		                  "the Idempotency-Key must be 1 to 255 printable ASCII "
		                  "characters, no spaces",
		                  NULL, 0);
	}
	v = cardd_keys_validate(&d->keys, b.code, strlen(b.code), &serial, &key_id);
	switch (v) {
	case CARD_VALID:
		break;
	case CARD_MALFORMED:
		atomic_fetch_add(&d->metrics.rejected[VM_MALFORMED], 1);
		(void)card_code_check(b.code, strlen(b.code), &nsym, &bad_at);
		if (bad_at != (size_t)-1)
			snprintf(hint, sizeof(hint),
			         "Character %zu is not used in card codes; the letter U never is.",
			         bad_at + 1);
		else if (nsym == CARD_CODE_SYMBOLS)
			snprintf(hint, sizeof(hint),
			         "This code is not one of this service's cards; check the card "
			         "again.");
		else
			snprintf(hint, sizeof(hint), "A code has 20 characters; this one has %zu.",
			         nsym);
		return http_error(r, 400, "malformed", "this is not a card code", hint, 0);
	case CARD_TYPO:
		atomic_fetch_add(&d->metrics.rejected[VM_TYPO], 1);
		return http_error(
			r, 400, "typo", "the code has a typing error",
			"Compare each group of four characters with the card and type it again.",
			0);
	case CARD_UNKNOWN_KEY:
	case CARD_FORGED:
		atomic_fetch_add(&d->metrics.rejected[VM_INVALID], 1);
		atomic_fetch_add(&d->metrics.failed_mac, 1);
		cardd_tally_add(d->metrics.failed_mac_by_ip, r->ipkey);
		return http_error(r, 422, "invalid_code", INVALID_CODE_MSG, NULL, 0);
	}
	card_serial_format(serial, r->serial);
	/* The account bucket is keyed by card and account: a holder of one real card can spend
	 * only the bucket of that card for any account, never the bucket of another card. */
	memcpy(akey, &serial, sizeof(serial));
	memcpy(akey + sizeof(serial), b.account, strlen(b.account));
	if (!cardd_limiter_take(d->account_limit, akey, sizeof(serial) + strlen(b.account),
	                        cardd_now(), &retry)) {
		atomic_fetch_add(&d->metrics.ratelimited_account, 1);
		return http_error(r, 429, "rate_limited",
		                  "too many requests for this card and account",
		                  "Wait a moment and try again.", retry);
	}
	memset(it, 0, sizeof(*it));
	memcpy(it->account, b.account, sizeof(it->account));
	it->req.serial = serial;
	it->req.key_id = key_id;
	it->req.account = it->account;
	if (idem != NULL) {
		snprintf(it->idem, sizeof(it->idem), "%s", idem);
		it->req.idem_key = it->idem;
	}
	it->notify = resume;
	it->cookie = r;
	r->submitted = 1;
	MHD_suspend_connection(r->conn);
	if (cardd_batcher_submit(d->batcher, it) != 0) {
		it->rc = CARD_ERR_DB_UNAVAILABLE;
		atomic_store_explicit(&it->done, 1, memory_order_release);
		MHD_resume_connection(r->conn);
	}
	return MHD_YES;
}

int api_authorize(struct req *r, card_token_role want, enum MHD_Result *ret)
{
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	                                            MHD_HTTP_HEADER_AUTHORIZATION);
	card_token_role role = 0;
	card_store *st;
	card_err rc;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		*ret = http_error(r, 401, "unauthorized", "a bearer token is required", NULL, 0);
		return -1;
	}
	st = cardd_pool_get(r->d->pool, r->d->cfg.db_timeout_ms);
	if (st == NULL) {
		*ret = http_error(r, 503, "unavailable", "the database is unavailable", NULL,
		                  r->live->retry_after);
		return -1;
	}
	rc = card_token_verify(st, h + 7, &role, NULL);
	cardd_pool_put(r->d->pool, st, rc == CARD_ERR_DB_UNAVAILABLE);
	if (rc == CARD_ERR_NOT_FOUND) {
		*ret = http_error(r, 401, "unauthorized", "the bearer token is not valid", NULL, 0);
		return -1;
	}
	if (rc != CARD_OK) {
		*ret = http_error(r, 503, "unavailable", "the database is unavailable", NULL,
		                  r->live->retry_after);
		return -1;
	}
	if (role != want) {
		*ret = http_error(r, 403, "forbidden", "this token may not use this endpoint", NULL,
		                  0);
		return -1;
	}
	return 0;
}

/* Checked decimal argument in [min, max]; absent gives dflt. */
static int query_num(struct req *r, const char *name, long long min, long long max, long long dflt,
                     long long *out)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
	char *end;
	long long x;
	if (v == NULL) {
		*out = dflt;
		return 0;
	}
	if (v[0] < '0' || v[0] > '9' || strlen(v) > 19)
		return -1;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || x < min || x > max) /* ERANGE: refused, not clamped */
		return -1;
	*out = x;
	return 0;
}

enum MHD_Result api_feed(struct req *r)
{
	enum MHD_Result ret;
	card_feed_entry *e = NULL;
	card_store *st;
	size_t n = 0;
	long long after, limit;
	json_t *arr, *root;
	card_err rc;

	if (api_authorize(r, CARD_ROLE_PLATFORM, &ret) != 0)
		return ret;
	if (query_num(r, "after", 0, INT64_MAX, 0, &after) != 0 ||
	    query_num(r, "limit", 1, CARD_FEED_LIMIT_MAX, 100, &limit) != 0)
		return http_error(r, 400, "invalid_parameter",
		                  "after must be a whole number >= 0 and limit from 1 to 1000",
		                  NULL, 0);
	st = cardd_pool_get(r->d->pool, r->d->cfg.db_timeout_ms);
	if (st == NULL)
		return http_error(r, 503, "unavailable", "the database is unavailable", NULL,
		                  r->live->retry_after);
	rc = card_feed_read(st, after, (unsigned)limit, &e, &n, NULL);
	cardd_pool_put(r->d->pool, st, rc == CARD_ERR_DB_UNAVAILABLE);
	if (rc != CARD_OK)
		return http_error(r, 503, "unavailable", "the database is unavailable", NULL,
		                  r->live->retry_after);
	arr = json_array();
	for (size_t i = 0; arr != NULL && i < n; i++) {
		char serial[CARD_SERIAL_BUFSZ];
		card_serial_format(e[i].serial, serial);
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:i, s:s}", "id",
		                                     (json_int_t)e[i].id, "serial", serial,
		                                     "account", e[i].account, "term", e[i].term,
		                                     "face_value_fen", e[i].face_value_fen,
		                                     "redeemed_at", e[i].redeemed_at));
	}
	root = json_pack("{s:o, s:I}", "redemptions", arr, "next_after",
	                 (json_int_t)(n > 0 ? e[n - 1].id : after));
	free(e);
	return http_json(r, 200, root);
}

enum MHD_Result api_readyz(struct req *r)
{
	if (!cardd_pool_ready(r->d->pool))
		return http_error(r, 503, "unavailable", "the database is not reachable", NULL,
		                  r->live->retry_after);
	return http_bytes(r, 200, "application/json; charset=utf-8", "{\"status\":\"ready\"}", 18);
}

enum MHD_Result api_metrics(struct req *r)
{
	char *text = NULL;
	size_t len = 0;
	enum MHD_Result ret;
	if (cardd_metrics_render(&r->d->metrics, &text, &len) != 0)
		ret = http_error(r, 500, "internal", "could not render metrics", NULL, 0);
	else
		ret = http_bytes(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
	free(text);
	return ret;
}
