#!/usr/bin/env bash
# ha_debs.sh -- build the Debian packages from debian/ and install cardd from them, for
# `make check-ha` (which then runs the failover test against /usr/sbin/cardd).
#
# Usage: tests/ha_debs.sh SRCDIR      (as root; builds in a temporary copy of SRCDIR)
# Builds with dpkg-buildpackage -us -uc -b, runs lintian (errors fail), installs libcard0 and
# cardd with apt-get (which creates the cardd user), and checks what the package promised: the
# unit, the example configuration, the SQL, the user, and no keyring.
set -euo pipefail
src=$1
[ "$(id -u)" = 0 ] || { echo "ha_debs.sh: installing packages needs root" >&2; exit 77; }
command -v dpkg-buildpackage >/dev/null || { echo "ha_debs.sh: dpkg-dev not installed" >&2; exit 77; }
w=$(mktemp -d "${TMPDIR:-/tmp}/libcard-deb.XXXXXX")
trap 'rm -rf "$w"' EXIT
mkdir "$w/src"
tar -C "$src" --exclude=./_build --exclude=./.git -cf - . | tar -C "$w/src" -xf -
(cd "$w/src" && dpkg-buildpackage -us -uc -b -j2) >"$w/build.log" 2>&1 || { tail -30 "$w/build.log"; exit 1; }
lintian --allow-root --fail-on error "$w"/*.changes
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	"$w"/libcard0_*.deb "$w"/cardd_*.deb >/dev/null
for f in /usr/sbin/cardd /lib/systemd/system/cardd.service /usr/share/doc/cardd/examples/cardd.conf \
	/usr/share/cardd/sql/migrations/0001_baseline.sql; do
	[ -e "$f" ] || { echo "ha_debs.sh: the cardd package did not install $f" >&2; exit 1; }
done
getent passwd cardd >/dev/null || { echo "ha_debs.sh: no cardd user" >&2; exit 1; }
if dpkg -L cardd | grep -q keyring; then echo "ha_debs.sh: a keyring came with the package" >&2; exit 1; fi
echo "ha_debs.sh: installed $(dpkg-query -W -f '${Package} ${Version}' cardd) from debian/"
