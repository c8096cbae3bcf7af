/*
 * check_cardd.c -- cardd's modules that need no network: config parsing, the JSON body
 * parser, token buckets, trusted-proxy address lists, metrics rendering.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "../daemon/cardd.h"

START_TEST(test_config_defaults_and_set)
{
	struct cardd_config c;
	char err[256];
	cardd_config_defaults(&c);
	ck_assert_str_eq(c.listen_host, "127.0.0.1");
	ck_assert_uint_eq(c.listen_port, 8080);
	ck_assert_ptr_null(c.db);
	ck_assert_int_eq(cardd_config_set(&c, "listen", "[::1]:9090", err, sizeof(err)), 0);
	ck_assert_str_eq(c.listen_host, "::1");
	ck_assert_uint_eq(c.listen_port, 9090);
	ck_assert_int_eq(cardd_config_set(&c, "listen", "127.0.0.1:0", err, sizeof(err)), -1);
	ck_assert_int_eq(cardd_config_set(&c, "listen", "127.0.0.1:65536", err, sizeof(err)), -1);
	ck_assert_int_eq(cardd_config_set(&c, "listen", "nohost", err, sizeof(err)), -1);
	ck_assert_int_eq(cardd_config_set(&c, "ip_rate", "2.5", err, sizeof(err)), 0);
	ck_assert(c.ip_rate == 2.5);
	ck_assert_int_eq(cardd_config_set(&c, "ip_rate", "-1", err, sizeof(err)), -1);
	ck_assert_int_eq(cardd_config_set(&c, "ip_rate", "nan", err, sizeof(err)), -1);
	ck_assert_int_eq(cardd_config_set(&c, "http_threads", "0", err, sizeof(err)), -1);
	ck_assert_int_eq(cardd_config_set(&c, "http_threads", "12x", err, sizeof(err)), -1);
	ck_assert_int_eq(cardd_config_set(&c, "max_body", "8192", err, sizeof(err)), 0);
	ck_assert_uint_eq(c.max_body, 8192);
	ck_assert_uint_eq(c.batch_linger_us, 500);
	ck_assert_int_eq(cardd_config_set(&c, "batch_linger", "0", err, sizeof(err)), 0);
	ck_assert_uint_eq(c.batch_linger_us, 0);
	ck_assert_int_eq(cardd_config_set(&c, "batch_linger", "100001", err, sizeof(err)), -1);
	ck_assert_int_eq(cardd_config_set(&c, "foreground", "maybe", err, sizeof(err)), -1);
	ck_assert_int_eq(cardd_config_set(&c, "nonsense", "1", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown setting"));
	cardd_config_free(&c);
}
END_TEST

START_TEST(test_config_file)
{
	char *dir = tu_tmpdir(), path[512], err[512];
	struct cardd_config c;
	FILE *f;
	snprintf(path, sizeof(path), "%s/cardd.conf", dir);
	f = fopen(path, "w");
	fputs("# comment\n\nlisten = 127.0.0.1:8181\n  db = \"host=/tmp "
	      "dbname=card\"\nkeyring=/etc/card/keyring\n"
	      "account_burst = 3\n",
	      f);
	fclose(f);
	cardd_config_defaults(&c);
	ck_assert_int_eq(cardd_config_load(&c, path, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.listen_port, 8181);
	ck_assert_str_eq(c.db, "host=/tmp dbname=card");
	ck_assert_str_eq(c.keyring, "/etc/card/keyring");
	ck_assert(c.account_burst == 3);
	f = fopen(path, "a");
	fputs("bogus line\n", f);
	fclose(f);
	ck_assert_int_eq(cardd_config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, ":7:"));
	cardd_config_free(&c);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

static const char *body_err(const char *s, size_t n)
{
	struct cardd_redeem_body b;
	const char *code = NULL, *msg = NULL;
	if (cardd_parse_redeem_body(s, n, &b, &code, &msg) == 0)
		return "ok";
	ck_assert_ptr_nonnull(msg);
	return code;
}
#define BODY(lit) body_err(lit, sizeof(lit) - 1)

START_TEST(test_body)
{
	struct cardd_redeem_body b;
	const char *code, *msg;
	char deep[300];
	const char ok[] =
		"{\"code\":\"4800-0030-E9JC-MX3N-XX2Q\",\"account\":\"学生\",\"extra\":1}";
	ck_assert_int_eq(cardd_parse_redeem_body(ok, sizeof(ok) - 1, &b, &code, &msg), 0);
	ck_assert_str_eq(b.code, "4800-0030-E9JC-MX3N-XX2Q");
	ck_assert_str_eq(b.account, "学生");
	ck_assert_str_eq(BODY(""), "truncated_json");
	ck_assert_str_eq(BODY("{\"code\":\"x\""), "truncated_json");
	ck_assert_str_eq(BODY("nope"), "invalid_json");
	ck_assert_str_eq(BODY("{\"code\":\"\xff\",\"account\":\"a\"}"), "invalid_utf8");
	ck_assert_str_eq(BODY("{\"code\":\"\xc0\xaf\",\"account\":\"a\"}"), "invalid_utf8");
	ck_assert_str_eq(BODY("[\"code\"]"), "invalid_body");
	ck_assert_str_eq(BODY("{\"code\":1,\"account\":\"a\"}"), "invalid_body");
	ck_assert_str_eq(BODY("{\"account\":\"a\"}"), "invalid_body");
	ck_assert_str_eq(BODY("{\"code\":\"a\",\"code\":\"b\",\"account\":\"a\"}"), "invalid_body");
	ck_assert_str_eq(BODY("{\"code\":\"a\\u0000b\",\"account\":\"a\"}"), "malformed");
	/* Valid JSON that is not an object, and a NUL in the account: what they are, not bad JSON. */
	ck_assert_str_eq(BODY("\"4800-0030-E9JC-MX3N-XX2Q\""), "invalid_body");
	ck_assert_str_eq(BODY("42"), "invalid_body");
	ck_assert_str_eq(BODY("{\"code\":\"a\",\"account\":\"a\\u0000b\"}"), "invalid_account");
	ck_assert_str_eq(BODY("{\"code\":\"a\",\"account\":\"\"}"), "invalid_account");
	ck_assert_str_eq(BODY("{\"code\":\"a\",\"account\":\"a\\nb\"}"), "invalid_account");
	ck_assert_str_eq(
		BODY("{\"code\":\"a\",\"account\":"
	             "\"12345678901234567890123456789012345678901234567890123456789012345\"}"),
		"invalid_account");
	ck_assert_str_eq(BODY("{\"code\":"
	                      "\"12345678901234567890123456789012345678901234567890123456789012345"
	                      "\",\"account\":\"a\"}"),
	                 "malformed");
	memset(deep, '[', sizeof(deep));
	ck_assert_str_eq(body_err(deep, sizeof(deep)), "too_deep");
	/* Brackets inside strings do not count as nesting. */
	ck_assert_str_eq(BODY("{\"code\":\"[[[[[[[[[[[[[[[[[[[[\",\"account\":\"a\"}"), "ok");
}
END_TEST

