"""The real ``temporal`` CLI against ``payload-inspector serve``: ``temporal workflow show
--codec-endpoint`` on a real history (gzip + the SDK's S3 driver on moto) prints decoded
values, the externally stored activity result included; with a token, ``--codec-auth``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.config import write_config
from tests.support.history import HistoryRun, iter_payloads
from tests.support.serve import serve
from tests.support.temporal_server import TemporalDevServer

pytestmark = pytest.mark.slow
TOKEN = "cli-token-5e1d"


def history_config(directory: Path, run: HistoryRun, server: dict[str, Any] | None = None) -> Path:
    """The profile that reads the session history (gzip + its moto S3 bucket)."""
    return write_config(directory, {"history": run.profile}, server)


async def show(
    temporal_server: TemporalDevServer, run: HistoryRun, *extra: str
) -> tuple[int, str, str]:
    result = await temporal_server.acli(
        "workflow",
        "show",
        "--workflow-id",
        run.workflow_id,
        "--run-id",
        run.run_id,
        *extra,
        namespace=run.namespace,
        timeout=90,
        check=False,
    )
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def json_value(payload: dict[str, Any]) -> Any:
    encoding = base64.b64decode(payload["metadata"]["encoding"])
    assert encoding == b"json/plain", encoding
    return json.loads(base64.b64decode(payload.get("data", "")))


def stored_result(document: dict[str, Any], run: HistoryRun) -> dict[str, Any]:
    """The stored activity result, at the pointer where the raw export had a reference."""
    pointer = run.large_result_pointer()
    found = dict(iter_payloads(document))
    return found[pointer]


async def test_workflow_show_decodes_through_the_server(
    temporal_server: TemporalDevServer, real_history: HistoryRun, tmp_path: Path
) -> None:
    expected = real_history.expected
    config = history_config(tmp_path, real_history)
    async with serve("--config", str(config), "--port", "0") as server:
        code, out, err = await show(temporal_server, real_history, "--codec-endpoint", server.url)
        assert code == 0, err
        code, out_json, err = await show(
            temporal_server, real_history, "--codec-endpoint", server.url, "-o", "json"
        )
        assert code == 0, err

    # text: the workflow result, decoded
    assert expected.result["report_first_id"] in out and "ORDER-4711" in out
    assert "binary/gzip" not in out
    # JSON: every payload decoded, the stored activity result fetched from S3
    document = json.loads(out_json)
    assert json_value(stored_result(document, real_history)) == expected.large_result
    started = document["events"][0]["workflowExecutionStartedEventAttributes"]
    assert json_value(started["input"]["payloads"][0]) == expected.input
    assert {k: json_value(v) for k, v in started["memo"]["fields"].items()} == expected.memo
    records = server.log_records()
    assert records and all(r["status"] == 200 and r["path"] == "/decode" for r in records)
    assert {r["namespace"] for r in records} == {real_history.namespace}
    assert max(r["bytes_out"] for r in records) > 500_000  # the stored result came back


async def test_codec_auth_token(
    temporal_server: TemporalDevServer, real_history: HistoryRun, tmp_path: Path
) -> None:
    config = history_config(tmp_path, real_history, {"token": TOKEN})
    async with serve("--config", str(config), "--port", "0") as server:
        code, out, err = await show(
            temporal_server,
            real_history,
            "--codec-endpoint",
            server.url,
            "--codec-auth",
            f"Bearer {TOKEN}",
            "-o",
            "json",
        )
        assert code == 0, err
        assert json_value(stored_result(json.loads(out), real_history)) == (
            real_history.expected.large_result
        )

        before = len(server.log_records())
        # The CLI retries a failing codec call until its 10 s deadline, then gives up:
        # exit 1, "context deadline exceeded", and no event printed.
        for auth in ((), ("--codec-auth", "Bearer wrong-token")):
            code, out, err = await show(
                temporal_server, real_history, "--codec-endpoint", server.url, *auth
            )
            assert code != 0, out
            assert err.startswith("Error:") and "deadline exceeded" in err, err
            assert "WorkflowExecutionStarted" not in out and "ORDER-4711" not in out
    refused = server.log_records()[before:]
    assert refused and all(r["status"] == 401 for r in refused)
    assert all("token" in (r["error"] or "") for r in refused)
