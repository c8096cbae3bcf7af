#!/usr/bin/env bash
# forms_invariant.sh -- run the forms' invariant test (tests/invariant_forms.py) under
# tests/pg-run: random terms, every form's rows sum to its subtotals and totals, and the
# forms, `status` and `audit` agree.  FORMS_SEED, FORMS_TERMS and FORMS_OPS tune it.  It
# starts cardctl thousands of times (tests/py-cardctl).
exec "$top_srcdir/tests/py-cardctl" invariant_forms.py
