/*
 * cardd.h -- the internals of cardd, shared by its modules, main.c and the tests (not installed).
 *
 * The daemon's whole state lives in one `struct cardd`, created by main.c and passed to every
 * module; nothing here is a global.  Modules, one file each:
 *
 *   config.c     configuration file and command-line overrides (keys documented there)
 *   log.c        structured one-line logs (never codes or tokens)
 *   metrics.c    counters and histograms, rendered in Prometheus text format
 *   ratelimit.c  token buckets per client IP and per account
 *   guard.c      connections per client address, deadline for receiving a request
 *   tally.c      failed-MAC attempts per client address (bounded, for /metrics)
 *   body.c       the JSON body of POST /v1/redemptions (fuzzed: fuzz/fuzz_redeem_body.c)
 *   keys.c       the keyring and a per-thread codec, reloadable on SIGHUP
 *   pool.c       libpq connections (card_store), handed out with a timeout
 *   batch.c      group commit: redemptions waiting together go in one card_redeem_many()
 *   http.c       libmicrohttpd glue, the router and responses
 *   api.c        the endpoints
 */
#ifndef CARDD_H
#define CARDD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <card/card.h>

/* ---- config.c ---- */
struct cardd_config {
	char *listen_host; /* listen = HOST:PORT, default 127.0.0.1:8080 */
	unsigned listen_port;
	char *db;                 /* db = CONNINFO; NULL: the libpq environment */
	char *keyring;            /* keyring = FILE (required) */
	char *user;               /* user = NAME: drop to it when started as root */
	char *tls_cert, *tls_key; /* tls_cert / tls_key = FILE (PEM): HTTPS when both are set */
	char *trusted_proxies;    /* trusted_proxies = ADDR[/BITS] ... (space or comma separated) */
	char *log;                /* log = stderr | syslog */
	int foreground;           /* --foreground / foreground = yes */
	int log_requests;         /* log_requests = yes|no */
	unsigned http_threads;    /* http_threads = N */
	unsigned db_connections;  /* db_connections = N */
	unsigned committers;      /* committers = N (<= db_connections) */
	unsigned batch_max;       /* batch_max = N redemptions per transaction */
	unsigned batch_linger_us; /* batch_linger = MICROSECONDS a committer may wait for more */
	unsigned queue_max;       /* queue_max = N waiting redemptions, then 503 */
	unsigned max_body;        /* max_body = BYTES (413 above) */
	unsigned db_timeout_ms;   /* db_timeout = MS: pool wait, connect and statement timeouts */
	unsigned retry_after;     /* retry_after = SECONDS in 503 answers */
	unsigned drain_timeout;   /* drain_timeout = SECONDS to finish requests on SIGTERM */
	unsigned max_connections; /* max_connections = N HTTP connections */
	double ip_rate, ip_burst; /* ip_rate = PER_SECOND, ip_burst = N */
	double account_rate, account_burst; /* account_rate = PER_SECOND, account_burst = N */
	unsigned ratelimit_slots;           /* ratelimit_slots = N buckets of each kind */
	unsigned ipv6_prefix;               /* ipv6_prefix = BITS: IPv6 clients grouped by prefix */
	unsigned max_connections_per_ip;    /* max_connections_per_ip = N (0: no limit) */
	unsigned request_timeout;           /* request_timeout = SECONDS to send a whole request */
};

void cardd_config_defaults(struct cardd_config *c);
void cardd_config_free(struct cardd_config *c);
/* Set one key; 0 ok, -1 with a message in err. */
int cardd_config_set(struct cardd_config *c, const char *key, const char *value, char *err,
                     size_t errsz);
/* Read "key = value" lines; 0 ok, -1 with "FILE:LINE: message" in err. */
int cardd_config_load(struct cardd_config *c, const char *path, char *err, size_t errsz);
/* The same from an open stream; path names it in messages (fuzzed: fuzz/fuzz_config.c). */
int cardd_config_read(struct cardd_config *c, FILE *f, const char *path, char *err, size_t errsz);
/* Split "HOST:PORT" / "[V6]:PORT"; 0 ok. */
int cardd_parse_listen(const char *s, char **host, unsigned *port);

/*
 * The settings SIGHUP may change, as one immutable snapshot.  A request loads d->live once and
 * uses that snapshot to its end; a reload publishes a new one.  Retired snapshots are kept
 * (chained by `older`) until exit -- a few hundred bytes per SIGHUP -- so none is ever freed
 * under a reader, and readers take no lock.
 */
struct cardd_live {
	unsigned max_body, retry_after, ipv6_prefix;
	int log_requests;
	char *trusted_proxies;
	struct cardd_live *older;
};
/* A snapshot of c's reloadable settings (NULL when out of memory). */
struct cardd_live *cardd_live_new(const struct cardd_config *c);
/* Free l and every older snapshot. */
void cardd_live_free(struct cardd_live *l);

