/*
 * keys.c -- the keyring cardd validates codes with, and one codec per thread.
 *
 * A card_codec is not thread-safe, so each HTTP worker keeps its own in thread-specific data,
 * tagged with the keyring generation it was built from.  SIGHUP swaps the keyring under the
 * write lock and bumps the generation; a worker notices on its next code and rebuilds its
 * codec (under the read lock, so the keyring it reads cannot be freed meanwhile).
 */
#include "config.h"

#include <stdlib.h>

#include "cardd.h"

struct codec_slot {
	card_codec *codec;
	unsigned gen;
};

static void slot_free(void *p)
{
	struct codec_slot *s = p;
	if (s == NULL)
		return;
	card_codec_free(s->codec);
	free(s);
}

int cardd_keys_init(struct cardd_keys *k, card_keyring *kr)
{
	k->kr = kr;
	atomic_init(&k->gen, 1);
	if (pthread_rwlock_init(&k->lock, NULL) != 0)
		return -1;
	if (pthread_key_create(&k->tls, slot_free) != 0) {
		pthread_rwlock_destroy(&k->lock);
		return -1;
	}
	return 0;
}

void cardd_keys_destroy(struct cardd_keys *k)
{
	/* Only the calling thread's slot is still ours to free; workers freed theirs on exit. */
	slot_free(pthread_getspecific(k->tls));
	pthread_setspecific(k->tls, NULL);
	pthread_key_delete(k->tls);
	pthread_rwlock_destroy(&k->lock);
	card_keyring_free(k->kr); /* wipes the keys */
	k->kr = NULL;
}

void cardd_keys_replace(struct cardd_keys *k, card_keyring *kr)
{
	card_keyring *old;
	pthread_rwlock_wrlock(&k->lock);
	old = k->kr;
	k->kr = kr;
	atomic_fetch_add(&k->gen, 1);
	pthread_rwlock_unlock(&k->lock);
	card_keyring_free(old);
}

card_verdict cardd_keys_validate(struct cardd_keys *k, const char *text, size_t len,
                                 uint64_t *serial, unsigned *key_id)
{
	struct codec_slot *s = pthread_getspecific(k->tls);
	card_verdict v;
	unsigned gen;

	pthread_rwlock_rdlock(&k->lock);
	gen = atomic_load(&k->gen);
	if (s == NULL) {
		s = calloc(1, sizeof(*s));
		if (s == NULL || pthread_setspecific(k->tls, s) != 0) {
			free(s);
			s = NULL;
		}
	}
	if (s != NULL && (s->codec == NULL || s->gen != gen)) {
		/* The old codec may point into a keyring already freed: only its own state is freed. */
		card_codec_free(s->codec);
		s->codec = NULL;
		if (card_codec_new(k->kr, &s->codec) == CARD_OK)
			s->gen = gen;
	}
	if (s == NULL || s->codec == NULL) {
		/* Out of memory or OpenSSL failure: answer as if the code were unchecked syntax only. */
		v = card_code_check(text, len, NULL, NULL);
		if (v == CARD_VALID)
			v = CARD_UNKNOWN_KEY;
	} else {
		v = card_code_validate(s->codec, text, len, serial, key_id);
	}
	pthread_rwlock_unlock(&k->lock);
	return v;
}
