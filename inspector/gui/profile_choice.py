"""One document's profile: a profile name or a namespace, what it resolves to, its pipeline.

Every tab has its own, so two histories of two namespaces (one encrypted, one compressed)
are read side by side, each with the keys it needs. The config and the pipelines are the
session's (``session.PipelineSession``): tabs on the same profile share one pipeline. A
choice is a profile name or a namespace, as the server picks by ``X-Namespace``; empty means
namespace ``default``, like ``decode`` without ``--profile``/``--namespace``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from inspector.config import Config, ConfigError, Profile
from inspector.pipeline import Pipeline
from inspector.pipelines import choose
from inspector.protobufs import MessageTypes, cached_message_types

if TYPE_CHECKING:
    from .session import PipelineSession


class ProfileChoice(QObject):
    """A choice and what it resolves to under the session's config; ``changed`` when either
    changes (results made under another ``generation`` are stale)."""

    changed = Signal()

    def __init__(self, session: PipelineSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.choice: str | None = None
        self._exact: tuple[str | None, str | None] | None = None
        self.profile: Profile | None = None
        self.namespace: str | None = None
        self.error: str | None = None
        self.generation = 0
        self.why: str | None = None  # how the choice was made, when not by the user
        self._resolve()
        session.changed.connect(self._config_changed)

    @property
    def config(self) -> Config:
        return self.session.config

    @property
    def profile_label(self) -> str:
        """How captions, tabs and the status bar name the profile (never a key)."""
        if self.profile is None:
            return "none"
        if self.namespace and self.namespace not in self.config.profiles:
            return f"{self.profile.name} (namespace {self.namespace})"
        return self.profile.name

    def select(self, choice: str | None, *, why: str | None = None) -> None:
        """A profile by name, else the profile serving that namespace (the toolbar's text)."""
        choice = (choice or "").strip() or None
        self.why = why
        if choice == self.choice and self._exact is None and self.error is None:
            return
        self.choice, self._exact = choice, None
        self._resolve()
        self._changed()

    def select_exact(self, *, profile: str | None = None, namespace: str | None = None) -> None:
        """``--profile NAME`` or ``--namespace NS``, exactly as ``decode`` reads them."""
        self.choice, self.why = profile or namespace, "given on the command line"
        self._exact = (profile, namespace)
        self._resolve()
        self._changed()

    def copy_from(self, other: ProfileChoice) -> None:
        """Take another choice as it is (a new tab starts with the last one chosen)."""
        self.choice, self._exact, self.why = other.choice, other._exact, other.why
        self._resolve()
        self._changed()

    def pipeline(self) -> Pipeline:
        """The chosen profile's pipeline, built on first use; raises ``ConfigError``."""
        if self.profile is None:
            raise ConfigError(self.error or "no profile selected")
        try:
            return self.session.pipeline_for(self.profile, self.namespace)
        except ConfigError as e:
            self.error = str(e)
            raise

    async def message_types(self) -> MessageTypes:
        """The protobuf messages the profile knows, loaded on a worker thread (once per set
        of descriptor files); raises ``ProtoDescriptorError``."""
        sources = self.profile.proto_descriptors if self.profile is not None else ()
        return await asyncio.to_thread(cached_message_types, sources)

    def _config_changed(self) -> None:
        """Another config: the same text may now mean another profile, or none."""
        self._resolve()
        self._changed()

    def _resolve(self) -> None:
        self.error = None
        try:
            self.profile, self.namespace = choose(self.config, self.choice, exact=self._exact)
        except ConfigError as e:
            self.profile, self.namespace, self.error = None, self.choice, str(e)

    def _changed(self) -> None:
        self.generation += 1
        self.changed.emit()
