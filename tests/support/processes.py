"""Run a child process from async test code: bounded, and never left running."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path


async def communicate_bounded(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | Path | None = None,
    limit: float = 60.0,
    input: bytes | None = None,
) -> tuple[int, bytes, bytes]:
    """Exit code, stdout and stderr; the child is killed if ``limit`` seconds pass or the
    caller is cancelled (and the error is raised)."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE if input is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(env) if env is not None else None,
        cwd=cwd,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(input), limit)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(process.wait(), 10)
        raise
    return process.returncode or 0, out, err
