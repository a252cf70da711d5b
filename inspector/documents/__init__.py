"""Documents: what a user pastes or loads, its payloads found and the same shape written back.

One home for payload JSON: ``model`` (what a document is), ``json_text`` (strict JSON),
``proto_json`` (``Payload`` ↔ proto JSON, also for the codec server's bodies), ``readable``
(payloads for people, shared by ``decode --readable`` and the GUI), ``history`` (where
payloads are in a workflow history), ``reading`` and ``writing`` (documents in and out).
"""

from __future__ import annotations

from inspector.documents.model import Document, DocumentError, DocumentKind, FoundPayload, Location
from inspector.documents.proto_json import payload_from_json, payload_to_json
from inspector.documents.readable import ReadableValue, payload_to_readable, read_value
from inspector.documents.reading import document_from_json, parse_document
from inspector.documents.writing import render_readable, write_document

__all__ = [
    "Document",
    "DocumentError",
    "DocumentKind",
    "FoundPayload",
    "Location",
    "ReadableValue",
    "document_from_json",
    "parse_document",
    "payload_from_json",
    "payload_to_json",
    "payload_to_readable",
    "read_value",
    "render_readable",
    "write_document",
]
