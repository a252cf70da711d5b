#!/usr/bin/env bash
# Install (or remove) Payload Inspector's desktop entry, icons and AppStream metainfo for the
# current user, in the XDG data dir (~/.local/share unless XDG_DATA_HOME says otherwise).
#
#   packaging/linux/install-desktop.sh              # `make install-desktop`
#   packaging/linux/install-desktop.sh --exec CMD   # the entry starts CMD instead
#   packaging/linux/install-desktop.sh --uninstall  # `make uninstall-desktop`
#
# Which program the entry starts: --exec CMD if given; else the frozen build from
# `make package` (dist/payload-inspector/), copied to ~/.local/lib/payload-inspector so the
# entry survives a `make clean` (and linked as ~/.local/bin/payload-inspector when that name
# is free); else the `payload-inspector` found on PATH (`pipx install .`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
APP_ID="payload-inspector"
METAINFO="io.github.payload_inspector.PayloadInspector.metainfo.xml"
DATA_HOME="${XDG_DATA_HOME:-$HOME/.local/share}"
BUNDLE_SRC="${PAYLOAD_INSPECTOR_BUNDLE:-$ROOT/dist/payload-inspector}"
BUNDLE_DEST="${PAYLOAD_INSPECTOR_PREFIX:-$HOME/.local/lib/payload-inspector}"
BIN_LINK="$HOME/.local/bin/$APP_ID"
ICON_SIZES=(16 24 32 48 64 128 256 512)

say() { echo "install-desktop: $*"; }
die() { echo "install-desktop: $*" >&2; exit 2; }

refresh_caches() {
  # Desktops pick up new entries and icons without these, only later; never fatal.
  if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$DATA_HOME/applications" 2>/dev/null || true
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -t -f "$DATA_HOME/icons/hicolor" 2>/dev/null || true
  fi
}

uninstall() {
  rm -f "$DATA_HOME/applications/$APP_ID.desktop" "$DATA_HOME/metainfo/$METAINFO"
  for size in "${ICON_SIZES[@]}"; do
    rm -f "$DATA_HOME/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
  done
  rm -f "$DATA_HOME/icons/hicolor/scalable/apps/$APP_ID.svg"
  # Only a link that points into our own copy of the bundle is ours to remove.
  if [ -L "$BIN_LINK" ] && [ "$(readlink "$BIN_LINK")" = "$BUNDLE_DEST/$APP_ID" ]; then
    rm -f "$BIN_LINK"
  fi
  if [ -x "$BUNDLE_DEST/$APP_ID" ]; then
    rm -rf "$BUNDLE_DEST"
  fi
  refresh_caches
  say "removed the desktop entry, icons and metainfo from $DATA_HOME"
}

install_bundle() {
  # Copy next to the destination, then swap, so a failed copy leaves the old install whole.
  local staging="$BUNDLE_DEST.new.$$"
  mkdir -p "$(dirname "$BUNDLE_DEST")"
  rm -rf "$staging"
  cp -a "$BUNDLE_SRC" "$staging"
  rm -rf "$BUNDLE_DEST"
  mv "$staging" "$BUNDLE_DEST"
  if [ ! -e "$BIN_LINK" ] && [ ! -L "$BIN_LINK" ]; then
    mkdir -p "$(dirname "$BIN_LINK")"
    ln -s "$BUNDLE_DEST/$APP_ID" "$BIN_LINK"
    say "linked $BIN_LINK"
  fi
}

exec_command=""
case "${1:-}" in
  --uninstall) uninstall; exit 0 ;;
  --exec) [ $# -ge 2 ] || die "--exec needs a command"; exec_command="$2" ;;
  "") ;;
  -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
  *) die "unknown option: $1 (try --help)" ;;
esac

if [ -z "$exec_command" ]; then
  if [ -x "$BUNDLE_SRC/$APP_ID" ]; then
    install_bundle
    exec_command="$BUNDLE_DEST/$APP_ID"
    say "installed the frozen build in $BUNDLE_DEST"
  elif found="$(command -v "$APP_ID" 2>/dev/null)"; then
    exec_command="$found"
  else
    die "nothing to start: run 'make package' (or 'pipx install .') first, or pass --exec CMD"
  fi
fi

entry_dir="$DATA_HOME/applications"
mkdir -p "$entry_dir" "$DATA_HOME/metainfo" "$DATA_HOME/icons/hicolor/scalable/apps"
# The template says `payload-inspector`; the installed entry names the program exactly.
# Exec quotes the path (the spec's quoting: \ " ` $ escaped); TryExec takes it bare.
quoted="$(printf '%s' "$exec_command" | sed -e 's/[\\"`$]/\\\\&/g')"
escaped_sed="$(printf '%s' "$quoted" | sed -e 's/[&|\\]/\\&/g')"
tryexec_sed="$(printf '%s' "$exec_command" | sed -e 's/[&|\\]/\\&/g')"
sed -e "s|^Exec=payload-inspector |Exec=\"$escaped_sed\" |" \
    -e "s|^TryExec=.*|TryExec=$tryexec_sed|" \
    "$ROOT/packaging/linux/$APP_ID.desktop" > "$entry_dir/$APP_ID.desktop.tmp"
mv "$entry_dir/$APP_ID.desktop.tmp" "$entry_dir/$APP_ID.desktop"
cp "$ROOT/packaging/linux/$METAINFO" "$DATA_HOME/metainfo/$METAINFO"
for size in "${ICON_SIZES[@]}"; do
  dir="$DATA_HOME/icons/hicolor/${size}x${size}/apps"
  mkdir -p "$dir"
  cp "$ROOT/inspector/resources/icons/$APP_ID-$size.png" "$dir/$APP_ID.png"
done
cp "$ROOT/inspector/resources/icon.svg" "$DATA_HOME/icons/hicolor/scalable/apps/$APP_ID.svg"
refresh_caches
say "installed $entry_dir/$APP_ID.desktop (starts $exec_command) and its icons"
