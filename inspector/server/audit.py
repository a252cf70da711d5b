"""The audit log: one JSON line per codec request saying who read what — never payloads.

A line names the caller (token subject and email), the namespace, the route, how many
payloads, the claim keys of the references fetched (``/download``, and ``/decode`` without
``preserveStorageRefs``), the status and the time taken; never payload contents or a token.
Lines go to a file opened for appending (``[server] audit_log``) or to stderr, each in one
``write`` of its own, so several worker processes can share the file without mixing
lines. Writing happens on a thread of its own: a slow disk never stalls the event loop.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from temporalio.api.common.v1 import Payload

from inspector.references import ReferenceFormatError, is_plain_reference, parse_reference

MAX_KEYS = 100  # claim keys named per line; a longer list ends with "…"
MAX_KEY_CHARS = 300
_STOP = object()


@dataclass(frozen=True)
class AuditRecord:
    """One codec request, as the audit log writes it."""

    time: str
    pid: int
    subject: str | None
    email: str | None
    namespace: str | None
    route: str
    payloads: int | None
    claim_keys: list[str] | None
    status: int
    duration_ms: float
    error: str | None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=True, separators=(",", ":"))


def claim_keys(payloads: Sequence[Payload]) -> list[str]:
    """The ``key`` of each plain reference's claim (marked ones are codec-encoded: unread)."""
    keys: list[str] = []
    for payload in payloads:
        if not is_plain_reference(payload):
            continue
        try:
            claim = parse_reference(payload).claim
        except ReferenceFormatError:
            continue
        key = claim.get("key") or ""
        keys.append(key[:MAX_KEY_CHARS])
        if len(keys) >= MAX_KEYS:
            keys.append("…")
            break
    return keys


class AuditLog:
    """Appends records to ``path`` (or stderr, with no path) from a writer thread."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def destination(self) -> str:
        return str(self.path) if self.path is not None else "stderr"

    def open(self) -> None:
        """Open the file now (it is created 0600), so a bad path fails at start-up."""
        if self.path is not None:
            os.close(self._open_fd())

    def record(self, record: AuditRecord) -> None:
        """Queue one line; never blocks and never fails the request."""
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._write_all, name="inspector-audit", daemon=True
                    )
                    self._thread.start()
        self._queue.put(record.to_json() + "\n")

    def close(self) -> None:
        """Write what is queued, then stop the writer."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(10)

    def _open_fd(self) -> int:
        assert self.path is not None
        return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def _write_all(self) -> None:
        fd = 2
        if self.path is not None:
            try:
                fd = self._open_fd()
            except OSError:
                fd = -1  # reported at start-up by open(); lines are dropped, requests go on
        try:
            while True:
                item = self._queue.get()
                if item is _STOP:
                    return
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        os.write(fd, str(item).encode())
        finally:
            if fd > 2:
                os.close(fd)
