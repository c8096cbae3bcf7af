#!/usr/bin/env bash
# redeem_prop.sh -- run the property test of card.redeem_many (tests/prop_redeem.py) under
# tests/pg-run, with the real cardctl binary rather than libtool's wrapper when there is one.
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
export top_srcdir top_builddir
if [ -x "$top_builddir/tools/.libs/cardctl" ] && [ -d "$top_builddir/libcard/.libs" ]; then
	export CARDCTL_BIN="$top_builddir/tools/.libs/cardctl"
	export LD_LIBRARY_PATH="$top_builddir/libcard/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
exec python3 "$top_srcdir/tests/prop_redeem.py"
