#!/usr/bin/env bash
# Smoke test of the desktop build (`make smoke`; .ci/run calls it after `make test`).
#
# Builds dist/payload-inspector/ with `make package`, then checks the frozen app against the
# source install in .venv: what the bundle holds and leaves out; `decode` of the sample
# documents (the same bytes); S3 through the trimmed botocore (moto); `screenshot`
# offscreen (a real PNG, the same picture); `serve` answering /healthz and /decode; the GUI
# mapping a window on Xvfb through the xcb plugin; the desktop entry and metainfo
# validated, installed for a throwaway user and removed again.
#
# SMOKE_SKIP_BUILD=1 checks an existing build. Needs
# `make test`'s venv for moto; system tools (Xvfb, desktop-file-validate, appstreamcli) are
# installed as root with apt when missing, and a check whose tool is missing is skipped --
# a failure under CI=true.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export QT_QPA_PLATFORM=offscreen
PY="$ROOT/.venv/bin/python"
SRC="$ROOT/.venv/bin/payload-inspector"
DIST="$ROOT/dist/payload-inspector"
BIN="$DIST/payload-inspector"
SAMPLES="$ROOT/inspector/resources/samples"
OUT="$ROOT/build/smoke"  # screenshots kept for people to look at (build/ is ignored)
SIZE_BUDGET_MB=200
WAIT_SECONDS=30

WORK="$(mktemp -d "${TMPDIR:-/tmp}/payload-inspector-smoke.XXXXXX")"
PIDS="$WORK/pids"  # every process a check starts, so that nothing outlives its check
: >"$PIDS"

# started PID: remember a process to stop after the check (checks run in subshells).
started() { echo "$1" >>"$PIDS"; }

stop_started() {
  local pid
  while read -r pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done <"$PIDS"
  : >"$PIDS"
}

cleanup() {
  stop_started
  rm -rf "$WORK"
}
trap cleanup EXIT

# Never the user's config, settings or store: the app's XDG dirs live in the work dir.
export XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data" XDG_CACHE_HOME="$WORK/cache"
unset PAYLOAD_INSPECTOR_CONFIG
mkdir -p "$OUT" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"

passed=0
failed=0
skipped=0
failures=()

