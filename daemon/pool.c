/*
 * pool.c -- a fixed set of libpq connections (card_store), handed out one at a time.
 *
 * Slots start empty and connect on first use, so cardd starts (and stays up) while the
 * database is away.  A caller that saw the connection fail gives it back as broken; the slot
 * is closed and the next taker reconnects.  Waiting for a free slot is bounded by a timeout:
 * no request waits forever for the database.
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
	p->size = p->nfree = size;
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
	while (p->nfree == 0 && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&p->cond, &p->lock, &until);
	if (p->nfree == 0) {
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
	}
	return st;
}

void cardd_pool_put(struct cardd_pool *p, card_store *st, int broken)
{
	if (broken) {
		card_store_close(st);
		st = NULL;
	}
	pthread_mutex_lock(&p->lock);
	p->free_slots[p->nfree++] = st;
	atomic_fetch_sub(&p->m->pool_in_use, 1);
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}
