"""Garbage collection on the GUI thread only, and paused while big documents are built.

Python's cyclic collector runs in whichever thread happens to allocate. With work on
``asyncio.to_thread`` workers, that can be a worker collecting a cycle that holds a Qt
object, and a QWidget destroyed off the GUI thread crashes Qt. So the automatic collector
is off while the app runs, and a timer on the GUI thread collects instead, with the same
generation thresholds (the approach PyQt/PySide apps such as Pyzo use).

Building a 50 MiB document makes millions of objects, and every full collection walks
them all while holding the GIL, half a second each time. ``paused()`` suspends collection
while one is built and then moves the survivors to the permanent generation
(``gc.freeze``), so later collections skip them. Reference counting still frees a closed
document; only reference cycles would outlive it, and documents hold none.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500

_lock = threading.Lock()
_pauses = 0
_automatic_before_pause = False


@contextlib.contextmanager
def paused(active: bool = True) -> Iterator[None]:
    """No collection inside; the objects made meanwhile are frozen afterwards."""
    global _pauses, _automatic_before_pause
    if not active:
        yield
        return
    with _lock:
        if _pauses == 0:
            _automatic_before_pause = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            gc.freeze()
            if _pauses == 0 and _automatic_before_pause:
                gc.enable()


def is_paused() -> bool:
    return _pauses > 0


class MainThreadCollector(QObject):
    """Turns automatic collection off and collects from a GUI-thread timer instead."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds."""
        if is_paused():
            return
        counts = gc.get_count()
        generation = -1
        for i, (count, threshold) in enumerate(zip(counts, self._thresholds, strict=True)):
            if count > threshold:
                generation = i
        if generation >= 0:
            gc.collect(generation)

    def stop(self) -> None:
        """Back to automatic collection (tests, and the end of a headless render)."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
