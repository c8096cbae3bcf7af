#!/usr/bin/env bash
# srccheck.sh -- the source checker: no unbounded string functions and no unchecked number
# parsing in the library, the programs, the benchmarks and the fuzz harnesses.
#
# Banned, with what to use instead:
#   strcpy, strcat, sprintf, vsprintf  -> snprintf / memcpy with a length you checked
#   gets                               -> fgets
#   atoi, atol, atoll                  -> strtol/strtoull with errno and end checks
#                                         (cli_parse_long, card_serial_parse, ...)
# Comments may name them; code may not.  A self-test first proves the checker can fail.
. "$top_srcdir/tests/lib.sh"

BANNED='strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll'
DIRS=(libcard tools daemon bench fuzz)

# scan FILE...: print file:line: text for every banned call outside a comment.
scan() {
	awk -v re="(^|[^A-Za-z0-9_])(${BANNED})[ \t]*\\(" '
		FNR == 1 { incomment = 0 }
		{
			line = $0; code = ""
			# drop /* ... */ comments (possibly spanning lines), then // comments
			while (line != "") {
				if (incomment) {
					e = index(line, "*/")
					if (e == 0) { line = ""; break }
					line = substr(line, e + 2); incomment = 0
				} else {
					s = index(line, "/*")
					if (s == 0) { code = code line; line = ""; break }
					code = code substr(line, 1, s - 1); line = substr(line, s + 2); incomment = 1
				}
			}
			sub(/\/\/.*/, "", code)
			gsub(/"([^"\\]|\\.)*"/, "\"\"", code)   # string literals
			if (code ~ re) printf "%s:%d: %s\n", FILENAME, FNR, $0
		}' "$@"
}

# Self-test: the checker finds what it must and ignores what it must not.
cat >"$T/bad.c" <<'C'
/* strcpy(a, b) in a comment is fine */
static void f(char *d, const char *s) { strcpy(d, s); }
int g(const char *s) { return atoi (s); }
int h(char *d) { return snprintf(d, 4, "%s", "sprintf(") + (int)strtol(d, 0, 10); }
char *k(char *b) { return fgets(b, 4, 0); } // gets(b) in a comment
C
found=$(scan "$T/bad.c" | cut -d: -f2 | tr '\n' ' ')
[ "$found" = "2 3 " ] && ok "checker flags strcpy and atoi, ignores comments, strings, snprintf, fgets" \
	|| bad "checker self-test: flagged lines '$found', wanted '2 3 '"

cd "$top_srcdir"
files=()
for d in "${DIRS[@]}"; do
	[ -d "$d" ] || continue
	while IFS= read -r f; do files+=("$f"); done < <(find "$d" -name '*.[ch]' | sort)
done
[ ${#files[@]} -gt 10 ] && ok "scanning ${#files[@]} files in ${DIRS[*]}" || bad "only ${#files[@]} files found"
hits=$(scan "${files[@]}")
if [ -z "$hits" ]; then
	ok "no strcpy, strcat, sprintf, vsprintf, gets, atoi, atol, atoll"
else
	bad "banned functions (use snprintf/memcpy, fgets, strtol with checks):"
	echo "$hits" >&2
fi
finish
