"""Runs that point to other runs: a parent that starts a child workflow and then continues as
new once, and a workflow whose first attempt fails and is retried by its retry policy.
Sandbox-friendly (the standard library and ``temporalio`` only), like ``workflows.py``;
``make_linked_runs`` drives them on a dev server."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.client import Client, WorkflowFailureError
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker


@workflow.defn(name="InspectorLinkedChild")
class LinkedChild:
    @workflow.run
    async def run(self, name: str) -> str:
        return f"child {name} done"


@workflow.defn(name="InspectorLinkedParent")
class LinkedParent:
    @workflow.run
    async def run(self, generation: int) -> str:
        if generation == 0:
            await workflow.execute_child_workflow(
                LinkedChild.run, "one", id=f"{workflow.info().workflow_id}-child"
            )
            workflow.continue_as_new(1)
        return f"generation {generation} done"


@workflow.defn(name="InspectorRetriedWorkflow")
class RetriedWorkflow:
    @workflow.run
    async def run(self) -> str:
        if workflow.info().attempt == 1:
            raise ApplicationError("first attempt fails")
        return "second attempt done"


@dataclass(frozen=True)
class LinkedRuns:
    workflow_id: str
    first_run: str  # started the child, then continued as new
    last_run: str
    child_id: str
    child_run: str
    retried_id: str
    retried_first_run: str  # failed, retried as retried_last_run
    retried_last_run: str


async def make_linked_runs(address: str) -> LinkedRuns:
    """Run the parent (and its child) to the end; the ids of every run."""
    client = await Client.connect(address)
    suffix = uuid.uuid4().hex[:10]
    workflow_id, queue = f"inspector-linked-{suffix}", f"inspector-linked-tq-{suffix}"
    workflows = [LinkedParent, LinkedChild, RetriedWorkflow]
    async with Worker(client, task_queue=queue, workflows=workflows):
        handle = await client.start_workflow(LinkedParent.run, 0, id=workflow_id, task_queue=queue)
        await handle.result()
        retried = await client.start_workflow(
            RetriedWorkflow.run,
            id=f"{workflow_id}-retried",
            task_queue=queue,
            retry_policy=RetryPolicy(maximum_attempts=2, initial_interval=timedelta(seconds=1)),
        )
        try:
            await retried.result()
        except WorkflowFailureError:
            raise AssertionError("the retry should have succeeded") from None
    child = client.get_workflow_handle(f"{workflow_id}-child")
    child_run = (await child.describe()).run_id
    last = (await client.get_workflow_handle(workflow_id).describe()).run_id
    retried_last = (await retried.describe()).run_id
    return LinkedRuns(
        workflow_id, handle.first_execution_run_id or "", last, child.id, child_run,
        retried.id, retried.first_execution_run_id or "", retried_last,
    )  # fmt: skip
