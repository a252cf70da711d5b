"""A bounded in-memory cache of retrieved blobs, so repeated Downloads do not fetch again.

One cache serves every profile's pipeline, so its keys say whose blob it is
(``scoped_key``): a claim names a blob, not the store or the credentials that fetched it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from temporalio.api.common.v1 import Payload


def scoped_key(profile: str, driver: object, key: Hashable) -> Hashable:
    """``key`` (a reference's driver name and claim) as only this profile's driver sees it.

    Why: two profiles may have drivers of the same name over different stores or buckets
    (and a reload may point a profile elsewhere); an entry one driver fetched must never
    answer another's ask. The driver counts by identity, not by name or equality.
    """
    return (profile, _Identity(driver), key)


class _Identity:
    """Hashes and compares by the object's identity, and holds the object, so its ``id``
    cannot be reused by another driver while an entry refers to it."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Identity) and other.obj is self.obj


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
