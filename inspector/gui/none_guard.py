"""Keep ``None`` alive on Python 3.11 whatever the Qt binding does to its reference count.

PySide6 6.12.0 on Python 3.11 drops a reference to ``None`` on calls whose Python result is
``None`` (void methods such as ``setFormat``, ``setCharFormat``, ``setForeground``, and an
invalid ``QVariant`` returned from ``data()``). The JSON
highlighter makes thousands of such calls per payload, so after some 70 row selections
``None``'s count reached zero and the interpreter aborted (``Fatal Python error:
none_dealloc``). ``pyproject.toml`` keeps that release out, but a user or a distribution
may still install it, so the app also holds a reserve of references to ``None`` and tops it
up whenever the count falls under a floor: a leaking binding then costs 8 bytes per lost
reference (a list slot) instead of the process. The app's reserve is never freed, not even
when the interpreter exits: freeing it then would hand the binding's debt back to ``None``
and abort the exit. Python 3.12 made ``None`` immortal (its count never falls), so there the
guard does nothing.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, QTimer

IMMORTAL_NONE = sys.version_info >= (3, 12)
FLOOR = 250_000  # far above what any one highlighted block or timer tick could lose
CHUNK = 250_000  # references added per top-up: 2 MB of list slots
INTERVAL_MS = 250
TIMER_NAME = "noneGuardTimer"


def _keep_forever(chunk: list[None]) -> None:
    """One reference nobody releases (the C API's ``Py_IncRef``): the chunk outlives the
    interpreter's teardown of modules, so its references to ``None`` are never dropped."""
    try:
        incref = ctypes.pythonapi.Py_IncRef
    except (AttributeError, OSError):  # no C API to reach: the reserve lasts until exit
        return
    incref.argtypes, incref.restype = [ctypes.py_object], None
    incref(chunk)


class NoneGuard:
    """A reserve of references to ``None``, topped up when ``None``'s count gets low."""

    def __init__(self, floor: int = FLOOR, chunk: int = CHUNK, *, forever: bool = False) -> None:
        self.floor = floor
        self.chunk = max(1, chunk)
        self.forever = forever  # the app's reserve; a test's may go with the guard
        self._reserve: list[list[None]] = []  # chunks, so a top-up never copies the rest
        self.added = 0  # references this guard holds (what it has topped up in all)

    def check(self) -> int:
        """Top up until ``None``'s count is at or above the floor; returns refs added."""
        if IMMORTAL_NONE:
            return 0
        added = 0
        while sys.getrefcount(None) < self.floor:
            chunk = [None] * self.chunk
            if self.forever:
                _keep_forever(chunk)
            self._reserve.append(chunk)
            added += self.chunk
        self.added += added
        return added


GUARD = NoneGuard(forever=True)  # the app's reserve: never freed


def check() -> None:
    """Cheap enough to call per highlighted block: one ``getrefcount`` and a compare."""
    if not IMMORTAL_NONE and sys.getrefcount(None) < GUARD.floor:
        GUARD.check()


def install(app: QObject) -> QTimer | None:
    """Top up now and then from a timer owned by ``app`` (once per app); None on 3.12+.

    The timer covers the Qt calls made outside the highlighter (which checks per block).
    """
    if IMMORTAL_NONE:
        return None
    GUARD.check()
    existing = app.findChild(QTimer, TIMER_NAME)
    if isinstance(existing, QTimer):
        return existing
    timer = QTimer(app)
    timer.setObjectName(TIMER_NAME)
    timer.timeout.connect(check)
    timer.start(INTERVAL_MS)
    return timer
