"""What ``temporal schedule describe`` and ``temporal activity describe`` print, decoded.

A real client with the gzip codec creates a schedule (its workflow input and memo, and the
schedule's own memo) and starts a standalone activity (its input and summary) on the dev
server; the CLI's ``-o json`` descriptions are documents like any other, and ``decode``
gives back the values the client sent.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleSpec,
)
from temporalio.converter import DataConverter

from inspector.documents import DocumentKind, parse_document
from tests.support.aio import run_sync
from tests.support.config import profile, write_config
from tests.support.sdk_codecs import SdkGzipCodec
from tests.support.temporal_server import TemporalDevServer

pytestmark = pytest.mark.slow
CONVERT = DataConverter.default.payload_converter
WORKFLOW_ARG = {"order": "ORDER-9", "items": ["widget", "gadget ✓"]}
ACTIVITY_ARG = {"charge": 42, "currency": "EUR"}


async def _describe(server: TemporalDevServer, out: Path) -> tuple[Path, Path]:
    conv = dataclasses.replace(DataConverter.default, payload_codec=SdkGzipCodec())
    client = await Client.connect(server.address, namespace="default", data_converter=conv)
    suffix = uuid.uuid4().hex[:12]
    schedule_id, activity_id = f"inspector-schedule-{suffix}", f"inspector-activity-{suffix}"
    await client.create_schedule(
        schedule_id,
        Schedule(
            action=ScheduleActionStartWorkflow(
                "OrderWorkflow",
                WORKFLOW_ARG,
                id=f"scheduled-{suffix}",
                task_queue=f"tq-{suffix}",
                memo={"team": "payments"},
            ),
            spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(hours=1))]),
        ),
        memo={"owner": "ops ✓"},
    )
    await client.start_activity(
        "ChargeCard",
        ACTIVITY_ARG,
        id=activity_id,
        task_queue=f"tq-{suffix}",
        start_to_close_timeout=timedelta(minutes=5),
        summary="charge the card",
    )
    schedule = await server.acli(
        "schedule", "describe", "--schedule-id", schedule_id, "-o", "json", namespace="default"
    )
    activity = await server.acli(
        "activity", "describe", "--activity-id", activity_id, "-o", "json", namespace="default"
    )
    (out / "schedule.json").write_bytes(schedule.stdout)
    (out / "activity.json").write_bytes(activity.stdout)
    return out / "schedule.json", out / "activity.json"


@pytest.fixture(scope="module")
def described(
    temporal_server: TemporalDevServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("described")
    return run_sync(lambda: _describe(temporal_server, out), timeout=120)


def _decode(path: Path, config: Path) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "inspector.cli", "decode", str(path), "--config", str(config)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def _value(payload_json: dict[str, Any]) -> Any:
    return CONVERT.from_payloads([json_format.ParseDict(payload_json, Payload())])[0]


def test_schedule_payloads_decode(described: tuple[Path, Path], tmp_path: Path) -> None:
    schedule_path, _ = described
    doc = parse_document(schedule_path.read_bytes(), "schedule.json")
    assert doc.kind is DocumentKind.DESCRIBED
    labels = [p.location.label for p in doc.payloads]
    assert "schedule · schedule.action.startWorkflow.input[0]" in labels
    assert all(p.payload.metadata["encoding"] == b"binary/gzip" for p in doc.payloads)

    config = write_config(tmp_path, {"main": profile(["gzip"], namespaces=["*"])})
    out = _decode(schedule_path, config)
    start = out["schedule"]["action"]["startWorkflow"]
    assert _value(start["input"]["payloads"][0]) == WORKFLOW_ARG
    assert _value(start["memo"]["fields"]["team"]) == "payments"
    assert _value(out["memo"]["fields"]["owner"]) == "ops ✓"
    assert out["info"] == json.loads(schedule_path.read_text())["info"]  # the rest as it was


def test_standalone_activity_payloads_decode(described: tuple[Path, Path], tmp_path: Path) -> None:
    _, activity_path = described
    doc = parse_document(activity_path.read_bytes(), "activity.json")
    assert doc.kind is DocumentKind.DESCRIBED
    assert {p.location.field for p in doc.payloads} >= {"input[0]", "info.userMetadata.summary"}

    config = write_config(tmp_path, {"main": profile(["gzip"], namespaces=["*"])})
    out = _decode(activity_path, config)
    assert _value(out["input"]["payloads"][0]) == ACTIVITY_ARG
    assert _value(out["info"]["userMetadata"]["summary"]) == "charge the card"
