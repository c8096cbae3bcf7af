#!/usr/bin/env bash
# cardctl_code.sh -- cardctl key / code derive / verify against the published vectors.
. "$top_srcdir/tests/lib.sh"
KR="$T/keyring"
HEX=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
expect_status 0 sh -c "echo $HEX | '$CARDCTL' key import --keyring '$KR' --id 1 --label vectors"
[ "$(stat -c %a "$KR")" = 600 ] && ok "keyring is 0600" || bad "keyring mode $(stat -c %a "$KR")"
expect_status 0 "$CARDCTL" key list --keyring "$KR"
grep -q "$HEX" "$T/out" && bad "key list printed key bytes" || ok "key list hides key bytes"
expect_status 0 "$CARDCTL" key new --keyring "$KR" --label spare
expect_status 0 "$CARDCTL" --json key list --keyring "$KR"
expect_grep '"key_id": 0' "$T/out"
expect_status 2 "$CARDCTL" key new --keyring "$KR" --id 1
expect_status 1 "$CARDCTL" key new --keyring "$KR" --id 16
expect_status 2 sh -c "echo 1234 | '$CARDCTL' key import --keyring '$KR' --id 5"

# Every vector verifies, and derive reproduces it.
codes=$(sed -n 's/.*{ 1, \([0-9]*\), "\([0-9A-Z-]*\)" }.*/\1 \2/p' "$top_srcdir/tests/vectors.h")
while read -r serial code; do
	expect_status 0 "$CARDCTL" code derive --keyring "$KR" --key-id 1 --serial "$serial"
	expect_grep "$code" "$T/out"
	expect_status 0 "$CARDCTL" verify --keyring "$KR" "$code"
	expect_grep "^valid *$(printf %013d "$serial")" "$T/out"
done <<<"$codes"

# Single-symbol mutations of a vector are typos; exit 2.
code=4800-0030-E9JC-MX3N-XX2Q
for pos in 0 3 5 12 23; do
	c=${code:$pos:1}
	for r in 0 7 K Z; do
		[ "$r" = "$c" ] && continue
		m="${code:0:$pos}$r${code:$((pos + 1))}"
		expect_status 2 "$CARDCTL" verify --keyring "$KR" "$m"
		expect_grep '^typo' "$T/out"
	done
done
# Forgiving input, stdin, JSON, mixed verdicts.
expect_status 0 sh -c "echo '4800 oo3o e9jc mx3n xx2q' | '$CARDCTL' verify --keyring '$KR'"
expect_status 2 "$CARDCTL" --json verify --keyring "$KR" 4800-0030-E9JC-MX3N-XX2Q 4800-0030-E9JC-MX3N-XX2U
expect_grep '"verdict": "malformed"' "$T/out"
expect_grep '"serial": "0000000012345"' "$T/out"
# A keyring with group/other bits is refused.
chmod 644 "$KR"
expect_status 2 "$CARDCTL" verify --keyring "$KR" "$code"
expect_grep 'unsafe permissions' "$T/err"
chmod 600 "$KR"
expect_status 1 "$CARDCTL" verify
expect_status 1 "$CARDCTL" frobnicate
expect_status 0 "$CARDCTL" verify --help
finish
