"""What one operation may inflate: a per-operation budget, a per-run allowance, a shared gate.

Why: a few KB of crafted data can inflate to gigabytes, so a bound per payload is not enough —
four payloads just under it, or eight requests at once, add up. Three bounds work together:

- a **budget** per pipeline operation (one server request, one ``decode`` document):
  ``max_decoded_bytes`` in all, whatever the number of payloads;
- an **allowance** per codec run: work done on the event loop may inflate only a little
  (``INLINE_ALLOWANCE``) before it is moved to a worker thread, and a thread may inflate
  ``LARGE_OPERATION_BYTES`` before its operation must hold the gate;
- a **gate**, process-wide, with ``LARGE_SLOTS`` slots: only that many large operations inflate
  at once, so concurrent bombs wait in line instead of adding up in memory. Operations wait
  for it on the event loop (never in a thread, never blocking the loop), up to a timeout.

The inflate loop (``inspector.codecs.inflate``) charges every chunk it produces through
``charge``; the pipeline opens a budget per operation (``operation_budget``) and turns
``AllowanceExceeded`` into "run this again elsewhere". Nothing here knows about codecs.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import zlib
from collections import deque
from dataclasses import dataclass, field

from inspector.errors import InspectorError

MIB = 1024 * 1024
DEFAULT_MAX_DECODED_BYTES = 512 * MIB
INLINE_ALLOWANCE = 1 * MIB  # about a millisecond of inflating: fine on the event loop
LARGE_OPERATION_BYTES = 32 * MIB  # past this, an operation needs a slot of the gate
LARGE_SLOTS = 1
GATE_TIMEOUT_SECONDS = 60.0


class InflateLimitError(InspectorError, zlib.error):
    """The data inflates to more than the limit (a ``zlib.error``, so the codecs report it
    like any other refusal to inflate)."""

    def __init__(self, limit: int, what: str = "the data inflates") -> None:
        super().__init__(f"{what} to more than {_mib(limit)}")
        self.limit = limit


class DecodedBytesLimitError(InflateLimitError):
    """The operation as a whole (one request, one document) would decode more than its budget."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit, "the request decodes")
        self.args = (f"{self.args[0]} in all ([server] max_decoded_bytes)",)


class AllowanceExceeded(BaseException):
    """Internal: this run may not inflate so much here; the pipeline runs the payload again
    in a worker thread, or once its operation holds the gate.

    A ``BaseException`` for the reason ``CancelledError`` is one: codecs and chains catch
    ``Exception`` to name the codec that failed, and must not swallow this.
    """


class GateBusy(InspectorError):
    """No slot of the gate became free in time: other large operations are running."""


@dataclass
class Budget:
    """One operation's account: what it has inflated so far, against its limit."""

    limit: int | None
    used: int = 0
    holds_gate: bool = False
    # A document read in pieces: every operation on its pieces draws on this one budget.
    shared: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take(self, amount: int, allowance: int | None) -> None:
        """Count ``amount`` more bytes; raises past the limit or the run's allowance."""
        with self._lock:
            used = self.used + amount
            if self.limit is not None and used > self.limit:
                raise DecodedBytesLimitError(self.limit)
            if allowance is not None and used > allowance and not self.holds_gate:
                raise AllowanceExceeded
            self.used = used

    def give_back(self, amount: int) -> None:
        with self._lock:
            self.used -= amount


_BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("budget", default=None)
_ALLOWANCE: contextvars.ContextVar[int | None] = contextvars.ContextVar("allowance", default=None)


def charge(amount: int) -> None:
    """Count inflated bytes against the current operation (a no-op outside one)."""
    budget = _BUDGET.get()
    if budget is not None:
        budget.take(amount, _ALLOWANCE.get())


def refund(amount: int) -> None:
    """Give back bytes whose output was thrown away (a refused or failed payload)."""
    budget = _BUDGET.get()
    if budget is not None:
        budget.give_back(amount)


def current_budget() -> Budget | None:
    return _BUDGET.get()


