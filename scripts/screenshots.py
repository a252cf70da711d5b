"""Render the app's main states to ``docs/screenshots/*.png`` (run by ``make screenshots``).

Offscreen, on throwaway settings, with the shipped samples: the start page, a decoded
history (saved as an audit screenshot, caption included), the References view with a
reference card, an error on one payload (a store that lost the blob), the codec
server panel running with a few requests in its log, and a protobuf message read by field
name through the profile's descriptors.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The embedded default, with its store and config dirs in a temp dir: never the user's.
_XDG = tempfile.mkdtemp(prefix="inspector-screenshots-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_XDG, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_XDG, "data")
os.environ.pop("PAYLOAD_INSPECTOR_CONFIG", None)
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import qasync  # noqa: E402
from PySide6.QtCore import Qt, qInstallMessageHandler  # noqa: E402

from inspector.gui.app import create_application, quiet_offscreen  # noqa: E402
from inspector.gui.collector import MainThreadCollector  # noqa: E402
from inspector.gui.main_window import MainWindow  # noqa: E402
from inspector.gui.resources import SAMPLES_DIR  # noqa: E402
from inspector.gui.settings import AppSettings  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SIZE = (1440, 900)
HISTORY = SAMPLES_DIR / "history.json"
STORED = SAMPLES_DIR / "history-external-storage.json"
SAMPLE_CONFIG = SAMPLES_DIR / "config.toml"
PROTOBUF = SAMPLES_DIR / "protobuf.json"
PROTOBUF_CONFIG = SAMPLES_DIR / "protobuf.toml"
RESULT = "/events/24/workflowExecutionCompletedEventAttributes/result/payloads/0"
REFERENCE = "/events/9/activityTaskCompletedEventAttributes/result/payloads/0"


async def settle(window: MainWindow) -> None:
    """Wait for background work, then let layouts and paints happen."""
    await window.runner.wait_idle(timeout=120)
    for _ in range(4):  # never processEvents() inside a task: the loop runs Qt meanwhile
        await asyncio.sleep(0.05)


def grab(window: MainWindow, name: str) -> None:
    path = OUT / name
    window.grab().save(str(path), "PNG")
    print(path.relative_to(ROOT))


def _window(config: Path | None) -> MainWindow:
    window = MainWindow(config_path=config, settings=AppSettings.ephemeral())
    window.resize(*SIZE)
    window.show()
    return window


async def start_page(config: Path | None) -> None:
    window = _window(config)
    await settle(window)
    grab(window, "start.png")
    await close(window)


async def decoded(config: Path | None) -> None:
    window = _window(config)
    window.set_view("decoded")
    window.open_path(HISTORY)
    await settle(window)
    tab = window.current_tab()
    assert tab is not None
    tab.select_pointer(RESULT)
    await settle(window)
    saved = window.save_screenshot(OUT / "decoded.png")  # the audit screenshot, with caption
    print(saved.relative_to(ROOT))
    await close(window)


async def references() -> None:
    window = _window(SAMPLE_CONFIG)
    window.set_view("refs")
    window.open_path(STORED)
    await settle(window)
    tab = window.current_tab()
    assert tab is not None
    tab.select_pointer(REFERENCE)
    await settle(window)
    tab.download(tab.selected_index() or 0)
    await settle(window)
    grab(window, "references.png")
    await close(window)


async def error(tmp: Path) -> None:
    """The sample's profile over an empty store: the reference fails, the rest decodes."""
    store = tmp / "empty-store"
    store.mkdir()
    config = tmp / "config.toml"
    config.write_text(
        SAMPLE_CONFIG.read_text().replace('path = "store"', f'path = "{store.as_posix()}"')
    )
    window = _window(config)
    window.set_view("decoded")
    window.open_path(STORED)
    await settle(window)
    tab = window.current_tab()
    assert tab is not None
    tab.select_pointer(REFERENCE)
    await settle(window)
    grab(window, "error.png")
    await close(window)


async def server(config: Path | None) -> None:
    window = _window(config)
    window.resize(1680, 900)
    window.server_dock.show()
    window.resizeDocks([window.server_dock], [640], Qt.Orientation.Horizontal)
    window.open_path(HISTORY)
    await settle(window)
    tab = window.current_tab()
    assert tab is not None
    panel = window.server_panel
    panel.port_spin.setValue(0)
    assert await panel.start(), panel.status.text()
    body = (SAMPLES_DIR / "payloads.json").read_bytes()
    async with aiohttp.ClientSession() as http:
        await (await http.get(f"{panel.url}/healthz")).read()
        for path in ("/decode", "/decode?preserveStorageRefs=true", "/encode"):
            response = await http.post(
                f"{panel.url}{path}",
                data=body,
                headers={"Content-Type": "application/json", "X-Namespace": "default"},
            )
            await response.read()
        response = await http.post(f"{panel.url}/download", data=body)
        await response.read()
    await settle(window)
    tab.splitter.setSizes([600, 400])  # the list wider than the detail beside the panel
    await settle(window)
    grab(window, "server.png")
    await close(window)


async def protobuf() -> None:
    window = _window(PROTOBUF_CONFIG)
    window.set_view("decoded")
    window.open_path(PROTOBUF)
    await settle(window)
    tab = window.current_tab()
    assert tab is not None
    tab.select_row(0)
    await settle(window)
    grab(window, "protobuf.png")
    await close(window)


async def close(window: MainWindow) -> None:
    await window.shutdown()
    window.close()
    window.deleteLater()
    await asyncio.sleep(0)  # deleted here, on the GUI thread


async def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            await start_page(None)
            await decoded(None)
            await references()
            await error(Path(tmp))
            await server(None)
            await protobuf()
    finally:
        shutil.rmtree(_XDG, ignore_errors=True)


if __name__ == "__main__":
    qInstallMessageHandler(quiet_offscreen)
    app = create_application()
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    collector = MainThreadCollector(app)
    with loop:
        loop.run_until_complete(main())
        collector.stop()