START_TEST(test_limiter)
{
	struct cardd_limiter *l = cardd_limiter_new(64, 1.0, 3.0);
	unsigned retry = 0;
	ck_assert_ptr_nonnull(l);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(cardd_limiter_take(l, "a", 1, 100.0, &retry), 1);
	ck_assert_int_eq(cardd_limiter_take(l, "a", 1, 100.0, &retry), 0);
	ck_assert_uint_eq(retry, 1);
	/* Another key has its own bucket. */
	ck_assert_int_eq(cardd_limiter_take(l, "b", 1, 100.0, &retry), 1);
	/* Refills at the rate, never above the burst. */
	ck_assert_int_eq(cardd_limiter_take(l, "a", 1, 101.0, &retry), 1);
	ck_assert_int_eq(cardd_limiter_take(l, "a", 1, 101.0, &retry), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(cardd_limiter_take(l, "a", 1, 1000.0, &retry), 1);
	ck_assert_int_eq(cardd_limiter_take(l, "a", 1, 1000.0, &retry), 0);
	/* Rate 0 disables the limit. */
	cardd_limiter_set(l, 0, 1);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(cardd_limiter_take(l, "a", 1, 1000.0, &retry), 1);
	cardd_limiter_set(l, 0.1, 1);
	ck_assert_int_eq(cardd_limiter_take(l, "z", 1, 2000.0, &retry), 1);
	ck_assert_int_eq(cardd_limiter_take(l, "z", 1, 2000.0, &retry), 0);
	ck_assert_uint_eq(retry, 10);
	cardd_limiter_free(l);
}
END_TEST

START_TEST(test_limiter_bounded)
{
	/* Many more keys than slots: memory stays fixed and new keys still get full buckets. */
	struct cardd_limiter *l = cardd_limiter_new(16, 1.0, 1.0);
	char key[32];
	unsigned retry;
	for (int i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "10.0.%d.%d", i / 256, i % 256);
		ck_assert_int_eq(cardd_limiter_take(l, key, strlen(key), 5.0 + i * 1e-6, &retry),
		                 1);
	}
	cardd_limiter_free(l);
}
END_TEST

