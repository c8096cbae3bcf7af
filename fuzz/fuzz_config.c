/*
 * fuzz_config.c -- libFuzzer harness for cardd.conf (daemon/config.c, cardd_config_read()).
 * Whatever the bytes: 0 with settings inside their documented ranges, or -1 with a message
 * naming the line; never a crash or a leak.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/cardd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cardd_config c;
	char err[512] = "";
	FILE *f;
	int rc;

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (f == NULL)
		return 0;
	cardd_config_defaults(&c);
	rc = cardd_config_read(&c, f, "fuzz.conf", err, sizeof(err));
	fclose(f);
	if (rc == 0) {
		if (c.listen_host == NULL || c.listen_port == 0 || c.listen_port > 65535 ||
		    c.http_threads < 1 || c.max_body < 64 || c.ipv6_prefix < 1 ||
		    c.ipv6_prefix > 128 || c.request_timeout < 1 || !(c.ip_rate >= 0) ||
		    !(c.account_burst >= 1))
			abort();
	} else if (rc != -1 || strncmp(err, "fuzz.conf:", 10) != 0) {
		abort();
	}
	cardd_config_free(&c);
	return 0;
}
