"""Read payload documents and write results back in the shape of the input.

A *document* is what a user pastes or loads: a ``Payloads`` object, one ``Payload``, a JSON
list of payloads, or a whole workflow history export (``temporal workflow show -o json``,
the Web UI's "Download event history", or a ``{"history": {"events": [...]}}`` wrapper).
``parse_document`` finds every payload in it and remembers where (a JSON pointer and a
label for people); ``write_document`` and ``render_readable`` give the same document back
with the payloads swapped for the pipeline's results, so the output has the input's shape.

Where payloads are in a history: the walk follows the real protobuf descriptors of
``HistoryEvent`` (so it knows every ``Payload``/``Payloads`` field: inputs, results,
signal/update/query args, heartbeat details, memo/header fields, failure details and
``encodedAttributes`` through any depth of ``cause``, user metadata, Nexus input/result …),
and falls back to a walk keyed on property names (``payloads`` lists, ``encodedAttributes``,
``memo``/``header`` fields, ``searchAttributes``) for keys the SDK's protos do not know yet.
Search attribute values are found with ``transform=False``: they are never codec-encoded.

Shorthand payloads: Temporal's JSON tools can print a ``json/plain`` payload as the bare JSON
value instead of a ``{"metadata", "data"}`` object (and a ``Payloads`` as a bare array, a
``json/protobuf`` payload as the object plus ``_protoMessageType``, ``null`` for
``binary/null``). We read those the way the Go API's shorthand reader does: an object is a
full payload when it has ``metadata`` and only Payload fields (then it is read strictly, so a
bad base64 string is an error, not silently taken for user data); anything else is a
shorthand value whose payload data is its compact JSON. When a shorthand payload is
replaced, the replacement is written in full proto JSON form (a shorthand can only say
``json/plain``); shorthand payloads that are not replaced are left exactly as they were.

Nothing here recurses in Python: walks use explicit stacks, and JSON nested deeper than the
``json`` module accepts is a ``DocumentError``, never a ``RecursionError``.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import math
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from temporalio.api.common.v1 import Payload, Payloads, SearchAttributes
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from inspector.errors import InspectorError

__all__ = [
    "Document",
    "DocumentError",
    "DocumentKind",
    "FoundPayload",
    "Location",
    "document_from_json",
    "parse_document",
    "payload_from_json",
    "payload_to_json",
    "payload_to_readable",
    "render_readable",
    "write_document",
]


class DocumentKind(enum.Enum):
    """The shape of the input, which is also the shape of the output."""

    PAYLOADS = "payloads"
    PAYLOAD = "payload"
    LIST = "list"
    HISTORY = "history"


@dataclass(frozen=True)
class Location:
    """Where a payload sits in its document: a pointer for tools, a label for people."""

    pointer: str
    label: str
    event_id: int | None = None
    event_type: str | None = None
    field: str | None = None
    transform: bool = True


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


class DocumentError(InspectorError, ValueError):
    """Bad input; the message names the source and where (line:column or JSON pointer)."""

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


def _at(source: str, pointer: str, reason: str) -> DocumentError:
    """An error about one place in the document, named by its JSON pointer."""
    where = pointer if pointer else "(top level)"
    return DocumentError(f"{source} at {where}: {reason}", source=source, pointer=pointer)


# --------------------------------------------------------------------------- JSON helpers


def _escape(token: str) -> str:
    """RFC 6901 token escaping: map keys (memo names, …) may hold '/' and '~'."""
    return token.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    """Inverse of ``_escape`` (``~1`` first, as RFC 6901 says)."""
    return token.replace("~1", "/").replace("~0", "~")


def _describe(value: Any) -> str:
    """A few words saying what a JSON value is, for error messages."""
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


class _ConstantError(ValueError):
    """NaN/Infinity: Python's json accepts them, JSON (and proto JSON) does not."""


def _reject_constant(name: str) -> Any:
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


def _decode_text(data: bytes | str, source: str) -> str:
    """Bytes to text: UTF-8 (BOM tolerated) or the UTF-16/32 that JSON allows."""
    if isinstance(data, str):
        return data[1:] if data.startswith("\ufeff") else data
    raw = bytes(data)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
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


def _loads(text: str, source: str) -> Any:
    """Parse JSON once, turning every failure into a DocumentError with line and column."""
    if not text.strip():
        raise DocumentError(f"{source}: empty input, expected JSON", source=source)
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
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


