"""After each answer: count it in the metrics and, for codec routes, write the audit line.

It sits outside the security middleware, so refused requests (401, 403) are counted and
audited too, with the status they got.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.typedefs import Middleware

from inspector.server.audit import AuditLog, AuditRecord
from inspector.server.metrics import Metrics
from inspector.server.pipelines import PipelineRegistry
from inspector.server.request_log import BYTES_IN, ERROR, NAMESPACE, PAYLOAD_COUNT
from inspector.server.routes import CLAIM_KEYS, PAYLOAD_OPERATIONS, STORAGE_ERRORS, operation_for
from inspector.server.tokens import PRINCIPAL

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def observe_middleware(
    metrics: Metrics | None, audit: AuditLog | None, pipelines: PipelineRegistry
) -> Middleware:
    """Metrics and audit for every request (either may be off: then it costs nothing)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        response = await handler(request)
        seconds = time.perf_counter() - started
        route = "preflight" if request.method == "OPTIONS" else operation_for(request.path)
        route = route or "none"
        namespace = request.get(NAMESPACE)
        if metrics is not None:
            metrics.observe(
                route,
                namespace or "",
                response.status,
                seconds,
                request.get(BYTES_IN, 0),
                response.content_length or 0,
            )
            if route in PAYLOAD_OPERATIONS:
                metrics.cache_moved(pipelines.cache)
                failed = request.get(STORAGE_ERRORS)
                if failed:
                    metrics.storage_errors(failed)
        if audit is not None and route in PAYLOAD_OPERATIONS:
            principal = request.get(PRINCIPAL)
            audit.record(
                AuditRecord(
                    time=datetime.now(UTC).isoformat(timespec="milliseconds"),
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
