/*
 * pool.c -- a fixed set of libpq connections (card_store), handed out one at a time.
 *
 * Slots start empty and connect on first use, so cardd starts (and stays up) while the
 * database is away.  A caller that saw the connection fail gives it back as broken; the slot
 * is closed and the next taker reconnects.  Waiting for a free slot is bounded by a timeout:
 * no request waits forever for the database.
 *
 * Known down: once a connect fails or a connection breaks, the pool is "down" and every get
 * answers NULL at once (the caller answers 503 without holding a worker), except one caller a
 * second, who tries again.  The idle connections are closed with the broken one (they would
 * most likely fail the same way).  Any connect or call that works clears it.
 *
 * Readiness: cardd_pool_ready() answers from one probe shared by all callers, refreshed by at
 * most one database round trip a second.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cardd.h"

struct cardd_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *conninfo;
	card_store **free_slots; /* stack of idle slots; NULL entries are unconnected */
	unsigned nfree, size;
	struct cardd_metrics *m;
	int down;        /* under lock: known down; gets fail at once until retry_at */
	double retry_at; /* monotonic seconds */
	int probing, probe_ok, probed;
	double probe_at;
	pthread_cond_t probe_cond; /* the first probe is done */
};

struct cardd_pool *cardd_pool_new(const char *conninfo, unsigned size, struct cardd_metrics *m)
{
	struct cardd_pool *p = calloc(1, sizeof(*p));
	pthread_condattr_t ca;

	if (p == NULL)
		return NULL;
	p->free_slots = calloc(size, sizeof(*p->free_slots));
	p->conninfo = strdup(conninfo != NULL ? conninfo : "");
	if (p->free_slots == NULL || p->conninfo == NULL) {
		free(p->free_slots);
		free(p->conninfo);
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&p->probe_cond, NULL);
	p->size = p->nfree = size;
	p->probe_at = -1e9;
	p->m = m;
	m->pool_size = size;
	return p;
}

void cardd_pool_free(struct cardd_pool *p)
{
	if (p == NULL)
		return;
	for (unsigned i = 0; i < p->nfree; i++)
		card_store_close(p->free_slots[i]);
	pthread_cond_destroy(&p->cond);
	pthread_cond_destroy(&p->probe_cond);
	pthread_mutex_destroy(&p->lock);
	free(p->free_slots);
	free(p->conninfo);
	free(p);
}

card_store *cardd_pool_get(struct cardd_pool *p, unsigned timeout_ms)
{
	struct timespec until;
	card_store *st = NULL;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->lock);
	if (p->down) {
		double now = cardd_now();
		if (now < p->retry_at) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		/* This caller is the one who tries; nobody else until its try has ended (in
		 * cardd_pool_put, or below). */
		p->retry_at = now + 3600.0;
	}
	while (p->nfree == 0 && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&p->cond, &p->lock, &until);
	if (p->nfree == 0) {
		if (p->down)
			p->retry_at = cardd_now() + 1.0;
		pthread_mutex_unlock(&p->lock);
		return NULL;
	}
	st = p->free_slots[--p->nfree];
	atomic_fetch_add(&p->m->pool_in_use, 1);
	pthread_mutex_unlock(&p->lock);
	if (st == NULL) {
		card_diag d;
		card_diag_clear(&d);
		if (card_store_open(p->conninfo, &st, &d) != CARD_OK) {
			atomic_fetch_add(&p->m->db_unavailable, 1);
			cardd_pool_put(p, NULL, 1);
			return NULL;
		}
		pthread_mutex_lock(&p->lock);
		p->down = 0;
		pthread_mutex_unlock(&p->lock);
	}
	return st;
}

void cardd_pool_put(struct cardd_pool *p, card_store *st, int broken)
{
	card_store **idle = NULL;
	unsigned nidle = 0;

	if (broken) {
		card_store_close(st);
		st = NULL;
	}
	pthread_mutex_lock(&p->lock);
	if (broken) {
		/* From the end of the failure: a try that waited for a connect timeout is not
		 * followed at once by the next one. */
		p->retry_at = cardd_now() + 1.0;
		p->down = 1;
		/* The idle connections went the same way, most likely: close them (outside the lock). */
		idle = calloc(p->nfree > 0 ? p->nfree : 1, sizeof(*idle));
		for (unsigned i = 0; idle != NULL && i < p->nfree; i++)
			if (p->free_slots[i] != NULL) {
				idle[nidle++] = p->free_slots[i];
				p->free_slots[i] = NULL;
			}
	} else if (st != NULL) {
		p->down = 0;
	}
	p->free_slots[p->nfree++] = st;
	atomic_fetch_sub(&p->m->pool_in_use, 1);
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < nidle; i++)
		card_store_close(idle[i]);
	free(idle);
}

int cardd_pool_ready(struct cardd_pool *p)
{
	double now = cardd_now();
	card_store *st;
	card_err rc = CARD_ERR_DB_UNAVAILABLE;
	int ok;

	pthread_mutex_lock(&p->lock);
	while (p->probing && !p->probed) /* nothing to answer with before the first probe */
		pthread_cond_wait(&p->probe_cond, &p->lock);
	if (p->probing || now - p->probe_at < 1.0) {
		ok = p->probe_ok;
		pthread_mutex_unlock(&p->lock);
		return ok;
	}
	p->probing = 1;
	p->probe_at = now;
	pthread_mutex_unlock(&p->lock);
	st = cardd_pool_get(p, 1000);
	if (st != NULL) {
		rc = card_store_ping(st);
		cardd_pool_put(p, st, rc != CARD_OK);
	}
	pthread_mutex_lock(&p->lock);
	p->probe_ok = rc == CARD_OK;
	p->probing = 0;
	p->probed = 1;
	pthread_cond_broadcast(&p->probe_cond);
	ok = p->probe_ok;
	pthread_mutex_unlock(&p->lock);
	return ok;
}
