/*
 * guard.c -- what keeps one client from taking cardd offline: a limit on the connections open
 * from one client address, and a deadline for receiving a whole request.
 *
 * libmicrohttpd 0.9.75 has a per-address connection limit but neither logs nor counts what it
 * refuses and knows nothing of IPv6 prefixes or trusted proxies, and its timeout is an idle
 * timeout (one byte every 29 s keeps a connection forever).  So cardd counts connections
 * itself: the accept policy refuses an address over `max_connections_per_ip` (addresses
 * grouped as the rate limits group them; trusted proxies exempt), the connection notifier
 * tracks every open connection, and a reaper thread shuts down (shutdown(2)) a connection that
 * has not delivered a whole request `request_timeout` seconds after it opened or after its
 * previous answer, or at once when the client has closed its side and has had its answers.
 * libmicrohttpd then sees the socket end and closes the connection itself.
 *
 * A socket is shut down only under the guard's lock, and the notifier removes a connection
 * under the same lock before libmicrohttpd closes its descriptor: a descriptor number is never
 * shut down after it could have been reused.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_int.h"

#define NSLOTS 4096 /* addresses with open connections tracked at once (open addressing) */

struct addr_slot {
	char key[64]; /* grouped address; "" empty */
	unsigned n;
};

struct tracked {
	struct tracked *prev, *next;
	int fd;
	int receiving; /* waiting for (the rest of) a request */
	int killed;
	double since; /* when the wait began */
	char key[64]; /* grouped address ("" exempt) */
};

struct cardd_guard {
	struct cardd *d;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t reaper;
	int running, stop;
	struct tracked *head;
	struct addr_slot slots[NSLOTS];
	double last_log[2];
	unsigned long unlogged[2];
};

/* The slot of key: its own if it has one, else (insert) the first slot no open connection
 * holds.  A slot keeps its key when its count drops to 0, and a lookup goes on past such
 * slots until a never-used one, so a key is never in two slots.  NSLOTS when not found. */
static size_t slot_of(struct cardd_guard *g, const char *key, int insert)
{
	size_t h = 5381, i, spare = NSLOTS;
	for (const char *p = key; *p; p++)
		h = h * 33 + (unsigned char)*p;
	for (i = 0; i < NSLOTS; i++) {
		struct addr_slot *s = &g->slots[(h + i) % NSLOTS];
		if (strcmp(s->key, key) == 0)
			return (h + i) % NSLOTS;
		if (s->n == 0 && spare == NSLOTS)
			spare = (h + i) % NSLOTS;
		if (s->key[0] == '\0')
			break;
	}
	if (insert && spare < NSLOTS)
		snprintf(g->slots[spare].key, sizeof(g->slots[spare].key), "%s", key);
	return insert ? spare : NSLOTS;
}

/* Log a refusal at most once a second per kind (0 connection limit, 1 deadline), with the
 * number of refusals since the last line: a flood must not flood the log.  Under g->lock. */
static void log_refusal(struct cardd_guard *g, int kind, const char *ip)
{
	double now = cardd_now();
	g->unlogged[kind]++;
	if (now - g->last_log[kind] < 1.0)
		return;
	cardd_log(&g->d->log, CARDD_LOG_WARN,
	          kind == 0 ? "connection refused: too many connections from this address"
	                    : "connection closed: request not received in time",
	          "ip=%s limit=%u count=%lu", ip,
	          kind == 0 ? g->d->cfg.max_connections_per_ip : g->d->cfg.request_timeout,
	          g->unlogged[kind]);
	g->last_log[kind] = now;
	g->unlogged[kind] = 0;
}

/* The grouped address of a peer, or "" when it is exempt (a trusted proxy). */
static void peer_key(struct cardd *d, const struct sockaddr *sa, char *out, size_t outsz)
{
	char ip[64] = "";
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, ip,
		          sizeof(ip));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, ip,
		          sizeof(ip));
	const struct cardd_live *live = atomic_load_explicit(&d->live, memory_order_acquire);
	if (live->trusted_proxies != NULL && cardd_addr_in_list(live->trusted_proxies, ip))
		ip[0] = '\0';
	if (ip[0] == '\0')
		out[0] = '\0';
	else
		cardd_addr_group(ip, live->ipv6_prefix, out, outsz);
}

