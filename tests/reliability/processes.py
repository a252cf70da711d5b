"""Running the app's commands (and the scripted GUI session) as subprocesses, bounded."""

from __future__ import annotations

import contextlib
import select
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.server.helpers import REPO_ROOT, serve_env
from tests.support.processes import communicate_bounded


def cli_argv(*args: str) -> list[str]:
    """The ``payload-inspector`` console script of this venv (``-m`` as a fallback)."""
    script = Path(sys.executable).with_name("payload-inspector")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "inspector.cli", *args]


async def run(
    argv: list[str], env: Mapping[str, str], *, cwd: Path = REPO_ROOT, limit: float = 180
) -> tuple[int, bytes, bytes]:
    """Run to completion (killed after ``limit`` seconds): exit code, stdout, stderr."""
    return await communicate_bounded(argv, env=serve_env(env), cwd=cwd, limit=limit)


async def run_cli(
    env: Mapping[str, str], *args: str, cwd: Path = REPO_ROOT
) -> tuple[int, bytes, bytes]:
    """``payload-inspector ARGS``."""
    return await run(cli_argv(*args), env, cwd=cwd)


async def run_gui_session(env: Mapping[str, str], *args: str) -> tuple[int, bytes, bytes]:
    """``python -m tests.reliability.gui_session ARGS`` (see that module)."""
    return await run([sys.executable, "-m", "tests.reliability.gui_session", *args], env)


@dataclass
class LiveServe:
    """A ``payload-inspector serve`` run from synchronous code (schemathesis tests)."""

    process: subprocess.Popen[bytes]
    url: str
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


@contextlib.contextmanager
def live_serve(
    config: Path, log_dir: Path, env: Mapping[str, str] | None = None, timeout: float = 30.0
) -> Iterator[LiveServe]:
    """Start ``serve --port 0``, wait (bounded) for its ``listening on`` line; on exit,
    SIGTERM it and check it ended cleanly with no traceback on stderr."""
    stderr_path = log_dir / "serve.stderr"
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            cli_argv("serve", "--config", str(config), "--port", "0"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=serve_env(env),
            cwd=REPO_ROOT,
        )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], timeout)
        line = process.stdout.readline().decode().strip() if ready else ""
        assert line.startswith("listening on "), (line, stderr_path.read_text())
        live = LiveServe(process, line.split(" ", 2)[2], stderr_path)
        yield live
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0, live.stderr()[-2000:]
        assert "Traceback" not in live.stderr(), live.stderr()[-2000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
