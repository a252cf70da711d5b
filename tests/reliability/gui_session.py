"""A scripted GUI session in its own process, for the reliability tests.

``python -m tests.reliability.gui_session session CONFIG INPUT OUT_DIR SETTINGS``: open INPUT
in the real main window (offscreen), show it in every view, export each view and save an
audit screenshot of each, with settings in an INI file — what a user does in a sitting.

``python -m tests.reliability.gui_session disk-full DIR``: with the file size limit set
below what the next write needs (``RLIMIT_FSIZE``, so the failure happens inside Qt's C++ as
much as in Python), try to replace an export, the settings and a screenshot; each must fail
cleanly and leave the previous file whole and no temp file behind.

Both print one JSON line with what they did; a separate process keeps Qt, qasync and the
file size limit away from the test process.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def session(config: Path, document: Path, out: Path, settings_path: Path) -> dict[str, Any]:
    import qasync

    from inspector.gui.app import create_application
    from inspector.gui.main_window import MainWindow
    from inspector.gui.settings import AppSettings
    from inspector.views import VIEWS

    app = create_application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    settings = AppSettings.at(settings_path)
    window = MainWindow(config_path=str(config), settings=settings)
    window.resize(1200, 800)
    done: dict[str, Any] = {"exports": [], "screenshots": []}

    async def main() -> None:
        window.show()
        tab = window.open_path(document)
        await window.runner.wait_idle(timeout=120)
        for view in VIEWS:
            window.set_view(view)
            await window.runner.wait_idle(timeout=120)
            export = out / f"{view}.json"
            await asyncio.wait_for(window.export(tab, export), 120)
            done["exports"].append(str(export))
            shot = window.save_screenshot(out / f"{view}.png")
            done["screenshots"].append(str(shot))
        settings.sync()

    try:
        loop.run_until_complete(main())
    finally:
        loop.run_until_complete(window.shutdown())
        window.close()
        loop.close()
    return done


def disk_full(directory: Path) -> dict[str, Any]:
    from PySide6.QtGui import QColor, QImage

    from inspector.gui.app import create_application
    from inspector.gui.audit import ScreenshotError, save_png
    from inspector.gui.saving import write_atomically
    from inspector.gui.settings import AppSettings

    create_application()
    export, settings_file, png = (directory / n for n in ("export.json", "s.ini", "shot.png"))
    write_atomically(export, json.dumps({"before": True}))
    settings = AppSettings.at(settings_file)
    for i in range(10):  # settings of some size: a truncated copy would still parse
        settings.add_recent_file(directory / f"{i}-{'y' * 200}.json")
    settings.sync()
    small = QImage(8, 8, QImage.Format.Format_RGB32)
    small.fill(QColor("white"))
    save_png(small, png)
    before = {p.name: p.read_bytes() for p in (export, settings_file, png)}

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    limit = 16 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))  # soft: it can be lifted again
    result: dict[str, Any] = {}
    try:
        write_atomically(export, json.dumps({"after": "x" * 4 * limit}))
        result["export"] = "written"
    except OSError as e:
        result["export"] = f"OSError {e.errno}"
    settings.set_last_profile("p" * 4 * limit)
    settings.sync()
    error = getattr(settings._store, "last_error", "no error reported")
    result["settings"] = f"not written: {error}" if error else "written"
    noise = os.urandom(600 * 600 * 4)  # random pixels: the PNG cannot shrink below the limit
    big = QImage(noise, 600, 600, QImage.Format.Format_RGB32)
    try:
        save_png(big, png)
        result["screenshot"] = "written"
    except ScreenshotError as e:
        result["screenshot"] = f"ScreenshotError: {e}"
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
    after = {p.name: p.read_bytes() for p in (export, settings_file, png)}
    result["unchanged"] = sorted(n for n in before if before[n] == after[n])
    result["files"] = sorted(p.name for p in directory.iterdir())
    return result


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "session":
        config, document, out, settings_path = map(Path, args)
        print(json.dumps(session(config, document, out, settings_path)), flush=True)
    elif mode == "disk-full":
        print(json.dumps(disk_full(Path(args[0]))), flush=True)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