/* ---- log.c ---- */
enum cardd_log_level { CARDD_LOG_ERROR, CARDD_LOG_WARN, CARDD_LOG_INFO };
struct cardd_log {
	int syslog; /* 1: syslog(3), 0: stderr */
	pthread_mutex_t lock;
	size_t len;   /* access lines waiting in buf (stderr only) */
	double since; /* cardd_now() when the oldest of them was logged */
	char buf[32768];
};
void cardd_log_init(struct cardd_log *l, int use_syslog);
/* Write out the access lines still buffered (main.c calls it a few times a second). */
void cardd_log_flush(struct cardd_log *l);
/* One line: "ts=... level=... msg="..." key=value ...".  fmt gives the key=value tail.  The
 * access lines (msg "request") are buffered, at most CARDD_LOG_DELAY seconds; any other line
 * is written at once, after them. */
#define CARDD_LOG_DELAY 0.2
void cardd_log(struct cardd_log *l, enum cardd_log_level lvl, const char *msg, const char *fmt, ...)
	CARD_PRINTF(4, 5);
/* in as a log value: in double quotes, '"' and '\\' escaped, control bytes as \xNN (cut to fit). */
void cardd_log_quote(const char *in, char *out, size_t outsz);

/* ---- metrics.c ---- */
enum cardd_endpoint {
	EP_REDEEM,
	EP_FEED,
	EP_CARD,
	EP_HEALTHZ,
	EP_READYZ,
	EP_METRICS,
	EP_PAGE,
	EP_OTHER,
	EP_COUNT
};
#define CARDD_NSTATUS 18
#define CARDD_NBUCKETS 14
enum cardd_verdict_metric { VM_MALFORMED, VM_TYPO, VM_INVALID, VM_BAD_BODY, VM_COUNT };
struct cardd_metrics {
	atomic_ulong requests[EP_COUNT][CARDD_NSTATUS];
	atomic_ulong outcomes[6];                           /* card_redeem_outcome */
	atomic_ulong rejected[VM_COUNT];                    /* answered without the database */
	atomic_ulong latency[EP_COUNT][CARDD_NBUCKETS + 1]; /* cumulative at render */
	atomic_ulong latency_sum_us[EP_COUNT];
	atomic_ulong ratelimited_ip, ratelimited_account;
	atomic_ulong conn_refused,
		conn_timed_out;   /* guard.c: per-address limit, request deadline */
	atomic_ulong bad_framing; /* strict HTTP: 400 and close */
	atomic_ulong failed_mac;  /* forged codes and unknown key ids */
	atomic_ulong db_batches, db_redemptions, db_errors, db_unavailable;
	atomic_ulong batch_size[8]; /* 1, 2-3, 4-7, ... , >=128 */
	atomic_long pool_in_use, queue_len, inflight;
	unsigned pool_size;
	struct cardd_tally *failed_mac_by_ip; /* may be NULL */
};
void cardd_metrics_request(struct cardd_metrics *m, enum cardd_endpoint ep, unsigned status,
                           double secs);
void cardd_metrics_batch(struct cardd_metrics *m, size_t n);
/* Render in Prometheus text format; *out is malloc'ed (caller frees). 0 ok. */
int cardd_metrics_render(struct cardd_metrics *m, char **out, size_t *len);
const char *cardd_endpoint_name(enum cardd_endpoint ep);

/* ---- ratelimit.c ---- */
struct cardd_limiter;
struct cardd_limiter *cardd_limiter_new(unsigned slots, double rate, double burst);
void cardd_limiter_free(struct cardd_limiter *l);
/* Change rate and burst (SIGHUP); buckets keep their tokens. */
void cardd_limiter_set(struct cardd_limiter *l, double rate, double burst);
/* Take one token for key at time now (seconds).  1 allowed; 0 refused, *retry = whole seconds. */
int cardd_limiter_take(struct cardd_limiter *l, const void *key, size_t keylen, double now,
                       unsigned *retry);
/* The key client address ip (text) is counted under: IPv4 as is, IPv6 cut to its first
 * v6_prefix bits ("2001:db8:1:2::/64"), an IPv4-mapped IPv6 address as the IPv4 address. */
void cardd_addr_group(const char *ip, unsigned v6_prefix, char *out, size_t outsz);
/* X-Forwarded-For: out holds the peer's address (text); when the peer is in trusted, out
 * becomes the rightmost address of xff that is not itself trusted (stopping at anything that
 * is not a plain address).  Fuzzed: fuzz/fuzz_xff.c. */
void cardd_forwarded_client(const char *trusted, const char *xff, char *out, size_t outsz);
/* Is addr (text) inside the list of ADDR[/BITS] entries? */
int cardd_addr_in_list(const char *list, const char *addr);

/* ---- tally.c: bounded per-key counters (failed-MAC attempts per client address) ---- */
struct cardd_tally;
struct cardd_tally *cardd_tally_new(unsigned slots);
void cardd_tally_free(struct cardd_tally *t);
void cardd_tally_add(struct cardd_tally *t, const char *key);
/* The (at most) n keys with the highest counts, highest first; returns how many. */
size_t cardd_tally_top(struct cardd_tally *t, size_t n, char keys[][64], unsigned long *counts);

