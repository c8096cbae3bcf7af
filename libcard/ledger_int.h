/*
 * ledger_int.h -- helpers shared by the ledger, audit and card-state modules (internal).
 */
#ifndef CARD_LEDGER_INT_H
#define CARD_LEDGER_INT_H

#include <stddef.h>
#include <card/ledger.h>

/* "[a,b)" (PostgreSQL's canonical int8range text) -> range; 0 on success, -1 otherwise. */
int ledger_parse_range(const char *text, card_range *r);
/* range -> "[a,b)"; buf of at least 48 bytes. */
void ledger_format_range(card_range r, char *buf, size_t len);
/* Copy src into a fixed buffer, truncating; NULL gives "". */
void ledger_copy(char *dst, size_t len, const char *src);

#endif
