/*
 * body.c -- the JSON body of POST /v1/redemptions: {"code": "...", "account": "..."}.
 *
 * jansson parses; before it does, a linear scan bounds the nesting depth (the body is one flat
 * object, so anything deeper than a few levels is refused without recursing into it).  Each
 * failure gets a machine-readable code that the page and clients can switch on.  Unknown
 * members are ignored, duplicate members refused (which one would count?).
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "cardd.h"

#define MAX_DEPTH 8

/* Deepest nesting of [ and { outside strings; stops counting past MAX_DEPTH. */
static int too_deep(const char *buf, size_t len)
{
	int depth = 0, in_str = 0;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > MAX_DEPTH)
				return 1;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return 0;
}

static int fail(const char **code, const char **message, const char *c, const char *m)
{
	*code = c;
	*message = m;
	return -1;
}

int cardd_parse_redeem_body(const char *buf, size_t len, struct cardd_redeem_body *out,
                            const char **code, const char **message)
{
	json_error_t jerr;
	json_t *root = NULL, *jc, *ja;
	const char *s;
	size_t slen;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (too_deep(buf, len)) {
		rc = fail(code, message, "too_deep", "the JSON body is nested too deeply");
		goto out;
	}
	/* DECODE_ANY and ALLOW_NUL: a top-level string or number is valid JSON but not an object
	 * (invalid_body), and a \u0000 in the account is a bad account, not bad JSON. */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL,
	                  &jerr);
	if (root == NULL) {
		switch (json_error_code(&jerr)) {
		case json_error_invalid_utf8:
			rc = fail(code, message, "invalid_utf8", "the body is not valid UTF-8");
			break;
		case json_error_premature_end_of_input:
			rc = fail(code, message, "truncated_json", "the JSON body ends too early");
			break;
		case json_error_stack_overflow:
			rc = fail(code, message, "too_deep", "the JSON body is nested too deeply");
			break;
		case json_error_duplicate_key:
			rc = fail(code, message, "invalid_body",
			          "a member appears twice in the body");
			break;
		default:
			rc = fail(code, message, "invalid_json", "the body is not valid JSON");
			break;
		}
		goto out;
	}
	if (!json_is_object(root)) {
		rc = fail(code, message, "invalid_body",
		          "the body must be a JSON object with \"code\" and \"account\"");
		goto out;
	}
	jc = json_object_get(root, "code");
	ja = json_object_get(root, "account");
	if (!json_is_string(jc) || !json_is_string(ja)) {
		rc = fail(code, message, "invalid_body",
		          "\"code\" and \"account\" must both be strings");
		goto out;
	}
	s = json_string_value(jc);
	slen = json_string_length(jc);
	if (slen >= sizeof(out->code)) {
		rc = fail(code, message, "malformed",
		          "the code is too long: a code has 20 characters");
		goto out;
	}
	if (memchr(s, '\0', slen) != NULL) {
		rc = fail(code, message, "malformed", "this is not a card code");
		goto out;
	}
	memcpy(out->code, s, slen);
	out->code[slen] = '\0';
	s = json_string_value(ja);
	slen = json_string_length(ja);
	if (slen >= sizeof(out->account) || memchr(s, '\0', slen) != NULL ||
	    !card_account_valid(s)) {
		rc = fail(code, message, "invalid_account",
		          "the account must be 1 to 64 characters without control characters");
		goto out;
	}
	memcpy(out->account, s, slen);
	out->account[slen] = '\0';
	rc = 0;
out:
	json_decref(root);
	return rc;
}
