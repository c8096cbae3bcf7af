/*
 * uuid.c -- document and request identifiers: random (version 4) UUIDs.
 *
 * The 122 random bits come from OpenSSL's DRBG (RAND_bytes: one generator per thread, seeded
 * from the kernel), libuuid writes the text.  libuuid's own uuid_generate_random reseeds
 * libc's random() and cranks it on every call before reading getrandom(): several times the
 * cost, on the path of every HTTP request cardd answers.
 */
#include "config.h"

#include <openssl/rand.h>
#include <uuid/uuid.h>

#include <card/uuid.h>

void card_uuid_new(char out[CARD_UUID_BUFSZ])
{
	uuid_t u;
	if (RAND_bytes(u, (int)sizeof(u)) == 1) {
		u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 */
		u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	} else {
		uuid_generate_random(u);
	}
	uuid_unparse_lower(u, out);
}

int card_uuid_valid(const char *text)
{
	uuid_t u;
	return text != NULL && uuid_parse(text, u) == 0;
}
