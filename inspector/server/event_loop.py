"""The headless server's event loop: uvloop where it exists, asyncio's own elsewhere.

Why: a small request (the Web UI decoding one event) costs ~110 µs of CPU, most of it in
the event loop and the socket transport rather than in our code; uvloop's are written in C
and take about a tenth off that. Only ``payload-inspector serve`` uses it: the GUI's server
runs on the window's qasync loop, and Windows has no uvloop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, on a uvloop loop when uvloop is installed."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)
