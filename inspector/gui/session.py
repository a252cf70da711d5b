"""The config, the chosen profile and its pipeline, shared by every document tab.

A choice is a profile name or a namespace (as the server picks by ``X-Namespace``); empty
means namespace ``default``, like ``decode`` without ``--profile``/``--namespace``.
Changing it replaces the pipeline (the old one is closed once its work is cancelled).
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
from inspector.pipelines import PipelinePool, choose
from inspector.protobufs import MessageTypes, cached_message_types
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
    """Owns the config, the current profile choice and the pipeline built from it."""

    changed = Signal()  # the profile or the config changed: results are stale
    redaction_changed = Signal()  # the rules changed: what is shown, not the results

    def __init__(self, config_path: str | Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.config_path = config_path
        self.state = read_config(config_path)
        self.choice: str | None = None
        self._exact: tuple[str | None, str | None] | None = None
        self.profile: Profile | None = None
        self.namespace: str | None = None
        self.error: str | None = None
        self.generation = 0
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
        self._resolve()

    @property
    def config(self) -> Config:
        return self.state.config

    @property
    def cache(self) -> BlobCache:
        """The blobs retrieved so far, shared by every pipeline of this config."""
        return self._pipelines.cache

    @property
    def profile_label(self) -> str:
        """How captions and the status bar name the profile (never a key)."""
        if self.profile is None:
            return "none"
        if self.namespace and self.namespace not in self.config.profiles:
            return f"{self.profile.name} (namespace {self.namespace})"
        return self.profile.name

    def reload_config(self, config_path: str | Path | None = None) -> None:
        """Read the config again (Settings → Reload, or another file)."""
        if config_path is not None:
            self.config_path = config_path
        self.state = read_config(self.config_path)
        self._set_redaction(self.rules)
        self._pipelines.reset(self.state.config, BlobCache(self.state.config.server.cache_bytes))
        self._resolve()
        self._changed()

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

    def select(self, choice: str | None) -> None:
        """The toolbar's text: a profile by name, else the profile serving that namespace."""
        choice = (choice or "").strip() or None
        if choice == self.choice and self._exact is None and self.error is None:
            return
        self.choice, self._exact = choice, None
        self._resolve()
        self._changed()

    def select_exact(self, *, profile: str | None = None, namespace: str | None = None) -> None:
        """``--profile NAME`` or ``--namespace NS``, exactly as ``decode`` reads them."""
        self.choice = profile or namespace
        self._exact = (profile, namespace)
        self._resolve()
        self._changed()

    def _resolve(self) -> None:
        self._pipelines.clear()  # the old pipeline closes once its work is cancelled
        self.error = None
        try:
            self.profile, self.namespace = choose(self.config, self.choice, exact=self._exact)
        except ConfigError as e:
            self.profile, self.namespace, self.error = None, self.choice, str(e)

    def pipeline(self) -> Pipeline:
        """The current pipeline, built on first use; raises ``ConfigError``."""
        if self.profile is None:
            raise ConfigError(self.error or "no profile selected")
        try:
            return self._pipelines.pipeline(self.profile, self.namespace)
        except ConfigError as e:
            self.error = str(e)
            raise

    async def message_types(self) -> MessageTypes:
        """The protobuf messages the current profile knows, loaded on a worker thread (once
        per set of descriptor files); raises ``ProtoDescriptorError``."""
        sources = self.profile.proto_descriptors if self.profile is not None else ()
        return await asyncio.to_thread(cached_message_types, sources)

    def clear_cache(self) -> None:
        """Forget retrieved blobs, so a refresh asks the storage again."""
        self.cache.clear()

    def _changed(self) -> None:
        self.generation += 1
        self.changed.emit()

    async def aclose(self) -> None:
        """Close the pipeline and wait for earlier ones to finish closing."""
        self._pipelines.clear()
        if closing := self._pipelines.closing:
            await asyncio.wait(closing, timeout=5.0)


async def _close_quietly(pipeline: Pipeline) -> None:
    await asyncio.sleep(0)  # let cancelled work unwind first
    try:
        await pipeline.aclose()
    except Exception as e:  # closing must never fail the app
        log.warning("closing pipeline %s: %s", pipeline.name, e)
