"""Strict JSON text: what JSON allows and nothing more, with errors that say where.

Python's ``json`` accepts NaN and Infinity, reads ``1e999`` as Infinity and raises
``RecursionError`` on deep nesting; none of that may reach a user as a traceback or as a
value no other tool can read back. Every reader of documents goes through ``loads`` and
every writer through ``dumps``/``compact``.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

from inspector.documents.model import DocumentError, NotTextError


class _ConstantError(ValueError):
    """NaN/Infinity: Python's json accepts them, JSON (and proto JSON) does not."""


def reject_constant(name: str) -> Any:
    """``parse_constant`` hook: refuse NaN/Infinity instead of passing them through."""
    raise _ConstantError(name)


class _RangeError(ValueError):
    """A number beyond a double: Python would read it as Infinity, which JSON cannot write."""


def _finite_float(text: str) -> float:
    """``parse_float`` hook: refuse ``1e999`` rather than turn it into Infinity."""
    value = float(text)
    if math.isinf(value):
        raise _RangeError(text if len(text) <= 40 else text[:40] + "…")
    return value


def strict_value(text: str) -> Any:
    """JSON text as a value, refusing NaN and Infinity; raises ValueError or RecursionError.

    For data that may or may not be JSON (a payload's bytes): the caller decides what a
    failure means.
    """
    return json.loads(text, parse_constant=reject_constant)


# File signatures of what users open by mistake, and what to say about each.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "gzip-compressed data; decompress it first (gunzip)"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data; decompress it first (unzstd)"),
    (b"\x7fELF", "a program"),
)
_SNIFF = 8192  # how much of the start is looked at for NUL bytes


def binary_kind(raw: bytes) -> str | None:
    """What ``raw`` is when it is clearly not text (a signature, or NUL bytes in UTF-8)."""
    for signature, kind in _SIGNATURES:
        if raw.startswith(signature):
            return kind
    if json.detect_encoding(raw[:4]) == "utf-8" and b"\x00" in raw[:_SNIFF]:
        return "binary data"
    return None


def _not_text(source: str, kind: str) -> NotTextError:
    return NotTextError(
        f"{source}: not a text document ({kind}): open a JSON document of payloads "
        "or a workflow history export",
        source=source,
    )


def decode_text(data: bytes | str, source: str) -> str:
    """Bytes to text: UTF-8 (BOM tolerated) or the UTF-16/32 that JSON allows."""
    if isinstance(data, str):
        if "\x00" in data[:_SNIFF]:  # JSON text never holds a NUL: this was binary
            raise _not_text(source, "binary data")
        return data[1:] if data.startswith("\ufeff") else data
    raw = bytes(data)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    kind = binary_kind(raw)
    if kind is not None:
        raise _not_text(source, kind)
    encoding = json.detect_encoding(raw)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        start = exc.start
        line = raw.count(b"\n", 0, start) + 1
        column = start - (raw.rfind(b"\n", 0, start) + 1) + 1
        bad = raw[start : start + 1].hex()
        raise DocumentError(
            f"{source}: not {encoding.upper()} text: invalid byte 0x{bad} "
            f"at line {line} column {column}",
            source=source,
            line=line,
            column=column,
        ) from None


def loads(text: str, source: str) -> Any:
    """Parse JSON once, turning every failure into a DocumentError with line and column."""
    if not text.strip():
        raise DocumentError(f"{source}: empty input, expected JSON", source=source)
    try:
        return json.loads(text, parse_constant=reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"{source}: not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            source=source,
            line=exc.lineno,
            column=exc.colno,
        ) from None
    except _ConstantError as exc:
        raise DocumentError(
            f"{source}: not JSON: {exc} is not a JSON value", source=source
        ) from None
    except RecursionError:
        raise DocumentError(f"{source}: JSON nested too deeply", source=source) from None
    except _RangeError as exc:
        raise DocumentError(
            f"{source}: number {exc} is out of range (beyond a double)", source=source
        ) from None
    except ValueError:  # an integer longer than Python converts (sys.get_int_max_str_digits)
        raise DocumentError(
            f"{source}: not usable JSON: a number has more than "
            f"{sys.get_int_max_str_digits()} digits",
            source=source,
        ) from None


def dumps(value: Any, source: str) -> str:
    """Pretty JSON in the input's key order; deep nesting is an error, not a crash.

    Text is written as it is (``ensure_ascii=False``) unless the input held lone surrogates
    (``"\\ud800"`` escapes): those cannot be encoded as UTF-8, so then everything non-ASCII
    is escaped instead, which keeps the output valid JSON that any caller can print.
    """
    try:
        text = json.dumps(value, indent=2, ensure_ascii=False)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = json.dumps(value, indent=2, ensure_ascii=True)
        return text
    except RecursionError:
        raise DocumentError(f"{source}: JSON nested too deeply to write", source=source) from None


def compact(value: Any) -> bytes:
    """Compact JSON in the value's own key order, UTF-8 (what a JSON converter would write).

    Lone surrogates cannot be UTF-8: such values are written with ASCII escapes instead.
    """
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":")).encode("ascii")