enum MHD_Result cardd_guard_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct cardd_guard *g = cls;
	char key[64];
	size_t s;
	int ok = 1;

	(void)addrlen;
	if (g->d->cfg.max_connections_per_ip == 0)
		return MHD_YES;
	peer_key(g->d, addr, key, sizeof(key));
	if (key[0] == '\0')
		return MHD_YES;
	pthread_mutex_lock(&g->lock);
	s = slot_of(g, key, 0);
	if (s < NSLOTS && g->slots[s].n >= g->d->cfg.max_connections_per_ip) {
		ok = 0;
		atomic_fetch_add(&g->d->metrics.conn_refused, 1);
		log_refusal(g, 0, key);
	}
	pthread_mutex_unlock(&g->lock);
	return ok ? MHD_YES : MHD_NO;
}

void cardd_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode code)
{
	struct cardd_guard *g = cls;
	struct tracked *t = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ai =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		const union MHD_ConnectionInfo *fi =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		t = calloc(1, sizeof(*t));
		if (t == NULL)
			return; /* untracked: no deadline for this one, which only errs towards serving */
		t->fd = fi != NULL ? fi->connect_fd : -1;
		t->receiving = 1;
		t->since = cardd_now();
		peer_key(g->d, ai != NULL ? ai->client_addr : NULL, t->key, sizeof(t->key));
		pthread_mutex_lock(&g->lock);
		if (t->key[0] != '\0') {
			size_t s = slot_of(g, t->key, 1);
			if (s >= NSLOTS) {
				t->key[0] = '\0'; /* table full: not counted */
			} else if (++g->slots[s].n > g->d->cfg.max_connections_per_ip &&
			           g->d->cfg.max_connections_per_ip > 0 && t->fd >= 0) {
				/* Accepted by another worker thread at the same moment as the ones
				 * that filled the limit: closed now, so the limit is exact. */
				t->killed = 1;
				shutdown(t->fd, SHUT_RDWR);
				atomic_fetch_add(&g->d->metrics.conn_refused, 1);
				log_refusal(g, 0, t->key);
			}
		}
		t->next = g->head;
		if (g->head != NULL)
			g->head->prev = t;
		g->head = t;
		pthread_mutex_unlock(&g->lock);
		*socket_context = t;
		return;
	}
	if (t == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	if (t->key[0] != '\0') {
		size_t s = slot_of(g, t->key, 0);
		if (s < NSLOTS && g->slots[s].n > 0)
			g->slots[s].n--;
	}
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		g->head = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&g->lock);
	free(t);
	*socket_context = NULL;
}

/* The request on c is complete (receiving = 0) or its answer has been sent (receiving = 1:
 * the client's next request is due within the deadline). */
void cardd_guard_mark(struct cardd_guard *g, struct MHD_Connection *c, int receiving)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct tracked *t = ci != NULL ? ci->socket_context : NULL;
	if (g == NULL || t == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	t->receiving = receiving;
	t->since = cardd_now();
	pthread_mutex_unlock(&g->lock);
}

static void *reaper(void *arg)
{
	struct cardd_guard *g = arg;
	struct timespec ts;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		double now = cardd_now(), limit = g->d->cfg.request_timeout;
		for (struct tracked *t = g->head; t != NULL; t = t->next) {
			char c;
			if (!t->receiving || t->killed || t->fd < 0)
				continue;
			/* A client that has closed its side and has had all its answers: libmicrohttpd
			 * 0.9.75 keeps such a connection open (after pipelined requests) until the
			 * deadline; close it now.  (Peeking takes nothing from the socket.) */
			if (now - t->since >= 0.1 &&
			    recv(t->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0) {
				t->killed = 1;
				shutdown(t->fd, SHUT_RDWR);
				continue;
			}
			if (now - t->since < limit)
				continue;
			t->killed = 1;
			shutdown(t->fd, SHUT_RDWR);
			atomic_fetch_add(&g->d->metrics.conn_timed_out, 1);
			log_refusal(g, 1, t->key[0] ? t->key : "proxy");
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 100000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->cond, &g->lock, &ts);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

struct cardd_guard *cardd_guard_new(struct cardd *d)
{
	struct cardd_guard *g = calloc(1, sizeof(*g));
	pthread_condattr_t ca;

	if (g == NULL)
		return NULL;
	g->d = d;
	g->last_log[0] = g->last_log[1] = -10.0;
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (d->cfg.request_timeout > 0 && pthread_create(&g->reaper, NULL, reaper, g) == 0)
		g->running = 1;
	else if (d->cfg.request_timeout > 0) {
		cardd_guard_free(g);
		return NULL;
	}
	return g;
}

/* After MHD has stopped (no connection is tracked any more). */
void cardd_guard_free(struct cardd_guard *g)
{
	if (g == NULL)
		return;
	if (g->running) {
		pthread_mutex_lock(&g->lock);
		g->stop = 1;
		pthread_cond_signal(&g->cond);
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->reaper, NULL);
	}
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	free(g);
}
