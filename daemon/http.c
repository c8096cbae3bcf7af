/*
 * http.c -- libmicrohttpd glue: daemon start and drain, the router, request bodies, responses,
 * and the completion callback that counts, times and logs every request.
 *
 * MHD runs a pool of worker threads, each with its own epoll loop.  Redemptions are not
 * answered on the worker: the request is suspended and queued for group commit (batch.c), and
 * resumed by the committer once its transaction is done, so a few workers carry thousands of
 * waiting clients.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <uuid/uuid.h>

#include "http_int.h"

double cardd_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum MHD_Result queue(struct req *r, unsigned status, struct MHD_Response *resp)
{
	enum MHD_Result ret;
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "X-Request-Id", r->id);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (atomic_load(&r->d->stopping) || r->close)
		MHD_add_response_header(resp, "Connection", "close");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->status = status;
	return ret;
}

enum MHD_Result http_bytes(struct req *r, unsigned status, const char *type, const void *buf,
                           size_t len)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)buf, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", type);
	return queue(r, status, resp);
}

enum MHD_Result http_json(struct req *r, unsigned status, json_t *j)
{
	char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	struct MHD_Response *resp;
	size_t n;

	json_decref(j);
	if (s == NULL)
		return MHD_NO;
	n = strlen(s);
	resp = MHD_create_response_from_buffer(n, s, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(s);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
	return queue(r, status, resp);
}

enum MHD_Result http_error(struct req *r, unsigned status, const char *code, const char *message,
                           const char *hint, unsigned retry_after)
{
	json_t *root = NULL, *e = json_pack("{s:s, s:s}", "code", code, "message", message);
	struct MHD_Response *resp;
	char *s = NULL;
	char ra[16];

	r->what = code;
	if (e != NULL && hint != NULL)
		json_object_set_new(e, "hint", json_string(hint));
	if (e != NULL)
		root = json_pack("{s:o}", "error", e); /* steals e */
	if (root != NULL)
		s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (s == NULL)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(s);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
	if (retry_after > 0) {
		snprintf(ra, sizeof(ra), "%u", retry_after);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
	if (status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"cardd\"");
	if (status == 405 && r->allow != NULL)
		MHD_add_response_header(resp, "Allow", r->allow);
	return queue(r, status, resp);
}

/* The client address: the peer, or from X-Forwarded-For when the peer is a trusted proxy
 * (the rightmost entry that is not itself a trusted proxy). */
static void client_ip(const struct cardd_live *live, struct MHD_Connection *c, char *out,
                      size_t outsz)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *xff;
	snprintf(out, outsz, "unknown");
	if (ci == NULL || ci->client_addr == NULL)
		return;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET,
		          &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr,
		          out, (socklen_t)outsz);
	else if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		          &((const struct sockaddr_in6 *)(const void *)ci->client_addr)->sin6_addr,
		          out, (socklen_t)outsz);
	if (live->trusted_proxies != NULL &&
	    (xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For")) != NULL)
		cardd_forwarded_client(live->trusted_proxies, xff, out, outsz);
}

/* Route: endpoint, and whether the method is allowed (else *allow gets the Allow header). */
static enum cardd_endpoint route(const char *url, const char *method, int *ok, const char **allow)
{
	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	enum cardd_endpoint ep = EP_OTHER;
	*allow = "GET, HEAD";
	if (strcmp(url, "/v1/redemptions") == 0) {
		*ok = get || strcmp(method, "POST") == 0;
		*allow = "GET, HEAD, POST";
		return get ? EP_FEED : EP_REDEEM;
	}
	if (strncmp(url, "/v1/cards/", 10) == 0)
		ep = EP_CARD;
	else if (strcmp(url, "/healthz") == 0)
		ep = EP_HEALTHZ;
	else if (strcmp(url, "/readyz") == 0)
		ep = EP_READYZ;
	else if (strcmp(url, "/metrics") == 0)
		ep = EP_METRICS;
	else if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
		ep = EP_PAGE;
	*ok = get || ep == EP_OTHER; /* an unknown path is 404 whatever the method */
	return ep;
}

/* Content-Type must be application/json (parameters such as charset=utf-8 allowed). */
static int is_json_type(struct MHD_Connection *c)
{
	const char *t =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen("application/json");
	return t != NULL && strncasecmp(t, "application/json", n) == 0 &&
	       (t[n] == '\0' || t[n] == ';' || t[n] == ' ');
}

/* What the header scan found (framing_scan). */
struct framing {
	unsigned cl, te, host;
	const char *te_val, *cl_val;
	const char *prev_end; /* end of the previous header's value in the read buffer */
	const char *bad;      /* why the request is refused, or NULL */
};

static int is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/*
 * One request header.  Besides counting the framing headers, this checks that the header was
 * one plain line: libmicrohttpd 0.9.75 parses headers in place in its read buffer, so a plain
 * line's value follows its name's ':' and optional blanks, and the next name follows the value
 * and its line end (1 or 2 bytes, now NULs).  An obs-folded line is copied elsewhere by the
 * library (glued to the *name*), which breaks that adjacency: refused.
 */
static enum MHD_Result framing_scan(void *cls, enum MHD_ValueKind kind, const char *key,
                                    size_t klen, const char *val, size_t vlen)
{
	struct framing *f = cls;
	const char *kend = key + klen;

	if (kind != MHD_HEADER_KIND || f->bad != NULL)
		return MHD_YES;
	if (klen == 0)
		f->bad = "a header has no name";
	for (size_t i = 0; f->bad == NULL && i < klen; i++)
		if (!is_tchar((unsigned char)key[i]))
			f->bad = "a header name has a character not allowed there (blank before "
				 "the colon?)";
	if (f->bad == NULL && (val == NULL || val <= kend || val - kend > 256))
		f->bad = "a header is folded over several lines (obsolete line folding)";
	for (const char *p = kend + 1; f->bad == NULL && p < val; p++)
		if (*p != ' ' && *p != '\t')
			f->bad = "a header is folded over several lines (obsolete line folding)";
	if (f->bad == NULL && f->prev_end != NULL && (key <= f->prev_end || key - f->prev_end > 2))
		f->bad = "a header is folded over several lines (obsolete line folding)";
	f->prev_end = val != NULL ? val + vlen : NULL;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		f->cl++;
		f->cl_val = val;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->te++;
		f->te_val = val;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) {
		f->host++;
	}
	return MHD_YES;
}

