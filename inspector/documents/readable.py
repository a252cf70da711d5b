"""Payloads for people: the one reading of a payload's data that ``--readable`` and the GUI share.

A payload's data is shown by what its ``encoding`` says it is: protobuf messages as their
proto JSON (``documents.protobuf``, with the profile's ``MessageTypes``), JSON encodings as JSON
values (strict JSON: ``NaN`` is not one, so such data reads as text), text encodings as text,
the rest as bytes. The command line prints that as JSON (bytes as base64); the GUI shows the same
reading with folding, a tree and hex. Reading never fails: data that is not what its encoding
claims falls back to text, then to bytes.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Literal

from temporalio.api.common.v1 import Payload

from inspector.documents.json_text import strict_value
from inspector.documents.nexus import Envelope, open_envelope
from inspector.documents.proto_json import payload_to_json
from inspector.documents.protobuf import BINARY, JSON, render_message
from inspector.protobufs import MessageTypes, temporal_types

ValueKind = Literal["json", "text", "binary", "null", "empty"]


@dataclass(frozen=True)
class ReadableValue:
    """A payload's data read for people: a JSON value, text, bytes, null or nothing."""

    kind: ValueKind
    value: Any  # the JSON value, the text, the bytes, or None
    size: int
    note: str = ""  # how the value was read, when that is not plain from the encoding

    @property
    def is_json(self) -> bool:
        return self.kind in ("json", "null")

    def as_json(self) -> Any:
        """The value as the command line prints it: bytes as base64, no data as ``""``."""
        if self.kind == "binary":
            return base64.b64encode(self.value).decode("ascii")
        if self.kind == "empty":
            return ""
        return self.value


def read_value(payload: Payload, types: MessageTypes | None = None) -> ReadableValue:
    """Read the payload's data by its encoding (see the module's docstring); ``types`` are
    the messages the profile knows (default: the Temporal API's)."""
    data = bytes(payload.data)
    encoding = payload.metadata.get("encoding", b"").decode("utf-8", "replace")
    if encoding in (BINARY, JSON):
        message_type = payload.metadata.get("messageType", b"").decode("utf-8", "replace")
        shown = render_message(encoding, message_type, data, types or temporal_types())
        if shown is not None:
            value, note = shown
            envelope = open_envelope(payload)
            if envelope is not None and isinstance(value, dict):
                _readable_inner(value, envelope, types)
                note = (
                    f"Temporal system Nexus request {message_type}: its payloads read for people."
                )
            return ReadableValue("json", value, len(data), note)
    if not data:
        return ReadableValue("null" if encoding == "binary/null" else "empty", None, 0)
    if encoding.startswith("json/"):
        try:
            return ReadableValue("json", strict_value(data.decode("utf-8")), len(data))
        except (ValueError, RecursionError):
            pass
    if encoding.startswith(("json", "text/")):
        try:
            return ReadableValue("text", data.decode("utf-8"), len(data))
        except UnicodeDecodeError:
            pass
    return ReadableValue("binary", data, len(data))


def _readable_inner(value: dict[str, Any], envelope: Envelope, types: MessageTypes | None) -> None:
    """Each payload inside a system Nexus envelope, in the envelope's proto JSON, for people."""
    for path, inner in zip(envelope.paths, envelope.inner, strict=True):
        parent: Any = value
        try:
            for token in path[:-1]:
                parent = parent[token]
            parent[path[-1]] = payload_to_readable(inner, types)
        except (KeyError, IndexError, TypeError):
            continue  # not in the proto JSON (a default value): nothing to show


def text_or_base64(data: bytes) -> str:
    """Text when the bytes are UTF-8, else base64, so any bytes can be shown."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii")


def payload_to_readable(payload: Payload, types: MessageTypes | None = None) -> dict[str, Any]:
    """One payload for people: metadata as text, JSON data as a JSON value, protobuf messages
    as proto JSON, binary as base64."""
    metadata = payload.metadata
    out: dict[str, Any] = {
        "metadata": {key: text_or_base64(metadata[key]) for key in sorted(metadata)},
        "data": read_value(payload, types).as_json(),
    }
    if payload.external_payloads:
        out["externalPayloads"] = payload_to_json(payload).get("externalPayloads", [])
    return out
