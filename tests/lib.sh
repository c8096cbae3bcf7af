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
# free_port: a port on 127.0.0.1 that nothing listens on, for a server started later.  It is
# drawn below the kernel's ephemeral range, so that no outgoing connection of the tests running
# alongside (psql, curl, pg_basebackup) can take it between this choice and the server's bind;
# with no room below that range, the kernel picks one as before.
free_port() {
	python3 - <<'PY'
import random, socket
lo = 32768
try:
    lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    pass
ports = random.sample(range(10000, lo), min(200, max(lo - 10000, 0))) + [0]
for p in ports:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            continue
        print(s.getsockname()[1])
        break
PY
}
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; }
