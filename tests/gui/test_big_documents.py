"""Big documents within memory: payloads read from the JSON on demand, results kept within a
budget, dropped results decoded again when shown or exported (``inspector.gui.results``)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import DataConverter

from inspector.codecs import GzipCodec
from inspector.documents import parse_document
from inspector.gui import document_tab, results
from inspector.gui.document_tab import DocumentTab
from inspector.gui.loading import BadDocument, parse_bytes, parse_owned
from inspector.gui.resources import SAMPLES_DIR
from inspector.gui.results import ViewResults
from tests.gui.conftest import Runner, WindowFactory, settle, wait_for
from tests.support.config import profile, write_config

COUNT = 12


def _values() -> list[dict[str, str]]:
    # ~20 KB of JSON each that gzip squeezes well, so decoded payloads are the big ones.
    return [{"id": str(i), "text": f"line {i} " * 2500} for i in range(COUNT)]


@pytest.fixture
def gzip_document(tmp_path: Path, run: Runner) -> tuple[Path, list[Payload]]:
    """A Payloads file of gzip payloads, and what each decodes to."""
    plain = DataConverter.default.payload_converter.to_payloads(_values())
    encoded = run(GzipCodec().encode(plain))
    path = tmp_path / "big.json"
    path.write_text(json_format.MessageToJson(Payloads(payloads=encoded)))
    return path, plain


@pytest.fixture
def gzip_config(tmp_path: Path) -> Path:
    return write_config(tmp_path, {"default": profile(["gzip"], namespaces=["*"])})


def _tab(window: object) -> DocumentTab:
    tab = window.current_tab()  # type: ignore[attr-defined]
    assert isinstance(tab, DocumentTab)
    return tab


OpenKeeping = Callable[[int], tuple[Any, DocumentTab]]


@pytest.fixture
def open_keeping(
    monkeypatch: pytest.MonkeyPatch,
    make_window: WindowFactory,
    run: Runner,
    gzip_document: tuple[Path, list[Payload]],
    gzip_config: Path,
) -> OpenKeeping:
    """``open_keeping(budget)``: a window with the gzip document open, when results may
    keep only ``budget`` bytes; its window and tab."""

    def open_with(budget: int) -> tuple[Any, DocumentTab]:
        monkeypatch.setattr(results, "KEEP_BYTES", budget)
        window = make_window(config=gzip_config)
        window.open_path(gzip_document[0])
        run(settle(window))
        return window, _tab(window)

    return open_with


def test_payloads_read_from_the_json_equal_the_parsed_ones() -> None:
    data = (SAMPLES_DIR / "history.json").read_bytes()
    eager = parse_document(data, source="history.json").payloads
    for loaded in (
        parse_bytes(data, "history.json", None),
        parse_owned([data], "history.json", None, keep_limit=0),
    ):
        got = loaded.doc.payloads
        assert [f.location for f in got] == [f.location for f in eager]
        assert [f.payload for f in got] == [f.payload for f in eager]
        assert [f.shorthand for f in got] == [f.shorthand for f in eager]


def test_a_bad_document_keeps_its_bytes_for_the_editor_only_when_small() -> None:
    bad = b'{"payloads": [1, }'
    with pytest.raises(BadDocument) as small:
        parse_owned([bad], "bad.json", None, keep_limit=len(bad))
    assert small.value.data == bad and "bad.json" in str(small.value.error)
    with pytest.raises(BadDocument) as big:
        parse_owned([bad], "bad.json", None, keep_limit=len(bad) - 1)
    assert big.value.data is None and str(big.value.error) == str(small.value.error)


def test_results_keep_what_fits_and_facts_for_the_rest(
    open_keeping: OpenKeeping, run: Runner, gzip_document: tuple[Path, list[Payload]]
) -> None:
    _, plain = gzip_document
    budget = 3 * plain[0].ByteSize()
    window, tab = open_keeping(budget)
    outcomes = tab.outcomes
    assert isinstance(outcomes, ViewResults) and not outcomes.complete
    assert 0 < len(outcomes) < COUNT and outcomes.kept_bytes <= budget
    # The list still knows every payload's decoded encoding and size.
    rows = tab.model.rows()
    assert [r.encoding_after for r in rows] == ["json/plain"] * COUNT
    assert [r.size_after for r in rows] == [p.ByteSize() for p in plain]

    # A dropped payload is decoded again when it is shown.
    last = COUNT - 1
    assert outcomes.get(last) is None and outcomes.dropped(last) is not None
    tab.select_row(last)
    run(settle(window))
    run(wait_for(lambda: tab.detail.entry is not None and tab.detail.entry.shown == plain[last]))


def test_export_decodes_again_what_the_results_dropped(
    open_keeping: OpenKeeping,
    tmp_path: Path,
    run: Runner,
    gzip_document: tuple[Path, list[Payload]],
) -> None:
    path, plain = gzip_document
    window, tab = open_keeping(plain[0].ByteSize())
    assert isinstance(tab.outcomes, ViewResults) and not tab.outcomes.complete
    target = tmp_path / "exported.json"
    run(window.export(tab, target))
    exported = json_format.Parse(target.read_text(), Payloads())
    assert list(exported.payloads) == plain
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".exported")]
    assert json.loads(path.read_text())  # the source is left alone


@pytest.mark.parametrize("packed", [False, True])
def test_values_dropped_from_the_results_are_indexed_ahead_and_found(
    open_keeping: OpenKeeping,
    run: Runner,
    gzip_document: tuple[Path, list[Payload]],
    monkeypatch: pytest.MonkeyPatch,
    packed: bool,
) -> None:
    """A big document's index is built as soon as its results are in, reading the dropped
    payloads again a chunk at a time; a value only a dropped payload holds is found, by a
    word and by a path (packed: as a document over PLAIN_BYTES keeps its values)."""
    if packed:
        monkeypatch.setattr(document_tab, "PLAIN_BYTES", 0)
    _, plain = gzip_document
    _, tab = open_keeping(plain[0].ByteSize())
    outcomes = tab.outcomes
    assert isinstance(outcomes, ViewResults) and outcomes.dropped(COUNT - 1) is not None
    assert tab._index is not None and tab._index[0] is outcomes and tab._index[1].done()
    items = tab._index[1].result()
    assert [i.index for i in items] == [r.index for r in tab.model.rows()]
    assert all(i.packed is packed for i in items)
    tab.filter_edit.setText('"line 11 line 11"')
    run(wait_for(lambda: tab.inspector_page.matches == [COUNT - 1]))
    assert tab._index[1].result() is items  # the search used the index built ahead
    tab.filter_edit.setText('$.id == "7"')
    run(wait_for(lambda: tab.inspector_page.matches == [7]))


def test_a_document_whose_results_keep_all_is_indexed_at_its_first_search(
    open_keeping: OpenKeeping, run: Runner
) -> None:
    _, tab = open_keeping(results.KEEP_BYTES)
    assert isinstance(tab.outcomes, ViewResults) and tab.outcomes.complete
    assert tab._index is None
    tab.filter_edit.setText('"line 3 line 3"')
    run(wait_for(lambda: tab.inspector_page.matches == [3]))
    assert tab._index is not None


def test_a_window_for_one_picture_builds_no_index_ahead(
    monkeypatch: pytest.MonkeyPatch,
    make_window: WindowFactory,
    run: Runner,
    gzip_document: tuple[Path, list[Payload]],
    gzip_config: Path,
) -> None:
    """``screenshot``'s window (``interactive=False``) waits for no index it will not use."""
    monkeypatch.setattr(results, "KEEP_BYTES", gzip_document[1][0].ByteSize())
    window = make_window(config=gzip_config)
    window.interactive = False
    window.open_path(gzip_document[0])
    run(settle(window))
    tab = _tab(window)
    assert tab.run.dropped_some() and tab._index is None
