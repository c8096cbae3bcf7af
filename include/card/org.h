/*
 * card/org.h -- organisations: the city centre, its districts, their schools (SPEC §1, §6).
 *
 * card_org_import() applies a whole organisations file in one statement on the server
 * (sql/functions/org.sql): every row is checked first (codes, kinds, unknown parents,
 * duplicates, a school under the city, a district under a district, a second city, a change
 * of kind or parent of an organisation that already has cards) and the first violation fails
 * the import with the row's line number in diag->line (and "line N: ..." in the message);
 * nothing is changed.  Parents may come later in the file than their children.  Importing
 * the same file again changes nothing; changed names and contact details are updated.
 *
 * Ownership: card_org_list() returns an array the caller frees with card_org_list_free().
 * Thread-safety: as card_store.
 */
#ifndef CARD_ORG_H
#define CARD_ORG_H

#include <stddef.h>
#include <card/err.h>
#include <card/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One row of an organisations file, as text.  kind is 市/区/校 or city/district/school;
 * parent is "" for the city.  address, contact and phone are optional columns: NULL in
 * every row means the file has no such column, and the stored values are kept; "" clears.
 */
typedef struct card_org_row {
	long line;
	const char *code, *name, *kind, *parent;
	const char *address, *contact, *phone;
} card_org_row;

typedef struct card_org_import_result {
	size_t inserted, updated, unchanged;
} card_org_import_result;

CARD_API card_err card_org_import(card_store *st, const card_org_row *rows, size_t n,
                                  card_org_import_result *res, card_diag *diag) CARD_WUR;

/* An organisation as stored.  Strings are owned by the list; NULL where not set. */
typedef struct card_org {
	char *code, *name, *kind, *parent, *district;
	char *address, *contact, *phone;
} card_org;

/* All organisations (district == NULL), or one district and its schools, ordered by
 * district, kind (city, district, school) and code. */
CARD_API card_err card_org_list(card_store *st, const char *district, card_org **out, size_t *n,
                                card_diag *diag) CARD_WUR;
CARD_API void card_org_list_free(card_org *list, size_t n);

#ifdef __cplusplus
}
#endif
#endif
