"""A workflow whose history carries codec-encoded headers and failure attributes.

Sandbox-friendly like ``tests.support.workflows``: only the standard library and ``temporalio``.
What one run puts in its history:

- ``WorkflowExecutionStarted`` with a header ``x-tenant`` that a client interceptor adds
  (encoded by the codec when the client has ``HeaderCodecBehavior.CODEC``);
- ``ActivityTaskFailed`` of ``inspector_charge_card``: an ``ApplicationError`` with
  ``details``, caused by another with ``details`` of its own; with the failure converter's
  ``encode_common_attributes`` every failure of the chain says "Encoded failure" and keeps
  its message and stack trace in ``encodedAttributes``;
- ``WorkflowExecutionCompleted`` with a small result.

``InspectorNexusCaller`` signals-with-start ``InspectorNexusTarget`` through the
``__temporal_system`` Nexus endpoint: its ``NexusOperationScheduled`` input is a system
envelope whose inner payloads (input, signal input, memo) the codec encoded.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.client import Interceptor, OutboundInterceptor, StartWorkflowInput
from temporalio.common import RetryPolicy
from temporalio.converter import DataConverter
from temporalio.exceptions import ActivityError, ApplicationError

TENANT_HEADER = "x-tenant"
TENANT = "tenant-7 ✓"
DECLINED = {"message": "card declined", "type": "CardDeclined", "details": {"code": 51}}
TIMEOUT = {"message": "gateway timed out", "type": "GatewayTimeout", "details": ["gw-eu-1", 3]}


@activity.defn(name="inspector_charge_card")
async def charge_card(order_id: str) -> None:
    try:
        raise ApplicationError(
            TIMEOUT["message"], *TIMEOUT["details"], type=TIMEOUT["type"], non_retryable=True
        )
    except ApplicationError as cause:
        raise ApplicationError(
            DECLINED["message"], DECLINED["details"], type=DECLINED["type"], non_retryable=True
        ) from cause


@workflow.defn(name="InspectorEncodedWorkflow")
class EncodedWorkflow:
    @workflow.run
    async def run(self, order_id: str) -> str:
        try:
            await workflow.execute_activity(
                charge_card,
                order_id,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
        except ActivityError:
            return f"{order_id} declined"
        return f"{order_id} charged"


class TenantHeader(Interceptor):
    """Adds the ``x-tenant`` header to every workflow the client starts."""

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _TenantOutbound(next)


class _TenantOutbound(OutboundInterceptor):
    async def start_workflow(self, input: StartWorkflowInput) -> Any:
        header = DataConverter.default.payload_converter.to_payloads([TENANT])[0]
        input.headers = {**input.headers, TENANT_HEADER: header}
        return await super().start_workflow(input)


# -- a system Nexus operation: SignalWithStart from a workflow (needs the dev server's dynamic
# config ``history.enableSignalWithStartFromWorkflow=true``) --------------------------------

with workflow.unsafe.imports_passed_through():
    from temporalio.nexus.system.workflow_service import signal_with_start_workflow

NEXUS_TARGET_ARG = "ORDER-9"
NEXUS_SIGNAL_ARG = "go"
NEXUS_MEMO = {"team": "payments"}


@workflow.defn(name="InspectorNexusTarget")
class NexusTargetWorkflow:
    def __init__(self) -> None:
        self.got: str | None = None

    @workflow.run
    async def run(self, arg: str) -> str:
        await workflow.wait_condition(lambda: self.got is not None)
        return f"{arg} {self.got}"

    @workflow.signal
    def poke(self, value: str) -> None:
        self.got = value


@workflow.defn(name="InspectorNexusCaller")
class NexusCallerWorkflow:
    @workflow.run
    async def run(self, target_id: str) -> str:
        await signal_with_start_workflow(
            "InspectorNexusTarget",
            NEXUS_TARGET_ARG,
            id=target_id,
            task_queue=workflow.info().task_queue,
            signal="poke",
            signal_args=[NEXUS_SIGNAL_ARG],
            memo=NEXUS_MEMO,
        )
        return "signalled"
