"""The codec server on several processes: gunicorn's arbiter with aiohttp's worker class.

``payload-inspector serve --workers N`` runs ``TeamServer``: gunicorn's ``BaseApplication``
in the ``serve`` process, whose arbiter forks N workers, each with its own app, pipelines and
blob cache (they share nothing but the listening sockets and the metrics folder). Sockets
are bound here first, as the single-process server binds them, so ``--port 0``, "port in
use" and the ``listening on`` line behave the same. SIGHUP reads the config again in the
arbiter; only a config that builds is handed to the new workers gunicorn starts (an invalid
one is reported and the old one kept), and the old workers finish what they are answering.
SIGTERM drains the requests in flight.

For those who run gunicorn themselves (a container, their own process manager)::

    gunicorn 'inspector.server.gunicorn:app()' -k aiohttp.GunicornUVLoopWebWorker -w 4

``app()`` reads the config as ``serve`` does (``$PAYLOAD_INSPECTOR_CONFIG`` or the default
file); set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder so ``/metrics`` sums the workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import replace
from typing import Any, cast

from aiohttp import web
from aiohttp.worker import GunicornUVLoopWebWorker, GunicornWebWorker
from gunicorn.app.base import BaseApplication  # Unix only: serve imports this for --workers
from gunicorn.arbiter import Arbiter
from gunicorn.sock import TCP6Socket, TCPSocket

from inspector.config import Config, ConfigError, load_config
from inspector.pipelines import PipelinePool
from inspector.server.app import RESTART_KEYS, audit_log_for, create_app
from inspector.server.connections import ConnectionGuard
from inspector.server.metrics import MULTIPROCESS_ENV, worker_exited
from inspector.server.request_log import RequestLog
from inspector.server.runner import SHUTDOWN_TIMEOUT, ServerStartError, bind_sockets, ssl_context
from inspector.server.security import OriginError, SecurityPolicy, is_loopback
from inspector.storage.cache import BlobCache

Report = Callable[[str], None]
WORKER_TIMEOUT = 60  # seconds a worker may stay silent (a busy loop) before it is replaced


_ready_fd: int | None = None  # set in the arbiter before the fork: where workers say "ready"


class _ReadyWorker(GunicornWebWorker):
    """aiohttp's worker that tells the arbiter once it serves (its first heartbeat comes
    after its sockets are listening), so ``listening on`` is printed when all of them do."""

    _told = False

    def notify(self) -> None:
        super().notify()
        if not self._told and _ready_fd is not None:
            self._told = True
            with contextlib.suppress(OSError):
                os.write(_ready_fd, b"r")


class _ReadyUVLoopWorker(_ReadyWorker, GunicornUVLoopWebWorker):
    """The same on uvloop."""


def worker_class() -> type:
    """aiohttp's worker on uvloop where uvloop is installed, else on asyncio's loop."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return _ReadyWorker
    return _ReadyUVLoopWorker


def app(config: str | None = None) -> web.Application:
    """The app factory for gunicorn run by hand: ``inspector.server.gunicorn:app()``.

    ``config`` is a path (else ``$PAYLOAD_INSPECTOR_CONFIG``, else the default file); the
    request log goes to stderr.
    """
    return create_app(load_config(config), log=RequestLog(stream=sys.stderr), build_all=True)


def check_config(config: Config, extra_origins: Iterable[str] = ()) -> None:
    """Raise ``ConfigError`` unless ``config`` would start: origins, audit file, profiles."""
    try:
        SecurityPolicy.from_config(config.server, extra_origins)
    except OriginError as e:
        raise ConfigError(f"{config.source_label}: server.allowed_origins: {e}") from None
    audit = audit_log_for(config)
    if audit is not None:
        audit.close()

    async def build() -> None:
        pool = PipelinePool(config, BlobCache(1))
        try:
            pool.build_all()
        finally:
            await pool.aclose()

    asyncio.run(build())


