"""Running async setup code from synchronous (e.g. session-scoped) fixtures."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(make_coro: Callable[[], Coroutine[Any, Any, T]], timeout: float = 300.0) -> T:
    """Run ``make_coro()`` to completion in a fresh event loop on a helper thread.

    A thread keeps this independent of whatever loop pytest-asyncio has set up for the
    calling test; ``timeout`` bounds the whole run (the coroutine is cancelled, then
    the loop closes).
    """
    result: list[T] = []
    error: list[BaseException] = []

    async def bounded() -> T:
        return await asyncio.wait_for(make_coro(), timeout)

    def target() -> None:
        try:
            result.append(asyncio.run(bounded()))
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target, name="run_sync", daemon=True)
    thread.start()
    thread.join(timeout + 30.0)
    if thread.is_alive():
        raise TimeoutError(f"async setup did not finish within {timeout + 30.0:.0f}s")
    if error:
        raise error[0]
    return result[0]
