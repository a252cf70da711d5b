"""The measuring process of ``test_responsive``: the app in a fresh interpreter, as a user
starts it, opening a big history while a 10 ms timer ticks; prints the longest gap as JSON.

A process of its own, so that what earlier tests left in the test process (their heap, their
threads) is not counted as the app's.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    import qasync
    from PySide6.QtCore import QTimer

    from inspector.gui.app import create_application
    from inspector.gui.collector import MainThreadCollector
    from inspector.gui.main_window import MainWindow
    from inspector.gui.settings import AppSettings

    path = Path(sys.argv[1])
    app = create_application(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    collector = MainThreadCollector(app)
    window = MainWindow(settings=AppSettings.ephemeral())
    window.resize(1400, 860)
    window.show()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))

    async def run() -> dict[str, object]:
        await asyncio.sleep(0.2)  # the window is up before the clock starts
        timer.start()
        started = time.perf_counter()
        tab = window.open_path(path)
        await window.runner.wait_idle(timeout=300)
        for _ in range(4):
            await asyncio.sleep(0.02)
        timer.stop()
        gaps = [b - a for a, b in itertools.pairwise(ticks)]
        return {
            "rows": tab.model.rowCount(),
            "current": bool(tab.loaded is not None and tab.is_current),
            "seconds": time.perf_counter() - started,
            "stall": max(gaps, default=0.0),
        }

    result = loop.run_until_complete(run())
    print(json.dumps(result), flush=True)
    collector.stop()
    os._exit(0)  # the window and its threads need no orderly exit here


if __name__ == "__main__":
    main()
