"""Binary ``History`` and Cloud export (``WorkflowExecutions``) files, made here with the API's
own protobuf messages from a real run's CLI export, decode like their JSON counterparts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from temporalio.api.export.v1 import WorkflowExecution, WorkflowExecutions
from temporalio.api.history.v1 import History

from inspector.documents import parse_document
from inspector.documents.binary_history import split_export
from inspector.documents.model import DocumentKind
from inspector.gui.resources import SAMPLES_DIR
from tests.support.cli import run_cli
from tests.support.config import write_config
from tests.support.history import HistoryRun


def _history(doc: dict[str, Any]) -> History:
    return json_format.ParseDict(doc, History())


async def _decode(*args: str) -> bytes:
    code, out, err = await run_cli("decode", *args)
    assert code == 0, err.decode()
    return out


async def test_binary_history_decodes_like_its_json(fs_history: HistoryRun, tmp_path: Path) -> None:
    config = str(write_config(tmp_path, {"live": fs_history.profile}))
    binary = tmp_path / "history.binpb"  # the name says nothing: the content is read
    binary.write_bytes(_history(fs_history.history).SerializeToString())
    from_json = json.loads(await _decode(str(fs_history.path), "--config", config))
    out = await _decode(str(binary), "--config", config)
    # written back in its own shape: a binary History, equal to the decoded JSON
    assert json_format.MessageToDict(History.FromString(out)) == from_json
    as_json = json.loads(await _decode(str(binary), "--config", config, "--format", "json"))
    assert as_json == from_json
    # the raw view gives back the same message (map entries in the serializer's order)
    raw = await _decode(str(binary), "--config", config, "--view", "raw")
    assert History.FromString(raw) == History.FromString(binary.read_bytes())


async def test_cloud_export_holds_several_histories(fs_history: HistoryRun, tmp_path: Path) -> None:
    config = str(write_config(tmp_path, {"live": fs_history.profile}))
    sample = json.loads((SAMPLES_DIR / "history.json").read_text(encoding="utf-8"))
    export = WorkflowExecutions(
        items=[
            WorkflowExecution(history=_history(fs_history.history)),
            WorkflowExecution(history=_history(sample)),
        ]
    )
    path = tmp_path / "export.bin"
    path.write_bytes(export.SerializeToString())
    decoded = [
        json.loads(await _decode(str(fs_history.path), "--config", config)),
        json.loads(await _decode(str(SAMPLES_DIR / "history.json"), "--config", config)),
    ]
    out = await _decode(str(path), "--config", config)
    back = json_format.MessageToDict(WorkflowExecutions.FromString(out))
    assert [item["history"] for item in back["items"]] == decoded
    as_json = json.loads(await _decode(str(path), "--config", config, "--format", "json"))
    assert as_json == back
    # the JSON form reads back as an export too
    again = tmp_path / "export.json"
    again.write_text(json.dumps(as_json))
    assert json.loads(await _decode(str(again), "--config", config)) == as_json
    # each history is its own document, as the app opens them
    doc = parse_document(path.read_bytes(), source="export.bin")
    assert doc.kind is DocumentKind.EXPORT
    parts = split_export(doc)
    assert [p.kind for p in parts] == [DocumentKind.HISTORY] * 2
    assert [p.root for p in parts] == [fs_history.history, sample]
    assert [p.source for p in parts] == ["export.bin [1]", "export.bin [2]"]
    assert sum(len(p.payloads) for p in parts) == len(doc.payloads)
