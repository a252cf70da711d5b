"""The payload list model (5,000+ rows, sorting, filtering), display helpers, settings, tasks."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from temporalio.api.common.v1 import Payload

from inspector.documents import parse_document, payload_to_json, read_value
from inspector.gui.payload_model import (
    BADGE_ROLE,
    COL_SIZE,
    COL_STATUS,
    INDEX_ROLE,
    PayloadFilterProxy,
    PayloadTableModel,
    build_rows,
)
from inspector.gui.payload_view import (
    cut_text,
    folded_json,
    hex_dump,
    human_size,
    metadata_rows,
)
from inspector.gui.settings import MAX_RECENT, AppSettings, ServerPrefs
from inspector.gui.tasks import Progress, TaskRunner
from inspector.outcomes import ErrorKind, Outcome, PayloadError, Stage
from inspector.references import Reference, make_reference_payload
from tests.gui.conftest import Runner


def _document(n: int) -> str:
    """A history export with ``n`` activity results (proto JSON, as the CLI writes it)."""
    events = []
    for i in range(n):
        data = json.dumps({"n": i, "name": f"item {i}"}).encode()
        events.append(
            {
                "eventId": str(i + 1),
                "eventType": "EVENT_TYPE_ACTIVITY_TASK_COMPLETED",
                "activityTaskCompletedEventAttributes": {
                    "result": {
                        "payloads": [
                            {
                                "metadata": {"encoding": "anNvbi9wbGFpbg=="},
                                "data": base64.b64encode(data).decode(),
                            }
                        ]
                    }
                },
            }
        )
    return json.dumps({"events": events})


def test_model_with_6000_rows_is_fast_and_keeps_selection(qapp: object) -> None:
    doc = parse_document(_document(6000), "big.json")
    failing = {7: Outcome(error=PayloadError(ErrorKind.MISSING, Stage.RETRIEVE, "x", "gone"))}
    outcomes = {i: Outcome(payload=f.payload) for i, f in enumerate(doc.payloads)} | failing
    started = time.perf_counter()
    rows = build_rows(doc, outcomes)
    model = PayloadTableModel()
    proxy = PayloadFilterProxy()
    proxy.setSourceModel(model)
    model.set_rows(rows)
    assert proxy.rowCount() == 6000
    keep = QPersistentModelIndex(model.index(1234, 0))
    proxy.sort(COL_SIZE, Qt.SortOrder.DescendingOrder)
    proxy.sort(COL_STATUS, Qt.SortOrder.AscendingOrder)
    proxy.set_shown(frozenset())  # what a search that matched nothing gives
    proxy.set_shown(frozenset({7}))  # and one that found the failed payload
    elapsed = time.perf_counter() - started
    assert elapsed < 3.0, f"6,000 rows took {elapsed:.2f}s"
    assert proxy.rowCount() == 1
    assert proxy.index(0, 0).data(INDEX_ROLE) == 7
    assert proxy.index(0, COL_STATUS).data(BADGE_ROLE) == "error"
    proxy.set_shown(None)
    # the selection (a persistent index) follows the row through sorting
    assert keep.isValid() and keep.data(INDEX_ROLE) == 1234
    # errors sort first on the status column
    assert proxy.index(0, 0).data(INDEX_ROLE) == 7
    # a new view of the same document keeps order and persistent indexes
    model.set_rows(build_rows(doc, None))
    assert keep.isValid() and keep.data(INDEX_ROLE) == 1234
    assert model.rowCount(QModelIndex()) == 6000


def test_rows_say_encoding_size_and_badge() -> None:
    ref = make_reference_payload(Reference("aws.s3driver", {"key": "k"}, stored_size=600_000))
    text = json.dumps({"payloads": [json.loads(_payload_json(ref)), {"metadata": {}}]})
    doc = parse_document(text, "x.json")
    decoded = Payload(metadata={"encoding": b"json/plain"}, data=b'{"a": 1}')
    rows = build_rows(
        doc, {0: Outcome(payload=decoded), 1: Outcome(payload=doc.payloads[1].payload)}
    )
    assert rows[0].badge_text == "reference · 585.9 KiB"
    assert rows[0].encoding_text == "json/protobuf (reference) → json/plain"
    assert rows[0].field == "payloads[0]" and rows[0].pointer == "/payloads/0"
    assert rows[1].badge_text == "inline"


def _payload_json(payload: Payload) -> str:
    return json.dumps(payload_to_json(payload))


def test_display_helpers() -> None:
    assert human_size(512) == "512 B" and human_size(1536) == "1.5 KiB"
    big = {"rows": [{"n": i, "inner": {"deep": [i, i]}} for i in range(200)], "title": "t"}
    folded = folded_json(big, depth=2, max_items=10)
    assert "… 190 more items" in folded and '"title": "t"' in folded
    assert "{ … 2 keys }" in folded
    text, cut = cut_text("line\n" * 1000, 100)
    assert cut and len(text) <= 100 and text.endswith("line")
    dump = hex_dump(b"Temporal\x00\x01payload bytes!", 64)
    assert dump.startswith("00000000  54 65 6d 70 6f 72 61 6c  00 01 70 61")
    assert dump.splitlines()[0].endswith("  Temporal..payloa")
    binary = Payload(metadata={"encoding": b"binary/plain", "k": b"\xff\x00"}, data=b"\x00\xff")
    assert read_value(binary).kind == "binary"
    assert ("k", "base64:/wA=") in metadata_rows(binary)
    assert read_value(Payload(metadata={"encoding": b"binary/null"})).kind == "null"


def test_settings_roundtrip_in_a_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "s.ini"
    settings = AppSettings.at(path)
    for i in range(MAX_RECENT + 3):
        settings.add_recent_file(tmp_path / f"f{i}.json")
    settings.add_recent_file(tmp_path / "f5.json")
    settings.set_last_view("refs")
    settings.set_last_profile("payments")
    settings.set_server_prefs(ServerPrefs("127.0.0.1", 0, ("http://localhost:8233",), True))
    settings.sync()
    again = AppSettings.at(path)
    recent = [Path(p).name for p in again.recent_files()]
    assert len(recent) == MAX_RECENT and recent[0] == "f5.json" and recent.count("f5.json") == 1
    assert again.last_view() == "refs" and again.last_profile() == "payments"
    assert again.server_prefs() == ServerPrefs("127.0.0.1", 0, ("http://localhost:8233",), True)
    assert "token" not in path.read_text().lower().replace("require_token", "")


def test_runner_cancels_stale_work_and_reports_progress(run: Runner, qloop: object) -> None:
    runner = TaskRunner()
    seen: list[str] = []
    failures: list[tuple[str, str]] = []
    runner.failed.connect(lambda label, message: failures.append((label, message)))

    async def slow(progress: Progress, name: str) -> None:
        for i in range(50):
            progress.update(i, 50)
            await asyncio.sleep(0.01)
        seen.append(name)

    async def broken(progress: Progress) -> None:
        raise ValueError("first line\nsecond line")

    async def scenario() -> None:
        first = runner.start("view", "first", lambda p: slow(p, "first"))
        await asyncio.sleep(0.05)
        assert runner.active()[0].done > 0
        second = runner.start("view", "second", lambda p: slow(p, "second"))
        runner.start("other", "broken", broken)
        await runner.wait_idle(timeout=10)
        assert first.cancelled() and second.done() and not second.cancelled()

    run(scenario())
    assert seen == ["second"]
    assert failures == [("broken", "first line")]
