/*
 * check_code.c -- the code format v1: vectors, round trips, typo detection, confusables,
 * malformed input, forged and unknown keys, and concurrent use.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "testutil.h"
#include "vectors.h"

static const char ALPHABET[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static card_keyring *kr;
static card_codec *codec;

static void setup(void)
{
	kr = tu_vector_keyring();
	ck_assert_int_eq(card_codec_new(kr, &codec), CARD_OK);
}

static void teardown(void)
{
	card_codec_free(codec);
	card_keyring_free(kr);
}

static uint64_t random_serial(void)
{
	uint64_t s;
	ck_assert_int_eq(RAND_bytes((unsigned char *)&s, sizeof(s)), 1);
	return s & CARD_SERIAL_MAX;
}

/* Positions of the 20 symbols in the 24-character grouped text. */
static int sym_pos(int i)
{
	return i + i / 4;
}

START_TEST(test_vectors)
{
	for (size_t i = 0; i < sizeof(VECTORS) / sizeof(VECTORS[0]); i++) {
		char code[CARD_CODE_BUFSZ];
		uint64_t serial;
		unsigned key_id;
		ck_assert_int_eq(
			card_code_encode(codec, VECTORS[i].key_id, VECTORS[i].serial, code),
			CARD_OK);
		ck_assert_str_eq(code, VECTORS[i].code);
		ck_assert_int_eq(card_code_validate(codec, code, strlen(code), &serial, &key_id),
		                 CARD_VALID);
		ck_assert_uint_eq(serial, VECTORS[i].serial);
		ck_assert_uint_eq(key_id, VECTORS[i].key_id);
	}
}
END_TEST

START_TEST(test_format_shape)
{
	char code[CARD_CODE_BUFSZ];
	ck_assert_int_eq(card_code_encode(codec, 1, 42, code), CARD_OK);
	ck_assert_uint_eq(strlen(code), CARD_CODE_TEXT_LEN);
	for (int i = 0; i < CARD_CODE_TEXT_LEN; i++) {
		if (i % 5 == 4)
			ck_assert_int_eq(code[i], '-');
		else
			ck_assert_ptr_nonnull(strchr(ALPHABET, code[i]));
	}
	ck_assert_int_eq(card_code_encode(codec, 1, CARD_SERIAL_MAX + 1, code),
	                 CARD_ERR_INVALID_ARG);
	ck_assert_int_eq(card_code_encode(codec, 16, 1, code), CARD_ERR_INVALID_ARG);
	ck_assert_int_eq(card_code_encode(codec, 2, 1, code), CARD_ERR_KEY_NOT_FOUND);
}
END_TEST

START_TEST(test_round_trip_every_key)
{
	card_keyring *all = NULL;
	card_codec *c = NULL;
	ck_assert_int_eq(card_keyring_new(&all), CARD_OK);
	for (unsigned id = 0; id < CARD_KEY_IDS; id++)
		ck_assert_int_eq(card_keyring_generate(all, (int)id, "t", NULL), CARD_OK);
	ck_assert_int_eq(card_keyring_generate(all, -1, "t", NULL), CARD_ERR_KEYRING_FULL);
	ck_assert_int_eq(card_codec_new(all, &c), CARD_OK);
	for (unsigned id = 0; id < CARD_KEY_IDS; id++) {
		for (int n = 0; n < 2000; n++) {
			char code[CARD_CODE_BUFSZ];
			uint64_t s = n == 0 ? 0 : n == 1 ? CARD_SERIAL_MAX : random_serial(), got;
			unsigned kid;
			ck_assert_int_eq(card_code_encode(c, id, s, code), CARD_OK);
			ck_assert_int_eq(card_code_validate(c, code, strlen(code), &got, &kid),
			                 CARD_VALID);
			ck_assert_uint_eq(got, s);
			ck_assert_uint_eq(kid, id);
		}
	}
	card_codec_free(c);
	card_keyring_free(all);
}
END_TEST

/* Every single-symbol substitution (all 31 others, at all 20 places) is a typo. */
START_TEST(test_substitutions_are_typos)
{
	for (int n = 0; n < 300; n++) {
		char code[CARD_CODE_BUFSZ];
		ck_assert_int_eq(card_code_encode(codec, 1, random_serial(), code), CARD_OK);
		for (int i = 0; i < CARD_CODE_SYMBOLS; i++) {
			int p = sym_pos(i);
			char orig = code[p];
			for (int a = 0; a < 32; a++) {
				if (ALPHABET[a] == orig)
					continue;
				code[p] = ALPHABET[a];
				ck_assert_int_eq(
					card_code_validate(codec, code, strlen(code), NULL, NULL),
					CARD_TYPO);
			}
			code[p] = orig;
		}
	}
}
END_TEST

