/*
 * migrate_int.h -- the compiled-in migrations (generated from sql/ by sql/embed.sh).
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

#endif
