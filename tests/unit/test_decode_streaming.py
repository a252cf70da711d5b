"""The streamed ``decode`` path writes exactly what the whole-document path writes.

Every sample document and a generated history with every kind of payload field (inputs,
results, memo, header, search attributes, user metadata, failure details and encoded
attributes through a cause, Nexus, markers, shorthand values) are run both ways, in every
shape and formatting a document comes in; the bytes must be equal. The command keeps its
exit contract: a malformed tail is exit 2 and a failing last payload exit 3, both with
nothing on stdout. Payloads are the SDK's (its ``DataConverter`` with our gzip codec).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.converter import DataConverter

from inspector.codecs import GzipCodec
from inspector.config import load_config
from inspector.documents import parse_document, write_document
from inspector.documents.proto_json import payload_to_json
from inspector.documents.streaming import NotStreamable
from inspector.runtime import build_pipeline
from inspector.streamed import stream_view, transform_file
from inspector.views import transform_document
from tests.support.cli import REPO_ROOT, cli_argv, cli_env
from tests.support.config import profile, write_config
from tests.unit.test_documents import make_history

SAMPLES = REPO_ROOT / "inspector" / "resources" / "samples"
GZIP = dataclasses.replace(DataConverter.default, payload_codec=GzipCodec())
VIEWS = ("decoded", "refs", "raw")


def _pipeline(config: Path | None = None) -> Any:
    loaded = load_config(str(config) if config else None)
    return build_pipeline(loaded.select(profile=None, namespace=None), max_decoded_bytes=None)


async def _whole(data: bytes, view: str, config: Path | None) -> bytes:
    doc = parse_document(data, "doc")
    pipeline = _pipeline(config)
    try:
        outcomes = await transform_document(doc, pipeline, view)
    finally:
        await pipeline.aclose()
    replaced = {i: o.payload for i, o in outcomes.items() if o.payload is not None}
    return write_document(doc, replaced).encode()


async def _streamed(data: bytes, view: str, config: Path | None) -> bytes:
    """The streamed path alone: NotStreamable fails the test (no whole-document fallback)."""
    out = io.BytesIO()
    pipeline = _pipeline(config)
    try:
        await stream_view(io.BytesIO(data).read, out, "doc", pipeline, view)
    finally:
        await pipeline.aclose()
    return out.getvalue()


async def _either(data: bytes, view: str, config: Path | None) -> bytes:
    out = io.BytesIO()
    pipeline = _pipeline(config)
    try:
        await transform_file(io.BytesIO(data), "doc", out, pipeline, view, readable=False)
    finally:
        await pipeline.aclose()
    return out.getvalue()


async def _gzip_history() -> dict[str, Any]:
    """``make_history`` (every field kind) plus Nexus and marker events, every payload that a
    codec may encode gzip-encoded by the SDK's converter, and shorthand values beside them."""
    history = make_history()
    nexus = history.events.add(
        event_id=8, event_type=EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED
    )
    plain = DataConverter.default.payload_converter
    nexus.nexus_operation_scheduled_event_attributes.input.CopyFrom(
        plain.to_payloads([{"nexus": "in"}])[0]
    )
    nexus.nexus_operation_scheduled_event_attributes.operation = "charge"
    completed = history.events.add(
        event_id=9, event_type=EventType.EVENT_TYPE_NEXUS_OPERATION_COMPLETED
    )
    completed.nexus_operation_completed_event_attributes.result.CopyFrom(
        plain.to_payloads([["nexus", "out", 1.5e-7]])[0]
    )
    marker = history.events.add(event_id=10, event_type=EventType.EVENT_TYPE_MARKER_RECORDED)
    marker.marker_recorded_event_attributes.marker_name = "version"
    marker.marker_recorded_event_attributes.details["change"].CopyFrom(
        Payloads(payloads=plain.to_payloads(["v2", {"é": "\u2028 ünïcode \U0001f600"}]))
    )
    root = json_format.MessageToDict(history)
    doc = parse_document(json.dumps(root), "h")
    wanted = [i for i, f in enumerate(doc.payloads) if f.location.transform]
    encoded = await GzipCodec().encode([doc.payloads[i].payload for i in wanted])
    gzipped = json.loads(write_document(doc, dict(zip(wanted, encoded, strict=True))))
    gzipped["events"].append(
        {
            "eventId": "11",
            "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED",
            "workflowExecutionSignaledEventAttributes": {
                "signalName": "shorthand",
                "input": {"payloads": [{"price": 12.5, "big": 10**30, "tiny": 1e-9}, None, "x"]},
            },
            "note": {"floats": [0.1, 1e16, -0.0], "empty": {}, "list": []},
        }
    )
    return gzipped


