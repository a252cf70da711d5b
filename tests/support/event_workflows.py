"""A workflow whose history has what an event view must group: a timer, an activity that
fails twice and then succeeds (retries), a child workflow, and an activity that fails for
good with a cause chain. Run on the real dev server; exported with the real CLI."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.converter import DataConverter
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.worker import Worker

from tests.support.history import WORKER_IDENTITY, export_history_args
from tests.support.temporal_server import TemporalDevServer

FLAKY_FAILURES = 2  # the flaky activity fails this often before it succeeds
DOOMED_TYPE = "OrderFailed"
CAUSE_TEXT = "inventory missing for"


@activity.defn(name="inspector_flaky")
async def flaky(label: str) -> str:
    attempt = activity.info().attempt
    if attempt <= FLAKY_FAILURES:
        raise ApplicationError(f"{label}: attempt {attempt} failed", type="Flaky")
    return f"{label}: ok on attempt {attempt}"


@activity.defn(name="inspector_doomed")
async def doomed(order: str) -> str:
    try:
        raise ValueError(f"{CAUSE_TEXT} {order}")
    except ValueError as cause:
        raise ApplicationError(
            f"order {order} failed", {"order": order}, type=DOOMED_TYPE, non_retryable=True
        ) from cause


@workflow.defn(name="InspectorChildWorkflow")
class InspectorChildWorkflow:
    @workflow.run
    async def run(self, value: int) -> int:
        return value * 2


@workflow.defn(name="InspectorEventsWorkflow")
class InspectorEventsWorkflow:
    @workflow.run
    async def run(self, order: str) -> dict[str, Any]:
        await workflow.sleep(timedelta(milliseconds=200))
        flaky_result = await workflow.execute_activity(
            flaky,
            order,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(milliseconds=100),
                backoff_coefficient=1.0,
                maximum_attempts=FLAKY_FAILURES + 2,
            ),
        )
        child = await workflow.execute_child_workflow(
            InspectorChildWorkflow.run, 21, id=f"{workflow.info().workflow_id}-child"
        )
        failed = None
        try:
            await workflow.execute_activity(
                doomed,
                order,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
        except ActivityError as err:
            failed = str(err.cause)
        return {"flaky": flaky_result, "child": child, "failed": failed}


@dataclass(frozen=True)
class EventsRun:
    """The run's export (``temporal workflow show -o json``) and where it was written."""

    path: Path
    workflow_id: str
    history: dict[str, Any]
    result: dict[str, Any]


async def make_events_history(
    server: TemporalDevServer,
    tmp_dir: Path,
    data_converter: DataConverter | None = None,
    *,
    timeout: float = 120.0,  # noqa: ASYNC109 - bounded by default, on purpose
) -> EventsRun:
    suffix = uuid.uuid4().hex[:12]
    workflow_id, task_queue = f"inspector-events-{suffix}", f"inspector-events-tq-{suffix}"
    async with asyncio.timeout(timeout):
        client = await Client.connect(
            server.address,
            data_converter=data_converter or DataConverter.default,
            identity=WORKER_IDENTITY,
        )
        async with Worker(
            client,
            task_queue=task_queue,
            workflows=[InspectorEventsWorkflow, InspectorChildWorkflow],
            activities=[flaky, doomed],
        ):
            result = await client.execute_workflow(
                InspectorEventsWorkflow.run,
                "ORDER-4711",
                id=workflow_id,
                task_queue=task_queue,
                execution_timeout=timedelta(seconds=timeout),
            )
    shown = await server.acli(*export_history_args(workflow_id), timeout=60)
    path = tmp_dir / "events-history.json"
    await asyncio.to_thread(path.write_bytes, shown.stdout)
    return EventsRun(path, workflow_id, json.loads(shown.stdout), result)
