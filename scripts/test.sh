#!/usr/bin/env bash
# Sets up this machine (scripts/setup.sh --test) and runs every test of Coffer:
#   the web UI (type check, unit tests, browser tests in headless Chromium),
#   the engine's conformance suite on the Local vault and a real Garage node,
#   the keychain on a private gnome-keyring, and the `coffer` CLI.
# Everything is built once, in target/, and reused by every layer.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Set-up (skipped where already present)"
scripts/setup.sh --test

step "Formatting"
cargo fmt --all --check

if [ -f ui/package.json ]; then
  step "UI: type check, unit tests, browser tests"
  (cd ui && npm run check && npm test && npm run test:browser)
fi

step "Build (once for every layer)"
cargo build --workspace --all-targets --locked

step "Engine, keychain and CLI tests (private keyring, Garage on loopback)"
scripts/with-keyring.sh cargo test --workspace --locked --no-fail-fast

step "All tests passed"
