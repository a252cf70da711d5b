"""Part 3's measuring process: the real app (``run_gui``), offscreen, watched from inside.

``cold``: from the parent's ``time.time()`` just before it started this process to the
first paint of the main window, then the window is closed. ``history``: once the window
is shown, the file is opened as File → Open does (``MainWindow.open_path``); a 10 ms
``QTimer`` heartbeat records its largest gap until every payload is decoded; the first row
is when the payload list has rows, all decoded when the tab's results are current. Peak
RSS is the process's ``VmHWM``. The result is one JSON line on stdout.

Usage: ``python -m bench.gui_probe cold T0 CONFIG`` or ``... history FILE CONFIG``
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

HEARTBEAT_MS = 10
DEADLINE_S = 240.0


def _status(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    return 0


def rss_bytes() -> int:
    return _status("VmRSS:")


def peak_rss_bytes() -> int:
    """This process's own peak (VmHWM). Not ``ru_maxrss``: Linux carries that over from the
    parent across fork and exec, so a big parent would be measured instead of the app."""
    return _status("VmHWM:")


def main() -> None:
    mode, arg, config = sys.argv[1], sys.argv[2], sys.argv[3]
    # Imported here, so that a cold start counts the app's own imports.
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from inspector.gui.app import create_application, run_gui
    from inspector.gui.main_window import MainWindow

    app = create_application(sys.argv[:1])  # run_gui reuses it
    result: dict[str, Any] = {}

    def main_window() -> MainWindow | None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                return widget
        return None

    class FirstPaint(QObject):
        """Calls ``then`` once, at the first paint of anything in the main window."""

        def __init__(self, then: Any) -> None:
            super().__init__()
            self.then = then
            self.done = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (
                not self.done
                and event.type() == QEvent.Type.Paint
                and isinstance(watched, QWidget)
                and isinstance(watched.window(), MainWindow)
            ):
                self.done = True
                QTimer.singleShot(0, self.then)
            return False

    if mode == "cold":
        started = float(arg)

        def shown() -> None:
            result["cold_start_s"] = time.time() - started
            window = main_window()
            if window is not None:
                window.close()

        watcher = FirstPaint(shown)
    else:
        path = Path(arg)
        heartbeat = QTimer()
        state: dict[str, float] = {}

        def tick() -> None:
            now = time.perf_counter()
            if "opened" in state and "all_decoded" not in result:
                gap = 1000 * (now - state["last"])
                result["max_stall_ms"] = max(result.get("max_stall_ms", 0.0), gap)
                gaps = result.setdefault("longest_gaps", [])
                gaps.append((round(gap, 1), round(state["last"] - state["opened"], 3)))
                gaps.sort(reverse=True)
                del gaps[5:]
            state["last"] = now
            window = main_window()
            tab = window.current_tab() if window is not None else None
            if "opened" not in state or tab is None:
                return
            elapsed = now - state["opened"]
            if "first_row_s" not in result and tab.model.rowCount() > 0 and tab.isVisible():
                result["first_row_s"] = elapsed
                result["rss_first_row_bytes"] = rss_bytes()
                result["peak_first_row_bytes"] = peak_rss_bytes()
            if "all_decoded_s" not in result and tab.is_current:
                result["all_decoded_s"] = elapsed
                result["all_decoded"] = True
            if "all_decoded_s" in result or elapsed > DEADLINE_S:
                heartbeat.stop()
                result["rss_after_bytes"] = rss_bytes()
                window.close()

        def shown() -> None:
            window = main_window()
            assert window is not None
            result["idle_rss_bytes"] = rss_bytes()
            state["last"] = state["opened"] = time.perf_counter()
            window.open_path(path)

        heartbeat.timeout.connect(tick)
        heartbeat.start(HEARTBEAT_MS)
        watcher = FirstPaint(shown)

    app.installEventFilter(watcher)
    run_gui(config=config)
    result["peak_rss_bytes"] = peak_rss_bytes()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
