#!/usr/bin/env bash
# reconcile_prop.sh -- run the reconciliation property test (tests/prop_reconcile.py) under
# tests/pg-run.  It starts cardctl thousands of times: use the real binary rather than
# libtool's wrapper script when the build has one (half the cost of each call).
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
export top_srcdir top_builddir
if [ -x "$top_builddir/tools/.libs/cardctl" ] && [ -d "$top_builddir/libcard/.libs" ]; then
	export CARDCTL_BIN="$top_builddir/tools/.libs/cardctl"
	export LD_LIBRARY_PATH="$top_builddir/libcard/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
exec python3 "$top_srcdir/tests/prop_reconcile.py"
