#!/usr/bin/env bash
# exports.sh -- what `make install` gives a user of libcard: the shared library exports only
# card_* names; the installed headers, libcard.pc, cardctl and its man page are in place; and
# a small program using only <card/card.h> and `pkg-config --cflags --libs libcard` compiles
# (C11, -Wall -Wextra -Werror -pedantic, and as C++ when a C++ compiler is there), links and
# reproduces a published test vector.
. "$top_srcdir/tests/lib.sh"
: "${CARD_TEST_CC:=cc}"
B=$top_builddir
SO=$B/libcard/.libs/libcard.so

# 1. Exports.
if [ -f "$SO" ]; then
	nm -D --defined-only "$SO" | awk '$2 ~ /^[TDBRVWi]$/ { print $3 }' | sort >"$T/exports"
	grep -v '^card_' "$T/exports" >"$T/foreign" || true
	[ -s "$T/foreign" ] && { bad "libcard.so exports names outside card_*:"; head -20 "$T/foreign" >&2; } \
		|| ok "libcard.so exports only card_* ($(wc -l <"$T/exports") names)"
	for f in card_strerror card_codec_new card_code_encode card_code_validate card_keyring_load card_store_open; do
		grep -qx "$f" "$T/exports" && ok "exports $f" || bad "does not export $f"
	done
else
	bad "no $SO (was the shared library built?)"
fi

# 2. make install into a staging directory.
inst=$T/inst
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$B" install DESTDIR="$inst" >"$T/install.log" 2>&1 \
	&& ok "make install DESTDIR=..." || { bad "make install failed"; tail -20 "$T/install.log" >&2; }
pc=$(find "$inst" -name libcard.pc | head -1)
[ -n "$pc" ] && ok "libcard.pc installed" || bad "libcard.pc not installed"
for h in card.h err.h code.h keyring.h store.h uuid.h; do
	[ -n "$(find "$inst" -path "*/include/card/$h")" ] && ok "header card/$h installed" || bad "card/$h not installed"
done
[ -n "$(find "$inst" -path '*/bin/cardctl' -perm -u+x)" ] && ok "cardctl installed" || bad "cardctl not installed"
[ -n "$(find "$inst" -path '*/man1/cardctl.1*')" ] && ok "cardctl.1 installed" || bad "cardctl.1 not installed"
[ -n "$(find "$inst" -name 'libcard.so*')" ] && ok "libcard.so installed" || bad "libcard.so not installed"
[ -z "$(find "$inst" -name '*_int.h' -o -name 'wipe.h' -o -name config.h)" ] && ok "no internal headers installed" \
	|| bad "internal headers installed"

# 3. A user's program, built only from what was installed.
cat >"$T/user.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <card/card.h>

int main(void)
{
	static const uint8_t key[CARD_KEY_LEN] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
	};
	card_keyring *kr = NULL;
	card_codec *c = NULL;
	char code[CARD_CODE_BUFSZ], uuid[CARD_UUID_BUFSZ];
	uint64_t serial = 0;
	int rc = 1;

	if (card_keyring_new(&kr) == CARD_OK && card_keyring_import(kr, 1, key, "v") == CARD_OK &&
	    card_codec_new(kr, &c) == CARD_OK && card_code_encode(c, 1, 12345, code) == CARD_OK &&
	    card_code_validate(c, code, strlen(code), &serial, NULL) == CARD_VALID && serial == 12345 &&
	    (card_uuid_new(uuid), card_uuid_valid(uuid))) {
		printf("%s %s\n", code, card_strerror(CARD_ERR_KEYRING_MODE));
		rc = 0;
	}
	card_codec_free(c);
	card_keyring_free(kr);
	return rc;
}
C
if [ -n "$pc" ]; then
	export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$inst
	flags=$(pkg-config --cflags --libs libcard) && ok "pkg-config --cflags --libs libcard: $flags" \
		|| bad "pkg-config cannot read libcard.pc"
	libdir=$(dirname "$(find "$inst" -name 'libcard.so*' | head -1)")
	# shellcheck disable=SC2086
	if $CARD_TEST_CC -std=c11 -Wall -Wextra -Werror -pedantic $CARD_TEST_CFLAGS -o "$T/user" "$T/user.c" \
		$flags $CARD_TEST_LDFLAGS 2>"$T/cc.err"; then
		ok "a C11 program compiles against the installed headers"
		LD_LIBRARY_PATH=$libdir "$T/user" >"$T/out" 2>"$T/err" && ok "it runs" || bad "it fails: $(cat "$T/err")"
		expect_grep '^4800-0030-E9JC-MX3N-XX2Q keyring file must be mode 0600' "$T/out"
	else
		bad "a C11 program does not compile against the installed headers"; cat "$T/cc.err" >&2
	fi
	if command -v c++ >/dev/null; then
		cp "$T/user.c" "$T/user.cc"
		# shellcheck disable=SC2086
		# Compiled and linked as C++: catches a header without extern "C".
		cxxflags=$(printf '%s\n' $CARD_TEST_CFLAGS | grep -v '^-std=' | tr '\n' ' ')
		c++ -std=c++17 -Wall -Wextra -Werror $cxxflags -o "$T/user_cxx" "$T/user.cc" $flags \
			$CARD_TEST_LDFLAGS 2>"$T/cxx.err" && LD_LIBRARY_PATH=$libdir "$T/user_cxx" >/dev/null \
			&& ok "the headers are usable from C++" || { bad "the headers do not work from C++"; cat "$T/cxx.err" >&2; }
	fi
fi
finish
