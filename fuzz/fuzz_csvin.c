/*
 * fuzz_csvin.c -- libFuzzer harness for the CSV input module (tools/csvin.c): any bytes, as
 * UTF-8/GB18030 auto-detection, header mapping and row reading, must never crash or leak.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../tools/csvin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct csvin_col COLS[] = {
	{ "编码", "code", 1 },
	{ "名称", "name", 1 },
	{ "类型", "kind", 0 },
	{ "上级编码", "parent", 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csvin *c = NULL;
	card_diag d;
	/* The first byte picks the encoding mode, the rest is the file. */
	static const char *const ENC[] = { NULL, "UTF-8", "GB18030", "auto" };
	const char *enc = size > 0 ? ENC[data[0] & 3] : NULL;

	if (size > 0) {
		data++;
		size--;
	}
	card_diag_clear(&d);
	if (csvin_open_buffer(data, size, 1 << 16, "fuzz.csv", enc, COLS, 4, &c, &d) == CARD_OK) {
		const char *const *f;
		long line;
		int eof = 0;
		size_t total = 0;
		while (csvin_next(c, &f, &line, &eof, &d) == CARD_OK && !eof) {
			for (size_t i = 0; i < 4; i++)
				total += f[i] != NULL ? strlen(f[i]) : 0;
			if (line < 1)
				__builtin_trap();
		}
		(void)total;
	} else if (d.message[0] == '\0') {
		__builtin_trap(); /* every failure must say why */
	}
	csvin_close(c);
	return 0;
}
