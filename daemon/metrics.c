/*
 * metrics.c -- cardd's counters, rendered for Prometheus (text format 0.0.4).
 *
 * Everything is a relaxed atomic: counting must never slow the request path down, and a
 * scrape that is a few increments off is fine.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cardd.h"

static const unsigned STATUSES[CARDD_NSTATUS] = { 200, 201, 204, 400, 401, 403, 404, 405, 409,
	                                          410, 413, 415, 422, 429, 500, 503, 0,   0 };
static const double BUCKETS[CARDD_NBUCKETS] = { 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
	                                        0.2,   0.5,   1,     2,    5,    10,   30 };
static const char *const OUTCOMES[6] = { "redeemed",  "repeated",     "already_redeemed",
	                                 "card_void", "invalid_code", "idempotency_key_reused" };
static const char *const REJECTED[VM_COUNT] = { "malformed", "typo", "invalid_code",
	                                        "invalid_body" };

const char *cardd_endpoint_name(enum cardd_endpoint ep)
{
	switch (ep) {
	case EP_REDEEM:
		return "redeem";
	case EP_FEED:
		return "feed";
	case EP_CARD:
		return "card";
	case EP_HEALTHZ:
		return "healthz";
	case EP_READYZ:
		return "readyz";
	case EP_METRICS:
		return "metrics";
	case EP_PAGE:
		return "page";
	case EP_OTHER:
	case EP_COUNT:
		break;
	}
	return "other";
}

static int status_index(unsigned status)
{
	for (int i = 0; i < CARDD_NSTATUS - 2; i++)
		if (STATUSES[i] == status)
			return i;
	return CARDD_NSTATUS - 1; /* anything else */
}

