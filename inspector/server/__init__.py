"""The local codec server the Temporal Web UI and CLI call; the GUI runs the same one.

- ``create_app(config)`` — the aiohttp application (tests, embedding);
- ``CodecServer(config, host=, port=, extra_origins=, log=)`` — start/stop on any loop;
- ``RequestLog`` — the request log, with ``subscribe(callback)`` for live views.
"""

from inspector.server.app import create_app
from inspector.server.request_log import RequestLog, RequestRecord
from inspector.server.runner import CodecServer, ServerStartError

__all__ = ["CodecServer", "RequestLog", "RequestRecord", "ServerStartError", "create_app"]
