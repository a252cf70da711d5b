"""The codec server's OpenAPI 3 description, served at ``GET /openapi.json`` (no token).

Built in Python so that the parts that are code elsewhere (the version, the CORS headers the
server allows, the error shape) are said once. Tests hold the implementation to it: every
answer a fuzzer (schemathesis) provokes must match, and every documented status is provoked.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from inspector import __version__
from inspector.outcomes import Stage
from inspector.server.request_body import ACCEPT_ENCODING, BODY_IDLE_SECONDS, BODY_TOTAL_SECONDS

OPENAPI_PATH = "openapi.json"
ERROR_STATUSES = {
    "400": "Body not JSON, not a Payloads document, or bad base64 (``index`` names the payload).",
    "401": "A token is configured and the request has none, or the wrong one.",
    "403": "Foreign ``Origin`` (cross-site request) or foreign ``Host`` (DNS rebinding).",
    "404": "No profile serves the namespace; for ``/download``, the profile has no storage.",
    "408": f"The body stopped arriving (no byte for {BODY_IDLE_SECONDS:g} s, or not all of it "
    f"within {BODY_TOTAL_SECONDS:g} s).",
    "413": "Body larger than ``max_body_bytes``, as sent or once inflated (Content-Encoding).",
    "415": f"A Content-Encoding other than {ACCEPT_ENCODING.replace(', ', ' or ')} (the "
    "answer's ``Accept-Encoding`` says which are accepted).",
    "422": "Codec failure, unknown key id, integrity (hash) failure, missing blob, unknown "
    "driver, or a reference on a profile without storage.",
    "502": "Storage unreachable or failing.",
    "504": "Storage slower than the profile's ``timeout_seconds``.",
}
# Which errors each kind of route can answer.
_PAYLOAD_ROUTE_ERRORS = ("400", "401", "403", "404", "408", "413", "415", "422", "502", "504")
_PUBLIC_ERRORS = ("403",)

_OPERATIONS = {
    "encode": (
        "Encode payloads as a worker would",
        "Pre-storage codecs, then payloads at or over the profile's threshold go to its "
        "storage (replaced by references), then post-storage codecs.",
    ),
    "decode": (
        "Decode payloads",
        "Post-storage codecs, references fetched from storage (unless "
        "``preserveStorageRefs``), then pre-storage codecs. All or nothing: the first "
        "payload that fails decides the error.",
    ),
    "download": (
        "Fetch storage references",
        "Every payload must be a storage reference (plain or codec-encoded); each is "
        "fetched and decoded. 404 when the namespace's profile has no storage (the Web UI "
        'then says "connected, but not configured to download").',
    ),
}


def _at_most(limit: str) -> str:
    """A regex for the decimal numbers from 0 to ``limit`` (no sign, no leading zeros)."""
    parts = ["0", f"[1-9][0-9]{{0,{len(limit) - 2}}}"]
    for i, digit in enumerate(limit):
        if i == 0 and digit > "1":
            parts.append(f"[1-{int(digit) - 1}][0-9]{{{len(limit) - 1}}}")
        elif i > 0 and digit > "0":
            rest = len(limit) - i - 1
            parts.append(f"{limit[:i]}[0-{int(digit) - 1}][0-9]{{{rest}}}")
    parts.append(limit)
    return "|".join(parts)


# int64 as proto JSON reads it: a decimal string (as it is written) or a number.
_INT64: dict[str, Any] = {
    "nullable": True,
    "description": "int64: a decimal string, as proto JSON writes it, or a number",
    "anyOf": [
        {
            "type": "string",
            "pattern": f"^(({_at_most(str(2**63 - 1))})|-({_at_most(str(2**63))}))$",
        },
        {"type": "integer", "format": "int64", "minimum": -(2**63), "maximum": 2**63 - 1},
    ],
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error_responses(statuses: tuple[str, ...]) -> dict[str, Any]:
    return {status: {"$ref": f"#/components/responses/Error{status}"} for status in statuses}


def _payload_operation(name: str) -> dict[str, Any]:
    summary, description = _OPERATIONS[name]
    parameters: list[dict[str, Any]] = [{"$ref": "#/components/parameters/XNamespace"}]
    if name == "decode":
        parameters.insert(0, {"$ref": "#/components/parameters/PreserveStorageRefs"})
    parameters.append({"$ref": "#/components/parameters/AuthorizationExtras"})
    return {
        "operationId": name,
        "summary": summary,
        "description": description,
        "parameters": parameters,
        "requestBody": {
            "required": True,
            "description": "A ``Payloads`` message as proto JSON. ``text/plain`` is read the "
            "same way (a page may send it without a preflight; foreign origins get 403). It "
            "may be sent with ``Content-Encoding: gzip`` or ``deflate``.",
            "content": {
                "application/json": {"schema": _ref("Payloads")},
                "text/plain": {"schema": _ref("Payloads")},
            },
        },
        "responses": {
            "200": {
                "description": "One payload out for each payload in, in order.",
                "headers": _cors_headers(),
                "content": {"application/json": {"schema": _ref("Payloads")}},
            },
            **_error_responses(_PAYLOAD_ROUTE_ERRORS),
        },
        "security": [{}, {"bearer": []}],
    }


def _cors_headers() -> dict[str, Any]:
    """Sent when the request's ``Origin`` is allowed (on errors too)."""
    return {
        "Access-Control-Allow-Origin": {
            "description": "The request's Origin, when it is allowed; never ``*``.",
            "schema": {"type": "string"},
        },
        "Access-Control-Allow-Credentials": {"schema": {"type": "string", "enum": ["true"]}},
        "Vary": {"schema": {"type": "string"}},
    }


