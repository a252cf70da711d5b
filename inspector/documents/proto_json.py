"""``Payload`` ↔ proto JSON, read strictly and written as the SDKs write it.

The one reader and writer of payload JSON: documents, the codec server's request bodies and
its answers all come through here. protobuf's JSON reader skips characters that are not
base64 (``"!!!!"`` reads as empty bytes), so base64 is checked here first: a corrupt payload
is an error, never silently another payload. Errors say which field and what is wrong without
quoting the value (a value may be payload contents, which must not reach a log).

``json_format`` is pure Python and was most of a large request's cost, so ``metadata`` and
``data`` are read directly (with pybase64's SIMD base64) and answers are written straight to
bytes; both give exactly what ``json_format`` gives. Other fields (``externalPayloads``, and
any a newer SDK adds) still go through ``json_format``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from typing import Any

import pybase64
from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from temporalio.api.common.v1 import Payload, Payloads

from inspector.documents.json_text import compact
from inspector.documents.model import describe, error_at, escape
from inspector.errors import first_line

_FIELDS: dict[str, FieldDescriptor] = {
    **{f.name: f for f in Payload.DESCRIPTOR.fields},
    **{f.json_name: f for f in Payload.DESCRIPTOR.fields},
}
_FIELD_NAMES = ", ".join(f.json_name for f in Payload.DESCRIPTOR.fields)
# proto3 JSON bytes: standard or URL-safe alphabet, padding optional.
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")


class PayloadJsonError(ValueError):
    """Which field of a Payload object is wrong (a pointer below the payload) and why.

    ``reason`` never quotes a value; ``detail`` is protobuf's own word on a field it read,
    which may (for documents, the user's own file, that is useful).
    """

    def __init__(self, path: str, reason: str, detail: str | None = None) -> None:
        super().__init__(reason if detail is None else f"{reason}: {detail}")
        self.path = path
        self.reason = reason
        self.detail = detail


def decode_base64(text: str) -> bytes | None:
    """Standard or URL-safe base64, padded or not, decoded as ``json_format`` decodes it; None
    for anything else (``json_format`` would silently drop the characters it does not know).

    The common case, standard and padded, is checked and decoded in one SIMD pass.
    """
    try:
        return pybase64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error, or a string that is not ASCII
        pass
    if _BASE64.fullmatch(text) is None or len(text.rstrip("=")) % 4 == 1:
        return None
    encoded = text.encode()
    return base64.urlsafe_b64decode(encoded + b"=" * (4 - len(encoded) % 4))


def _name(name: str) -> str:
    return repr(name[:60])


def read_payload(obj: Any) -> Payload:
    """One proto JSON ``Payload`` object (no shorthand); raises ``PayloadJsonError``."""
    if not isinstance(obj, dict):
        raise PayloadJsonError(
            "", f"expected a Payload object with metadata and data, got {describe(obj)}"
        )
    metadata: dict[str, bytes] = {}
    data = b""
    rest: dict[str, Any] = {}
    for key, value in obj.items():
        fd = _FIELDS.get(key)
        if fd is None:
            raise PayloadJsonError(
                f"/{escape(key)}", f"unknown field {_name(key)}; a Payload has {_FIELD_NAMES}"
            )
        if value is None:
            continue
        if fd.name == "metadata":
            metadata = _read_metadata(value)
        elif fd.name == "data":
            decoded = decode_base64(value) if isinstance(value, str) else None
            if decoded is None:
                what = "not valid base64" if isinstance(value, str) else describe(value)
                raise PayloadJsonError("/data", f"data must be a base64 string, got {what}")
            data = decoded
        else:
            rest[key] = value
    payload = Payload(data=data)
    fields = payload.metadata  # one by one: the constructor's dict goes through a slow update
    for name, value in metadata.items():
        fields[name] = value
    for key, value in rest.items():
        try:
            json_format.ParseDict({key: value}, payload, ignore_unknown_fields=False)
        except Exception as exc:  # json_format raises ParseError and, on odd input, others
            raise PayloadJsonError(f"/{escape(key)}", f"bad {key}", first_line(exc)) from None
    return payload


def _read_metadata(value: Any) -> dict[str, bytes]:
    if not isinstance(value, dict):
        raise PayloadJsonError(
            "/metadata", f"metadata must be an object of base64 strings, got {describe(value)}"
        )
    metadata: dict[str, bytes] = {}
    for name, encoded in value.items():
        decoded = decode_base64(encoded) if isinstance(encoded, str) else None
        if decoded is None:
            what = "not valid base64" if isinstance(encoded, str) else describe(encoded)
            raise PayloadJsonError(
                f"/metadata/{escape(name)}",
                f"metadata value {_name(name)} must be a base64 string, got {what}",
            )
        if not name.isascii():
            try:
                name.encode("utf-8")
            except UnicodeError:  # a lone surrogate: protobuf refuses the map key
                raise PayloadJsonError(
                    f"/metadata/{escape(name)}", f"metadata name {_name(name)} is not valid Unicode"
                ) from None
        metadata[name] = decoded
    return metadata


def payload_from_json(obj: Any, pointer: str = "", source: str = "<input>") -> Payload:
    """``read_payload`` for a document: errors are ``DocumentError``s naming the field's pointer."""
    try:
        return read_payload(obj)
    except PayloadJsonError as e:
        raise error_at(source, f"{pointer}{e.path}", str(e)) from None


def payload_to_json(payload: Payload) -> dict[str, Any]:
    """Proto JSON as ``json_format.MessageToDict`` writes it (what codec servers return), with
    metadata keys sorted: protobuf's map order varies from process to process, output must not.

    Built directly (SIMD base64) when the message has only the fields the direct writer knows:
    ``MessageToDict`` was a third of a big ``decode``.
    """
    if not DIRECT_WRITE:
        obj = json_format.MessageToDict(payload)
        if "metadata" in obj:
            obj["metadata"] = dict(sorted(obj["metadata"].items()))
        return obj
    b64 = pybase64.b64encode_as_string
    result: dict[str, Any] = {}
    metadata = payload.metadata
    if metadata:
        result["metadata"] = {key: b64(metadata[key]) for key in sorted(metadata)}
    if payload.data:
        result["data"] = b64(payload.data)
    details = payload.external_payloads
    if details:
        result["externalPayloads"] = [
            {"sizeBytes": str(d.size_bytes)} if d.size_bytes else {} for d in details
        ]
    return result


# ----------------------------------------------------------------------------- shorthand


def shorthand_payload(value: Any) -> Payload:
    """The payload a shorthand JSON value stands for (the Go API's shorthand reading rules)."""
    if value is None:
        return Payload(metadata={"encoding": b"binary/null"})
    if isinstance(value, dict) and isinstance(value.get("_protoMessageType"), str):
        body = {k: v for k, v in value.items() if k != "_protoMessageType"}
        return Payload(
            metadata={
                "encoding": b"json/protobuf",
                "messageType": value["_protoMessageType"].encode("utf-8", "surrogatepass"),
            },
            data=compact(body),
        )
    return Payload(metadata={"encoding": b"json/plain"}, data=compact(value))


def is_full_payload(value: Any) -> bool:
    """A proto JSON Payload rather than a shorthand value: has metadata, only Payload keys."""
    return (
        isinstance(value, dict) and ("metadata" in value) and all(key in _FIELDS for key in value)
    )


def is_payload_object(value: dict[str, Any]) -> bool:
    """An object with at least one Payload field: a document that is one payload."""
    return any(key in _FIELDS for key in value)


def read_element(value: Any, pointer: str, source: str) -> tuple[Payload, bool]:
    """A payload in full or shorthand form; returns it and whether it was shorthand."""
    if is_full_payload(value):
        return payload_from_json(value, pointer, source), False
    return shorthand_payload(value), True


# ------------------------------------------------------------------------------ writing


def write_payloads(payloads: Sequence[Payload]) -> bytes:
    """``Payloads`` as compact proto JSON bytes, what the Web UI and the CLI parse.

    What ``json.dumps(MessageToDict(...), separators=(",", ":"))`` gives, except that metadata
    keys are sorted: protobuf's map order depends on a per-process hash seed, and sorted keys
    make an answer the same bytes whichever process wrote it. Written directly: base64 needs
    no escaping, so the answer is joined from pieces in one copy.
    """
    if not DIRECT_WRITE:
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
DIRECT_WRITE = [f.name for f in Payload.DESCRIPTOR.fields] == [
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
