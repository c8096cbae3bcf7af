#!/usr/bin/env bash
# cardd_docs.sh -- cardd's documentation says what the code does: cardd.conf(5) describes
# exactly the settings daemon/config.c accepts, with the same defaults and the same
# start-only (*) marks as the table at the top of config.c; cardd(8)'s synopsis is the usage
# line of `cardd --help`; docs/openapi.yaml has every path daemon/http.c routes and every
# error code daemon/ answers.
. "$top_srcdir/tests/lib.sh"
CFG=$top_srcdir/daemon/config.c
MAN5=$top_srcdir/man/cardd.conf.5
MAN8=$top_srcdir/man/cardd.8
API=$top_srcdir/docs/openapi.yaml

# 1. Keys: those config.c parses <-> those cardd.conf(5) describes (the word after .TP/.TQ).
grep -oE 'strcmp\(key, "[a-z0-9_]+"\)|(UINTK|DBLK)\("[a-z0-9_]+"' "$CFG" | sed -E 's/.*"([a-z0-9_]+)".*/\1/' | sort -u >"$T/code"
awk 'prev ~ /^\.T[PQ]$/ { print $2 } { prev = $0 }' "$MAN5" | sort -u >"$T/man"
[ "$(wc -l <"$T/code")" -ge 20 ] && ok "config.c parses $(wc -l <"$T/code") settings" || bad "too few settings found in config.c"
if diff "$T/code" "$T/man" >"$T/diff"; then ok "cardd.conf(5) describes exactly the settings of config.c"
else bad "cardd.conf(5) and config.c differ (< code, > man):"; cat "$T/diff" >&2; fi

# 2. Defaults and (*) marks: the table in config.c's header comment against each setting's
#    paragraph in the man page.
awk '/^ \*   key +default +meaning/ { on = 1; next } on && /^ \*$/ { on = 0 } on' "$CFG" |
	sed -nE 's/^ \*   ([a-z0-9_]+) +(\([^)]*\)|[^ ]+) +(.*)$/\1 \2 \3/p' | sed 's/^\([a-z_]*\) (\([^)]*\))/\1 (\1)/' >"$T/table"
[ "$(wc -l <"$T/table")" -ge 20 ] && ok "config.c's table has $(wc -l <"$T/table") rows" || bad "config.c's table not found"
while read -r key dflt rest; do
	para=$(awk -v k="$key" '
		/^\.(TP|SH|SS)/ { on = 0 }
		on { print }
		prev ~ /^\.T[PQ]$/ && $2 == k { on = 1; print }
		{ prev = $0 }' "$MAN5" | tr '\n' ' ')
	[ -n "$para" ] || { bad "cardd.conf(5) has no paragraph for $key"; continue; }
	case "$rest" in "(*)"*) star=1 ;; *) star=0 ;; esac
	case "$para" in *"(*)"*) mstar=1 ;; *) mstar=0 ;; esac
	# tls_cert's paragraph is shared with tls_key, which carries the mark.
	[ "$key" = tls_cert ] && mstar=$(awk '/^\.BI tls_key/ { getline; print (index($0, "(*)") ? 1 : 0) }' "$MAN5")
	[ "$star" = "$mstar" ] && ok "$key: start-only mark agrees ($star)" || bad "$key: config.c says (*)=$star, the man page $mstar"
	case "$dflt" in
	"("*|stderr|yes|no) ;; # (none), (libpq env): described in words
	*) case "$para" in *"Default $dflt"*) ok "$key: default $dflt documented" ;;
		*) bad "$key: cardd.conf(5) does not say \"Default $dflt\"" ;; esac ;;
	esac
done <"$T/table"
# The numeric defaults the table claims are the ones the code sets (c->FIELD = value;, FIELD
# being the one the setting's UINTK/DBLK line parses into).
nnum=0
while read -r key dflt _; do
	case "$dflt" in *[!0-9.]* | "") continue ;; esac
	nnum=$((nnum + 1))
	field=$(sed -nE "s/.*(UINTK|DBLK)\(\"$key\", ([a-z0-9_]+),.*/\2/p" "$CFG" | head -1)
	grep -qF "c->${field:-$key} = $dflt;" "$CFG" && ok "config.c sets $key = $dflt" \
		|| bad "config.c does not set $key (c->${field:-$key}) = $dflt"
done <"$T/table"
[ "$nnum" -ge 12 ] && ok "$nnum numeric defaults checked" || bad "only $nnum numeric defaults in config.c's table"

# 3. cardd(8) synopsis = cardd --help usage.
CARDD="$top_builddir/daemon/cardd"
if command -v man >/dev/null && command -v col >/dev/null; then
	MANWIDTH=250 man -l "$MAN8" 2>/dev/null | col -b | tr -s ' \t' ' ' >"$T/man8"
	usage=$(sed -n 's/^Usage: //p' <("$CARDD" --help) | tr -s ' ' ' ')
	[ -n "$usage" ] && grep -qxF " $usage" "$T/man8" && ok "cardd(8) synopsis is the --help usage" \
		|| bad "cardd(8) synopsis differs from: $usage"
	for opt in $(grep -o -- '--[a-z-]*' <("$CARDD" --help) | sort -u); do
		grep -qF -- "$opt" "$T/man8" && ok "cardd(8) describes $opt" || bad "cardd(8) never mentions $opt"
	done
else
	echo "# man or col missing: cardd(8) not checked"
fi

# 4. Every routed path is in the OpenAPI description.
for p in $(grep -oE 'str(n)?cmp\(url, "[^"]*"' "$top_srcdir/daemon/http.c" | sed -E 's/.*"([^"]*)"/\1/'); do
	case "$p" in
	/) grep -qE "^  /:" "$API" && ok "openapi.yaml has /" || bad "openapi.yaml lacks /" ;;
	/index.html) grep -qF "/index.html" "$API" && ok "openapi.yaml mentions /index.html" || bad "openapi.yaml lacks /index.html" ;;
	*/) grep -qE "^  ${p}\{[a-z0-9_]+\}:" "$API" && ok "openapi.yaml has ${p}{...}" || bad "openapi.yaml lacks ${p}{...}" ;;
	*) grep -qE "^  ${p}:" "$API" && ok "openapi.yaml has $p" || bad "openapi.yaml lacks $p" ;;
	esac
done

# 5. Every error code cardd can answer is in the OpenAPI description.
n=0
for c in $( (grep -ohE 'http_error\([a-z>-]+, [0-9]+, "[a-z0-9_]+"' "$top_srcdir"/daemon/*.c
	grep -ohE 'fail\(code, message, "[a-z0-9_]+"' "$top_srcdir/daemon/body.c") | sed -E 's/.*"([a-z0-9_]+)"/\1/' | sort -u); do
	n=$((n + 1))
	grep -qw -- "$c" "$API" || bad "openapi.yaml lacks the error code $c"
done
[ "$n" -ge 15 ] && ok "openapi.yaml names all $n error codes of daemon/" || bad "only $n error codes found in daemon/"
finish
