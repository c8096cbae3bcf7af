#!/usr/bin/env bash
# reconcile_prop.sh -- run the reconciliation property test (tests/prop_reconcile.py) under
# tests/pg-run.  It starts cardctl thousands of times (tests/py-cardctl).
exec "$top_srcdir/tests/py-cardctl" prop_reconcile.py
