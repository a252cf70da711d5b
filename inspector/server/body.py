"""Request and response bodies: proto JSON ``Payloads``, read strictly, written as the SDKs do.

protobuf's JSON reader skips characters that are not base64 (``"!!!!"`` reads as empty
bytes), so base64 is checked here first: a corrupt body is a 400, never silently another
payload. These functions are CPU-bound: large bodies are handled off the event loop.

protobuf's ``json_format`` is pure Python and was most of a large request's cost, so the
common shapes take a direct path: a payload of only ``metadata`` and ``data`` is built
without ``ParseDict``, and answers are written straight to bytes, with pybase64's SIMD
base64 (a decoded answer is megabytes of it). Both give exactly what ``json_format`` gives
(same base64 decoding, same field order and omissions); anything else (``externalPayloads``,
nulls, unusual keys) still goes through ``json_format``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from typing import Any

import pybase64
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from inspector.errors import first_line
from inspector.server.errors import ApiError

# proto3 JSON bytes: standard or URL-safe alphabet, padding optional.
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")
_SHAPE = 'expected a Payloads JSON object: {"payloads": [{"metadata": {...}, "data": "..."}]}'


def parse_payloads(body: bytes) -> list[Payload]:
    """The payloads of a ``Payloads`` JSON body; raises ``ApiError(400)`` naming what is wrong."""
    try:
        document = json.loads(body)
    except UnicodeDecodeError:
        raise ApiError(400, "body is not UTF-8 JSON") from None
    except json.JSONDecodeError as e:
        raise ApiError(
            400, f"body is not JSON: {e.msg} (line {e.lineno}, column {e.colno})"
        ) from None
    except RecursionError:
        raise ApiError(400, "body is not a Payloads document: JSON nested too deeply") from None
    except ValueError as e:  # e.g. an integer over Python's digit limit
        raise ApiError(400, f"body is not usable JSON: {first_line(e)}") from None
    if not isinstance(document, dict):
        raise ApiError(400, _SHAPE)
    unknown = sorted(set(document) - {"payloads"})
    if unknown:
        raise ApiError(400, f"unknown field {_quoted(unknown[0])}: {_SHAPE}")
    items = document.get("payloads", [])
    if not isinstance(items, list):
        raise ApiError(400, f'"payloads" must be a list: {_SHAPE}')
    return [_parse_payload(item, index) for index, item in enumerate(items)]


def _parse_payload(item: Any, index: int) -> Payload:
    if not isinstance(item, dict):
        raise _bad(index, "a payload must be a JSON object")
    data = item.get("data")
    raw_data = _base64(data, index, None) if data is not None else b""
    metadata = item.get("metadata")
    raw_metadata: dict[str, bytes] = {}
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise _bad(index, '"metadata" must be an object of base64 strings')
        raw_metadata = {key: _base64(value, index, key) for key, value in metadata.items()}
    if _plain_shape(item, data, metadata):
        return Payload(metadata=raw_metadata or None, data=raw_data)
    try:
        return json_format.ParseDict(item, Payload())
    except (json_format.ParseError, ValueError, TypeError, OverflowError, RecursionError):
        raise _bad(index, _field_problem(item)) from None


_FIELD_NAMES = {name for f in Payload.DESCRIPTOR.fields for name in (f.name, f.json_name)}


def _field_problem(item: dict[str, Any]) -> str:
    """Which field is wrong, without quoting its value: protobuf's messages do, and a value
    may be payload contents, which must not reach an answer or the request log."""
    for key in item:
        if key not in _FIELD_NAMES:
            return f"unknown field {_quoted(key)}: a Payload has metadata, data, externalPayloads"
    for key, value in item.items():
        try:
            json_format.ParseDict({key: value}, Payload())
        except Exception:  # json_format raises ParseError and, on odd input, others
            return f"field {_quoted(key)} is not a valid Payload {key}"
    return "not a Payload"


_PLAIN_KEYS = frozenset({"metadata", "data"})


def _plain_shape(item: dict[str, Any], data: Any, metadata: Any) -> bool:
    """Only ``metadata`` (ASCII keys) and ``data``, both strings: what ``ParseDict`` would
    accept without a question, so building the ``Payload`` directly gives the same one."""
    if not item.keys() <= _PLAIN_KEYS:
        return False
    if "data" in item and not isinstance(data, str):
        return False
    if "metadata" in item and not (
        isinstance(metadata, dict) and all(key.isascii() for key in metadata)
    ):
        return False
    return True


def _base64(value: Any, index: int, metadata_key: str | None) -> bytes:
    """A checked base64 string's bytes, decoded exactly as ``json_format`` decodes them.

    The common case, standard and padded, is checked and decoded in one pass; the rest
    (URL-safe alphabet, no padding) is checked by pattern and decoded as ``json_format`` does.
    """
    what = "data" if metadata_key is None else f"metadata {_quoted(metadata_key)}"
    if not isinstance(value, str):
        raise _bad(index, f"{what} must be a base64 string")
    try:
        return pybase64.b64decode(value, validate=True)
    except ValueError:  # binascii.Error, or a string that is not ASCII
        pass
    if _BASE64.fullmatch(value) is None or len(value.rstrip("=")) % 4 == 1:
        raise _bad(index, f"{what} is not valid base64")
    encoded = value.encode()
    return base64.urlsafe_b64decode(encoded + b"=" * (4 - len(encoded) % 4))


def _bad(index: int, reason: str) -> ApiError:
    return ApiError(400, f"payload {index}: {reason}", index=index, stage="input")


def _quoted(name: str) -> str:
    return json.dumps(name[:60])


def write_payloads(payloads: Sequence[Payload]) -> bytes:
    """``Payloads`` as proto JSON (camelCase, base64 bytes), what the Web UI and CLI parse.

    What ``json.dumps(MessageToDict(...), separators=(",", ":"))`` gives, except that metadata
    keys are sorted: protobuf's map order depends on a per-process hash seed, and sorted keys
    make an answer the same bytes whichever process wrote it (see ``workers``). Written
    directly: base64 needs no escaping, so the answer is joined from pieces in one copy.
    """
    if not _DIRECT_WRITE:
        return _write_generic(payloads)
    parts: list[bytes] = [b'{"payloads":[']
    for i, payload in enumerate(payloads):
        if i:
            parts.append(b",")
        _append_payload(parts, payload)
    parts.append(b"]}")
    return b"".join(parts)


def _write_generic(payloads: Sequence[Payload]) -> bytes:
    document = json_format.MessageToDict(Payloads(payloads=list(payloads)))
    document.setdefault("payloads", [])  # an empty answer is still a list for the Web UI
    for item in document["payloads"]:
        if "metadata" in item:
            item["metadata"] = dict(sorted(item["metadata"].items()))
    return json.dumps(document, separators=(",", ":"), ensure_ascii=True).encode()


# The direct writer knows these fields (in field-number order, as ``ListFields`` gives them);
# a Payload message with others (a newer temporalio) makes it step aside.
_DIRECT_WRITE = [f.name for f in Payload.DESCRIPTOR.fields] == [
    "metadata",
    "data",
    "external_payloads",
] and [f.name for f in Payload.ExternalPayloadDetails.DESCRIPTOR.fields] == ["size_bytes"]
_KEYS: dict[str, bytes] = {}


def _append_payload(parts: list[bytes], payload: Payload) -> None:
    b64 = pybase64.b64encode
    parts.append(b"{")
    comma = False
    metadata = payload.metadata
    if metadata:
        parts.append(b'"metadata":{')
        for i, key in enumerate(sorted(metadata)):
            quoted = _KEYS.get(key)
            if quoted is None:
                quoted = json.dumps(key, ensure_ascii=True).encode()
                if len(_KEYS) < 256:
                    _KEYS[key] = quoted
            if i:
                parts.append(b",")
            parts.extend((quoted, b':"', b64(metadata[key]), b'"'))
        parts.append(b"}")
        comma = True
    data = payload.data
    if data:
        parts.extend((b',"data":"' if comma else b'"data":"', b64(data), b'"'))
        comma = True
    details = payload.external_payloads
    if details:
        parts.append(b',"externalPayloads":[' if comma else b'"externalPayloads":[')
        parts.append(
            b",".join(
                b'{"sizeBytes":"%d"}' % d.size_bytes if d.size_bytes else b"{}" for d in details
            )
        )
        parts.append(b"]")
    parts.append(b"}")
