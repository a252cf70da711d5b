"""A document read piece by piece and written back, byte for byte, as ``write_document`` would.

A 100 MB history held whole is ten times its size in Python objects, so ``decode`` reads it
an element of its big list (an event, a payload) at a time: ``StreamReader`` yields the
document's skeleton as literal output bytes and each element as a ``Piece`` (its JSON and
the payloads found in it, with the pointers and labels a whole read gives), and
``render_piece`` writes an element back with its payloads replaced. Joined in order, the
output equals ``write_document``'s for the same replacements.

Elements are parsed with orjson, which writes what ``json.dumps(indent=2,
ensure_ascii=False)`` writes except for some floats (and it reads integers beyond 64 bits as
floats): an element holding a float is read and written with the standard library instead.
A pretty-printed element's end is found from its indentation and confirmed by the parse (a
proper prefix of an object is never valid JSON); any other is scanned string by string.

What this path does not read the way ``parse_document`` does — another text encoding, a lone
surrogate, one payload as the whole document, a shape with two candidate lists, any mistake
at all — raises ``NotStreamable``: the caller then reads the document whole, which gives the
usual answer or the usual error (with its line and column).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pybase64
from temporalio.api.common.v1 import Payload

from inspector.documents import json_text
from inspector.documents.history import event_payloads, looks_like_event
from inspector.documents.model import DocumentError, DocumentKind, FoundPayload, escape
from inspector.documents.proto_json import DIRECT_WRITE, payload_to_json
from inspector.documents.reading import element_payload
from inspector.documents.writing import rebuild

CHUNK_BYTES = 4 * 1024 * 1024
# How far past an element's start its indented closing bracket is looked for before the
# element is scanned string by string instead (what a compact document needs).
LOOKAHEAD_BYTES = 64 * 1024 * 1024
_MAX_INDENT = 256

_TOKEN = re.compile(rb'[\[\]{}"]')
_NOT_WS = re.compile(rb"[^ \t\n\r]")
_SCALAR = re.compile(rb"[^ \t\n\r,\]}]+")
_CLOSING = {ord("{"): b"}", ord("["): b"]"}
_QUOTE, _BACKSLASH = ord('"'), ord("\\")


class NotStreamable(Exception):
    """The document takes the whole-document path (see the module's docstring)."""


@dataclass
class Piece:
    """One element of the document's big list: its JSON, where it is, its payloads."""

    value: Any
    pointer: str
    level: int  # nesting depth: the element's lines are indented by 2 × level
    payloads: list[FoundPayload]
    first: int  # the document index of payloads[0]
    plain: bool  # read and written with the standard library (it holds a float)
    size: int  # its length in the input


Item = bytes | Piece
_Items = Generator[Item, None, int]  # what a container yields; it returns the offset past it


class _Buffer:
    """The input seen through a sliding window; every offset is from the start of the input."""

    def __init__(self, read: Callable[[int], bytes]) -> None:
        self._read = read
        self.data = b""
        self.base = 0  # the input offset of data[0]
        self.eof = False

    @property
    def end(self) -> int:
        return self.base + len(self.data)

    def more(self, keep: int) -> bool:
        """Read another chunk, dropping what lies before ``keep``; False at the end."""
        if self.eof:
            return False
        chunk = self._read(max(CHUNK_BYTES, self.end - keep))
        if not chunk:
            self.eof = True
            return False
        drop = keep - self.base
        self.data = self.data[drop:] + chunk if drop > 0 else self.data + chunk
        self.base = max(self.base, keep)
        return True

    def byte(self, at: int) -> int:
        """The byte at ``at`` (-1 past the end)."""
        while at >= self.end:
            if not self.more(at):
                return -1
        return self.data[at - self.base]

    def skip_ws(self, at: int) -> int:
        """The offset of the first byte at or after ``at`` that is not JSON whitespace."""
        while True:
            found = _NOT_WS.search(self.data, max(at - self.base, 0))
            if found is not None:
                return self.base + found.start()
            at = self.end
            if not self.more(at):
                return at

    def find(self, needle: bytes, start: int, keep: int, limit: int | None = None) -> int:
        """The offset of ``needle`` at or after ``start`` (reading on, up to ``limit``), or -1."""
        at = start
        while True:
            found = self.data.find(needle, at - self.base)
            if found >= 0:
                return self.base + found
            at = max(start, self.end - len(needle) + 1)
            if limit is not None and self.end >= limit:
                return -1
            if not self.more(keep):
                return -1

    def view(self, start: int, end: int) -> memoryview:
        while self.end < end:
            if not self.more(start):
                raise NotStreamable("the input ends inside a value")
        return memoryview(self.data)[start - self.base : end - self.base]


class StreamReader:
    """A document's output skeleton (bytes) and its elements (``Piece``), in document order."""

    def __init__(self, read: Callable[[int], bytes], source: str) -> None:
        self._buf = _Buffer(read)
        self.source = source
        self.kind: DocumentKind | None = None
        self.payload_count = 0
        self._history_open = False  # inside the root's "history" object, before its events

    def items(self) -> Iterator[Item]:
        buf = self._buf
        while buf.end < 4 and buf.more(0):
            pass
        start = 3 if buf.data.startswith(b"\xef\xbb\xbf") else 0
        if json.detect_encoding(buf.data[start : start + 4]) != "utf-8":
            raise NotStreamable("not UTF-8")
        at = buf.skip_ws(start)
        first = buf.byte(at)
        if first == ord("["):
            at = yield from self._array(at, "", 0, None)
        elif first == ord("{"):
            at = yield from self._object(at, "", 0)
            if self.kind is None:  # one payload, or no document: the whole-document reader says
                raise NotStreamable("not a list of payloads or events")
        else:
            raise NotStreamable("not an object or a list")
        if buf.skip_ws(at) != buf.end:
            raise NotStreamable("data after the document")

    # ---- containers ---------------------------------------------------------------------------

    def _object(self, at: int, pointer: str, level: int) -> _Items:
        """An object member by member; its big list, if it is the document's, as pieces."""
        buf = self._buf
        at = buf.skip_ws(at + 1)
        if buf.byte(at) == ord("}"):
            yield b"{}"
            return at + 1
        seen: set[str] = set()
        indent = b"\n" + b"  " * (level + 1)
        while True:
            if buf.byte(at) != _QUOTE:
                raise NotStreamable("expected a key")
            key_end = self._string_end(at)
            key, plain = self._load(at, key_end)
            if plain or not isinstance(key, str):
                raise NotStreamable("a key orjson does not write back")
            if key in seen:
                raise NotStreamable("a key twice")  # the whole reader keeps the last one
            seen.add(key)
            at = buf.skip_ws(key_end)
            if buf.byte(at) != ord(":"):
                raise NotStreamable("expected ':'")
            at = buf.skip_ws(at + 1)
            yield (b"{" if len(seen) == 1 else b",") + indent + orjson.dumps(key) + b": "
            child = f"{pointer}/{escape(key)}"
            container = self._container_for(key, level, buf.byte(at))
            if container is DocumentKind.HISTORY and key == "history":
                at = yield from self._object(at, child, level + 1)
            elif container is not None:
                at = yield from self._array(at, child, level + 1, container)
            else:
                end = self._value_end(at)
                value, plain = self._load(at, end)
                yield _dump(value, level + 1, plain)
                at = end
            at = buf.skip_ws(at)
            closing = buf.byte(at)
            if closing == ord("}"):
                yield b"\n" + b"  " * level + b"}"
                return at + 1
            if closing != ord(","):
                raise NotStreamable("expected ',' or '}'")
            at = buf.skip_ws(at + 1)

    def _container_for(self, key: str, level: int, first: int) -> DocumentKind | None:
        """Which list of the document this member holds, as ``document_from_json`` decides."""
        at_root = level == 0
        in_history = level == 1 and self._history_open
        if at_root and key in ("events", "history", "payloads") and self.kind is not None:
            raise NotStreamable("more than one candidate list")
        if at_root and key == "events" and first == ord("["):
            return DocumentKind.HISTORY
        if at_root and key == "history" and first == ord("{"):
            self._history_open = True
            return DocumentKind.HISTORY
        if in_history and key == "events" and first == ord("["):
            self._history_open = False
            return DocumentKind.HISTORY
        if at_root and key == "payloads" and first == ord("["):
            return DocumentKind.PAYLOADS
        if at_root and key in ("events", "payloads"):
            raise NotStreamable(f"{key} is not a list")
        return None

    def _array(self, at: int, pointer: str, level: int, kind: DocumentKind | None) -> _Items:
        """The document's list, one element a piece; ``kind`` None decides it on the first."""
        buf = self._buf
        at = buf.skip_ws(at + 1)
        if buf.byte(at) == ord("]"):
            yield b"[]"
            self.kind = self.kind or kind or DocumentKind.LIST
            return at + 1
        indent = b"\n" + b"  " * (level + 1)
        index = 0
        while True:
            value, end, plain = self._element(at)
            if kind is None:
                kind = DocumentKind.HISTORY if looks_like_event(value) else DocumentKind.LIST
            self.kind = kind
            child = f"{pointer}/{index}"
            found = self._payloads(kind, value, pointer, child, index)
            yield (b"[" if index == 0 else b",") + indent
            yield Piece(value, child, level + 1, found, self.payload_count, plain, end - at)
            self.payload_count += len(found)
            at = buf.skip_ws(end)
            closing = buf.byte(at)
            if closing == ord("]"):
                yield b"\n" + b"  " * level + b"]"
                return at + 1
            if closing != ord(","):
                raise NotStreamable("expected ',' or ']'")
            at = buf.skip_ws(at + 1)
            index += 1

    def _payloads(
        self, kind: DocumentKind, value: Any, base: str, pointer: str, index: int
    ) -> list[FoundPayload]:
        try:
            if kind is DocumentKind.HISTORY:
                return event_payloads(value, pointer, index, self.source)
            label = "payloads" if kind is DocumentKind.PAYLOADS else ""
            return [element_payload(value, base, label, index, self.source)]
        except ValueError as e:  # a DocumentError: the whole reader names it the same way
            raise NotStreamable(str(e)) from None

    # ---- values -------------------------------------------------------------------------------

    def _element(self, at: int) -> tuple[Any, int, bool]:
        """An element's value, its end and whether it is plain: from its indented closing
        bracket when that parses (pretty-printed input), else by scanning it."""
        buf = self._buf
        closing = _CLOSING.get(buf.byte(at))
        line = buf.data.rfind(b"\n", 0, at - buf.base)
        column = at - buf.base - line - 1
        if (
            closing is not None
            and line >= 0
            and column <= _MAX_INDENT
            and not buf.data[line + 1 : at - buf.base].strip(b" ")
        ):
            needle = b"\n" + b" " * column + closing
            found = buf.find(needle, at, keep=at, limit=at + LOOKAHEAD_BYTES)
            if found >= 0:
                end = found + len(needle)
                try:
                    value = orjson.loads(buf.view(at, end))
                except orjson.JSONDecodeError:
                    pass
                else:
                    if not _has_float(value):
                        return value, end, False
        end = self._value_end(at)
        value, plain = self._load(at, end)
        return value, end, plain

    def _load(self, start: int, end: int) -> tuple[Any, bool]:
        """The JSON value at [start, end) and whether it needs the standard library."""
        text = self._buf.view(start, end)
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
        else:
            if not _has_float(value):
                return value, False
        try:
            return json_text.loads(bytes(text).decode("utf-8"), self.source), True
        except (DocumentError, UnicodeDecodeError):
            raise NotStreamable("not JSON") from None

    def _value_end(self, at: int) -> int:
        """The end of the JSON value starting at ``at``, scanned string by string."""
        buf = self._buf
        first = buf.byte(at)
        if first == _QUOTE:
            return self._string_end(at)
        if first not in _CLOSING:
            while True:
                found = _SCALAR.match(buf.data, at - buf.base)
                if found is not None and (found.end() < len(buf.data) or buf.eof):
                    return buf.base + found.end()
                if not buf.more(at):
                    raise NotStreamable("the input ends inside a value")
        depth = 0
        pos = at
        while True:
            found = _TOKEN.search(buf.data, pos - buf.base)
            if found is None:
                pos = buf.end
                if not buf.more(at):
                    raise NotStreamable("the input ends inside a value")
                continue
            token = buf.base + found.start()
            char = buf.data[found.start()]
            if char == _QUOTE:
                pos = self._string_end(token, keep=at)
                continue
            depth += 1 if char in _CLOSING else -1
            pos = token + 1
            if depth == 0:
                return pos

    def _string_end(self, at: int, keep: int | None = None) -> int:
        """The offset just past the string whose opening quote is at ``at``."""
        buf = self._buf
        keep = at if keep is None else keep
        pos = at + 1
        while True:
            quote = buf.find(b'"', pos, keep=keep)
            if quote < 0:
                raise NotStreamable("the input ends inside a string")
            slashes = 0
            while buf.data[quote - buf.base - slashes - 1] == _BACKSLASH:
                slashes += 1
            if slashes % 2 == 0:
                return quote + 1
            pos = quote + 1


def _has_float(value: Any) -> bool:
    """Whether a parsed value holds a float anywhere (orjson and ``json`` write some apart)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float):
            return True
    return False


def _dump(value: Any, level: int, plain: bool) -> bytes:
    """``value`` as ``json.dumps(indent=2, ensure_ascii=False)`` writes it ``level`` deep."""
    text = None
    if not plain:
        try:
            text = orjson.dumps(value, option=orjson.OPT_INDENT_2)
        except orjson.JSONEncodeError:  # nested deeper than orjson writes
            pass
    if text is None:
        try:
            text = json.dumps(value, indent=2, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: the whole document is written escaped
            raise NotStreamable("a lone surrogate") from None
        except RecursionError:
            raise NotStreamable("nested too deeply") from None
    return text.replace(b"\n", b"\n" + b"  " * level) if level else text


_MARK = "\x00payload-inspector:"  # stands in for a replaced payload while the rest is written
_MARK_JSON = b'"\\u0000payload-inspector:'
_MARK_AT = re.compile(re.escape(_MARK_JSON) + rb'(\d+)"')


def render_piece(piece: Piece, replacements: dict[int, Payload]) -> list[bytes]:
    """The element with payload ``piece.first + k`` replaced by ``replacements[k]``, as
    ``write_document`` writes it, in parts.

    The element is written with a short marker where each replaced payload goes and the
    payload's proto JSON is written straight to bytes in its place: megabytes of base64 are
    never rescanned by a JSON writer. Should the document itself hold a marker, the element
    is written the plain way.
    """
    cut = len(piece.pointer)
    order = sorted(replacements)
    pointers = [piece.payloads[k].location.pointer[cut:] for k in order]
    if DIRECT_WRITE:
        marked = rebuild(piece.value, [(p, f"{_MARK}{n}") for n, p in enumerate(pointers)])
        text = _dump(marked, piece.level, piece.plain)
        found = list(_MARK_AT.finditer(text))
        if [int(m.group(1)) for m in found] == list(range(len(order))):
            return _splice(text, found, [replacements[k] for k in order], piece.level)
    edits = [(p, payload_to_json(replacements[k])) for p, k in zip(pointers, order, strict=True)]
    return [_dump(rebuild(piece.value, edits), piece.level, piece.plain)]


def _splice(
    text: bytes, marks: list[re.Match[bytes]], payloads: list[Payload], level: int
) -> list[bytes]:
    parts: list[bytes] = []
    at = 0
    for mark, payload in zip(marks, payloads, strict=True):
        start = mark.start()
        line = text.rfind(b"\n", 0, start)
        head = text[line + 1 : start]
        # The element's first line is indented by what was written before it.
        indent = len(head) - len(head.lstrip(b" ")) + (2 * level if line < 0 else 0)
        parts.append(text[at:start])
        _payload_parts(payload, indent, parts)
        at = mark.end()
    parts.append(text[at:])
    return parts


def _payload_parts(payload: Payload, indent: int, parts: list[bytes]) -> None:
    """``payload_to_json(payload)`` as ``json.dumps(indent=2)`` writes it on a line indented
    by ``indent`` spaces (fields in the order ``payload_to_json`` gives them)."""
    b64 = pybase64.b64encode
    pad = b"\n" + b" " * (indent + 2)
    fields: list[list[bytes]] = []
    metadata = payload.metadata
    if metadata:
        inner = b"\n" + b" " * (indent + 4)
        entries = [
            inner + orjson.dumps(key) + b': "' + b64(metadata[key]) + b'"'
            for key in sorted(metadata)
        ]
        fields.append([b'"metadata": {', b",".join(entries), pad, b"}"])
    if payload.data:
        fields.append([b'"data": "', b64(payload.data), b'"'])
    details = payload.external_payloads
    if details:
        inner = b"\n" + b" " * (indent + 4)
        deeper = b"\n" + b" " * (indent + 6)
        entries = [
            inner + (b"{" + deeper + b'"sizeBytes": "%d"' % d.size_bytes + inner + b"}")
            if d.size_bytes
            else inner + b"{}"
            for d in details
        ]
        fields.append([b'"externalPayloads": [', b",".join(entries), pad, b"]"])
    if not fields:
        parts.append(b"{}")
        return
    parts.append(b"{")
    for n, field in enumerate(fields):
        parts.append(pad if n == 0 else b"," + pad)
        parts.extend(field)
    parts.append(b"\n" + b" " * indent + b"}")
