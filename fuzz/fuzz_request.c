/*
 * fuzz_request.c -- libFuzzer harness for the whole request handler of cardd, in process:
 * libmicrohttpd with cardd's router, framing checks, rate limits, bodies, code checks and
 * endpoints (daemon/http.c, api.c, cards.c, guard.c), on a loopback socket.  Each input is
 * sent as the raw bytes of a connection (method, path, headers, body: one or more pipelined
 * requests), then the client half-closes and reads every answer.
 *
 * The database is unreachable on purpose (a socket path that does not exist): whatever
 * reaches it gets 503, at once, which is part of what is checked.  The keyring holds the
 * published vector key as key 1, so the seed corpus carries valid codes.  Findings: a crash,
 * a sanitizer report, an answer that is not HTTP/1.x, a 500, or a connection still open 5 s
 * after the client finished (a request that hangs).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../daemon/cardd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cardd d;
static uint16_t port;

static void setup(void)
{
	static const uint8_t key[CARD_KEY_LEN] = { 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
		                                   11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
		                                   22, 23, 24, 25, 26, 27, 28, 29, 30, 31 };
	const struct cardd_batch_opts batch_opts = { .committers = 1,
		                                     .batch_max = 16,
		                                     .queue_max = 64,
		                                     .timeout_ms = 1000,
		                                     .linger_us = 0 };
	card_keyring *kr = NULL;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char err[256];

	cardd_config_defaults(&d.cfg);
	d.cfg.listen_port = 0; /* any free port */
	d.cfg.db = strdup("host=/nonexistent/cardd-fuzz");
	d.cfg.log_requests = 0;
	d.cfg.ip_rate = 0;
	d.cfg.account_rate = 0;
	d.cfg.max_connections_per_ip = 0;
	d.cfg.request_timeout = 5;
	d.cfg.http_threads = 2;
	d.listen_fd = d.quiesced_fd = -1;
	/* Logs go to syslog, which nothing reads here: the fuzzer's output stays readable. */
	d.log.syslog = 1;
	pthread_mutex_init(&d.log.lock, NULL);
	atomic_init(&d.live, cardd_live_new(&d.cfg));
	if (card_keyring_new(&kr) != CARD_OK ||
	    card_keyring_import(kr, 1, key, "vectors") != CARD_OK ||
	    cardd_keys_init(&d.keys, kr) != 0)
		abort();
	d.ip_limit = cardd_limiter_new(1024, 0, 1);
	d.account_limit = cardd_limiter_new(1024, 0, 1);
	d.pool = cardd_pool_new(d.cfg.db, 2, &d.metrics);
	d.metrics.failed_mac_by_ip = cardd_tally_new(64);
	d.batcher = cardd_batcher_new(d.pool, &d.metrics, &d.log, &batch_opts);
	if (atomic_load(&d.live) == NULL || d.pool == NULL || d.batcher == NULL ||
	    cardd_http_bind(&d, err, sizeof(err)) != 0 ||
	    cardd_http_start(&d, err, sizeof(err)) != 0 ||
	    getsockname(d.listen_fd, (struct sockaddr *)&sa, &sl) != 0)
		abort();
	port = ntohs(sa.sin_port);
}

/* Every status line in the answer bytes: "HTTP/1.x NNN"; no 500. */
static void check_answers(const char *buf, size_t len)
{
	if (len == 0)
		return; /* closed without an answer: allowed for bytes that are not a request */
	if (len < 12 || memcmp(buf, "HTTP/1.", 7) != 0)
		abort();
	for (const char *p = buf;
	     (p = memmem(p, (size_t)(buf + len - p), "HTTP/1.1 500", 12)) != NULL; p++)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char answer[1 << 20];
	struct sockaddr_in sa;
	size_t sent = 0, got = 0;
	struct pollfd pfd;
	int fd, closed = 0, shut = 0;
	double until;

	if (port == 0)
		setup();
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 ||
	    (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS))
		abort();
	until = cardd_now() + 5.0;
	pfd.fd = fd;
	while (!closed && cardd_now() < until) {
		ssize_t n;
		pfd.events = POLLIN | (!shut ? POLLOUT : 0);
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((pfd.revents & POLLOUT) && !shut) {
			n = sent < size ? send(fd, data + sent, size - sent, MSG_NOSIGNAL) : 0;
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN)
				sent = size; /* the server closed: read what it said */
			if (sent == size) {
				shutdown(fd, SHUT_WR);
				shut = 1;
			}
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(fd, answer + got, sizeof(answer) - got, 0);
			if (n > 0 && got + (size_t)n < sizeof(answer))
				got += (size_t)n;
			else if (n == 0 || (n < 0 && errno != EAGAIN))
				closed = 1;
		}
	}
	close(fd);
	if (!closed)
		abort(); /* the connection hung after the client had said everything */
	check_answers(answer, got);
	return 0;
}
