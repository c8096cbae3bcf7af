# lib.sh -- helpers for the end-to-end shell tests (sourced).
set -euo pipefail
: "${top_builddir:?}" "${top_srcdir:?}"
CARDCTL="$top_builddir/tools/cardctl"
T=$(mktemp -d "${TMPDIR:-/tmp}/libcard-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok()   { pass=$((pass + 1)); echo "ok - $*"; }
bad()  { fail=$((fail + 1)); echo "not ok - $*"; }
# expect_status N CMD...: run CMD, check its exit status is N; output in $T/out, $T/err.
expect_status() {
	local want=$1; shift
	set +e; "$@" >"$T/out" 2>"$T/err"; local got=$?; set -e
	if [ "$got" = "$want" ]; then ok "exit $want: $*"; else bad "exit $got (wanted $want): $*"; cat "$T/err" >&2; fi
}
expect_grep() { if grep -q -- "$1" "$2"; then ok "$2 has '$1'"; else bad "$2 lacks '$1'"; cat "$2" >&2; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; }
