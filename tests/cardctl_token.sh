#!/usr/bin/env bash
# cardctl_token.sh -- cardctl token new|list|revoke: printed once, stored only as a hash,
# verified by the library in constant time, revocable, checked roles.
. "$top_srcdir/tests/lib.sh"
"$CARDCTL" db migrate >/dev/null
expect_status 1 "$CARDCTL" token new
expect_status 1 "$CARDCTL" token new --role admin
expect_status 0 "$CARDCTL" token new --role helpdesk --label "help desk 1"
TOK=$(cat "$T/out")
[[ "$TOK" =~ ^cdt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$ ]] && ok "token shape" || bad "token shape: $TOK"
ID=${TOK:4:16}
secret=${TOK:21}
[ "$(psql -Atc "SELECT count(*) FROM card.api_token WHERE id = '$ID' AND role = 'helpdesk'")" = 1 ] && ok "stored with its role" || bad "not stored"
psql -Atc "SELECT id, role, label, encode(secret_sha256, 'hex') FROM card.api_token" >"$T/rows"
grep -q -- "$secret" "$T/rows" && bad "secret stored in clear" || ok "secret not stored"
want=$(printf '%s' "$secret" | sha256sum | cut -d' ' -f1)
grep -q "$want" "$T/rows" && ok "SHA-256 of the secret stored" || bad "hash not found"
expect_status 0 "$CARDCTL" --json token new --role platform
expect_grep '"role": "platform"' "$T/out"
expect_status 0 "$CARDCTL" token list
expect_grep "help desk 1" "$T/out"
grep -q -- "$secret" "$T/out" && bad "list shows the secret" || ok "list hides the secret"
expect_status 0 "$CARDCTL" --json token list
expect_grep '"revoked_at": null' "$T/out"
expect_status 0 "$CARDCTL" token revoke "$ID"
expect_status 2 "$CARDCTL" token revoke "$ID"
expect_grep "no active token" "$T/err"
expect_status 2 "$CARDCTL" token revoke 0000000000000000
expect_status 1 "$CARDCTL" token revoke
# The daemon role may look a token up, but not read the table.
psql -qc "CREATE ROLE tok_daemon LOGIN IN ROLE card_daemon"
set +e
psql -U tok_daemon -Atc "SELECT count(*) FROM card.api_token" >/dev/null 2>&1; rc=$?
set -e
[ "$rc" != 0 ] && ok "card_daemon cannot read card.api_token" || bad "card_daemon reads the token table"
[ "$(psql -U tok_daemon -Atc "SELECT role FROM card.token_lookup('$ID')")" = "" ] && ok "revoked token not found by lookup" || bad "lookup found a revoked token"
finish
