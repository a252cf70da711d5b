"""``payload-inspector serve`` as a real subprocess, the way a user (or the Web UI) meets it.

The command-line contract (the README's "Use it from the Temporal Web UI and CLI") is what
this relies on: ``--port 0`` picks a free port, the first stdout line is
``listening on http://HOST:PORT``, and the request log is JSON lines on stderr. Reading that
log is how the tests see what the server answered to the browser (statuses, errors) without
trusting the browser's account of it.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

LISTENING_PREFIX = "listening on "

_LIVE: set[ServeProcess] = set()


def serve_argv() -> list[str]:
    """The installed ``payload-inspector`` script next to this interpreter, else ``-m``."""
    script = Path(sys.executable).with_name("payload-inspector")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("payload-inspector")
    return [found] if found else [sys.executable, "-m", "inspector.cli"]


@dataclass
class ServeProcess:
    """One ``payload-inspector serve --port 0`` process; ``start()`` returns its URL.

    Every stderr line is kept (and copied to ``log_path``); ``records()`` parses the JSON
    request-log lines among them.
    """

    config: Path
    log_path: Path
    allow_origins: Sequence[str] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    start_timeout: float = 30.0
    url: str = ""
    _proc: subprocess.Popen[str] | None = field(default=None, repr=False)
    _stderr_lines: list[str] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _threads: list[threading.Thread] = field(default_factory=list, repr=False)

    def __hash__(self) -> int:
        return id(self)

    def command(self) -> list[str]:
        argv = [*serve_argv(), "serve", "--config", str(self.config)]
        argv += ["--host", "127.0.0.1", "--port", "0"]
        for origin in self.allow_origins:
            argv += ["--allow-origin", origin]
        return argv

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> str:
        """Launch and wait (bounded) for the ``listening on`` line; returns the URL."""
        self._proc = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env={**os.environ, **self.env},
            start_new_session=True,  # a Ctrl-C in the terminal goes to pytest, not to it
        )
        _LIVE.add(self)
        first_lines: queue.Queue[str | None] = queue.Queue()
        assert self._proc.stdout is not None and self._proc.stderr is not None
        self._spawn(self._read_stdout, self._proc.stdout, first_lines)
        self._spawn(self._read_stderr, self._proc.stderr)
        try:
            line = first_lines.get(timeout=self.start_timeout)
        except queue.Empty:
            self.stop()
            raise TimeoutError(
                f"payload-inspector serve printed nothing within {self.start_timeout:.0f}s\n"
                + self.stderr_text()
            ) from None
        if line is None or not line.startswith(LISTENING_PREFIX):
            self.stop()
            raise RuntimeError(
                f"payload-inspector serve did not start (first stdout line {line!r})\n"
                + self.stderr_text()
            )
        self.url = line[len(LISTENING_PREFIX) :].strip().rstrip("/")
        return self.url

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True, name="serve-pipe")
        thread.start()
        self._threads.append(thread)

    @staticmethod
    def _read_stdout(stream: TextIO, first: queue.Queue[str | None]) -> None:
        reported = False
        for line in stream:
            if not reported:
                first.put(line.rstrip("\n"))
                reported = True
        if not reported:
            first.put(None)  # exited before printing anything

    def _read_stderr(self, stream: TextIO) -> None:
        with open(self.log_path, "a", encoding="utf-8") as copy:
            for line in stream:
                with self._lock:
                    self._stderr_lines.append(line.rstrip("\n"))
                copy.write(line)
                copy.flush()

    # -- the request log ---------------------------------------------------------------

    def stderr_text(self) -> str:
        with self._lock:
            return "\n".join(self._stderr_lines[-60:])

    def records(self) -> list[dict[str, Any]]:
        """Every JSON request-log record so far, oldest first."""
        with self._lock:
            lines = list(self._stderr_lines)
        out: list[dict[str, Any]] = []
        for line in lines:
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict) and "status" in record:
                    out.append(record)
        return out

    def mark(self) -> int:
        """A position in the log; ``records_since(mark)`` gives what came after it."""
        return len(self.records())

    def records_since(self, mark: int) -> list[dict[str, Any]]:
        return self.records()[mark:]

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

    # -- lifecycle ---------------------------------------------------------------------

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (the server stops cleanly on it), then SIGKILL. Idempotent."""
        proc, self._proc = self._proc, None
        _LIVE.discard(self)
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(5)
        for thread in self._threads:
            thread.join(2)


@atexit.register
def _stop_all() -> None:
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.stop()
