#!/usr/bin/env bash
# columns.sh -- the typed boundary between SQL and C: every column name cardctl (tools/) and
# cardd (daemon/) read from a result (row_text/_int/_bool/_null, card_rows_*) is a column
# that some statement of libcard returns, as the migrated schema describes it (psql \gdesc:
# the server's own answer, no query run).  A renamed SQL column fails here, not as a blank
# cell in a clerk's report.  tests/columns_src.py does the reading of the sources.
. "$top_srcdir/tests/lib.sh"
PY="python3 $top_srcdir/tests/columns_src.py"
if ! command -v python3 >/dev/null; then
	echo "# python3 missing: cannot read the sources" >&2; exit 77
fi
expect_status 0 "$CARDCTL" db migrate

$PY reads "$top_srcdir" | sort -u >"$T/reads"
n=$(wc -l <"$T/reads")
[ "$n" -ge 100 ] && ok "found $n column reads in tools/ and daemon/" \
	|| bad "found only $n column reads: tests/columns_src.py no longer sees the readers"
if grep -P '\t\?' "$T/reads"; then
	bad "reads whose column name the test cannot resolve (use a literal or a name table)"
else
	ok "every read names its column"
fi

$PY describe "$top_srcdir" >"$T/describe.sql"
nst=$(grep -c '^\\echo @@' "$T/describe.sql")
psql -X -q -A -t -F '|' -f "$T/describe.sql" >"$T/described" 2>"$T/describe.err" || true
if [ -s "$T/describe.err" ]; then
	bad "psql could not describe some statements of libcard:"; cat "$T/describe.err" >&2
else
	ok "psql described all $nst statements of libcard"
fi
# FILE:NAME<TAB>column for every statement, and the union of all columns.
awk -F'|' '/^@@ / { st = $0; sub(/^@@ /, "", st); next } NF >= 2 && st != "" { print st "\t" $1 }' \
	"$T/described" | sort -u >"$T/stmt_cols"
cut -f2 "$T/stmt_cols" | sort -u >"$T/returned"
[ "$(wc -l <"$T/returned")" -ge 50 ] && ok "the statements return $(wc -l <"$T/returned") column names" \
	|| bad "the statements return too few columns: the describe step is broken"
grep -qx 'no_such_column' "$T/returned" && bad "the check cannot fail: no_such_column is returned"
# FUNC<TAB>column: what each public function of libcard can hand back.
$PY funcs "$top_srcdir" >"$T/funcs"
awk -F'\t' 'NR == FNR { cols[$1] = cols[$1] " " $2; next } { n = split(cols[$2], c, " ");
	for (i = 1; i <= n; i++) print $1 "\t" c[i] }' "$T/stmt_cols" "$T/funcs" | sort -u >"$T/func_cols"
mapped=$(awk -F'\t' '$3 != "-"' "$T/reads" | wc -l)
[ "$mapped" -ge 100 ] && ok "$mapped reads are traced to the libcard function that produced the rows" \
	|| bad "only $mapped reads traced to a libcard function: tests/columns_src.py no longer follows them"

missing=0
while IFS=$'\t' read -r file col func; do
	case $col in \?*) continue ;; esac
	if [ "$func" != "-" ]; then
		if ! grep -qxF -- "$func	$col" "$T/func_cols"; then
			bad "$file reads column \"$col\" of $func, whose statements do not return it"
			missing=$((missing + 1))
		fi
	elif ! grep -qxF -- "$col" "$T/returned"; then
		bad "$file reads column \"$col\", which no statement of libcard returns"
		missing=$((missing + 1))
	fi
done <"$T/reads"
[ "$missing" = 0 ] && ok "every column read is returned where it is read from"
finish
