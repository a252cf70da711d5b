"""Never frozen: a 50 MiB history export loads while the loop keeps ticking."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

from inspector.gui.resources import SAMPLES_DIR

REPO_ROOT = Path(__file__).resolve().parents[2]

TARGET_BYTES = 50 * 1024 * 1024
MAX_STALL_SECONDS = 0.25


def _big_history(path: Path) -> int:
    """The sample's real events repeated (ids renumbered) until the export is 50 MiB."""
    events = json.loads((SAMPLES_DIR / "history.json").read_text())["events"]
    size = sum(len(json.dumps(e, indent=2)) for e in events)
    copies = TARGET_BYTES // size + 1
    out = []
    for _ in range(copies):
        for event in events:
            clone = copy.deepcopy(event)
            clone["eventId"] = str(len(out) + 1)
            out.append(clone)
    path.write_text(json.dumps({"events": out}, indent=2))
    return len(out)


def test_50_mib_history_loads_without_freezing(tmp_path: Path) -> None:
    """Measured in a fresh app process (``responsive_probe``), as a user would open it."""
    path = tmp_path / "big-history.json"
    _big_history(path)
    assert path.stat().st_size >= TARGET_BYTES
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env.pop("PAYLOAD_INSPECTOR_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.gui.responsive_probe", str(path)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0 and lines, done.stderr[-2000:]
    result = json.loads(lines[-1])
    print(
        f"50 MiB: {result['rows']:,} payloads in {result['seconds']:.1f}s, "
        f"longest stall {result['stall']:.3f}s"
    )
    assert result["rows"] > 25_000 and result["current"]
    assert result["stall"] < MAX_STALL_SECONDS, f"the loop stalled {result['stall']:.2f}s"