/* Every swap of two different symbols, adjacent or not, is a typo. */
START_TEST(test_swaps_are_typos)
{
	for (int n = 0; n < 300; n++) {
		char code[CARD_CODE_BUFSZ];
		ck_assert_int_eq(card_code_encode(codec, 1, random_serial(), code), CARD_OK);
		for (int i = 0; i < CARD_CODE_SYMBOLS; i++) {
			for (int j = i + 1; j < CARD_CODE_SYMBOLS; j++) {
				int p = sym_pos(i), q = sym_pos(j);
				char a = code[p], b = code[q];
				if (a == b)
					continue;
				code[p] = b;
				code[q] = a;
				ck_assert_int_eq(
					card_code_validate(codec, code, strlen(code), NULL, NULL),
					CARD_TYPO);
				code[p] = a;
				code[q] = b;
			}
		}
	}
}
END_TEST

START_TEST(test_confusables_accepted)
{
	/* A code with 0 and 1 in it, so that o/O, i/I/l/L are exercised. */
	char code[CARD_CODE_BUFSZ], messy[64];
	uint64_t s = 0, got;
	int found = 0;
	for (s = 0; s < 100000 && !found; s++) {
		ck_assert_int_eq(card_code_encode(codec, 1, s, code), CARD_OK);
		found = strchr(code + 5, '0') != NULL && strchr(code + 5, '1') != NULL;
	}
	ck_assert(found);
	s--;
	static const char *zero_as[] = { "o", "O" };
	static const char *one_as[] = { "i", "I", "l", "L" };
	for (int z = 0; z < 2; z++) {
		for (int o = 0; o < 4; o++) {
			size_t m = 0;
			for (size_t i = 0; code[i] != '\0'; i++) {
				char ch = code[i];
				if (ch == '-') {
					messy[m++] = ' '; /* spaces instead of dashes */
					continue;
				}
				if (ch == '0')
					messy[m++] = zero_as[z][0];
				else if (ch == '1')
					messy[m++] = one_as[o][0];
				else
					messy[m++] =
						(char)((ch >= 'A' && ch <= 'Z') ? ch - 'A' + 'a'
					                                        : ch);
			}
			messy[m] = '\0';
			ck_assert_int_eq(card_code_validate(codec, messy, m, &got, NULL),
			                 CARD_VALID);
			ck_assert_uint_eq(got, s);
		}
	}
	/* No separators at all, and extra dashes and spaces. */
	{
		char bare[32], spaced[64];
		size_t m = 0, k = 0;
		for (size_t i = 0; code[i] != '\0'; i++)
			if (code[i] != '-')
				bare[m++] = code[i];
		bare[m] = '\0';
		ck_assert_int_eq(card_code_validate(codec, bare, m, NULL, NULL), CARD_VALID);
		for (size_t i = 0; bare[i] != '\0'; i++) {
			spaced[k++] = bare[i];
			spaced[k++] = i % 2 ? '-' : ' ';
		}
		spaced[k] = '\0';
		ck_assert_int_eq(card_code_validate(codec, spaced, k, NULL, NULL), CARD_VALID);
	}
}
END_TEST

START_TEST(test_malformed)
{
	char code[CARD_CODE_BUFSZ], buf[64];
	size_t nsym, bad;
	ck_assert_int_eq(card_code_encode(codec, 1, 777, code), CARD_OK);
	/* U is never a symbol. */
	snprintf(buf, sizeof(buf), "%s", code);
	buf[0] = 'U';
	ck_assert_int_eq(card_code_validate(codec, buf, strlen(buf), NULL, NULL), CARD_MALFORMED);
	ck_assert_int_eq(card_code_check(buf, strlen(buf), &nsym, &bad), CARD_MALFORMED);
	ck_assert_uint_eq(bad, 0);
	buf[0] = 'u';
	ck_assert_int_eq(card_code_validate(codec, buf, strlen(buf), NULL, NULL), CARD_MALFORMED);
	/* Too short, too long, empty, NULL, punctuation, non-ASCII. */
	ck_assert_int_eq(card_code_validate(codec, code, strlen(code) - 1, NULL, NULL),
	                 CARD_MALFORMED);
	ck_assert_int_eq(card_code_check(code, strlen(code) - 1, &nsym, NULL), CARD_MALFORMED);
	ck_assert_uint_eq(nsym, 19);
	snprintf(buf, sizeof(buf), "%sA", code);
	ck_assert_int_eq(card_code_validate(codec, buf, strlen(buf), NULL, NULL), CARD_MALFORMED);
	ck_assert_int_eq(card_code_validate(codec, "", 0, NULL, NULL), CARD_MALFORMED);
	ck_assert_int_eq(card_code_validate(codec, NULL, 5, NULL, NULL), CARD_MALFORMED);
	snprintf(buf, sizeof(buf), "%s", code);
	buf[3] = '*';
	ck_assert_int_eq(card_code_validate(codec, buf, strlen(buf), NULL, NULL), CARD_MALFORMED);
	snprintf(buf, sizeof(buf), "%s", code);
	buf[3] = (char)0xe4;
	ck_assert_int_eq(card_code_validate(codec, buf, strlen(buf), NULL, NULL), CARD_MALFORMED);
	/* An embedded NUL inside the length is malformed, not a shorter string. */
	memcpy(buf, code, CARD_CODE_TEXT_LEN);
	buf[2] = '\0';
	ck_assert_int_eq(card_code_validate(codec, buf, CARD_CODE_TEXT_LEN, NULL, NULL),
	                 CARD_MALFORMED);
}
END_TEST

