#!/usr/bin/env bash
# redeem_prop.sh -- the property test of card.redeem_many (tests/prop_redeem.py) under
# tests/pg-run.  REDEEM_SEED and REDEEM_CALLS tune it.
exec "$top_srcdir/tests/py-cardctl" prop_redeem.py
