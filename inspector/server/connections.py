"""Connection hygiene: idle and slow connections time out, and open connections are capped.

Each connection holds a file descriptor; without bounds, a client that opens sockets and
sends nothing (or half a header) uses up the process's descriptors, and then every new
connection, ``/healthz`` included, fails. So: a connection must send a complete request head
within ``KEEPALIVE_SECONDS`` of connecting or of its last answer (aiohttp's keep-alive timer
also covers a head still arriving); bodies are bounded in time by ``request_body``; and past
``cap`` open connections a new one is answered a JSON 503 and closed, which keeps the
listening socket and a reserve of descriptors (outbound codec and storage sockets, files)
usable. Errors aiohttp's HTTP parser finds, outside every middleware, get the JSON shape too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl
import time
from typing import Any, cast

from aiohttp import web
from aiohttp.http_exceptions import (
    BadHttpMethod,
    BadStatusLine,
    ContentLengthError,
    HttpProcessingError,
    InvalidHeader,
    InvalidURLError,
    LineTooLong,
    TransferEncodingError,
)

from inspector.server.errors import error_body
from inspector.server.request_log import RequestLog, RequestRecord, timestamp

# What every server of the app is told (``web.Application(handler_args=...)``): bodies come
# as sent (``request_body`` inflates them, bounded), and idle or slow heads are closed.
KEEPALIVE_SECONDS = 10.0
HANDLER_ARGS: dict[str, Any] = {"auto_decompress": False, "keepalive_timeout": KEEPALIVE_SECONDS}
TLS_HANDSHAKE_SECONDS = 10.0
MAX_CONNECTIONS = 4096  # even with descriptors to spare: ~10-20 KB of memory each
MIN_RESERVE = 96  # descriptors kept back: outbound connections, files, the loop's own
REFUSAL_LINGER_SECONDS = 1.0  # a refused client gets this long to read its 503
MAX_LINGERING_REFUSALS = 16  # beyond these, refused connections are closed at once
REFUSAL_LOG_INTERVAL = 10.0

LOGGER = logging.getLogger("inspector.server.connections")


def descriptor_limit() -> int | None:
    """The soft ``RLIMIT_NOFILE``, or None where there is none (Windows)."""
    try:
        import resource
    except ImportError:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def open_descriptors() -> int:
    """How many descriptors the process has open now (0 where that cannot be told)."""
    for directory in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(directory))
        except OSError:
            continue
    return 0


def connection_cap(limit: int | None = None, in_use: int | None = None) -> int:
    """How many connections to keep open at once: what the descriptor limit leaves after
    those already open and a reserve (an eighth of the limit, at least ``MIN_RESERVE``)."""
    limit = descriptor_limit() if limit is None else limit
    if limit is None:
        return MAX_CONNECTIONS
    in_use = open_descriptors() if in_use is None else in_use
    reserve = max(MIN_RESERVE, limit // 8)
    return max(8, min(MAX_CONNECTIONS, limit - in_use - reserve))


class ConnectionGuard:
    """Counts open connections; past ``cap`` it hands out refusals instead of handlers."""

    def __init__(
        self,
        cap: int | None = None,
        *,
        log: RequestLog | None = None,
        handler_args: dict[str, Any] | None = None,
    ) -> None:
        self.cap = connection_cap() if cap is None else cap
        self.log = log
        self.open = 0
        self.refused = 0  # since start
        self.lingering: set[asyncio.Transport] = set()  # refusals still draining
        self._handler_args = {"access_log": None, **HANDLER_ARGS, **(handler_args or {})}
        self._last_warning = 0.0
        self._refused_since_warning = 0

    def protocol(self, server: web.Server) -> asyncio.BaseProtocol:
        """The protocol for a connection just accepted: a request handler, or a refusal."""
        if self.open >= self.cap:
            self._note_refusal()
            return _Refusal(self)
        return JsonErrorHandler(
            server, guard=self, loop=asyncio.get_running_loop(), **self._handler_args
        )

    def close_refusals(self) -> None:
        for transport in list(self.lingering):
            transport.abort()

    def _note_refusal(self) -> None:
        self.refused += 1
        self._refused_since_warning += 1
        now = time.monotonic()
        if now - self._last_warning >= REFUSAL_LOG_INTERVAL:
            LOGGER.warning(
                "refused %d connection(s): %d are open, the most this server keeps "
                "(descriptor limit %s)",
                self._refused_since_warning,
                self.open,
                descriptor_limit(),
            )
            self._last_warning, self._refused_since_warning = now, 0


_REFUSAL_BODY = error_body("the server has too many open connections: try again in a moment")
REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: application/json\r\n"
    b"Content-Length: %d\r\n"
    b"Retry-After: 1\r\n"
    b"Connection: close\r\n\r\n" % len(_REFUSAL_BODY)
) + _REFUSAL_BODY


class _Refusal(asyncio.Protocol):
    """Answers 503 at once (before the request: it is never read), then closes."""

    def __init__(self, guard: ConnectionGuard) -> None:
        self._guard = guard
        self._transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # uvloop's are not asyncio's classes
        transport.write(REFUSAL)
        if len(self._guard.lingering) >= MAX_LINGERING_REFUSALS:
            transport.close()  # a flood: no time to read what the client sends
            return
        # Half-close and drain what the client sends, so its request does not meet a reset
        # before it has read the answer (RFC 9112 9.6); the descriptor is back within a second.
        self._transport = transport
        self._guard.lingering.add(transport)
        if transport.can_write_eof():
            transport.write_eof()
        self._timer = asyncio.get_running_loop().call_later(REFUSAL_LINGER_SECONDS, transport.close)

    def data_received(self, data: bytes) -> None:
        return None  # the request is not read

    def eof_received(self) -> bool:
        return False  # the client is done: close

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._transport is not None:
            self._guard.lingering.discard(self._transport)


class JsonErrorHandler(web.RequestHandler):
    """aiohttp's request handler, counted by the guard, answering its own errors as JSON.

    aiohttp answers what its HTTP parser refuses (a bad request line or header, broken chunked
    framing, a head line too long) in ``handle_error``, outside the app and its middlewares,
    as ``text/plain`` quoting the request; here it is the JSON error shape, and logged.
    """

    def __init__(self, manager: web.Server, *, guard: ConnectionGuard, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._guard = guard
        self._counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._guard.open += 1
        self._counted = True
        super().connection_made(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._counted:
            self._counted = False
            self._guard.open -= 1
        super().connection_lost(exc)

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0:  # as aiohttp: an answer has begun, it cannot change
            raise ConnectionError("an answer was already sent, no error answer can follow")
        text = describe_error(status, exc)
        body = error_body(text)
        response = web.Response(status=status, body=body, content_type="application/json")
        response.force_close()
        if self._guard.log is not None:
            self._guard.log.emit(
                RequestRecord(
                    time=timestamp(),
                    method="-",
                    path="-",
                    namespace=None,
                    status=status,
                    duration_ms=0.0,
                    payloads=None,
                    bytes_in=0,
                    bytes_out=len(body),
                    error=text,
                )
            )
        return response


def describe_error(status: int, exc: BaseException | None) -> str:
    """One line for an error aiohttp itself answers; never the request's bytes (which the
    parser's own messages quote, and which may hold a token)."""
    if isinstance(exc, HttpProcessingError):
        return f"bad HTTP request: {_parser_reason(exc)}"
    if status == 504:
        return "the request took too long to answer"
    if status >= 500:
        return f"internal error ({type(exc).__name__})" if exc is not None else "internal error"
    return f"bad HTTP request (HTTP {status})"


