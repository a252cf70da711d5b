"""``decode`` of a real exported history (gzip + S3 references) against the SDK's decode."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload

from inspector.references import is_plain_reference
from tests.support.config import write_config
from tests.support.history import HistoryRun, iter_payloads


def _cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "inspector.cli", "decode", *args],
        capture_output=True,
        timeout=120,
        check=False,
    )


def _decode(history: HistoryRun, config: Path, *args: str) -> dict[str, Any]:
    result = _cli(str(history.path), "--config", str(config), *args)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def _payload(obj: dict[str, Any]) -> Payload:
    return json_format.ParseDict(obj, Payload())


async def test_decode_matches_the_sdk_payload_by_payload(
    real_history: HistoryRun, tmp_path: Path
) -> None:
    config = write_config(tmp_path, {"history": real_history.profile})
    decoded = _decode(real_history, config)
    original = dict(iter_payloads(real_history.history))
    ours = dict(iter_payloads(decoded))
    assert ours.keys() == original.keys()
    stored = real_history.large_result_pointer()
    checked = 0
    for pointer, raw in original.items():
        if "/searchAttributes/" in pointer:
            assert ours[pointer] == raw  # never codec-encoded: passed through unchanged
            continue
        steps = await real_history.sdk_decode_steps([raw])
        assert _payload(ours[pointer]).SerializeToString(deterministic=True) == (
            steps.decoded[0].SerializeToString(deterministic=True)
        ), pointer
        checked += 1
    assert checked >= 10
    value = json.loads(_payload(ours[stored]).data)
    assert value == real_history.expected.large_result
    # everything outside the payloads is the same document
    assert [e["eventId"] for e in decoded["events"]] == [
        e["eventId"] for e in real_history.history["events"]
    ]


async def test_refs_view_keeps_the_stored_result(real_history: HistoryRun, tmp_path: Path) -> None:
    config = write_config(tmp_path, {"history": real_history.profile})
    refs = dict(iter_payloads(_decode(real_history, config, "--view", "refs")))
    stored = real_history.large_result_pointer()
    kept = _payload(refs[stored])
    assert is_plain_reference(kept) and kept.external_payloads
    expected = await real_history.sdk_decode_preserving_refs([real_history.at(stored)])
    assert kept == expected[0]
    # and --view download on a Payloads of that reference gives its content
    document = tmp_path / "refs.json"
    document.write_text(json.dumps({"payloads": [refs[stored]]}))
    result = _cli(str(document), "--view", "download", "--config", str(config))
    assert result.returncode == 0, result.stderr.decode()
    [content] = json.loads(result.stdout)["payloads"]
    assert json.loads(_payload(content).data) == real_history.expected.large_result
