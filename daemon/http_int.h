/*
 * http_int.h -- what http.c (libmicrohttpd glue, router) and api.c (the endpoints) share.
 */
#ifndef CARDD_HTTP_INT_H
#define CARDD_HTTP_INT_H

#include <jansson.h>
#include <microhttpd.h>

#include "cardd.h"

/* One HTTP request, from its first byte to the completion callback (MHD's con_cls). */
struct req {
	struct cardd *d;
	const struct cardd_live *live; /* the reloadable settings, as at the request's start */
	struct MHD_Connection *conn;
	enum cardd_endpoint ep;
	char id[CARD_UUID_BUFSZ]; /* X-Request-Id, in logs */
	char ip[64];              /* client address (X-Forwarded-For from trusted proxies) */
	char ipkey[64];           /* ip grouped (IPv6 by prefix): what rate limits count */
	int close;                /* answer with Connection: close (bad framing) */
	double start;
	char *body;
	size_t len, cap;
	int too_big;
	int submitted;     /* redemption queued; the request is suspended */
	unsigned status;   /* answered with */
	const char *what;  /* outcome/error code for the log, static */
	const char *allow; /* Allow header of a 405 */
	char serial[CARD_SERIAL_BUFSZ];
	struct cardd_item item;
};

/* Answer with a JSON document (takes the reference to j). */
enum MHD_Result http_json(struct req *r, unsigned status, json_t *j);
/* {"error": {"code", "message"[, "hint"]}}; retry_after > 0 adds Retry-After. */
enum MHD_Result http_error(struct req *r, unsigned status, const char *code, const char *message,
                           const char *hint, unsigned retry_after);
/* Raw bytes, copied. */
enum MHD_Result http_bytes(struct req *r, unsigned status, const char *type, const void *buf,
                           size_t len);

/* Check the bearer token for `want`; 0 ok, else an answer was queued into *ret (401/403/503). */
int api_authorize(struct req *r, card_token_role want, enum MHD_Result *ret);

/* Endpoints (api.c).  Called once the body is complete. */
enum MHD_Result api_redeem(struct req *r);
enum MHD_Result api_feed(struct req *r);
enum MHD_Result api_card(struct req *r, const char *serial);
enum MHD_Result api_readyz(struct req *r);
enum MHD_Result api_metrics(struct req *r);
enum MHD_Result api_page(struct req *r);

/* guard.c: per-address connection limit and request deadline (see there). */
struct cardd_guard;
struct cardd_guard *cardd_guard_new(struct cardd *d);
void cardd_guard_free(struct cardd_guard *g);
enum MHD_Result cardd_guard_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);
void cardd_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode code);
void cardd_guard_mark(struct cardd_guard *g, struct MHD_Connection *c, int receiving);

#endif
