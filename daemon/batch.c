/*
 * batch.c -- group commit of redemptions.
 *
 * HTTP workers queue validated redemptions and suspend the request; committer threads take
 * everything waiting (up to batch_max) and redeem it with ONE card_redeem_many() call: one
 * transaction, one round trip, one WAL flush for the lot, each request with its own outcome.
 * While one committer waits for its commit, the next requests pile up and go out together
 * with the next free committer, so the batch size follows the load by itself: 1 when idle,
 * hundreds under a rush.  A request is answered (notify) only after the call that holds it
 * returned, so every 201 is durable.
 *
 * Linger: clients that wait for each answer before they send again (a platform's pool of N
 * workers, a school's upload script) come back just after their batch is answered.  Taken at
 * once, what waits then is only the part of them that was not in that batch, and the batches
 * stay half the clients each, each paying a call's fixed cost.  So when fewer redemptions wait
 * than the committer's last transaction held, it waits up to batch_linger microseconds for
 * that many, and takes what there is then.  With clients that send independently (students)
 * as many wait as the last transaction held, and nothing lingers; idle, a lone request finds
 * its committer asleep and goes at once.
 *
 * If a whole batch fails with an error that is not an outage (one bad request should not sink
 * its neighbours), its requests are retried one by one.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "cardd.h"

struct cardd_batcher {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct cardd_item *head, *tail;
	unsigned len, queue_max, batch_max, timeout_ms, linger_us, ncommitters;
	/* While a committer lingers: the queue length it waits for (0 otherwise).  A submit
	 * wakes it only on reaching that, not once a request. */
	unsigned want;
	int stop;
	pthread_t *threads;
	struct cardd_pool *pool;
	struct cardd_metrics *m;
	struct cardd_log *log;
};

static void finish(struct cardd_batcher *b, struct cardd_item *it, card_err rc)
{
	it->rc = rc;
	if (rc == CARD_OK && it->out.outcome <= CARD_IDEMPOTENCY_REUSED)
		atomic_fetch_add_explicit(&b->m->outcomes[it->out.outcome], 1,
		                          memory_order_relaxed);
	atomic_store_explicit(&it->done, 1, memory_order_release);
	it->notify(it);
}

/* Redeem items[0..n) on st; returns the call's result (outcomes land in each item). */
static card_err redeem(struct cardd_batcher *b, card_store *st, struct cardd_item **items, size_t n,
                       card_redeem_req *reqs, card_redemption *outs)
{
	card_diag d;
	card_err rc;

	for (size_t i = 0; i < n; i++)
		reqs[i] = items[i]->req;
	card_diag_clear(&d);
	cardd_metrics_batch(b->m, n);
	rc = card_redeem_many(st, reqs, n, outs, &d);
	if (rc == CARD_OK) {
		for (size_t i = 0; i < n; i++)
			items[i]->out = outs[i];
	} else {
		atomic_fetch_add(rc == CARD_ERR_DB_UNAVAILABLE ? &b->m->db_unavailable
		                                               : &b->m->db_errors,
		                 1);
		char q[700];
		cardd_log_quote(d.message, q, sizeof(q));
		cardd_log(b->log, CARDD_LOG_ERROR, "redemption batch failed",
		          "n=%zu err=\"%s\" detail=%s", n, card_strerror(rc), q);
	}
	return rc;
}

static void run_batch(struct cardd_batcher *b, struct cardd_item **items, size_t n,
                      card_redeem_req *reqs, card_redemption *outs)
{
	card_store *st = cardd_pool_get(b->pool, b->timeout_ms);
	card_err rc;

	if (st == NULL) {
		for (size_t i = 0; i < n; i++)
			finish(b, items[i], CARD_ERR_DB_UNAVAILABLE);
		return;
	}
	rc = redeem(b, st, items, n, reqs, outs);
	if (rc != CARD_OK && rc != CARD_ERR_DB_UNAVAILABLE && n > 1) {
		for (size_t i = 0; i < n; i++) {
			card_err one = redeem(b, st, &items[i], 1, reqs, outs);
			if (one == CARD_ERR_DB_UNAVAILABLE) {
				for (; i < n; i++)
					finish(b, items[i], one);
				break;
			}
			finish(b, items[i], one);
		}
		cardd_pool_put(b->pool, st, 0);
		return;
	}
	cardd_pool_put(b->pool, st, rc == CARD_ERR_DB_UNAVAILABLE);
	for (size_t i = 0; i < n; i++)
		finish(b, items[i], rc);
}

/* With b->lock held and something queued: wait up to linger_us while fewer than want (a
 * batch's size, so at most batch_max) redemptions wait.  A submit signals b->cond when the
 * queue reaches b->want, so the wait is one wake-up, not one per request. */
