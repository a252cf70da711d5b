"""Start the app: one QApplication, one qasync loop for Qt and asyncio, one main window.

Everything async (the pipeline, downloads, the codec server) runs on that loop; CPU work
inside it goes to threads. Closing the window stops the server and closes the pipelines
before the loop ends.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import qasync
from PySide6.QtCore import QCoreApplication, QMessageLogContext, QTimer, QtMsgType
from PySide6.QtWidgets import QApplication

from inspector import __version__

from . import none_guard
from .collector import MainThreadCollector
from .main_window import MainWindow
from .resources import app_icon

ORGANIZATION = "payload-inspector"
SWITCH_INTERVAL = 0.0005  # seconds a thread may hold the GIL when another asks for it
APPLICATION = "Payload Inspector"


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication (reused if one exists), named so QSettings has a home.

    Every window of the app (``gui``, ``screenshot``) starts here, so this is where the
    ``None`` guard gets its timer (see ``none_guard``: a leaking Qt binding would otherwise
    abort a long session on Python 3.11).
    """
    # Worker threads run Python (parsing, grouping events) while the GUI thread paints, and
    # every Python call of a paint (a model's data(), a delegate) waits for the GIL: at the
    # default 5 ms switch interval painting a table took a second; 0.5 ms keeps it short.
    sys.setswitchinterval(SWITCH_INTERVAL)
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    existing = QApplication.instance()
    app = (
        existing
        if isinstance(existing, QApplication)
        else QApplication(list(argv or ["payload-inspector"]))
    )
    app.setWindowIcon(app_icon())
    app.setDesktopFileName("payload-inspector")
    none_guard.install(app)
    return app


_NOISE = ("does not support propagateSizeHints",)


def quiet_offscreen(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """A Qt message handler dropping the offscreen platform's harmless chatter."""
    if not any(noise in message for noise in _NOISE):
        print(message, file=sys.stderr)


def run_gui(files: Sequence[str] = (), config: str | None = None) -> int:
    """``payload-inspector gui [FILE...] [--config P]``: runs until the window closes."""
    # Ctrl+C in the terminal closes the window like the close button does. The handler comes
    # first, and ``closed`` is connected before the window can close, so a Ctrl+C during
    # start-up is neither lost nor missed; the ticker gives Python a moment now and then to
    # notice the signal while Qt runs.
    window: MainWindow | None = None
    interrupted = False

    def on_sigint(*_: object) -> None:
        nonlocal interrupted
        interrupted = True
        if window is not None:
            window.close()

    signal.signal(signal.SIGINT, on_sigint)
    app = create_application(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)  # the loop ends after shutdown, not before
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    collector = MainThreadCollector(app)
    closed = asyncio.Event()
    window = MainWindow(config_path=config)
    window.closed.connect(closed.set)
    window.show()
    window.open_paths([Path(f) for f in files])
    if interrupted:
        window.close()
    ticker = QTimer()
    ticker.start(250)
    ticker.timeout.connect(lambda: None)
    with loop:
        loop.run_until_complete(closed.wait())
        loop.run_until_complete(window.shutdown())
    collector.stop()
    return 0