def _parser_reason(exc: HttpProcessingError) -> str:
    if isinstance(exc, BadHttpMethod):
        if "HTTPS" in exc.message:
            return "this port speaks HTTP, not HTTPS"
        return "the method in the request line is not valid"
    if isinstance(exc, BadStatusLine):
        return "the request line is not 'METHOD /path HTTP/1.1'"
    if isinstance(exc, InvalidURLError):
        return "the request target is not a valid path"
    if isinstance(exc, LineTooLong):
        limit = exc.args[1] if len(exc.args) > 1 else "the limit of"
        return f"a line of the request head is longer than {limit} bytes"
    if isinstance(exc, InvalidHeader):
        return "a header is not valid"
    if isinstance(exc, TransferEncodingError):
        return "the chunked body is not valid"
    if isinstance(exc, ContentLengthError):
        return "the body does not match its Content-Length"
    # llhttp's reason comes first ("Invalid character in chunk size:"), the bytes after it.
    first = exc.message.split("\n", 1)[0].rstrip(":").strip()
    first = "".join(ch if ch.isprintable() else "?" for ch in first)[:100]
    return first or "not valid HTTP/1.1"


class GuardedSite(web.BaseSite):
    """A listening socket served through a ``ConnectionGuard`` (aiohttp's ``SockSite``, with
    the guard choosing each connection's protocol and a bound on TLS handshakes)."""

    def __init__(
        self,
        runner: web.BaseRunner,
        sock: socket.socket,
        guard: ConnectionGuard,
        *,
        ssl_context: ssl.SSLContext | None = None,
        backlog: int = 128,
    ) -> None:
        super().__init__(runner, ssl_context=ssl_context, backlog=backlog)
        self._sock = sock
        self._guard = guard
        host, port = sock.getsockname()[:2]
        scheme = "https" if ssl_context is not None else "http"
        self._name = f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}"

    @property
    def name(self) -> str:
        return self._name

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        tls: dict[str, Any] = {}
        if self._ssl_context is not None:
            tls = {"ssl": self._ssl_context, "ssl_handshake_timeout": TLS_HANDSHAKE_SECONDS}
        self._server = await loop.create_server(
            lambda: self._guard.protocol(server), sock=self._sock, backlog=self._backlog, **tls
        )

    async def stop(self) -> None:
        await super().stop()
        self._guard.close_refusals()
