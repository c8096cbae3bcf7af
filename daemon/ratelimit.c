/*
 * ratelimit.c -- token buckets keyed by client address or account, in a fixed-size table.
 *
 * The table has a fixed number of slots, so memory is bounded whatever the traffic: a key
 * hashes (SipHash-like keyed mix with a random seed, so a client cannot aim collisions) to a
 * set of 4 slots; a new key takes the least recently used of them.  An evicted bucket
 * returns full, which only errs towards letting a request through.  16 lock stripes.
 */
#include "config.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "cardd.h"

#define WAYS 4
#define STRIPES 16

struct bucket {
	uint64_t key; /* 0 = empty */
	double tokens;
	double last;
};

struct cardd_limiter {
	double rate, burst;
	size_t nsets;
	uint64_t seed[2];
	struct bucket *b;
	pthread_mutex_t lock[STRIPES];
};

struct cardd_limiter *cardd_limiter_new(unsigned slots, double rate, double burst)
{
	struct cardd_limiter *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->rate = rate;
	l->burst = burst;
	l->nsets = slots / WAYS > 0 ? slots / WAYS : 1;
	l->b = calloc(l->nsets * WAYS, sizeof(*l->b));
	if (l->b == NULL || RAND_bytes((unsigned char *)l->seed, sizeof(l->seed)) != 1) {
		free(l->b);
		free(l);
		return NULL;
	}
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_init(&l->lock[i], NULL);
	return l;
}

void cardd_limiter_free(struct cardd_limiter *l)
{
	if (l == NULL)
		return;
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&l->lock[i]);
	free(l->b);
	free(l);
}

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/* A keyed 64-bit hash (SipHash-2-4 rounds over 8-byte words; enough for bucket placement). */
static uint64_t keyed_hash(const uint64_t seed[2], const void *data, size_t len)
{
	uint64_t v0 = seed[0] ^ 0x736f6d6570736575ULL, v1 = seed[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = seed[0] ^ 0x6c7967656e657261ULL, v3 = seed[1] ^ 0x7465646279746573ULL;
	const unsigned char *p = data;
	uint64_t m;
	size_t i;
#define SIPROUND                   \
	do {                       \
		v0 += v1;          \
		v1 = rotl(v1, 13); \
		v1 ^= v0;          \
		v0 = rotl(v0, 32); \
		v2 += v3;          \
		v3 = rotl(v3, 16); \
		v3 ^= v2;          \
		v0 += v3;          \
		v3 = rotl(v3, 21); \
		v3 ^= v0;          \
		v2 += v1;          \
		v1 = rotl(v1, 17); \
		v1 ^= v2;          \
		v2 = rotl(v2, 32); \
	} while (0)
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, p + i, 8);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	m = (uint64_t)len << 56;
	for (size_t j = 0; i + j < len; j++)
		m |= (uint64_t)p[i + j] << (8 * j);
	v3 ^= m;
	SIPROUND;
	SIPROUND;
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
#undef SIPROUND
	return (v0 ^ v1 ^ v2 ^ v3) | 1; /* never 0: 0 marks an empty slot */
}

int cardd_limiter_take(struct cardd_limiter *l, const void *key, size_t keylen, double now,
                       unsigned *retry)
{
	uint64_t h;
	struct bucket *set, *b = NULL;
	size_t si;
	int ok;

	if (l == NULL)
		return 1;
	h = keyed_hash(l->seed, key, keylen);
	si = (size_t)(h % l->nsets);
	set = &l->b[si * WAYS];
	pthread_mutex_lock(&l->lock[si % STRIPES]);
	if (l->rate <= 0) {
		pthread_mutex_unlock(&l->lock[si % STRIPES]);
		return 1;
	}
	for (int i = 0; i < WAYS && b == NULL; i++)
		if (set[i].key == h)
			b = &set[i];
	if (b == NULL) {
		b = &set[0];
		for (int i = 1; i < WAYS; i++)
			if (set[i].last < b->last)
				b = &set[i];
		b->key = h;
		b->tokens = l->burst;
		b->last = now;
	}
	b->tokens = fmin(l->burst, b->tokens + (now - b->last) * l->rate);
	b->last = now;
	ok = b->tokens >= 1.0;
	if (ok)
		b->tokens -= 1.0;
	else if (retry != NULL)
		*retry = (unsigned)ceil((1.0 - b->tokens) / l->rate);
	pthread_mutex_unlock(&l->lock[si % STRIPES]);
	if (!ok && retry != NULL && *retry == 0)
		*retry = 1;
	return ok;
}

