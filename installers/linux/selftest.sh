#!/usr/bin/env bash
# Runs the built bundle's self-test: installers/linux/selftest.sh [dist/vansroute]
#
# The keyring check needs a Secret Service. A desktop session has one; on a build machine or CI
# runner the check runs inside a private D-Bus session with a fresh gnome-keyring (apt-get install
# dbus gnome-keyring), unlocked with a throwaway password and gone when the test ends.
set -euo pipefail
bundle=${1:-dist/vansroute}
exe="$bundle/vansroute"
[ -x "$exe" ] || { echo "selftest.sh: $exe not found (run installers/linux/build.sh first)" >&2; exit 1; }

if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || ! command -v dbus-run-session >/dev/null \
    || ! command -v gnome-keyring-daemon >/dev/null; then
    exec "$exe" --selftest
fi
# A throwaway HOME as well: the new keyring must not land in (or unlock) the user's own.
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
HOME="$home" dbus-run-session -- sh -c \
    'echo -n selftest | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"' \
    sh "$exe" --selftest
