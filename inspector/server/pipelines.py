"""One Pipeline per profile, built on first use and reused, sharing one blob cache.

Reuse matters: a pipeline holds open S3 clients and HTTP sessions, and the shared
``BlobCache`` makes repeated Download clicks and CLI shows answer without fetching again.
"""

from __future__ import annotations

from collections.abc import Callable

from inspector.pipeline import Pipeline
from inspector.profiles import Config, Profile
from inspector.runtime import build_pipeline
from inspector.storage.cache import BlobCache

Builder = Callable[..., Pipeline]


class PipelineRegistry:
    """Pipelines by profile (and by namespace for profiles with a remote codec)."""

    def __init__(self, config: Config, cache: BlobCache, *, build: Builder = build_pipeline):
        self.config = config
        self.cache = cache
        self._build = build
        self._pipelines: dict[tuple[str, str | None], Pipeline] = {}

    def profile_for(self, namespace: str) -> Profile | None:
        return self.config.profile_for_namespace(namespace)

    def get(self, profile: Profile, namespace: str) -> Pipeline:
        """The profile's pipeline; raises ``ConfigError`` if it cannot be built."""
        # A remote codec forwards X-Namespace, so its pipeline is per namespace.
        remote = any(c.type == "remote" for c in (*profile.codecs, *profile.proxy_codecs))
        key = (profile.name, namespace if remote else None)
        pipeline = self._pipelines.get(key)
        if pipeline is None:
            pipeline = self._build(profile, cache=self.cache, namespace=key[1])
            self._pipelines[key] = pipeline
        return pipeline

    def build_all(self) -> None:
        """Build every profile now, so a broken codec or driver is reported at start-up."""
        for profile in self.config.profiles.values():
            key = (profile.name, None)
            if key not in self._pipelines:
                self._pipelines[key] = self._build(profile, cache=self.cache, namespace=None)

    def swap(self, config: Config, cache: BlobCache) -> list[Pipeline]:
        """Serve ``config`` from now on (a reload); returns the old pipelines, to close later.

        Every new profile is built first, so a broken one raises ``ConfigError`` and nothing
        changes; requests already running finish on the pipelines they have.
        """
        fresh = PipelineRegistry(config, cache, build=self._build)
        fresh.build_all()
        old = list(self._pipelines.values())
        self.config, self.cache, self._pipelines = config, cache, fresh._pipelines
        return old

    async def aclose(self) -> None:
        """Close every pipeline (S3 clients, HTTP sessions); one failing does not stop the rest."""
        pipelines, self._pipelines = list(self._pipelines.values()), {}
        for pipeline in pipelines:
            try:
                await pipeline.aclose()
            except Exception:
                continue
