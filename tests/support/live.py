"""A dev server whose history pages are small, and real runs on it written by a worker with the
gzip codec and the filesystem store: what ``decode --workflow-id``, ``workflows`` and the
app's Connect window are tested against.

``PAGE_SIZE`` events a page (the dev server's ``frontend.historyMaxPageSize``), so the
sample workflow's ~25 events take several pages and every fetch must follow the tokens.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.converter import DataConverter

from tests.support.history import HistoryRun, make_real_history, sdk_converter
from tests.support.sdk_codecs import SdkGzipCodec
from tests.support.sdk_storage import SdkFilesystemDriver
from tests.support.temporal_server import TemporalDevServer

PAGE_SIZE = 4
THRESHOLD = 64 * 1024
SERVER_OPTIONS = {
    "dynamic_config": {"frontend.historyMaxPageSize": str(PAGE_SIZE)},
    "search_attributes": {"InspectorTag": "Keyword"},
}


async def make_fs_gzip_history(
    server: TemporalDevServer, tmp_dir: Path, *, large_bytes: int = 200_000
) -> HistoryRun:
    """One run of the sample workflow (gzip codec, filesystem store below ``tmp_dir/store``),
    exported by the CLI to ``tmp_dir/history.json``; ``profile`` is the inspector's."""
    store = tmp_dir / "store"
    store.mkdir(parents=True, exist_ok=True)

    @contextlib.asynccontextmanager
    async def open_converter() -> AsyncIterator[DataConverter]:
        yield sdk_converter(SdkGzipCodec(), [SdkFilesystemDriver(store)], THRESHOLD)

    async with open_converter() as converter:
        run = await make_real_history(
            server, tmp_dir, converter, converter_factory=open_converter, large_bytes=large_bytes
        )
    run.profile = {
        "namespaces": [run.namespace],
        "codecs": ["gzip"],
        "storage": {"driver": "filesystem", "path": str(store), "threshold": THRESHOLD},
    }
    return run


async def start_waiting_run(
    server: TemporalDevServer, store: Path, workflow_id: str
) -> tuple[Client, WorkflowHandle[Any, Any]]:
    """Start the sample workflow with the gzip + filesystem converter on a task queue no
    worker polls: the run stays open, and each signal sent to it is a new event."""
    client = await Client.connect(
        server.address,
        data_converter=sdk_converter(SdkGzipCodec(), [SdkFilesystemDriver(store)], THRESHOLD),
    )
    handle: WorkflowHandle[Any, Any] = await client.start_workflow(
        "InspectorSampleWorkflow",
        {"customer": "Zoë", "order_id": "ORDER-1", "items": [], "large_bytes": 1, "seed": 1},
        id=workflow_id,
        task_queue=f"nobody-polls-{workflow_id}",
        memo={"team": "payments", "ticket": "INS-7"},
        execution_timeout=timedelta(minutes=10),
    )
    return client, handle
