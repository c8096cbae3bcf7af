#!/usr/bin/env bash
# forms_invariant.sh -- run the forms' invariant test (tests/invariant_forms.py) under
# tests/pg-run: random terms, every form's rows sum to its subtotals and totals, and the
# forms, `status` and `audit` agree.  FORMS_SEED, FORMS_TERMS and FORMS_OPS tune it.  Like
# reconcile_prop.sh, it uses the real cardctl binary rather than libtool's wrapper script.
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
export top_srcdir top_builddir
if [ -x "$top_builddir/tools/.libs/cardctl" ] && [ -d "$top_builddir/libcard/.libs" ]; then
	export CARDCTL_BIN="$top_builddir/tools/.libs/cardctl"
	export LD_LIBRARY_PATH="$top_builddir/libcard/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
exec python3 "$top_srcdir/tests/invariant_forms.py"
