"""One real run of ``InspectorEncodedWorkflow`` (``encoded_workflows``) on the dev server,
exported by the CLI: a worker with the gzip codec, ``HeaderCodecBehavior.CODEC`` and the
failure converter's ``encode_common_attributes``, so the history's header and every failure
of the activity's cause chain are encoded."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

from temporalio.client import Client
from temporalio.common import HeaderCodecBehavior
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.worker import Worker

from tests.support.encoded_workflows import EncodedWorkflow, TenantHeader, charge_card
from tests.support.history import export_history_args
from tests.support.sdk_codecs import SdkGzipCodec
from tests.support.temporal_server import TemporalDevServer


async def make_encoded_history(server: TemporalDevServer, out: Path) -> Path:
    """``out/history.json``: the CLI's export of one run."""
    conv = dataclasses.replace(
        DataConverter.default,
        payload_codec=SdkGzipCodec(),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
    suffix = uuid.uuid4().hex[:12]
    client = await Client.connect(
        server.address,
        namespace="default",
        data_converter=conv,
        interceptors=[TenantHeader()],
        header_codec_behavior=HeaderCodecBehavior.CODEC,
    )
    workflow_id = f"inspector-encoded-{suffix}"
    async with Worker(
        client,
        task_queue=f"inspector-encoded-{suffix}",
        workflows=[EncodedWorkflow],
        activities=[charge_card],
    ):
        result = await client.execute_workflow(
            EncodedWorkflow.run, "ORDER-9", id=workflow_id, task_queue=f"inspector-encoded-{suffix}"
        )
    assert result == "ORDER-9 declined"
    shown = await server.acli(*export_history_args(workflow_id), namespace="default", timeout=60)
    path = out / "history.json"
    path.write_bytes(shown.stdout)
    return path
