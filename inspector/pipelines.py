"""Which profile and which pipeline serve a namespace: one owner, for the server and the app.

A profile is chosen by name or by namespace (:func:`choose`, ``Config.select``); its pipeline
is built on first use and reused, all of them sharing one blob cache. Reuse matters: a
pipeline holds open S3 clients and HTTP sessions, and the shared ``BlobCache`` makes repeated
Download clicks and CLI shows answer without fetching again.

A profile whose codecs are sent the namespace (``remote``) needs a pipeline per namespace,
and a ``"*"`` profile sees any namespace a client names: those are kept in a bounded LRU, so
a stream of new namespaces cannot pile up pipelines and their sockets. An evicted pipeline is
closed once the work using it (its leases) is done.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from inspector.config import Config, Profile
from inspector.pipeline import Pipeline
from inspector.runtime import build_pipeline
from inspector.storage.cache import BlobCache

Builder = Callable[..., Pipeline]
Closer = Callable[[Pipeline], Coroutine[Any, Any, None]]
NAMESPACE_PIPELINES = 64  # per-namespace pipelines kept; the least recently used go first


def choose(
    config: Config,
    choice: str | None,
    *,
    exact: tuple[str | None, str | None] | None = None,
) -> tuple[Profile, str | None]:
    """The profile and the namespace a choice means; raises ``ConfigError``.

    ``exact`` is ``(--profile, --namespace)`` exactly as ``decode`` reads them; otherwise
    ``choice`` is a profile's name or else a namespace (None: namespace ``default``).
    """
    if exact is not None:
        profile, namespace = exact
        return config.select(profile=profile, namespace=namespace), namespace
    if choice is not None and choice in config.profiles:
        return config.select(profile=choice), None
    return config.select(namespace=choice), choice


async def close_quietly(pipeline: Pipeline) -> None:
    """Close a pipeline; a failure to close is no one's concern by now."""
    try:
        await pipeline.aclose()
    except Exception:
        return


@dataclass
class _Entry:
    """A per-namespace pipeline, how many users lease it, and whether it has been evicted."""

    pipeline: Pipeline
    leases: int = 0
    evicted: bool = False


class PipelinePool:
    """Pipelines by profile, and by namespace (bounded) for profiles that are sent it.

    ``decode_budget`` bounds one operation by ``[server] max_decoded_bytes`` (a request);
    without it only the per-payload bound applies. ``close`` closes a pipeline that left the
    pool, in a task of its own.
    """

    def __init__(
        self,
        config: Config,
        cache: BlobCache,
        *,
        build: Builder = build_pipeline,
        namespace_pipelines: int = NAMESPACE_PIPELINES,
        decode_budget: bool = True,
        close: Closer = close_quietly,
    ):
        self.config = config
        self.cache = cache
        self._build = build
        self._namespace_pipelines = namespace_pipelines
        self._decode_budget = decode_budget
        self._close = close
        self._pipelines: dict[tuple[str, str | None], Pipeline] = {}
        self._by_namespace: OrderedDict[tuple[str, str | None], _Entry] = OrderedDict()
        self._closing: set[asyncio.Task[None]] = set()

    def profile_for(self, namespace: str) -> Profile | None:
        """The profile serving ``namespace`` (as the server picks by ``X-Namespace``)."""
        return self.config.profile_for_namespace(namespace)

    def pipeline(self, profile: Profile, namespace: str | None) -> Pipeline:
        """The profile's pipeline for ``namespace``, built on first use; raises ``ConfigError``."""
        if not profile.sees_namespace:
            return self._shared(profile)
        return self._entry(profile, namespace).pipeline

    def lease(self, profile: Profile, namespace: str) -> _Lease:
        """The profile's pipeline for the length of one request (``with pool.lease(...) as
        pipeline``); raises ``ConfigError`` if it cannot be built. A per-namespace pipeline
        evicted meanwhile is closed on the way out."""
        return _Lease(self, profile, namespace)

    def build_all(self) -> None:
        """Build every profile now, so a broken codec or driver is reported at start-up."""
        for profile in self.config.profiles.values():
            self._shared(profile)

    def clear(self) -> None:
        """Close every pipeline (in tasks of their own): the next use builds afresh."""
        for pipeline in self.take_all():
            self._close_soon(pipeline)

    def reset(self, config: Config, cache: BlobCache) -> None:
        """Serve ``config`` with ``cache`` from now on, closing every pipeline of the old one."""
        self.clear()
        self.config, self.cache = config, cache

    def take_all(self) -> list[Pipeline]:
        """Every pipeline, out of the pool and left open: whoever takes them closes them."""
        old = [*self._pipelines.values(), *(e.pipeline for e in self._by_namespace.values())]
        for entry in self._by_namespace.values():
            entry.evicted = False  # no longer closed when its last lease ends
        self._pipelines, self._by_namespace = {}, OrderedDict()
        return old

    @property
    def namespace_pipelines(self) -> int:
        """How many per-namespace pipelines are open now (kept, or evicted but still leased)."""
        return len(self._by_namespace) + len(self._closing)

    @property
    def closing(self) -> frozenset[asyncio.Task[None]]:
        """The pipelines being closed now."""
        return frozenset(self._closing)

    async def aclose(self) -> None:
        """Close every pipeline (S3 clients, HTTP sessions); one failing does not stop the rest."""
        for pipeline in self.take_all():
            await self._close(pipeline)
        for task in list(self._closing):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _make(self, profile: Profile, namespace: str | None) -> Pipeline:
        budget = self.config.server.max_decoded_bytes if self._decode_budget else None
        return self._build(profile, cache=self.cache, namespace=namespace, max_decoded_bytes=budget)

    def _shared(self, profile: Profile) -> Pipeline:
        key = (profile.name, None)
        pipeline = self._pipelines.get(key)
        if pipeline is None:
            pipeline = self._make(profile, None)
            self._pipelines[key] = pipeline
        return pipeline

    def _entry(self, profile: Profile, namespace: str | None) -> _Entry:
        key = (profile.name, namespace)
        entry = self._by_namespace.get(key)
        if entry is None:
            entry = _Entry(self._make(profile, namespace))
            self._by_namespace[key] = entry
            self._evict_beyond_bound()
        else:
            self._by_namespace.move_to_end(key)
        return entry

    def _evict_beyond_bound(self) -> None:
        while len(self._by_namespace) > self._namespace_pipelines:
            _, entry = self._by_namespace.popitem(last=False)
            entry.evicted = True
            if entry.leases == 0:
                self._close_soon(entry.pipeline)

    def _close_soon(self, pipeline: Pipeline) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            try:
                loop = asyncio.get_event_loop_policy().get_event_loop()
            except RuntimeError:
                return  # no loop left to close it on: the process is ending
        task = loop.create_task(self._close(pipeline))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)


class _Lease:
    """One request's hold on a pipeline (a plain class: every request takes one)."""

    __slots__ = ("_entry", "_namespace", "_pool", "_profile")

    def __init__(self, pool: PipelinePool, profile: Profile, namespace: str) -> None:
        self._pool, self._profile, self._namespace = pool, profile, namespace
        self._entry: _Entry | None = None

    def __enter__(self) -> Pipeline:
        if not self._profile.sees_namespace:
            return self._pool._shared(self._profile)
        entry = self._entry = self._pool._entry(self._profile, self._namespace)
        entry.leases += 1
        return entry.pipeline

    def __exit__(self, *_: object) -> None:
        entry = self._entry
        if entry is None:
            return
        entry.leases -= 1
        if entry.evicted and entry.leases == 0:
            self._pool._close_soon(entry.pipeline)
