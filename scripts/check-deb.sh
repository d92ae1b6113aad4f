#!/usr/bin/env bash
# Checks the .deb that `tauri build --bundles deb` made: the app, its desktop entry and its icons.
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(ls -t target/*/bundle/deb/*.deb | head -n 1)
contents=$(dpkg-deb --contents "$deb")
for want in usr/bin/coffer-desktop usr/share/applications/Coffer.desktop \
            usr/share/icons/hicolor/32x32/apps/coffer-desktop.png usr/share/icons/hicolor/128x128/apps/coffer-desktop.png; do
  grep -Eq " \.?/?$want\$" <<<"$contents" || { echo "check-deb: $deb lacks $want" >&2; echo "$contents" >&2; exit 1; }
done
dpkg-deb --field "$deb" Package Version Depends
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
dpkg-deb --extract "$deb" "$tmp"
grep -q '^Exec=coffer-desktop' "$tmp/usr/share/applications/Coffer.desktop" || { echo "check-deb: the desktop entry does not start Coffer" >&2; exit 1; }
echo "check-deb: $deb ($(du -h "$deb" | cut -f1)) holds the app, its desktop entry and icons"
