"""System Nexus envelopes: the payloads inside a ``__temporal_system`` request are decoded.

The envelope is made by the SDK's own system Nexus converter and encoded by the SDK's own
payload visitor (what a worker does before the request leaves it), with the gzip codec; the
SDK's visitor decoding it is the oracle. The first tests build the history around it from
the API's messages; the last records a real one: a workflow signals-with-start another
through the dev server's ``__temporal_system`` endpoint (enabled by its dynamic config).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import (
    Header,
    Memo,
    Payload,
    Payloads,
    SearchAttributes,
    WorkflowType,
)
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent, NexusOperationScheduledEventAttributes
from temporalio.api.workflowservice.v1 import SignalWithStartWorkflowExecutionRequest
from temporalio.bridge.worker import _Visitor
from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.nexus.system import _SystemNexusOuterPayloadConverter, maybe_visit_payload
from temporalio.worker import Worker

from inspector.codecs import GzipCodec
from inspector.documents import parse_document, render_readable
from inspector.documents.nexus import open_envelope
from inspector.pipeline import Pipeline
from inspector.views import transform_document
from tests.support.encoded_workflows import (
    NEXUS_MEMO,
    NEXUS_SIGNAL_ARG,
    NEXUS_TARGET_ARG,
    NexusCallerWorkflow,
    NexusTargetWorkflow,
)
from tests.support.history import export_history_args
from tests.support.sdk_codecs import SdkGzipCodec

CONVERT = DataConverter.default.payload_converter


def _request() -> SignalWithStartWorkflowExecutionRequest:
    [arg, signal] = CONVERT.to_payloads(["ORDER-9", {"approved": True}])
    return SignalWithStartWorkflowExecutionRequest(
        namespace="default",
        workflow_id="order-9",
        workflow_type=WorkflowType(name="OrderWorkflow"),
        input=Payloads(payloads=[arg]),
        signal_name="approve",
        signal_input=Payloads(payloads=[signal]),
        memo=Memo(fields={"team": CONVERT.to_payloads(["payments"])[0]}),
        header=Header(fields={"x-tenant": CONVERT.to_payloads(["tenant-7"])[0]}),
        search_attributes=SearchAttributes(
            indexed_fields={"InspectorTag": CONVERT.to_payloads(["sample"])[0]}
        ),
    )


async def _sdk_encoded() -> tuple[Payload, Payload]:
    plain = _SystemNexusOuterPayloadConverter().to_payload(_request())
    assert plain is not None
    encoded = Payload()
    encoded.CopyFrom(plain)
    visited = await maybe_visit_payload(encoded, _Visitor(SdkGzipCodec().encode), True)
    assert visited is not None
    return plain, visited


def _history(envelope: Payload) -> bytes:
    event = HistoryEvent(
        event_id=5,
        event_type=EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED,
        nexus_operation_scheduled_event_attributes=NexusOperationScheduledEventAttributes(
            endpoint="__temporal_system",
            service="temporal.api.workflowservice.v1.WorkflowService",
            operation="SignalWithStartWorkflowExecution",
            input=envelope,
        ),
    )
    return json.dumps({"events": [json_format.MessageToDict(event)]}).encode()


async def test_inner_payloads_decode_like_the_sdk() -> None:
    plain, encoded = await _sdk_encoded()
    envelope = open_envelope(encoded)
    assert envelope is not None
    encodings = [p.metadata["encoding"] for p in envelope.inner]
    # input, signal input, memo, header gzipped by the SDK; the search attribute left alone
    assert encodings == [b"binary/gzip"] * 4
    assert envelope.paths[0] == ("input", "payloads", 0)

    doc = parse_document(_history(encoded), "history.json")
    [found] = doc.payloads
    assert found.location.label.startswith("event 5 · NexusOperationScheduled")
    outcomes = await transform_document(doc, Pipeline(codec=GzipCodec()), "decoded")
    decoded = outcomes[0].payload
    assert decoded is not None
    sdk = Payload()
    sdk.CopyFrom(encoded)
    expected = await maybe_visit_payload(sdk, _Visitor(SdkGzipCodec().decode), True)
    assert expected is not None
    assert decoded == expected
    assert decoded.data == plain.data and dict(decoded.metadata) == dict(plain.metadata)

    raw = await transform_document(doc, Pipeline(codec=GzipCodec()), "raw")
    assert raw[0].payload == encoded


async def test_readable_shows_the_request_with_its_payloads_for_people() -> None:
    _, encoded = await _sdk_encoded()
    doc = parse_document(_history(encoded), "history.json")
    outcomes = await transform_document(doc, Pipeline(codec=GzipCodec()), "decoded")
    shown = json.loads(render_readable(doc, {0: outcomes[0].payload}))
    data = shown["events"][0]["nexusOperationScheduledEventAttributes"]["input"]["data"]
    assert data["workflowId"] == "order-9"
    assert data["input"]["payloads"][0]["data"] == "ORDER-9"
    assert data["signalInput"]["payloads"][0]["data"] == {"approved": True}
    assert data["memo"]["fields"]["team"]["data"] == "payments"
    assert data["header"]["fields"]["x-tenant"]["data"] == "tenant-7"
    assert data["searchAttributes"]["indexedFields"]["InspectorTag"]["metadata"]  # as it was


async def test_a_failing_inner_payload_fails_the_envelope() -> None:
    _, encoded = await _sdk_encoded()
    envelope = open_envelope(encoded)
    assert envelope is not None
    broken = list(envelope.inner)
    broken[1] = Payload(metadata={"encoding": b"binary/gzip"}, data=b"not gzip")
    doc = parse_document(_history(envelope.rebuilt(broken)), "history.json")
    outcomes = await transform_document(doc, Pipeline(codec=GzipCodec()), "decoded")
    assert outcomes[0].error is not None and "gzip" in outcomes[0].error.describe()


def test_an_unmarked_or_unknown_envelope_is_an_ordinary_payload() -> None:
    request = _request()
    plain = Payload(
        metadata={"encoding": b"binary/protobuf", "messageType": b"no.Such"},
        data=request.SerializeToString(),
    )
    assert open_envelope(plain) is None
    plain.metadata["__temporal_system_payload"] = b"true"
    assert open_envelope(plain) is None  # type unknown


# -- a real history: SignalWithStart through the dev server's __temporal_system endpoint ----


async def _real_history(server: Any, out: Path) -> Path:
    conv = dataclasses.replace(DataConverter.default, payload_codec=SdkGzipCodec())
    client = await Client.connect(server.address, namespace="default", data_converter=conv)
    suffix = uuid.uuid4().hex[:12]
    caller_id, queue = f"inspector-nexus-{suffix}", f"inspector-nexus-{suffix}"
    async with Worker(
        client, task_queue=queue, workflows=[NexusCallerWorkflow, NexusTargetWorkflow]
    ):
        result = await client.execute_workflow(
            NexusCallerWorkflow.run, f"target-{suffix}", id=caller_id, task_queue=queue
        )
        assert result == "signalled"
        target = client.get_workflow_handle(f"target-{suffix}")
        assert await target.result() == f"{NEXUS_TARGET_ARG} {NEXUS_SIGNAL_ARG}"
    shown = await server.acli(*export_history_args(caller_id), namespace="default", timeout=60)
    path = out / "history.json"
    path.write_bytes(shown.stdout)
    return path


@pytest.mark.slow
async def test_a_real_system_nexus_operation_decodes(
    make_temporal_server: Any, tmp_path: Path
) -> None:
    server = make_temporal_server(
        dynamic_config={"history.enableSignalWithStartFromWorkflow": "true"}
    )
    path = await _real_history(server, tmp_path)
    doc = parse_document(path.read_bytes(), "history.json")
    [index] = [
        i
        for i, found in enumerate(doc.payloads)
        if found.location.event_type == "NexusOperationScheduled"
    ]
    encoded = doc.payloads[index].payload
    envelope = open_envelope(encoded)
    assert envelope is not None
    assert [p.metadata["encoding"] for p in envelope.inner] == [b"binary/gzip"] * 3

    outcomes = await transform_document(doc, Pipeline(codec=GzipCodec()), "decoded")
    decoded = outcomes[index].payload
    sdk = Payload()
    sdk.CopyFrom(encoded)
    assert decoded == await maybe_visit_payload(sdk, _Visitor(SdkGzipCodec().decode), True)

    shown = json.loads(render_readable(doc, {i: o.payload for i, o in outcomes.items()}))
    event = next(e for e in shown["events"] if "nexusOperationScheduledEventAttributes" in e)
    data = event["nexusOperationScheduledEventAttributes"]["input"]["data"]
    assert data["input"]["payloads"][0]["data"] == NEXUS_TARGET_ARG
    assert data["signalInput"]["payloads"][0]["data"] == NEXUS_SIGNAL_ARG
    assert data["memo"]["fields"]["team"]["data"] == NEXUS_MEMO["team"]
