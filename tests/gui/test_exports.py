"""A Temporal Cloud export file (binary ``WorkflowExecutions``, made here with the API's
messages) opens as one tab per history; a binary ``History`` as one tab."""

from __future__ import annotations

import json
from pathlib import Path

from google.protobuf import json_format
from temporalio.api.export.v1 import WorkflowExecution, WorkflowExecutions
from temporalio.api.history.v1 import History

from inspector.gui.document_tab import DocumentTab
from inspector.gui.resources import SAMPLES_DIR
from tests.gui.conftest import Runner, WindowFactory, settle


def _sample() -> History:
    text = (SAMPLES_DIR / "history.json").read_text(encoding="utf-8")
    return json_format.ParseDict(json.loads(text), History())


def test_an_export_opens_one_tab_per_history(
    make_window: WindowFactory, run: Runner, tmp_path: Path
) -> None:
    history = _sample()
    short = History(events=history.events[:3])
    path = tmp_path / "export-2026-12-01"
    export = WorkflowExecutions(
        items=[WorkflowExecution(history=history), WorkflowExecution(history=short)]
    )
    path.write_bytes(export.SerializeToString())
    window = make_window()
    window.open_path(path)
    run(settle(window))
    tabs = window.documents()
    assert [t.name for t in tabs] == [f"{path.name} [1]", f"{path.name} [2]"]
    counts = [len(t.loaded.doc.root["events"]) for t in tabs if t.loaded is not None]
    assert counts == [len(history.events), 3]
    assert all(isinstance(t, DocumentTab) and t.is_current for t in tabs)

    single = tmp_path / "history.pb"
    single.write_bytes(history.SerializeToString())
    window.open_path(single)
    run(settle(window))
    assert [t.name for t in window.documents()][-1] == "history.pb"
