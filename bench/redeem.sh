#!/usr/bin/env bash
# redeem.sh -- redemption through libcard (bench/redeem, K threads, card_redeem one per
# transaction) vs pgbench running the same SQL with K clients, same durable database, same
# run; K = 1, 4, 16.  Then the libcard rate with 1 M and with 20 M cards minted.
#
# Usage (from the build directory): ../../bench/redeem.sh [SECONDS]   (default 5 per run;
# 14 runs in all, about 70 s at the default)
# Starts its own private cluster with fsync and synchronous_commit on (CARD_PG_DURABLE=1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(dirname "$here")
build=${top_builddir:-$PWD}
SECS=${1:-5}
if [ -z "${CARD_TEST_PGDIR:-}" ]; then
	CARD_PG_DURABLE=1 top_builddir=$build exec "$top_srcdir/tests/pg-run" bash "$0" "$@"
fi
C="$build/tools/cardctl"
B="$build/bench/redeem"
[ -x "$B" ] || { echo "redeem.sh: build bench/redeem first (make)" >&2; exit 1; }
PGBENCH=$PG_BINDIR/pgbench
[ -x "$PGBENCH" ] || PGBENCH=pgbench
tmp=$(mktemp -d)
trap '[ -s "$tmp/pgbench.err" ] && grep -i error "$tmp/pgbench.err" | head -3 >&2; rm -rf "$tmp"' EXIT

"$C" db migrate >/dev/null
printf 'code,name,kind,parent\nC,city,city,\nD1,d1,district,C\n' >"$tmp/org.csv"
"$C" org import "$tmp/org.csv" >/dev/null
"$C" term new 2026-autumn --start 2026-09-01 >/dev/null
"$C" key new --keyring "$tmp/kr" --id 1 >/dev/null
"$C" batch mint --term 2026-autumn --count 1000000 --keyring "$tmp/kr" --key-id 1 >/dev/null
# Serials 1..1000000: libcard draws from the first half, pgbench from the second.  The SQL is
# libcard's statement (libcard/redeem.c); the colons of the time format are written \x3a
# because pgbench's prepared mode would take ":MI" for a variable.
cat >"$tmp/redeem.sql" <<'SQL'
\set s random(500001, 1000000)
SELECT outcome, serial, coalesce(id, 0), coalesce(term, ''), coalesce(face_value_fen, 0), coalesce(account, ''), coalesce(to_char(redeemed_at AT TIME ZONE 'UTC', E'YYYY-MM-DD"T"HH24\x3aMI\x3aSS.MS"Z"'), '') FROM card.redeem_many(ARRAY[:s::bigint], ARRAY[1], ARRAY['pgbench-' || :client_id::text], NULL::text[]);
SQL
pgb() { # K -> tps (errors in $tmp/pgbench.err)
	"$PGBENCH" -n -M prepared -c "$1" -j "$1" -T "$SECS" -f "$tmp/redeem.sql" 2>"$tmp/pgbench.err" |
		sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1
}
lib() { # K LO HI -> rate
	"$B" -t "$1" -s "$SECS" --lo "$2" --hi "$3" -k 1 | sed -n 's/.* rate=\([0-9.]*\).*/\1/p'
}
echo "redemption, one per transaction, durable commits, ${SECS}s per run"
printf '%4s %14s %14s %7s\n' K "libcard/s" "pgbench/s" ratio
worst=99
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > a) ? b : a }'; }
# Two rounds per K in alternating order (libcard first, then pgbench first); the best of each
# side counts.  fsync-bound rates on a shared machine move a lot between runs.
for K in 1 4 16; do
	l=$(lib "$K" 1 500001)
	p=$(pgb "$K")
	p=$(max "$p" "$(pgb "$K")")
	l=$(max "$l" "$(lib "$K" 1 500001)")
	r=$(awk -v l="$l" -v p="$p" 'BEGIN { printf "%.2f", l / p }')
	printf '%4s %14.1f %14.1f %7s\n' "$K" "$l" "$p" "$r"
	worst=$(awk -v a="$worst" -v b="$r" 'BEGIN { print (b < a) ? b : a }')
done
m1=$(lib 4 1 500001)
"$C" batch mint --term 2026-autumn --count 19000000 --keyring "$tmp/kr" --key-id 1 >/dev/null
m20=$(lib 4 1 500001)
echo "minted  1M: libcard K=4 $m1/s"
echo "minted 20M: libcard K=4 $m20/s ($(awk -v a="$m20" -v b="$m1" 'BEGIN { printf "%.2f", a / b }') x)"
if awk -v w="$worst" 'BEGIN { exit !(w >= 0.9) }'; then
	echo "target ratio >= 0.9: met (worst $worst)"
else
	echo "target ratio >= 0.9: MISSED (worst $worst)"
	exit 2
fi