def _dumps(value: Any, source: str) -> str:
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


# ------------------------------------------------------------------------ Payload <-> JSON

_PAYLOAD_DESCRIPTOR = Payload.DESCRIPTOR
_PAYLOAD_FIELDS: dict[str, FieldDescriptor] = {
    **{f.name: f for f in _PAYLOAD_DESCRIPTOR.fields},
    **{f.json_name: f for f in _PAYLOAD_DESCRIPTOR.fields},
}
_PAYLOAD_FIELD_NAMES = ", ".join(f.json_name for f in _PAYLOAD_DESCRIPTOR.fields)
_B64_RE = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")
_URLSAFE = str.maketrans("-_", "+/")


def _b64decode(text: str) -> bytes | None:
    """Standard or URL-safe base64, padded or not (as json_format reads bytes); None if bad.

    Stricter than json_format, which silently drops characters outside the alphabet: a
    payload with garbage in it must be an error, not different bytes.
    """
    if _B64_RE.fullmatch(text) is None:
        return None
    body = text.rstrip("=")
    if len(body) % 4 == 1:
        return None
    if "-" in body or "_" in body:
        body = body.translate(_URLSAFE)
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def payload_from_json(obj: Any, pointer: str = "", source: str = "<input>") -> Payload:
    """Read one proto JSON ``Payload`` strictly (no shorthand); errors name the field's pointer.

    Metadata values and data are checked as base64 here; the remaining fields (such as
    ``externalPayloads``) go through ``json_format`` so new Payload fields keep working.
    """
    if not isinstance(obj, dict):
        raise _at(
            source,
            pointer,
            f"expected a Payload object with metadata and data, got {_describe(obj)}",
        )
    payload = Payload()
    rest: dict[str, Any] = {}
    for key, value in obj.items():
        fd = _PAYLOAD_FIELDS.get(key)
        if fd is None:
            raise _at(
                source,
                f"{pointer}/{_escape(key)}",
                f"unknown field {key!r}; a Payload has {_PAYLOAD_FIELD_NAMES}",
            )
        if value is None:
            continue
        if fd.name == "metadata":
            if not isinstance(value, dict):
                raise _at(
                    source,
                    f"{pointer}/metadata",
                    f"metadata must be an object of base64 strings, got {_describe(value)}",
                )
            for name, encoded in value.items():
                decoded = _b64decode(encoded) if isinstance(encoded, str) else None
                if decoded is None:
                    what = "not valid base64" if isinstance(encoded, str) else _describe(encoded)
                    raise _at(
                        source,
                        f"{pointer}/metadata/{_escape(name)}",
                        f"metadata value {name!r} must be a base64 string, got {what}",
                    )
                try:
                    payload.metadata[name] = decoded
                except (UnicodeError, ValueError, TypeError):
                    raise _at(
                        source,
                        f"{pointer}/metadata/{_escape(name)}",
                        f"metadata name {name!r} is not valid Unicode",
                    ) from None
        elif fd.name == "data":
            decoded = _b64decode(value) if isinstance(value, str) else None
            if decoded is None:
                what = "not valid base64" if isinstance(value, str) else _describe(value)
                raise _at(source, f"{pointer}/data", f"data must be a base64 string, got {what}")
            payload.data = decoded
        else:
            rest[key] = value
    for key, value in rest.items():
        try:
            json_format.ParseDict({key: value}, payload, ignore_unknown_fields=False)
        except Exception as exc:  # json_format raises ParseError and, on odd input, others
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise _at(source, f"{pointer}/{_escape(key)}", f"bad {key}: {reason}") from None
    return payload


def payload_to_json(payload: Payload) -> dict[str, Any]:
    """Proto JSON as ``json_format.MessageToDict`` writes it (what codec servers return), with
    metadata keys sorted: protobuf's map order varies from process to process, output must not."""
    obj = json_format.MessageToDict(payload)
    if "metadata" in obj:
        obj["metadata"] = dict(sorted(obj["metadata"].items()))
    return obj


