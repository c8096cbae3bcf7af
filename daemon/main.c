/*
 * main.c -- cardd: parse the command line, read config, keyring and TLS files, bind, drop
 * privileges, serve; SIGHUP reloads the keyring and the reloadable settings, SIGTERM/SIGINT
 * drain the requests in flight and exit.
 *
 * Signals are blocked in every thread and taken synchronously by the main thread with
 * sigwait(): no handler runs in an arbitrary thread, so nothing async-signal-unsafe can happen.
 * Nothing the main thread does on SIGHUP can block (the keyring is opened without blocking),
 * so SIGTERM is always taken.
 *
 * cardd never writes a core file (RLIMIT_CORE 0, and not dumpable): the keys are in memory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cardd.h"

static const char USAGE[] =
	"Usage: cardd [-c FILE] [--listen HOST:PORT] [--db CONNINFO] [--keyring FILE] "
	"[--foreground]\n\n"
	"The online redemption service of libcard (HTTP/JSON and the student page).\n\n"
	"  -c, --config FILE    read settings from FILE (see cardd.conf(5))\n"
	"      --listen H:P     listen address (default 127.0.0.1:8080)\n"
	"      --db CONNINFO    libpq connection string (default: the libpq environment)\n"
	"      --keyring FILE   the keyring (mode 0600)\n"
	"  -f, --foreground     do not detach; log to stderr\n"
	"  -h, --help           this help\n"
	"  -V, --version        print the version\n\n"
	"Flags override the file.  SIGHUP reloads keyring and settings; SIGTERM drains and "
	"exits.\n";

enum { OPT_LISTEN = 0x100, OPT_DB, OPT_KEYRING };

/* Command-line overrides, re-applied after every (re)load of the file. */
struct overrides {
	const char *listen, *db, *keyring;
	int foreground;
};

static int apply_overrides(struct cardd_config *c, const struct overrides *o, char *err,
                           size_t errsz)
{
	if (o->listen != NULL && cardd_config_set(c, "listen", o->listen, err, errsz) != 0)
		return -1;
	if (o->db != NULL && cardd_config_set(c, "db", o->db, err, errsz) != 0)
		return -1;
	if (o->keyring != NULL && cardd_config_set(c, "keyring", o->keyring, err, errsz) != 0)
		return -1;
	if (o->foreground)
		c->foreground = 1;
	if (c->committers > c->db_connections)
		c->committers = c->db_connections;
	return 0;
}

static int load_config(struct cardd_config *c, const char *path, const struct overrides *o,
                       char *err, size_t errsz)
{
	cardd_config_defaults(c);
	if (path != NULL && cardd_config_load(c, path, err, errsz) != 0)
		return -1;
	if (apply_overrides(c, o, err, errsz) != 0)
		return -1;
	if (c->keyring == NULL) {
		snprintf(err, errsz,
		         "no keyring: set \"keyring\" in the config file or use --keyring");
		return -1;
	}
	return 0;
}

/* Read a whole (small) file into a NUL-terminated buffer; NULL on failure. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && n < (1 << 20) &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = calloc(1, (size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static void free_secret(char *s)
{
	if (s != NULL)
		OPENSSL_cleanse(s, strlen(s));
	free(s);
}

/* s as a log value: quoted and escaped into buf (a path or a message may hold a quote). */
static const char *quoted(const char *s, char *buf, size_t n)
{
	cardd_log_quote(s != NULL ? s : "", buf, n);
	return buf;
}

static int drop_privileges(struct cardd *d)
{
	char q1[300], q2[300];
	struct passwd *pw;
	if (d->cfg.user == NULL || geteuid() != 0)
		return 0;
	pw = getpwnam(d->cfg.user);
	if (pw == NULL) {
		cardd_log(&d->log, CARDD_LOG_ERROR, "unknown user", "user=%s",
		          quoted(d->cfg.user, q1, sizeof(q1)));
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0 ||
	    setuid(0) == 0) {
		cardd_log(&d->log, CARDD_LOG_ERROR, "could not drop privileges", "user=%s err=%s",
		          quoted(d->cfg.user, q1, sizeof(q1)),
		          quoted(strerror(errno), q2, sizeof(q2)));
		return -1;
	}
	cardd_log(&d->log, CARDD_LOG_INFO, "dropped privileges", "user=%s uid=%u",
	          quoted(d->cfg.user, q1, sizeof(q1)), (unsigned)pw->pw_uid);
	return 0;
}

