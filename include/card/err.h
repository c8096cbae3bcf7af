/*
 * card/err.h -- the one error enum of libcard, and the caller-owned diagnostic record.
 *
 * Every fallible libcard function returns a card_err.  The enum is append-only: values are
 * never renumbered or reused, so programs built against an older header keep working.
 * Functions that can say more than a code (which file, which line, which school) also take a
 * `card_diag *` that the caller owns; it may be NULL.  Messages follow PostgreSQL's style:
 * short, lower case, factual ("could not open keyring "x": Permission denied"); detail and
 * hint are full sentences.  No message ever contains key material or a card code.
 *
 * Thread-safety: card_strerror() and card_diag_*() are reentrant.
 */
#ifndef CARD_ERR_H
#define CARD_ERR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CARD_API __attribute__((visibility("default")))
#define CARD_WUR __attribute__((warn_unused_result))
#define CARD_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CARD_API
#define CARD_WUR
#define CARD_PRINTF(f, a)
#endif

typedef enum card_err {
	CARD_OK = 0,
	CARD_ERR_NOMEM = 1,           /* out of memory */
	CARD_ERR_INVALID_ARG = 2,     /* the caller passed something the API forbids */
	CARD_ERR_IO = 3,              /* a file could not be read or written */
	CARD_ERR_KEYRING_MODE = 4,    /* keyring file not 0600 or not owned by us */
	CARD_ERR_KEYRING_FORMAT = 5,  /* keyring file corrupt or truncated */
	CARD_ERR_KEY_EXISTS = 6,      /* that key_id is already in the keyring */
	CARD_ERR_KEY_NOT_FOUND = 7,   /* no key with that key_id */
	CARD_ERR_KEYRING_FULL = 8,    /* all 16 key_ids are taken */
	CARD_ERR_CRYPTO = 9,          /* OpenSSL failed */
	CARD_ERR_DB = 10,             /* the database answered with an error */
	CARD_ERR_DB_UNAVAILABLE = 11, /* the database cannot be reached */
	CARD_ERR_SCHEMA_NEWER = 12,   /* the database schema is newer than this libcard */
	CARD_ERR_NOT_FOUND = 13,      /* no such object (term, batch, organisation, ...) */
	CARD_ERR_CONFLICT = 14,       /* the object exists already, or a concurrent change won */
	CARD_ERR_REJECTED = 15,       /* a business rule refused the step; nothing was changed */
	CARD_ERR_INPUT = 16,          /* an input file or value is malformed; nothing was changed */
	CARD_ERR_PERMISSION = 17,     /* the database role may not do this */
	CARD_ERR_STATE = 18,          /* the workflow is not in a state that allows this step */
	CARD_ERR_SCHEMA_MISSING = 19  /* the database has no (or an older) libcard schema */
} card_err;

/* A static, lower-case description of `err`; never NULL. */
CARD_API const char *card_strerror(card_err err);

/*
 * Diagnostics filled by the library on failure.  Owned by the caller (usually on the stack);
 * zero it or call card_diag_clear() before use.  `line` is a 1-based input line or 0.
 */
typedef struct card_diag {
	char message[256];
	char detail[512];
	char hint[256];
	long line;
} card_diag;

CARD_API void card_diag_clear(card_diag *d);
/* Set message (printf-style); d may be NULL, then nothing happens. */
CARD_API void card_diag_set(card_diag *d, const char *fmt, ...) CARD_PRINTF(2, 3);
CARD_API void card_diag_detail(card_diag *d, const char *fmt, ...) CARD_PRINTF(2, 3);
CARD_API void card_diag_hint(card_diag *d, const char *fmt, ...) CARD_PRINTF(2, 3);

#ifdef __cplusplus
}
#endif
#endif
