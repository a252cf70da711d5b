"""A real exported history (gzip + the SDK's S3 driver on moto) through the whole window:
rows, the four views against the SDK's own decode, Download, a storage outage on exactly
the payloads it concerns, and Export."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload

from inspector.gui.document_tab import DocumentTab
from inspector.gui.main_window import MainWindow
from inspector.gui.payload_model import Badge
from inspector.outcomes import Outcome
from inspector.references import is_plain_reference, parse_reference
from tests.gui.conftest import Runner, WindowFactory, settle
from tests.support.config import write_config
from tests.support.history import HistoryRun, iter_payloads
from tests.support.s3 import MotoS3


@pytest.fixture
def history_config(real_history: HistoryRun, tmp_path: Path) -> Path:
    profile: dict[str, Any] = dict(real_history.profile)
    profile["storage"] = {**profile["storage"], "timeout_seconds": 10}
    return write_config(tmp_path, {"history": profile})


def _open(window: MainWindow, history: HistoryRun, run: Runner, view: str) -> DocumentTab:
    window.set_view(view)
    window.open_path(history.path)
    run(settle(window))
    tab = window.current_tab()
    assert tab is not None and tab.loaded is not None and tab.is_current
    return tab


HistoryOpener = Callable[[str], tuple[MainWindow, DocumentTab]]


@pytest.fixture
def open_history(
    make_window: WindowFactory, run: Runner, real_history: HistoryRun, history_config: Path
) -> HistoryOpener:
    """``open_history(view)``: a new window with the real history open in ``view``."""

    def open_in(view: str) -> tuple[MainWindow, DocumentTab]:
        window = make_window(history_config)
        return window, _open(window, real_history, run, view)

    return open_in


def _index(tab: DocumentTab, pointer: str) -> int:
    assert tab.loaded is not None
    return next(i for i, f in enumerate(tab.loaded.doc.payloads) if f.location.pointer == pointer)


def _raw(history: HistoryRun, pointer: str) -> Payload:
    return json_format.ParseDict(history.at(pointer), Payload())


def _bytes(payload: Payload | None) -> bytes:
    assert payload is not None
    return payload.SerializeToString(deterministic=True)


def _encoded_outcomes(
    tab: DocumentTab, original: dict[str, Any]
) -> Iterator[tuple[str, Any, Outcome]]:
    """``(pointer, raw payload, outcome)`` for every payload a codec encoded, each checked to
    have decoded; search attributes (never encoded) are left out."""
    for pointer, raw in original.items():
        if "/searchAttributes/" in pointer:
            continue
        outcome = (tab.outcomes or {}).get(_index(tab, pointer))
        assert outcome is not None and outcome.ok, pointer
        yield pointer, raw, outcome


def test_rows_show_location_encoding_size_and_badge(
    open_history: HistoryOpener, real_history: HistoryRun
) -> None:
    _, tab = open_history("refs")
    pointers = [p for p, _ in iter_payloads(real_history.history)]
    rows = tab.model.rows()
    assert [r.pointer for r in rows] == pointers
    stored = real_history.large_result_pointer()
    row = rows[_index(tab, stored)]
    size = int(real_history.at(stored)["externalPayloads"][0]["sizeBytes"])
    assert row.badge is Badge.REFERENCE and row.stored_size == size
    assert row.event_type == "ActivityTaskCompleted" and row.field == "result[0]"
    assert row.event_id == int(real_history.at(stored.rsplit("/", 4)[0])["eventId"])
    assert row.encoding_text == "json/protobuf (reference)"
    others = [r for r in rows if r.pointer != stored]
    assert all(r.badge is Badge.INLINE for r in others)
    assert all(r.encoding_before == "binary/gzip" for r in others if r.transform)


def test_all_four_views_match_the_sdk(
    open_history: HistoryOpener, run: Runner, real_history: HistoryRun
) -> None:
    window, tab = open_history("decoded")
    stored = real_history.large_result_pointer()
    original = dict(iter_payloads(real_history.history))

    # Decoded: every payload equals the SDK's own decode steps; the detail shows its value.
    for pointer in original:
        if "/searchAttributes/" in pointer:  # never codec-encoded: shown as it is
            assert (tab.outcomes or {}).get(_index(tab, pointer)) is None
    for pointer, raw, outcome in _encoded_outcomes(tab, original):
        steps = run(real_history.sdk_decode_steps([raw]))
        assert _bytes(outcome.payload) == _bytes(steps.decoded[0]), pointer
    start = real_history.event_pointer("WorkflowExecutionStarted")
    input_pointer = f"{start}/workflowExecutionStartedEventAttributes/input/payloads/0"
    tab.select_pointer(input_pointer)
    [expected_input] = run(real_history.sdk_decode([original[input_pointer]]))
    assert json.loads(tab.detail.value_view.text()) == expected_input
    # the large result opens folded; the whole value is one click away
    tab.select_pointer(stored)
    run(settle(window))
    assert tab.detail.value_view.unfold_button.isVisible()
    [expected_large] = run(real_history.sdk_decode([original[stored]]))
    assert json.loads(tab.detail.current_value_text()) == expected_large
    tab.detail.value_view.unfold_button.click()
    run(settle(window))
    assert json.loads(tab.detail.value_view.text()) == expected_large

    # References preserved: the reference stays (decoded as the SDK does), the card shows it.
    window.set_view("refs")
    run(settle(window))
    outcome = (tab.outcomes or {})[_index(tab, stored)]
    [expected_ref] = run(real_history.sdk_decode_preserving_refs([original[stored]]))
    assert outcome.payload == expected_ref and is_plain_reference(expected_ref)
    assert tab.detail.card.isVisible()
    card_text = " ".join(
        tab.detail.card.form.itemAt(i).widget().text()  # type: ignore[union-attr]
        for i in range(tab.detail.card.form.count())
        if tab.detail.card.form.itemAt(i).widget() is not None
    )
    ref = parse_reference(expected_ref)
    assert ref.driver_name in card_text and ref.claim["hash_value"] in card_text
    assert json.loads(tab.detail.value_view.text())["driverName"] == ref.driver_name

    # Downloaded: the reference's content; every other payload exactly as it was.
    window.set_view("download")
    run(settle(window))
    for pointer, raw, outcome in _encoded_outcomes(tab, original):
        if pointer == stored:
            steps = run(real_history.sdk_decode_steps([raw]))
            assert _bytes(outcome.payload) == _bytes(steps.decoded[0])
        else:
            assert outcome.payload == _raw(real_history, pointer)

    # Raw: the document's payloads, untouched; binary data shows as base64 and hex.
    window.set_view("raw")
    run(settle(window))
    for pointer in original:
        outcome = (tab.outcomes or {}).get(_index(tab, pointer))
        if outcome is not None:
            assert outcome.payload == _raw(real_history, pointer)
    tab.select_pointer(input_pointer)
    assert tab.detail.value_view.text() == original[input_pointer]["data"]
    assert tab.detail.hex_view.text().startswith("00000000  1f 8b")  # gzip magic


def test_download_button_fetches_only_that_payload(
    open_history: HistoryOpener, run: Runner, real_history: HistoryRun
) -> None:
    window, tab = open_history("refs")
    stored = real_history.large_result_pointer()
    tab.select_pointer(stored)
    card = tab.detail.card
    assert card.isVisible() and card.download_button.isVisible()
    fetched_before = window.session.cache.misses
    card.download_button.click()
    run(settle(window))
    download = tab.downloads[_index(tab, stored)]
    assert download.ok
    assert window.session.cache.misses == fetched_before + 1  # one blob, this one
    [expected] = run(real_history.sdk_decode([real_history.at(stored)]))
    assert json.loads(tab.detail.current_value_text()) == expected
    assert card.status.text().startswith("Downloaded")
    assert "downloaded" in tab.detail.showing.text()
    # the view itself still shows the reference (the download is opt-in, per payload)
    assert is_plain_reference((tab.outcomes or {})[_index(tab, stored)].payload)  # type: ignore[arg-type]


def test_storage_outage_shows_on_that_payload_only(
    make_window: WindowFactory,
    run: Runner,
    real_history: HistoryRun,
    history_config: Path,
    moto_s3: MotoS3,
) -> None:
    window = make_window(history_config)
    stored = real_history.large_result_pointer()
    with moto_s3.stopped():
        tab = _open(window, real_history, run, "decoded")
        failed = {i: o for i, o in (tab.outcomes or {}).items() if not o.ok}
        assert list(failed) == [_index(tab, stored)]
        error = failed[_index(tab, stored)].error
        assert error is not None and error.stage.value == "storage"
        assert error.component == "aws.s3driver"
        assert tab.notice.isVisible() and "1 payload" in tab.notice.text()
        row = tab.model.rows()[_index(tab, stored)]
        assert row.badge is Badge.ERROR and row.error == error.describe()
        tab.select_pointer(stored)
        banner = tab.detail.error_banner
        assert banner.isVisible()
        assert "storage" in banner.text() and "aws.s3driver" in banner.text()
        # the rest stays usable: another payload shows its value, no banner
        tab.select_row(0)
        assert not banner.isVisible()
        assert json.loads(tab.detail.value_view.text()) == real_history.expected.input
    # S3 is back: Refresh (F5) fetches again and the error is gone
    window.refresh_action.trigger()
    run(settle(window))
    assert all(o.ok for o in (tab.outcomes or {}).values())


def test_export_keeps_the_shape_and_writes_atomically(
    open_history: HistoryOpener, run: Runner, real_history: HistoryRun, tmp_path: Path
) -> None:
    window, tab = open_history("decoded")
    target = tmp_path / "exported.json"
    run(window.export(tab, target))
    exported = json.loads(target.read_text())
    assert [e["eventId"] for e in exported["events"]] == [
        e["eventId"] for e in real_history.history["events"]
    ]
    stored = real_history.large_result_pointer()
    content = json_format.ParseDict(dict(iter_payloads(exported))[stored], Payload())
    assert json.loads(content.data) == real_history.expected.large_result
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".exported")] == []