static void reload(struct cardd *d, const struct overrides *o)
{
	struct cardd_config nc;
	struct cardd_live *live;
	card_keyring *kr = NULL;
	card_diag diag;
	char err[512], q[700];

	card_diag_clear(&diag);
	if (load_config(&nc, d->config_path, o, err, sizeof(err)) != 0) {
		cardd_log(&d->log, CARDD_LOG_ERROR, "reload failed; keeping the old settings",
		          "err=%s", quoted(err, q, sizeof(q)));
		cardd_config_free(&nc);
		return;
	}
	if (card_keyring_load(nc.keyring, &kr, &diag) != CARD_OK) {
		cardd_log(&d->log, CARDD_LOG_ERROR, "keyring reload failed; keeping the old keys",
		          "err=%s", quoted(diag.message, q, sizeof(q)));
	} else {
		cardd_keys_replace(&d->keys, kr);
		cardd_log(&d->log, CARDD_LOG_INFO, "keyring reloaded", "keys=%u",
		          card_keyring_count(kr));
	}
	cardd_limiter_set(d->ip_limit, nc.ip_rate, nc.ip_burst);
	cardd_limiter_set(d->account_limit, nc.account_rate, nc.account_burst);
	if ((live = cardd_live_new(&nc)) == NULL) {
		cardd_log(&d->log, CARDD_LOG_ERROR, "reload failed; keeping the old settings",
		          "err=\"out of memory\"");
		cardd_config_free(&nc);
		return;
	}
	live->older = atomic_load(&d->live); /* only this thread publishes */
	atomic_store_explicit(&d->live, live, memory_order_release);
	cardd_config_free(&nc);
	cardd_log(&d->log, CARDD_LOG_INFO, "configuration reloaded", NULL);
}

static int parse_args(int argc, char **argv, const char **config, struct overrides *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "db", required_argument, NULL, OPT_DB },
		{ "keyring", required_argument, NULL, OPT_KEYRING },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "c:fhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			*config = optarg;
			break;
		case OPT_LISTEN:
			o->listen = optarg;
			break;
		case OPT_DB:
			o->db = optarg;
			break;
		case OPT_KEYRING:
			o->keyring = optarg;
			break;
		case 'f':
			o->foreground = 1;
			break;
		case 'h':
			fputs(USAGE, stdout);
			return 0;
		case 'V':
			printf("cardd (libcard) %s\n", PACKAGE_VERSION);
			return 0;
		default:
			fputs(USAGE, stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cardd: unexpected argument \"%s\"\n%s", argv[optind], USAGE);
		return 1;
	}
	return -1;
}

/* Detach: fork, new session, stdio to /dev/null.  Before any thread exists. */
/* The database's schema must be the one this cardd's libcard knows.  Checked when the database
 * answers at start; a database that is down is not a reason to refuse to start (cardd answers
 * 503 until it is back), a schema that is missing, behind or newer is. */
static int check_schema(struct cardd *d)
{
	card_store *st = cardd_pool_get(d->pool, d->cfg.db_timeout_ms);
	card_diag diag;
	card_err rc;

	if (st == NULL) {
		cardd_log(&d->log, CARDD_LOG_WARN, "schema not checked",
		          "err=\"database unavailable\"");
		return 0;
	}
	card_diag_clear(&diag);
	rc = card_store_check_schema(st, &diag);
	cardd_pool_put(d->pool, st, rc == CARD_ERR_DB_UNAVAILABLE);
	if (rc == CARD_ERR_SCHEMA_MISSING || rc == CARD_ERR_SCHEMA_NEWER) {
		cardd_log(&d->log, CARDD_LOG_ERROR, "could not start", "err=\"%s\" hint=\"%s\"",
		          diag.message, diag.hint);
		return -1;
	}
	if (rc != CARD_OK)
		cardd_log(&d->log, CARDD_LOG_WARN, "schema not checked", "err=\"%s\"",
		          diag.message);
	return 0;
}