/* Parse "ADDR" or "ADDR/BITS" into family, 16 bytes and a prefix length. */
static int parse_net(const char *s, size_t n, int *fam, unsigned char a[16], int *bits)
{
	char buf[64];
	char *slash;
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, a) == 1) {
		*fam = AF_INET;
		*bits = 32;
	} else if (inet_pton(AF_INET6, buf, a) == 1) {
		*fam = AF_INET6;
		*bits = 128;
	} else {
		return -1;
	}
	if (slash != NULL) {
		char *end;
		long b = strtol(slash + 1, &end, 10);
		if (*end != '\0' || slash[1] == '\0' || b < 0 || b > *bits)
			return -1;
		*bits = (int)b;
	}
	return 0;
}

int cardd_addr_in_list(const char *list, const char *addr)
{
	unsigned char a[16], n[16];
	int fa, fn, bits, abits;
	const char *p = list;

	if (list == NULL || addr == NULL || parse_net(addr, strlen(addr), &fa, a, &abits) != 0)
		return 0;
	while (*p != '\0') {
		size_t len;
		p += strspn(p, " ,\t");
		len = strcspn(p, " ,\t");
		if (len > 0 && parse_net(p, len, &fn, n, &bits) == 0 && fn == fa) {
			int full = bits / 8, rest = bits % 8;
			if (memcmp(a, n, (size_t)full) == 0 &&
			    (rest == 0 || ((a[full] ^ n[full]) & (0xff << (8 - rest))) == 0))
				return 1;
		}
		p += len;
	}
	return 0;
}

/* A plain IPv4 or IPv6 address (no prefix length, no port)? */
static int is_address(const char *s)
{
	unsigned char a[16];
	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

void cardd_forwarded_client(const char *trusted, const char *xff, char *out, size_t outsz)
{
	size_t end = strlen(xff);

	if (!cardd_addr_in_list(trusted, out))
		return;
	while (end > 0) {
		char cand[64];
		size_t start = end, n;
		while (start > 0 && xff[start - 1] != ',')
			start--;
		n = end - start;
		while (n > 0 && (xff[start] == ' ' || xff[start] == '\t')) {
			start++;
			n--;
		}
		while (n > 0 && (xff[start + n - 1] == ' ' || xff[start + n - 1] == '\t'))
			n--;
		if (n == 0 || n >= sizeof(cand))
			break;
		memcpy(cand, xff + start, n);
		cand[n] = '\0';
		if (!is_address(cand)) /* not an address: stop trusting the header */
			break;
		snprintf(out, outsz, "%s", cand);
		if (!cardd_addr_in_list(trusted, cand))
			break;
		end = start > 0 ? start - 1 : 0;
	}
}

void cardd_addr_group(const char *ip, unsigned v6_prefix, char *out, size_t outsz)
{
	static const unsigned char MAPPED[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET6, ip, a) != 1) {
		snprintf(out, outsz, "%s", ip);
		return;
	}
	if (memcmp(a, MAPPED, sizeof(MAPPED)) == 0) {
		inet_ntop(AF_INET, a + 12, text, sizeof(text));
		snprintf(out, outsz, "%s", text);
		return;
	}
	if (v6_prefix < 128) {
		unsigned full = v6_prefix / 8, rest = v6_prefix % 8;
		if (rest != 0)
			a[full++] &= (unsigned char)(0xff << (8 - rest));
		memset(a + full, 0, 16 - full);
	}
	inet_ntop(AF_INET6, a, text, sizeof(text));
	snprintf(out, outsz, "%s/%u", text, v6_prefix);
}

void cardd_limiter_set(struct cardd_limiter *l, double rate, double burst)
{
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_lock(&l->lock[i]);
	l->rate = rate;
	l->burst = burst;
	for (int i = STRIPES - 1; i >= 0; i--)
		pthread_mutex_unlock(&l->lock[i]);
}
