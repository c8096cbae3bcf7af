/*
 * fuzz_xff.c -- libFuzzer harness for X-Forwarded-For (daemon/ratelimit.c,
 * cardd_forwarded_client()) and the address grouping the rate limits key on
 * (cardd_addr_group()).  The input is "TRUSTED\nPEER\nHEADER".  The client found must be the
 * peer or a plain address taken from the header, NUL-terminated inside its buffer.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/cardd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *peer, *xff, out[64], key[64];
	unsigned char a[16];

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	peer = strchr(buf, '\n');
	xff = peer != NULL ? strchr(peer + 1, '\n') : NULL;
	if (xff == NULL) {
		free(buf);
		return 0;
	}
	*peer++ = '\0';
	*xff++ = '\0';
	snprintf(out, sizeof(out), "%s", peer);
	cardd_forwarded_client(buf, xff, out, sizeof(out));
	if (memchr(out, '\0', sizeof(out)) == NULL)
		abort();
	if (strncmp(out, peer, sizeof(out) - 1) != 0) {
		/* Replaced: it must be an address that occurs in the header. */
		if ((inet_pton(AF_INET, out, a) != 1 && inet_pton(AF_INET6, out, a) != 1) ||
		    strstr(xff, out) == NULL)
			abort();
	}
	for (unsigned bits = 1; bits <= 128; bits += 63) {
		cardd_addr_group(out, bits, key, sizeof(key));
		if (memchr(key, '\0', sizeof(key)) == NULL)
			abort();
	}
	free(buf);
	return 0;
}
