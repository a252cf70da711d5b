"""``payload-inspector diff``: structural differences of values, documents and real runs.

The runs are real: ``InspectorRetryWorkflow`` on the dev server, its payloads written by the
SDK's ``DataConverter`` with the reference gzip codec, exported by the ``temporal`` CLI.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from hypothesis import given, settings
from hypothesis import strategies as st
from temporalio.api.common.v1 import Payloads
from temporalio.converter import DataConverter

from inspector.diffing import diff_values
from tests.support.config import aes_gcm_codec, profile, write_config
from tests.support.retry_history import PROFILE, RetryRuns
from tests.support.sdk_codecs import SdkAesGcmCodec

SAMPLES = Path(__file__).resolve().parents[2] / "inspector" / "resources" / "samples"
KEY = bytes(range(32))

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-2, 2) | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=12,
)


def _typed(value: Any) -> str:
    """A value with its types spelled out, so that 1, 1.0 and true differ."""
    return json.dumps(value, default=str, sort_keys=True) + repr(_types(value))


def _types(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__


@given(a=JSON, b=JSON)
@settings(max_examples=300, deadline=None)
def test_values_differ_exactly_when_they_are_not_the_same(a: Any, b: Any) -> None:
    assert diff_values(a, a) == []
    changes = diff_values(a, b)
    assert (changes == []) == (_typed(a) == _typed(b))
    for change in changes:  # every path names a place in a or b
        assert change.path.startswith("/") or change.path == ""


def test_value_changes_are_named_by_pointer() -> None:
    a = {"x": 1, "list": [1, 2, 3], "a/b": {"deep": True}, "gone": "x"}
    b = {"x": 1.0, "list": [1, 2], "a/b": {"deep": 1}, "new": None}
    assert [(c.path, c.kind, c.a, c.b) for c in diff_values(a, b)] == [
        ("/x", "changed", 1, 1.0),
        ("/list/2", "removed", 3, None),
        ("/a~1b/deep", "changed", True, 1),
        ("/gone", "removed", "x", None),
        ("/new", "added", None, None),
    ]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inspector.cli", "diff", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _sdk_payloads(tmp: Path, name: str, values: list[Any]) -> Path:
    payloads = asyncio.run(DataConverter.default.encode(values))
    path = tmp / name
    path.write_text(json_format.MessageToJson(Payloads(payloads=payloads)))
    return path


def test_identical_documents_are_the_same(tmp_path: Path) -> None:
    history = SAMPLES / "history.json"
    copy = tmp_path / "copy.json"
    copy.write_bytes(history.read_bytes())
    done = run(str(history), str(copy))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    done = run(str(history), str(copy), "--json")
    assert done.returncode == 0
    assert json.loads(done.stdout)["same"] is True


def test_payload_documents_name_each_difference(tmp_path: Path) -> None:
    a = _sdk_payloads(tmp_path, "a.json", [{"amount": 10, "to": "alice"}, "same"])
    b = _sdk_payloads(tmp_path, "b.json", [{"amount": 12, "to": "alice"}, "same"])
    done = run(str(a), str(b))
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == ["payloads[0] (/payloads/0): /data/amount: 10 → 12"]
    answer = json.loads(run(str(a), str(b), "--json").stdout)
    assert answer["same"] is False
    assert answer["differences"] == [
        {
            "where": "payloads[0] (/payloads/0)",
            "path": "/data/amount",
            "kind": "changed",
            "a": 10,
            "b": 12,
        }
    ]
    # one payload against another, and redaction hides what it should in the diff too
    done = run(str(a), str(b), "--select", "/payloads/1", "--select-b", "/payloads/1")
    assert (done.returncode, done.stdout) == (0, "")
    done = run(str(a), str(b), "--redact", "key:amount")
    assert (done.returncode, done.stdout) == (0, "")


def test_usage_and_decode_failures(tmp_path: Path) -> None:
    a = _sdk_payloads(tmp_path, "a.json", ["x"])
    done = run(str(a), str(a), "--select", "/payloads/7")
    assert done.returncode == 2
    assert "--select: no payload at '/payloads/7'" in done.stderr
    assert run(str(a), str(tmp_path / "missing.json")).returncode == 2
    assert run(str(a), str(a), "--select-b", "/payloads/0").returncode == 2
    assert run(str(a), str(a), "--redact", "nope").returncode == 2

    # payloads encrypted with a key the profile does not have: each named, exit 3
    converter = dataclasses.replace(DataConverter.default, payload_codec=SdkAesGcmCodec("k1", KEY))
    payloads = asyncio.run(converter.encode(["secret"]))
    enc = tmp_path / "enc.json"
    enc.write_text(json_format.MessageToJson(Payloads(payloads=payloads)))
    other = base64.b64encode(bytes(32)).decode()
    config = write_config(
        tmp_path, {"p": profile([aes_gcm_codec({"k2": other})], namespaces=["*"])}
    )
    done = run(str(enc), str(enc), "--config", str(config))
    assert done.returncode == 3, done.stderr
    assert done.stdout == ""
    assert (
        done.stderr.count("enc.json: payloads[0] (/payloads/0): pre-storage codec (aes-gcm)") == 2
    )


def test_diff_of_a_run_and_its_retry_names_the_attempt_and_the_payload(
    retry_runs: RetryRuns, tmp_path: Path
) -> None:
    assert retry_runs.retried_result["receipt"]["attempt"] == 2  # type: ignore[index]
    assert retry_runs.clean_result["receipt"]["attempt"] == 1  # type: ignore[index]
    config = write_config(tmp_path, {"retry": PROFILE})
    done = run(str(retry_runs.retried), str(retry_runs.clean), "--config", str(config))
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    # the attempt, on the aligned activity-started events
    assert any(
        "ActivityTaskStarted (activity 1)" in line
        and line.endswith("/activityTaskStartedEventAttributes/attempt: 2 → 1")
        for line in lines
    ), lines
    # the retried run's last failure is there only, with the SDK's message
    failure = [
        line
        for line in lines
        if "/activityTaskStartedEventAttributes/lastFailure: only in A" in line
    ]
    assert failure and "card declined for ORDER-" in failure[0]
    # and the payload: the activity's result, decoded (gzip undone) and compared as a value
    assert any(
        "ActivityTaskCompleted (activity 1)" in line
        and "/activityTaskCompletedEventAttributes/result/payloads/0/data/attempt: 2 → 1" in line
        for line in lines
    ), lines
    assert any(
        "WorkflowExecutionCompleted" in line and "/data/receipt/attempt: 2 → 1" in line
        for line in lines
    )
    # times, task ids, identities and run ids are not differences between runs
    assert not any("eventTime" in line or "taskId" in line or "RunId" in line for line in lines), (
        lines
    )
    # the inputs were the same order: not named
    assert not any("/input/payloads/0/data" in line for line in lines), lines

    answer = json.loads(
        run(
            str(retry_runs.retried), str(retry_runs.clean), "--config", str(config), "--json"
        ).stdout
    )
    attempt = [d for d in answer["differences"] if d["path"].endswith("/data/attempt")]
    assert attempt and attempt[0]["a"] == 2 and attempt[0]["b"] == 1


def test_diff_of_a_real_run_with_itself_is_empty(retry_runs: RetryRuns, tmp_path: Path) -> None:
    config = write_config(tmp_path, {"retry": PROFILE})
    done = run(str(retry_runs.retried), str(retry_runs.retried), "--config", str(config))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
