"""What the app remembers between runs: geometry, recent files, profile, server.

It lives in a file written atomically (``settings_store``), not QSettings' own.

Secrets are never stored here: the server token comes from the config file or is made
fresh for the session; only whether to require one is remembered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import platformdirs
from PySide6.QtCore import QByteArray, QSettings

from inspector.config import APP_NAME, DEFAULT_ORIGINS
from inspector.views import VIEWS

from .settings_store import JsonFileStore

MAX_RECENT = 10
FILE_PROFILES_KEPT = 200  # files whose profile is remembered, per config file


class _Store(Protocol):
    def value(self, key: str, defaultValue: Any = None) -> Any: ...
    def setValue(self, key: str, value: Any) -> None: ...
    def remove(self, key: str) -> None: ...
    def sync(self) -> None: ...


class _MemoryStore:
    """Settings that live only as long as the object: headless screenshots, scripts."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def value(self, key: str, defaultValue: Any = None) -> Any:
        return self._values.get(key, defaultValue)

    def setValue(self, key: str, value: Any) -> None:
        self._values[key] = value

    def remove(self, key: str) -> None:
        self._values.pop(key, None)

    def sync(self) -> None:
        pass


@dataclass(frozen=True)
class ServerPrefs:
    """The codec server panel's fields; ``None`` means "use the config file's value"."""

    host: str | None = None
    port: int | None = None
    allowed_origins: tuple[str, ...] | None = None
    require_token: bool = False


def _as_list(raw: Any) -> list[str]:
    """QSettings returns a one-element list as a plain string in INI files; undo that."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        return [raw]
    return [str(item) for item in raw]


def _as_bool(raw: Any, default: bool = False) -> bool:
    if raw is None:
        return default
    if isinstance(raw, str):
        return raw.lower() in ("1", "true", "yes")
    return bool(raw)


def _as_int(raw: Any) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        return None


class AppSettings:
    """Typed access to the app's QSettings (or to a throwaway in-memory store)."""

    def __init__(self, store: QSettings | _Store | None = None) -> None:
        # Our own atomic file, not QSettings': a full disk must not truncate the settings.
        self._store: _Store = store if store is not None else JsonFileStore(default_path())

    @classmethod
    def at(cls, path: str | Path) -> AppSettings:
        """Settings in a file of their own (tests use a temp dir)."""
        return cls(JsonFileStore(path))

    @classmethod
    def ephemeral(cls) -> AppSettings:
        """Settings that are never written anywhere."""
        return cls(_MemoryStore())

    # -- window ------------------------------------------------------------------------
    def geometry(self) -> QByteArray | None:
        raw = self._store.value("window/geometry")
        return raw if isinstance(raw, QByteArray) and not raw.isEmpty() else None

    def set_geometry(self, value: QByteArray) -> None:
        self._store.setValue("window/geometry", value)

    def window_state(self) -> QByteArray | None:
        raw = self._store.value("window/state")
        return raw if isinstance(raw, QByteArray) and not raw.isEmpty() else None

    def set_window_state(self, value: QByteArray) -> None:
        self._store.setValue("window/state", value)

    # -- documents ---------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        return _as_list(self._store.value("documents/recent"))[:MAX_RECENT]

    def add_recent_file(self, path: str | Path) -> list[str]:
        """Put ``path`` first (absolute), drop duplicates, keep the newest ``MAX_RECENT``."""
        entry = str(Path(path).expanduser().resolve())
        files = [entry, *(f for f in self.recent_files() if f != entry)][:MAX_RECENT]
        self._store.setValue("documents/recent", files)
        return files

    def remove_recent_file(self, path: str | Path) -> None:
        entry = str(path)
        self._store.setValue("documents/recent", [f for f in self.recent_files() if f != entry])

    def clear_recent_files(self) -> None:
        self._store.setValue("documents/recent", [])

    # -- view and profile --------------------------------------------------------------
    def last_view(self) -> str:
        raw = self._store.value("view/last", "decoded")
        return raw if raw in VIEWS else "decoded"

    def set_last_view(self, view: str) -> None:
        self._store.setValue("view/last", view)

    def last_profile(self, config: str = "") -> str | None:
        """The profile name or namespace typed last under this config file (empty = the
        default namespace): a name means nothing under another file, so it is not reused."""
        raw = self._store.value(_profile_key(config))
        return str(raw) if raw else None

    def set_last_profile(self, choice: str | None, config: str = "") -> None:
        self._store.setValue(_profile_key(config), choice or "")

    def file_profile(self, path: Path, config: str = "") -> str | None:
        """The profile chosen for this file under this config file ("" is the default
        namespace), or None when none was: a name means nothing under another config."""
        raw = self._store.value(_file_profiles_key(config))
        if not isinstance(raw, dict):
            return None
        choice = raw.get(str(path))
        return choice if isinstance(choice, str) else None

    def set_file_profile(self, path: Path, choice: str | None, config: str = "") -> None:
        """Remember the choice for this file (the most recent ``FILE_PROFILES_KEPT`` files)."""
        raw = self._store.value(_file_profiles_key(config))
        kept = {str(k): v for k, v in raw.items()} if isinstance(raw, dict) else {}
        kept.pop(str(path), None)
        kept[str(path)] = choice or ""
        while len(kept) > FILE_PROFILES_KEPT:
            kept.pop(next(iter(kept)))
        self._store.setValue(_file_profiles_key(config), kept)

    # -- server ------------------------------------------------------------------------
    def server_prefs(self) -> ServerPrefs:
        origins = self._store.value("server/allowed_origins")
        return ServerPrefs(
            host=str(self._store.value("server/host") or "") or None,
            port=_as_int(self._store.value("server/port")),
            allowed_origins=tuple(_as_list(origins)) if origins is not None else None,
            require_token=_as_bool(self._store.value("server/require_token")),
        )

    def set_server_prefs(self, prefs: ServerPrefs) -> None:
        self._store.setValue("server/host", prefs.host or "")
        self._store.setValue("server/port", "" if prefs.port is None else prefs.port)
        if prefs.allowed_origins is None:
            self._store.remove("server/allowed_origins")
        else:
            self._store.setValue("server/allowed_origins", list(prefs.allowed_origins))
        self._store.setValue("server/require_token", prefs.require_token)

    def sync(self) -> None:
        self._store.sync()


def default_path() -> Path:
    """Where the app keeps its settings: the user config dir, beside ``config.toml``."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "settings.json"


def default_origins() -> Sequence[str]:
    """Origins the panel proposes when neither the settings nor the config say."""
    return DEFAULT_ORIGINS


def _file_profiles_key(config: str) -> str:
    return _profile_key(config).replace("profile/last", "profile/files", 1)


def _profile_key(config: str) -> str:
    """One settings key per config file (its path's digest: paths hold '/' and spaces)."""
    if not config:
        return "profile/last"
    return f"profile/last-{hashlib.sha256(config.encode('utf-8', 'replace')).hexdigest()[:16]}"
