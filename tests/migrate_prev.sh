#!/usr/bin/env bash
# migrate_prev.sh -- the schema as migrations build it: a database at the previous state of
# sql/ (tests/schema_prev.sql), migrated by this cardctl, and a fresh database migrated by it
# give the same `pg_dump --schema-only`; loading every function file again changes nothing;
# a second `db migrate` is a no-op.
. "$top_srcdir/tests/lib.sh"
C=$CARDCTL
PG_DUMP="${PG_BINDIR:+$PG_BINDIR/}pg_dump"

schema() {
	"$PG_DUMP" --schema-only --dbname="$1" | grep -v -e '^\\restrict' -e '^\\unrestrict' >"$T/$2"
}
same() {
	if cmp -s "$T/$1" "$T/$2"; then ok "same schema: $3"; else
		bad "schemas differ: $3"; diff "$T/$1" "$T/$2" | head -40 >&2; fi
}

# One definition per function: no name is created twice anywhere in sql/, and the function
# files can be loaded again (CREATE OR REPLACE only).
dups=$(grep -rhoE '^CREATE (OR REPLACE )?FUNCTION card\.[a-z_0-9]+\(' "$top_srcdir/sql" |
	sed -E 's/.*card\.//; s/\(//' | sort | uniq -d | tr '\n' ' ')
if [ -z "$dups" ]; then ok "every function of sql/ is created in one place"; else bad "created twice: $dups"; fi
if grep -nE '^CREATE FUNCTION' "$top_srcdir"/sql/functions/*.sql >&2; then
	bad "a function file has a CREATE without OR REPLACE"; else ok "function files reload"; fi

psql -qX -c 'CREATE DATABASE fresh' -c 'CREATE DATABASE prev' >/dev/null
# The fresh database first: its migration creates the roles the previous dump grants to.
expect_status 0 "$C" --db dbname=fresh db migrate
expect_status 0 "$C" --db dbname=fresh db status
psql -qX -v ON_ERROR_STOP=1 -d prev -f "$top_srcdir/tests/schema_prev.sql" >/dev/null \
	&& ok "the previous state restored" || bad "could not restore tests/schema_prev.sql"
expect_status 2 "$C" --db dbname=prev db status
expect_status 0 "$C" --db dbname=prev db migrate
expect_status 0 "$C" --db dbname=prev db status
schema fresh fresh.sql
schema prev prev.sql
same fresh.sql prev.sql "migrated from the previous state = fresh"

# Again: nothing to do, nothing changes.
expect_status 0 "$C" --db dbname=prev db migrate
expect_grep 'schema is up to date' "$T/out"
# Every function file loaded again (as after a migration): nothing changes.
psql -qX -v ON_ERROR_STOP=1 -d fresh -c "UPDATE card.function_file SET sha256 = repeat('0', 64)"
expect_status 0 "$C" --db dbname=fresh --json db migrate
expect_grep '"applied": 0, "loaded": [1-9]' "$T/out"
schema fresh again.sql
same fresh.sql again.sql "every function file loaded again"
finish