def _shorthand_payload(value: Any) -> Payload:
    """The payload a shorthand JSON value stands for (Go API's shorthand reading rules)."""
    if value is None:
        return Payload(metadata={"encoding": b"binary/null"})
    if isinstance(value, dict) and isinstance(value.get("_protoMessageType"), str):
        body = {k: v for k, v in value.items() if k != "_protoMessageType"}
        return Payload(
            metadata={
                "encoding": b"json/protobuf",
                "messageType": value["_protoMessageType"].encode("utf-8", "surrogatepass"),
            },
            data=_compact(body),
        )
    return Payload(metadata={"encoding": b"json/plain"}, data=_compact(value))


def _compact(value: Any) -> bytes:
    """Compact JSON in the value's own key order, UTF-8 (what a JSON converter would write).

    Lone surrogates cannot be UTF-8: such values are written with ASCII escapes instead.
    """
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":")).encode("ascii")


def _is_full_payload(value: Any) -> bool:
    """A proto JSON Payload rather than a shorthand value: has metadata, only Payload keys."""
    return (
        isinstance(value, dict)
        and ("metadata" in value)
        and all(key in _PAYLOAD_FIELDS for key in value)
    )


def _read_element(value: Any, pointer: str, source: str) -> tuple[Payload, bool]:
    """A payload in full or shorthand form; returns it and whether it was shorthand."""
    if _is_full_payload(value):
        return payload_from_json(value, pointer, source), False
    return _shorthand_payload(value), True


# ---------------------------------------------------------------------- readable rendering


