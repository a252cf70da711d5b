"""The settings file, written atomically by us: QSettings is not safe on a full disk.

QSettings reports success and leaves a truncated INI file when the disk fills up during its
write (seen with Qt 6 on Linux, ENOSPC on a small tmpfs), so a full disk would cost the user
their settings. This store keeps the values in memory and writes the whole file as JSON via
a temp file in the same directory, fsync and rename: the file on disk is always either the
previous settings or the new ones. A failed write keeps the previous file and is reported by
``last_error``; the app goes on with the values in memory.

Unlike exports and screenshots the file stays private (0600, ``inspector.atomic_write``):
it lists the files the user opened recently and their last profile, which is no other
user's business, and only this app reads it.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray

from inspector import atomic_write

_BYTES = "$base64"  # how QByteArray values (window geometry, state) are kept in JSON


def _to_json(value: Any) -> Any:
    if isinstance(value, QByteArray):
        return {_BYTES: base64.b64encode(bytes(value.data())).decode("ascii")}
    if isinstance(value, tuple):
        return list(value)
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {_BYTES}:
        return QByteArray(base64.b64decode(value[_BYTES]))
    return value


class JsonFileStore:
    """A settings store (``value``/``setValue``/``remove``/``sync``) over one JSON file.

    Every change is written at once (settings change rarely: a view switch, a recent file),
    so nothing depends on the app closing cleanly.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self.last_error: str | None = None
        self._values: dict[str, Any] = self._load()

    def _load(self) -> dict[str, Any]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:  # unreadable or damaged: start afresh, say so
            self.last_error = f"{self.path}: cannot read settings ({e}); using defaults"
            return {}
        return {str(k): _from_json(v) for k, v in raw.items()} if isinstance(raw, dict) else {}

    def value(self, key: str, defaultValue: Any = None) -> Any:
        return self._values.get(key, defaultValue)

    def setValue(self, key: str, value: Any) -> None:
        self._values[key] = value
        self.sync()

    def remove(self, key: str) -> None:
        if self._values.pop(key, None) is not None:
            self.sync()

    def sync(self) -> None:
        """Write the file atomically; on failure keep the previous one and note why."""
        text = json.dumps({k: _to_json(v) for k, v in self._values.items()}, indent=1)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write.write_text(self.path, text, private=True)
        except OSError as e:
            self.last_error = f"{self.path}: cannot save settings ({e.strerror or e})"
        else:
            self.last_error = None
