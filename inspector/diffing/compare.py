"""Two documents (or two payloads of them) compared as people read them: payloads decoded and
shown as values, histories aligned event by event.

The inputs are what each side shows — payloads after the view and any redaction — so a diff
never reveals what a screenshot would hide. Between two runs some fields always differ and
say nothing about what the workflow carried (times, task and request ids, identities, run
ids, event ids and the ids that point at other events, which the alignment already names):
those are not compared in histories; payload values always are, whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from temporalio.api.common.v1 import Payload

from inspector.diffing.runs import EventRef, align, event_refs
from inspector.diffing.values import MISSING, Change, ChangeKind, diff_values, without
from inspector.documents import Document, DocumentKind, FoundPayload, payload_to_readable
from inspector.documents.writing import rebuild

# Keys of a history event that differ between any two runs (see the module's docstring).
RUN_FIELDS = frozenset(
    {
        "eventId",
        "eventTime",
        "taskId",
        "identity",
        "requestId",
        "runId",
        "originalExecutionRunId",
        "firstExecutionRunId",
        "continuedExecutionRunId",
        "newExecutionRunId",
        "workflowExecutionExpirationTime",
        "prevAutoResetPoints",
        "workerVersion",
        "workerVersionStamp",
        "sdkMetadata",
        "meteringMetadata",
        "historySizeBytes",
        "lastWorkerIdentity",
    }
)


@dataclass(frozen=True)
class Difference:
    """One difference: where (an event pair, a payload, the document), the JSON pointer
    inside it, and both values (``None`` on a side that lacks it)."""

    where: str
    path: str
    kind: ChangeKind
    a: Any = MISSING
    b: Any = MISSING

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"where": self.where, "path": self.path, "kind": self.kind}
        if self.kind != "added":
            out["a"] = self.a
        if self.kind != "removed":
            out["b"] = self.b
        return out


@dataclass(frozen=True)
class Side:
    """One side of a diff: the document and the payloads it shows, by index."""

    doc: Document
    shown: Mapping[int, Payload]

    def payload(self, index: int) -> Payload:
        return self.shown.get(index, self.doc.payloads[index].payload)

    def readable_root(self) -> Any:
        """The document with every payload as ``payload_to_readable`` shows it."""
        edits = [
            (found.location.pointer, payload_to_readable(self.payload(i)))
            for i, found in enumerate(self.doc.payloads)
        ]
        return rebuild(self.doc.root, edits)


@dataclass(frozen=True)
class ItemDiff:
    """One compared item that differs — an event pair, or a payload pair — with both values
    as compared (run fields left out; ``None`` for the side that lacks it) and the
    differences inside it."""

    where: str
    a: Any
    b: Any
    differences: list[Difference]


def compare_payloads(a: Side, index_a: int, b: Side, index_b: int) -> list[ItemDiff]:
    """Two payloads, as shown, value against value (``--select``)."""
    found_a, found_b = a.doc.payloads[index_a], b.doc.payloads[index_b]
    value_a = payload_to_readable(a.payload(index_a))
    value_b = payload_to_readable(b.payload(index_b))
    return _items(_pair_label(found_a, found_b), value_a, value_b, diff_values(value_a, value_b))


def compare_documents(a: Side, b: Side) -> list[ItemDiff]:
    """Two documents: histories event by event, anything else payload by payload."""
    if a.doc.kind is DocumentKind.HISTORY and b.doc.kind is DocumentKind.HISTORY:
        return _compare_runs(a, a.readable_root(), b, b.readable_root())
    items: list[ItemDiff] = []
    for i in range(max(len(a.doc.payloads), len(b.doc.payloads))):
        if i >= len(b.doc.payloads):
            value = payload_to_readable(a.payload(i))
            where = a.doc.payloads[i].location.label
            items.append(ItemDiff(where, value, MISSING, [Difference(where, "", "removed", value)]))
        elif i >= len(a.doc.payloads):
            value = payload_to_readable(b.payload(i))
            where = b.doc.payloads[i].location.label
            items.append(
                ItemDiff(where, MISSING, value, [Difference(where, "", "added", MISSING, value)])
            )
        else:
            items.extend(compare_payloads(a, i, b, i))
    return items


def differences(items: list[ItemDiff]) -> list[Difference]:
    """Every difference of every item, in order."""
    return [d for item in items for d in item.differences]


def _items(where: str, a: Any, b: Any, changes: list[Change]) -> list[ItemDiff]:
    if not changes:
        return []
    return [ItemDiff(where, a, b, [_difference(where, c) for c in changes])]


def _compare_runs(a: Side, root_a: Any, b: Side, root_b: Any) -> list[ItemDiff]:
    events_a, events_b = _events(root_a), _events(root_b)
    payloads_a, payloads_b = _event_payloads(a), _event_payloads(b)
    out: list[ItemDiff] = []
    for ref_a, ref_b in align(event_refs(events_a), event_refs(events_b)):
        if ref_b is None:
            assert ref_a is not None
            where, event = ref_a.describe(), events_a[ref_a.index]
            out.append(ItemDiff(where, event, MISSING, [Difference(where, "", "removed", event)]))
            continue
        if ref_a is None:
            where, event = ref_b.describe(), events_b[ref_b.index]
            out.append(
                ItemDiff(where, MISSING, event, [Difference(where, "", "added", MISSING, event)])
            )
            continue
        inside = payloads_a.get(ref_a.index, set()) | payloads_b.get(ref_b.index, set())

        def skip(path: str, key: str, inside: set[str] = inside) -> bool:
            if not (key in RUN_FIELDS or key.endswith("EventId")):
                return False
            return not any(path == p or path.startswith(p + "/") for p in inside)

        event_a, event_b = events_a[ref_a.index], events_b[ref_b.index]
        changes = diff_values(event_a, event_b, skip=skip)
        if changes:  # what is shown beside them: the events as compared
            where = _refs_label(ref_a, ref_b)
            shown_a, shown_b = without(event_a, skip), without(event_b, skip)
            out.extend(_items(where, shown_a, shown_b, changes))
    return out


def _events(root: Any) -> list[Any]:
    """The events list of a history in any of the shapes documents read."""
    if isinstance(root, list):
        return root
    if isinstance(root, dict):
        if isinstance(root.get("events"), list):
            return list(root["events"])
        history = root.get("history")
        if isinstance(history, dict) and isinstance(history.get("events"), list):
            return list(history["events"])
    return []


def _event_payloads(side: Side) -> dict[int, set[str]]:
    """Each event's payload pointers, relative to the event (where run fields are values)."""
    out: dict[int, set[str]] = {}
    for found in side.doc.payloads:
        pointer = found.location.pointer
        tokens = pointer.split("/")
        # /events/N/... or /N/... or /history/events/N/...
        for i, token in enumerate(tokens[1:], start=1):
            if token.isdigit() and (i == 1 or tokens[i - 1] == "events"):
                out.setdefault(int(token), set()).add("/" + "/".join(tokens[i + 1 :]))
                break
    return out


def _refs_label(a: EventRef, b: EventRef) -> str:
    """``event 6 ActivityTaskStarted (activity 1)``; ``event 13 ↔ 8 …`` when the ids differ."""
    if a.key == b.key:
        if a.event_id == b.event_id:
            return a.describe()
        if a.event_id is not None and b.event_id is not None:
            return f"event {a.event_id} ↔ {b.event_id} {a.key.describe()}"
    return f"{a.describe()} ↔ {b.describe()}"


def _pair_label(a: FoundPayload, b: FoundPayload) -> str:
    la = f"{a.location.label} ({a.location.pointer or '/'})"
    lb = f"{b.location.label} ({b.location.pointer or '/'})"
    return la if la == lb else f"{la} ↔ {lb}"


def _difference(where: str, change: Change) -> Difference:
    return Difference(where, change.path, change.kind, change.a, change.b)
