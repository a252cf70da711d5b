"""What the detail pane shows for an event or a group, and the failure beside a payload:
texts made from the history and the current view's outcomes (no widgets here)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from inspector.documents import Document, read_value
from inspector.documents.events import Event, EventGroup, FailureInfo, History
from inspector.documents.json_text import dumps
from inspector.outcomes import Outcome

from .event_model import duration_text, group_summary
from .failure_card import ShownFailure, shown_chain


@dataclass(frozen=True)
class EventShown:
    """The pane's texts for one event (or a group, shown by its first event)."""

    title: str
    pointer: str
    text: str
    summary: str
    failure: list[ShownFailure]


def _event_json(doc: Document, event: Event) -> str:
    node: Any = doc.root
    for token in event.pointer.split("/")[1:]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    return dumps(node, event.pointer)


def decoded_value(doc: Document, outcomes: Mapping[int, Outcome] | None) -> Callable[[str], Any]:
    """``lookup(pointer)``: the decoded JSON value of the payload at ``pointer`` in the
    current view's results, or None (not a payload, not decoded, not JSON)."""
    by_pointer = {found.location.pointer: i for i, found in enumerate(doc.payloads)}

    def lookup(pointer: str) -> Any:
        index = by_pointer.get(pointer)
        outcome = outcomes.get(index) if outcomes is not None and index is not None else None
        if outcome is None or outcome.payload is None:
            return None
        value = read_value(outcome.payload)
        return value.value if value.is_json else None

    return lookup


def failure_beside(event: Event | None, lookup: Callable[[str], Any]) -> list[ShownFailure]:
    """The failure of the event a payload belongs to (its details, say), if any."""
    failure = event.failure if event is not None else None
    return shown_chain(failure, lookup) if failure is not None else []


def event_shown(
    doc: Document, history: History, position: int, lookup: Callable[[str], Any]
) -> EventShown:
    event = history.events[position]
    group = history.groups[event.group] if event.group >= 0 else None
    summary = event.summary
    if group is not None and len(group.events) > 1:
        summary = f"{summary} · part of {group.kind} {group.title!r}: {group.status}".lstrip(" ·")
    return EventShown(
        title=f"event {event.event_id} · {event.type}",
        pointer=event.pointer,
        text=_event_json(doc, event),
        summary=summary,
        failure=_chain(event.failure, lookup),
    )


def group_shown(
    doc: Document, history: History, group_index: int, lookup: Callable[[str], Any]
) -> EventShown:
    group: EventGroup = history.groups[group_index]
    first = history.events[group.events[0]]
    ids = [history.events[n].event_id for n in group.events]
    facts = [group_summary(group)]
    if group.duration is not None:
        facts.append(duration_text(group.duration))
    failure = group.failure or group.last_attempt_failure
    return EventShown(
        title=f"{group.kind} {group.title} · events {', '.join(map(str, ids))}",
        pointer=first.pointer,
        text=_event_json(doc, first),
        summary=" · ".join(facts),
        failure=_chain(failure, lookup),
    )


def _chain(failure: FailureInfo | None, lookup: Callable[[str], Any]) -> list[ShownFailure]:
    return shown_chain(failure, lookup) if failure is not None else []
