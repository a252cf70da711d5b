"""Run the codec server on whatever asyncio loop is running: ``serve``'s, or the GUI's qasync one.

Sockets are bound here (not by aiohttp) so that ``port = 0`` gives one real port for every
address of the host, and so that "port in use" becomes one clear ``ServerStartError``; they
are served through a ``ConnectionGuard`` (``connections``), which caps open connections.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import ssl
import sys
from collections.abc import Iterable
from dataclasses import replace

from aiohttp import web

from inspector.config import Config, ConfigError
from inspector.errors import InspectorError
from inspector.server.app import LIVE, create_app, reload_app
from inspector.server.connections import ConnectionGuard, GuardedSite
from inspector.server.request_log import RequestLog
from inspector.server.security import is_loopback

BACKLOG = 512
SHUTDOWN_TIMEOUT = 10.0  # how long stop() lets in-flight requests finish


class ServerStartError(InspectorError):
    """The server could not start; the message is one line for people (no traceback).

    It says what happened, not what to type: the command line and the GUI's panel each word
    the way out in their own terms (``--port`` or the panel's port field).
    """

    def __init__(self, message: str, *, port_in_use: bool = False) -> None:
        super().__init__(message)
        self.port_in_use = port_in_use


class CodecServer:
    """The codec server's lifecycle: ``await start()``, ``.url``, ``await stop()``.

    ``host``/``port`` override ``[server]`` (``port=0`` picks a free port; ``.port`` then
    tells which). Request records go to ``log`` (see ``RequestLog.subscribe``).
    """

    def __init__(
        self,
        config: Config,
        *,
        host: str | None = None,
        port: int | None = None,
        extra_origins: Iterable[str] = (),
        log: RequestLog | None = None,
        shutdown_timeout: float = SHUTDOWN_TIMEOUT,
    ) -> None:
        self._host_override, self._port_override = host, port
        self.config = self._with_overrides(config)
        self.extra_origins = tuple(extra_origins)
        self.log = log if log is not None else RequestLog()
        self.shutdown_timeout = shutdown_timeout
        self._runner: web.AppRunner | None = None
        self._app: web.Application | None = None
        self._addresses: list[tuple[str, int]] = []

    def _with_overrides(self, config: Config) -> Config:
        """``config`` with the constructor's ``host``/``port`` (``--host``/``--port``) applied."""
        server = config.server
        return replace(
            config,
            server=replace(
                server,
                host=self._host_override or server.host,
                port=server.port if self._port_override is None else self._port_override,
            ),
        )

    # ---- state ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._runner is not None

    @property
    def host(self) -> str:
        return self.config.server.host

    @property
    def port(self) -> int:
        """The bound port once started (the real one for ``port=0``), else the configured one."""
        return self._addresses[0][1] if self._addresses else self.config.server.port

    @property
    def scheme(self) -> str:
        return "https" if self.config.server.tls_cert is not None else "http"

    @property
    def url(self) -> str:
        """What to give the Web UI or ``--codec-endpoint``."""
        host = self.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def reachable_from_network(self) -> bool:
        """Whether any bound address is not loopback (then ``serve`` warns)."""
        return any(not _loopback_address(address) for address, _ in self._addresses) or (
            not self._addresses and not is_loopback(self.host)
        )

    # ---- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        """Bind and serve; raises ``ServerStartError`` (port in use, bad TLS files, config)."""
        if self._runner is not None:
            return
        try:
            app = create_app(
                self.config, extra_origins=self.extra_origins, log=self.log, build_all=True
            )
        except ConfigError as e:
            raise ServerStartError(str(e)) from None
        tls = ssl_context(self.config)
        sockets = bind_sockets(self.host, self.config.server.port)
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=self.shutdown_timeout
        )
        guard = ConnectionGuard(log=self.log)  # its cap counts the descriptors open by now
        try:
            await runner.setup()
            for sock in sockets:
                site = GuardedSite(runner, sock, guard, ssl_context=tls, backlog=BACKLOG)
                await site.start()
        except BaseException:
            await runner.cleanup()
            for sock in sockets:
                sock.close()
            raise
        self._addresses = [sock.getsockname()[:2] for sock in sockets]
        self._runner = runner
        self._app = app

    async def reload(self, config: Config) -> list[str]:
        """Serve ``config`` from now on, keeping the sockets (SIGHUP, or the GUI's Reload).

        Profiles, allowed origins and hosts, the token and the cache size change at once; an
        invalid config raises ``ConfigError`` and the server keeps the one it had. Returns
        the ``[server]`` keys that changed but need a restart (host, port, TLS, body limit).
        """
        config = self._with_overrides(config)
        if self._app is None:
            self.config = config  # not running: the next start() uses it
            return []
        pending = await reload_app(self._app, config)
        self.config = self._app[LIVE].config  # what is in force, restart-only keys as before
        return pending

    async def stop(self) -> None:
        """Stop accepting, finish or cancel what is in flight, close every pipeline."""
        runner, self._runner, self._app = self._runner, None, None
        if runner is not None:
            await runner.cleanup()
        self._addresses = []

    async def __aenter__(self) -> CodecServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def ssl_context(config: Config) -> ssl.SSLContext | None:
    """The server's TLS context, or None without ``tls_cert``; raises ``ServerStartError``."""
    server = config.server
    if server.tls_cert is None or server.tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(server.tls_cert, server.tls_key)
    except (OSError, ssl.SSLError) as e:
        reason = getattr(e, "strerror", None) or getattr(e, "reason", None) or str(e)
        raise ServerStartError(
            f"{config.source_label}: server.tls_cert/tls_key: cannot load "
            f"certificate and key ({reason})"
        ) from None
    return context


def _loopback_address(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


def bind_sockets(host: str, port: int) -> list[socket.socket]:
    """Listening sockets for every address of ``host``, all on one port."""
    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as e:
        raise ServerStartError(f"cannot use host '{host}': {e.strerror}") from None
    seen: set[tuple[int, str | int]] = set()
    sockets: list[socket.socket] = []
    chosen = port
    try:
        for family, kind, proto, _, address in infos:
            if (family, address[0]) in seen:
                continue
            seen.add((family, address[0]))
            sock = socket.socket(family, kind, proto)
            try:
                if sys.platform != "win32":
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind((address[0], chosen, *address[2:]))
            except OSError as e:
                sock.close()
                if sockets and e.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
                    continue  # e.g. "localhost" also names ::1 on a host without IPv6
                raise
            chosen = sock.getsockname()[1]
            sock.listen(BACKLOG)
            sock.setblocking(False)
            sockets.append(sock)
    except OSError as e:
        for sock in sockets:
            sock.close()
        if e.errno == errno.EADDRINUSE:
            raise ServerStartError(
                f"port {port} on {host} is already in use", port_in_use=True
            ) from None
        if e.errno in (errno.EACCES, errno.EPERM):
            raise ServerStartError(f"not allowed to listen on {host}:{port}") from None
        raise ServerStartError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    return sockets