def _preflight(name: str) -> dict[str, Any]:
    """``OPTIONS``: what browsers send before a cross-origin POST (no token needed)."""
    return {
        "operationId": f"{name}Preflight",
        "summary": "CORS preflight",
        "description": "Granted (``Access-Control-Allow-*``) only for an allowed Origin; a "
        "foreign Origin gets 403. ``Access-Control-Request-Private-Network: true`` from an "
        "allowed Origin gets ``Access-Control-Allow-Private-Network: true``.",
        "parameters": [
            {"name": "Origin", "in": "header", "required": False, "schema": {"type": "string"}},
            {
                "name": "Access-Control-Request-Method",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
            },
        ],
        "responses": {
            "204": {
                "description": "Preflight answered.",
                "headers": {
                    **_cors_headers(),
                    "Access-Control-Allow-Methods": {"schema": {"type": "string"}},
                    "Access-Control-Allow-Headers": {"schema": {"type": "string"}},
                    "Access-Control-Max-Age": {"schema": {"type": "string"}},
                },
            },
            **_error_responses(_PUBLIC_ERRORS),
        },
    }


def _head(name: str) -> dict[str, Any]:
    return {
        "operationId": f"{name}Head",
        "summary": "As GET, without the body",
        "responses": {
            "200": {"description": "As GET.", "headers": _cors_headers()},
            **_error_responses(_PUBLIC_ERRORS),
        },
    }


