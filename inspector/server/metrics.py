"""``GET /metrics``: what the server did, in Prometheus' text format (``prometheus_client``).

Requests by route, namespace and status; latency by route; payload bytes in and out; blob
cache hits and misses; storage errors by driver. Under several worker processes
(``serve --workers N``, or gunicorn run by hand with ``PROMETHEUS_MULTIPROC_DIR`` set) every
worker writes its counts to files in that folder and a scrape, whichever worker answers it,
sums them all (another worker's counts are at most ``FLUSH_SECONDS`` old).

Why plain counts first: a request only adds to a few integers here (about a microsecond);
``prometheus_client``'s own increments, with their locks and, under workers, their shared
files, cost several times that, so they are made from those counts when a scrape asks (and
every ``FLUSH_SECONDS`` under workers), not once per request.
"""

from __future__ import annotations

import asyncio
import os
from bisect import bisect_left
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)

from inspector.storage.cache import BlobCache

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
MAX_NAMESPACE_LABELS = 100  # distinct namespaces counted by name; the rest as "other"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
CONTENT_TYPE = CONTENT_TYPE_LATEST
FLUSH_SECONDS = 1.0  # under workers: how often each one writes its counts to the shared files

_multiprocess_pid: int | None = None


def _use_multiprocess_values() -> str | None:
    """The multiprocess folder, once this process's metrics write there (set after a fork:
    the variable may have been set after ``prometheus_client`` was first imported)."""
    global _multiprocess_pid
    path = os.environ.get(MULTIPROCESS_ENV)
    if path and _multiprocess_pid != os.getpid():
        values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
        _multiprocess_pid = os.getpid()
    return path or None


class Metrics:
    """The server's counters and histograms, on a registry of its own (one per app)."""

    def __init__(self) -> None:
        self.multiprocess_dir = _use_multiprocess_values()
        self.registry = CollectorRegistry(auto_describe=False)
        r = self.registry
        self._requests = Counter(
            "inspector_requests",
            "Requests answered, by route, namespace and status.",
            ["route", "namespace", "status"],
            registry=r,
        )
        self._latency = Histogram(
            "inspector_request_duration_seconds",
            "Time to answer, by route.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self._bytes = Counter(
            "inspector_payload_bytes",
            "Request and answer body bytes of the payload routes, as sent.",
            ["direction", "route"],
            registry=r,
        )
        self.cache_hits = Counter(
            "inspector_blob_cache_hits", "Retrieved blobs served from the cache.", registry=r
        )
        self.cache_misses = Counter(
            "inspector_blob_cache_misses", "Blobs looked up and not in the cache.", registry=r
        )
        self._storage_errors = Counter(
            "inspector_storage_errors",
            "Payloads whose retrieval failed, by storage driver.",
            ["driver"],
            registry=r,
        )
        self._namespaces: set[str] = set()
        self._cache: BlobCache | None = None
        self._seen = (0, 0)
        # What requests added since the last flush (plain integers: cheap to add to).
        self._requests_new: dict[tuple[str, str, int], int] = {}
        self._latency_new: dict[str, list[float]] = {}  # per route: bucket counts, then sum
        self._bytes_new: dict[tuple[str, str], int] = {}
        self._flush_scheduled = False

    def observe(
        self,
        route: str,
        namespace: str,
        status: int,
        seconds: float,
        bytes_in: int,
        bytes_out: int,
    ) -> None:
        """Count one answered request."""
        label = namespace if namespace in self._namespaces else self._namespace_label(namespace)
        key = (route, label, status)
        self._requests_new[key] = self._requests_new.get(key, 0) + 1
        latency = self._latency_new.get(route)
        if latency is None:
            latency = self._latency_new[route] = [0.0] * (len(LATENCY_BUCKETS) + 2)
        latency[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        latency[-1] += seconds
        if bytes_in:
            sent = ("in", route)
            self._bytes_new[sent] = self._bytes_new.get(sent, 0) + bytes_in
        if bytes_out and status < 300:
            answered = ("out", route)
            self._bytes_new[answered] = self._bytes_new.get(answered, 0) + bytes_out
        if self.multiprocess_dir is not None and not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_later(FLUSH_SECONDS, self._flush_later)

    def _flush_later(self) -> None:
        self._flush_scheduled = False
        self.flush()

    def flush(self) -> None:
        """Add what was counted since the last flush to the exported metrics."""
        requests, self._requests_new = self._requests_new, {}
        for (route, namespace, status), count in requests.items():
            self._requests.labels(route, namespace, str(status)).inc(count)
        latencies, self._latency_new = self._latency_new, {}
        for route, counts in latencies.items():
            child = self._latency.labels(route)
            # prometheus_client keeps a histogram as one value per bucket (each observation
            # counted in its first bucket) and the sum: add the counts the same way.
            for bucket, observed in zip(child._buckets, counts[:-1], strict=True):
                if observed:
                    bucket.inc(observed)
            child._sum.inc(counts[-1])
        sizes, self._bytes_new = self._bytes_new, {}
        for (direction, route), size in sizes.items():
            self._bytes.labels(direction, route).inc(size)

    def storage_errors(self, drivers: Iterable[str]) -> None:
        for driver in drivers:
            self._storage_errors.labels(driver[:100]).inc()

    def cache_moved(self, cache: BlobCache) -> None:
        """Add what the cache counted since the last look (a reload starts a fresh cache)."""
        if cache is not self._cache:
            self._cache, self._seen = cache, (0, 0)
        hits, misses = cache.hits, cache.misses
        if hits != self._seen[0]:
            self.cache_hits.inc(hits - self._seen[0])
        if misses != self._seen[1]:
            self.cache_misses.inc(misses - self._seen[1])
        self._seen = (hits, misses)

    def _namespace_label(self, namespace: str) -> str:
        if namespace in self._namespaces:
            return namespace
        if len(self._namespaces) >= MAX_NAMESPACE_LABELS:
            return "other"
        self._namespaces.add(namespace)
        return namespace

    def exposition(self) -> bytes:
        """The text format: this process's counts, or every worker's summed."""
        self.flush()
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry(auto_describe=False)
        multiprocess.MultiProcessCollector(registry, path=self.multiprocess_dir)  # type: ignore[no-untyped-call]
        return generate_latest(registry)


def worker_exited(pid: int) -> None:
    """For the gunicorn arbiter: drop a dead worker's live-gauge files (counters stay)."""
    if os.environ.get(MULTIPROCESS_ENV):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
