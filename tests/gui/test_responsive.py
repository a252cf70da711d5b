"""Never frozen: a 50 MiB history export loads while the loop keeps ticking."""

from __future__ import annotations

import copy
import itertools
import json
import time
from pathlib import Path

from PySide6.QtCore import QTimer

from inspector.gui.resources import SAMPLES_DIR
from tests.gui.conftest import Runner, WindowFactory, settle

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


def test_50_mib_history_loads_without_freezing(
    make_window: WindowFactory, run: Runner, tmp_path: Path
) -> None:
    path = tmp_path / "big-history.json"
    _big_history(path)
    assert path.stat().st_size >= TARGET_BYTES
    window = make_window()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    started = time.perf_counter()
    window.open_path(path)
    run(settle(window, timeout=300), timeout=320)
    elapsed = time.perf_counter() - started
    timer.stop()
    tab = window.current_tab()
    assert tab is not None and tab.loaded is not None and tab.is_current
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    stall = max(gaps, default=elapsed)
    print(
        f"50 MiB: {tab.model.rowCount():,} payloads in {elapsed:.1f}s, longest stall {stall:.3f}s"
    )
    assert tab.model.rowCount() > 25_000
    assert stall < MAX_STALL_SECONDS, f"the loop stalled {stall:.2f}s while loading"
