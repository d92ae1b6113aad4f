#!/usr/bin/env bash
# Sets up this machine (scripts/setup.sh --test) and runs every test of Coffer:
#   the web UI (type check, unit tests, browser tests in headless Chromium),
#   the engine's conformance suite on the Local vault and a real Garage node,
#   the keychain on a private gnome-keyring, the `coffer` CLI, and fault tests (SIGKILL and resume,
#   a Garage outage, a proxy cutting connections, a 3-node cluster with a node down).
# Everything is built once, in target/, and reused by every layer.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# One build serves every layer, so incremental caches (as large as the build itself) buy nothing here.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
# A full disk fails tests in confusing places; say up front how much room there is.
free_kib=$(df -Pk . | awk 'NR == 2 { print $4 }')
printf 'Free disk space here: %s MiB (a clean run needs about 6 GiB)\n' "$((free_kib / 1024))"
if [ "$free_kib" -lt $((6 * 1024 * 1024)) ]; then
  printf 'warning: less than 6 GiB free; the build or the fault tests may run out of space\n' >&2
fi

step "Set-up (skipped where already present)"
scripts/setup.sh --test

step "Formatting"
cargo fmt --all --check

step "UI: type check, unit tests, browser tests (headless Chromium, IPC mocked)"
(cd ui && npm run check && npm test && npm run test:browser && COFFER_TEST_LOCALE=de npm run test:browser)

step "Build (once for every layer)"
cargo build --workspace --all-targets --locked

step "Engine, keychain, CLI and fault tests (private keyring, Garage on loopback)"
scripts/with-keyring.sh cargo test --workspace --locked --no-fail-fast

step "End to end: the built app under Xvfb, WebDriver, a real drag-and-drop, Garage, private keyring"
(cd ui && ../scripts/with-keyring.sh npm run test:e2e)

step "Installable packages: .deb and .rpm, each with icons and a desktop entry"
# A debug-profile package reuses the test build; `tauri build --bundles deb,rpm` makes the release ones.
ui/node_modules/.bin/tauri build --debug --bundles deb,rpm
scripts/check-deb.sh
scripts/check-rpm.sh

step "All tests passed"
