"""The server's pipelines: one pool (``inspector.pipelines``) that a reload swaps whole.

Requests lease their pipeline from the pool for as long as they run; the pool keeps one
pipeline per profile, and per namespace (bounded, least recently used first out) for a
profile whose codecs are sent ``X-Namespace``.
"""

from __future__ import annotations

from inspector.config import Config
from inspector.pipeline import Pipeline
from inspector.pipelines import NAMESPACE_PIPELINES, PipelinePool
from inspector.storage.cache import BlobCache

__all__ = ["NAMESPACE_PIPELINES", "PipelineRegistry"]


class PipelineRegistry(PipelinePool):
    """Pipelines by profile (and by namespace, bounded, for profiles with a remote codec)."""

    def swap(self, config: Config, cache: BlobCache) -> list[Pipeline]:
        """Serve ``config`` from now on (a reload); returns the old pipelines, to close later.

        Every new profile is built first, so a broken one raises ``ConfigError`` and nothing
        changes; requests already running finish on the pipelines they have.
        """
        fresh = PipelinePool(config, cache, build=self._build)
        fresh.build_all()
        old = self.take_all()
        self.config, self.cache, self._pipelines = config, cache, fresh._pipelines
        return old
