"""``payload-inspector serve``: the codec server, headless, until SIGINT or SIGTERM.

SIGHUP re-reads the config file: profiles, origins, hosts and token change without a
restart; a config that does not load is reported in one line and the old one stays.

Its stdout is a contract: the first line is exactly ``listening on URL``, flushed, so scripts
and tests can wait for it; everything else (warnings, the request log) goes to stderr.
``--workers N`` (N > 1) serves the same app from N processes under gunicorn
(``inspector.server.gunicorn``), with the same lines, signals and exit codes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from inspector.commands import ExitCode, fail, request_from
from inspector.config import Config, ConfigError, load_config
from inspector.server import event_loop
from inspector.server.request_log import RequestLog
from inspector.server.runner import CodecServer, ServerStartError

PROG = "payload-inspector serve"


@dataclass(frozen=True)
class ServeRequest:
    """What the user asked of ``serve``."""

    config: str | None = None
    host: str | None = None
    port: int | None = None
    allow_origins: Sequence[str] = ()
    workers: int = 1


def main(args: argparse.Namespace) -> int:
    """``payload-inspector serve``, from its parsed arguments."""
    return run_serve(request_from(args, ServeRequest))


def run_serve(req: ServeRequest) -> int:
    """Serve until a signal; exit 2 with one line on stderr for config errors or a busy port."""
    if req.port is not None and not 0 <= req.port <= 65535:
        return fail(PROG, f"--port must be 0..65535, got {req.port}")
    if req.workers < 1:
        return fail(PROG, f"--workers must be 1 or more, got {req.workers}")
    _one_line_logging()
    try:
        loaded = load_config(req.config)
    except ConfigError as e:
        return fail(PROG, str(e))
    if req.workers > 1:
        return _serve_workers(req, loaded)
    server = CodecServer(
        loaded,
        host=req.host,
        port=req.port,
        extra_origins=req.allow_origins,
        log=RequestLog(stream=sys.stderr),
    )
    try:
        return event_loop.run(_serve(server, req.config))
    except KeyboardInterrupt:  # only where signal handlers cannot be installed (Windows)
        return ExitCode.OK


def _serve_workers(req: ServeRequest, loaded: Config) -> int:
    """``--workers N``: gunicorn's arbiter here, N aiohttp workers forked from it."""
    if sys.platform == "win32":
        return fail(PROG, "--workers needs gunicorn, which runs on Unix only: use --workers 1")
    from inspector.server.gunicorn import TeamServer, run_team

    server = TeamServer(
        loaded,
        config_path=req.config,
        workers=req.workers,
        host=req.host,
        port=req.port,
        extra_origins=req.allow_origins,
        report=lambda line: print(f"{PROG}: {line}", file=sys.stderr, flush=True),
    )
    try:
        server.start()
    except ServerStartError as e:
        return _start_failed(e)
    if server.reachable_from_network:
        print(f"{PROG}: {_NETWORK_WARNING % server.config.server.host}", file=sys.stderr)
    return run_team(server)


def _start_failed(e: ServerStartError) -> int:
    """The one line for a server that could not start, with the command line's way out."""
    fix = ": stop the other server or choose another port with --port (0 picks a free one)"
    return fail(PROG, f"{e}{fix if e.port_in_use else ''}")


async def _serve(server: CodecServer, config_path: str | None = None) -> int:
    try:
        await server.start()
    except ServerStartError as e:
        return _start_failed(e)
    try:
        # Handlers first: a script may signal as soon as it reads the "listening" line.
        stop, reload = asyncio.Event(), asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig, event in ((signal.SIGINT, stop), (signal.SIGTERM, stop), (_SIGHUP, reload)):
            if sig is not None:
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.add_signal_handler(sig, event.set)
        print(f"listening on {server.url}", flush=True)
        warning = network_warning(server)
        if warning is not None:
            print(f"{PROG}: {warning}", file=sys.stderr, flush=True)
        reloader = asyncio.create_task(_reload_on_signal(server, config_path, reload))
        await stop.wait()
        reloader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reloader
    finally:
        await server.stop()
    return ExitCode.OK


_SIGHUP = getattr(signal, "SIGHUP", None)  # not on Windows


async def _reload_on_signal(
    server: CodecServer, config_path: str | None, signalled: asyncio.Event
) -> None:
    """On SIGHUP, read the config again; an invalid one is reported and the old one kept."""
    while True:
        await signalled.wait()
        signalled.clear()
        print(f"{PROG}: {await reload_config(server, config_path)}", file=sys.stderr, flush=True)


async def reload_config(server: CodecServer, config_path: str | None) -> str:
    """Re-read the config the server was started with and apply it; one line saying how it
    went (also what the GUI shows for its Reload)."""
    try:
        loaded = await asyncio.to_thread(load_config, config_path)
        pending = await server.reload(loaded)
    except ConfigError as e:
        return f"config not reloaded, still serving the previous one: {e}"
    note = f" ({', '.join(pending)}: restart to apply)" if pending else ""
    return f"config reloaded from {loaded.source_label}: {len(loaded.profiles)} profile(s){note}"


def network_warning(server: CodecServer) -> str | None:
    """What to say when the server is bound beyond loopback (only an explicit host does it)."""
    if not server.reachable_from_network:
        return None
    return _NETWORK_WARNING % server.host


_NETWORK_WARNING = (
    "warning: listening on %s, reachable from the network; requests must name an allowed "
    "Host ([server] allowed_hosts), and a [server] token or [server.jwt] is advised"
)


class _OneLineFormatter(logging.Formatter):
    """Library warnings (aiohttp, asyncio) as one line each: never a traceback on stderr."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().splitlines()[0] if record.getMessage() else ""
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            detail = str(error).splitlines()[0][:200] if str(error) else ""
            message = f"{message} ({type(error).__name__}{': ' + detail if detail else ''})"
        return f"{PROG}: {record.name}: {message}"


def _one_line_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
