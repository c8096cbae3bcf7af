/*
 * log.c -- structured one-line logs: "ts=2026-09-01T08:00:00.123Z level=info msg="..." k=v ...".
 *
 * Callers pass only values that may be logged: request ids, endpoints, statuses, serials,
 * client addresses.  Never a code, an account's secret, a token or a key.
 *
 * On stderr the access lines (one per request, msg "request") are gathered in a buffer and
 * written together: one write(2) for many requests instead of one each, which under load
 * was a system call and a lock round per request.  A line waits at most CARDD_LOG_DELAY
 * seconds (the next log call or main.c's periodic cardd_log_flush writes it); any other line
 * (start, reload, errors) is written at once, after the access lines before it, so the order
 * is kept.  syslog(3) lines are sent one by one, as before.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cardd.h"

void cardd_log_init(struct cardd_log *l, int use_syslog)
{
	l->syslog = use_syslog;
	l->len = 0;
	l->since = 0;
	pthread_mutex_init(&l->lock, NULL);
	if (use_syslog)
		openlog("cardd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* Write buf[0..len) to stderr; the caller holds the lock.  A failed write drops the lines (a
 * full disk must not stop redemptions). */
static void write_out(struct cardd_log *l)
{
	size_t off = 0;
	while (off < l->len) {
		ssize_t n = write(STDERR_FILENO, l->buf + off, l->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	l->len = 0;
}

void cardd_log_flush(struct cardd_log *l)
{
	pthread_mutex_lock(&l->lock);
	write_out(l);
	pthread_mutex_unlock(&l->lock);
}

void cardd_log(struct cardd_log *l, enum cardd_log_level lvl, const char *msg, const char *fmt, ...)
{
	static const char *const NAMES[] = { "error", "warn", "info" };
	static const int PRIO[] = { LOG_ERR, LOG_WARNING, LOG_INFO };
	char tail[768], ts[40];
	struct timespec now;
	struct tm tm;
	va_list ap;
	double t;
	int access;

	tail[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(tail, sizeof(tail), fmt, ap);
		va_end(ap);
	}
	if (l->syslog) {
		syslog(PRIO[lvl], "level=%s msg=\"%s\"%s%s", NAMES[lvl], msg, tail[0] ? " " : "",
		       tail);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	access = strcmp(msg, "request") == 0;
	t = cardd_now();
	pthread_mutex_lock(&l->lock);
	for (int tries = 0; tries < 2; tries++) {
		size_t room = sizeof(l->buf) - l->len;
		int n = snprintf(l->buf + l->len, room, "ts=%s.%03ldZ level=%s msg=\"%s\"%s%s\n",
		                 ts, now.tv_nsec / 1000000, NAMES[lvl], msg, tail[0] ? " " : "",
		                 tail);
		if (n >= 0 && (size_t)n < room) {
			if (l->len == 0)
				l->since = t;
			l->len += (size_t)n;
			break;
		}
		write_out(
			l); /* no room: write what waits, then try once more in the empty buffer */
	}
	if (!access || l->len > sizeof(l->buf) / 2 || t - l->since >= CARDD_LOG_DELAY)
		write_out(l);
	pthread_mutex_unlock(&l->lock);
}

void cardd_log_quote(const char *in, char *out, size_t outsz)
{
	size_t o = 0;
	if (outsz < 3) {
		if (outsz > 0)
			out[0] = '\0';
		return;
	}
	out[o++] = '"';
	for (const unsigned char *p = (const unsigned char *)in; *p != '\0' && o + 6 < outsz; p++) {
		if (*p == '"' || *p == '\\') {
			out[o++] = '\\';
			out[o++] = (char)*p;
		} else if (*p < 0x20 || *p == 0x7f) {
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", *p);
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
}
