"""``decode --workflow-id`` and ``workflows`` against a real dev server: a worker wrote the
history with gzip and the filesystem store, over several history pages."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp
from temporalio.api.common.v1 import Payload

from inspector.live.connection import Connection, connect
from inspector.live.fetch import history_pages
from tests.support.cli import run_cli
from tests.support.config import write_config
from tests.support.history import HistoryRun, iter_payloads
from tests.support.live import PAGE_SIZE
from tests.support.ports import free_port
from tests.support.temporal_server import TemporalDevServer


def _payload(obj: dict[str, Any]) -> Payload:
    return json_format.ParseDict(obj, Payload())


async def _decode(*args: str) -> tuple[int, bytes, str]:
    code, out, err = await run_cli("decode", *args)
    return code, out, err.decode()


async def test_fetch_follows_every_page(
    paged_server: TemporalDevServer, fs_history: HistoryRun
) -> None:
    client, args = await connect(Connection(address=paged_server.address))
    pages = [p async for p in history_pages(client, args, fs_history.workflow_id)]
    # Pages end at event batches, so one may hold more than PAGE_SIZE; there are several.
    assert len(pages) > 2 and min(len(p) for p in pages) <= PAGE_SIZE
    events = [e for p in pages for e in p]
    assert events == fs_history.history["events"]  # the CLI's export, to the key


async def test_decode_workflow_id_equals_the_sdk_and_the_cli_export(
    paged_server: TemporalDevServer, fs_history: HistoryRun, tmp_path: Path
) -> None:
    config = write_config(tmp_path, {"live": fs_history.profile})
    code, out, err = await _decode(
        "--address", paged_server.address, "--namespace", "default",
        "--workflow-id", fs_history.workflow_id, "--config", str(config),
    )  # fmt: skip
    assert code == 0, err
    fetched = json.loads(out)
    code, out, err = await _decode(str(fs_history.path), "--config", str(config))
    assert code == 0, err
    assert fetched == json.loads(out)  # the same document as decode of the CLI's export
    ours = dict(iter_payloads(fetched))
    original = dict(iter_payloads(fs_history.history))
    assert ours.keys() == original.keys()
    checked = 0
    for pointer, raw in original.items():
        if "/searchAttributes/" in pointer:
            assert ours[pointer] == raw
            continue
        [sdk] = (await fs_history.sdk_decode_steps([raw])).decoded
        assert _payload(ours[pointer]) == sdk, pointer
        checked += 1
    assert checked >= 10
    stored = fs_history.large_result_pointer()
    assert json.loads(_payload(ours[stored]).data) == fs_history.expected.large_result


async def test_run_id_and_readable(
    paged_server: TemporalDevServer, fs_history: HistoryRun, tmp_path: Path
) -> None:
    config = write_config(tmp_path, {"live": fs_history.profile})
    code, out, err = await _decode(
        "--address", paged_server.address, "--workflow-id", fs_history.workflow_id,
        "--run-id", fs_history.run_id, "--config", str(config), "--readable",
    )  # fmt: skip
    assert code == 0, err
    assert fs_history.expected.large_result["rows"][0]["id"] in out.decode()


async def test_namespace_and_profile_combine(
    paged_server: TemporalDevServer, fs_history: HistoryRun, tmp_path: Path
) -> None:
    """--namespace names the server's namespace; --profile picks the inspector profile."""
    profiles = {"live": {**fs_history.profile, "namespaces": ["elsewhere"]}, "plain": {}}
    config = write_config(tmp_path, profiles)
    code, _, err = await _decode(
        "--address", paged_server.address, "--namespace", "default", "--profile", "live",
        "--workflow-id", fs_history.workflow_id, "--config", str(config), "--strict",
    )  # fmt: skip
    assert code == 0, err
    # Reading a FILE, the two still exclude each other.
    code, _, err = await _decode(str(fs_history.path), "--namespace", "x", "--profile", "live")
    assert code == 2 and "give one" in err


async def test_strict_names_what_a_profile_without_gzip_leaves(
    paged_server: TemporalDevServer, fs_history: HistoryRun, tmp_path: Path
) -> None:
    config = write_config(tmp_path, {"plain": {"namespaces": ["default"]}})
    code, out, err = await _decode(
        "--address", paged_server.address, "--workflow-id", fs_history.workflow_id,
        "--config", str(config), "--strict", "--view", "refs",
    )  # fmt: skip
    assert code == 3 and out == b""
    assert f"workflow {fs_history.workflow_id}: " in err and "binary/gzip" in err


async def test_connection_trouble_is_one_line_exit_2(
    paged_server: TemporalDevServer, fs_history: HistoryRun, tmp_path: Path
) -> None:
    cases = {
        "unreachable": ["--address", f"127.0.0.1:{free_port()}", "--workflow-id", "w"],
        "unknown namespace": [
            "--address", paged_server.address, "--namespace", "nope", "--workflow-id", "w",
        ],
        "not found": ["--address", paged_server.address, "--workflow-id", "no-such-workflow"],
        "TLS mismatch": [
            "--address", paged_server.address, "--workflow-id", "w",
            "--tls-server-name", "example.com",
        ],
    }  # fmt: skip
    for words, args in cases.items():
        code, out, err = await _decode(*args)
        assert code == 2 and out == b"", (words, err)
        assert err.count("\n") == 1 and err.startswith("payload-inspector decode: "), err
        assert words in err and "Traceback" not in err, err


async def test_workflows_lists_and_queries(
    paged_server: TemporalDevServer, fs_history: HistoryRun
) -> None:
    query = (
        f'WorkflowId="{fs_history.workflow_id}" AND WorkflowType="InspectorSampleWorkflow" '
        'AND ExecutionStatus="Completed"'
    )
    rows: list[dict[str, Any]] = []
    for _ in range(50):  # visibility is written just after the run closes
        code, out, err = await run_cli(
            "workflows", "--address", paged_server.address, "--query", query
        )
        assert code == 0, err.decode()
        rows = [json.loads(line) for line in out.decode().splitlines()]
        if rows:
            break
        await asyncio.sleep(0.2)
    [row] = rows
    assert row["workflowId"] == fs_history.workflow_id and row["runId"] == fs_history.run_id
    assert row["type"] == "InspectorSampleWorkflow" and row["status"] == "Completed"
    start, close = Timestamp(), Timestamp()
    start.FromJsonString(row["startTime"])
    close.FromJsonString(row["closeTime"])
    assert start.ToNanoseconds() < close.ToNanoseconds()
    code, out, err = await run_cli("workflows", "--address", paged_server.address, "--limit", "1")
    assert code == 0 and len(out.splitlines()) == 1, err.decode()
    code, out, err = await run_cli(
        "workflows", "--address", paged_server.address, "--query", "NoSuchField = 1"
    )
    assert code == 2 and out == b"" and err.decode().count("\n") == 1, err.decode()
