#!/usr/bin/env bash
# openapi.sh -- docs/openapi.yaml is a valid OpenAPI document (redocly lint: no errors), and
# it documents every HTTP status and every error code cardd can answer: each status that
# daemon/*.c passes to http_error/http_json/http_bytes is a response of some operation, and
# each error code (http_error's code, and body.c's JSON body errors) is in Error.code's enum.
#
# The linter is Redocly's CLI from npm (@redocly/cli); ./run.sh test installs it into
# _build/tools.  Set REDOCLY=/path/to/redocly to use another copy.  Without it the lint is
# skipped (exit 77) after the code checks, saying why.
. "$top_srcdir/tests/lib.sh"
API=$top_srcdir/docs/openapi.yaml
DAEMON=$top_srcdir/daemon

# What cardd can answer, read from its sources (joined into one line each, so that a call the
# formatter broke over several lines is read whole).
tr '\n\t' '  ' <"$DAEMON/body.c" >"$T/body.c"
cat "$DAEMON"/*.c | tr '\n\t' '  ' >"$T/daemon.c"
grep -oE 'http_(error|json|bytes)\( *r *, *[0-9]{3}' "$T/daemon.c" | grep -oE '[0-9]{3}$' | sort -u >"$T/status"
{
	grep -oE 'http_error\( *r *, *[0-9]{3} *, *"[a-z0-9_]+"' "$T/daemon.c" | grep -oE '"[a-z0-9_]+"$'
	grep -oE '\bfail\([^,]+,[^,]+, *"[a-z0-9_]+"' "$T/body.c" | grep -oE '"[a-z0-9_]+"$'
} | tr -d '"' | sort -u >"$T/codes"
[ "$(wc -l <"$T/status")" -ge 8 ] && ok "cardd answers $(wc -l <"$T/status") statuses" \
	|| bad "found only $(wc -l <"$T/status") statuses in daemon/: this test no longer reads the sources"
[ "$(wc -l <"$T/codes")" -ge 15 ] && ok "cardd answers $(wc -l <"$T/codes") error codes" \
	|| bad "found only $(wc -l <"$T/codes") error codes in daemon/: this test no longer reads the sources"

# What openapi.yaml documents (parsed as YAML, so a bogus flow mapping cannot hide a key).
if python3 -c 'import yaml' 2>/dev/null; then
	python3 - "$API" "$T/doc_status" "$T/doc_codes" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1], encoding='utf-8'))
statuses = set()
for path, item in doc['paths'].items():
    for method, op in item.items():
        if isinstance(op, dict) and 'responses' in op:
            statuses.update(str(k) for k in op['responses'])
codes = doc['components']['schemas']['Error']['properties']['error']['properties']['code']['enum']
open(sys.argv[2], 'w').write(''.join(s + '\n' for s in sorted(statuses)))
open(sys.argv[3], 'w').write(''.join(c + '\n' for c in sorted(codes)))
PY
	while read -r s; do
		grep -qx "$s" "$T/doc_status" && ok "openapi.yaml documents status $s" \
			|| bad "cardd can answer $s but no operation of openapi.yaml lists it"
	done <"$T/status"
	while read -r c; do
		grep -qx "$c" "$T/doc_codes" && ok "openapi.yaml lists error code $c" \
			|| bad "cardd can answer error code $c but Error.code's enum lacks it"
	done <"$T/codes"
	while read -r c; do
		grep -qx "$c" "$T/codes" || bad "openapi.yaml lists error code $c, which cardd never answers"
	done <"$T/doc_codes"
else
	bad "python3 with yaml (python3-yaml) is needed to read openapi.yaml"
fi

REDOCLY=${REDOCLY:-}
if [ -z "$REDOCLY" ]; then
	for c in "$top_srcdir/_build/tools/node_modules/.bin/redocly" "$(command -v redocly || true)"; do
		[ -n "$c" ] && [ -x "$c" ] && { REDOCLY=$c; break; }
	done
fi
if [ -z "$REDOCLY" ] || ! command -v node >/dev/null; then
	echo "# redocly (npm @redocly/cli) or node is missing: openapi.yaml not linted;" \
		"./run.sh test installs it into _build/tools" >&2
	[ "$fail" = 0 ] || { finish; exit 1; }
	finish; exit 77
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
if "$REDOCLY" lint --format=stylish "$API" >"$T/lint" 2>&1; then
	ok "redocly lint: no errors ($(grep -c ' warning ' "$T/lint" || true) warnings)"
else
	bad "redocly lint found errors in docs/openapi.yaml:"; grep -E ' error ' "$T/lint" >&2 || cat "$T/lint" >&2
fi
finish
