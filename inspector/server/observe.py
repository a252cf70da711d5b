"""After each answer: the request log's line, the metrics and, for codec routes, the audit line.

It is the outermost middleware, outside the security middleware, so refused requests (401,
403) are logged, counted and audited too, with the status they got. One middleware for the
three: they share the request's timing and what the handlers noted, and every layer of
middleware is paid again by each small request.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from inspector.server.audit import AuditLog, AuditRecord
from inspector.server.metrics import Metrics
from inspector.server.pipelines import PipelineRegistry
from inspector.server.request_log import (
    BYTES_IN,
    ERROR,
    NAMESPACE,
    PAYLOAD_COUNT,
    RequestLog,
    RequestRecord,
    timestamp,
)
from inspector.server.routes import CLAIM_KEYS, PAYLOAD_OPERATIONS, STORAGE_ERRORS, operation_for
from inspector.server.tokens import PRINCIPAL

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def observe_middleware(
    log: RequestLog, metrics: Metrics | None, audit: AuditLog | None, pipelines: PipelineRegistry
) -> Middleware:
    """Log, metrics and audit for every request (metrics and audit may be off: then they
    cost nothing)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        response = await handler(request)  # inner middleware turns every failure into a response
        seconds = time.perf_counter() - started
        now = timestamp()
        namespace = request.get(NAMESPACE)
        bytes_in = request.get(BYTES_IN, 0)
        bytes_out = response.content_length or 0
        log.emit(
            RequestRecord(
                time=now,
                method=request.method,
                path=request.path,
                namespace=namespace or request.headers.get("X-Namespace"),
                status=response.status,
                duration_ms=round(seconds * 1000, 2),
                payloads=request.get(PAYLOAD_COUNT),
                bytes_in=bytes_in,
                bytes_out=bytes_out,
                error=request.get(ERROR),
            )
        )
        if metrics is None and audit is None:
            return response
        route = "preflight" if request.method == "OPTIONS" else operation_for(request.path)
        route = route or "none"
        if metrics is not None:
            metrics.observe(route, namespace or "", response.status, seconds, bytes_in, bytes_out)
            if route in PAYLOAD_OPERATIONS:
                metrics.cache_moved(pipelines.cache)
                failed = request.get(STORAGE_ERRORS)
                if failed:
                    metrics.storage_errors(failed)
        if audit is not None and route in PAYLOAD_OPERATIONS:
            principal = request.get(PRINCIPAL)
            audit.record(
                AuditRecord(
                    time=now,
                    pid=os.getpid(),
                    subject=principal.subject if principal else None,
                    email=principal.email if principal else None,
                    namespace=namespace or request.headers.get("X-Namespace"),
                    route=route,
                    payloads=request.get(PAYLOAD_COUNT),
                    claim_keys=request.get(CLAIM_KEYS),
                    status=response.status,
                    duration_ms=round(seconds * 1000, 2),
                    error=request.get(ERROR),
                )
            )
        return response

    return middleware
