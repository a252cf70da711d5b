"""The GUI's search: the GUI thread's time per keystroke in the search box on a history of
13,000 payloads, and the time a search over the ~100 MB history takes (values decoded through
the gzip profile) once it is open: when every payload is decoded and when the values' index,
built ahead of any search, is ready; then the first search and one again.

Targets: at most 16 ms of GUI-thread time per keystroke; at most 1 s per search over the
100 MB history. Run in one offscreen process: ``python -m bench.search_bench [--quick]``
prints one JSON object; ``bench.run`` runs it in a child process (``run_in_child``) and puts
it in the README's table.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

KEYSTROKE_PAYLOADS = 13_000
QUERY = "ORDER-12345"
TYPING_ROUNDS = 5


def _small_history(count: int) -> dict[str, Any]:
    """``count`` ActivityTaskScheduled events, a json/plain input each; one holds QUERY."""
    encoding = base64.b64encode(b"json/plain").decode()
    events = []
    for i in range(count):
        value = {"order_id": f"ORDER-{i:05d}", "customer": {"id": str(i % 977)}, "n": i}
        data = base64.b64encode(json.dumps(value).encode()).decode()
        events.append(
            {
                "eventId": str(i + 1),
                "eventTime": "2026-12-01T12:00:00Z",
                "eventType": "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED",
                "activityTaskScheduledEventAttributes": {
                    "activityId": str(i),
                    "activityType": {"name": "bench_activity"},
                    "input": {"payloads": [{"metadata": {"encoding": encoding}, "data": data}]},
                },
            }
        )
    return {"events": events}


async def _until(predicate: Any, timeout: float = 120.0) -> float:  # noqa: ASYNC109
    started = time.perf_counter()
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - a widget state no one signals
            await asyncio.sleep(0.005)
    return time.perf_counter() - started


def _documents(scratch: Path, quick: bool) -> dict[str, Any]:
    """The two histories and the big one's config (made before the GUI's loop runs)."""
    from bench import history

    small = scratch / "small.json"
    count = 2_000 if quick else KEYSTROKE_PAYLOADS
    small.write_text(json.dumps(_small_history(count)))
    big, store = scratch / "big.json", scratch / "store"
    facts = history.write_history(big, store, 500 if quick else history.PAYLOADS)
    config = scratch / "config.toml"
    config.write_text(history.config_toml(store))
    return {"small": small, "count": count, "big": big, "facts": facts, "config": config}


async def _measure(docs: dict[str, Any]) -> dict[str, Any]:
    from PySide6.QtTest import QTest

    from bench.gui_probe import rss_bytes
    from inspector.gui.inspector_page import SEARCH_PAUSE_MS
    from inspector.gui.main_window import MainWindow
    from inspector.gui.settings import AppSettings

    small, count, big, facts, config = (
        docs[k] for k in ("small", "count", "big", "facts", "config")
    )

    window = MainWindow(config_path=config, settings=AppSettings.ephemeral())
    window.resize(1440, 900)
    window.show()
    try:
        tab = window.open_path(small)
        await window.runner.wait_idle(timeout=300)
        tab.filter_edit.setFocus()
        strokes: list[float] = []
        searches: list[float] = []
        page = tab.inspector_page
        for _ in range(TYPING_ROUNDS):
            tab.filter_edit.clear()
            page.matches = [-1]  # a value no search gives: the answer replaces it
            for char in QUERY:
                started = time.perf_counter()
                QTest.keyClick(tab.filter_edit, char)
                strokes.append(time.perf_counter() - started)
            searches.append(await _until(lambda: page.matches != [-1]))
            await window.runner.wait_idle(timeout=120)
        small_matches = len(tab.inspector_page.matches)

        before = rss_bytes()
        started = time.perf_counter()
        big_tab = window.open_path(big)
        decoded = await _until(lambda: big_tab.is_current, timeout=600)
        decoded_rss = rss_bytes()
        await window.runner.wait_idle(timeout=600)  # the values' index, built ahead
        indexed = time.perf_counter() - started
        indexed_rss = rss_bytes()
        index = big_tab._index[1].result() if big_tab._index is not None else []
        timings = []
        for text in ("ORDER", "zzz-nowhere", "ORDER"):
            big_tab.inspector_page.matches = [-1]  # a value no search gives
            started = time.perf_counter()
            big_tab.filter_edit.setText(text)
            await _until(lambda: big_tab.inspector_page.matches != [-1], timeout=600)
            timings.append(time.perf_counter() - started)
        return {
            "keystroke_payloads": count,
            "keystroke_ms_median": round(statistics.median(strokes) * 1000, 2),
            "keystroke_ms_max": round(max(strokes) * 1000, 2),
            "search_small_s_median": round(statistics.median(searches), 3),
            "small_matches": small_matches,
            "big_payloads": facts["payloads"],
            "big_file_mib": round(facts["file_bytes"] / 2**20, 1),
            "big_decoded_s": round(decoded, 2),
            "big_index_ready_s": round(indexed, 2),
            "big_index_mib": round(sum(len(i.value_bytes) for i in index) / 2**20, 1),
            "big_rss_decoded_mib": round((decoded_rss - before) / 2**20),
            "big_rss_indexed_mib": round((indexed_rss - before) / 2**20),
            "big_first_search_s": round(timings[0], 2),
            "big_search_s": round(min(timings[1:]), 2),
            "pause_ms": SEARCH_PAUSE_MS,
        }
    finally:
        await window.shutdown()
        window.close()


def run(scratch: Path, quick: bool = False) -> dict[str, Any]:
    import qasync

    from inspector.gui.app import create_application
    from inspector.gui.collector import MainThreadCollector

    docs = _documents(scratch, quick)
    app = create_application(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    collector = MainThreadCollector(app)
    try:
        return loop.run_until_complete(_measure(docs))
    finally:
        collector.stop()


def run_in_child(quick: bool = False) -> dict[str, Any]:
    """This benchmark in a fresh offscreen process (a Qt application per process), its answer."""
    import subprocess

    command = [sys.executable, "-m", "bench.search_bench", *(["--quick"] if quick else [])]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"bench.search_bench failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller documents, for a try")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="inspector-search-bench-") as tmp:
        print(json.dumps(run(Path(tmp), args.quick)), flush=True)
    os._exit(0)  # the Qt application and its threads need no orderly exit here


if __name__ == "__main__":
    main()