def build_spec() -> dict[str, Any]:
    """The whole OpenAPI 3.0 document."""
    payload_paths = {
        f"/{name}": {"post": _payload_operation(name), "options": _preflight(name)}
        for name in ("encode", "decode", "download")
    }
    error_responses = {
        f"Error{status}": {
            "description": description,
            "headers": _cors_headers(),
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        for status, description in ERROR_STATUSES.items()
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Payload Inspector codec server",
            "version": __version__,
            "description": "A Temporal codec server: the Web UI (with "
            "``?preserveStorageRefs=true``) and ``temporal --codec-endpoint`` call it. Routes "
            "match by suffix, so the endpoint may carry a prefix (``/codec/decode``). Requests "
            "whose ``Host`` is not loopback, the configured host or an allowed host, and "
            "requests with an ``Origin`` that is not allowed, get 403. Errors never carry a "
            "traceback, a key or a credential.",
        },
        "paths": {
            **payload_paths,
            "/healthz": {
                "get": {
                    "operationId": "healthz",
                    "summary": "Liveness and version (no token needed)",
                    "responses": {
                        "200": {
                            "description": "The server is up.",
                            "headers": _cors_headers(),
                            "content": {"application/json": {"schema": _ref("Health")}},
                        },
                        **_error_responses(_PUBLIC_ERRORS),
                    },
                },
                "head": _head("healthz"),
                "options": _preflight("healthz"),
            },
            f"/{OPENAPI_PATH}": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This description (no token needed)",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3 document.",
                            "headers": _cors_headers(),
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **_error_responses(_PUBLIC_ERRORS),
                    },
                },
                "head": _head("openapi"),
                "options": _preflight("openapi"),
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Only when ``[server] token`` is set; compared in "
                    "constant time. ``temporal --codec-auth 'Bearer …'`` sends it.",
                }
            },
            "parameters": {
                "PreserveStorageRefs": {
                    "name": "preserveStorageRefs",
                    "in": "query",
                    "required": False,
                    "description": "``true`` or ``1`` (any case): leave storage references as "
                    "references (decoded if codec-encoded) instead of fetching them; any other "
                    "value means no. The Web UI always sends ``true``; the CLI never sends it.",
                    "schema": {"type": "string", "default": "false"},
                },
                "XNamespace": {
                    "name": "X-Namespace",
                    "in": "header",
                    "required": False,
                    "description": "Picks the profile; absent or empty means ``default``.",
                    "schema": {"type": "string"},
                },
                "AuthorizationExtras": {
                    "name": "Authorization-Extras",
                    "in": "header",
                    "required": False,
                    "description": "Sent by the Web UI with 'pass access token'; ignored.",
                    "schema": {"type": "string"},
                },
            },
            "responses": error_responses,
            "schemas": {
                "Payloads": {
                    "type": "object",
                    "properties": {"payloads": {"type": "array", "items": _ref("Payload")}},
                    "additionalProperties": False,
                },
                "Payload": {
                    "type": "object",
                    "description": "``temporal.api.common.v1.Payload`` as proto JSON (where, as "
                    "in all proto JSON, ``null`` means the field's default).",
                    "properties": {
                        "metadata": {
                            "type": "object",
                            "nullable": True,
                            "additionalProperties": {"type": "string", "format": "byte"},
                        },
                        "data": {"type": "string", "format": "byte", "nullable": True},
                        "externalPayloads": {
                            "type": "array",
                            "nullable": True,
                            "items": {
                                "type": "object",
                                "properties": {"sizeBytes": _INT64},
                                "additionalProperties": False,
                            },
                        },
                    },
                    "additionalProperties": False,
                },
                "Error": {
                    "type": "object",
                    "required": ["error", "index", "stage"],
                    "properties": {
                        "error": {
                            "type": "string",
                            "description": "One line for people: which payload, which "
                            "stage and component, why.",
                        },
                        "index": {
                            "type": "integer",
                            "nullable": True,
                            "description": "The failing payload's position, if one failed.",
                        },
                        "stage": {
                            "type": "string",
                            "nullable": True,
                            "enum": [*(stage.value for stage in Stage), None],
                        },
                    },
                    "additionalProperties": False,
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "version"],
                    "properties": {
                        "status": {"type": "string", "enum": ["ok"]},
                        "version": {"type": "string"},
                    },
                    "additionalProperties": False,
                },
            },
        },
    }


@cache
def spec_json() -> bytes:
    """The document as served (built once)."""
    return json.dumps(build_spec(), indent=1).encode()
