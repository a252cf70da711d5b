"""A bounded in-memory cache of retrieved blobs, so repeated Downloads do not fetch again."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from temporalio.api.common.v1 import Payload


class BlobCache:
    """Least-recently-used, bounded by the serialized size of what it holds."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[bytes, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Payload | None:
        """A fresh Payload each time: callers may change what they get."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
        payload = Payload()
        payload.ParseFromString(item[0])
        return payload

    def put(self, key: Hashable, payload: Payload) -> None:
        blob = payload.SerializeToString()
        if len(blob) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= old[1]
            self._items[key] = (blob, len(blob))
            self._size += len(blob)
            while self._size > self.max_bytes:
                _, (_, size) = self._items.popitem(last=False)
                self._size -= size

    @property
    def size(self) -> int:
        return self._size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0
