"""Request and response bodies: proto JSON ``Payloads``, read strictly, written as the SDKs do.

protobuf's JSON reader skips characters that are not base64 (``"!!!!"`` reads as empty
bytes), so base64 is checked here first: a corrupt body is a 400, never silently another
payload. These functions are CPU-bound and run in a worker thread.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

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
        raise ApiError(400, f"body is not usable JSON: {_first_line(e)}") from None
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
    if data is not None:
        _check_base64(data, index, "data")
    metadata = item.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise _bad(index, '"metadata" must be an object of base64 strings')
        for key, value in metadata.items():
            _check_base64(value, index, f"metadata {_quoted(key)}")
    try:
        return json_format.ParseDict(item, Payload())
    except (json_format.ParseError, ValueError, TypeError, OverflowError, RecursionError) as e:
        raise _bad(index, _first_line(e) or "not a Payload") from None


def _check_base64(value: Any, index: int, what: str) -> None:
    if not isinstance(value, str):
        raise _bad(index, f"{what} must be a base64 string")
    stripped = value.rstrip("=")
    if _BASE64.fullmatch(value) is None or len(stripped) % 4 == 1:
        raise _bad(index, f"{what} is not valid base64")


def _bad(index: int, reason: str) -> ApiError:
    return ApiError(400, f"payload {index}: {reason}", index=index, stage="input")


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:200] if lines else ""


def _quoted(name: str) -> str:
    return json.dumps(name[:60])


def write_payloads(payloads: Sequence[Payload]) -> bytes:
    """``Payloads`` as proto JSON (camelCase, base64 bytes), what the Web UI and CLI parse."""
    document = json_format.MessageToDict(Payloads(payloads=list(payloads)))
    document.setdefault("payloads", [])  # an empty answer is still a list for the Web UI
    return json.dumps(document, separators=(",", ":"), ensure_ascii=True).encode()
