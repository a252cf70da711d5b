"""Binary protobuf histories: a ``temporal.api.history.v1.History`` as the API serializes it,
and Temporal Cloud's history export files (``temporal.api.export.v1.WorkflowExecutions``,
several histories in one file).

Recognised by content, not by the file's name: the bytes must parse as one of the two
messages and every event must have an id and a type. Each is read into the proto JSON the
JSON readers take (``{"events": [...]}``, or ``{"items": [{"history": {...}}, ...]}`` for
an export), so the payload walk, the views and the writers are the ones of JSON documents;
``to_binary`` turns the written JSON back into the input's own message.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from temporalio.api.export.v1 import WorkflowExecutions
from temporalio.api.history.v1 import History

from inspector.documents.history import history_payloads
from inspector.documents.model import Document, DocumentKind, FoundPayload

HISTORY = "history"  # Document.binary: a serialized History
EXPORT = "export"  # Document.binary: a serialized WorkflowExecutions
_JSON_START = frozenset(b'{["')


def looks_like_json(data: bytes) -> bool:
    """Starts (after a BOM and whitespace) like a JSON document; tried as JSON first."""
    text = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    text = text.lstrip(b" \t\r\n")
    return bool(text) and text[0] in _JSON_START


def _events_valid(history: History) -> bool:
    return bool(history.events) and all(e.event_id > 0 and e.event_type for e in history.events)


def _parse(message: Message, data: bytes) -> bool:
    try:
        message.ParseFromString(data)
    except (DecodeError, ValueError, RecursionError):
        return False
    return True


def read_binary(data: bytes, source: str) -> Document | None:
    """The document in ``data`` when it is a binary ``History`` or ``WorkflowExecutions``,
    else ``None`` (the JSON reader then says what is wrong)."""
    if not data:
        return None
    history = History()
    if _parse(history, data) and _events_valid(history):
        root = json_format.MessageToDict(history)
        found = history_payloads(root["events"], "/events", source)
        return Document(DocumentKind.HISTORY, root, found, source, binary=HISTORY)
    export = WorkflowExecutions()
    if (
        _parse(export, data)
        and export.items
        and all(_events_valid(item.history) for item in export.items)
    ):
        return export_document(json_format.MessageToDict(export), source, binary=EXPORT)
    return None


def export_document(root: dict[str, Any], source: str, binary: str | None = None) -> Document:
    """An export's histories as one document: payloads at ``/items/N/history/events/…``,
    labelled ``history N+1`` so two histories' events are told apart."""
    found: list[FoundPayload] = []
    items = root.get("items", [])
    for n, item in enumerate(items):
        events = item.get("history", {}).get("events", [])
        for f in history_payloads(events, f"/items/{n}/history/events", source):
            location = dataclasses.replace(f.location, label=f"history {n + 1}: {f.location.label}")
            found.append(dataclasses.replace(f, location=location))
    return Document(DocumentKind.EXPORT, root, found, source, binary=binary)


def split_export(doc: Document) -> list[Document]:
    """Each history of an export as its own history document (``SOURCE [N]``), as the app
    opens them: one tab each."""
    if doc.kind is not DocumentKind.EXPORT:
        return [doc]
    out: list[Document] = []
    for n, item in enumerate(doc.root.get("items", [])):
        root = {"events": item.get("history", {}).get("events", [])}
        source = f"{doc.source} [{n + 1}]"
        found = history_payloads(root["events"], "/events", source)
        out.append(Document(DocumentKind.HISTORY, root, found, source))
    return out


def to_binary(doc: Document, text: str) -> bytes:
    """The written JSON of ``doc`` (``write_document``'s) as its own binary message."""
    message: Message = History() if doc.binary == HISTORY else WorkflowExecutions()
    json_format.ParseDict(json.loads(text), message)
    return message.SerializeToString()
