"""One Pipeline per profile, built on first use and reused, sharing one blob cache.

Reuse matters: a pipeline holds open S3 clients and HTTP sessions, and the shared
``BlobCache`` makes repeated Download clicks and CLI shows answer without fetching again.

A profile with a ``remote`` codec needs a pipeline per namespace (the codec forwards
``X-Namespace``), and a ``"*"`` profile sees any namespace a client names: those are kept
in a bounded LRU, so a stream of new namespaces cannot pile up pipelines and their sockets.
An evicted pipeline is closed once the requests using it (its leases) are done.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from inspector.config import Config, Profile
from inspector.pipeline import Pipeline
from inspector.runtime import build_pipeline
from inspector.storage.cache import BlobCache

Builder = Callable[..., Pipeline]
NAMESPACE_PIPELINES = 64  # per-namespace pipelines kept; the least recently used go first


@dataclass
class _Entry:
    """A per-namespace pipeline, how many requests use it, and whether it has been evicted."""

    pipeline: Pipeline
    leases: int = 0
    evicted: bool = False


class PipelineRegistry:
    """Pipelines by profile (and by namespace, bounded, for profiles with a remote codec)."""

    def __init__(
        self,
        config: Config,
        cache: BlobCache,
        *,
        build: Builder = build_pipeline,
        namespace_pipelines: int = NAMESPACE_PIPELINES,
    ):
        self.config = config
        self.cache = cache
        self._build = build
        self._pipelines: dict[tuple[str, str | None], Pipeline] = {}
        self._by_namespace: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._namespace_pipelines = namespace_pipelines
        self._closing: set[asyncio.Task[None]] = set()

    def profile_for(self, namespace: str) -> Profile | None:
        return self.config.profile_for_namespace(namespace)

    @contextlib.contextmanager
    def lease(self, profile: Profile, namespace: str) -> Iterator[Pipeline]:
        """The profile's pipeline for the length of one request; raises ``ConfigError`` if it
        cannot be built. A per-namespace pipeline evicted meanwhile is closed on the way out."""
        if not _per_namespace(profile):
            yield self._shared(profile)
            return
        key = (profile.name, namespace)
        entry = self._by_namespace.get(key)
        if entry is None:
            entry = _Entry(self._make(profile, namespace))
            self._by_namespace[key] = entry
            self._evict_beyond_bound()
        else:
            self._by_namespace.move_to_end(key)
        entry.leases += 1
        try:
            yield entry.pipeline
        finally:
            entry.leases -= 1
            if entry.evicted and entry.leases == 0:
                self._close_soon(entry.pipeline)

    def _make(self, profile: Profile, namespace: str | None) -> Pipeline:
        return self._build(
            profile,
            cache=self.cache,
            namespace=namespace,
            max_decoded_bytes=self.config.server.max_decoded_bytes,
        )

    def _shared(self, profile: Profile) -> Pipeline:
        key = (profile.name, None)
        pipeline = self._pipelines.get(key)
        if pipeline is None:
            pipeline = self._make(profile, None)
            self._pipelines[key] = pipeline
        return pipeline

    def _evict_beyond_bound(self) -> None:
        while len(self._by_namespace) > self._namespace_pipelines:
            _, entry = self._by_namespace.popitem(last=False)
            entry.evicted = True
            if entry.leases == 0:
                self._close_soon(entry.pipeline)

    def _close_soon(self, pipeline: Pipeline) -> None:
        task = asyncio.ensure_future(_close_quietly(pipeline))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    @property
    def namespace_pipelines(self) -> int:
        """How many per-namespace pipelines are open now (kept, or evicted but still leased)."""
        return len(self._by_namespace) + len(self._closing)

    def build_all(self) -> None:
        """Build every profile now, so a broken codec or driver is reported at start-up."""
        for profile in self.config.profiles.values():
            key = (profile.name, None)
            if key not in self._pipelines:
                self._pipelines[key] = self._make(profile, None)

    def swap(self, config: Config, cache: BlobCache) -> list[Pipeline]:
        """Serve ``config`` from now on (a reload); returns the old pipelines, to close later.

        Every new profile is built first, so a broken one raises ``ConfigError`` and nothing
        changes; requests already running finish on the pipelines they have.
        """
        fresh = PipelineRegistry(config, cache, build=self._build)
        fresh.build_all()
        old = [*self._pipelines.values(), *(e.pipeline for e in self._by_namespace.values())]
        for entry in self._by_namespace.values():
            entry.evicted = False  # the caller closes these, after a grace: not on release
        self.config, self.cache, self._pipelines = config, cache, fresh._pipelines
        self._by_namespace = OrderedDict()
        return old

    async def aclose(self) -> None:
        """Close every pipeline (S3 clients, HTTP sessions); one failing does not stop the rest."""
        pipelines = [*self._pipelines.values(), *(e.pipeline for e in self._by_namespace.values())]
        self._pipelines, self._by_namespace = {}, OrderedDict()
        for pipeline in pipelines:
            await _close_quietly(pipeline)
        for task in list(self._closing):
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _per_namespace(profile: Profile) -> bool:
    """A remote codec forwards X-Namespace, so its pipeline is per namespace."""
    return any(c.type == "remote" for c in (*profile.codecs, *profile.proxy_codecs))


async def _close_quietly(pipeline: Pipeline) -> None:
    try:
        await pipeline.aclose()
    except Exception:
        return