def _text_or_base64(data: bytes) -> str:
    """Text when the bytes are UTF-8, else base64, so any bytes can be shown."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii")


def _readable_data(encoding: str, data: bytes) -> Any:
    """JSON encodings as JSON values when they parse, text encodings as text, else base64."""
    if not data and encoding == "binary/null":
        return None
    if encoding.startswith("json/"):
        try:
            return json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            pass
    if encoding.startswith(("json", "text/")):
        return _text_or_base64(data)
    return base64.b64encode(data).decode("ascii")


def payload_to_readable(payload: Payload) -> dict[str, Any]:
    """One payload for people: metadata as text, JSON data as a JSON value, binary as base64.

    Text that is not valid UTF-8 falls back to base64, so rendering never fails.
    """
    encoding = payload.metadata.get("encoding", b"").decode("utf-8", "replace")
    metadata = payload.metadata
    out: dict[str, Any] = {
        "metadata": {key: _text_or_base64(metadata[key]) for key in sorted(metadata)},
        "data": _readable_data(encoding, payload.data),
    }
    if payload.external_payloads:
        out["externalPayloads"] = payload_to_json(payload).get("externalPayloads", [])
    return out


# ------------------------------------------------------------------ history walk (plans)

_PAYLOADS_NAME = Payloads.DESCRIPTOR.full_name
_PAYLOAD_NAME = _PAYLOAD_DESCRIPTOR.full_name
_SEARCH_ATTRIBUTES_NAME = SearchAttributes.DESCRIPTOR.full_name
_ANY_NAME = "google.protobuf.Any"


class _K(enum.Enum):
    """How the walk treats a field of a known message."""

    SKIP = 0  # scalar, enum or a well-known type: no payloads inside
    PAYLOAD = 1
    PAYLOADS = 2
    PAYLOAD_LIST = 3
    PAYLOAD_MAP = 4
    MESSAGE = 5
    MESSAGE_LIST = 6
    MESSAGE_MAP = 7
    GENERIC = 8  # google.protobuf.Any: walk by property names


@dataclass(frozen=True)
class _Plan:
    kind: _K
    hide: bool = False  # leave the field's name out of labels (oneof attributes, wrappers)
    message: Descriptor | None = None
    transform: bool = True


_SKIP = _Plan(_K.SKIP)
_PLANS: dict[str, dict[str, _Plan]] = {}


def _plan_for(owner: Descriptor, fd: FieldDescriptor) -> _Plan:
    """Classify one field once; plans are cached per message type."""
    if fd.type != FieldDescriptor.TYPE_MESSAGE:
        return _SKIP
    mt = fd.message_type
    # Event attributes and failure infos are the event's/failure's own content: "result[0]"
    # reads better than "activityTaskCompletedEventAttributes.result[0]".
    hide = fd.containing_oneof is not None and fd.name.endswith(("_attributes", "_failure_info"))
    if mt.GetOptions().map_entry:
        value_fd = mt.fields_by_name["value"]
        if value_fd.type != FieldDescriptor.TYPE_MESSAGE:
            return _SKIP
        vt = value_fd.message_type
        wrapper = len(owner.fields) == 1  # Memo.fields, Header.fields: "memo.customer"
        if vt.full_name == _PAYLOAD_NAME:
            return _Plan(
                _K.PAYLOAD_MAP,
                hide=hide or wrapper,
                transform=owner.full_name != _SEARCH_ATTRIBUTES_NAME,
            )
        if vt.full_name == _ANY_NAME:
            return _Plan(_K.MESSAGE_MAP, hide=hide)
        if vt.full_name.startswith("google.protobuf."):
            return _SKIP
        return _Plan(_K.MESSAGE_MAP, hide=hide, message=vt)
    repeated = fd.is_repeated
    if mt.full_name == _PAYLOAD_NAME:
        return _Plan(_K.PAYLOAD_LIST if repeated else _K.PAYLOAD, hide=hide)
    if mt.full_name == _PAYLOADS_NAME and not repeated:
        return _Plan(_K.PAYLOADS, hide=hide)
    if mt.full_name == _ANY_NAME:
        return _Plan(_K.GENERIC, hide=hide)
    if mt.full_name.startswith("google.protobuf."):
        return _SKIP
    return _Plan(_K.MESSAGE_LIST if repeated else _K.MESSAGE, hide=hide, message=mt)


def _plans(desc: Descriptor) -> dict[str, _Plan]:
    """Field plans by JSON name and by proto name (json_format accepts both)."""
    plans = _PLANS.get(desc.full_name)
    if plans is None:
        plans = {}
        for fd in desc.fields:
            plan = _plan_for(desc, fd)
            plans[fd.name] = plan
            plans[fd.json_name] = plan
        _PLANS[desc.full_name] = plans
    return plans


def _join(label: str, name: str) -> str:
    """Dotted label path; an empty name (a hidden segment) adds nothing."""
    if not name:
        return label
    return f"{label}.{name}" if label else name


def _generic_segment(key: str) -> str:
    """Label segment for a key the protos do not know, hiding the same wrapper names."""
    if key.endswith(("EventAttributes", "_event_attributes", "FailureInfo", "_failure_info")):
        return ""
    return key


# Stack entries: (op, value, descriptor-or-None, pointer, label, transform)
_WALK = 0  # a message of known type
_GENERIC_WALK = 1  # any JSON, by property names
_EMIT = 2  # a payload (full or shorthand)

_Entry = tuple[int, Any, Descriptor | None, str, str, bool]


def _payloads_children(
    value: Any, pointer: str, label: str, source: str, out: list[_Entry]
) -> None:
    """A Payloads field: ``{"payloads": [...]}`` or the shorthand bare array."""
    if isinstance(value, dict):
        items = value.get("payloads")
        if items is None:
            return
        if not isinstance(items, list):
            raise _at(
                source, f"{pointer}/payloads", f"payloads must be a list, got {_describe(items)}"
            )
        base = f"{pointer}/payloads"
    elif isinstance(value, list):
        items = value
        base = pointer
    else:
        raise _at(
            source,
            pointer,
            f'expected Payloads ({{"payloads": [...]}} or a list), got {_describe(value)}',
        )
    for i, item in enumerate(items):
        out.append((_EMIT, item, None, f"{base}/{i}", f"{label}[{i}]", True))


def _walk(start: _Entry, source: str) -> list[tuple[Any, str, str, bool]]:
    """Depth-first walk in document order with an explicit stack (no Python recursion).

    Returns the payload values found: (JSON value, pointer, label, transform).
    """
    found: list[tuple[Any, str, str, bool]] = []
    stack: list[_Entry] = [start]
    while stack:
        op, value, desc, pointer, label, transform = stack.pop()
        if op == _EMIT:
            found.append((value, pointer, label, transform))
            continue
        children: list[_Entry] = []
        if op == _WALK and desc is not None and isinstance(value, dict):
            _walk_message(value, desc, pointer, label, source, children)
        else:
            _walk_generic(value, pointer, label, source, children)
        stack.extend(reversed(children))
    return found


def _walk_message(
    obj: dict[str, Any],
    desc: Descriptor,
    pointer: str,
    label: str,
    source: str,
    out: list[_Entry],
) -> None:
    """One message of known type: its payload fields are emitted, its messages walked."""
    plans = _plans(desc)
    for key, value in obj.items():
        if value is None:
            continue
        plan = plans.get(key)
        if plan is None:
            _generic_key(key, value, pointer, label, out)
            continue
        kind = plan.kind
        if kind is _K.SKIP:
            continue
        child = f"{pointer}/{_escape(key)}"
        sub = label if plan.hide else _join(label, key)
        if kind is _K.PAYLOADS:
            _payloads_children(value, child, sub, source, out)
        elif kind is _K.PAYLOAD:
            out.append((_EMIT, value, None, child, sub, True))
        elif kind is _K.PAYLOAD_LIST:
            if not isinstance(value, list):
                raise _at(source, child, f"expected a list of payloads, got {_describe(value)}")
            for i, item in enumerate(value):
                out.append((_EMIT, item, None, f"{child}/{i}", f"{sub}[{i}]", True))
        elif kind is _K.PAYLOAD_MAP:
            if not isinstance(value, dict):
                raise _at(
                    source, child, f"expected an object of named payloads, got {_describe(value)}"
                )
            for name, item in value.items():
                out.append(
                    (
                        _EMIT,
                        item,
                        None,
                        f"{child}/{_escape(name)}",
                        _join(sub, name),
                        plan.transform,
                    )
                )
        elif kind is _K.MESSAGE:
            if isinstance(value, dict):
                out.append((_WALK, value, plan.message, child, sub, True))
        elif kind is _K.MESSAGE_LIST:
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        out.append((_WALK, item, plan.message, f"{child}/{i}", f"{sub}[{i}]", True))
        elif kind is _K.MESSAGE_MAP:
            if isinstance(value, dict):
                op = _WALK if plan.message is not None else _GENERIC_WALK
                for name, item in value.items():
                    if isinstance(item, dict):
                        out.append(
                            (
                                op,
                                item,
                                plan.message,
                                f"{child}/{_escape(name)}",
                                _join(sub, name),
                                True,
                            )
                        )
        elif kind is _K.GENERIC and isinstance(value, dict | list):
            out.append((_GENERIC_WALK, value, None, child, sub, True))


_MAP_WRAPPERS = {
    "memo": (("fields",), True),
    "header": (("fields",), True),
    "searchAttributes": (("indexedFields", "indexed_fields"), False),
    "search_attributes": (("indexedFields", "indexed_fields"), False),
}


def _walk_generic(value: Any, pointer: str, label: str, source: str, out: list[_Entry]) -> None:
    """JSON the protos do not describe: find payloads by the property names that hold them."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict | list):
                out.append((_GENERIC_WALK, item, None, f"{pointer}/{i}", f"{label}[{i}]", True))
    elif isinstance(value, dict):
        for key, item in value.items():
            _generic_key(key, item, pointer, label, out)


