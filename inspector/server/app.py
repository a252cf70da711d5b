"""The codec server as an aiohttp application, built from a Config (no sockets here).

``create_app`` is what tests drive with aiohttp's test client and what ``CodecServer`` runs;
the GUI gets the same app through ``CodecServer``.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from inspector.profiles import Config, ConfigError
from inspector.server.pipelines import PipelineRegistry
from inspector.server.request_log import RequestLog, log_middleware
from inspector.server.routes import STATE, ServerState, dispatch, is_public
from inspector.server.security import OriginError, SecurityPolicy, security_middleware
from inspector.storage.cache import BlobCache

LOG = web.AppKey("inspector_request_log", RequestLog)
PIPELINES = web.AppKey("inspector_pipelines", PipelineRegistry)


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

    app = web.Application(
        middlewares=[log_middleware(log), security_middleware(policy, is_public)],
        client_max_size=server.max_body_bytes,
    )
    app[STATE] = ServerState(pipelines=pipelines, max_body_bytes=server.max_body_bytes)
    app[LOG] = log
    app[PIPELINES] = pipelines
    app.router.add_route("*", "/{tail:.*}", dispatch)

    async def close_pipelines(_: web.Application) -> None:
        await pipelines.aclose()

    app.on_cleanup.append(close_pipelines)
    return app