/* Message framing checks libmicrohttpd 0.9.75 does not make.  (Its MHD_OPTION_STRICT_FOR_CLIENT
 * checks Host, but its 400 then sends the status line and headers twice, so cardd checks Host
 * here.)  NULL when the request may go on, else why not: such a request is answered 400 and
 * its connection closed, because where its body ends (and the next request begins) cannot be
 * known (RFC 9112, sections 3.2 and 6.3). */
static const char *framing_error(struct MHD_Connection *c, const char *version)
{
	struct framing f;

	memset(&f, 0, sizeof(f));
	MHD_get_connection_values_n(c, MHD_HEADER_KIND, framing_scan, &f);
	if (f.bad != NULL)
		return f.bad;
	if (f.host > 1)
		return "more than one Host header";
	if (f.host == 0 && strcmp(version, MHD_HTTP_VERSION_1_1) == 0)
		return "an HTTP/1.1 request without a Host header";
	if (f.cl > 1)
		return "more than one Content-Length header";
	if (f.cl == 1 &&
	    (f.cl_val[0] == '\0' || strspn(f.cl_val, "0123456789") != strlen(f.cl_val)))
		return "Content-Length is not a number";
	if (f.te > 0 && f.cl > 0)
		return "both Content-Length and Transfer-Encoding";
	if (f.te > 1 || (f.te == 1 && strcasecmp(f.te_val, "chunked") != 0))
		return "the only transfer coding accepted is chunked";
	if (f.te > 0 && strcmp(version, MHD_HTTP_VERSION_1_1) != 0)
		return "Transfer-Encoding in a request older than HTTP/1.1";
	return NULL;
}

/* X-Request-Id: a UUID (version 8, RFC 9562's custom layout) of the prefix drawn at start and
 * a counter, unique within the run and, through the prefix, across runs.  A request id names a
 * request in the logs; it is no secret, so it takes no random bytes of its own (drawing 16 per
 * request was a twentieth of cardd's time). */
static void request_id(struct cardd *d, char out[CARD_UUID_BUFSZ])
{
	uint_fast64_t n = atomic_fetch_add_explicit(&d->id_next, 1, memory_order_relaxed);
	unsigned char u[16];
	memcpy(u, d->id_prefix, 8);
	for (int i = 15; i >= 8; i--, n >>= 8)
		u[i] = (unsigned char)n;
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x80); /* version 8 */
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 9562 variant */
	uuid_unparse_lower(u, out);
}

static enum MHD_Result first_call(struct cardd *d, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, void **con_cls)
{
	struct req *r = calloc(1, sizeof(*r));
	const char *allow, *cl, *bad;
	int ok;

