/*
 * log.c -- structured one-line logs: "ts=2026-09-01T08:00:00.123Z level=info msg="..." k=v ...".
 *
 * Callers pass only values that may be logged: request ids, endpoints, statuses, serials,
 * client addresses.  Never a code, an account's secret, a token or a key.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "cardd.h"

void cardd_log_init(struct cardd_log *l, int use_syslog)
{
	l->syslog = use_syslog;
	pthread_mutex_init(&l->lock, NULL);
	if (use_syslog)
		openlog("cardd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void cardd_log(struct cardd_log *l, enum cardd_log_level lvl, const char *msg, const char *fmt, ...)
{
	static const char *const NAMES[] = { "error", "warn", "info" };
	static const int PRIO[] = { LOG_ERR, LOG_WARNING, LOG_INFO };
	char tail[768], ts[40];
	struct timespec now;
	struct tm tm;
	va_list ap;

	tail[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(tail, sizeof(tail), fmt, ap);
		va_end(ap);
	}
	if (l->syslog) {
		syslog(PRIO[lvl], "level=%s msg=\"%s\"%s%s", NAMES[lvl], msg, tail[0] ? " " : "", tail);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	pthread_mutex_lock(&l->lock);
	fprintf(stderr, "ts=%s.%03ldZ level=%s msg=\"%s\"%s%s\n", ts, now.tv_nsec / 1000000, NAMES[lvl],
	        msg, tail[0] ? " " : "", tail);
	fflush(stderr);
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
