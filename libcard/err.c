/*
 * err.c -- card_strerror() and the caller-owned diagnostic record.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <card/err.h>

const char *card_strerror(card_err err)
{
	/* No default: the compiler warns when an enum value is missing. */
	switch (err) {
	case CARD_OK:
		return "success";
	case CARD_ERR_NOMEM:
		return "out of memory";
	case CARD_ERR_INVALID_ARG:
		return "invalid argument";
	case CARD_ERR_IO:
		return "input/output error";
	case CARD_ERR_KEYRING_MODE:
		return "keyring file must be mode 0600 and owned by this user";
	case CARD_ERR_KEYRING_FORMAT:
		return "keyring file is corrupt";
	case CARD_ERR_KEY_EXISTS:
		return "key id already in keyring";
	case CARD_ERR_KEY_NOT_FOUND:
		return "no such key id in keyring";
	case CARD_ERR_KEYRING_FULL:
		return "keyring is full";
	case CARD_ERR_CRYPTO:
		return "cryptographic library failure";
	case CARD_ERR_DB:
		return "database error";
	case CARD_ERR_DB_UNAVAILABLE:
		return "database unavailable";
	case CARD_ERR_SCHEMA_NEWER:
		return "database schema is newer than this program";
	case CARD_ERR_NOT_FOUND:
		return "not found";
	case CARD_ERR_CONFLICT:
		return "conflict with existing data";
	case CARD_ERR_REJECTED:
		return "rejected";
	case CARD_ERR_INPUT:
		return "invalid input";
	case CARD_ERR_PERMISSION:
		return "permission denied";
	case CARD_ERR_STATE:
		return "not allowed in the current state";
	case CARD_ERR_SCHEMA_MISSING:
		return "database schema missing or out of date";
	}
	return "unknown error";
}

void card_diag_clear(card_diag *d)
{
	if (d != NULL)
		memset(d, 0, sizeof(*d));
}

static void put(char *buf, size_t len, const char *fmt, va_list ap) CARD_PRINTF(3, 0);
static void put(char *buf, size_t len, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, len, fmt, ap);
	if (n < 0)
		buf[0] = '\0';
}

void card_diag_set(card_diag *d, const char *fmt, ...)
{
	va_list ap;
	if (d == NULL)
		return;
	va_start(ap, fmt);
	put(d->message, sizeof(d->message), fmt, ap);
	va_end(ap);
}

void card_diag_detail(card_diag *d, const char *fmt, ...)
{
	va_list ap;
	if (d == NULL)
		return;
	va_start(ap, fmt);
	put(d->detail, sizeof(d->detail), fmt, ap);
	va_end(ap);
}

void card_diag_hint(card_diag *d, const char *fmt, ...)
{
	va_list ap;
	if (d == NULL)
		return;
	va_start(ap, fmt);
	put(d->hint, sizeof(d->hint), fmt, ap);
	va_end(ap);
}
