"""Write inspector config files for tests from plain dicts (the README's keys)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_value(v)}" for k, v in value.items()) + " }"
    return "[" + ", ".join(_value(v) for v in value) + "]"


def profiles_toml(
    profiles: Mapping[str, Mapping[str, Any]], server: Mapping[str, Any] | None = None
) -> str:
    """TOML text for ``[server]`` and ``[profiles.NAME]`` tables (storage as a sub-table)."""
    lines: list[str] = []
    if server:
        lines.append("[server]")
        lines += [f"{k} = {_value(v)}" for k, v in server.items()]
    for name, profile in profiles.items():
        lines.append(f"[profiles.{json.dumps(name)}]")
        lines += [f"{k} = {_value(v)}" for k, v in profile.items() if k != "storage"]
        storage = profile.get("storage")
        if isinstance(storage, Mapping):
            lines.append(f"[profiles.{json.dumps(name)}.storage]")
            lines += [f"{k} = {_value(v)}" for k, v in storage.items()]
        elif storage:
            for entry in storage:
                lines.append(f"[[profiles.{json.dumps(name)}.storage]]")
                lines += [f"{k} = {_value(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


def write_config(
    path: Path, profiles: Mapping[str, Mapping[str, Any]], server: Mapping[str, Any] | None = None
) -> Path:
    path.write_text(profiles_toml(profiles, server), encoding="utf-8")
    return path
