#!/usr/bin/env bash
# Checks the .rpm that `tauri build --bundles rpm` made: the app, its desktop entry, its icons and
# its dependencies, read back with rpm's own tools.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=$(ls -t target/*/bundle/rpm/*.rpm | head -n 1)
contents=$(rpm -qlp "$pkg")
for want in /usr/bin/coffer-desktop /usr/share/applications/Coffer.desktop \
            /usr/share/icons/hicolor/32x32/apps/coffer-desktop.png /usr/share/icons/hicolor/128x128/apps/coffer-desktop.png; do
  grep -qx "$want" <<<"$contents" || { echo "check-rpm: $pkg lacks $want" >&2; echo "$contents" >&2; exit 1; }
done
rpm -qp --queryformat '%{NAME} %{VERSION}-%{RELEASE} %{ARCH}\n' "$pkg"
rpm -qp --requires "$pkg" | grep -qx 'xdg-utils' || { echo "check-rpm: $pkg does not require xdg-utils" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rpm -K --nosignature "$pkg" >/dev/null || { echo "check-rpm: $pkg fails its digests" >&2; exit 1; }
# rpm2archive, not rpm2cpio: this rpm2cpio exits 1 on packages whose digests check out.
rpm2archive - < "$pkg" > "$tmp/payload.tgz"
tar -xzf "$tmp/payload.tgz" -C "$tmp"
grep -q '^Exec=coffer-desktop' "$tmp/usr/share/applications/Coffer.desktop" || { echo "check-rpm: the desktop entry does not start Coffer" >&2; exit 1; }
[ -x "$tmp/usr/bin/coffer-desktop" ] || { echo "check-rpm: the app is not executable" >&2; exit 1; }
echo "check-rpm: $pkg ($(du -h "$pkg" | cut -f1)) holds the app, its desktop entry and icons"
