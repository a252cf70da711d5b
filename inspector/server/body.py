"""Request bodies: a ``Payloads`` JSON document, its payloads read by the one strict reader.

What is particular to HTTP lives here: a body that is not JSON, or not a ``Payloads``
object, is a 400 naming what is wrong; each payload is read by ``documents.proto_json``
(the reader documents use too), whose errors never quote a value, and becomes a 400 naming
the payload's index. Answers are written by ``documents.proto_json.write_payloads``. These
functions are CPU-bound: large bodies are handled off the event loop.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from temporalio.api.common.v1 import Payload

from inspector.documents.proto_json import PayloadJsonError, read_payload, write_payloads
from inspector.errors import first_line
from inspector.server.errors import ApiError

__all__ = ["parse_payloads", "write_payloads"]

_PLAIN_FIELDS = {"metadata", "data"}
_SHAPE = 'expected a Payloads JSON object: {"payloads": [{"metadata": {...}, "data": "..."}]}'


def parse_payloads(body: bytes) -> list[Payload]:
    """The payloads of a ``Payloads`` JSON body; raises ``ApiError(400)`` naming what is wrong.

    orjson reads the body (a fifth of the standard library's time on a small one). Wherever
    the two could differ, the standard library's reading stands: for a body orjson refuses
    (the verdict and its wording; UTF-16 and lone surrogates it does read), for one whose
    payloads are refused (their wording), and for payloads with fields beyond ``metadata``
    and ``data``, whose numbers protobuf reads — orjson reads an integer past 64 bits as a
    float, where the standard library keeps it exact and protobuf refuses it.
    """
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _payloads_of(_standard_json(body))
    if _only_metadata_and_data(document):
        try:
            return _payloads_of(document)
        except ApiError:
            pass
    return _payloads_of(_standard_json(body))


def _only_metadata_and_data(document: Any) -> bool:
    items = document.get("payloads") if isinstance(document, dict) else None
    return isinstance(items, list) and all(
        isinstance(item, dict) and item.keys() <= _PLAIN_FIELDS for item in items
    )


def _payloads_of(document: Any) -> list[Payload]:
    if not isinstance(document, dict):
        raise ApiError(400, _SHAPE)
    if document.keys() - {"payloads"}:
        unknown = min(document.keys() - {"payloads"})
        raise ApiError(400, f"unknown field {json.dumps(unknown[:60])}: {_SHAPE}")
    items = document.get("payloads", [])
    if not isinstance(items, list):
        raise ApiError(400, f'"payloads" must be a list: {_SHAPE}')
    payloads = []
    for index, item in enumerate(items):
        try:
            payloads.append(read_payload(item))
        except PayloadJsonError as e:  # the reason only: protobuf's detail may quote the value
            raise ApiError(
                400, f"payload {index}: {e.reason}", index=index, stage="input"
            ) from None
    return payloads


def _standard_json(body: bytes) -> Any:
    try:
        return json.loads(body)
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
