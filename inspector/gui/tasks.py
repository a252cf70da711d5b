"""Coroutines as cancellable background tasks with progress, on the app's one loop.

Every slow thing (parsing, decoding, downloads, rendering big text) runs through a
``TaskRunner``: starting a task under a key cancels the stale one with that key (switching
views twice quickly never shows the first result), the status bar shows what runs, and
Esc cancels. CPU-heavy steps inside the coroutines use ``asyncio.to_thread``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Progress:
    """What a running task reports: ``done`` of ``total`` (``total == 0``: unknown)."""

    key: str
    label: str
    done: int = 0
    total: int = 0
    _notify: Callable[[], None] = field(default=lambda: None, repr=False)

    def update(self, done: int, total: int | None = None, label: str | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        if label is not None:
            self.label = label
        self._notify()


@dataclass
class _Running:
    progress: Progress
    task: asyncio.Task[Any]


class TaskRunner(QObject):
    """Runs coroutines on the loop; one task per key, newest wins."""

    changed = Signal()  # a task started, finished or reported progress
    failed = Signal(str, str)  # label, one-line message (never a traceback)

    def __init__(
        self, loop: asyncio.AbstractEventLoop | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._loop = loop or asyncio.get_event_loop_policy().get_event_loop()
        self._running: dict[str, _Running] = {}

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def start(
        self,
        key: str,
        label: str,
        factory: Callable[[Progress], Awaitable[T]],
    ) -> asyncio.Task[T]:
        """Run ``factory(progress)`` as a task, cancelling the one running under ``key``."""
        self.cancel(key)
        progress = Progress(key, label, _notify=self.changed.emit)
        task: asyncio.Task[T] = self._loop.create_task(_call(factory, progress))
        entry = _Running(progress, task)
        self._running[key] = entry
        task.add_done_callback(lambda t: self._finished(key, entry))
        self.changed.emit()
        return task

    def _finished(self, key: str, entry: _Running) -> None:
        if self._running.get(key) is entry:
            del self._running[key]
        task = entry.task
        if not task.cancelled():
            error = task.exception()
            if error is not None:
                message = _one_line(error)
                log.warning("task %r failed: %s", entry.progress.label, message)
                self.failed.emit(entry.progress.label, message)
        self.changed.emit()

    def cancel(self, key: str) -> bool:
        """Cancel the task under ``key``; returns whether one was running."""
        entry = self._running.pop(key, None)
        if entry is None:
            return False
        entry.task.cancel()
        self.changed.emit()
        return True

    def cancel_prefix(self, prefix: str) -> None:
        for key in [k for k in self._running if k.startswith(prefix)]:
            self.cancel(key)

    def cancel_all(self) -> int:
        """Cancel everything (Esc); returns how many tasks were cancelled."""
        keys = list(self._running)
        for key in keys:
            self.cancel(key)
        return len(keys)

    def is_running(self, key: str) -> bool:
        return key in self._running

    def active(self) -> list[Progress]:
        return [entry.progress for entry in self._running.values()]

    async def wait_idle(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Until no task runs (tests and headless screenshots); raises TimeoutError."""
        async with asyncio.timeout(timeout):
            while self._running:
                pending = [entry.task for entry in self._running.values()]
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait(pending)
                await asyncio.sleep(0)

    async def shutdown(self) -> None:
        """Cancel everything and wait for the tasks to unwind."""
        tasks = [entry.task for entry in self._running.values()]
        self.cancel_all()
        if tasks:
            await asyncio.wait(tasks, timeout=5.0)


async def _call(factory: Callable[[Progress], Awaitable[T]], progress: Progress) -> T:
    return await factory(progress)


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:300]
