/*
 * tally.c -- counts per client address of failed-MAC attempts, in a fixed-size table, for
 * /metrics: the addresses with the most attempts are shown, so an operator sees who guesses
 * codes without the metric growing with the number of addresses.
 *
 * A key hashes to a set of 4 slots; a new key takes the slot with the smallest count, so
 * heavy hitters stay and one-off typists are forgotten.  One mutex: this is only touched for
 * forged codes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "cardd.h"

#define WAYS 4

struct slot {
	char key[64];
	unsigned long count;
};

struct cardd_tally {
	pthread_mutex_t lock;
	size_t nsets;
	uint64_t seed;
	struct slot *s;
};

struct cardd_tally *cardd_tally_new(unsigned slots)
{
	struct cardd_tally *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->nsets = slots / WAYS > 0 ? slots / WAYS : 1;
	t->s = calloc(t->nsets * WAYS, sizeof(*t->s));
	if (t->s == NULL || RAND_bytes((unsigned char *)&t->seed, sizeof(t->seed)) != 1) {
		free(t->s);
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

void cardd_tally_free(struct cardd_tally *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->s);
	free(t);
}

void cardd_tally_add(struct cardd_tally *t, const char *key)
{
	uint64_t h = t != NULL ? t->seed ^ 0xcbf29ce484222325ULL : 0;
	struct slot *set, *hit = NULL;

	if (t == NULL)
		return;
	for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	set = &t->s[(h % t->nsets) * WAYS];
	pthread_mutex_lock(&t->lock);
	for (int i = 0; i < WAYS && hit == NULL; i++)
		if (set[i].count > 0 && strncmp(set[i].key, key, sizeof(set[i].key) - 1) == 0)
			hit = &set[i];
	if (hit == NULL) {
		hit = &set[0];
		for (int i = 1; i < WAYS; i++)
			if (set[i].count < hit->count)
				hit = &set[i];
		memset(hit->key, 0, sizeof(hit->key));
		memcpy(hit->key, key, strnlen(key, sizeof(hit->key) - 1));
		hit->count = 0;
	}
	hit->count++;
	pthread_mutex_unlock(&t->lock);
}

size_t cardd_tally_top(struct cardd_tally *t, size_t n, char keys[][64], unsigned long *counts)
{
	size_t got = 0;
	if (t == NULL)
		return 0;
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->nsets * WAYS; i++) {
		const struct slot *s = &t->s[i];
		size_t j;
		if (s->count == 0)
			continue;
		/* Insertion into the sorted top list (n is small). */
		for (j = got; j > 0 && counts[j - 1] < s->count; j--) {
			if (j < n) {
				counts[j] = counts[j - 1];
				memcpy(keys[j], keys[j - 1], 64);
			}
		}
		if (j < n) {
			counts[j] = s->count;
			memcpy(keys[j], s->key, 64);
			if (got < n)
				got++;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return got;
}
