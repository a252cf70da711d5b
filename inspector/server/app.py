"""The codec server as an aiohttp application, built from a Config (no sockets here).

``create_app`` is what tests drive with aiohttp's test client and what ``CodecServer`` runs;
the GUI gets the same app through ``CodecServer``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from aiohttp import web

from inspector.config import Config, ConfigError
from inspector.pipeline import Pipeline
from inspector.server.audit import AuditLog
from inspector.server.connections import HANDLER_ARGS
from inspector.server.metrics import Metrics
from inspector.server.observe import observe_middleware
from inspector.server.pipelines import PipelineRegistry
from inspector.server.request_log import RequestLog
from inspector.server.routes import STATE, ServerState, allowed_methods, dispatch, is_public
from inspector.server.security import OriginError, SecurityPolicy, security_middleware
from inspector.storage.cache import BlobCache

LOG = web.AppKey("inspector_request_log", RequestLog)
PIPELINES = web.AppKey("inspector_pipelines", PipelineRegistry)
AUDIT = web.AppKey("inspector_audit_log", AuditLog)
# [server] keys that a reload cannot change under running sockets.
RESTART_KEYS = ("host", "port", "tls_cert", "tls_key", "max_body_bytes", "audit_log", "metrics")
RETIRE_GRACE_SECONDS = 5.0  # beyond the longest storage timeout, before old pipelines close


@dataclass
class LiveConfig:
    """The config in force, which ``reload_app`` swaps; old pipelines wait to be closed."""

    config: Config
    policy: SecurityPolicy
    extra_origins: tuple[str, ...]
    retiring: set[asyncio.Task[None]] = field(default_factory=set)


LIVE = web.AppKey("inspector_live_config", LiveConfig)


def create_app(
    config: Config,
    *,
    extra_origins: Iterable[str] = (),
    log: RequestLog | None = None,
    build_all: bool = False,
) -> web.Application:
    """The server for ``config``; ``extra_origins`` adds to ``allowed_origins``.

    Raises ``ConfigError`` for an unusable ``[server]`` (e.g. ``*`` as an origin) and, with
    ``build_all``, for a profile whose codecs or drivers cannot be built.
    """
    server = config.server
    try:
        policy = SecurityPolicy.from_config(server, extra_origins)
    except OriginError as e:
        raise ConfigError(f"{config.source_label}: server.allowed_origins: {e}") from None
    log = log if log is not None else RequestLog()
    pipelines = PipelineRegistry(config, BlobCache(server.cache_bytes))
    if build_all:
        pipelines.build_all()

    live = LiveConfig(config, policy, tuple(extra_origins))
    metrics = Metrics() if server.metrics else None
    audit = audit_log_for(config)
    app = web.Application(
        middlewares=[
            observe_middleware(log, metrics, audit, pipelines),
            security_middleware(lambda: live.policy, is_public, allowed_methods),
        ],
        client_max_size=server.max_body_bytes,
        handler_args=HANDLER_ARGS,  # bodies as sent, and idle connections closed
    )
    app[STATE] = ServerState(
        pipelines=pipelines,
        max_body_bytes=server.max_body_bytes,
        metrics=metrics,
        metrics_public=server.metrics is True,
        audit_claims=audit is not None,
    )
    if audit is not None:
        app[AUDIT] = audit
    app[LOG] = log
    app[PIPELINES] = pipelines
    app[LIVE] = live
    app.router.add_route("*", "/{tail:.*}", dispatch)

    async def close_pipelines(_: web.Application) -> None:
        log.flush()
        for task in list(live.retiring):  # close what a reload retired now, not later
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await pipelines.aclose()
        if metrics is not None:
            metrics.flush()  # under workers: a worker's last counts, before it exits
        if audit is not None:
            await asyncio.to_thread(audit.close)

    app.on_cleanup.append(close_pipelines)
    return app


def audit_log_for(config: Config) -> AuditLog | None:
    """``[server] audit_log``, else stderr when tokens are verified, else none.

    Raises ``ConfigError`` when the file cannot be opened for appending.
    """
    server = config.server
    if server.audit_log is None and server.jwt is None:
        return None
    audit = AuditLog(server.audit_log)
    try:
        audit.open()
    except OSError as e:
        raise ConfigError(
            f"{config.source_label}: server.audit_log: cannot append to {server.audit_log} "
            f"({e.strerror or type(e).__name__})"
        ) from None
    return audit


async def reload_app(app: web.Application, config: Config) -> list[str]:
    """Serve ``config`` from now on: profiles, allowed origins and hosts, token, cache size.

    Everything is built before anything changes, so an invalid config raises ``ConfigError``
    and the server goes on with the one it had. Returns the ``[server]`` keys that changed
    but only take effect on a restart (the sockets and the body limit stay as they are).
    """
    live = app[LIVE]
    try:
        policy = SecurityPolicy.from_config(config.server, live.extra_origins)
    except OriginError as e:
        raise ConfigError(f"{config.source_label}: server.allowed_origins: {e}") from None
    registry = app[PIPELINES]
    old = registry.swap(config, BlobCache(config.server.cache_bytes))
    grace = max((p.timeout_seconds for p in live.config.profiles.values()), default=0.0)
    before = live.config.server
    pending = [k for k in RESTART_KEYS if getattr(before, k) != getattr(config.server, k)]
    in_force = replace(config.server, **{k: getattr(before, k) for k in pending})
    live.config, live.policy = replace(config, server=in_force), policy
    if old:
        task = asyncio.ensure_future(_close_later(old, grace + RETIRE_GRACE_SECONDS))
        live.retiring.add(task)
        task.add_done_callback(live.retiring.discard)
    return pending


async def _close_later(pipelines: list[Pipeline], delay: float) -> None:
    """Close retired pipelines once requests that started on them have had time to end."""
    try:
        await asyncio.sleep(delay)
    finally:
        for pipeline in pipelines:
            with contextlib.suppress(Exception):
                await pipeline.aclose()
