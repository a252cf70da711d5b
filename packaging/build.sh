#!/usr/bin/env bash
# Build the desktop app as a PyInstaller one-folder bundle in dist/payload-inspector/
# (`make package`, which first installs the `package` extra into .venv). Prints the build's
# size and how long it took.
#
# The X11 libraries Qt's xcb platform plugin links to are bundled when the build machine
# has them; as root with apt they are installed first, so the build runs on desktops that
# lack some of them (the classic "could not load the Qt platform plugin xcb").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PY:-.venv/bin/python}"
DIST="dist/payload-inspector"
LOG="build/pyinstaller.log"

xcb_packages=(libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
              libxcb-randr0 libxcb-shape0 libxcb-xkb1 libxcb-xfixes0 libxkbcommon-x11-0
              libfontconfig1 libdbus-1-3)
missing=()
for p in "${xcb_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "package: installing ${missing[*]} (bundled for the xcb platform plugin)"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends \
             "${missing[@]}" >/dev/null; }; } \
      || echo "package: could not install ${missing[*]}; the build will lack them" >&2
  else
    echo "package: ${missing[*]} missing here, so not bundled; targets need them" \
         "(sudo apt-get install -y ${missing[*]})" >&2
  fi
fi

mkdir -p build
start=$(date +%s)
if ! "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --workpath build/pyinstaller --distpath dist packaging/payload-inspector.spec >"$LOG" 2>&1; then
  tail -n 40 "$LOG" >&2
  echo "package: PyInstaller failed; the whole log is in $LOG" >&2
  exit 1
fi
elapsed=$(( $(date +%s) - start ))
# Libraries the target must provide itself, as the build could not bundle them (Windows
# names from ctypes probes in dependencies are noise on Linux).
grep -E "Library not found: could not resolve" "$LOG" | sed -E "s/.*resolve '([^']+)'.*/\1/" \
  | sort -u | sed 's/^/package: not bundled (the target must have it): /' || true
size=$(du -sh "$DIST" | cut -f1)
files=$(find "$DIST" -type f | wc -l)
echo "package: $DIST: $size in $files files, built in ${elapsed}s"
