"""Two real runs of one order: the first one's charge is declined once and retried, the
second one's goes through at once (``InspectorRetryWorkflow``). Their histories are what
``diff`` of a run and its retry is tested on.

The worker encodes with the SDK's ``DataConverter`` and the reference gzip codec, and the
real CLI exports both histories, as ``make_real_history`` does for the sample workflow.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.worker import Worker

from tests.support.history import WORKER_IDENTITY, export_history_args
from tests.support.sdk_codecs import SdkGzipCodec
from tests.support.temporal_server import TemporalDevServer
from tests.support.workflows import ChargeInput, InspectorRetryWorkflow, charge

PROFILE = {"namespaces": ["*"], "codecs": ["gzip"]}


@dataclass(frozen=True)
class RetryRuns:
    """The retried run's history file, the clean run's, and what each returned."""

    retried: Path
    clean: Path
    retried_result: dict[str, object]
    clean_result: dict[str, object]


async def make_retry_histories(
    server: TemporalDevServer,
    tmp_dir: Path,
    timeout: float = 120.0,  # noqa: ASYNC109 - bounded by default, on purpose
) -> RetryRuns:
    converter = dataclasses.replace(DataConverter.default, payload_codec=SdkGzipCodec())
    suffix = uuid.uuid4().hex[:12]
    task_queue = f"inspector-retry-{suffix}"
    inp = ChargeInput(order_id=f"ORDER-{suffix}", amount=129.5, customer="Zoë Ünterberg")
    paths, results = [], []
    async with asyncio.timeout(timeout):
        client = await Client.connect(
            server.address, data_converter=converter, identity=WORKER_IDENTITY
        )
        async with Worker(
            client, task_queue=task_queue, workflows=[InspectorRetryWorkflow], activities=[charge]
        ):
            for name in ("retried", "clean"):
                workflow_id = f"inspector-retry-{name}-{suffix}"
                handle = await client.start_workflow(
                    InspectorRetryWorkflow.run,
                    inp,
                    id=workflow_id,
                    task_queue=task_queue,
                    execution_timeout=timedelta(seconds=timeout),
                )
                results.append(await handle.result())
                shown = await server.acli(*export_history_args(workflow_id), timeout=60)
                path = tmp_dir / f"{name}.json"
                await asyncio.to_thread(path.write_bytes, shown.stdout)
                json.loads(shown.stdout)  # the CLI wrote JSON
                paths.append(path)
    return RetryRuns(paths[0], paths[1], results[0], results[1])
