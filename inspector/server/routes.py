"""The handlers: ``/encode``, ``/decode``, ``/download`` (by path suffix), ``/healthz`` and
``/metrics``.

Each payload route reads the body, picks the profile by namespace (the path segment before
the route when a profile lists it, else ``X-Namespace``), checks the caller may read it,
calls the shared pipeline and writes its answer; nothing here transforms a payload. JSON
work on a large body runs in a worker thread so one large request does not stall the
others; a small one is done on the loop, where it costs less than the trip to a thread.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from aiohttp import web
from temporalio.api.common.v1 import Payload

from inspector import __version__
from inspector.config import ConfigError
from inspector.outcomes import Outcome, Stage
from inspector.server.audit import claim_keys
from inspector.server.authorization import authorize
from inspector.server.body import parse_payloads, write_payloads
from inspector.server.errors import ApiError
from inspector.server.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from inspector.server.metrics import Metrics
from inspector.server.openapi import OPENAPI_PATH, spec_json
from inspector.server.pipelines import PipelineRegistry
from inspector.server.request_body import INFLATE_AT_ONCE, read_body
from inspector.server.request_log import NAMESPACE, PAYLOAD_COUNT
from inspector.server.tokens import PRINCIPAL

PAYLOAD_OPERATIONS = ("encode", "decode", "download")
HEALTH = "healthz"
METRICS = "metrics"
DEFAULT_NAMESPACE = "default"
INLINE_MAX_BYTES = 64 * 1024  # smaller bodies are parsed and written on the event loop

A = TypeVar("A")
R = TypeVar("R")


@dataclass
class ServerState:
    """What the handlers share: the pipelines (and through them the cache), the body limit,
    and the slots for inflating compressed bodies."""

    pipelines: PipelineRegistry
    max_body_bytes: int
    inflating: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(INFLATE_AT_ONCE))
    metrics: Metrics | None = None
    metrics_public: bool = True  # [server] metrics = true; "token" makes it need one
    audit_claims: bool = False  # an audit log is kept: note the claim keys fetched


STATE = web.AppKey("inspector_state", ServerState)
# What the audit log and the metrics learn from a payload route.
CLAIM_KEYS = web.RequestKey("inspector_claim_keys", list[str])
STORAGE_ERRORS = web.RequestKey("inspector_storage_errors", list[str])


@functools.lru_cache(maxsize=1024)
def operation_for(path: str) -> str | None:
    """Which route a path means, by suffix, so the endpoint may carry a prefix (``/codec``).

    Remembered per path: a server sees a handful of paths, and each request asks three times
    (the route, the token check, the metrics)."""
    trimmed = path.rstrip("/")
    for name in (*PAYLOAD_OPERATIONS, HEALTH, OPENAPI_PATH, METRICS):
        if trimmed.endswith(f"/{name}"):
            return name
    return None


def is_public(request: web.Request) -> bool:
    """``/healthz`` and ``/openapi.json`` need no token (monitors, the GUI's probe, tools),
    nor does ``/metrics`` unless ``[server] metrics = "token"``."""
    operation = operation_for(request.path)
    if operation == METRICS:
        return request.app[STATE].metrics_public
    return operation in (HEALTH, OPENAPI_PATH)


def _preserve_refs(request: web.Request) -> bool:
    return request.query.get("preserveStorageRefs", "false").strip().lower() in ("true", "1")


async def dispatch(request: web.Request) -> web.StreamResponse:
    """The one route: match the suffix, check the method, run the operation."""
    operation = operation_for(request.path)
    if operation is None:
        raise ApiError(
            404,
            "no such route: POST …/encode, …/decode or …/download, or GET …/healthz",
        )
    if operation == HEALTH:
        if request.method not in ("GET", "HEAD"):
            raise _method_not_allowed("GET")
        return web.json_response({"status": "ok", "version": __version__})
    if operation == OPENAPI_PATH:
        if request.method not in ("GET", "HEAD"):
            raise _method_not_allowed("GET")
        return web.Response(body=spec_json(), content_type="application/json")
    if operation == METRICS:
        return _metrics(request)
    if request.method != "POST":
        raise _method_not_allowed("POST")
    return await _payload_route(request, operation)


def allowed_methods(request: web.Request) -> str:
    """The ``Allow`` header for a path (on 405s and preflights), as RFC 9110 asks."""
    operation = operation_for(request.path)
    if operation is None:
        return "GET, HEAD, POST, OPTIONS"
    return "POST, OPTIONS" if operation in PAYLOAD_OPERATIONS else "GET, HEAD, OPTIONS"


def _method_not_allowed(allowed: str) -> ApiError:
    methods = "GET, HEAD, OPTIONS" if allowed == "GET" else f"{allowed}, OPTIONS"
    return ApiError(405, f"method not allowed here: use {allowed}", headers={"Allow": methods})


def _metrics(request: web.Request) -> web.Response:
    metrics = request.app[STATE].metrics
    if metrics is None:
        raise ApiError(404, "metrics are off here ([server] metrics = false)")
    if request.method not in ("GET", "HEAD"):
        raise _method_not_allowed("GET")
    response = web.Response(body=metrics.exposition())
    response.headers["Content-Type"] = METRICS_CONTENT_TYPE
    return response


def namespace_of(request: web.Request, pipelines: PipelineRegistry) -> str:
    """``/{namespace}/decode`` when a profile lists that name itself, else ``X-Namespace``."""
    head = request.path.rstrip("/").rpartition("/")[0]
    if head:
        segment = head.rpartition("/")[2]
        if segment and pipelines.config.lists_namespace(segment):
            return segment
    return request.headers.get("X-Namespace", "").strip() or DEFAULT_NAMESPACE


async def _payload_route(request: web.Request, operation: str) -> web.Response:
    state = request.app[STATE]
    namespace = namespace_of(request, state.pipelines)
    request[NAMESPACE] = namespace
    profile = state.pipelines.profile_for(namespace)
    if profile is None:
        raise ApiError(404, f"no profile serves namespace '{namespace[:100]}'")
    authorize(request.get(PRINCIPAL), profile, namespace)
    if operation == "download" and not profile.storage:
        # The Web UI shows "connected, but not configured to download" on this 404.
        raise ApiError(404, f"profile '{profile.name}' has no external storage to download from")

    body = await read_body(request, state.max_body_bytes, state.inflating)
    payloads = await _off_loop(parse_payloads, body, len(body))
    request[PAYLOAD_COUNT] = len(payloads)
    preserve = operation == "decode" and _preserve_refs(request)
    if state.audit_claims and operation != "encode" and not preserve:
        request[CLAIM_KEYS] = claim_keys(payloads)
    try:
        with state.pipelines.lease(profile, namespace) as pipeline:
            if operation == "encode":
                outcomes = await pipeline.encode(payloads)
            elif operation == "decode":
                outcomes = await pipeline.decode(payloads, preserve_refs=preserve)
            else:
                outcomes = await pipeline.download(payloads, strict=True)
    except ConfigError as e:
        raise ApiError(500, f"profile '{profile.name}' cannot be used: {e}") from None
    results = _first_error_or_payloads(request, outcomes)
    answer = await _off_loop(write_payloads, results, sum(len(p.data) for p in results))
    return web.Response(body=answer, content_type="application/json")


async def _off_loop(work: Callable[[A], R], argument: A, size: int) -> R:
    """``work(argument)`` in a worker thread when ``size`` says it is large, else right here."""
    if size < INLINE_MAX_BYTES:
        return work(argument)
    return await asyncio.to_thread(work, argument)


def _first_error_or_payloads(request: web.Request, outcomes: list[Outcome]) -> list[Payload]:
    """The server answers all or nothing: the first failing payload decides the error."""
    for index, outcome in enumerate(outcomes):
        if outcome.error is not None:
            request[STORAGE_ERRORS] = [
                o.error.component or "?"
                for o in outcomes
                if o.error is not None and o.error.stage is Stage.RETRIEVE
            ]
            raise ApiError.from_payload_error(index, outcome.error)
    return [o.payload for o in outcomes if o.payload is not None]