def _shapes(root: dict[str, Any]) -> dict[str, bytes]:
    """The same history as every shape and formatting a document comes in."""
    events = root["events"]
    return {
        "indent 2": json.dumps(root, indent=2).encode(),
        "compact": json.dumps(root, separators=(",", ":")).encode(),
        "indent 4, unicode": json.dumps(root, indent=4, ensure_ascii=False).encode(),
        "tabs and BOM": b"\xef\xbb\xbf" + json.dumps(root, indent="\t").encode(),
        "bare list": json.dumps(events, indent=2).encode(),
        "wrapped, keys around": json.dumps(
            {"id": "w-1", "history": {"events": events, "n": 1}, "tail": [1.5, None]}, indent=1
        ).encode(),
        "keys before events": json.dumps(
            {"a": {"b": [1, 2]}, "events": events, "z": True}
        ).encode(),
    }


@pytest.fixture(scope="module")
def gzip_history() -> dict[str, Any]:
    return asyncio.run(_gzip_history())


@pytest.fixture(scope="module")
def gzip_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_config(
        tmp_path_factory.mktemp("cfg"), {"main": profile(["gzip"], namespaces=["*"])}
    )


@pytest.mark.parametrize("view", VIEWS)
async def test_every_field_kind_and_shape_streams_byte_for_byte(
    gzip_history: dict[str, Any], gzip_config: Path, view: str
) -> None:
    for name, data in _shapes(gzip_history).items():
        whole = await _whole(data, view, gzip_config)
        assert await _streamed(data, view, gzip_config) == whole, name
    decoded = json.loads(await _whole(_shapes(gzip_history)["compact"], "decoded", gzip_config))
    assert "binary/gzip" not in json.dumps(decoded)  # every encoded payload was decoded


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.json")))
async def test_every_sample_streams_byte_for_byte(sample: str, view: str) -> None:
    data = (SAMPLES / sample).read_bytes()
    config = SAMPLES / "config.toml"
    assert await _streamed(data, view, config) == await _whole(data, view, config)


async def _payload_list(count: int) -> list[dict[str, Any]]:
    encoded = await GZIP.encode([{"n": i, "pad": "x" * (i * 37 % 500)} for i in range(count)])
    return [payload_to_json(p) for p in encoded]


async def test_payload_lists_stream_in_batches(gzip_config: Path) -> None:
    items = await _payload_list(1200)  # more than one batch
    for data in (
        json.dumps({"payloads": items}, indent=2).encode(),
        json.dumps(items).encode(),
        json.dumps({"payloads": []}).encode(),
        b"[]",
    ):
        assert await _streamed(data, "decoded", gzip_config) == await _whole(
            data, "decoded", gzip_config
        )


@pytest.mark.parametrize(
    "data",
    [
        b'{"metadata": {"encoding": "YmluYXJ5L251bGw="}}',  # one payload: the whole path
        b'{"payloads": [], "events": []}',  # two candidate lists
        b'{"events": [{"eventId": "1"}], "events": []}',  # a key twice: the last wins
        b'{"payloads": [], "note": "\\ud800"}',  # a lone surrogate: the whole output escaped
        '\ufeff{"payloads": ["x"]}'.encode("utf-16-le"),
    ],
)
async def test_documents_the_stream_leaves_to_the_whole_path(
    data: bytes, gzip_config: Path
) -> None:
    with pytest.raises(NotStreamable):
        await _streamed(data, "raw", gzip_config)
    assert await _either(data, "raw", gzip_config) == await _whole(data, "raw", gzip_config)


