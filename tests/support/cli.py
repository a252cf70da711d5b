"""The app's command line as a subprocess: which argv starts it, with which environment, and
a bounded run to completion.

Every test that runs ``payload-inspector`` (``decode``, ``serve`` expected to fail, the
tests' own scripts) goes through here, so they all start it the same way.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.support.processes import communicate_bounded

REPO_ROOT = Path(__file__).resolve().parents[2]


def cli_argv(*args: str) -> list[str]:
    """The ``payload-inspector`` console script of this venv (``-m inspector.cli`` where
    there is none)."""
    script = Path(sys.executable).with_name("payload-inspector")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script), *args]
    return [sys.executable, "-m", "inspector.cli", *args]


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Our environment, without a config chosen by the developer's shell, plus the repo on
    ``PYTHONPATH`` so configs can load the stubs in ``tests.support.drivers``."""
    env = dict(os.environ)
    env.pop("PAYLOAD_INSPECTOR_CONFIG", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.update(extra or {})
    return env


async def run_argv(
    argv: list[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO_ROOT,
    limit: float = 180.0,
) -> tuple[int, bytes, bytes]:
    """Run to completion (killed after ``limit`` seconds): exit code, stdout, stderr."""
    return await communicate_bounded(argv, env=cli_env(env), cwd=cwd, limit=limit)


async def run_cli(
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO_ROOT,
    limit: float = 180.0,
) -> tuple[int, bytes, bytes]:
    """``payload-inspector ARGS`` to completion: exit code, stdout, stderr."""
    return await run_argv(cli_argv(*args), env=env, cwd=cwd, limit=limit)


async def run_module(
    module: str, *args: str, env: Mapping[str, str] | None = None, limit: float = 180.0
) -> tuple[int, bytes, bytes]:
    """``python -m MODULE ARGS`` (the tests' own scripts, e.g. a scripted GUI session)."""
    return await run_argv([sys.executable, "-m", module, *args], env=env, limit=limit)


async def run_serve_expecting_exit(
    *args: str, env: Mapping[str, str] | None = None, wait_seconds: float = 30.0
) -> tuple[int, str, str]:
    """Run ``serve`` that is expected to exit by itself (bad config, busy port)."""
    code, out, err = await run_cli("serve", *args, env=env, limit=wait_seconds)
    return code, out.decode(), err.decode()
