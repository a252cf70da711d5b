"""Temporal system Nexus envelopes: payloads whose data is a whole API request with payloads in it.

Operations on the ``__temporal_system`` endpoint (e.g. ``SignalWithStartWorkflowExecution``)
carry their request as one ``binary/protobuf`` payload marked ``__temporal_system_payload``;
the SDK leaves that envelope as it is and runs only the payloads inside it (input, signal
input, memo, header, user metadata …) through the codecs, search attributes excepted. So do
we: ``open_envelope`` finds those inner payloads by the message's own descriptors, and
``Envelope.rebuilt`` writes the envelope again around their decoded versions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message
from temporalio.api.common.v1 import Payload, Payloads, SearchAttributes

from inspector.protobufs import temporal_types

SYSTEM_MARK = "__temporal_system_payload"
_PAYLOAD = Payload.DESCRIPTOR.full_name
_PAYLOADS = Payloads.DESCRIPTOR.full_name
_SEARCH_ATTRIBUTES = SearchAttributes.DESCRIPTOR.full_name

Path = tuple[str | int, ...]  # where an inner payload is in the message's proto JSON


@dataclass(frozen=True)
class _Slot:
    path: Path
    get: Callable[[], Payload]
    put: Callable[[Payload], None]


@dataclass(frozen=True)
class Envelope:
    """A system Nexus payload, its message, and the payloads inside it in a fixed order."""

    payload: Payload
    message: Message
    paths: tuple[Path, ...]
    inner: tuple[Payload, ...]

    def rebuilt(self, inner: Sequence[Payload]) -> Payload:
        """The envelope with ``inner`` in place of its payloads (same order), metadata kept."""
        message = type(self.message)()
        message.CopyFrom(self.message)
        slots = _slots(message)
        for slot, payload in zip(slots, inner, strict=True):
            slot.put(payload)
        out = Payload()
        out.CopyFrom(self.payload)
        out.data = message.SerializeToString()
        return out


def is_envelope(payload: Payload) -> bool:
    """Marked as a system Nexus envelope (cheap: metadata only)."""
    return (
        payload.metadata.get(SYSTEM_MARK) == b"true"
        and payload.metadata.get("encoding") == b"binary/protobuf"
    )


def open_envelope(payload: Payload) -> Envelope | None:
    """The envelope's message and inner payloads; None when it is not one we can read."""
    if not is_envelope(payload):
        return None
    types = temporal_types()
    name = payload.metadata.get("messageType", b"").decode("utf-8", "replace")
    descriptor = types.find(name)
    if descriptor is None:
        return None
    message = types.new_message(descriptor)
    try:
        message.ParseFromString(payload.data)
    except DecodeError:
        return None
    slots = _slots(message)
    inner = []
    for slot in slots:
        copy = Payload()
        copy.CopyFrom(slot.get())  # the pipeline gets payloads of its own, not views
        inner.append(copy)
    return Envelope(
        payload=payload, message=message, paths=tuple(s.path for s in slots), inner=tuple(inner)
    )


def _slots(root: Message) -> list[_Slot]:
    """Every payload in the message, in field order (an explicit stack, no recursion)."""
    found: list[_Slot] = []
    stack: list[tuple[Message, Path]] = [(root, ())]
    while stack:
        message, path = stack.pop()
        children: list[tuple[Message, Path]] = []
        if message.DESCRIPTOR.full_name == _SEARCH_ATTRIBUTES:
            continue  # never codec-encoded
        for fd, value in message.ListFields():
            if fd.type != FieldDescriptor.TYPE_MESSAGE:
                continue
            here = (*path, fd.json_name)
            found.extend(_payload_slots(message, fd, value, here, children))
        stack.extend(reversed(children))
    return found


def _payload_slots(
    owner: Message, fd: FieldDescriptor, value: Any, path: Path, children: list[Any]
) -> list[_Slot]:
    mt = fd.message_type
    if mt is None:
        return []
    if mt.GetOptions().map_entry:
        value_fd = mt.fields_by_name["value"]
        if value_fd.type != FieldDescriptor.TYPE_MESSAGE or value_fd.message_type is None:
            return []
        keys = list(value)
        if value_fd.message_type.full_name == _PAYLOAD:
            return [_map_slot(value, k, (*path, str(k))) for k in keys]
        children.extend((value[k], (*path, str(k))) for k in keys)
        return []
    if mt.full_name == _PAYLOAD:
        if fd.is_repeated:
            return [_list_slot(value, i, (*path, i)) for i in range(len(value))]
        return [_field_slot(owner, fd.name, path)]
    if mt.full_name == _PAYLOADS and not fd.is_repeated:
        return [
            _list_slot(value.payloads, i, (*path, "payloads", i))
            for i in range(len(value.payloads))
        ]
    if mt.full_name.startswith("google.protobuf."):
        return []
    if fd.is_repeated:
        children.extend((item, (*path, i)) for i, item in enumerate(value))
    else:
        children.append((value, path))
    return []


def _field_slot(owner: Message, name: str, path: Path) -> _Slot:
    return _Slot(path, lambda: getattr(owner, name), lambda p: getattr(owner, name).CopyFrom(p))


def _list_slot(items: Any, index: int, path: Path) -> _Slot:
    return _Slot(path, lambda: items[index], lambda p: items[index].CopyFrom(p))


def _map_slot(items: Any, key: Any, path: Path) -> _Slot:
    return _Slot(path, lambda: items[key], lambda p: items[key].CopyFrom(p))
