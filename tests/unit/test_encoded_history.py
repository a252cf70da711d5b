"""Headers and failure attributes that the workers encode, on a real dev-server history.

A real worker with the gzip codec, ``HeaderCodecBehavior.CODEC`` and the failure converter's
``encode_common_attributes`` runs ``InspectorEncodedWorkflow``; the CLI exports the history.
``decode`` must give back the header (with ``encode_headers = true``; left as it is without),
every failure's message and stack trace from ``encodedAttributes`` along the whole cause
chain, and each cause's ``details``; the SDK's own failure converter reads our decoded
failure back into the original errors.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from temporalio.api.failure.v1 import Failure
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.exceptions import ApplicationError

from tests.support.config import profile, write_config
from tests.support.encoded_workflows import (
    DECLINED,
    TENANT,
    TENANT_HEADER,
    TIMEOUT,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def encoded_history(encoded_failure_history: Path) -> Path:
    return encoded_failure_history


def _decode(history: Path, config: Path, *args: str) -> Any:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "inspector.cli",
            "decode",
            str(history),
            "--config",
            str(config),
            *args,
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def _event(doc: Any, attributes: str) -> dict[str, Any]:
    return next(e[attributes] for e in doc["events"] if attributes in e)


def test_raw_history_is_encoded(encoded_history: Path) -> None:
    raw = json.loads(encoded_history.read_text())
    started = _event(raw, "workflowExecutionStartedEventAttributes")
    header = started["header"]["fields"][TENANT_HEADER]
    assert base64.b64decode(header["metadata"]["encoding"]) == b"binary/gzip"
    failure = _event(raw, "activityTaskFailedEventAttributes")["failure"]
    assert failure["message"] == "Encoded failure"
    assert failure["cause"]["message"] == "Encoded failure"
    assert "encodedAttributes" in failure and "encodedAttributes" in failure["cause"]


def test_headers_and_failures_decode_readable(encoded_history: Path, tmp_path: Path) -> None:
    config = write_config(
        tmp_path, {"main": profile(["gzip"], namespaces=["*"], encode_headers=True)}
    )
    doc = _decode(encoded_history, config, "--readable")
    started = _event(doc, "workflowExecutionStartedEventAttributes")
    assert started["header"]["fields"][TENANT_HEADER]["data"] == TENANT
    assert started["input"]["payloads"][0]["data"] == "ORDER-9"

    failure = _event(doc, "activityTaskFailedEventAttributes")["failure"]
    attrs = failure["encodedAttributes"]["data"]
    assert attrs["message"] == DECLINED["message"] and "charge_card" in attrs["stack_trace"]
    details = failure["applicationFailureInfo"]["details"]["payloads"]
    assert [p["data"] for p in details] == [DECLINED["details"]]

    cause = failure["cause"]
    assert cause["encodedAttributes"]["data"]["message"] == TIMEOUT["message"]
    cause_details = cause["applicationFailureInfo"]["details"]["payloads"]
    assert [p["data"] for p in cause_details] == TIMEOUT["details"]


def test_the_sdk_reads_our_decoded_failure(encoded_history: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path, {"main": profile(["gzip"], namespaces=["*"])})
    doc = _decode(encoded_history, config)
    failure = json_format.ParseDict(
        _event(doc, "activityTaskFailedEventAttributes")["failure"], Failure()
    )
    error = DefaultFailureConverterWithEncodedAttributes().from_failure(
        failure, DataConverter.default.payload_converter
    )
    assert isinstance(error, ApplicationError)
    assert (error.message, error.type, list(error.details)) == (
        DECLINED["message"],
        DECLINED["type"],
        [DECLINED["details"]],
    )
    cause = error.__cause__
    assert isinstance(cause, ApplicationError)
    assert (cause.message, cause.type, list(cause.details)) == (
        TIMEOUT["message"],
        TIMEOUT["type"],
        TIMEOUT["details"],
    )


def test_without_encode_headers_the_header_is_left_as_it_is(
    encoded_history: Path, tmp_path: Path
) -> None:
    config = write_config(tmp_path, {"main": profile(["gzip"], namespaces=["*"])})
    raw = json.loads(encoded_history.read_text())
    doc = _decode(encoded_history, config)
    started = _event(doc, "workflowExecutionStartedEventAttributes")
    original = _event(raw, "workflowExecutionStartedEventAttributes")
    assert started["header"] == original["header"]  # still the codec's binary/gzip
    assert started["input"] != original["input"]  # while the input was decoded