START_TEST(test_addr_list)
{
	ck_assert_int_eq(cardd_addr_in_list("127.0.0.1", "127.0.0.1"), 1);
	ck_assert_int_eq(cardd_addr_in_list("127.0.0.1", "127.0.0.2"), 0);
	ck_assert_int_eq(cardd_addr_in_list("10.0.0.0/8, 192.168.1.0/24", "10.200.3.4"), 1);
	ck_assert_int_eq(cardd_addr_in_list("10.0.0.0/8 192.168.1.0/24", "192.168.1.77"), 1);
	ck_assert_int_eq(cardd_addr_in_list("10.0.0.0/8 192.168.1.0/24", "192.168.2.1"), 0);
	ck_assert_int_eq(cardd_addr_in_list("172.16.0.0/12", "172.31.255.255"), 1);
	ck_assert_int_eq(cardd_addr_in_list("172.16.0.0/12", "172.32.0.0"), 0);
	ck_assert_int_eq(cardd_addr_in_list("::1", "::1"), 1);
	ck_assert_int_eq(cardd_addr_in_list("fd00::/8", "fd12::5"), 1);
	ck_assert_int_eq(cardd_addr_in_list("fd00::/8", "10.0.0.1"), 0);
	ck_assert_int_eq(cardd_addr_in_list("10.0.0.0/8", "not-an-address"), 0);
	ck_assert_int_eq(cardd_addr_in_list("10.0.0.0/33", "10.0.0.1"), 0);
	ck_assert_int_eq(cardd_addr_in_list(NULL, "10.0.0.1"), 0);
}
END_TEST

START_TEST(test_tally)
{
	struct cardd_tally *t = cardd_tally_new(16);
	char keys[3][64], key[32];
	unsigned long counts[3];
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(cardd_tally_top(t, 3, keys, counts), 0);
	for (int i = 0; i < 50; i++)
		cardd_tally_add(t, "10.0.0.1");
	for (int i = 0; i < 20; i++)
		cardd_tally_add(t, "10.0.0.2");
	/* Many one-off addresses do not push the heavy hitters out. */
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "192.168.%d.%d", i / 256, i % 256);
		cardd_tally_add(t, key);
	}
	for (int i = 0; i < 5; i++)
		cardd_tally_add(t, "10.0.0.3");
	ck_assert_uint_eq(cardd_tally_top(t, 3, keys, counts), 3);
	ck_assert_str_eq(keys[0], "10.0.0.1");
	ck_assert_uint_eq(counts[0], 50);
	ck_assert_str_eq(keys[1], "10.0.0.2");
	ck_assert_uint_eq(counts[1], 20);
	ck_assert_uint_ge(counts[2], 1);
	cardd_tally_free(t);
}
END_TEST

START_TEST(test_metrics_render)
{
	static struct cardd_metrics m;
	char *text = NULL;
	size_t len = 0;
	cardd_metrics_request(&m, EP_REDEEM, 201, 0.003);
	cardd_metrics_request(&m, EP_REDEEM, 201, 0.5);
	cardd_metrics_request(&m, EP_REDEEM, 418, 0.5);
	cardd_metrics_batch(&m, 5);
	ck_assert_int_eq(cardd_metrics_render(&m, &text, &len), 0);
	ck_assert_ptr_nonnull(
		strstr(text, "cardd_http_requests_total{endpoint=\"redeem\",status=\"201\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(
		text, "cardd_http_requests_total{endpoint=\"redeem\",status=\"other\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "cardd_http_request_duration_seconds_bucket{endpoint="
	                                   "\"redeem\",le=\"0.005\"} 1\n"));
	ck_assert_ptr_nonnull(
		strstr(text, "cardd_http_request_duration_seconds_count{endpoint=\"redeem\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(text, "cardd_db_batch_size_bucket{le=\"7\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "cardd_db_batch_size_bucket{le=\"3\"} 0\n"));
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cardd");
	TCase *tc = tcase_create("units");
	tcase_add_test(tc, test_config_defaults_and_set);
	tcase_add_test(tc, test_config_file);
	tcase_add_test(tc, test_body);
	tcase_add_test(tc, test_limiter);
	tcase_add_test(tc, test_limiter_bounded);
	tcase_add_test(tc, test_addr_list);
	tcase_add_test(tc, test_tally);
	tcase_add_test(tc, test_metrics_render);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
