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
from json.decoder import scanstring
from pathlib import Path
from typing import Any

from inspector.payload_json import Document, document_from_json, parse_document

from . import collector

SPLIT_DEPTH = 3  # containers above this depth are walked here, deeper values decoded in C
BIG_DOCUMENT = 4 * 1024 * 1024  # from here on, garbage collection pauses while parsing
_WS = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True)
class LoadedDocument:
    """A parsed document and what the audit caption says about its source."""

    doc: Document
    name: str  # file name or "Pasted 2"
    path: Path | None
    sha256: str
    size: int


class ReadError(Exception):
    """The file could not be read (one line, names the file)."""


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
        i = _skip(text, i)
        if text[i] == ",":
            i = _skip(text, i + 1)
        elif text[i] == "}":
            return obj, i + 1
        else:
            raise _NotPlain("expected ',' or '}'")


def _array(text: str, i: int, depth: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    i = _skip(text, i)
    if text[i] == "]":
        return items, i + 1
    while True:
        item, i = _value(text, i, depth + 1)
        items.append(item)
        i = _skip(text, i)
        if text[i] == ",":
            i = _skip(text, i + 1)
        elif text[i] == "]":
            return items, i + 1
        else:
            raise _NotPlain("expected ',' or ']'")


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
    if text is not None and not text.isspace() and text:
        try:
            root = loads_in_pieces(text)
        except (ValueError, IndexError, RecursionError):
            pass  # bad or unusual JSON: parse_document says exactly what is wrong
        else:
            return document_from_json(root, name)
    return parse_document(data, source=name)


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


async def parse_in_thread(data: bytes, name: str, path: Path | None) -> LoadedDocument:
    return await asyncio.to_thread(parse_bytes, data, name, path)