def _generic_key(key: str, item: Any, pointer: str, label: str, out: list[_Entry]) -> None:
    """One property of an object the protos do not describe (or do not know this key of)."""
    child = f"{pointer}/{_escape(key)}"
    if key == "payloads" and isinstance(item, list):
        for i, element in enumerate(item):
            out.append((_EMIT, element, None, f"{child}/{i}", f"{label}[{i}]", True))
    elif key in ("encodedAttributes", "encoded_attributes") and item is not None:
        out.append((_EMIT, item, None, child, _join(label, key), True))
    elif key in _MAP_WRAPPERS and isinstance(item, dict):
        names, transform = _MAP_WRAPPERS[key]
        fields_key = next((n for n in names if isinstance(item.get(n), dict)), None)
        if fields_key is None:
            out.append((_GENERIC_WALK, item, None, child, _join(label, key), True))
            return
        base = f"{child}/{fields_key}"
        for name, element in item[fields_key].items():
            out.append(
                (
                    _EMIT,
                    element,
                    None,
                    f"{base}/{_escape(name)}",
                    _join(_join(label, key), name),
                    transform,
                )
            )
    elif isinstance(item, dict | list):
        out.append((_GENERIC_WALK, item, None, child, _join(label, _generic_segment(key)), True))


# ---------------------------------------------------------------------------- events


