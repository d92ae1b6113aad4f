#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with its own unlocked GNOME Keyring, in temporary
# folders, so tests use a real Secret Service and never anyone's own keyring.
#   scripts/with-keyring.sh cargo test
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 command [args...]" >&2; exit 2; }
tmp=$(mktemp -d -t coffer-keyring.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -m700 "$tmp/run" "$tmp/data" "$tmp/config"
export XDG_RUNTIME_DIR="$tmp/run" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config"
export COFFER_TEST_KEYRING="$tmp"
unset DBUS_SESSION_BUS_ADDRESS
# The keyring's password is fixed and throwaway: the keyring lives and dies in $tmp.
exec dbus-run-session -- bash -c '
  echo -n coffer-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$@"' coffer-keyring "$@"
