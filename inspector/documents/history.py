"""Where payloads are in a workflow history: a walk led by the SDK's own protobuf descriptors.

The walk follows the real descriptors of ``HistoryEvent``, so it knows every ``Payload`` and
``Payloads`` field: inputs, results, signal/update/query args, heartbeat details, memo and
header fields, failure details and ``encodedAttributes`` through any depth of ``cause``, user
metadata, Nexus input/result … It falls back to a walk keyed on property names (``payloads``
lists, ``encodedAttributes``, ``memo``/``header`` fields, ``searchAttributes``) for keys the
SDK's protos do not know yet. Search attribute values are found with ``transform=False``:
they are never codec-encoded; header fields are marked ``header`` (the workers' codecs apply
to them only with ``encode_headers``). Walks use explicit stacks, never Python recursion.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from temporalio.api.common.v1 import Payload, Payloads, SearchAttributes
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from inspector.documents.model import FoundPayload, Location, describe, error_at, escape
from inspector.documents.proto_json import read_element

_PAYLOADS_NAME = Payloads.DESCRIPTOR.full_name
_PAYLOAD_NAME = Payload.DESCRIPTOR.full_name
_SEARCH_ATTRIBUTES_NAME = SearchAttributes.DESCRIPTOR.full_name
_ANY_NAME = "google.protobuf.Any"
_HEADER_FIELD = re.compile(r"/header/fields/[^/]+\Z")  # Header.fields of any message


class _K(enum.Enum):
    """How the walk treats a field of a known message."""

    SKIP = 0  # scalar, enum or a well-known type: no payloads inside
    PAYLOAD = 1
    PAYLOADS = 2
    PAYLOAD_LIST = 3
    PAYLOAD_MAP = 4
    MESSAGE = 5
    MESSAGE_LIST = 6
    MESSAGE_MAP = 7
    GENERIC = 8  # google.protobuf.Any: walk by property names


@dataclass(frozen=True)
class _Plan:
    kind: _K
    hide: bool = False  # leave the field's name out of labels (oneof attributes, wrappers)
    message: Descriptor | None = None
    transform: bool = True


_SKIP = _Plan(_K.SKIP)
_PLANS: dict[str, dict[str, _Plan]] = {}


def _plan_for(owner: Descriptor, fd: FieldDescriptor) -> _Plan:
    """Classify one field once; plans are cached per message type."""
    mt = fd.message_type
    if fd.type != FieldDescriptor.TYPE_MESSAGE or mt is None:
        return _SKIP
    # Event attributes and failure infos are the event's/failure's own content: "result[0]"
    # reads better than "activityTaskCompletedEventAttributes.result[0]".
    hide = fd.containing_oneof is not None and fd.name.endswith(("_attributes", "_failure_info"))
    if mt.GetOptions().map_entry:
        value_fd = mt.fields_by_name["value"]
        vt = value_fd.message_type
        if value_fd.type != FieldDescriptor.TYPE_MESSAGE or vt is None:
            return _SKIP
        wrapper = len(owner.fields) == 1  # Memo.fields, Header.fields: "memo.customer"
        if vt.full_name == _PAYLOAD_NAME:
            return _Plan(
                _K.PAYLOAD_MAP,
                hide=hide or wrapper,
                transform=owner.full_name != _SEARCH_ATTRIBUTES_NAME,
            )
        if vt.full_name == _ANY_NAME:
            return _Plan(_K.MESSAGE_MAP, hide=hide)
        if vt.full_name.startswith("google.protobuf."):
            return _SKIP
        return _Plan(_K.MESSAGE_MAP, hide=hide, message=vt)
    repeated = fd.is_repeated
    if mt.full_name == _PAYLOAD_NAME:
        return _Plan(_K.PAYLOAD_LIST if repeated else _K.PAYLOAD, hide=hide)
    if mt.full_name == _PAYLOADS_NAME and not repeated:
        return _Plan(_K.PAYLOADS, hide=hide)
    if mt.full_name == _ANY_NAME:
        return _Plan(_K.GENERIC, hide=hide)
    if mt.full_name.startswith("google.protobuf."):
        return _SKIP
    return _Plan(_K.MESSAGE_LIST if repeated else _K.MESSAGE, hide=hide, message=mt)


def _plans(desc: Descriptor) -> dict[str, _Plan]:
    """Field plans by JSON name and by proto name (json_format accepts both)."""
    plans = _PLANS.get(desc.full_name)
    if plans is None:
        plans = {}
        for fd in desc.fields:
            plan = _plan_for(desc, fd)
            plans[fd.name] = plan
            plans[fd.json_name] = plan
        _PLANS[desc.full_name] = plans
    return plans


def _join(label: str, name: str) -> str:
    """Dotted label path; an empty name (a hidden segment) adds nothing."""
    if not name:
        return label
    return f"{label}.{name}" if label else name


def _generic_segment(key: str) -> str:
    """Label segment for a key the protos do not know, hiding the same wrapper names."""
    if key.endswith(("EventAttributes", "_event_attributes", "FailureInfo", "_failure_info")):
        return ""
    return key


# Stack entries: (op, value, descriptor-or-None, pointer, label, transform)
_WALK = 0  # a message of known type
_GENERIC_WALK = 1  # any JSON, by property names
_EMIT = 2  # a payload (full or shorthand)

_Entry = tuple[int, Any, Descriptor | None, str, str, bool]


def _payloads_children(
    value: Any, pointer: str, label: str, source: str, out: list[_Entry]
) -> None:
    """A Payloads field: ``{"payloads": [...]}`` or the shorthand bare array."""
    if isinstance(value, dict):
        items = value.get("payloads")
        if items is None:
            return
        if not isinstance(items, list):
            raise error_at(
                source, f"{pointer}/payloads", f"payloads must be a list, got {describe(items)}"
            )
        base = f"{pointer}/payloads"
    elif isinstance(value, list):
        items = value
        base = pointer
    else:
        raise error_at(
            source,
            pointer,
            f'expected Payloads ({{"payloads": [...]}} or a list), got {describe(value)}',
        )
    for i, item in enumerate(items):
        out.append((_EMIT, item, None, f"{base}/{i}", f"{label}[{i}]", True))


def _walk(start: _Entry, source: str) -> list[tuple[Any, str, str, bool]]:
    """Depth-first walk in document order with an explicit stack (no Python recursion).

    Returns the payload values found: (JSON value, pointer, label, transform).
    """
    found: list[tuple[Any, str, str, bool]] = []
    stack: list[_Entry] = [start]
    while stack:
        op, value, desc, pointer, label, transform = stack.pop()
        if op == _EMIT:
            found.append((value, pointer, label, transform))
            continue
        children: list[_Entry] = []
        if op == _WALK and desc is not None and isinstance(value, dict):
            _walk_message(value, desc, pointer, label, source, children)
        else:
            _walk_generic(value, pointer, label, source, children)
        stack.extend(reversed(children))
    return found


def _walk_message(
    obj: dict[str, Any],
    desc: Descriptor,
    pointer: str,
    label: str,
    source: str,
    out: list[_Entry],
) -> None:
    """One message of known type: its payload fields are emitted, its messages walked."""
    plans = _plans(desc)
    for key, value in obj.items():
        if value is None:
            continue
        plan = plans.get(key)
        if plan is None:
            _generic_key(key, value, pointer, label, out)
            continue
        kind = plan.kind
        if kind is _K.SKIP:
            continue
        child = f"{pointer}/{escape(key)}"
        sub = label if plan.hide else _join(label, key)
        if kind is _K.PAYLOADS:
            _payloads_children(value, child, sub, source, out)
        elif kind is _K.PAYLOAD:
            out.append((_EMIT, value, None, child, sub, True))
        elif kind is _K.PAYLOAD_LIST:
            if not isinstance(value, list):
                raise error_at(source, child, f"expected a list of payloads, got {describe(value)}")
            for i, item in enumerate(value):
                out.append((_EMIT, item, None, f"{child}/{i}", f"{sub}[{i}]", True))
        elif kind is _K.PAYLOAD_MAP:
            if not isinstance(value, dict):
                raise error_at(
                    source, child, f"expected an object of named payloads, got {describe(value)}"
                )
            for name, item in value.items():
                out.append(
                    (
                        _EMIT,
                        item,
                        None,
                        f"{child}/{escape(name)}",
                        _join(sub, name),
                        plan.transform,
                    )
                )
        elif kind is _K.MESSAGE:
            if isinstance(value, dict):
                out.append((_WALK, value, plan.message, child, sub, True))
        elif kind is _K.MESSAGE_LIST:
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        out.append((_WALK, item, plan.message, f"{child}/{i}", f"{sub}[{i}]", True))
        elif kind is _K.MESSAGE_MAP:
            if isinstance(value, dict):
                op = _WALK if plan.message is not None else _GENERIC_WALK
                for name, item in value.items():
                    if isinstance(item, dict):
                        out.append(
                            (
                                op,
                                item,
                                plan.message,
                                f"{child}/{escape(name)}",
                                _join(sub, name),
                                True,
                            )
                        )
        elif kind is _K.GENERIC and isinstance(value, dict | list):
            out.append((_GENERIC_WALK, value, None, child, sub, True))


_MAP_WRAPPERS = {
    "memo": (("fields",), True),
    "header": (("fields",), True),
    "searchAttributes": (("indexedFields", "indexed_fields"), False),
    "search_attributes": (("indexedFields", "indexed_fields"), False),
}


def _walk_generic(value: Any, pointer: str, label: str, source: str, out: list[_Entry]) -> None:
    """JSON the protos do not describe: find payloads by the property names that hold them."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict | list):
                out.append((_GENERIC_WALK, item, None, f"{pointer}/{i}", f"{label}[{i}]", True))
    elif isinstance(value, dict):
        for key, item in value.items():
            _generic_key(key, item, pointer, label, out)


