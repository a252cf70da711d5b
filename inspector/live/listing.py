"""The server's visibility list: which executions a query finds, one row each.

Rows carry what people pick a run by (id, run, type, status, start and close time); status
names are the ones visibility queries use (``ExecutionStatus="Failed"``), so what is shown
is what can be typed back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.api.workflowservice.v1 import ListWorkflowExecutionsRequest

from inspector.live.errors import trouble

if TYPE_CHECKING:
    from temporalio.client import Client

    from inspector.live.connection import ConnectArgs

CALL_TIMEOUT = timedelta(seconds=30)
PAGE_SIZE = 100
_STATUS_PREFIX = "WORKFLOW_EXECUTION_STATUS_"


@dataclass(frozen=True)
class Execution:
    """One row of the list; times are RFC 3339 text, ``close_time`` ``None`` while running."""

    workflow_id: str
    run_id: str
    type: str
    status: str
    start_time: str | None
    close_time: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "workflowId": self.workflow_id,
            "runId": self.run_id,
            "type": self.type,
            "status": self.status,
            "startTime": self.start_time,
            "closeTime": self.close_time,
        }

    @property
    def running(self) -> bool:
        return self.status == "Running"


def status_name(value: int) -> str:
    """``WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW`` → ``ContinuedAsNew``."""
    name = WorkflowExecutionStatus.Name(value).removeprefix(_STATUS_PREFIX)  # type: ignore[arg-type]
    return "".join(part.capitalize() for part in name.split("_"))


def _time(info: Any, name: str) -> str | None:
    if not info.HasField(name):
        return None
    text: str = getattr(info, name).ToJsonString()
    return text


def _row(info: Any) -> Execution:
    return Execution(
        workflow_id=info.execution.workflow_id,
        run_id=info.execution.run_id,
        type=info.type.name,
        status=status_name(info.status),
        start_time=_time(info, "start_time"),
        close_time=_time(info, "close_time"),
    )


async def list_page(
    client: Client,
    args: ConnectArgs,
    query: str = "",
    *,
    page_size: int = PAGE_SIZE,
    token: bytes = b"",
) -> tuple[list[Execution], bytes]:
    """One page of executions matching ``query`` (newest first, as the server orders them)
    and the token of the next page (empty at the end)."""
    request = ListWorkflowExecutionsRequest(
        namespace=args.namespace, page_size=page_size, next_page_token=token, query=query
    )
    try:
        response = await client.workflow_service.list_workflow_executions(
            request, timeout=CALL_TIMEOUT
        )
    except Exception as e:
        raise trouble(e, args) from None
    return [_row(info) for info in response.executions], response.next_page_token


async def list_executions(
    client: Client, args: ConnectArgs, query: str = "", limit: int | None = None
) -> AsyncIterator[Execution]:
    """Executions matching ``query``, at most ``limit`` (all when ``None``), page by page."""
    token = b""
    shown = 0
    while limit is None or shown < limit:
        size = PAGE_SIZE if limit is None else min(PAGE_SIZE, limit - shown)
        rows, token = await list_page(client, args, query, page_size=size, token=token)
        for row in rows:
            yield row
            shown += 1
            if limit is not None and shown >= limit:
                return
        if not token:
            return