def _camel_from_snake(name: str) -> str:
    """``ACTIVITY_TASK_COMPLETED`` or ``activity_task_completed`` to ``ActivityTaskCompleted``."""
    return "".join(part[:1].upper() + part[1:].lower() for part in name.split("_") if part)


def _event_type(event: dict[str, Any]) -> str | None:
    """Short event type ("ActivityTaskCompleted") from eventType or the attributes key."""
    raw = event.get("eventType", event.get("event_type"))
    if isinstance(raw, int) and not isinstance(raw, bool):
        try:
            raw = EventType.Name(raw)
        except ValueError:
            raw = None
    if isinstance(raw, str) and raw:
        name = raw.removeprefix("EVENT_TYPE_")
        if name and name != "UNSPECIFIED":
            if "_" in name or name.isupper():
                return _camel_from_snake(name)
            return name[:1].upper() + name[1:]
    for key in event:
        if not isinstance(key, str):
            continue
        if key.endswith("EventAttributes") and len(key) > len("EventAttributes"):
            stem = key.removesuffix("EventAttributes")
            return stem[:1].upper() + stem[1:]
        if key.endswith("_event_attributes"):
            return _camel_from_snake(key.removesuffix("_event_attributes"))
    return None


def _event_id(event: dict[str, Any]) -> int | None:
    """eventId as a number: proto JSON writes int64 as a string, the Web UI may not."""
    raw = event.get("eventId", event.get("event_id"))
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return None


def _history_payloads(events: list[Any], base: str, source: str) -> list[FoundPayload]:
    """Every payload of every event, in document order."""
    found: list[FoundPayload] = []
    desc = HistoryEvent.DESCRIPTOR
    for index, event in enumerate(events):
        pointer = f"{base}/{index}"
        if not isinstance(event, dict):
            raise _at(source, pointer, f"expected an event object, got {_describe(event)}")
        event_id = _event_id(event)
        event_type = _event_type(event)
        head = f"event {event_id}" if event_id is not None else f"events[{index}]"
        if event_type:
            head = f"{head} · {event_type}"

        start: _Entry = (_WALK, event, desc, pointer, "", True)
        for value, ptr, label, transform in _walk(start, source):
            payload, shorthand = _read_element(value, ptr, source)
            location = Location(
                pointer=ptr,
                label=f"{head} · {label}" if label else head,
                event_id=event_id,
                event_type=event_type,
                field=label or None,
                transform=transform,
            )
            found.append(FoundPayload(location, payload, shorthand))
    return found


_EVENT_KEYS = ("eventId", "eventType", "event_id", "event_type")


def _looks_like_event(value: Any) -> bool:
    """A bare list of events (no ``{"events": ...}``) must not be taken for shorthand payloads."""
    return isinstance(value, dict) and any(key in value for key in _EVENT_KEYS)


# --------------------------------------------------------------------------- documents


def _wrong_shape(root: Any, source: str) -> DocumentError:
    """The one message for input that is JSON but no document we know."""
    return DocumentError(
        f"{source}: expected Payloads, a Payload, a list of payloads or a workflow history; "
        f"got {_describe(root)}",
        source=source,
        pointer="",
    )


def _element_list(items: list[Any], base: str, label: str, source: str) -> list[FoundPayload]:
    """Payloads of a ``payloads`` list or a top-level list, full or shorthand."""
    found: list[FoundPayload] = []
    for i, item in enumerate(items):
        pointer = f"{base}/{i}"
        payload, shorthand = _read_element(item, pointer, source)
        name = f"{label}[{i}]"
        found.append(
            FoundPayload(Location(pointer=pointer, label=name, field=name), payload, shorthand)
        )
    return found


def parse_document(data: bytes | str, source: str = "<input>") -> Document:
    """Parse a document once and find its payloads; any bad input is a ``DocumentError``."""
    return document_from_json(_loads(_decode_text(data, source), source), source)


