"""A history read as a Temporal engineer reads it: every event in order with a one-line
summary, events grouped into what happened (an activity from scheduled to completed, a
timer, a child workflow, a workflow task, an update), and failures with their cause chain.

It reads the document's JSON as it is (``temporal workflow show -o json``, the Web UI's
download), knows no Qt and decodes nothing: a failure points at its payloads (details,
``encodedAttributes``) by JSON pointer, and the face that shows it finds their outcomes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from inspector.documents.history import event_id_of, event_type_of
from inspector.documents.model import Document, DocumentKind, escape

# Terminal event types by their last word, and the status they give their group.
_ENDINGS = (
    ("Completed", "completed"),
    ("Failed", "failed"),
    ("TimedOut", "timed out"),
    ("Canceled", "canceled"),
    ("Terminated", "terminated"),
    ("ContinuedAsNew", "continued as new"),
    ("Fired", "fired"),
    ("Signaled", "signaled"),
    ("CancelRequested", "cancel requested"),
)
# Which attribute names the event that opens a group, by the group's opening event type.
_LINKS = {
    "ActivityTaskScheduled": ("activity", "scheduledEventId"),
    "TimerStarted": ("timer", "startedEventId"),
    "StartChildWorkflowExecutionInitiated": ("child workflow", "initiatedEventId"),
    "WorkflowTaskScheduled": ("workflow task", "scheduledEventId"),
    "SignalExternalWorkflowExecutionInitiated": ("signal", "initiatedEventId"),
    "RequestCancelExternalWorkflowExecutionInitiated": ("cancel request", "initiatedEventId"),
    "NexusOperationScheduled": ("nexus operation", "scheduledEventId"),
}
_FAILURE_INFOS = {
    "applicationFailureInfo": "application error",
    "timeoutFailureInfo": "timeout",
    "canceledFailureInfo": "canceled",
    "terminatedFailureInfo": "terminated",
    "serverFailureInfo": "server error",
    "resetWorkflowFailureInfo": "reset",
    "activityFailureInfo": "activity failed",
    "childWorkflowExecutionFailureInfo": "child workflow failed",
    "nexusOperationExecutionFailureInfo": "nexus operation failed",
    "nexusHandlerFailureInfo": "nexus handler failed",
}
MAX_CAUSES = 64  # a cause chain is walked this deep at most (documents are untrusted)


@dataclass(frozen=True)
class FailureInfo:
    """One failure of a cause chain, as the event carries it (``encodedAttributes`` still
    encoded: ``encoded_pointer`` names that payload for the face to look up)."""

    message: str
    kind: str  # "application error", "timeout", "activity failed", …
    type_name: str | None  # the application error's type
    stack_trace: str
    source: str | None
    non_retryable: bool | None
    retry_state: str | None
    timeout_type: str | None
    pointer: str
    details_pointer: str | None
    encoded_pointer: str | None
    cause: FailureInfo | None = None

    def chain(self) -> list[FailureInfo]:
        """This failure and its causes, outermost first."""
        found: list[FailureInfo] = []
        node: FailureInfo | None = self
        while node is not None:
            found.append(node)
            node = node.cause
        return found

    def headline(self) -> str:
        """``OrderRejected: order 4711 rejected`` — what a person reads first."""
        what = self.type_name or self.kind
        return f"{what}: {self.message}" if self.message else what


@dataclass(frozen=True)
class Event:
    """One event: where it is, what it says in a line, and the payloads it carries."""

    index: int
    event_id: int | None
    time: dt.datetime | None
    type: str
    summary: str
    pointer: str
    payloads: tuple[int, ...]  # indices into the document's payloads
    failure: FailureInfo | None
    group: int = -1


@dataclass(frozen=True)
class EventGroup:
    """What happened, from its first event to its last (the Web UI's compact view)."""

    kind: str  # "activity", "timer", "child workflow", "workflow task", "update", "event", …
    title: str
    status: str
    events: tuple[int, ...]  # indices into ``History.events``
    attempt: int | None = None
    failure: FailureInfo | None = None  # of its last failed event
    last_attempt_failure: FailureInfo | None = None  # the failure a retry started after
    started: dt.datetime | None = None
    ended: dt.datetime | None = None

    @property
    def duration(self) -> dt.timedelta | None:
        if self.started is None or self.ended is None:
            return None
        return self.ended - self.started

    @property
    def retries(self) -> int:
        return max((self.attempt or 1) - 1, 0)


@dataclass(frozen=True)
class History:
    """A history's events and groups; ``event_for_payload`` maps a payload to its event."""

    events: tuple[Event, ...]
    groups: tuple[EventGroup, ...]
    _payload_event: dict[int, int] = field(default_factory=dict, repr=False)

    def event_for_payload(self, payload_index: int) -> Event | None:
        at = self._payload_event.get(payload_index)
        return self.events[at] if at is not None else None

    def by_id(self, event_id: int) -> Event | None:
        for event in self.events:
            if event.event_id == event_id:
                return event
        return None


def read_history(doc: Document) -> History | None:
    """The events of a history document, grouped; None for any other kind of document."""
    if doc.kind is not DocumentKind.HISTORY:
        return None
    events, base = _events_of(doc.root)
    by_event: dict[int, list[int]] = {}
    prefix = f"{base}/"
    for p, found in enumerate(doc.payloads):
        head, _, _ = found.location.pointer.removeprefix(prefix).partition("/")
        if found.location.pointer.startswith(prefix) and head.isdigit():
            by_event.setdefault(int(head), []).append(p)
    read = [
        _read_event(i, raw, f"{base}/{i}", tuple(by_event.get(i, ())))
        for i, raw in enumerate(events)
        if isinstance(raw, dict)
    ]
    groups, membership = _group(read, [e for e in events if isinstance(e, dict)])
    placed = tuple(dataclasses.replace(e, group=membership.get(n, -1)) for n, e in enumerate(read))
    payload_event = {p: n for n, e in enumerate(placed) for p in e.payloads}
    return History(placed, tuple(groups), payload_event)


def event_of_payload(doc: Document, payload_index: int) -> Event | None:
    """The event a payload of a history belongs to, read alone (ungrouped): what the detail
    of one payload needs, without reading (and grouping) every event of a big history."""
    if doc.kind is not DocumentKind.HISTORY:
        return None
    events, base = _events_of(doc.root)
    pointer = doc.payloads[payload_index].location.pointer
    head = pointer.removeprefix(f"{base}/").partition("/")[0]
    if not pointer.startswith(f"{base}/") or not head.isdigit() or int(head) >= len(events):
        return None
    index = int(head)
    raw = events[index]
    if not isinstance(raw, dict):
        return None
    return _read_event(index, raw, f"{base}/{index}", (payload_index,))


def _events_of(root: Any) -> tuple[list[Any], str]:
    """The events list and its pointer, for the shapes ``reading`` accepts."""
    if isinstance(root, list):
        return root, ""
    if isinstance(root, dict):
        if isinstance(root.get("events"), list):
            return root["events"], "/events"
        history = root.get("history")
        if isinstance(history, dict) and isinstance(history.get("events"), list):
            return history["events"], "/history/events"
    return [], ""


def _attributes(raw: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for key, value in raw.items():
        if key.endswith(("EventAttributes", "_event_attributes")) and isinstance(value, dict):
            return key, value
    return "", {}


def _read_event(index: int, raw: dict[str, Any], pointer: str, payloads: tuple[int, ...]) -> Event:
    key, attrs = _attributes(raw)
    kind = event_type_of(raw) or "Unknown"
    failure = None
    if isinstance(attrs.get("failure"), dict):
        failure = read_failure(attrs["failure"], f"{pointer}/{escape(key)}/failure")
    return Event(
        index=index,
        event_id=event_id_of(raw),
        time=parse_time(raw.get("eventTime", raw.get("event_time"))),
        type=kind,
        summary=_summary(kind, attrs, failure),
        pointer=pointer,
        payloads=payloads,
        failure=failure,
    )


def read_failure(raw: dict[str, Any], pointer: str, depth: int = 0) -> FailureInfo:
    """A ``Failure`` message (proto JSON) and its causes."""
    kind, info_key, info = "failure", None, {}
    for key, name in _FAILURE_INFOS.items():
        if isinstance(raw.get(key), dict):
            kind, info_key, info = name, key, raw[key]
            break
    cause_raw = raw.get("cause")
    cause = None
    if isinstance(cause_raw, dict) and depth < MAX_CAUSES:
        cause = read_failure(cause_raw, f"{pointer}/cause", depth + 1)
    details = None
    if info_key == "applicationFailureInfo" and isinstance(info.get("details"), dict):
        details = f"{pointer}/{info_key}/details"
    encoded = "encodedAttributes" if isinstance(raw.get("encodedAttributes"), dict) else None
    non_retryable = info.get("nonRetryable")
    return FailureInfo(
        message=_text(raw.get("message")),
        kind=kind,
        type_name=_text(info.get("type")) or None,
        stack_trace=_text(raw.get("stackTrace")),
        source=_text(raw.get("source")) or None,
        non_retryable=non_retryable if isinstance(non_retryable, bool) else None,
        retry_state=_enum(info.get("retryState"), "RETRY_STATE_"),
        timeout_type=_enum(info.get("timeoutType"), "TIMEOUT_TYPE_"),
        pointer=pointer,
        details_pointer=details,
        encoded_pointer=f"{pointer}/{encoded}" if encoded else None,
        cause=cause,
    )


def parse_time(raw: Any) -> dt.datetime | None:
    """An RFC 3339 time as proto JSON writes it (nanoseconds too), or None."""
    if not isinstance(raw, str) or not raw:
        return None
    text = raw.strip().replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # Python reads at most microseconds: cut the fraction to six digits
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _name(value: Any) -> str:
    return _text(value.get("name")) if isinstance(value, dict) else ""


def _enum(value: Any, prefix: str) -> str | None:
    """``RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED`` → ``maximum attempts reached``."""
    if not isinstance(value, str) or not value:
        return None
    return value.removeprefix(prefix).replace("_", " ").lower()


def _summary(kind: str, a: dict[str, Any], failure: FailureInfo | None) -> str:
    """One line: what this event says that its type does not."""
    parts: list[str] = []
    add = parts.append
    for name, key in (
        ("", "workflowType"),
        ("", "activityType"),
        ("queue ", "taskQueue"),
    ):
        if _name(a.get(key)):
            add(f"{name}{_name(a.get(key))}")
    for label, key in (
        ("id ", "activityId"),
        ("timer ", "timerId"),
        ("signal ", "signalName"),
        ("marker ", "markerName"),
        ("", "workflowId"),
        ("after ", "startToFireTimeout"),
        ("cause ", "cause"),
    ):
        value = a.get(key)
        if isinstance(value, str) and value:
            add(
                f"{label}{_enum(value, 'WORKFLOW_TASK_FAILED_CAUSE_') if key == 'cause' else value}"
            )
    execution = a.get("workflowExecution")
    if isinstance(execution, dict) and _text(execution.get("workflowId")):
        add(_text(execution.get("workflowId")))
    attempt = a.get("attempt")
    if isinstance(attempt, int) and attempt > 1:
        add(f"attempt {attempt}")
    update = _update_name(a)
    if update:
        add(f"update {update}")
    if failure is not None:
        add(failure.headline())
    return " · ".join(parts)


def _update_name(a: dict[str, Any]) -> str:
    request = a.get("acceptedRequest") or a.get("request")
    if isinstance(request, dict):
        inp = request.get("input")
        if isinstance(inp, dict):
            return _text(inp.get("name"))
    return ""


def _update_id(a: dict[str, Any]) -> str:
    for holder in (a.get("meta"), (a.get("acceptedRequest") or a.get("request") or {})):
        if isinstance(holder, dict):
            meta = holder.get("meta", holder)
            if isinstance(meta, dict) and _text(meta.get("updateId")):
                return _text(meta.get("updateId"))
    return _text(a.get("protocolInstanceId"))


def _status(types: Sequence[str]) -> str:
    last = types[-1]
    for suffix, status in _ENDINGS:
        if last.endswith(suffix):
            return status
    if last.endswith("Started"):
        return "running"
    if last.endswith(("Scheduled", "Initiated", "Accepted", "Admitted")):
        return "scheduled" if len(types) == 1 else "running"
    return "recorded"


def _group(
    events: list[Event], raws: list[dict[str, Any]]
) -> tuple[list[EventGroup], dict[int, int]]:
    """Events into groups by the ids that link them; every event belongs to exactly one."""
    by_id = {e.event_id: n for n, e in enumerate(events) if e.event_id is not None}
    opener: dict[int, int] = {}  # event position → the position of the event opening its group
    updates: dict[str, int] = {}
    for n, (event, raw) in enumerate(zip(events, raws, strict=True)):
        _, a = _attributes(raw)
        if event.type in _LINKS:
            continue
        if event.type.startswith("WorkflowExecutionUpdate"):
            uid = _update_id(a)
            if uid:
                opener[n] = updates.setdefault(uid, n)
            continue
        for link in {key for _, key in _LINKS.values()}:
            ref = a.get(link)
            linked = (
                by_id.get(int(ref)) if isinstance(ref, int | str) and str(ref).isdigit() else None
            )
            if linked is not None and events[linked].type in _LINKS:
                opener[n] = linked
                break
    members: dict[int, list[int]] = {}
    for n in range(len(events)):
        members.setdefault(opener.get(n, n), []).append(n)
    groups: list[EventGroup] = []
    membership: dict[int, int] = {}
    for head in sorted(members):
        positions = members[head]
        for n in positions:
            membership[n] = len(groups)
        groups.append(_make_group(events, raws, positions))
    return groups, membership


def _make_group(
    events: list[Event], raws: list[dict[str, Any]], positions: list[int]
) -> EventGroup:
    first = events[positions[0]]
    _, a = _attributes(raws[positions[0]])
    types = [events[n].type for n in positions]
    kind, _ = _LINKS.get(first.type, ("", ""))
    attempt = None
    last_attempt_failure = None
    for n in positions:
        _, attrs = _attributes(raws[n])
        if events[n].type == "ActivityTaskStarted":
            if isinstance(attrs.get("attempt"), int):
                attempt = attrs["attempt"]
            if isinstance(attrs.get("lastFailure"), dict):
                last_attempt_failure = read_failure(
                    attrs["lastFailure"],
                    f"{events[n].pointer}/activityTaskStartedEventAttributes/lastFailure",
                )
    failures = [events[n].failure for n in positions if events[n].failure is not None]
    titles: dict[str, Callable[[], str]] = {
        "activity": lambda: _name(a.get("activityType")) or "activity",
        "timer": lambda: f"timer {_text(a.get('timerId'))}".strip(),
        "child workflow": lambda: _name(a.get("workflowType")) or "child workflow",
        "workflow task": lambda: "workflow task",
        "signal": lambda: f"signal {_text(a.get('signalName'))}".strip(),
        "cancel request": lambda: "cancel request",
        "nexus operation": lambda: (
            " ".join(x for x in (_text(a.get("service")), _text(a.get("operation"))) if x)
            or "nexus operation"
        ),
    }
    if not kind and first.type.startswith("WorkflowExecutionUpdate"):
        kind, title = "update", f"update {_update_name(a) or _update_id(a)}".strip()
    elif kind:
        title = titles[kind]()
    else:
        kind, title = "event", first.type
    times = [events[n].time for n in positions if events[n].time is not None]
    return EventGroup(
        kind=kind,
        title=title,
        status=_status(types) if kind != "event" else "recorded",
        events=tuple(positions),
        attempt=attempt,
        failure=failures[-1] if failures else None,
        last_attempt_failure=last_attempt_failure,
        started=times[0] if times else None,
        ended=times[-1] if len(times) > 1 else None,
    )
