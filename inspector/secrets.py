"""Resolve ``env:VAR`` / ``file:PATH`` secret references, so keys never sit in a config file."""

from __future__ import annotations

import os
from pathlib import Path

from inspector.errors import InspectorError


class SecretError(InspectorError, ValueError):
    """A secret could not be resolved; the message names the reference, never its value."""


def resolve_secret(value: str, *, base_dir: Path | None = None, what: str = "secret") -> str:
    """``env:VAR`` reads the environment, ``file:PATH`` a file (relative to the config)."""
    if value.startswith("env:"):
        name = value[4:]
        if name not in os.environ:
            raise SecretError(f"{what}: environment variable {name} is not set")
        return os.environ[name]
    if value.startswith("file:"):
        path = Path(value[5:]).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise SecretError(f"{what}: cannot read {path}: {e.strerror or e}") from None
    return value


def resolve_path(value: str, *, base_dir: Path | None = None) -> Path:
    """A path from the config: ``file:`` prefix optional, ``~`` expanded, relative to the config."""
    if value.startswith("file:"):
        value = value[5:]
    path = Path(value).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path