def test_payload_to_json_is_still_message_to_dict() -> None:
    payload = Payload(metadata={"z": b"1", "encoding": b"json/plain", "a": b""}, data=b"\x00\xff")
    payload.external_payloads.add(size_bytes=12)
    payload.external_payloads.add()
    expected = json_format.MessageToDict(payload)
    expected["metadata"] = dict(sorted(expected["metadata"].items()))
    assert payload_to_json(payload) == expected
    assert payload_to_json(Payload()) == json_format.MessageToDict(Payload()) == {}


# ---- the command's contract ------------------------------------------------------------------


def _decode(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        cli_argv("decode", *args), env=cli_env(), cwd=REPO_ROOT, capture_output=True, timeout=120
    )


def test_a_malformed_tail_is_exit_2_with_nothing_on_stdout(
    tmp_path: Path, gzip_history: dict[str, Any], gzip_config: Path
) -> None:
    text = json.dumps(gzip_history, indent=2).encode()
    for tail, message in ((text[:-40], "not JSON"), (text[:-1] + b"]", "not JSON")):
        path = tmp_path / "bad.json"
        path.write_bytes(tail)
        result = _decode(str(path), "--config", str(gzip_config))
        assert (result.returncode, result.stdout) == (2, b""), result.stderr
        assert message in result.stderr.decode() and result.stderr.count(b"\n") == 1


def test_a_failing_last_payload_is_exit_3_with_nothing_on_stdout(
    tmp_path: Path, gzip_history: dict[str, Any], gzip_config: Path
) -> None:
    broken = json.loads(json.dumps(gzip_history))
    items = asyncio.run(_payload_list(600))
    items[-1]["data"] = base64.b64encode(b"not gzip at all").decode()
    broken["events"][-1]["workflowExecutionSignaledEventAttributes"]["input"]["payloads"] = items
    path = tmp_path / "last-fails.json"
    path.write_text(json.dumps(broken, indent=2))
    result = _decode(str(path), "--config", str(gzip_config))
    assert (result.returncode, result.stdout) == (3, b""), result.stderr
    [line] = result.stderr.decode().splitlines()
    assert line.startswith(f"{path}: event 11 · WorkflowExecutionSignaled · input[599] (")
    going = _decode(str(path), "--config", str(gzip_config), "--keep-going")
    assert going.returncode == 3
    assert (
        json.loads(going.stdout)["events"][-1]["workflowExecutionSignaledEventAttributes"]["input"][
            "payloads"
        ][-1]
        == items[-1]
    )


def test_into_a_regular_file_a_failure_leaves_it_as_it_was(
    tmp_path: Path, gzip_history: dict[str, Any], gzip_config: Path
) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(gzip_history))
    broken = json.loads(json.dumps(gzip_history))
    broken["events"][-1]["workflowExecutionSignaledEventAttributes"]["input"]["payloads"] = [
        {"metadata": {"encoding": base64.b64encode(b"binary/gzip").decode()}, "data": "AAAA"}
    ]
    bad.write_text(json.dumps(broken, indent=2))
    whole = asyncio.run(_whole(good.read_bytes(), "decoded", gzip_config))
    for source, code, expected in ((bad, 3, b"before\n"), (good, 0, b"before\n" + whole + b"\n")):
        out = tmp_path / "out.json"
        out.write_bytes(b"before\n")
        with out.open("ab") as stdout:  # `>> out.json`: written in place, cut back on failure
            result = subprocess.run(
                cli_argv("decode", str(source), "--config", str(gzip_config)),
                env=cli_env(),
                cwd=REPO_ROOT,
                stdout=stdout,
                stderr=subprocess.PIPE,
                timeout=120,
            )
        assert result.returncode == code, result.stderr
        assert out.read_bytes() == expected


def test_stdin_and_a_file_print_the_same(tmp_path: Path, gzip_config: Path) -> None:
    data = (SAMPLES / "history.json").read_bytes()
    path = tmp_path / "h.json"
    path.write_bytes(data)
    from_file = _decode(str(path), "--config", str(gzip_config))
    from_stdin = subprocess.run(
        cli_argv("decode", "--config", str(gzip_config)),
        input=data,
        env=cli_env(),
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=120,
    )
    assert from_file.returncode == from_stdin.returncode == 0
    assert from_file.stdout == from_stdin.stdout
    whole = asyncio.run(_whole(data, "decoded", gzip_config))
    assert from_file.stdout == whole + b"\n"
