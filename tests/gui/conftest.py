"""GUI test fixtures: offscreen Qt, one qasync loop per test, isolated settings and config.

pytest-qt owns the QApplication (``qapp``); each test wraps it in a fresh
``qasync.QEventLoop`` and drives coroutines with ``run(...)`` (``loop.run_until_complete``
bounded by a timeout), so the pipeline, the server and the widgets share one loop exactly as
in the app. Tests never call ``processEvents()`` inside a coroutine (that would re-enter the
loop); waiting is ``await asyncio.sleep`` / ``runner.wait_idle``.

Nothing touches the user's files: the app's settings go to a file in ``tmp_path`` (and any
QSettings too), and the config and data dirs (the embedded default's store) point into
``tmp_path`` as well.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from inspector.gui.collector import MainThreadCollector
from inspector.gui.main_window import MainWindow
from inspector.gui.settings import AppSettings

T = TypeVar("T")
DEFAULT_TIMEOUT = 60.0
_CLOSED_LOOPS: list[qasync.QEventLoop] = []


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Config, data and QSettings of this test live in its tmp_path."""
    home = tmp_path / "user"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("PAYLOAD_INSPECTOR_CONFIG", raising=False)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(home / "qt"))
    return home


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """A qasync loop over pytest-qt's QApplication, set as the current loop, with the
    app's GUI-thread garbage collection (see ``inspector.gui.collector``)."""
    qapp.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    collector = MainThreadCollector()
    try:
        yield loop
    finally:
        collector.stop()
        if not loop.is_closed():
            loop.close()
        asyncio.set_event_loop(None)
        # Kept: a closed loop's Qt objects (its timer, its signaller) must not be deleted
        # while Qt may still hold events or timers for them (posted by worker threads of
        # the test that were finishing as it ended); deleting them crashed later tests.
        _CLOSED_LOOPS.append(loop)


Runner = Callable[..., Any]


@pytest.fixture
def run(qloop: qasync.QEventLoop) -> Runner:
    """``run(coro, timeout=60)``: drive a coroutine on the test's loop, bounded."""

    def _run(coro: Coroutine[Any, Any, T], timeout: float = DEFAULT_TIMEOUT) -> T:
        return qloop.run_until_complete(asyncio.wait_for(coro, timeout))

    return _run


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "settings.ini"


WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def make_window(
    qloop: qasync.QEventLoop, run: Runner, settings_path: Path
) -> Iterator[WindowFactory]:
    """``make_window(config=None)``: a shown main window on temp settings; shut down after."""
    windows: list[MainWindow] = []

    def make(config: Path | str | None = None, size: tuple[int, int] = (1400, 860)) -> MainWindow:
        window = MainWindow(config_path=config, settings=AppSettings.at(settings_path))
        window.resize(*size)
        window.show()
        windows.append(window)
        return window

    try:
        yield make
    finally:
        for window in windows:
            run(window.shutdown(), timeout=30)
            window.close()
            window.deleteLater()
        run(asyncio.sleep(0.01))  # deferred deletes happen now, on the GUI thread
        windows.clear()
        gc.collect()


async def settle(window: MainWindow, timeout: float = DEFAULT_TIMEOUT) -> None:  # noqa: ASYNC109
    """Until the window's background work is done and Qt had a moment to paint."""
    await window.runner.wait_idle(timeout=timeout)
    for _ in range(3):
        await asyncio.sleep(0.02)


async def wait_for(
    predicate: Callable[[], bool],
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
) -> None:
    """Poll ``predicate`` while the loop (and Qt) keeps running; TimeoutError if never true.

    Polling, not an Event: the conditions are widget states that no one signals.
    """
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.02)
