#!/usr/bin/env bash
# demo.sh BUILDDIR -- README's first command: a private database, a keyring, a few codes.
# (The full demo -- a term, districts, a minted batch and cardd serving the page -- grows
# here as the workflow lands.)
set -euo pipefail
B=${1:?usage: demo.sh BUILDDIR}
TOP=$(cd "$(dirname "$0")/.." && pwd)
exec "$TOP/tests/pg-run" bash -c '
set -euo pipefail
B='"$B"'
D=$(mktemp -d)
trap "rm -rf $D" EXIT
C="$B/tools/cardctl"
echo "== database: $PGHOST (private cluster, unix socket only)"
"$C" db migrate
"$C" key new --keyring "$D/keyring" --label demo
"$C" key list --keyring "$D/keyring"
echo "== five codes:"
"$C" code derive --keyring "$D/keyring" --key-id 0 --serial 1000 --count 5 | tee "$D/codes"
echo "== verified offline:"
cut -d" " -f2 "$D/codes" | "$C" verify --keyring "$D/keyring"
'
