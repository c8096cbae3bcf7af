/*
 * config.c -- cardd's configuration: defaults, the file, and command-line overrides.
 *
 * Command line (flags override the file):
 *   cardd [-c FILE] [--listen HOST:PORT] [--db CONNINFO] [--keyring FILE] [--foreground]
 *         [--help] [--version]
 * Without -c, no file is read; with neither file nor flags cardd listens on 127.0.0.1:8080
 * and connects with the libpq environment (PGHOST, PGDATABASE, ...).
 *
 * The file: one "key = value" per line; lines whose first non-blank is '#' are comments;
 * blank lines are ignored; values may be double-quoted.  Unknown keys are an error.  SIGHUP re-reads it; keys marked (*)
 * take effect only at start.
 *
 *   key              default          meaning
 *   listen           127.0.0.1:8080   (*) address and port; "[::1]:8080" for IPv6
 *   db               (libpq env)      (*) libpq connection string or URI
 *   keyring          (none)           keyring file (mode 0600); required; reloaded on SIGHUP
 *   user             (none)           (*) when started as root, drop to this user after
 *                                     reading keyring, TLS files and binding the socket
 *   foreground       no               (*) stay in the foreground (systemd: yes)
 *   log              stderr           (*) stderr | syslog
 *   log_requests     yes              one log line per request
 *   tls_cert         (none)           (*) PEM certificate chain; with tls_key: HTTPS
 *   tls_key          (none)           (*) PEM private key
 *   http_threads     2                (*) libmicrohttpd worker threads (epoll each)
 *   max_connections  1024             (*) concurrent HTTP connections
 *   db_connections   8                (*) libpq connections in the pool
 *   committers       1                (*) group-commit threads (at most db_connections)
 *   batch_max        256              (*) redemptions per transaction at most
 *   batch_linger     500              (*) microseconds a committer may wait, when fewer
 *                                     redemptions wait than its last transaction held,
 *                                     for that many; 0: never wait
 *   queue_max        4096             (*) redemptions waiting for a commit, then 503
 *   max_body         4096             request body limit in bytes (413 above)
 *   db_timeout       3000             (*) ms: waiting for a pool connection, connecting,
 *                                     and each statement (statement_timeout)
 *   retry_after      5                seconds in Retry-After of 503 answers
 *   drain_timeout    10               (*) seconds SIGTERM waits for requests in flight
 *   ip_rate          20               API requests (redemptions, feed, card states) per
 *                                    second per client IP
 *   ip_burst         100              bucket size per client IP
 *   account_rate     0.2              redemption requests per second per account
 *   account_burst    5                bucket size per account
 *   ratelimit_slots  65536            (*) buckets tracked per kind (least recent evicted)
 *   ipv6_prefix      64               IPv6 clients count as one per prefix of this length
 *                                    (rate limits and connections per address)
 *   max_connections_per_ip 64         (*) open connections from one client address (peer;
 *                                    trusted proxies exempt); 0: no limit
 *   request_timeout  10               (*) seconds a connection has to deliver a whole request
 *                                    (headers and body), from its opening or its last answer
 *   trusted_proxies  (none)           ADDR[/BITS] list (space or comma separated): only
 *                                     from these peers is X-Forwarded-For honoured
 *
 * A rate of 0 disables that limit.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cardd.h"

void cardd_config_defaults(struct cardd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->listen_host = strdup("127.0.0.1");
	c->listen_port = 8080;
	c->log_requests = 1;
	c->http_threads = 2;
	c->max_connections = 1024;
	c->db_connections = 8;
	c->committers = 1;
	c->batch_max = 256;
	c->batch_linger_us = 500;
	c->queue_max = 4096;
	c->max_body = 4096;
	c->db_timeout_ms = 3000;
	c->retry_after = 5;
	c->drain_timeout = 10;
	c->ip_rate = 20;
	c->ip_burst = 100;
	c->account_rate = 0.2;
	c->account_burst = 5;
	c->ratelimit_slots = 65536;
	c->ipv6_prefix = 64;
	c->max_connections_per_ip = 64;
	c->request_timeout = 10;
}

void cardd_config_free(struct cardd_config *c)
{
	free(c->listen_host);
	free(c->db);
	free(c->keyring);
	free(c->user);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->trusted_proxies);
	free(c->log);
	memset(c, 0, sizeof(*c));
}

int cardd_parse_listen(const char *s, char **host, unsigned *port)
{
	const char *colon;
	char *end;
	size_t hlen;
	unsigned long p;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL || rb[1] != ':')
			return -1;
		colon = rb + 1;
		s++;
		hlen = (size_t)(rb - s);
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -1;
		hlen = (size_t)(colon - s);
	}
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || colon[1] == '\0' || p == 0 || p > 65535 || hlen == 0 ||
	    hlen > 255)
		return -1;
	free(*host);
	*host = strndup(s, hlen);
	*port = (unsigned)p;
	return *host != NULL ? 0 : -1;
}

static int parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long x;
	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || v[0] == '\0' || v[0] == '-' || x < min || x > max)
		return -1;
	*out = (unsigned)x;
	return 0;
}

static int parse_double(const char *v, double min, double max, double *out)
{
	char *end;
	double x;
	errno = 0;
	x = strtod(v, &end);
	if (errno != 0 || *end != '\0' || v[0] == '\0' || !isfinite(x) || x < min || x > max)
		return -1;
	*out = x;
	return 0;
}

static int parse_bool(const char *v, int *out)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "on") == 0 ||
	    strcmp(v, "1") == 0)
		*out = 1;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "off") == 0 ||
	         strcmp(v, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int set_str(char **slot, const char *v)
{
	char *s = strdup(v);
	if (s == NULL)
		return -1;
	free(*slot);
	*slot = s;
	return 0;
}

int cardd_config_set(struct cardd_config *c, const char *key, const char *v, char *err,
                     size_t errsz)
{
	int rc = -1;
	const char *want = "a valid value";

#define UINTK(name, field, lo, hi)                            \
	else if (strcmp(key, name) == 0)                      \
	{                                                     \
		want = "a whole number from " #lo " to " #hi; \
		rc = parse_uint(v, lo, hi, &c->field);        \
	}
#define DBLK(name, field, lo, hi)                        \
	else if (strcmp(key, name) == 0)                 \
	{                                                \
		want = "a number from " #lo " to " #hi;  \
		rc = parse_double(v, lo, hi, &c->field); \
	}
	if (strcmp(key, "listen") == 0) {
		want = "HOST:PORT";
		rc = cardd_parse_listen(v, &c->listen_host, &c->listen_port);
	} else if (strcmp(key, "db") == 0) {
		rc = set_str(&c->db, v);
	} else if (strcmp(key, "keyring") == 0) {
		rc = set_str(&c->keyring, v);
	} else if (strcmp(key, "user") == 0) {
		rc = set_str(&c->user, v);
	} else if (strcmp(key, "tls_cert") == 0) {
		rc = set_str(&c->tls_cert, v);
	} else if (strcmp(key, "tls_key") == 0) {
		rc = set_str(&c->tls_key, v);
	} else if (strcmp(key, "trusted_proxies") == 0) {
		rc = set_str(&c->trusted_proxies, v);
	} else if (strcmp(key, "log") == 0) {
		want = "stderr or syslog";
		if (strcmp(v, "stderr") == 0 || strcmp(v, "syslog") == 0)
			rc = set_str(&c->log, v);
	} else if (strcmp(key, "foreground") == 0) {
		want = "yes or no";
		rc = parse_bool(v, &c->foreground);
	} else if (strcmp(key, "log_requests") == 0) {
		want = "yes or no";
		rc = parse_bool(v, &c->log_requests);
	}
	UINTK("http_threads", http_threads, 1, 256)
	UINTK("max_connections", max_connections, 1, 100000)
	UINTK("db_connections", db_connections, 1, 256)
	UINTK("committers", committers, 1, 256)
	UINTK("batch_max", batch_max, 1, 10000)
	UINTK("batch_linger", batch_linger_us, 0, 100000)
	UINTK("queue_max", queue_max, 1, 1000000)
	UINTK("max_body", max_body, 64, 1048576)
	UINTK("db_timeout", db_timeout_ms, 100, 600000)
	UINTK("retry_after", retry_after, 1, 3600)
	UINTK("drain_timeout", drain_timeout, 0, 3600)
	UINTK("ratelimit_slots", ratelimit_slots, 16, 16777216)
	UINTK("ipv6_prefix", ipv6_prefix, 1, 128)
	UINTK("max_connections_per_ip", max_connections_per_ip, 0, 100000)
	UINTK("request_timeout", request_timeout, 1, 3600)
	DBLK("ip_rate", ip_rate, 0, 1000000)
	DBLK("ip_burst", ip_burst, 1, 1000000)
	DBLK("account_rate", account_rate, 0, 1000000)
	DBLK("account_burst", account_burst, 1, 1000000)
	else
	{
		snprintf(err, errsz, "unknown setting \"%s\"", key);
		return -1;
	}
#undef UINTK
#undef DBLK
	if (rc != 0)
		snprintf(err, errsz, "invalid value for \"%s\": expected %s", key, want);
	return rc;
}

struct cardd_live *cardd_live_new(const struct cardd_config *c)
{
	struct cardd_live *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->max_body = c->max_body;
	l->retry_after = c->retry_after;
	l->ipv6_prefix = c->ipv6_prefix;
	l->log_requests = c->log_requests;
	if (c->trusted_proxies != NULL &&
	    (l->trusted_proxies = strdup(c->trusted_proxies)) == NULL) {
		free(l);
		return NULL;
	}
	return l;
}

void cardd_live_free(struct cardd_live *l)
{
	while (l != NULL) {
		struct cardd_live *older = l->older;
		free(l->trusted_proxies);
		free(l);
		l = older;
	}
}

static char *trim(char *s)
{
	char *e;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int cardd_config_load(struct cardd_config *c, const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "r");
	int rc;

	if (f == NULL) {
		snprintf(err, errsz, "could not open config file \"%s\": %s", path,
		         strerror(errno));
		return -1;
	}
	rc = cardd_config_read(c, f, path, err, errsz);
	fclose(f);
	return rc;
}

int cardd_config_read(struct cardd_config *c, FILE *f, const char *path, char *err, size_t errsz)
{
	char line[4096], msg[256];
	long lineno = 0;
	int rc = 0;

	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		char *k, *v, *eq;
		size_t vl;
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errsz, "%s:%ld: line too long", path, lineno);
			rc = -1;
			break;
		}
		k = trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		eq = strchr(k, '=');
		if (eq == NULL) {
			snprintf(err, errsz, "%s:%ld: expected \"key = value\"", path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		vl = strlen(v);
		if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
			v[vl - 1] = '\0';
			v++;
		}
		if (cardd_config_set(c, k, v, msg, sizeof(msg)) != 0) {
			snprintf(err, errsz, "%s:%ld: %s", path, lineno, msg);
			rc = -1;
		}
	}
	return rc;
}
