/*
 * migrate_int.h -- the compiled-in migrations and function files (generated from sql/ by
 * sql/embed.sh).
 */
#ifndef CARD_MIGRATE_INT_H
#define CARD_MIGRATE_INT_H

#include <stddef.h>

struct migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct migration MIGRATIONS[];
extern const size_t NMIGRATIONS;

/* sql/functions/NAME.sql: CREATE OR REPLACE statements and grants, safe to run again. */
struct function_file {
	const char *name;
	const char *sha256; /* of the file's text, lowercase hex */
	const char *sql;
};

extern const struct function_file FUNCTION_FILES[];
extern const size_t NFUNCTION_FILES;

#endif