def document_from_json(root: Any, source: str = "<input>") -> Document:
    """Find the payloads of JSON already parsed (as ``json.loads`` would give it).

    For callers that parse the text their own way: the GUI reads big exports in pieces so
    a 50 MiB history never holds the GIL for a second.
    """
    if isinstance(root, list):
        if root and _looks_like_event(root[0]):
            return Document(DocumentKind.HISTORY, root, _history_payloads(root, "", source), source)
        return Document(DocumentKind.LIST, root, _element_list(root, "", "", source), source)
    if not isinstance(root, dict):
        raise _wrong_shape(root, source)
    if "events" in root:
        events = root["events"]
        if not isinstance(events, list):
            raise _at(source, "/events", f"events must be a list, got {_describe(events)}")
        return Document(
            DocumentKind.HISTORY, root, _history_payloads(events, "/events", source), source
        )
    history = root.get("history")
    if isinstance(history, dict) and "events" in history:
        events = history["events"]
        if not isinstance(events, list):
            raise _at(source, "/history/events", f"events must be a list, got {_describe(events)}")
        return Document(
            DocumentKind.HISTORY, root, _history_payloads(events, "/history/events", source), source
        )
    if "payloads" in root:
        items = root["payloads"]
        if items is None:
            items = []
        if not isinstance(items, list):
            raise _at(source, "/payloads", f"payloads must be a list, got {_describe(items)}")
        return Document(
            DocumentKind.PAYLOADS,
            root,
            _element_list(items, "/payloads", "payloads", source),
            source,
        )
    if any(key in _PAYLOAD_FIELDS for key in root):
        payload = payload_from_json(root, "", source)
        location = Location(pointer="", label="payload")
        return Document(DocumentKind.PAYLOAD, root, [FoundPayload(location, payload)], source)
    raise _wrong_shape(root, source)


def _replacement_map(
    doc: Document, replacements: Mapping[int, Payload] | Sequence[Payload | None]
) -> dict[int, Payload]:
    """Normalise both accepted forms to {index: payload}; indexes must name found payloads."""
    if isinstance(replacements, Mapping):
        items = list(replacements.items())
    else:
        items = list(enumerate(replacements))
    result: dict[int, Payload] = {}
    count = len(doc.payloads)
    for index, payload in items:
        if payload is None:
            continue
        if not isinstance(index, int) or not 0 <= index < count:
            raise IndexError(f"replacement index {index!r} out of range: {count} payload(s)")
        result[index] = payload
    return result


def _shallow(value: Any) -> Any:
    """A copy of one container level: enough to change it without touching the input."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def _rebuild(root: Any, edits: list[tuple[str, Any]]) -> Any:
    """A copy of root with values set at pointers, copying only the containers on the paths.

    Untouched subtrees are shared with the input, which is never mutated: copying a 100 MB
    history for a few thousand payloads would cost more than the decode itself.
    """
    if not edits:
        return root
    new_root = _shallow(root)
    copied: dict[str, Any] = {"": new_root}
    for pointer, value in edits:
        if pointer == "":
            new_root = value
            continue
        tokens = pointer.split("/")[1:]
        parent = new_root
        prefix = ""
        for token in tokens[:-1]:
            prefix = f"{prefix}/{token}"
            child = copied.get(prefix)
            if child is None:
                key = _container_key(parent, token)
                child = _shallow(parent[key])
                parent[key] = child
                copied[prefix] = child
            parent = child
        parent[_container_key(parent, tokens[-1])] = value
    return new_root


def _container_key(container: Any, token: str) -> Any:
    """A pointer token as a list index or an (unescaped) object key."""
    return int(token) if isinstance(container, list) else _unescape(token)


def write_document(
    doc: Document, replacements: Mapping[int, Payload] | Sequence[Payload | None]
) -> str:
    """The same document with payload i replaced by ``replacements[i]`` when given, as JSON.

    Replaced payloads are written as ``payload_to_json`` gives them (full proto JSON, also
    where the input had a shorthand); everything else is exactly as it was, keys in the
    original order. ``indent=2``, ``ensure_ascii=False``, no trailing newline.
    """
    chosen = _replacement_map(doc, replacements)
    edits = [
        (doc.payloads[i].location.pointer, payload_to_json(p)) for i, p in sorted(chosen.items())
    ]
    return _dumps(_rebuild(doc.root, edits), doc.source)


def render_readable(
    doc: Document, replacements: Mapping[int, Payload] | Sequence[Payload | None]
) -> str:
    """The document for people: every payload (replaced or original) as ``payload_to_readable``."""
    chosen = _replacement_map(doc, replacements)
    edits = [
        (found.location.pointer, payload_to_readable(chosen.get(i, found.payload)))
        for i, found in enumerate(doc.payloads)
    ]
    return _dumps(_rebuild(doc.root, edits), doc.source)