START_TEST(test_forged_and_unknown_key)
{
	card_keyring *other = NULL;
	card_codec *oc = NULL;
	char code[CARD_CODE_BUFSZ];
	uint64_t s;
	unsigned kid;

	ck_assert_int_eq(card_keyring_new(&other), CARD_OK);
	ck_assert_int_eq(card_keyring_generate(other, 1, "other", NULL), CARD_OK);
	ck_assert_int_eq(card_keyring_generate(other, 7, "other", NULL), CARD_OK);
	ck_assert_int_eq(card_codec_new(other, &oc), CARD_OK);
	/* Same key id, different key: forged; the serial is still reported. */
	ck_assert_int_eq(card_code_encode(oc, 1, 12345, code), CARD_OK);
	ck_assert_int_eq(card_code_validate(codec, code, strlen(code), &s, &kid), CARD_FORGED);
	ck_assert_uint_eq(s, 12345);
	/* A key id we do not have. */
	ck_assert_int_eq(card_code_encode(oc, 7, 12345, code), CARD_OK);
	ck_assert_int_eq(card_code_validate(codec, code, strlen(code), &s, &kid), CARD_UNKNOWN_KEY);
	ck_assert_uint_eq(kid, 7);
	card_codec_free(oc);
	card_keyring_free(other);
}
END_TEST

struct worker {
	const card_keyring *kr;
	int ok;
};

static void *validate_worker(void *arg)
{
	struct worker *w = arg;
	card_codec *c = NULL;
	w->ok = card_codec_new(w->kr, &c) == CARD_OK;
	for (uint64_t s = 0; s < 20000 && w->ok; s++) {
		char code[CARD_CODE_BUFSZ];
		uint64_t got;
		w->ok = card_code_encode(c, 1, s * 7919, code) == CARD_OK &&
		        card_code_validate(c, code, strlen(code), &got, NULL) == CARD_VALID &&
		        got == s * 7919;
	}
	card_codec_free(c);
	return NULL;
}

/* One keyring, many threads, a codec each. */
START_TEST(test_threads)
{
	pthread_t t[8];
	struct worker w[8];
	for (int i = 0; i < 8; i++) {
		w[i].kr = kr;
		ck_assert_int_eq(pthread_create(&t[i], NULL, validate_worker, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ck_assert(w[i].ok);
	}
}
END_TEST

START_TEST(test_serial_text)
{
	char buf[CARD_SERIAL_BUFSZ];
	uint64_t s;
	card_serial_format(0, buf);
	ck_assert_str_eq(buf, "0000000000000");
	card_serial_format(CARD_SERIAL_MAX, buf);
	ck_assert_str_eq(buf, "1099511627775");
	ck_assert_int_eq(card_serial_parse("1099511627775", &s), CARD_OK);
	ck_assert_uint_eq(s, CARD_SERIAL_MAX);
	ck_assert_int_eq(card_serial_parse("1099511627776", &s), CARD_ERR_INPUT);
	ck_assert_int_eq(card_serial_parse("00000000000000", &s), CARD_ERR_INPUT);
	ck_assert_int_eq(card_serial_parse("12a", &s), CARD_ERR_INPUT);
	ck_assert_int_eq(card_serial_parse("", &s), CARD_ERR_INPUT);
	ck_assert_int_eq(card_serial_parse("-1", &s), CARD_ERR_INPUT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("code");
	TCase *tc = tcase_create("code");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_format_shape);
	tcase_add_test(tc, test_round_trip_every_key);
	tcase_add_test(tc, test_substitutions_are_typos);
	tcase_add_test(tc, test_swaps_are_typos);
	tcase_add_test(tc, test_confusables_accepted);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_forged_and_unknown_key);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_serial_text);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
