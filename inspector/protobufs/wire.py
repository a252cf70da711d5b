"""Bytes of a message whose type is unknown, read as ``protoc --decode_raw`` reads them.

The wire format says only field numbers and wire types, so a length-delimited field may be a
nested message, text or bytes: like protoc we take it as a message when it parses as one
entirely, else as text when it is UTF-8, else as bytes (base64). Fixed-width values are shown
in hex, as protoc shows them. Nesting is followed to ``MAX_DEPTH`` levels (deeper ones are
shown as bytes), so no input can exhaust the stack.
"""

from __future__ import annotations

import base64
from typing import Any

MAX_DEPTH = 32
_WIRE_NAMES = {0: "varint", 1: "fixed64", 2: "len", 5: "fixed32"}


class _NotWire(ValueError):
    """The bytes are not a sequence of protobuf fields."""


def decode_raw(data: bytes) -> list[dict[str, Any]] | None:
    """The fields of ``data`` in order (``field``, ``wireType`` and the value), or None when
    the bytes are not protobuf's wire format."""
    try:
        return _fields(data, 0)
    except _NotWire:
        return None


def _fields(data: bytes, depth: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    pos, end = 0, len(data)
    while pos < end:
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0 or wire not in _WIRE_NAMES:
            raise _NotWire  # groups (3, 4) are long gone from the format; 6, 7 never existed
        entry: dict[str, Any] = {"field": number, "wireType": _WIRE_NAMES[wire]}
        if wire == 0:
            entry["value"], pos = _varint(data, pos)
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            if pos + width > end:
                raise _NotWire
            entry["value"] = f"0x{int.from_bytes(data[pos : pos + width], 'little'):0{width * 2}x}"
            pos += width
        else:
            length, pos = _varint(data, pos)
            if pos + length > end:
                raise _NotWire
            entry.update(_length_delimited(data[pos : pos + length], depth))
            pos += length
        out.append(entry)
    return out


def _length_delimited(chunk: bytes, depth: int) -> dict[str, Any]:
    if chunk and depth + 1 < MAX_DEPTH:
        try:
            return {"message": _fields(chunk, depth + 1)}
        except _NotWire:
            pass
    try:
        return {"string": chunk.decode("utf-8")}
    except UnicodeDecodeError:
        return {"bytes": base64.b64encode(chunk).decode("ascii")}


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise _NotWire
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
