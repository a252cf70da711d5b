"""The runs a history points to: its parent, the run it continued (or retried), the run that
continued it, and its children — what the app offers to open next, each in its own tab.

Read off the proto JSON of the events (``temporal workflow show -o json``'s shape), so it
works for a history fetched or opened from a file alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Link:
    """A related run: what it is to this one (for the menu), its workflow id and run id."""

    label: str
    workflow_id: str
    run_id: str


def _attrs(event: Any, name: str) -> dict[str, Any]:
    value = event.get(name) if isinstance(event, dict) else None
    return value if isinstance(value, dict) else {}


def _execution(value: Any) -> tuple[str, str] | None:
    if isinstance(value, dict) and value.get("workflowId"):
        return str(value["workflowId"]), str(value.get("runId", ""))
    return None


def related_runs(events: Sequence[Any], workflow_id: str) -> list[Link]:
    """Parent, previous run, children and next run of the run whose ``events`` these are
    (in the order they happened)."""
    if not events:
        return []
    links: list[Link] = []
    started = _attrs(events[0], "workflowExecutionStartedEventAttributes")
    parent = _execution(started.get("parentWorkflowExecution"))
    if parent is not None:
        links.append(Link(f"Parent: {parent[0]}", *parent))
    previous = started.get("continuedExecutionRunId")
    if previous:
        initiator = str(started.get("initiator", ""))
        why = "retried" if initiator.endswith("RETRY") else "continued as new"
        if initiator.endswith("CRON_SCHEDULE"):
            why = "cron"
        links.append(Link(f"Previous run ({why})", workflow_id, str(previous)))
    for event in events:
        child = _attrs(event, "childWorkflowExecutionStartedEventAttributes")
        execution = _execution(child.get("workflowExecution"))
        if execution is not None:
            kind = _attrs(child, "workflowType").get("name", "")
            links.append(
                Link(f"Child {kind}: {execution[0]}".replace("Child : ", "Child: "), *execution)
            )
    last = events[-1]
    for name, why in (
        ("workflowExecutionContinuedAsNewEventAttributes", "continued as new"),
        ("workflowExecutionFailedEventAttributes", "retry"),
        ("workflowExecutionTimedOutEventAttributes", "retry"),
    ):
        new_run = _attrs(last, name).get("newExecutionRunId")
        if new_run:
            links.append(Link(f"Next run ({why})", workflow_id, str(new_run)))
    return links