def inline_allowance() -> int:
    """An allowance for work on the event loop: ``INLINE_ALLOWANCE`` more than the operation
    has inflated so far (allowances count the operation's total)."""
    budget = _BUDGET.get()
    return (budget.used if budget is not None else 0) + INLINE_ALLOWANCE


class allowance:
    """Within this block, inflating past ``limit`` in the operation raises
    ``AllowanceExceeded`` (unless the operation holds the gate). A plain class rather than a
    generator, as ``operation_budget``: every codec run of every request enters one."""

    def __init__(self, limit: int | None) -> None:
        self._limit = limit
        self._token: contextvars.Token[int | None] | None = None

    def __enter__(self) -> None:
        self._token = _ALLOWANCE.set(self._limit)

    def __exit__(self, *_: object) -> None:
        if self._token is not None:
            _ALLOWANCE.reset(self._token)


class operation_budget:
    """A fresh budget for one pipeline operation; its gate slot, if taken, is freed at the end.

    With ``shared=True`` it is a document's budget, and the operations run within it (one per
    batch of a document read in pieces) draw on it rather than open their own. A plain class
    rather than a generator: it wraps every request, small ones included.
    """

    def __init__(self, limit: int | None, *, shared: bool = False) -> None:
        outer = _BUDGET.get()
        self._inner = outer is not None and outer.shared
        self.budget = outer if outer is not None and self._inner else Budget(limit, shared=shared)
        self._token: contextvars.Token[Budget | None] | None = None

    def __enter__(self) -> Budget:
        if not self._inner:
            self._token = _BUDGET.set(self.budget)
        return self.budget

    def __exit__(self, *_: object) -> None:
        if self._inner:  # the document's budget: its owner ends it
            return
        if self._token is not None:
            _BUDGET.reset(self._token)
        if self.budget.holds_gate:
            self.budget.holds_gate = False
            GATE.release()


async def hold_gate(budget: Budget, wait_seconds: float | None = None) -> None:
    """Wait for a slot of the gate for ``budget``'s operation; raises ``GateBusy``."""
    if budget.holds_gate:
        return
    await GATE.acquire(GATE_TIMEOUT_SECONDS if wait_seconds is None else wait_seconds)
    budget.holds_gate = True


class Gate:
    """A counting semaphore that any event loop (and any thread) may use.

    ``asyncio.Semaphore`` belongs to one loop; the GUI's loop, ``serve``'s loop and the
    tests' loops must all share one bound, so waiters are futures on their own loops, woken
    thread-safely.
    """

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._free = slots
        self._lock = threading.Lock()
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()

    @property
    def free(self) -> int:
        return self._free

    async def acquire(self, wait_seconds: float) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._free > 0 and not self._waiters:
                self._free -= 1
                return
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append((loop, waiter))
        try:
            await asyncio.wait_for(asyncio.shield(waiter), wait_seconds)
        except BaseException as error:
            with self._lock:
                queued = (loop, waiter) in self._waiters
                if queued:
                    self._waiters.remove((loop, waiter))
            if not queued:  # the slot was handed over meanwhile: pass it on
                if waiter.done() and not waiter.cancelled():
                    self.release()
                else:
                    waiter.add_done_callback(self._release_unless_cancelled)
            if isinstance(error, TimeoutError):
                raise GateBusy(
                    "other large requests are being decoded; "
                    f"none finished within {wait_seconds:g} s"
                ) from None
            raise

    def release(self) -> None:
        with self._lock:
            while self._waiters:
                loop, waiter = self._waiters.popleft()
                if loop.is_closed():
                    continue
                loop.call_soon_threadsafe(_hand_over, waiter)
                return
            self._free = min(self._free + 1, self.slots)

    def _release_unless_cancelled(self, waiter: asyncio.Future[None]) -> None:
        """A slot handed to a waiter that gave up meanwhile goes back (or to the next one)."""
        if not waiter.cancelled():
            self.release()


def _hand_over(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


GATE = Gate(LARGE_SLOTS)


def _mib(size: int) -> str:
    return f"{size // MIB} MiB" if size % MIB == 0 else f"{size} bytes"
