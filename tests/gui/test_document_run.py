"""``inspector.gui.document_run`` on its own: no QApplication, no widgets, no Qt import.

A view run in chunks gives what one ``transform_document`` call gives; results are stale as
soon as the view or the profile generation differs; the payloads decoded again to be shown
stay few and never outlive the results they belong to.
"""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import sys

import pytest

from inspector.documents import parse_document
from inspector.gui import document_run
from inspector.gui.document_run import (
    SHOWN_KEPT,
    DocumentRun,
    chunks,
    export_text,
    pipeline_for,
    run_document_view,
)
from inspector.gui.resources import SAMPLES_DIR
from inspector.gui.results import ViewResults
from inspector.outcomes import Outcome
from inspector.pipeline import Pipeline
from inspector.views import transform_document


def _document(count: int, size: int = 10):
    data = base64.b64encode(json.dumps("x" * size).encode()).decode()
    encoding = base64.b64encode(b"json/plain").decode()
    payloads = [{"metadata": {"encoding": encoding}, "data": data} for _ in range(count)]
    return parse_document(json.dumps({"payloads": payloads}), source="test.json")


class _Fixed:
    """A pipeline source that always gives the same pipeline."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline

    def pipeline(self) -> Pipeline:
        return self._pipeline


def test_importing_it_brings_in_no_qt() -> None:
    code = (
        "import sys, inspector.gui.document_run; "
        "sys.exit(any(m.startswith(('PySide6', 'shiboken6')) for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_chunks_cover_the_document_in_order_within_their_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc = _document(200)
    ranges = chunks(doc)
    assert ranges[0][0] == 0 and ranges[-1][1] == 200
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    assert all(end - start <= document_run.CHUNK_PAYLOADS for start, end in ranges)
    monkeypatch.setattr(document_run, "CHUNK_BYTES", 100)  # a payload here is ~24 bytes
    assert all(end - start <= 5 for start, end in chunks(doc))


async def test_a_run_in_chunks_equals_one_transform() -> None:
    doc = parse_document((SAMPLES_DIR / "history.json").read_bytes(), "history.json")
    pipeline = Pipeline(name="raw")
    whole = await transform_document(doc, pipeline, "raw")
    chunked = await run_document_view(doc, pipeline, "raw")
    assert chunked == whole
    kept = await run_document_view(doc, pipeline, "raw", into=ViewResults())
    assert isinstance(kept, ViewResults) and dict(kept) == whole


def test_results_are_stale_once_the_view_or_the_profile_changes() -> None:
    run = DocumentRun(generation=0)
    assert not run.shows("decoded", 0) and not run.current("decoded", 0)
    run.finish("decoded", 0, {0: Outcome()})
    assert run.shows("decoded", 0) and run.current("decoded", 0)
    assert not run.shows("raw", 0) and not run.shows("decoded", 1)
    assert run.kept_outcome(0, "decoded", 1) is None  # another profile: nothing to show
    run.fail("decoded", 1, "no such profile")
    assert run.shows("decoded", 1) and not run.current("decoded", 1)  # no retry, no results
    assert run.error == "no such profile"


def test_downloads_last_until_the_profile_changes() -> None:
    run = DocumentRun(generation=3)
    run.downloads[1] = Outcome()
    run.start(3)
    assert 1 in run.downloads
    run.start(4)
    assert run.downloads == {}


def test_dropped_payloads_are_decoded_again_and_few_are_kept() -> None:
    results = ViewResults(budget=0)
    big = _document(1, size=8000).payloads[0].payload
    for i in range(SHOWN_KEPT + 2):
        results.add(i, Outcome(payload=big))
    run = DocumentRun(generation=0)
    run.finish("decoded", 0, results)
    assert run.needs_decoding(0, "decoded", 0)
    assert not run.needs_decoding(0, "raw", 0)  # stale results ask for nothing
    for i in range(SHOWN_KEPT + 1):
        assert run.keep_decoded(i, Outcome(payload=big), "decoded", 0)
    assert run.shown_outcome(0, "decoded", 0) is None  # the oldest went first
    assert run.needs_decoding(0, "decoded", 0)
    assert run.shown_outcome(SHOWN_KEPT, "decoded", 0) is not None
    assert not run.keep_decoded(SHOWN_KEPT + 1, Outcome(payload=big), "decoded", 1)
    run.finish("decoded", 0, results)  # new results: what was decoded for the old is gone
    assert run.shown_outcome(SHOWN_KEPT, "decoded", 0) is None


async def test_complete_outcomes_run_again_only_when_some_were_dropped() -> None:
    doc = _document(3, size=8000)
    pipeline = Pipeline(name="raw")
    run = DocumentRun(generation=0)
    kept = ViewResults(budget=9000)  # the first payload only
    run.finish("raw", 0, await run_document_view(doc, pipeline, "raw", into=kept))
    assert sorted(kept) == [0] and not kept.complete

    every = await run.complete_outcomes(doc, "raw", _Fixed(pipeline))
    assert sorted(every) == [0, 1, 2]
    text, failed = export_text(doc, every)
    assert failed == 0 and json.loads(text) == json.loads(json.dumps(doc.root))


async def test_complete_outcomes_when_the_results_kept_none() -> None:
    """A first payload past the budget leaves the results empty (and falsy), not complete."""
    doc = _document(2, size=8000)
    pipeline = Pipeline(name="raw")
    run = DocumentRun(generation=0)
    kept = ViewResults(budget=0)
    run.finish("raw", 0, await run_document_view(doc, pipeline, "raw", into=kept))
    assert len(kept) == 0 and not kept.complete
    assert sorted(await run.complete_outcomes(doc, "raw", _Fixed(pipeline))) == [0, 1]


def test_raw_runs_without_a_profile_the_other_views_do_not() -> None:
    from inspector.config import ConfigError

    class Broken:
        def pipeline(self) -> Pipeline:
            raise ConfigError("no profile serves namespace 'nobody'")

    assert pipeline_for("raw", Broken()).name == "raw"
    with pytest.raises(ConfigError):
        pipeline_for("decoded", Broken())


async def test_outcomes_by_chunk_decode_again_only_what_the_results_dropped() -> None:
    doc = _document(200, size=8000)
    pipeline = Pipeline(name="raw")
    whole = await transform_document(doc, pipeline, "raw")
    kept = ViewResults(budget=20 * 9000)
    await run_document_view(doc, pipeline, "raw", into=kept)
    assert not kept.complete
    state = DocumentRun(0)
    state.finish("raw", 0, kept)

    found = state.outcomes_by_chunk(doc, "raw", _Fixed(pipeline))
    parts = [(start, end, dict(part)) async for start, end, part in found]
    assert [(s, e) for s, e, _ in parts] == chunks(doc)
    joined = {i: o for _, _, part in parts for i, o in part.items()}
    assert {i: o.payload for i, o in joined.items()} == {i: o.payload for i, o in whole.items()}
    for i in range(200):  # kept outcomes are the results' own objects, not decoded again
        if i in kept:
            assert joined[i] is kept[i]
    assert state.decoded_bytes() == sum(o.payload.ByteSize() for o in whole.values())
