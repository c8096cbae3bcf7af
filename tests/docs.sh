#!/usr/bin/env bash
# docs.sh -- the documentation says what the code does: the test vectors published in
# docs/code-format.md are those of tests/vectors.h (which the suites and vectors_ref.py check),
# and cardctl(1) shows, for every keys-and-codes command, exactly the usage line of its --help
# and that every other command's usage line is there too.
. "$top_srcdir/tests/lib.sh"
DOC=$top_srcdir/docs/code-format.md
MAN=$top_srcdir/man/cardctl.1

# 1. Vectors: "{ kid, serial, "code" }" in vectors.h <-> "| kid | 13 digits | `code` |" in the doc.
sed -n 's/.*{ \([0-9]*\), \([0-9]*\), "\([0-9A-Z-]*\)" }.*/\1 \2 \3/p' "$top_srcdir/tests/vectors.h" |
	while read -r k s c; do printf '%s %013d %s\n' "$k" "$s" "$c"; done | sort >"$T/h"
sed -n 's/^| *\([0-9]*\) *| *\([0-9]\{13\}\) *| *`\([0-9A-Z-]*\)` *|$/\1 \2 \3/p' "$DOC" | sort >"$T/d"
[ "$(wc -l <"$T/h")" -ge 8 ] && ok "tests/vectors.h has $(wc -l <"$T/h") vectors" || bad "vectors.h: too few vectors"
if diff "$T/h" "$T/d" >"$T/diff"; then
	ok "docs/code-format.md publishes exactly the vectors of tests/vectors.h"
else
	bad "docs/code-format.md and tests/vectors.h differ (< header, > doc):"; cat "$T/diff" >&2
fi
grep -q '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f' "$DOC" \
	&& ok "the doc names the vector key" || bad "the doc does not give the vector key"

# 2. cardctl(1) against --help.
if command -v man >/dev/null && command -v col >/dev/null; then
	MANWIDTH=250 man -l "$MAN" 2>/dev/null | col -b | tr -s ' \t' ' ' >"$T/man"
	[ -s "$T/man" ] && ok "cardctl.1 renders" || bad "cardctl.1 does not render"
	for cmd in "key new" "key list" "key import" "code derive" "verify"; do
		# shellcheck disable=SC2086
		"$CARDCTL" $cmd --help >"$T/help" 2>&1 || true
		usage=$(sed -n 's/^Usage: //p' "$T/help" | tr -s ' ' ' ')
		[ -n "$usage" ] || { bad "cardctl $cmd --help prints no usage"; continue; }
		grep -qxF " $usage" "$T/man" && ok "cardctl.1 has: $usage" || bad "cardctl.1 lacks the usage line: $usage"
		# every option of the usage line is described
		for opt in $(grep -o -- '--[a-z-]*' <<<"$usage" | sort -u); do
			grep -qF -- "$opt" "$T/man" || bad "cardctl.1 never mentions $opt"
		done
	done
	# Every other command and subcommand: cardctl(1) shows its --help usage line exactly.
	missing=0
	for g in $("$CARDCTL" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }'); do
		subs=$("$CARDCTL" "$g" --help 2>/dev/null | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
		for s in ${subs:-""}; do
			case "$g $s" in "key "* | "code "* | "verify ") continue ;; esac
			# shellcheck disable=SC2086
			u=$("$CARDCTL" $g $s --help 2>/dev/null | sed -n 's/^Usage: //p' | head -1 | tr -s ' ' ' ')
			[ -z "$u" ] || grep -qxF " $u" "$T/man" || { bad "cardctl.1 lacks the usage line: $u"; missing=$((missing + 1)); }
		done
	done
	[ "$missing" = 0 ] && ok "cardctl.1 has the usage line of every other command"
	top=$(sed -n 's/^Usage: //p' <("$CARDCTL" --help) | tr -s ' ' ' ')
	grep -qxF " $top" "$T/man" && ok "cardctl.1 synopsis is the --help usage" || bad "cardctl.1 synopsis differs from: $top"
else
	echo "# man or col missing: cardctl(1) not checked"
fi

# The contract is the project's own docs (docs/overview.md says which page holds what): no
# source, test or page cites an outside contract document (the word is built from two halves
# below so that this file does not cite it either).
word="SP""EC"
hits=$(cd "$top_srcdir" && grep -rlE "$word( ?§|\\.md|[ ,]+step)" README.md docs man include libcard tools daemon \
	sql tests bench fuzz contrib 2>/dev/null | grep -v '^tests/docs\.sh$' || true)
spec_bad=0
for f in $hits; do
	bad "$f cites an outside contract; point to the page of docs/ that says it"; spec_bad=1
done
[ "$spec_bad" = 0 ] && ok "no file cites an outside contract"
finish