	if (r == NULL)
		return MHD_NO;
	r->d = d;
	r->conn = c;
	r->start = cardd_now();
	request_id(d, r->id);
	r->live = atomic_load_explicit(&d->live, memory_order_acquire);
	client_ip(r->live, c, r->ip, sizeof(r->ip));
	cardd_addr_group(r->ip, r->live->ipv6_prefix, r->ipkey, sizeof(r->ipkey));
	r->ep = route(url, method, &ok, &allow);
	*con_cls = r;
	atomic_fetch_add(&d->metrics.inflight, 1);
	if ((bad = framing_error(c, version)) != NULL) {
		r->close = 1;
		atomic_fetch_add(&d->metrics.bad_framing, 1);
		cardd_guard_mark(d->guard, c, 0);
		return http_error(r, 400, "bad_request", "this request is not well-formed HTTP/1.1",
		                  bad, 0);
	}
	if (atomic_load(&d->stopping))
		return http_error(r, 503, "unavailable", "the service is restarting",
		                  "Please try again in a few seconds.", r->live->retry_after);
	if (!ok) {
		r->allow = allow;
		return http_error(r, 405, "method_not_allowed", "this method is not allowed here",
		                  NULL, 0);
	}
	if (r->ep == EP_REDEEM) {
		unsigned long long len;
		if (!is_json_type(c))
			return http_error(r, 415, "unsupported_media_type",
			                  "send the body as application/json", NULL, 0);
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && sscanf(cl, "%llu", &len) == 1 && len > r->live->max_body)
			return http_error(r, 413, "payload_too_large",
			                  "the request body is too large", NULL, 0);
	}
	/* Everything that can reach the database (a redemption, a token lookup, the readiness
	 * probe) costs the client address one token, before any work is done for it. */
	if (r->ep == EP_REDEEM || r->ep == EP_FEED || r->ep == EP_CARD || r->ep == EP_READYZ) {
		unsigned retry = 0;
		if (!cardd_limiter_take(d->ip_limit, r->ipkey, strlen(r->ipkey), cardd_now(),
		                        &retry)) {
			atomic_fetch_add(&d->metrics.ratelimited_ip, 1);
			return http_error(r, 429, "rate_limited",
			                  "too many requests from this address",
			                  "Wait a moment and try again.", retry);
		}
	}
	return MHD_YES;
}

static enum MHD_Result dispatch(struct req *r, const char *url)
{
	switch (r->ep) {
	case EP_REDEEM:
		return api_redeem(r);
	case EP_FEED:
		return api_feed(r);
	case EP_CARD:
		return api_card(r, url + strlen("/v1/cards/"));
	case EP_HEALTHZ:
		return http_bytes(r, 200, "application/json; charset=utf-8", "{\"status\":\"ok\"}",
		                  15);
	case EP_READYZ:
		return api_readyz(r);
	case EP_METRICS:
		return api_metrics(r);
	case EP_PAGE:
		return api_page(r);
	case EP_OTHER:
	case EP_COUNT:
		break;
	}
	return http_error(r, 404, "not_found", "no such resource", NULL, 0);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
	struct cardd *d = cls;
	struct req *r = *con_cls;

	if (r == NULL)
		return first_call(d, c, url, method, version, con_cls);
	if (r->status != 0) {
		/* Answered early (405, 413, 415, 429): swallow whatever body follows. */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (r->ep != EP_REDEEM || r->too_big)
			return MHD_YES;
		if (r->len + n > r->live->max_body) {
			r->too_big = 1;
			return MHD_YES;
		}
		if (r->len + n > r->cap) {
			size_t cap = r->len + n;
			char *b = realloc(r->body, cap);
			if (b == NULL)
				return MHD_NO;
			r->body = b;
			r->cap = cap;
		}
		memcpy(r->body + r->len, upload_data, n);
		r->len += n;
		return MHD_YES;
	}
	cardd_guard_mark(d->guard, c, 0); /* the whole request is in: the deadline is met */
	if (r->too_big)
		return http_error(r, 413, "payload_too_large", "the request body is too large",
		                  NULL, 0);
	return dispatch(r, url);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct cardd *d = cls;
	struct req *r = *con_cls;
	double secs;

