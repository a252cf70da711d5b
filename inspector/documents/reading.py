"""Reading a document: which of the known shapes the JSON is, and every payload in it.

A *document* is what a user pastes or loads: a ``Payloads`` object, one ``Payload``, a JSON
list of payloads, or a whole workflow history export (``temporal workflow show -o json``, the
Web UI's "Download event history", or a ``{"history": {"events": [...]}}`` wrapper), or what
``temporal schedule|activity|workflow describe -o json`` prints (``described``).

Shorthand payloads: Temporal's JSON tools can print a ``json/plain`` payload as the bare JSON
value instead of a ``{"metadata", "data"}`` object (and a ``Payloads`` as a bare array, a
``json/protobuf`` payload as the object plus ``_protoMessageType``, ``null`` for
``binary/null``). They are read the way the Go API's shorthand reader does: an object is a
full payload when it has ``metadata`` and only Payload fields (then it is read strictly, so a
bad base64 string is an error, not silently taken for user data); anything else is a
shorthand value whose payload data is its compact JSON.
"""

from __future__ import annotations

from typing import Any

from inspector.documents.binary_history import export_document, looks_like_json, read_binary
from inspector.documents.described import described_payloads
from inspector.documents.history import history_payloads, looks_like_event
from inspector.documents.json_text import decode_text, loads
from inspector.documents.model import (
    Document,
    DocumentError,
    DocumentKind,
    FoundPayload,
    Location,
    describe,
    error_at,
)
from inspector.documents.proto_json import is_payload_object, payload_from_json, read_element


def _wrong_shape(root: Any, source: str) -> DocumentError:
    """The one message for input that is JSON but no document we know."""
    return DocumentError(
        f"{source}: expected Payloads, a Payload, a list of payloads, a workflow history or a "
        "schedule, activity or workflow description; "
        f"got {describe(root)}",
        source=source,
        pointer="",
    )


def _element_list(items: list[Any], base: str, label: str, source: str) -> list[FoundPayload]:
    """Payloads of a ``payloads`` list or a top-level list, full or shorthand."""
    return [element_payload(item, base, label, i, source) for i, item in enumerate(items)]


def element_payload(item: Any, base: str, label: str, index: int, source: str) -> FoundPayload:
    """The ``index``-th element of a payload list at ``base``, full or shorthand."""
    pointer = f"{base}/{index}"
    payload, shorthand = read_element(item, pointer, source)
    name = f"{label}[{index}]"
    return FoundPayload(Location(pointer=pointer, label=name, field=name), payload, shorthand)


def parse_document(data: bytes | str, source: str = "<input>") -> Document:
    """Parse a document once and find its payloads; any bad input is a ``DocumentError``.

    Bytes may also be a binary protobuf ``History`` or Cloud export (``binary_history``),
    told apart by content: what starts like JSON is read as JSON first.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        if not looks_like_json(raw) and (doc := read_binary(raw, source)) is not None:
            return doc
        try:
            return document_from_json(loads(decode_text(raw, source), source), source)
        except DocumentError:
            doc = read_binary(raw, source)
            if doc is None:
                raise
            return doc
    return document_from_json(loads(decode_text(data, source), source), source)


def document_from_json(root: Any, source: str = "<input>") -> Document:
    """Find the payloads of JSON already parsed (as ``json.loads`` would give it).

    For callers that parse the text their own way: the GUI reads big exports in pieces so
    a 50 MiB history never holds the GIL for a second.
    """
    if isinstance(root, list):
        if root and looks_like_event(root[0]):
            return Document(DocumentKind.HISTORY, root, history_payloads(root, "", source), source)
        return Document(DocumentKind.LIST, root, _element_list(root, "", "", source), source)
    if not isinstance(root, dict):
        raise _wrong_shape(root, source)
    if "events" in root:
        events = root["events"]
        if not isinstance(events, list):
            raise error_at(source, "/events", f"events must be a list, got {describe(events)}")
        return Document(
            DocumentKind.HISTORY, root, history_payloads(events, "/events", source), source
        )
    history = root.get("history")
    if isinstance(history, dict) and "events" in history:
        events = history["events"]
        if not isinstance(events, list):
            raise error_at(
                source, "/history/events", f"events must be a list, got {describe(events)}"
            )
        return Document(
            DocumentKind.HISTORY, root, history_payloads(events, "/history/events", source), source
        )
    if "payloads" in root:
        items = root["payloads"]
        if items is None:
            items = []
        if not isinstance(items, list):
            raise error_at(source, "/payloads", f"payloads must be a list, got {describe(items)}")
        return Document(
            DocumentKind.PAYLOADS,
            root,
            _element_list(items, "/payloads", "payloads", source),
            source,
        )
    if is_payload_object(root):
        payload = payload_from_json(root, "", source)
        location = Location(pointer="", label="payload")
        return Document(DocumentKind.PAYLOAD, root, [FoundPayload(location, payload)], source)
    items = root.get("items")
    if (
        isinstance(items, list)
        and items
        and all(isinstance(i, dict) and isinstance(i.get("history"), dict) for i in items)
    ):  # a Cloud export's JSON form (``decode --format json`` of one)
        return export_document(root, source)
    described = described_payloads(root, source)
    if described is not None:
        return Document(DocumentKind.DESCRIBED, root, described, source)
    raise _wrong_shape(root, source)
