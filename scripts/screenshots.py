"""Render the app's main states to ``docs/screenshots/*.png`` (run by ``make screenshots``).

Offscreen, on throwaway settings, with the shipped samples: the start page, a decoded
history (saved as an audit screenshot, caption included), the References view with a
reference card, an error on one payload (a store that lost the blob), the codec server
panel running with a few requests in its log, the Events page with a failure's cause
chain, search hits inside values, an encrypted history whose tab took the profile that reads
it and the same left encoded under a profile chosen without its key, a view
under redaction rules (with its caption and the rules editor), and two comparisons: two
payloads side by side, and the two sample runs with their changed events; the Layers tab
of a reference that decodes and of a payload whose key id the profile lacks, and the
panel's Check; and a protobuf message read by field name through the profile's
descriptors. Then File → Connect against a dev server of its own: the form, the workflow
list, and a run opened from it as a tab (runs written by a worker with gzip and the
filesystem store).
"""

from __future__ import annotations

import asyncio
import base64
import json
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
from google.protobuf import json_format  # noqa: E402
from PySide6.QtCore import QItemSelectionModel, Qt, qInstallMessageHandler  # noqa: E402
from temporalio.converter import DataConverter  # noqa: E402

from inspector.codecs import AesGcmCodec, CodecChain, GzipCodec  # noqa: E402
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
RESULT = "/events/24/workflowExecutionCompletedEventAttributes/result/payloads/0"
REFERENCE = "/events/9/activityTaskCompletedEventAttributes/result/payloads/0"
PROTOBUF = SAMPLES_DIR / "protobuf.json"
PROTOBUF_CONFIG = SAMPLES_DIR / "protobuf.toml"


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
    window.resize(1440, 1000)
    window.server_dock.show()
    window.resizeDocks([window.server_dock], [330], Qt.Orientation.Vertical)
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
    grab(window, "server.png")
    await close(window)


async def events() -> None:
    """The Events page: the failed activity's group selected, its failure card beside it."""
    window = _window(None)
    window.open_path(HISTORY)
    await settle(window)
    tab = window.current_tab()
    assert tab is not None and tab.history is not None
    page = tab.inspector_page
    page.left_tabs.setCurrentIndex(page.events_tab)
    tab.events.tree.expandAll()
    failed = next(i for i, g in enumerate(tab.history.groups) if g.status == "failed")
    last = tab.history.events[tab.history.groups[failed].events[-1]]
    tab.events.tree.setCurrentIndex(tab.events.model.index_of_payload(last.payloads[0]))
    tab.events.tree.scrollTo(tab.events.model.index_of_payload(last.payloads[0]))
    await settle(window)
    grab(window, "events.png")
    await close(window)


async def search() -> None:
    """Words found inside gzip-encoded values, the hits marked in the value."""
    window = _window(SAMPLE_CONFIG)
    window.open_path(STORED)
    await settle(window)
    tab = window.current_tab()
    assert tab is not None
    tab.filter_edit.setText("ORDER-4711")
    await asyncio.sleep(0.3)  # the search waits for a pause in typing
    await settle(window)
    tab.next_match()
    await settle(window)
    grab(window, "search.png")
    await close(window)


async def left_encoded(tmp: Path) -> None:
    """The sample encrypted with aes-gcm: opened as is, the tab takes the profile that reads
    it; with a profile that has no key for it chosen, left encoded."""
    from inspector.documents import parse_document, write_document

    doc = parse_document(HISTORY.read_bytes(), source=HISTORY.name)
    key = bytes(range(32))
    codec = AesGcmCodec({"k-2026": key})
    todo = [i for i, f in enumerate(doc.payloads) if f.location.transform]
    encoded = await codec.encode([doc.payloads[i].payload for i in todo])
    document = tmp / "history-encrypted.json"
    document.write_text(write_document(doc, dict(zip(todo, encoded, strict=True))))
    config = tmp / "profiles.toml"
    config.write_text(
        '[profiles.go]\nnamespaces = ["default"]\n\n'
        '[profiles.payments]\nnamespaces = ["payments"]\n'
        'codecs = [{ type = "aes-gcm", keys = { "k-2026" = "env:SHOT_KEY" } }]\n'
    )
    os.environ["SHOT_KEY"] = base64.b64encode(key).decode()
    window = _window(config)
    window.open_path(document)
    await settle(window)
    await settle(window)  # the other profiles are tried after the view; one reads it
    grab(window, "profile-chosen.png")
    window.select_profile("go")  # chosen for the tab: it stands, the other is offered
    await settle(window)
    await settle(window)
    window.save_screenshot(OUT / "left-encoded.png")
    print((OUT / "left-encoded.png").relative_to(ROOT))
    await close(window)


