#!/usr/bin/env bash
# pgbouncer_load.sh -- tests/cardd_load.sh with everything (cardctl, psql, cardd) going through
# PgBouncer in session mode, the pooling mode cardd and cardctl support: libcard prepares named
# statements once per connection and sets search_path for the session, which PgBouncer 1.18
# keeps only in session mode.  Skips (77) without PgBouncer.
exec "$top_srcdir/tests/pgbouncer-run" session bash "$top_srcdir/tests/cardd_load.sh"
