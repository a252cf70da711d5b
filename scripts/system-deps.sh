#!/usr/bin/env bash
# Install the Debian packages the tests need (Qt's runtime libraries and fonts, Chromium for
# the Web UI tests, Google's snappy as the snappy codec's yardstick, a Secret Service —
# gnome-keyring on a private D-Bus, read back by secret-tool — for the keyring's) when missing
# and we can: as root with apt. Otherwise say which command would, and let the tests that
# need them skip (or fail under CI=true).
# `system-deps.sh app` (make run) asks only for what the app needs: Qt's libraries and fonts.
set -u
packages=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
          libxcb-cursor0 libwayland-client0 libwayland-cursor0 libwayland-egl1
          fonts-dejavu-core fonts-droid-fallback)
[ "${1:-}" = app ] || packages+=(chromium libsnappy1v5 dbus-daemon gnome-keyring libsecret-tools)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}" >&2
  exit 0
fi
echo "system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
  || echo "system-deps: apt-get could not install ${missing[*]}" >&2
exit 0