/* ---- body.c ---- */
struct cardd_redeem_body {
	char code[65]; /* as typed (max 64 bytes) */
	char account[CARD_ACCOUNT_BUFSZ];
};
/*
 * Parse and check a POST /v1/redemptions body.  0 ok; else -1 with *code a machine-readable
 * error ("invalid_json", "truncated_json", "invalid_utf8", "too_deep", "invalid_body",
 * "invalid_account") and *message an English sentence (both static).
 */
int cardd_parse_redeem_body(const char *buf, size_t len, struct cardd_redeem_body *out,
                            const char **code, const char **message);

/* ---- keys.c ---- */
struct cardd_keys {
	pthread_rwlock_t lock;
	card_keyring *kr;
	atomic_uint gen;
	pthread_key_t tls; /* per-thread struct codec_slot */
};
int cardd_keys_init(struct cardd_keys *k, card_keyring *kr); /* takes kr */
void cardd_keys_destroy(struct cardd_keys *k);
/* Swap in a new keyring (takes kr); codecs are rebuilt on their next use. */
void cardd_keys_replace(struct cardd_keys *k, card_keyring *kr);
card_verdict cardd_keys_validate(struct cardd_keys *k, const char *text, size_t len,
                                 uint64_t *serial, unsigned *key_id);

/* ---- pool.c ---- */
struct cardd_pool;
struct cardd_pool *cardd_pool_new(const char *conninfo, unsigned size, struct cardd_metrics *m);
void cardd_pool_free(struct cardd_pool *p);
/* A connected store, or NULL after timeout_ms or when the database is unreachable. */
card_store *cardd_pool_get(struct cardd_pool *p, unsigned timeout_ms);
/* Give it back; broken = 1 closes it (the next get reconnects). */
void cardd_pool_put(struct cardd_pool *p, card_store *st, int broken);
/* Does the database answer?  From a probe shared by all callers, at most one round trip a
 * second (callers meanwhile get the last answer). */
int cardd_pool_ready(struct cardd_pool *p);

/* ---- batch.c ---- */
struct cardd_item {
	card_redeem_req req;
	char account[CARD_ACCOUNT_BUFSZ];
	char idem[CARD_IDEM_KEY_MAX + 1];
	card_redemption out;
	card_err rc;
	atomic_int done;
	void (*notify)(struct cardd_item *it); /* called by the committer when done */
	void *cookie;
	struct cardd_item *next;
};
struct cardd_batcher;
struct cardd_batch_opts {
	unsigned committers; /* threads, each with one transaction at a time */
	unsigned batch_max;  /* redemptions per transaction at most */
	unsigned queue_max;  /* waiting redemptions at most (submit fails above) */
	unsigned timeout_ms; /* waiting for a pool connection */
	unsigned linger_us;  /* how long a committer may wait for a batch as big as its last */
};
struct cardd_batcher *cardd_batcher_new(struct cardd_pool *pool, struct cardd_metrics *m,
                                        struct cardd_log *log, const struct cardd_batch_opts *o);
/* Finish every queued item, then stop the committers; later submits fail.  Idempotent. */
void cardd_batcher_stop(struct cardd_batcher *b);
/* Stop (if not yet) and free. */
void cardd_batcher_free(struct cardd_batcher *b);
/* 0 queued (notify will be called once); -1 the queue is full (answer 503). */
int cardd_batcher_submit(struct cardd_batcher *b, struct cardd_item *it);

/* ---- http.c / api.c ---- */
struct cardd {
	struct cardd_config cfg;
	const char *config_path;
	struct cardd_log log;
	struct cardd_metrics metrics;
	struct cardd_keys keys;
	struct cardd_pool *pool;
	struct cardd_batcher *batcher;
	struct cardd_limiter *ip_limit, *account_limit;
	struct cardd_guard *guard;
	struct MHD_Daemon *mhd;
	int listen_fd;   /* bound before dropping privileges; -1 when none */
	int quiesced_fd; /* given back by MHD_quiesce_daemon(); -1 when none */
	char *tls_cert_pem, *tls_key_pem;
	struct cardd_live
		*_Atomic live; /* the reloadable settings now (cfg holds the start ones) */
	atomic_int stopping;
	/* Request ids: a random prefix drawn at start and a counter (cardd_http_start). */
	unsigned char id_prefix[8];
	atomic_uint_fast64_t id_next;
};

/* Bind and listen (as root, if need be); 0 ok. */
int cardd_http_bind(struct cardd *d, char *err, size_t errsz);
/* Start serving (MHD) on the bound socket; 0 ok. */
int cardd_http_start(struct cardd *d, char *err, size_t errsz);
/* Stop accepting (later requests on open connections get 503 and Connection: close) and wait
 * up to `seconds` for the requests in flight. */
void cardd_http_drain(struct cardd *d, double seconds);
/* Stop the HTTP server and close the socket.  No request may be suspended any more. */
void cardd_http_stop(struct cardd *d);
double cardd_now(void); /* monotonic seconds */

#endif