static void linger(struct cardd_batcher *b, unsigned want)
{
	struct timespec until;

	if (b->linger_us == 0 || b->len >= want || b->stop)
		return;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += (long)b->linger_us * 1000;
	until.tv_sec += until.tv_nsec / 1000000000;
	until.tv_nsec %= 1000000000;
	b->want = want;
	while (b->len < want && !b->stop)
		if (pthread_cond_timedwait(&b->cond, &b->lock, &until) == ETIMEDOUT)
			break;
	b->want = 0;
}

static void *committer(void *arg)
{
	struct cardd_batcher *b = arg;
	struct cardd_item **items = calloc(b->batch_max, sizeof(*items));
	card_redeem_req *reqs = calloc(b->batch_max, sizeof(*reqs));
	card_redemption *outs = calloc(b->batch_max, sizeof(*outs));
	unsigned last = 1; /* redemptions in this committer's last transaction */

	for (;;) {
		size_t n = 0;
		pthread_mutex_lock(&b->lock);
		while (b->head == NULL && !b->stop)
			pthread_cond_wait(&b->cond, &b->lock);
		if (b->head == NULL && b->stop) {
			pthread_mutex_unlock(&b->lock);
			break;
		}
		linger(b, last);
		if (b->head == NULL) { /* another committer took them while this one lingered */
			pthread_mutex_unlock(&b->lock);
			continue;
		}
		while (b->head != NULL && n < b->batch_max &&
		       (items != NULL && reqs != NULL && outs != NULL)) {
			items[n++] = b->head;
			b->head = b->head->next;
		}
		if (b->head == NULL)
			b->tail = NULL;
		b->len -= (unsigned)n;
		atomic_store(&b->m->queue_len, (long)b->len);
		pthread_mutex_unlock(&b->lock);
		if (n == 0) {
			/* Out of memory for the batch arrays: nothing we can do but stop taking work. */
			cardd_log(b->log, CARDD_LOG_ERROR, "committer out of memory", NULL);
			break;
		}
		last = (unsigned)n;
		run_batch(b, items, n, reqs, outs);
	}
	free(items);
	free(reqs);
	free(outs);
	return NULL;
}

struct cardd_batcher *cardd_batcher_new(struct cardd_pool *pool, struct cardd_metrics *m,
                                        struct cardd_log *log, const struct cardd_batch_opts *o)
{
	struct cardd_batcher *b = calloc(1, sizeof(*b));
	pthread_condattr_t ca;
	if (b == NULL)
		return NULL;
	b->threads = calloc(o->committers, sizeof(*b->threads));
	if (b->threads == NULL) {
		free(b);
		return NULL;
	}
	pthread_mutex_init(&b->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* linger's deadline */
	pthread_cond_init(&b->cond, &ca);
	pthread_condattr_destroy(&ca);
	b->pool = pool;
	b->m = m;
	b->log = log;
	b->batch_max = o->batch_max;
	b->queue_max = o->queue_max;
	b->timeout_ms = o->timeout_ms;
	b->linger_us = o->linger_us;
	for (unsigned i = 0; i < o->committers; i++) {
		if (pthread_create(&b->threads[i], NULL, committer, b) != 0)
			break;
		b->ncommitters++;
	}
	if (b->ncommitters == 0) {
		cardd_batcher_free(b);
		return NULL;
	}
	return b;
}

void cardd_batcher_stop(struct cardd_batcher *b)
{
	unsigned n;
	if (b == NULL)
		return;
	pthread_mutex_lock(&b->lock);
	b->stop = 1;
	n = b->ncommitters;
	b->ncommitters = 0;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
	for (unsigned i = 0; i < n; i++)
		pthread_join(b->threads[i], NULL);
}

void cardd_batcher_free(struct cardd_batcher *b)
{
	if (b == NULL)
		return;
	cardd_batcher_stop(b);
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
	free(b->threads);
	free(b);
}

int cardd_batcher_submit(struct cardd_batcher *b, struct cardd_item *it)
{
	int rc = 0;
	it->next = NULL;
	atomic_store(&it->done, 0);
	pthread_mutex_lock(&b->lock);
	if (b->len >= b->queue_max || b->stop) {
		rc = -1;
	} else {
		if (b->tail != NULL)
			b->tail->next = it;
		else
			b->head = it;
		b->tail = it;
		b->len++;
		atomic_store(&b->m->queue_len, (long)b->len);
		/* The first in an empty queue wakes an idle committer; a lingering one wakes when
		 * as many wait as it waits for. */
		if (b->len == 1 || (b->want != 0 && b->len >= b->want))
			pthread_cond_signal(&b->cond);
	}
	pthread_mutex_unlock(&b->lock);
	return rc;
}