	if (r == NULL)
		return;
	cardd_guard_mark(d->guard, c, 1); /* the next request on this connection is due */
	secs = cardd_now() - r->start;
	cardd_metrics_request(&d->metrics, r->ep, r->status, secs);
	if (r->live->log_requests)
		cardd_log(&d->log, CARDD_LOG_INFO, "request",
		          "req=%s ip=%s ep=%s status=%u ms=%.1f%s%s%s%s%s", r->id, r->ip,
		          cardd_endpoint_name(r->ep), r->status, secs * 1000.0,
		          r->what ? " what=" : "", r->what ? r->what : "",
		          r->serial[0] ? " serial=" : "", r->serial,
		          toe != MHD_REQUEST_TERMINATED_COMPLETED_OK ? " aborted=1" : "");
	atomic_fetch_sub(&d->metrics.inflight, 1);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

int cardd_http_bind(struct cardd *d, char *err, size_t errsz)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = -1, one = 1, family;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, d->cfg.listen_host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)d->cfg.listen_port);
		sl = sizeof(struct sockaddr_in);
		family = AF_INET;
	} else if (inet_pton(AF_INET6, d->cfg.listen_host,
	                     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)d->cfg.listen_port);
		sl = sizeof(struct sockaddr_in6);
		family = AF_INET6;
	} else {
		snprintf(err, errsz, "listen address \"%s\" is not a numeric IPv4 or IPv6 address",
		         d->cfg.listen_host);
		return -1;
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 1024) != 0) {
		snprintf(err, errsz, "could not listen on %s:%u: %s", d->cfg.listen_host,
		         d->cfg.listen_port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	d->listen_fd = fd;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decoding of the path and the query arguments, except that %00 stays as it is: a NUL
 * would cut the text short ("/v1/cards/1%00" would read as card 1), so it is left in to be
 * refused like any other stray character. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *w = s;
	(void)cls;
	(void)c;
	for (const char *p = s; *p != '\0'; p++) {
		int hi, lo;
		if (*p == '%' && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0 &&
		    (hi | lo) != 0) {
			*w++ = (char)(hi * 16 + lo);
			p += 2;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* libmicrohttpd's own messages go to the structured log, one line each, escaped. */
static void mhd_log(void *cls, const char *fm, va_list ap) CARD_PRINTF(2, 0);
static void mhd_log(void *cls, const char *fm, va_list ap)
{
	struct cardd *d = cls;
	char text[512], quoted[1100];
	size_t n;

	vsnprintf(text, sizeof(text), fm, ap);
	n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '.'))
		text[--n] = '\0';
	cardd_log_quote(text, quoted, sizeof(quoted));
	cardd_log(&d->log, CARDD_LOG_WARN, "libmicrohttpd", "detail=%s", quoted);
}

/* Memory per connection for libmicrohttpd: request line and headers, the read buffer the body
 * streams through and the answer's headers.  libmicrohttpd clears it for every request on a
 * kept-alive connection, so it is sized for what a client of this API sends (request headers
 * up to about 8 KiB, the common limit of web servers), not more. */
#define CARDD_CONN_MEMORY ((size_t)16 * 1024)

int cardd_http_start(struct cardd *d, char *err, size_t errsz)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	                 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem tls[3] = { { MHD_OPTION_END, 0, NULL },
		                         { MHD_OPTION_END, 0, NULL },
		                         { MHD_OPTION_END, 0, NULL } };

	if (strchr(d->cfg.listen_host, ':') != NULL)
		flags |= MHD_USE_IPv6;
	if (d->tls_cert_pem != NULL && d->tls_key_pem != NULL) {
		flags |= MHD_USE_TLS;
		tls[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, d->tls_cert_pem };
		tls[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, d->tls_key_pem };
	}
	if (RAND_bytes(d->id_prefix, (int)sizeof(d->id_prefix)) != 1) {
		snprintf(err, errsz, "no random bytes for the request ids");
		return -1;
	}
	d->guard = cardd_guard_new(d);
	if (d->guard == NULL) {
		snprintf(err, errsz, "could not start the request deadline thread");
		return -1;
	}
	d->mhd = MHD_start_daemon(
		flags, 0, cardd_guard_accept, d->guard, on_request, d, MHD_OPTION_EXTERNAL_LOGGER,
		mhd_log, d, MHD_OPTION_LISTEN_SOCKET, d->listen_fd, MHD_OPTION_NOTIFY_CONNECTION,
		cardd_guard_notify, d->guard, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)d->cfg.http_threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)d->cfg.max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		CARDD_CONN_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, on_completed, d, MHD_OPTION_ARRAY,
		tls, MHD_OPTION_END);
	if (d->mhd == NULL) {
		snprintf(err, errsz, "could not start the HTTP server on %s:%u%s",
		         d->cfg.listen_host, d->cfg.listen_port,
		         (flags & MHD_USE_TLS) ? " with TLS (check tls_cert and tls_key)" : "");
		return -1;
	}
	return 0;
}

void cardd_http_drain(struct cardd *d, double seconds)
{
	double until = cardd_now() + seconds;
	if (d->mhd == NULL)
		return;
	if (!atomic_exchange(&d->stopping, 1))
		d->quiesced_fd =
			MHD_quiesce_daemon(d->mhd); /* stop accepting; the socket is ours again */
	while (atomic_load(&d->metrics.inflight) > 0 && cardd_now() < until)
		usleep(20000);
}

void cardd_http_stop(struct cardd *d)
{
	if (d->mhd != NULL) {
		MHD_stop_daemon(d->mhd);
		d->mhd = NULL;
		cardd_guard_free(d->guard);
		d->guard = NULL;
		if (d->quiesced_fd != MHD_INVALID_SOCKET && d->quiesced_fd >= 0)
			close(d->quiesced_fd);
	} else if (d->listen_fd >= 0) {
		close(d->listen_fd);
	}
	d->listen_fd = -1;
}