def _generic_key(key: str, item: Any, pointer: str, label: str, out: list[_Entry]) -> None:
    """One property of an object the protos do not describe (or do not know this key of)."""
    child = f"{pointer}/{escape(key)}"
    if key == "payloads" and isinstance(item, list):
        for i, element in enumerate(item):
            out.append((_EMIT, element, None, f"{child}/{i}", f"{label}[{i}]", True))
    elif key in ("encodedAttributes", "encoded_attributes") and item is not None:
        out.append((_EMIT, item, None, child, _join(label, key), True))
    elif key in _MAP_WRAPPERS and isinstance(item, dict):
        names, transform = _MAP_WRAPPERS[key]
        fields_key = next((n for n in names if isinstance(item.get(n), dict)), None)
        if fields_key is None:
            out.append((_GENERIC_WALK, item, None, child, _join(label, key), True))
            return
        base = f"{child}/{fields_key}"
        for name, element in item[fields_key].items():
            out.append(
                (
                    _EMIT,
                    element,
                    None,
                    f"{base}/{escape(name)}",
                    _join(_join(label, key), name),
                    transform,
                )
            )
    elif isinstance(item, dict | list):
        out.append((_GENERIC_WALK, item, None, child, _join(label, _generic_segment(key)), True))


def _camel_from_snake(name: str) -> str:
    """``ACTIVITY_TASK_COMPLETED`` or ``activity_task_completed`` to ``ActivityTaskCompleted``."""
    return "".join(part[:1].upper() + part[1:].lower() for part in name.split("_") if part)


