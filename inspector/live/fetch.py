"""A workflow's history from the server, page by page, as ``temporal workflow show -o json``
prints it.

Pages are read with the workflow service's own call (no data converter: payloads stay as
the server keeps them, to be decoded by our pipeline) and turned into the proto JSON the CLI
writes (``{"events": [...]}``, camelCase, int64 as strings, enums by name), which is what
every reader of ours already takes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from google.protobuf import json_format
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest

from inspector.live.connection import connect
from inspector.live.errors import ConnectionTrouble, trouble

if TYPE_CHECKING:
    from temporalio.client import Client

    from inspector.live.connection import ConnectArgs, Connection

CALL_TIMEOUT = timedelta(seconds=30)


def event_json(event: Any) -> dict[str, Any]:
    """One ``HistoryEvent`` as the CLI's proto JSON."""
    out: dict[str, Any] = json_format.MessageToDict(event)
    return out


def _page_json(events: Any) -> list[dict[str, Any]]:
    return [event_json(e) for e in events]


async def history_pages(
    client: Client,
    args: ConnectArgs,
    workflow_id: str,
    run_id: str | None = None,
    *,
    page_size: int = 0,
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every page of the run's history, in order, each a list of events in proto JSON
    (``page_size`` 0: the server's own). No run id: the latest run. Trouble is one
    ``ConnectionTrouble`` line."""
    token = b""
    while True:
        request = GetWorkflowExecutionHistoryRequest(
            namespace=args.namespace,
            execution=WorkflowExecution(workflow_id=workflow_id, run_id=run_id or ""),
            next_page_token=token,
            maximum_page_size=page_size,
        )
        try:
            response = await client.workflow_service.get_workflow_execution_history(
                request, timeout=CALL_TIMEOUT
            )
        except Exception as e:
            raise trouble(e, args, workflow_id) from None
        # A page can hold thousands of events: converted off the loop (the app's GUI thread).
        yield await asyncio.to_thread(_page_json, response.history.events)
        token = response.next_page_token
        if not token:
            return


async def fetch_history_json(
    connection: Connection, workflow_id: str, run_id: str | None = None
) -> bytes:
    """The whole history (all pages) as the JSON text of ``temporal workflow show -o json``."""
    client, args = await connect(connection)
    events: list[dict[str, Any]] = []
    async for page in history_pages(client, args, workflow_id, run_id):
        events += page
    if not events:
        raise ConnectionTrouble(
            f"{args.address}: workflow '{workflow_id}' in namespace '{args.namespace}' has no "
            "events — check the run id"
        )
    return await asyncio.to_thread(_history_text, events)


def _history_text(events: list[dict[str, Any]]) -> bytes:
    return json.dumps({"events": events}, indent=2, ensure_ascii=False).encode("utf-8")
