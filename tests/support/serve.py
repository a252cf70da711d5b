"""``payload-inspector serve`` as a real subprocess, the way a user (or the Web UI) meets it.

The command-line contract (the README's "Use it from the Temporal Web UI and CLI") is what
this relies on: ``--port 0`` picks a free port, the first stdout line is
``listening on http(s)://HOST:PORT``, and the request log is JSON lines on stderr. Reading
that log is how tests see what the server answered without trusting a client's account.

One launcher serves every kind of test: ``ServeProcess.start()``/``stop()`` for fixtures
that outlive a test, ``serving(...)`` for synchronous tests and ``serve(...)`` for async
ones. Its pipes are read by threads, so neither kind blocks on the other's event loop.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import queue
import re
import signal
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tests.support.cli import REPO_ROOT, cli_argv, cli_env

LISTENING = re.compile(r"^listening on ((https?)://([^\s/]+):(\d+))/?$")

_LIVE: set[ServeProcess] = set()


@dataclass(eq=False)
class ServeProcess:
    """One ``payload-inspector serve ARGS`` process; ``start()`` returns its URL.

    Every stderr line is kept (and copied to ``log_path`` if given); ``log_records()``
    parses the JSON request-log lines among them. ``fd_limit`` starts it with that
    ``RLIMIT_NOFILE`` (soft and hard), as a host with few descriptors would.
    """

    args: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    start_timeout: float = 30.0
    fd_limit: int | None = None
    log_path: Path | None = None
    url: str = ""
    scheme: str = ""
    host: str = ""
    port: int = 0
    process: subprocess.Popen[str] | None = field(default=None, repr=False)
    _lines: list[str] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _threads: list[threading.Thread] = field(default_factory=list, repr=False)

    @classmethod
    def for_config(
        cls, config: Path, *, allow_origins: Sequence[str] = (), **kwargs: Any
    ) -> ServeProcess:
        """``serve --config CONFIG --host 127.0.0.1 --port 0`` allowing these origins."""
        args = ["--config", str(config), "--host", "127.0.0.1", "--port", "0"]
        for origin in allow_origins:
            args += ["--allow-origin", origin]
        return cls(args, **kwargs)

    @property
    def running(self) -> bool:
        """Started and not exited yet."""
        return self.process is not None and self.process.poll() is None

    def start(self) -> str:
        """Launch and wait (bounded) for the ``listening on`` line; returns the URL."""
        self.process = subprocess.Popen(
            cli_argv("serve", *self.args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=cli_env(self.env),
            cwd=REPO_ROOT,
            start_new_session=True,  # a Ctrl-C in the terminal goes to pytest, not to it
            preexec_fn=None if self.fd_limit is None else _nofile_limit(self.fd_limit),
        )
        _LIVE.add(self)
        first_line: queue.Queue[str | None] = queue.Queue()
        assert self.process.stdout is not None and self.process.stderr is not None
        self._spawn(self._read_stdout, self.process.stdout, first_line)
        self._spawn(self._read_stderr, self.process.stderr)
        try:
            line = first_line.get(timeout=self.start_timeout)
        except queue.Empty:
            self.kill()
            raise AssertionError(
                f"serve printed nothing in {self.start_timeout:.0f}s:\n{self.stderr_text()}"
            ) from None
        match = LISTENING.match(line or "")
        if match is None:
            self.stop()
            raise AssertionError(f"unexpected first line {line!r}; stderr:\n{self.stderr_text()}")
        self.url, self.scheme, self.host = match.group(1), match.group(2), match.group(3)
        self.port = int(match.group(4))
        return self.url

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True, name="serve-pipe")
        thread.start()
        self._threads.append(thread)

    @staticmethod
    def _read_stdout(stream: TextIO, first: queue.Queue[str | None]) -> None:
        reported = False
        for line in stream:  # read to the end, so the pipe never fills
            if not reported:
                first.put(line.rstrip("\n"))
                reported = True
        if not reported:
            first.put(None)  # exited before printing anything

    def _read_stderr(self, stream: TextIO) -> None:
        with contextlib.ExitStack() as stack:
            copy = None
            if self.log_path is not None:
                copy = stack.enter_context(open(self.log_path, "a", encoding="utf-8"))
            for line in stream:
                with self._lock:
                    self._lines.append(line.rstrip("\n"))
                if copy is not None:
                    copy.write(line)
                    copy.flush()

    # -- what it wrote -------------------------------------------------------------------

    @property
    def stderr_lines(self) -> list[str]:
        """Every stderr line so far (a copy: it keeps growing while the server runs)."""
        with self._lock:
            return list(self._lines)

    def stderr_text(self, tail: int = 60) -> str:
        """The last ``tail`` stderr lines, for an assertion's message."""
        return "\n".join(self.stderr_lines[-tail:])

    def log_records(self) -> list[dict[str, Any]]:
        """Every JSON request-log record so far, oldest first."""
        records: list[dict[str, Any]] = []
        for line in self.stderr_lines:
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict) and "status" in record:
                    records.append(record)
        return records

    def mark(self) -> int:
        """A position in the log; ``records_since(mark)`` gives what came after it."""
        return len(self.log_records())

    def records_since(self, mark: int) -> list[dict[str, Any]]:
        """The request-log records written after ``mark()`` returned ``mark``."""
        return self.log_records()[mark:]

    def wait_for_record(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        *,
        since: int = 0,
        timeout: float = 15.0,
    ) -> dict[str, Any]:
        """The first record after ``since`` matching ``predicate`` (polls, bounded)."""
        deadline = time.monotonic() + timeout
        while True:
            for record in self.records_since(since):
                if predicate(record):
                    return record
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"no matching request-log record within {timeout:.0f}s; log tail:\n"
                    + self.stderr_text()
                )
            time.sleep(0.05)  # sync test code, not a coroutine

    # -- lifecycle -----------------------------------------------------------------------

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM (the server stops cleanly on it), then SIGKILL; the exit code, or
        ``None`` if it was not running. Idempotent."""
        proc, self.process = self.process, None
        _LIVE.discard(self)
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(10)
        for thread in self._threads:
            thread.join(5)
        return proc.returncode

    def kill(self) -> None:
        """SIGKILL at once: for a test that already failed."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        self.stop()

    def stop_cleanly(self) -> None:
        """Stop it and check it ended as a user would want: exit 0, no traceback."""
        code = self.stop()
        lines = self.stderr_lines
        assert code == 0, (code, lines[-5:])
        assert not any("Traceback" in line for line in lines), lines