static int detach(void)
{
	pid_t pid = fork();
	int fd;
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	if (chdir("/") != 0)
		return -1;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct cardd d; /* zeroed; lives for the whole run, owned by main */
	struct overrides o = { 0 };
	struct cardd_batch_opts batch_opts;
	const char *config = NULL;
	card_keyring *kr = NULL;
	card_diag diag;
	char err[512], q[700];
	sigset_t sigs;
	int status = 1, sig = 0, use_syslog;

	if ((status = parse_args(argc, argv, &config, &o)) >= 0)
		return status;
	status = 1;
	{
		/* Under systemd the unit's system-call filter refuses setrlimit, but LimitCORE=0
		 * has done it already: only a limit above 0 that cannot be lowered is fatal. */
		struct rlimit core = { 1, 1 }, none = { 0, 0 };
		if (setrlimit(RLIMIT_CORE, &none) != 0 &&
		    (getrlimit(RLIMIT_CORE, &core) != 0 || core.rlim_cur != 0)) {
			fprintf(stderr, "cardd: could not turn core files off: %s\n",
			        strerror(errno));
			return 1;
		}
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
			fprintf(stderr, "cardd: could not turn core files off: %s\n",
			        strerror(errno));
			return 1;
		}
	}
	d.config_path = config;
	d.listen_fd = -1;
	d.quiesced_fd = -1;
	if (load_config(&d.cfg, config, &o, err, sizeof(err)) != 0) {
		fprintf(stderr, "cardd: %s\n", err);
		goto out_cfg;
	}
	card_diag_clear(&diag);
	if (card_keyring_load(d.cfg.keyring, &kr, &diag) != CARD_OK) {
		fprintf(stderr, "cardd: %s\n", diag.message);
		if (diag.hint[0] != '\0')
			fprintf(stderr, "HINT: %s\n", diag.hint);
		goto out_cfg;
	}
	if ((d.cfg.tls_cert == NULL) != (d.cfg.tls_key == NULL)) {
		fprintf(stderr, "cardd: set both tls_cert and tls_key, or neither\n");
		goto out_kr;
	}
	if (d.cfg.tls_cert != NULL && ((d.tls_cert_pem = slurp(d.cfg.tls_cert)) == NULL ||
	                               (d.tls_key_pem = slurp(d.cfg.tls_key)) == NULL)) {
		fprintf(stderr, "cardd: could not read tls_cert \"%s\" or tls_key \"%s\"\n",
		        d.cfg.tls_cert, d.cfg.tls_key);
		goto out_kr;
	}
	use_syslog = d.cfg.log != NULL ? strcmp(d.cfg.log, "syslog") == 0 : !d.cfg.foreground;
	if (!d.cfg.foreground && detach() != 0) {
		fprintf(stderr, "cardd: could not detach: %s\n", strerror(errno));
		goto out_kr;
	}
	cardd_log_init(&d.log, use_syslog);
	/* Bound every database wait (libpq reads these when connecting). */
	if (getenv("PGCONNECT_TIMEOUT") == NULL) {
		char t[16];
		snprintf(t, sizeof(t), "%u", (d.cfg.db_timeout_ms + 999) / 1000 + 1);
		setenv("PGCONNECT_TIMEOUT", t, 1);
	}
	if (getenv("PGOPTIONS") == NULL) {
		char t[128];
		snprintf(t, sizeof(t),
		         "-c statement_timeout=%u -c idle_in_transaction_session_timeout=%u",
		         d.cfg.db_timeout_ms, d.cfg.db_timeout_ms * 4);
		setenv("PGOPTIONS", t, 1);
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* inherited by every thread made below */
	signal(SIGPIPE, SIG_IGN);
	atomic_init(&d.live, cardd_live_new(&d.cfg));
	if (atomic_load(&d.live) == NULL)
		goto out_kr;
	if (cardd_keys_init(&d.keys, kr) != 0)
		goto out_kr;
	kr = NULL;
	d.ip_limit = cardd_limiter_new(d.cfg.ratelimit_slots, d.cfg.ip_rate, d.cfg.ip_burst);
	d.account_limit =
		cardd_limiter_new(d.cfg.ratelimit_slots, d.cfg.account_rate, d.cfg.account_burst);
	d.pool = cardd_pool_new(d.cfg.db, d.cfg.db_connections, &d.metrics);
	d.metrics.failed_mac_by_ip = cardd_tally_new(4096);
	if (d.ip_limit == NULL || d.account_limit == NULL || d.pool == NULL ||
	    d.metrics.failed_mac_by_ip == NULL)
		goto out_keys;
	if (check_schema(&d) != 0)
		goto out_keys;
	/* Bind (a low port needs root), then drop privileges before any worker thread exists. */
	if (cardd_http_bind(&d, err, sizeof(err)) != 0) {
		cardd_log(&d.log, CARDD_LOG_ERROR, "could not start", "err=%s",
		          quoted(err, q, sizeof(q)));
		goto out_keys;
	}
	if (drop_privileges(&d) != 0)
		goto out_http;
	batch_opts = (struct cardd_batch_opts){ .committers = d.cfg.committers,
		                                .batch_max = d.cfg.batch_max,
		                                .queue_max = d.cfg.queue_max,
		                                .timeout_ms = d.cfg.db_timeout_ms,
		                                .linger_us = d.cfg.batch_linger_us };
	d.batcher = cardd_batcher_new(d.pool, &d.metrics, &d.log, &batch_opts);
	if (d.batcher == NULL)
		goto out_http;
	if (cardd_http_start(&d, err, sizeof(err)) != 0) {
		cardd_log(&d.log, CARDD_LOG_ERROR, "could not start", "err=%s",
		          quoted(err, q, sizeof(q)));
		goto out_http;
	}
	free_secret(d.tls_key_pem);
	d.tls_key_pem = NULL;
	cardd_log(&d.log, CARDD_LOG_INFO, "listening",
	          "addr=%s:%u tls=%s threads=%u db_connections=%u pid=%ld", d.cfg.listen_host,
	          d.cfg.listen_port, d.tls_cert_pem ? "yes" : "no", d.cfg.http_threads,
	          d.cfg.db_connections, (long)getpid());
	for (;;) {
		/* Wake a few times a second to write out buffered access lines (log.c). */
		sig = sigtimedwait(&sigs, NULL, &(struct timespec){ 0, 100 * 1000 * 1000 });
		cardd_log_flush(&d.log);
		if (sig < 0)
			continue;
		if (sig == SIGHUP) {
			reload(&d, &o);
			continue;
		}
		break;
	}
	cardd_log(&d.log, CARDD_LOG_INFO, "stopping", "signal=%d inflight=%ld", sig,
	          (long)atomic_load(&d.metrics.inflight));
	status = 0;
out_http:
	/* Drain: answer what is in flight; then the committers finish everything still queued
	 * (which resumes those requests), so nothing is suspended when MHD stops. */
	cardd_http_drain(&d, d.cfg.drain_timeout);
	cardd_batcher_stop(d.batcher);
	cardd_http_drain(&d, 2.0);
	cardd_http_stop(&d);
	cardd_batcher_free(d.batcher);
out_keys:
	cardd_pool_free(d.pool);
	cardd_limiter_free(d.ip_limit);
	cardd_limiter_free(d.account_limit);
	cardd_tally_free(d.metrics.failed_mac_by_ip);
	cardd_keys_destroy(&d.keys);
	cardd_live_free(atomic_load(&d.live));
	if (status == 0)
		cardd_log(&d.log, CARDD_LOG_INFO, "stopped", NULL);
	cardd_log_flush(&d.log);
out_kr:
	card_keyring_free(kr);
	free_secret(d.tls_key_pem);
	free(d.tls_cert_pem);
out_cfg:
	cardd_config_free(&d.cfg);
	return status;
}