# check NAME COMMAND...: runs one check in a subshell with `set -e` in force (a function
# called from an `if` would run with it ignored), prints its last output line, records the
# verdict, and stops whatever the check started. Exit 77 means "skipped".
check() {
  local name="$1"
  shift
  local log="$WORK/check.log"
  local start=$SECONDS status=0
  set +e
  (set -e; "$@") >"$log" 2>&1
  status=$?
  set -e
  stop_started
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1))
    echo "PASS  $name ($((SECONDS - start))s): $(tail -n 1 "$log")"
  elif [ "$status" -eq 77 ] && [ "${CI:-}" != "true" ]; then
    skipped=$((skipped + 1))
    echo "SKIP  $name: $(tail -n 1 "$log")"
  else
    failed=$((failed + 1))
    failures+=("$name")
    [ "$status" -eq 77 ] && echo "FAIL  $name: skipped, which CI=true does not allow:" \
                         || echo "FAIL  $name (exit $status):"
    sed 's/^/      /' "$log" | tail -n 25
  fi
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds or time is up.
wait_for() {
  local limit=$1
  shift
  local deadline=$((SECONDS + limit))
  until "$@" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

apt_tools() {
  # Tools for the desktop checks, from Debian; only as root, and never fatal.
  local wanted=() tool package
  for pair in desktop-file-validate:desktop-file-utils appstreamcli:appstream Xvfb:xvfb \
              xwininfo:x11-utils; do
    tool=${pair%%:*}
    package=${pair#*:}
    command -v "$tool" >/dev/null 2>&1 || wanted+=("$package")
  done
  [ ${#wanted[@]} -gt 0 ] || return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "smoke: missing ${wanted[*]}; install with: sudo apt-get install -y ${wanted[*]}"
    return 0
  fi
  echo "smoke: installing ${wanted[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 \
         && apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null 2>&1; } \
    || echo "smoke: apt-get could not install ${wanted[*]}"
}

# ----------------------------------------------------------------------------- checks

build_package() {
  if [ "${SMOKE_SKIP_BUILD:-}" = "1" ] && [ -x "$BIN" ]; then
    echo "using the existing build (SMOKE_SKIP_BUILD=1)"
    return 0
  fi
  make --no-print-directory package
}

bundle_contents() {
  local internal="$DIST/_internal" missing=0 path
  for path in \
      "temporalio/bridge/temporal_sdk_bridge*.so" \
      "PySide6/Qt/plugins/platforms/libqxcb.so" \
      "PySide6/Qt/plugins/platforms/libqoffscreen.so" \
      "PySide6/Qt/plugins/imageformats/libqsvg.so" \
      "PySide6/Qt/plugins/imageformats/libqjpeg.so" \
      "PySide6/Qt/plugins/iconengines/libqsvgicon.so" \
      "inspector/resources/icon.svg" \
      "inspector/resources/icons/payload-inspector-512.png" \
      "inspector/resources/samples/history.json" \
      "botocore/data/endpoints.json" \
      "botocore/data/s3/2006-03-01/service-2.json*"; do
    if ! compgen -G "$internal/$path" >/dev/null; then
      echo "missing from the bundle: $path"
      missing=1
    fi
  done
  local unwanted
  unwanted=$(find "$DIST" \( -iname '*WebEngine*' -o -name 'libQt6Quick*' -o -name 'libQt6Qml*' \
      -o -name 'libQt63D*' -o -name 'libQt6Multimedia*' -o -name 'libQt6Pdf*' \
      -o -name 'libgtk-3*' -o -path '*/pytest*' -o -path '*/moto/*' -o -path '*/playwright/*' \
      -o -path '*/hypothesis/*' -o -path '*/botocore/data/ec2*' \) -print | head -n 10)
  if [ -n "$unwanted" ]; then
    echo "in the bundle but not needed:"
    echo "$unwanted"
    missing=1
  fi
  "$PY" packaging/smoke_checks.py pyz-modules build/pyinstaller/payload-inspector/PYZ-00.toc \
    || missing=1
  local size_mb
  size_mb=$(du -sm "$DIST" | cut -f1)
  if [ "$size_mb" -gt "$SIZE_BUDGET_MB" ]; then
    echo "the build is ${size_mb} MB, over its ${SIZE_BUDGET_MB} MB budget"
    missing=1
  fi
  [ $missing -eq 0 ] && echo "bridge, Qt plugins, resources present; nothing unwanted; ${size_mb} MB"
}

same_version() {
  local frozen source
  frozen=$("$BIN" --version)
  source=$("$SRC" --version)
  echo "frozen: $frozen; source: $source"
  [ "$frozen" = "$source" ]
}

# same_decode LABEL ARGS...: frozen and source `decode ARGS` print the same document.
same_decode() {
  local label=$1
  shift
  "$BIN" decode "$@" >"$WORK/$label.frozen.out"
  "$SRC" decode "$@" >"$WORK/$label.source.out"
  "$PY" packaging/smoke_checks.py same-output "$WORK/$label.frozen.out" "$WORK/$label.source.out"
}

# same_decode_stdin LABEL FILE: both read the document from stdin (`decode -`).
same_decode_stdin() {
  "$BIN" decode - <"$2" >"$WORK/$1.frozen.out"
  "$SRC" decode - <"$2" >"$WORK/$1.source.out"
  "$PY" packaging/smoke_checks.py same-output "$WORK/$1.frozen.out" "$WORK/$1.source.out"
}

# same_failure LABEL EXPECTED_EXIT ARGS...: same exit code and stderr, and no traceback.
same_failure() {
  local label=$1 expected=$2
  shift 2
  local frozen_rc=0 source_rc=0
  "$BIN" decode "$@" >/dev/null 2>"$WORK/$label.frozen.err" || frozen_rc=$?
  "$SRC" decode "$@" >/dev/null 2>"$WORK/$label.source.err" || source_rc=$?
  if [ "$frozen_rc" -ne "$expected" ] || [ "$source_rc" -ne "$expected" ]; then
    echo "exit codes: frozen $frozen_rc, source $source_rc, expected $expected"
    return 1
  fi
  if grep -q Traceback "$WORK/$label.frozen.err"; then
    echo "the frozen app printed a traceback:"
    cat "$WORK/$label.frozen.err"
    return 1
  fi
  cmp -s "$WORK/$label.frozen.err" "$WORK/$label.source.err" || {
    echo "stderr differs:"
    diff "$WORK/$label.frozen.err" "$WORK/$label.source.err" || true
    return 1
  }
  echo "both exit $expected: $(head -n 1 "$WORK/$label.frozen.err")"
}

python_plugin() {
  # A profile's `python` codec is the user's module on PYTHONPATH, in the frozen app too.
  local dir="$WORK/plugin"
  "$PY" packaging/smoke_checks.py plugin-document "$SAMPLES/payloads.json" "$dir"
  PYTHONPATH="$dir" "$BIN" decode "$dir/plugin-payloads.json" --config "$dir/plugin.toml" \
    >"$WORK/plugin.frozen.out"
  PYTHONPATH="$dir" "$SRC" decode "$dir/plugin-payloads.json" --config "$dir/plugin.toml" \
    >"$WORK/plugin.source.out"
  "$PY" packaging/smoke_checks.py same-json "$WORK/plugin.frozen.out" "$SAMPLES/payloads.json"
  "$PY" packaging/smoke_checks.py same-output "$WORK/plugin.frozen.out" "$WORK/plugin.source.out"
}

s3_roundtrip() {
  if ! "$PY" -c "import moto, tests.support.s3" 2>/dev/null; then
    echo "moto is not installed in .venv (make test installs it)"
    return 77
  fi
  timeout 300 "$PY" packaging/smoke_s3.py "$BIN" "$SRC" "$WORK"
}

screenshot_offscreen() {
  local shot="$OUT/frozen-screenshot.png" reference="$WORK/source-screenshot.png"
  local pointer="/events/9/activityTaskCompletedEventAttributes/result/payloads/0"
  local args=("$SAMPLES/history-external-storage.json" --config "$SAMPLES/config.toml"
              --view refs --select "$pointer")
  timeout 120 "$BIN" screenshot "${args[@]}" -o "$shot"
  timeout 120 "$SRC" screenshot "${args[@]}" -o "$reference"
  "$PY" packaging/smoke_checks.py png "$shot" --like "$reference"
}

serve_decode() {
  local out="$WORK/serve.out" err="$WORK/serve.err"
  local pointer="/events/9/activityTaskCompletedEventAttributes/result"
  "$PY" packaging/smoke_checks.py payloads-at "$SAMPLES/history-external-storage.json" \
    "$pointer" "$WORK/body.json"
  "$SRC" decode "$WORK/body.json" --config "$SAMPLES/config.toml" >"$WORK/body.decoded.json"
  "$BIN" serve --port 0 --config "$SAMPLES/config.toml" >"$out" 2>"$err" &
  local pid=$!
  started "$pid"
  if ! wait_for "$WAIT_SECONDS" grep -q "^listening on http://" "$out"; then
    echo "serve printed no 'listening on' line within ${WAIT_SECONDS}s:"
    cat "$out" "$err"
    return 1
  fi
  local url
  url=$(sed -n 's/^listening on //p' "$out" | head -n 1)
  "$PY" packaging/smoke_checks.py serve-decode "$url" "$WORK/body.json" "$WORK/body.decoded.json"
  kill -TERM "$pid"
  if ! wait_for 10 bash -c "! kill -0 $pid"; then
    echo "serve did not stop within 10s of SIGTERM"
    return 1
  fi
  grep -q '"path":"/decode"' "$err" || grep -q '"path": "/decode"' "$err" || {
    echo "no /decode line in the request log"
    return 1
  }
  echo "served $url; /decode answered as decode prints; stopped on SIGTERM"
}

gui_on_xvfb() {
  if ! command -v Xvfb >/dev/null 2>&1 || ! command -v xwininfo >/dev/null 2>&1; then
    echo "Xvfb or xwininfo missing (apt-get install xvfb x11-utils)"
    return 77
  fi
  Xvfb -displayfd 9 -screen 0 1440x900x24 -nolisten tcp 9>"$WORK/display" 2>"$WORK/xvfb.err" &
  started "$!"
  if ! wait_for "$WAIT_SECONDS" test -s "$WORK/display"; then
    echo "Xvfb did not start: $(cat "$WORK/xvfb.err")"
    return 1
  fi
  local display
  display=":$(head -n 1 "$WORK/display")"
  DISPLAY="$display" QT_QPA_PLATFORM=xcb "$BIN" gui "$SAMPLES/history.json" \
    >"$WORK/gui.out" 2>"$WORK/gui.err" &
  local pid=$!
  started "$pid"
  # The main window: titled "... Payload Inspector", class payload-inspector (Qt also maps
  # 1x1 helper windows with the app's name).
  local pattern='Payload Inspector": ("payload-inspector"'
  if ! wait_for "$WAIT_SECONDS" bash -c \
      "DISPLAY=$display xwininfo -root -tree | grep -qF '$pattern'"; then
    echo "no 'Payload Inspector' main window on $display within ${WAIT_SECONDS}s:"
    cat "$WORK/gui.err"
    return 1
  fi
  local line window_id geometry
  line=$(DISPLAY="$display" xwininfo -root -tree | grep -F "$pattern" | head -n 1)
  window_id=$(awk '{print $1}' <<<"$line")
  geometry=$(grep -oE '[0-9]+x[0-9]+\+' <<<"$line" | head -n 1 | tr -d +)
  if ! wait_for 10 bash -c \
      "DISPLAY=$display xprop -id $window_id _NET_WM_ICON | grep -q 'Icon ('"; then
    echo "the main window ($window_id) carries no icon (_NET_WM_ICON)"
    return 1
  fi
  if command -v import >/dev/null 2>&1 && import -version 2>/dev/null | grep -q ImageMagick; then
    sleep 1  # let the first paint land before the grab
    DISPLAY="$display" import -window root "$OUT/frozen-gui-xvfb.png" 2>/dev/null || true
  fi
  kill -INT "$pid"  # the app closes its window on Ctrl+C and exits
  if ! wait_for 15 bash -c "! kill -0 $pid"; then
    echo "the GUI did not exit within 15s of SIGINT"
    return 1
  fi
  if grep -q "Could not load the Qt platform plugin" "$WORK/gui.err"; then
    cat "$WORK/gui.err"
    return 1
  fi
  echo "xcb main window $window_id mapped, $geometry, with its icon; exited on SIGINT"
}

desktop_files() {
  local tools=0
  if command -v desktop-file-validate >/dev/null 2>&1; then
    desktop-file-validate packaging/linux/payload-inspector.desktop
    tools=$((tools + 1))
  fi
  if command -v appstreamcli >/dev/null 2>&1; then
    appstreamcli validate --no-net --explain \
      packaging/linux/io.github.payload_inspector.PayloadInspector.metainfo.xml
    tools=$((tools + 1))
  fi
  if [ $tools -lt 2 ]; then
    echo "desktop-file-validate or appstreamcli missing (apt-get install desktop-file-utils appstream)"
    return 77
  fi
  echo "desktop entry and metainfo valid"
}

install_desktop() {
  local home="$WORK/home" data="$WORK/home/share" size
  mkdir -p "$home"
  HOME="$home" XDG_DATA_HOME="$data" bash packaging/linux/install-desktop.sh
  local entry="$data/applications/payload-inspector.desktop"
  test -f "$entry"
  for size in 16 24 32 48 64 128 256 512; do
    test -f "$data/icons/hicolor/${size}x${size}/apps/payload-inspector.png"
  done
  test -f "$data/icons/hicolor/scalable/apps/payload-inspector.svg"
  test -f "$data/metainfo/io.github.payload_inspector.PayloadInspector.metainfo.xml"
  grep -q '^MimeType=application/json;' "$entry"
  if command -v desktop-file-validate >/dev/null 2>&1; then
    desktop-file-validate "$entry"
  fi
  local exec_path
  exec_path=$(sed -n 's/^TryExec=//p' "$entry")
  "$exec_path" --version
  HOME="$home" XDG_DATA_HOME="$data" bash packaging/linux/install-desktop.sh --uninstall
  if [ -e "$entry" ] || [ -e "$exec_path" ]; then
    echo "uninstall left $entry or $exec_path behind"
    return 1
  fi
  echo "installed (entry starts $exec_path, 8 icon sizes + SVG, metainfo), then removed"
}

# ----------------------------------------------------------------------------- run

test -x "$SRC" || { echo "smoke: no source install in .venv: run 'make test' first" >&2; exit 2; }
apt_tools
check "make package" build_package
if [ ! -x "$BIN" ]; then
  echo "smoke: no build to check"
  echo "smoke: $passed passed, $((failed + 1)) failed"
  exit 1
fi
check "bundle contents" bundle_contents
check "--version" same_version
check "decode payloads.json" same_decode payloads "$SAMPLES/payloads.json"
check "decode history.json" same_decode history "$SAMPLES/history.json"
check "decode history.json --readable" same_decode readable "$SAMPLES/history.json" --readable
check "decode external storage" same_decode stored \
  "$SAMPLES/history-external-storage.json" --config "$SAMPLES/config.toml"
check "decode external storage --view refs" same_decode stored-refs \
  "$SAMPLES/history-external-storage.json" --config "$SAMPLES/config.toml" --view refs
check "decode from stdin" same_decode_stdin stdin "$SAMPLES/history.json"
check "decode: bad input exits 2" same_failure missing 2 "$WORK/no-such-file.json"
check "decode: lost blob exits 3" same_failure lost 3 "$SAMPLES/history-external-storage.json"
check "decode with a python codec plugin" python_plugin
check "decode through S3 (moto)" s3_roundtrip
check "screenshot offscreen" screenshot_offscreen
check "serve answers /decode" serve_decode
check "gui on Xvfb (xcb)" gui_on_xvfb
check "desktop entry + metainfo" desktop_files
check "install-desktop" install_desktop

echo "smoke: screenshots in ${OUT#"$ROOT"/}/"
[ $failed -eq 0 ] || echo "smoke: failed: ${failures[*]}"
if [ $skipped -gt 0 ]; then
  echo "smoke: $passed passed, $failed failed, $skipped skipped"
else
  echo "smoke: $passed passed, $failed failed"
fi
[ $failed -eq 0 ]
