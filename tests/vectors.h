/*
 * vectors.h -- the published test vectors of code format v1 (docs/code-format.md).
 * Key: the 32 bytes 00 01 02 ... 1f, under key ids 0, 1 and 15.
 * Cross-checked against an independent implementation (tests/vectors_ref.py).
 */
#ifndef CARD_VECTORS_H
#define CARD_VECTORS_H

#include <stdint.h>

static const struct {
	unsigned key_id;
	uint64_t serial;
	const char *code;
} VECTORS[] = {
	{ 1, 0, "4800-0000-00VV-TG63-E3C7" },
	{ 1, 1, "4800-0000-0FEH-NDD7-VCVJ" },
	{ 1, 2, "4800-0000-0HKX-EGAF-RB5R" },
	{ 1, 12345, "4800-0030-E9JC-MX3N-XX2Q" },
	{ 1, 1000000, "4800-07M4-G11F-N2FG-FCHR" },
	{ 1, 123456789012, "48WQ-TCHM-51D9-XYBY-ASNB" },
	{ 1, 1099511627774, "4FZZ-ZZZZ-ZKYX-RZ55-EBVS" },
	{ 1, 1099511627775, "4FZZ-ZZZZ-ZSWK-E63S-EFZV" },
	{ 0, 42, "4000-0000-AH2X-EKM9-19XY" },
	{ 15, 42, "7R00-0000-AGHW-8J2V-22XX" },
};

#endif
