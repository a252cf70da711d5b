"""Descriptions the Temporal CLI prints: a schedule, a standalone activity, a workflow.

``temporal schedule describe -o json``, ``temporal activity describe -o json`` and
``temporal workflow describe -o json`` print the service's ``Describe…Response`` as proto JSON
(the CLI may write ``json/plain`` payloads as bare values). Their payloads — a schedule's
workflow input, memo and header, an activity's input, heartbeat details, last failure and
outcome, a workflow's memo — are found by the same descriptor-led walk as a history's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.descriptor import Descriptor
from temporalio.api.workflowservice.v1 import (
    DescribeActivityExecutionResponse,
    DescribeScheduleResponse,
    DescribeWorkflowExecutionResponse,
)

from inspector.documents.history import message_payloads
from inspector.documents.model import FoundPayload


def _has(key: str, *inner: str) -> Callable[[dict[str, Any]], bool]:
    def test(root: dict[str, Any]) -> bool:
        value = root.get(key)
        return isinstance(value, dict) and (not inner or any(k in value for k in inner))

    return test


# (what it is, how to tell, its message): the first that matches is the document's shape
_SHAPES: tuple[tuple[str, Callable[[dict[str, Any]], bool], Descriptor], ...] = (
    ("schedule", _has("schedule"), DescribeScheduleResponse.DESCRIPTOR),
    (
        "activity",
        _has("info", "activityId", "activity_id"),
        DescribeActivityExecutionResponse.DESCRIPTOR,
    ),
    ("workflow", _has("workflowExecutionInfo"), DescribeWorkflowExecutionResponse.DESCRIPTOR),
    ("workflow", _has("workflow_execution_info"), DescribeWorkflowExecutionResponse.DESCRIPTOR),
)


def described_payloads(root: dict[str, Any], source: str) -> list[FoundPayload] | None:
    """The payloads of a description, or None when ``root`` is none of them."""
    for head, matches, desc in _SHAPES:
        if matches(root):
            return message_payloads(root, desc, "", source, head=head)
    return None
