"""Reading and parsing documents off the GUI thread, in pieces.

Parsing runs in ``asyncio.to_thread``, but ``json.loads`` holds the GIL for its whole call
(a second for a 50 MiB export), which would freeze the window anyway. So the outer levels
of the document (the ``events`` list, each event's fields) are walked here and only their
values go to the C decoder, one at a time: the GUI thread gets the GIL between pieces. The
result is the same value ``json.loads`` gives; anything unusual (other encodings, NaN,
huge numbers, bad JSON) falls back to ``parse_document``, which owns the error messages.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
from dataclasses import dataclass
from json.decoder import scanstring  # type: ignore[attr-defined]  # the C scanner; typeshed omits it
from pathlib import Path
from typing import Any

from temporalio.api.common.v1 import Payload

from inspector.documents import (
    Document,
    DocumentError,
    FoundPayload,
    document_from_json,
    parse_document,
    payload_from_json,
)
from inspector.errors import InspectorError

from . import collector

SPLIT_DEPTH = 3  # containers above this depth are walked here, deeper values decoded in C
BIG_DOCUMENT = 4 * 1024 * 1024  # from here on, garbage collection pauses while parsing
_WS = re.compile(r"[ \t\n\r]*")
_NOT_SPACE = re.compile(r"\S")


@dataclass(frozen=True)
class LoadedDocument:
    """A parsed document and what the audit caption says about its source."""

    doc: Document
    name: str  # file name or "Pasted 2"
    path: Path | None
    sha256: str
    size: int


class ReadError(InspectorError):
    """The file could not be read (one line, names the file)."""


class BadDocument(InspectorError):
    """The document did not parse; ``data`` is its bytes when they were kept for the editor."""

    def __init__(self, error: DocumentError, data: bytes | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.data = data


class _NotPlain(ValueError):
    """Not for the fast path: let ``parse_document`` decide (and word the error)."""


def _no_constant(name: str) -> Any:
    raise _NotPlain(name)


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _NotPlain(text)
    return value


_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite)


def _blank(text: str) -> bool:
    """``not text or text.isspace()``, stopping at the first visible character: ``isspace``
    reads all of a 100 MB text holding the GIL, a stall the window would feel."""
    return _NOT_SPACE.search(text) is None


def _skip(text: str, i: int) -> int:
    match = _WS.match(text, i)
    return match.end() if match else i


def _value(text: str, i: int, depth: int) -> tuple[Any, int]:
    if depth < SPLIT_DEPTH and i < len(text):
        if text[i] == "{":
            return _object(text, i + 1, depth)
        if text[i] == "[":
            return _array(text, i + 1, depth)
    return _DECODER.raw_decode(text, i)


def _after_item(text: str, i: int, close: str) -> tuple[int, bool]:
    """Past the comma after an item (False), or past the container's ``close`` (True)."""
    i = _skip(text, i)
    if text[i] == ",":
        return _skip(text, i + 1), False
    if text[i] == close:
        return i + 1, True
    raise _NotPlain(f"expected ',' or '{close}'")


def _object(text: str, i: int, depth: int) -> tuple[dict[str, Any], int]:
    obj: dict[str, Any] = {}
    i = _skip(text, i)
    if text[i] == "}":
        return obj, i + 1
    while True:
        if text[i] != '"':
            raise _NotPlain("expected a key")
        key, i = scanstring(text, i + 1)
        i = _skip(text, i)
        if text[i] != ":":
            raise _NotPlain("expected ':'")
        obj[key], i = _value(text, _skip(text, i + 1), depth + 1)
        i, closed = _after_item(text, i, "}")
        if closed:
            return obj, i


