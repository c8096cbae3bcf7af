#!/usr/bin/env bash
# run.sh -- the two commands of README's quick start.
#
#   ./run.sh demo   install what is missing, build, and run the demo on a private database
#   ./run.sh test   install what is missing, clang-format check, cppcheck, build (-Werror, ASan+UBSan), run the whole
#                   suite, a libFuzzer smoke run (clang), then `make distcheck`
#
# Works on a fresh Debian 12 as root or as a user with sudo.  Builds out of tree in _build/.
set -euo pipefail
cd "$(dirname "$0")"
TOP=$PWD

PACKAGES=(
	build-essential autoconf automake libtool pkg-config autoconf-archive
	libssl-dev libpq-dev uuid-dev check
	libmicrohttpd-dev libjansson-dev libxlsxwriter-dev libcsv-dev libqrencode-dev libpng-dev libjpeg62-turbo-dev
	postgresql postgresql-contrib postgresql-client
	python3 python3-openpyxl python3-yaml wrk curl clang libclang-rt-14-dev cppcheck clang-format
	chromium chromium-driver python3-selenium fonts-wqy-microhei
	patroni etcd-server etcd-client haproxy pgbouncer
	dpkg-dev debhelper lintian
)

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "== installing: ${missing[*]}"
		sudo_ env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		# chromium and chromium-driver are needed only for the browser test, which skips (saying
		# why) without them.
		sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
			|| sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
				$(printf '%s\n' "${missing[@]}" | grep -v '^chromium')
	fi
}

# The OpenAPI linter of tests/openapi.sh: Redocly's CLI from npm, into _build/tools (node and
# npm from Debian when the machine has none).  A failed install only makes that test skip.
REDOCLY_VERSION=1.34.20
install_redocly() {
	[ -x _build/tools/node_modules/.bin/redocly ] && return 0
	if ! command -v npm >/dev/null; then
		sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm || true
	fi
	command -v npm >/dev/null || { echo "== npm missing: tests/openapi.sh will skip the lint"; return 0; }
	echo "== installing @redocly/cli@$REDOCLY_VERSION into _build/tools"
	mkdir -p _build/tools
	npm install --prefix _build/tools --no-audit --no-fund --loglevel=error "@redocly/cli@$REDOCLY_VERSION" >/dev/null \
		|| echo "== npm install failed: tests/openapi.sh will skip the lint"
}

build() { # build DIR CONFIGURE-ARGS...
	local dir=$1; shift
	[ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi >/dev/null
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ]; then (cd "$dir" && "$TOP/configure" -q "$@"); fi
	make -C "$dir" -j"$(nproc)" >/dev/null
}

case "${1:-}" in
demo)
	install_packages
	build _build/release --enable-werror
	exec "$TOP/contrib/demo.sh" "$TOP/_build/release"
	;;
test)
	install_packages
	install_redocly
	echo "== clang-format (every C file formatted as .clang-format says)"
	git ls-files '*.c' '*.h' 2>/dev/null | xargs -r clang-format --dry-run --Werror \
		|| { echo "run: clang-format -i on the files above" >&2; exit 1; }
	echo "== cppcheck (errors fail the run)"
	cppcheck -q -j2 --error-exitcode=1 --inline-suppr -Iinclude -Ilibcard -Itools \
		libcard tools daemon bench fuzz
	echo "== build with ASan+UBSan and -Werror"
	build _build/asan --enable-werror --enable-sanitizers CC=gcc
	echo "== test suite (ASan+UBSan)"
	make -C _build/asan -j"$(nproc)" check || { cat _build/asan/test-suite.log; exit 1; }
	echo "== summaries"
	grep -H -E '^[0-9]+%: Checks|passed, [0-9]+ failed' _build/asan/tests/*.log | sed 's|^_build/asan/||; s|\.log:|: |' || true
	grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' _build/asan/test-suite.log || true
	if command -v clang >/dev/null && [ -z "${SKIP_FUZZ:-}" ]; then
		echo "== fuzzing smoke run (libFuzzer)"
		build _build/fuzz --enable-fuzzing CC=clang
		make -C _build/fuzz fuzz-smoke
	fi
	echo "== make distcheck"
	build _build/release --enable-werror
	make -C _build/release -j"$(nproc)" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror >_build/distcheck.log 2>&1 \
		|| { tail -50 _build/distcheck.log; exit 1; }
	grep -A3 'archives ready for distribution' _build/distcheck.log || true
	echo "== all tests passed"
	;;
*)
	echo "usage: $0 demo|test" >&2
	exit 1
	;;
esac
