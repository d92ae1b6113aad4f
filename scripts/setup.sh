#!/usr/bin/env bash
# Prepares a Debian/Ubuntu machine to build, run and test Coffer. Every step is skipped when its
# result is already present, so running it twice costs seconds.
#   scripts/setup.sh          system packages, npm packages and the UI build
#   scripts/setup.sh --test   also the test tools: Garage, tauri-driver, browsers, keychain daemon
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=false
[ "${1:-}" = "--test" ] && want_tests=true

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_packages=(
  # Tauri 2 on Linux
  build-essential pkg-config libssl-dev libgtk-3-dev libwebkit2gtk-4.1-dev libsoup-3.0-dev
  libjavascriptcoregtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev
  # keychain (Secret Service) and the desktop session bus
  dbus-x11 gnome-keyring libsecret-tools
  # opening files with the system's default app
  xdg-utils
  curl ca-certificates
)
if $want_tests; then
  apt_packages+=(
    xvfb xauth webkit2gtk-driver imagemagick xdotool # the real window, driven and photographed
    python3-gi gir1.2-gtk-3.0                        # a GTK drag source for real drag-and-drop
    chromium                                         # page tests with playwright-core
    openssl                                          # Garage's rpc secret
    rpm rpm2cpio                                     # reading the .rpm package back (rpm -q, rpm2archive)
    locales                                          # a German locale, to start the app in German
  )
fi

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_ apt-get update -q
  DEBIAN_FRONTEND=noninteractive sudo_ apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

command -v cargo >/dev/null || {
  echo "setup: Rust is missing; install it from https://rustup.rs and run this again" >&2
  exit 1
}
command -v npm >/dev/null || {
  echo "setup: Node.js and npm are missing; install Node 20 or newer and run this again" >&2
  exit 1
}

if $want_tests; then
  # Pinned so every machine tests against the same server.
  if ! garage --version 2>/dev/null | grep -q ":2.5.0"; then
    echo "setup: installing Garage (about 12 minutes on 2 cores, once per machine)"
    cargo install garage --version 2.5.0 --locked
  fi
  if ! command -v tauri-driver >/dev/null; then
    cargo install tauri-driver --version ^2 --locked
  fi
  # The end-to-end test starts the app in German; WebKitGTK takes the page's language from the C
  # library's locale, which must exist for that.
  if ! locale -a 2>/dev/null | grep -qx 'de_DE.utf8'; then
    echo "setup: generating the de_DE.UTF-8 locale"
    sudo_ localedef -i de_DE -c -f UTF-8 de_DE.UTF-8
  fi
fi

# npm packages, reinstalled only when the lock file changed since the last install.
npm_install() {
  if [ ! -d "$1/node_modules" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
    (cd "$1" && npm ci --no-audit --no-fund)
  fi
}
npm_install ui
# The Tauri CLI (prebuilt, inside the npm package) is kept out of the lock file: the registry
# here serves only the Linux x64 variant, which makes `npm ci` reject a lock that names them all.
if ! ui/node_modules/.bin/tauri --version 2>/dev/null | grep -q "^tauri-cli 2.12.5"; then
  (cd ui && npm install --no-save --no-audit --no-fund @tauri-apps/cli@2.12.5)
fi
(cd ui && npm run build)