def _array(text: str, i: int, depth: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    i = _skip(text, i)
    if text[i] == "]":
        return items, i + 1
    while True:
        item, i = _value(text, i, depth + 1)
        items.append(item)
        i, closed = _after_item(text, i, "]")
        if closed:
            return items, i


def loads_in_pieces(text: str) -> Any:
    """``json.loads(text)`` (strict: no NaN/Infinity), decoded a piece at a time."""
    value, end = _value(text, _skip(text, 0), 0)
    if _skip(text, end) != len(text):
        raise _NotPlain("extra data")
    return value


def _fast_text(data: bytes) -> str | None:
    """UTF-8 text (BOM tolerated), or None for anything the fast path leaves alone."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:4]:
        return None  # UTF-16/32: parse_document reads those
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def parse_fast(data: bytes, name: str) -> Document:
    """``parse_document`` with the JSON read in pieces; same result, same errors."""
    text = _fast_text(data)
    if text is not None and not _blank(text):
        try:
            root = loads_in_pieces(text)
        except (ValueError, IndexError, RecursionError):
            pass  # bad or unusual JSON: parse_document says exactly what is wrong
        else:
            del text
            return compact(document_from_json(root, name))
    return compact(parse_document(data, source=name))


class _TreePayload(FoundPayload):
    """A payload kept only as the document's JSON, read again each time it is asked for.

    The parsed tree already holds every payload's base64 text (the export needs it as it
    was); a decoded ``Payload`` beside it nearly doubled a big export's memory. Reading one
    back is a base64 decode of a few kilobytes, and every read gives an equal ``Payload``.
    """

    def __init__(self, found: FoundPayload, value: dict[str, Any], source: str) -> None:
        self.location = found.location
        self.shorthand = found.shorthand
        self._value = value
        self._source = source

    @property
    def payload(self) -> Payload:  # type: ignore[override]  # read lazily: only when shown
        return payload_from_json(self._value, self.location.pointer, self._source)

    def encoded_size(self) -> int:
        """About ``payload.ByteSize()``, from the base64 text's length (nothing decoded)."""
        data = self._value.get("data")
        return len(data) * 3 // 4 if isinstance(data, str) else 0


def payload_size(found: FoundPayload) -> int:
    """About the payload's serialized size; cheap for payloads kept as JSON."""
    if isinstance(found, _TreePayload):
        return found.encoded_size()
    return found.payload.ByteSize()


def compact(doc: Document) -> Document:
    """The same document, its full (non-shorthand) payloads read from the tree on demand."""
    payloads: list[FoundPayload] = []
    for found in doc.payloads:
        value = None if found.shorthand else _at_pointer(doc.root, found.location.pointer)
        if isinstance(value, dict):
            payloads.append(_TreePayload(found, value, doc.source))
        else:
            payloads.append(found)
    doc.payloads = payloads
    return doc


def _at_pointer(root: Any, pointer: str) -> Any:
    node = root
    for token in pointer.split("/")[1:] if pointer else ():
        if isinstance(node, list):
            node = node[int(token)]
        else:
            node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise ReadError(f"{path}: cannot read: {e.strerror or e}") from None


async def read_file(path: Path) -> bytes:
    return await asyncio.to_thread(_read, path)


def parse_bytes(data: bytes, name: str, path: Path | None) -> LoadedDocument:
    """Parse and fingerprint (thread-safe); raises ``DocumentError``."""
    digest = hashlib.sha256(data).hexdigest()
    with collector.paused(len(data) >= BIG_DOCUMENT):
        doc = parse_fast(data, name)
    return LoadedDocument(doc, name, path, digest, len(data))


def parse_owned(box: list[bytes], name: str, path: Path | None, keep_limit: int) -> LoadedDocument:
    """``parse_bytes`` for bytes handed over in ``box`` (the caller keeps no other reference).

    A 100 MB export is 100 MB of bytes, then as much text, then the parsed tree: holding
    all three at once was most of opening's peak memory. Here the bytes are let go once they
    are text, and the text once it is a tree. Raises ``BadDocument``, with the bytes when
    the document is at most ``keep_limit`` bytes (for the editor).
    """
    data = box.pop()
    size = len(data)
    digest = hashlib.sha256(data).hexdigest()
    text = _fast_text(data)
    keep = data if size <= keep_limit else None
    with collector.paused(size >= BIG_DOCUMENT):
        try:
            if text is None or _blank(text):
                doc = compact(parse_document(data, source=name))
            else:
                del data
                try:
                    root = loads_in_pieces(text)
                except (ValueError, IndexError, RecursionError):
                    doc = compact(parse_document(text, source=name))  # it words the error
                else:
                    del text
                    doc = compact(document_from_json(root, name))
        except DocumentError as e:
            raise BadDocument(e, keep) from None
    return LoadedDocument(doc, name, path, digest, size)


async def parse_in_thread(data: bytes, name: str, path: Path | None) -> LoadedDocument:
    return await asyncio.to_thread(parse_bytes, data, name, path)
