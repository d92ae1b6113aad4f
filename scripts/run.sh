#!/usr/bin/env bash
# Sets up this machine (scripts/setup.sh), builds Coffer and opens it on the built-in Local vault.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked --features tauri/custom-protocol -p coffer-desktop
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  echo "run: no desktop session bus; starting Coffer in a private one with a throwaway keyring (its Local vault lasts until Coffer closes)" >&2
  exec scripts/with-keyring.sh target/release/coffer-desktop
fi
exec target/release/coffer-desktop