REDACT = ["key:customer", "re:^ORDER-", "path:/rejection/details/*/limits"]
SIGNAL = "/events/2/workflowExecutionSignaledEventAttributes/input/payloads/0"
INPUT = "/events/0/workflowExecutionStartedEventAttributes/input/payloads/0"


async def redacted() -> None:
    """The decoded result under three rules: the audit screenshot, caption included, and
    the rules editor over the window."""
    window = _window(None)
    window.session.set_rules(REDACT)
    window.set_view("decoded")
    window.open_path(HISTORY)
    await settle(window)
    tab = window.current_tab()
    assert tab is not None
    tab.select_pointer(RESULT)
    await settle(window)
    saved = window.save_screenshot(OUT / "redacted.png")
    print(saved.relative_to(ROOT))
    dialog = window.show_redaction()
    dialog.resize(620, 420)
    await settle(window)
    dialog.grab().save(str(OUT / "redaction-rules.png"), "PNG")
    print((OUT / "redaction-rules.png").relative_to(ROOT))
    dialog.reject()
    await close(window)


async def compare_payloads() -> None:
    """Two payloads of one history (Ctrl+click), side by side."""
    window = _window(None)
    window.open_path(HISTORY)
    await settle(window)
    tab = window.current_tab()
    assert tab is not None
    tab.select_pointer(INPUT)
    first = tab.selected_index()
    tab.select_pointer(RESULT)
    second = tab.selected_index()
    assert first is not None and second is not None
    tab.table.selectionModel().select(
        tab.proxy.mapFromSource(tab.model.index(tab.model.row_for_payload(first), 0)),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    window.compare_selected()
    await settle(window)
    dialog = window.diff_windows[-1]
    dialog.resize(*SIZE)
    await settle(window)
    dialog.grab().save(str(OUT / "diff-payloads.png"), "PNG")
    print((OUT / "diff-payloads.png").relative_to(ROOT))
    dialog.close()
    await close(window)


async def compare_runs() -> None:
    """The two sample runs (the second with a larger report, kept in the store), aligned
    event by event: the changed events, and the activity's input side by side."""
    window = _window(SAMPLE_CONFIG)
    window.open_path(HISTORY)
    await settle(window)
    window.compare_with(STORED)
    await settle(window)
    dialog = window.diff_windows[-1]
    dialog.resize(*SIZE)
    wanted = next(i for i, item in enumerate(dialog.items) if "ActivityTaskScheduled" in item.where)
    dialog.changed_list.setCurrentRow(wanted)
    await settle(window)
    dialog.grab().save(str(OUT / "diff-runs.png"), "PNG")
    print((OUT / "diff-runs.png").relative_to(ROOT))
    dialog.close()
    await close(window)


async def layers() -> None:
    """The Layers tab of a stored reference: the blob, then the gzip codec, then the value."""
    window = _window(SAMPLE_CONFIG)
    window.set_view("decoded")
    window.open_path(STORED)
    await settle(window)
    tab = window.current_tab()
    assert tab is not None
    tab.select_pointer(REFERENCE)
    tab.detail.tabs.setCurrentWidget(tab.detail.layers_view)
    await settle(window)
    tab.splitter.setSizes([520, 920])  # the detail wider: the layers' notes are long
    tab.detail.layers_view.table.selectRow(1)  # the retrieved blob: driver, claim, hash
    tab.detail.layers_view.data_tabs.setCurrentIndex(2)
    await settle(window)
    grab(window, "layers.png")
    await close(window)


async def layers_error(tmp: Path) -> None:
    """A payload encrypted with key id 'k-2025', read by a profile that knows only 'k-2026'."""
    keys = {kid: base64.b64encode(os.urandom(32)).decode() for kid in ("k-2025", "k-2026")}
    writer = CodecChain([AesGcmCodec({"k-2025": base64.b64decode(keys["k-2025"])}), GzipCodec()])
    values = [{"orderId": "ORDER-4711", "amount": 129.5, "currency": "EUR"}, "card ending 4242"]
    plain = DataConverter.default.payload_converter.to_payloads(values)
    encoded = await writer.encode(plain)
    document = tmp / "payments.json"
    document.write_text(json.dumps({"payloads": [json_format.MessageToDict(p) for p in encoded]}))
    config = tmp / "payments.toml"

    def aes(kid: str) -> str:
        return f'[{{ type = "aes-gcm", keys = {{ "{kid}" = "{keys[kid]}" }} }}, "gzip"]'

    config.write_text(
        f'[profiles.payments]\nnamespaces = ["payments"]\ncodecs = {aes("k-2026")}\n'
        f'[profiles.payments-2025]\nnamespaces = ["payments-archive"]\ncodecs = {aes("k-2025")}\n'
    )
    window = _window(config)
    window.profile_picker.select("payments")
    window.set_view("decoded")
    window.open_path(document)
    await settle(window)
    tab = window.current_tab()
    assert tab is not None
    tab.select_pointer("/payloads/0")
    tab.detail.tabs.setCurrentWidget(tab.detail.layers_view)
    await settle(window)
    grab(window, "layers-error.png")
    await close(window)


async def doctor(config: Path | None) -> None:
    """The server panel's Check against the panel's own server."""
    window = _window(config)
    window.resize(1800, 1100)
    window.server_dock.show()
    window.resizeDocks([window.server_dock], [960], Qt.Orientation.Horizontal)
    window.open_path(HISTORY)
    await settle(window)
    panel = window.server_panel
    panel.port_spin.setValue(0)
    assert await panel.start(), panel.status.text()
    results = await panel.doctor.check()
    assert results, panel.doctor.summary.text()
    await settle(window)
    grab(window, "doctor.png")
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


async def connect(tmp: Path) -> None:
    """File → Connect on a dev server: the form, the list of runs, one run opened as a tab."""
    from inspector.gui.live_tab import LiveHistory
    from tests.support.aio import run_sync
    from tests.support.config import write_config
    from tests.support.live import SERVER_OPTIONS, make_fs_gzip_history, start_waiting_run
    from tests.support.temporal_server import TemporalDevServer

    with TemporalDevServer(tmp / "temporal", **SERVER_OPTIONS) as dev:  # type: ignore[arg-type]
        runs = [
            await asyncio.to_thread(
                run_sync, lambda n=n: make_fs_gzip_history(dev, tmp / f"run-{n}"), 300
            )
            for n in range(3)
        ]
        store = Path(runs[0].profile["storage"]["path"])
        profile = {**runs[0].profile, "storage": {**runs[0].profile["storage"], "path": str(store)}}
        for run in runs[1:]:  # one store for the profile: copy the other runs' blobs into it
            shutil.copytree(run.profile["storage"]["path"], store, dirs_exist_ok=True)
        _client, handle = await start_waiting_run(dev, store, "order-4711-awaiting-approval")
        window = _window(write_config(tmp, {"live": profile}))
        dialog = window.show_connect()
        dialog.address.setText(dev.address)
        await settle(window)
        dialog.grab().save(str(OUT / "connect-form.png"), "PNG")
        print((OUT / "connect-form.png").relative_to(ROOT))
        dialog.query.setText('WorkflowType="InspectorSampleWorkflow"')
        dialog.connect_now()
        await settle(window)
        dialog.table.selectRow(1)
        await settle(window)
        dialog.grab().save(str(OUT / "workflow-list.png"), "PNG")
        print((OUT / "workflow-list.png").relative_to(ROOT))
        dialog.open_selected()
        dialog.hide()
        await settle(window)
        tab = window.current_tab()
        assert tab is not None
        live: LiveHistory = window.live[tab.key]
        window.statusBar().showMessage(live.message)
        opened = next(r for r in runs if r.workflow_id == tab.name)
        tab.select_pointer(opened.large_result_pointer())
        await settle(window)
        grab(window, "live-tab.png")
        await handle.terminate("screenshots done")
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
            await events()
            await search()
            await left_encoded(Path(tmp))
            await redacted()
            await compare_payloads()
            await compare_runs()
            await layers()
            await layers_error(Path(tmp))
            await doctor(None)
            await protobuf()
            await connect(Path(tmp))
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
