/*
 * uuid.c -- document identifiers from libuuid.
 */
#include "config.h"

#include <uuid/uuid.h>

#include <card/uuid.h>

void card_uuid_new(char out[CARD_UUID_BUFSZ])
{
	uuid_t u;
	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

int card_uuid_valid(const char *text)
{
	uuid_t u;
	return text != NULL && uuid_parse(text, u) == 0;
}