def _nofile_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:  # runs in the child, between fork and exec
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    return apply


@contextlib.contextmanager
def serving(
    *args: str,
    env: Mapping[str, str] | None = None,
    start_timeout: float = 30.0,
    fd_limit: int | None = None,
    log_path: Path | None = None,
) -> Iterator[ServeProcess]:
    """Start ``serve ARGS``, wait for its ``listening on`` line; on a clean exit from the
    block, SIGTERM it and check it exits 0 with no traceback (killed otherwise)."""
    server = ServeProcess(args, dict(env or {}), start_timeout, fd_limit, log_path)
    try:
        server.start()
        yield server
        server.stop_cleanly()
    finally:
        server.kill()


@contextlib.asynccontextmanager
async def serve(
    *args: str,
    env: Mapping[str, str] | None = None,
    start_timeout: float = 30.0,
    fd_limit: int | None = None,
    log_path: Path | None = None,
) -> AsyncIterator[ServeProcess]:
    """``serving`` for async tests: starting and stopping wait in a thread, so the test's
    event loop (and any server it runs for the child) keeps going meanwhile."""
    server = ServeProcess(args, dict(env or {}), start_timeout, fd_limit, log_path)
    try:
        await asyncio.to_thread(server.start)
        yield server
        await asyncio.to_thread(server.stop_cleanly)
    finally:
        await asyncio.to_thread(server.kill)


@atexit.register
def _stop_all() -> None:
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.stop()