void cardd_metrics_request(struct cardd_metrics *m, enum cardd_endpoint ep, unsigned status,
                           double secs)
{
	int b;
	atomic_fetch_add_explicit(&m->requests[ep][status_index(status)], 1, memory_order_relaxed);
	for (b = 0; b < CARDD_NBUCKETS && secs > BUCKETS[b]; b++)
		;
	atomic_fetch_add_explicit(&m->latency[ep][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->latency_sum_us[ep], (unsigned long)(secs * 1e6),
	                          memory_order_relaxed);
}

void cardd_metrics_batch(struct cardd_metrics *m, size_t n)
{
	int b = 0;
	while (b < 7 && ((size_t)2 << b) <= n)
		b++;
	atomic_fetch_add_explicit(&m->batch_size[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->db_batches, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->db_redemptions, n, memory_order_relaxed);
}

#define LD(x) atomic_load_explicit(&(x), memory_order_relaxed)

int cardd_metrics_render(struct cardd_metrics *m, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);
	if (f == NULL)
		return -1;
	fprintf(f,
	        "# HELP cardd_http_requests_total HTTP requests answered, by endpoint and status.\n"
	        "# TYPE cardd_http_requests_total counter\n");
	for (int e = 0; e < EP_COUNT; e++)
		for (int s = 0; s < CARDD_NSTATUS; s++) {
			unsigned long v = LD(m->requests[e][s]);
			if (v == 0 || (STATUSES[s] == 0 && s != CARDD_NSTATUS - 1))
				continue;
			if (STATUSES[s] != 0)
				fprintf(f,
				        "cardd_http_requests_total{endpoint=\"%s\",status=\"%u\"} "
				        "%lu\n",
				        cardd_endpoint_name(e), STATUSES[s], v);
			else
				fprintf(f,
				        "cardd_http_requests_total{endpoint=\"%s\",status="
				        "\"other\"} %lu\n",
				        cardd_endpoint_name(e), v);
		}
	fprintf(f, "# HELP cardd_http_request_duration_seconds Time from request to answer.\n"
	           "# TYPE cardd_http_request_duration_seconds histogram\n");
	for (int e = 0; e < EP_COUNT; e++) {
		unsigned long cum = 0;
		for (int b = 0; b <= CARDD_NBUCKETS; b++) {
			cum += LD(m->latency[e][b]);
			if (b < CARDD_NBUCKETS)
				fprintf(f,
				        "cardd_http_request_duration_seconds_bucket{endpoint=\"%"
				        "s\",le=\"%g\"} %lu\n",
				        cardd_endpoint_name(e), BUCKETS[b], cum);
			else
				fprintf(f,
				        "cardd_http_request_duration_seconds_bucket{endpoint=\"%"
				        "s\",le=\"+Inf\"} %lu\n",
				        cardd_endpoint_name(e), cum);
		}
		fprintf(f, "cardd_http_request_duration_seconds_sum{endpoint=\"%s\"} %.6f\n",
		        cardd_endpoint_name(e), (double)LD(m->latency_sum_us[e]) / 1e6);
		fprintf(f, "cardd_http_request_duration_seconds_count{endpoint=\"%s\"} %lu\n",
		        cardd_endpoint_name(e), cum);
	}
	fprintf(f, "# HELP cardd_redemptions_total Redemption outcomes decided by the database.\n"
	           "# TYPE cardd_redemptions_total counter\n");
	for (int o = 0; o < 6; o++)
		fprintf(f, "cardd_redemptions_total{outcome=\"%s\"} %lu\n", OUTCOMES[o],
		        LD(m->outcomes[o]));
	fprintf(f,
	        "# HELP cardd_rejected_total Redemption requests answered without the database.\n"
	        "# TYPE cardd_rejected_total counter\n");
	for (int r = 0; r < VM_COUNT; r++)
		fprintf(f, "cardd_rejected_total{reason=\"%s\"} %lu\n", REJECTED[r],
		        LD(m->rejected[r]));
	fprintf(f,
	        "# HELP cardd_failed_mac_total Codes with a wrong MAC or an unknown key id.\n"
	        "# TYPE cardd_failed_mac_total counter\ncardd_failed_mac_total %lu\n",
	        LD(m->failed_mac));
	{
		char keys[10][64];
		unsigned long counts[10];
		size_t n = cardd_tally_top(m->failed_mac_by_ip, 10, keys, counts);
		fprintf(f, "# HELP cardd_failed_mac_by_address Failed-MAC attempts of the (at most "
		           "10) busiest client addresses.\n"
		           "# TYPE cardd_failed_mac_by_address gauge\n");
		for (size_t i = 0; i < n; i++)
			fprintf(f, "cardd_failed_mac_by_address{address=\"%s\"} %lu\n", keys[i],
			        counts[i]);
	}
	fprintf(f,
	        "# HELP cardd_rate_limited_total Requests refused by a rate limit.\n"
	        "# TYPE cardd_rate_limited_total counter\n"
	        "cardd_rate_limited_total{limit=\"ip\"} "
	        "%lu\ncardd_rate_limited_total{limit=\"account\"} %lu\n",
	        LD(m->ratelimited_ip), LD(m->ratelimited_account));
	fprintf(f,
	        "# HELP cardd_connections_refused_total Connections refused or closed to protect "
	        "the service.\n"
	        "# TYPE cardd_connections_refused_total counter\n"
	        "cardd_connections_refused_total{reason=\"per_address_limit\"} %lu\n"
	        "cardd_connections_refused_total{reason=\"request_timeout\"} %lu\n"
	        "cardd_connections_refused_total{reason=\"bad_framing\"} %lu\n",
	        LD(m->conn_refused), LD(m->conn_timed_out), LD(m->bad_framing));
	fprintf(f,
	        "# HELP cardd_db_batches_total Redemption transactions (group commits).\n"
	        "# TYPE cardd_db_batches_total counter\ncardd_db_batches_total %lu\n"
	        "# HELP cardd_db_redemption_requests_total Redemption requests sent to the "
	        "database.\n"
	        "# TYPE cardd_db_redemption_requests_total "
	        "counter\ncardd_db_redemption_requests_total %lu\n"
	        "# HELP cardd_db_errors_total Database calls that failed.\n"
	        "# TYPE cardd_db_errors_total counter\ncardd_db_errors_total{kind=\"unavailable\"} "
	        "%lu\n"
	        "cardd_db_errors_total{kind=\"error\"} %lu\n",
	        LD(m->db_batches), LD(m->db_redemptions), LD(m->db_unavailable), LD(m->db_errors));
	fprintf(f, "# HELP cardd_db_batch_size Redemptions per transaction.\n# TYPE "
	           "cardd_db_batch_size histogram\n");
	{
		unsigned long cum = 0;
		for (int b = 0; b < 8; b++) {
			cum += LD(m->batch_size[b]);
			if (b < 7)
				fprintf(f, "cardd_db_batch_size_bucket{le=\"%u\"} %lu\n",
				        (2u << b) - 1, cum);
			else
				fprintf(f, "cardd_db_batch_size_bucket{le=\"+Inf\"} %lu\n", cum);
		}
		fprintf(f, "cardd_db_batch_size_sum %lu\ncardd_db_batch_size_count %lu\n",
		        LD(m->db_redemptions), cum);
	}
	fprintf(f,
	        "# HELP cardd_db_pool_connections Database connections in the pool.\n"
	        "# TYPE cardd_db_pool_connections gauge\ncardd_db_pool_connections %u\n"
	        "# HELP cardd_db_pool_in_use Database connections in use.\n"
	        "# TYPE cardd_db_pool_in_use gauge\ncardd_db_pool_in_use %ld\n"
	        "# HELP cardd_redemption_queue Redemptions waiting for a commit.\n"
	        "# TYPE cardd_redemption_queue gauge\ncardd_redemption_queue %ld\n"
	        "# HELP cardd_http_in_flight Requests being answered.\n"
	        "# TYPE cardd_http_in_flight gauge\ncardd_http_in_flight %ld\n",
	        m->pool_size, LD(m->pool_in_use), LD(m->queue_len), LD(m->inflight));
	return fclose(f) == 0 ? 0 : -1;
}