class TeamServer(BaseApplication):  # type: ignore[misc]
    """gunicorn's application: the arbiter in this process, ``workers`` aiohttp workers."""

    def __init__(
        self,
        config: Config,
        *,
        config_path: str | None,
        workers: int,
        host: str | None = None,
        port: int | None = None,
        extra_origins: Iterable[str] = (),
        report: Report = print,
    ) -> None:
        self._host_override, self._port_override = host, port
        self.config = self._with_overrides(config)
        self.config_path = config_path
        self.workers = workers
        self.extra_origins = tuple(extra_origins)
        self.report = report
        self.sockets: list[socket.socket] = []
        self._addresses: list[tuple[str, int]] = []
        self._metrics_dir: str | None = None
        self.arbiter_pid = os.getpid()
        self._ready = threading.Condition()
        self._ready_count = 0  # workers that have said they serve, since the start
        super().__init__()

    def _with_overrides(self, config: Config) -> Config:
        server = config.server
        port = server.port if self._port_override is None else self._port_override
        return replace(
            config, server=replace(server, host=self._host_override or server.host, port=port)
        )

    @property
    def port(self) -> int:
        return self._addresses[0][1] if self._addresses else self.config.server.port

    @property
    def url(self) -> str:
        host = self.config.server.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        scheme = "https" if self.config.server.tls_cert is not None else "http"
        return f"{scheme}://{host}:{self.port}"

    @property
    def reachable_from_network(self) -> bool:
        return any(not is_loopback(address) for address, _ in self._addresses)

    # ---- gunicorn's BaseApplication -------------------------------------------------------

    def load_config(self) -> None:
        server = self.config.server
        settings: dict[str, Any] = {
            "bind": [f"{server.host}:{self.port}"],
            "workers": self.workers,
            "worker_class": worker_class(),
            "graceful_timeout": int(SHUTDOWN_TIMEOUT) + 1,  # the runner's drain, then a margin
            "timeout": WORKER_TIMEOUT,
            "loglevel": "warning",
            "accesslog": None,
            "proc_name": "payload-inspector",
            "when_ready": self._when_ready,
            "child_exit": lambda _arbiter, worker: worker_exited(worker.pid),
        }
        if server.tls_cert is not None and server.tls_key is not None:
            settings.update(certfile=str(server.tls_cert), keyfile=str(server.tls_key))
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self) -> Callable[[], Coroutine[Any, Any, web.AppRunner]]:
        """What each worker runs, after the fork: its own app on the config in force."""
        config, origins = self.config, self.extra_origins

        async def runner() -> web.AppRunner:
            log = RequestLog(stream=sys.stderr)
            application = create_app(config, extra_origins=origins, log=log, build_all=True)
            return _GuardedRunner(
                application,
                ConnectionGuard(log=log),
                access_log=None,
                handle_signals=False,
                shutdown_timeout=SHUTDOWN_TIMEOUT,
            )

        return runner

    def take_new_config(self) -> str | None:
        """SIGHUP, in the arbiter: read the config again. Returns the line to report once
        new workers serve it, or None when it does not build (reported now, nothing
        changes: the workers go on with the config they have)."""
        try:
            loaded = self._with_overrides(load_config(self.config_path))
            check_config(loaded, self.extra_origins)
        except ConfigError as e:
            self.report(f"config not reloaded, still serving the previous one: {e}")
            return None
        before = self.config.server
        pending = [k for k in RESTART_KEYS if getattr(before, k) != getattr(loaded.server, k)]
        in_force = replace(loaded.server, **{k: getattr(before, k) for k in pending})
        self.config = replace(loaded, server=in_force)
        note = f" ({', '.join(pending)}: restart to apply)" if pending else ""
        return (
            f"config reloaded from {loaded.source_label}: {len(loaded.profiles)} profile(s) "
            f"in {self.workers} new workers{note}"
        )

    def _when_ready(self, _arbiter: Any) -> None:
        """In the arbiter, sockets bound, workers about to start: print ``listening on``
        once every one of them serves (they say so on a pipe, counted by a thread)."""
        global _ready_fd
        read_end, _ready_fd = os.pipe()
        os.set_blocking(_ready_fd, False)

        def count() -> None:
            while chunk := os.read(read_end, 64):
                with self._ready:
                    self._ready_count += len(chunk)
                    self._ready.notify_all()

        def announce() -> None:
            if self.wait_for_workers(0, timeout=None):
                print(f"listening on {self.url}", flush=True)

        threading.Thread(target=count, name="inspector-ready", daemon=True).start()
        threading.Thread(target=announce, name="inspector-listening", daemon=True).start()

    def ready_count(self) -> int:
        """How many workers have said they serve, since the start (old ones included)."""
        with self._ready:
            return self._ready_count

    def wait_for_workers(self, since: int, timeout: float | None) -> bool:
        """Whether ``workers`` more than ``since`` have said they serve, within ``timeout``."""
        with self._ready:
            return self._ready.wait_for(
                lambda: self._ready_count >= since + self.workers, timeout=timeout
            )

    # ---- running --------------------------------------------------------------------------

    def start(self) -> None:
        """Check the config and TLS files and bind; raises ``ServerStartError``."""
        try:
            check_config(self.config, self.extra_origins)
        except ConfigError as e:
            raise ServerStartError(str(e)) from None
        ssl_context(self.config)
        self.sockets = bind_sockets(self.config.server.host, self.config.server.port)
        self._addresses = [sock.getsockname()[:2] for sock in self.sockets]
        self.do_load_config()  # now with the bound port

    def run(self) -> None:
        """Serve until SIGTERM or SIGINT (gunicorn's arbiter loop); ``start()`` first."""
        if not os.environ.get(MULTIPROCESS_ENV):
            self._metrics_dir = tempfile.mkdtemp(prefix="payload-inspector-metrics-")
            os.environ[MULTIPROCESS_ENV] = self._metrics_dir
        arbiter = _Arbiter(self)
        arbiter.LISTENERS = [self._listener(sock, arbiter.log) for sock in self.sockets]
        try:
            arbiter.run()
        finally:
            # A worker leaves through here too (gunicorn ends it with sys.exit after the
            # fork): only the arbiter cleans up.
            if self._metrics_dir is not None and os.getpid() == self.arbiter_pid:
                os.environ.pop(MULTIPROCESS_ENV, None)
                shutil.rmtree(self._metrics_dir, ignore_errors=True)

    def _listener(self, sock: socket.socket, log: Any) -> Any:
        kind = TCP6Socket if sock.family == socket.AF_INET6 else TCPSocket
        address = sock.getsockname()[:2]
        return kind(address, self.cfg, log, fd=sock.detach())  # it owns the descriptor now


