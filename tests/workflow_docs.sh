#!/usr/bin/env bash
# workflow_docs.sh -- cardctl(1) documents every workflow part 1 command (and part 2's return
# and supplement, which take part 1's receipts) exactly as its --help shows it (each usage
# line, and every option of it), and docs/workflow.md names them all.
. "$top_srcdir/tests/lib.sh"
MAN=$top_srcdir/man/cardctl.1
CMDS=("census import" "census submit" "census approve" "census reopen" "census show"
      "plan make" "plan show" "plan export" "ship" "receive" "distribute" "status"
      "report annex2" "batch mint" "batch export" "return" "supplement")
if ! command -v man >/dev/null || ! command -v col >/dev/null; then
	echo "# man or col missing: cardctl(1) not checked"; finish; exit
fi
MANWIDTH=250 man -l "$MAN" 2>/dev/null | col -b | tr -s ' \t' ' ' >"$T/man"
for cmd in "${CMDS[@]}"; do
	# shellcheck disable=SC2086
	expect_status 0 "$CARDCTL" $cmd --help
	n=0
	while IFS= read -r usage; do
		n=$((n + 1))
		grep -qxF " $usage" "$T/man" && ok "cardctl.1 has: $usage" || bad "cardctl.1 lacks the usage line: $usage"
		for opt in $(grep -o -- '--[a-z-]*' <<<"$usage" | sort -u); do
			grep -qF -- "$opt" "$T/man" || bad "cardctl.1 never mentions $opt"
		done
	done < <(sed -n 's/^Usage: //p' "$T/out" | tr -s ' ' ' ')
	[ "$n" -gt 0 ] || bad "cardctl $cmd --help prints no usage"
	word=${cmd%% *}
	grep -q "cardctl $word" "$top_srcdir/docs/workflow.md" && ok "docs/workflow.md shows cardctl $word" \
		|| bad "docs/workflow.md never shows cardctl $word"
done
finish
