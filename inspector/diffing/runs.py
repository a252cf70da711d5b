"""Aligning two runs' histories event by event, so a retry or a reset reads as what changed.

Each event gets a key: its type and what it is about — the activity id for activity events
(tasks name their scheduling event, whose id is looked up), the timer id, the child's
workflow id, the signal's name — and the n-th event of a key in one run is paired with the
n-th of that key in the other; the rest exist in one run only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inspector.documents.history import event_id_of, event_type_of


@dataclass(frozen=True)
class EventKey:
    """What an event is, for alignment: its type and its subject (activity, timer, …)."""

    type: str
    subject: str | None = None

    def describe(self) -> str:
        return f"{self.type} ({self.subject})" if self.subject else self.type


@dataclass(frozen=True)
class EventRef:
    """One event of one run: its index in the events list, id and key."""

    index: int
    event_id: int | None
    key: EventKey

    def describe(self) -> str:
        head = f"event {self.event_id}" if self.event_id is not None else f"events[{self.index}]"
        return f"{head} {self.key.describe()}"


# The attribute that names an event's subject, by event type prefix.
_SUBJECT_FIELDS = (
    ("ActivityTaskScheduled", "activityId", "activity"),
    ("TimerStarted", "timerId", "timer"),
    ("TimerFired", "timerId", "timer"),
    ("TimerCanceled", "timerId", "timer"),
    ("StartChildWorkflowExecutionInitiated", "workflowId", "child"),
    ("WorkflowExecutionSignaled", "signalName", "signal"),
    ("MarkerRecorded", "markerName", "marker"),
)
# Events that point at the event that scheduled them; they share its subject.
_SCHEDULED_BY = ("scheduledEventId", "initiatedEventId", "startedEventId")


def _attributes(event: dict[str, Any]) -> dict[str, Any]:
    for key, value in event.items():
        if key.endswith("EventAttributes") and isinstance(value, dict):
            return value
    return {}


def event_refs(events: list[Any]) -> list[EventRef]:
    """Every event's reference, subjects resolved through the ids events point at."""
    subjects: dict[int, str] = {}
    refs: list[EventRef] = []
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            refs.append(EventRef(index, None, EventKey("(not an event)")))
            continue
        event_type = event_type_of(event) or "(unknown)"
        event_id = event_id_of(event)
        attrs = _attributes(event)
        subject: str | None = None
        for type_name, field, word in _SUBJECT_FIELDS:
            if event_type == type_name and isinstance(attrs.get(field), str):
                subject = f"{word} {attrs[field]}"
        child = attrs.get("workflowExecution")
        if subject is None and event_type.startswith("ChildWorkflowExecution"):
            if isinstance(child, dict) and isinstance(child.get("workflowId"), str):
                subject = f"child {child['workflowId']}"
        if subject is None:
            for field in _SCHEDULED_BY:
                pointed = _as_int(attrs.get(field))
                if pointed is not None and pointed in subjects:
                    subject = subjects[pointed]
                    break
        if event_id is not None and subject is not None:
            subjects[event_id] = subject
        refs.append(EventRef(index, event_id, EventKey(event_type, subject)))
    return refs


def _as_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


Pair = tuple[EventRef | None, EventRef | None]


def align(a: list[EventRef], b: list[EventRef]) -> list[Pair]:
    """The two runs' events paired: the n-th event of a key in one run with the n-th of the
    same key in the other; ``None`` on the side an event is missing from. In the first run's
    order, each event only the second run has placed before the first pair that comes after
    it there. Linear: a long history is aligned as fast as it is read."""
    seen: dict[EventKey, int] = {}
    by_key: dict[tuple[EventKey, int], EventRef] = {}
    for ref in b:
        n = seen.get(ref.key, 0)
        seen[ref.key] = n + 1
        by_key[(ref.key, n)] = ref
    seen.clear()
    matched: list[Pair] = []
    used: set[int] = set()
    for ref in a:
        n = seen.get(ref.key, 0)
        seen[ref.key] = n + 1
        other = by_key.get((ref.key, n))
        if other is not None:
            used.add(other.index)
        matched.append((ref, other))
    only_b = [ref for ref in b if ref.index not in used]
    pairs: list[Pair] = []
    next_b = 0
    for ref_a, ref_b in matched:
        if ref_b is not None:
            while next_b < len(only_b) and only_b[next_b].index < ref_b.index:
                pairs.append((None, only_b[next_b]))
                next_b += 1
        pairs.append((ref_a, ref_b))
    pairs.extend((None, ref) for ref in only_b[next_b:])
    return pairs