class _GuardedRunner(web.AppRunner):
    """aiohttp's worker serves ``runner.server`` on each socket; this runner's server hands
    every connection to a ``ConnectionGuard`` first, as the single process does: the
    connection cap, and the JSON shape for errors of aiohttp's HTTP parser."""

    def __init__(self, app: web.Application, guard: ConnectionGuard, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._guard = guard

    async def _make_server(self) -> web.Server:
        return cast(web.Server, _GuardedServer(await super()._make_server(), self._guard))


class _GuardedServer:
    """The app's ``web.Server`` whose protocol factory goes through the guard."""

    def __init__(self, server: web.Server, guard: ConnectionGuard) -> None:
        self._inner, self._guard = server, guard

    def __call__(self) -> asyncio.BaseProtocol:
        return self._guard.protocol(self._inner)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _Arbiter(Arbiter):  # type: ignore[misc]
    """gunicorn's arbiter, whose SIGHUP first checks the new config (``TeamServer``)."""

    app: TeamServer

    def reload(self) -> None:
        """New workers on a config that builds, once the old ones have finished; else none."""
        message = self.app.take_new_config()
        if message is None:
            return
        before = self.app.ready_count()
        super().reload()  # starts the new workers, stops the old ones and waits for them
        self.app.wait_for_workers(before, timeout=WORKER_TIMEOUT)
        self.app.report(message)


def run_team(server: TeamServer) -> int:
    """Run ``server`` to the end; 0 when it stopped on a signal, else 2 (reported)."""
    try:
        server.run()
    except SystemExit as e:
        if os.getpid() != server.arbiter_pid:
            raise  # a worker ending: it exits with its own status, nothing else runs
        code = e.code if isinstance(e.code, int) else 1
        if code != 0:
            server.report(f"the workers could not be started (gunicorn exit status {code})")
            return 2
    return 0