def event_type_of(event: dict[str, Any]) -> str | None:
    """Short event type ("ActivityTaskCompleted") from eventType or the attributes key."""
    raw = event.get("eventType", event.get("event_type"))
    if isinstance(raw, int) and not isinstance(raw, bool):
        try:
            raw = EventType.Name(EventType.ValueType(raw))
        except ValueError:
            raw = None
    if isinstance(raw, str) and raw:
        name = raw.removeprefix("EVENT_TYPE_")
        if name and name != "UNSPECIFIED":
            if "_" in name or name.isupper():
                return _camel_from_snake(name)
            return name[:1].upper() + name[1:]
    for key in event:
        if key.endswith("EventAttributes") and len(key) > len("EventAttributes"):
            stem = key.removesuffix("EventAttributes")
            return stem[:1].upper() + stem[1:]
        if key.endswith("_event_attributes"):
            return _camel_from_snake(key.removesuffix("_event_attributes"))
    return None


def event_id_of(event: dict[str, Any]) -> int | None:
    """eventId as a number: proto JSON writes int64 as a string, the Web UI may not."""
    raw = event.get("eventId", event.get("event_id"))
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return None


def history_payloads(events: list[Any], base: str, source: str) -> list[FoundPayload]:
    """Every payload of every event, in document order."""
    found: list[FoundPayload] = []
    for index, event in enumerate(events):
        found += event_payloads(event, f"{base}/{index}", index, source)
    return found


def event_payloads(event: Any, pointer: str, index: int, source: str) -> list[FoundPayload]:
    """The payloads of one event (at ``pointer``, the ``index``-th of its history), in order.

    One event at a time, so a history read piece by piece finds exactly what a whole one does.
    """
    if not isinstance(event, dict):
        raise error_at(source, pointer, f"expected an event object, got {describe(event)}")
    event_id = event_id_of(event)
    event_type = event_type_of(event)
    head = f"event {event_id}" if event_id is not None else f"events[{index}]"
    if event_type:
        head = f"{head} · {event_type}"
    return message_payloads(
        event,
        HistoryEvent.DESCRIPTOR,
        pointer,
        source,
        head=head,
        event_id=event_id,
        event_type=event_type,
    )


def message_payloads(
    value: dict[str, Any],
    desc: Descriptor,
    pointer: str,
    source: str,
    *,
    head: str,
    event_id: int | None = None,
    event_type: str | None = None,
) -> list[FoundPayload]:
    """Every payload of one message of type ``desc`` (an event, a schedule, an activity's
    description …) at ``pointer``, labelled ``head · field``."""
    found: list[FoundPayload] = []
    for item, ptr, label, transform in _walk((_WALK, value, desc, pointer, "", True), source):
        payload, shorthand = read_element(item, ptr, source)
        location = Location(
            pointer=ptr,
            label=f"{head} · {label}" if label else head,
            event_id=event_id,
            event_type=event_type,
            field=label or None,
            transform=transform,
            header=_HEADER_FIELD.search(ptr) is not None,
        )
        found.append(FoundPayload(location, payload, shorthand))
    return found


_EVENT_KEYS = ("eventId", "eventType", "event_id", "event_type")


def looks_like_event(value: Any) -> bool:
    """A bare list of events (no ``{"events": ...}``) must not be taken for shorthand payloads."""
    return isinstance(value, dict) and any(key in value for key in _EVENT_KEYS)
