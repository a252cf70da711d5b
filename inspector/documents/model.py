"""What a parsed document is: its kind, its payloads and where each one sits.

Also the one error type for bad documents and the JSON-pointer helpers every reader uses,
so that every message names the source and the place in the same words.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from temporalio.api.common.v1 import Payload

from inspector.errors import InspectorError


class DocumentKind(enum.Enum):
    """The shape of the input, which is also the shape of the output."""

    PAYLOADS = "payloads"
    PAYLOAD = "payload"
    LIST = "list"
    HISTORY = "history"
    DESCRIBED = "described"  # a schedule's, standalone activity's or workflow's description
    EXPORT = "export"  # Temporal Cloud's history export: several histories (``items``)


@dataclass(frozen=True)
class Location:
    """Where a payload sits in its document: a pointer for tools, a label for people."""

    pointer: str
    label: str
    event_id: int | None = None
    event_type: str | None = None
    field: str | None = None
    transform: bool = True
    # A header field: codec-encoded only where the workers encode headers (encode_headers).
    header: bool = False


@dataclass
class FoundPayload:
    """One payload of a document, where it was found, and whether it was a shorthand."""

    location: Location
    payload: Payload
    # True when the document held the bare JSON value rather than a proto JSON object.
    shorthand: bool = False


@dataclass
class Document:
    """A parsed document: its kind, the untouched JSON, and the payloads in document order."""

    kind: DocumentKind
    root: Any
    payloads: list[FoundPayload]
    source: str
    # Read from binary protobuf: "history" (a History) or "export" (WorkflowExecutions);
    # written back in that form unless JSON is asked for (``binary_history.to_binary``).
    binary: str | None = None


class DocumentError(InspectorError, ValueError):
    """Bad input; the message names the source and where (line:column or JSON pointer)."""

    binary = False  # True for NotTextError: nothing of it is worth showing as text

    def __init__(
        self,
        message: str,
        *,
        source: str,
        pointer: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.source = source
        self.pointer = pointer
        self.line = line
        self.column = column


class NotTextError(DocumentError):
    """The input is not text at all (an image, an archive): said in one line, never shown
    as mojibake in an editor."""

    binary = True


def error_at(source: str, pointer: str, reason: str) -> DocumentError:
    """An error about one place in the document, named by its JSON pointer."""
    where = pointer if pointer else "(top level)"
    return DocumentError(f"{source} at {where}: {reason}", source=source, pointer=pointer)


def escape(token: str) -> str:
    """RFC 6901 token escaping: map keys (memo names, …) may hold '/' and '~'."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    """Inverse of ``escape`` (``~1`` first, as RFC 6901 says)."""
    return token.replace("~1", "/").replace("~0", "~")


def describe(value: Any) -> str:
    """A few words saying what a JSON value is, for error messages (never the value itself)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an empty list" if not value else "a list"
    if isinstance(value, dict):
        if not value:
            return "an empty object"
        keys = list(value)
        shown = ", ".join(repr(k) for k in keys[:5])
        more = ", …" if len(keys) > 5 else ""
        return f"an object with keys {shown}{more}"
    return type(value).__name__
