"""The config and the pipelines built from it, shared by every document tab.

Each tab chooses its own profile (``profile_choice.ProfileChoice``); the pipelines are
kept here, one per profile, so tabs on the same profile share one, and a reload of the
config replaces them all (the old ones are closed once their work is cancelled).
The redaction rules (the user's, then the config's) live here too: every tab shows its
values through them, and changing them re-renders without decoding again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from inspector.config import (
    Config,
    ConfigError,
    Profile,
    config_path_in_use,
    embedded_default,
    load_config,
)
from inspector.pipeline import Pipeline
from inspector.pipelines import PipelinePool
from inspector.redaction import Redaction
from inspector.storage.cache import BlobCache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConfigState:
    """Which config is in use, where it came from, and what was wrong with the file."""

    config: Config
    path: Path  # the file looked for (may not exist)
    explicit: bool  # --config or $PAYLOAD_INSPECTOR_CONFIG named it
    error: str | None  # the file's error; the embedded default is in use then

    @property
    def source_label(self) -> str:
        if self.error is not None:
            return f"embedded default (the config file has errors: {self.path})"
        return str(self.config.source) if self.config.source else "embedded default"


def read_config(explicit: str | Path | None) -> ConfigState:
    """Load the config; a broken file falls back to the embedded default with its error."""
    path, asked = config_path_in_use(explicit)
    try:
        return ConfigState(load_config(explicit), path, asked, None)
    except ConfigError as e:
        return ConfigState(embedded_default(), path, asked, str(e))


class PipelineSession(QObject):
    """Owns the config, its pipelines and the redaction rules."""

    changed = Signal()  # the config changed: every tab's results are stale
    redaction_changed = Signal()  # the rules changed: what is shown, not the results

    def __init__(self, config_path: str | Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.config_path = config_path
        self.state = read_config(config_path)
        self.rules: tuple[str, ...] = ()  # the rules editor's (or --redact), before the config's
        self.redaction = Redaction.of(self.rules, self.state.config.redaction_rules)
        # The app keeps decoded payloads within its own memory budget and decodes a whole
        # document as one operation: only the per-payload bound applies here.
        self._pipelines = PipelinePool(
            self.state.config,
            BlobCache(self.state.config.server.cache_bytes),
            decode_budget=False,
            close=_close_quietly,
        )

    @property
    def config(self) -> Config:
        return self.state.config

    @property
    def cache(self) -> BlobCache:
        """The blobs retrieved so far, shared by every pipeline of this config."""
        return self._pipelines.cache

    def reload_config(self, config_path: str | Path | None = None) -> None:
        """Read the config again (Settings → Reload, or another file)."""
        if config_path is not None:
            self.config_path = config_path
        self.state = read_config(self.config_path)
        self._set_redaction(self.rules)
        self._pipelines.reset(self.state.config, BlobCache(self.state.config.server.cache_bytes))
        self.changed.emit()

    def set_rules(self, rules: Sequence[str]) -> None:
        """The user's rules (applied before the config's); ``RedactionError`` for a bad one."""
        Redaction.parse(rules)
        self._set_redaction(tuple(rules))

    def _set_redaction(self, rules: tuple[str, ...]) -> None:
        redaction = Redaction.of(rules, self.state.config.redaction_rules)
        self.rules = rules
        if redaction != self.redaction:
            self.redaction = redaction
            self.redaction_changed.emit()

    def pipeline_for(self, profile: Profile, namespace: str | None) -> Pipeline:
        """The profile's pipeline (shared by every tab on it), built on first use; raises
        ``ConfigError``."""
        return self._pipelines.pipeline(profile, namespace)

    def clear_cache(self) -> None:
        """Forget retrieved blobs, so a refresh asks the storage again."""
        self.cache.clear()

    async def aclose(self) -> None:
        """Close the pipelines and wait for earlier ones to finish closing."""
        self._pipelines.clear()
        if closing := self._pipelines.closing:
            await asyncio.wait(closing, timeout=5.0)


async def _close_quietly(pipeline: Pipeline) -> None:
    await asyncio.sleep(0)  # let cancelled work unwind first
    try:
        await pipeline.aclose()
    except Exception as e:  # closing must never fail the app
        log.warning("closing pipeline %s: %s", pipeline.name, e)
