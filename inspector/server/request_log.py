"""The request log: one JSON line per request on a stream, and the same records to subscribers.

The headless server writes it to stderr; the GUI subscribes to show it live. A record says
who asked what and how it went — never payload contents.

GUI use (callbacks run on the server's event loop thread, in request order)::

    log = RequestLog()                      # no stream: nothing is written
    unsubscribe = log.subscribe(on_record)  # on_record(record: RequestRecord) -> None
    server = CodecServer(config, log=log)
    ...
    log.recent()                            # the last records, oldest first
    unsubscribe()
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii
from typing import TextIO

from aiohttp import web

Subscriber = Callable[["RequestRecord"], None]

# What a handler tells the log about its request (the middleware fills in the rest).
NAMESPACE = web.RequestKey("inspector_namespace", str)
PAYLOAD_COUNT = web.RequestKey("inspector_payload_count", int)
BYTES_IN = web.RequestKey("inspector_bytes_in", int)
ERROR = web.RequestKey("inspector_error", str)


@dataclass(slots=True)
class RequestRecord:
    """One answered request. ``payloads`` is None when the body was never read.

    Not frozen, though no one changes one: a frozen dataclass took four times as long to make,
    and every request makes one. Subscribers get the record the log keeps, and must not
    change it.
    """

    time: str
    method: str
    path: str
    namespace: str | None
    status: int
    duration_ms: float
    payloads: int | None
    bytes_in: int
    bytes_out: int
    error: str | None = None

    def to_json(self) -> str:
        """What ``json.dumps(asdict(self), ensure_ascii=True, separators=(",", ":"))`` gives,
        written directly: on a busy server the generic dump was a tenth of a small request."""
        return _LINE % (
            _quote(self.time),
            _quote(self.method),
            _quote(self.path),
            _json_or_null(self.namespace),
            self.status,
            self.duration_ms,
            _json_or_null(self.payloads),
            self.bytes_in,
            self.bytes_out,
            _json_or_null(self.error),
        )


_LINE = (
    '{"time":%s,"method":%s,"path":%s,"namespace":%s,"status":%d,"duration_ms":%r,'
    '"payloads":%s,"bytes_in":%d,"bytes_out":%d,"error":%s}'
)
_quote = encode_basestring_ascii  # json.dumps's own string writer


class _Clock:
    """``datetime.now(UTC).isoformat(timespec="milliseconds")`` at a quarter of its cost: the
    date and time to the second are written once a second, the milliseconds each time."""

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def now(self) -> str:
        now = time.time()
        second = int(now)
        if second != self._second:
            self._prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = second
        return f"{self._prefix}.{int((now - second) * 1000):03d}+00:00"


timestamp = _Clock().now


def _json_or_null(value: str | int | None) -> str:
    if value is None:
        return "null"
    return _quote(value) if isinstance(value, str) else str(int(value))


class RequestLog:
    """Fans each record out to an optional text stream and to subscribers; keeps the last few."""

    def __init__(self, stream: TextIO | None = None, *, keep: int = 1000) -> None:
        self.stream = stream
        self._recent: deque[RequestRecord] = deque(maxlen=keep)
        self._subscribers: list[Subscriber] = []
        self._pending: list[str] = []  # lines of this loop turn, written at its end
        self._flush_scheduled = False

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(record)`` for every later request; returns the unsubscribe function."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def recent(self) -> list[RequestRecord]:
        """The last records kept, oldest first (a panel opened late can show history)."""
        return list(self._recent)

    def emit(self, record: RequestRecord) -> None:
        self._recent.append(record)
        if self.stream is not None:
            self._pending.append(record.to_json())
            self._flush_soon()
        for callback in list(self._subscribers):
            try:
                callback(record)
            except Exception:  # a subscriber's bug must not take the server down
                continue

    def flush(self) -> None:
        """Write the lines not written yet (the app's cleanup calls this, so none is lost)."""
        self._flush_scheduled = False
        if not self._pending or self.stream is None:
            return
        text = "\n".join(self._pending) + "\n"
        self._pending.clear()
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass  # a closed stderr must not fail the request

    def _flush_soon(self) -> None:
        """Write at the end of this turn of the event loop, once for all the answers it gave.

        Why: a write to stderr was a tenth of a small request's cost on a busy server. The
        line follows its answer by microseconds, on the loop's next turn; outside a running
        loop it is written at once.
        """
        if self._flush_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._flush_scheduled = True
        loop.call_soon(self.flush)
