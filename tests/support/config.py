"""Inspector config files for tests, built from plain dicts (the README's keys).

A test that needs a config says which profiles it wants, not how TOML spells them: the
builders below make the dicts, ``profiles_toml`` the text. Only tests about the TOML text
itself (a config error's message, say) write it by hand, with ``write_toml``.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from inspector.config import Config, load_config

REGION = "us-east-1"

Profiles = Mapping[str, Mapping[str, Any]]


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, os.PathLike):
        return json.dumps(os.fspath(value))
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_value(v)}" for k, v in value.items()) + " }"
    return "[" + ", ".join(_value(v) for v in value) + "]"


def _keys(table: Mapping[str, Any]) -> list[str]:
    return [f"{k} = {_value(v)}" for k, v in table.items()]


def _given(**keys: Any) -> dict[str, Any]:
    """The keys a builder was given; ``None`` means "leave it to the config's default"."""
    return {k: v for k, v in keys.items() if v is not None}


def profiles_toml(profiles: Profiles, server: Mapping[str, Any] | None = None) -> str:
    """TOML text for ``[server]`` and ``[profiles.NAME]`` tables (storage as a sub-table,
    or a list of them)."""
    lines: list[str] = []
    if server:
        lines += ["[server]", *_keys(server)]
    for name, table in profiles.items():
        quoted = json.dumps(name)
        lines.append(f"[profiles.{quoted}]")
        lines += _keys({k: v for k, v in table.items() if k != "storage"})
        storage = table.get("storage")
        if isinstance(storage, Mapping):
            lines += [f"[profiles.{quoted}.storage]", *_keys(storage)]
        elif storage:
            for entry in storage:
                lines += [f"[[profiles.{quoted}.storage]]", *_keys(entry)]
    return "\n".join(lines) + "\n"


def write_toml(directory: Path, text: str, name: str = "config.toml") -> Path:
    """Write config text as it is: for tests about what a hand-written file says."""
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def write_config(
    directory: Path,
    profiles: Profiles,
    server: Mapping[str, Any] | None = None,
    *,
    name: str = "config.toml",
) -> Path:
    """``directory/name`` holding these profiles (and ``[server]`` keys), for ``--config``."""
    return write_toml(directory, profiles_toml(profiles, server), name)


def config_from(
    directory: Path, profiles: Profiles, server: Mapping[str, Any] | None = None
) -> Config:
    """Write the config file and load it the way ``--config`` does (relative paths resolve
    against ``directory``)."""
    return load_config(write_config(directory, profiles, server))


# -- builders: one profile, its codecs, its storage ------------------------------------------


def profile(
    codecs: Sequence[str | Mapping[str, Any]] | None = None,
    *,
    namespaces: Sequence[str] | None = None,
    storage: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    **keys: Any,
) -> dict[str, Any]:
    """A ``[profiles.NAME]`` table; keys left ``None`` are not written at all."""
    return _given(namespaces=namespaces, codecs=codecs, **keys, storage=storage)


def filesystem_storage(
    path: str | os.PathLike[str], *, threshold: int | None = None, **keys: Any
) -> dict[str, Any]:
    """Our filesystem store at ``path`` (a relative one is the config file's folder's)."""
    return _given(driver="filesystem", path=os.fspath(path), threshold=threshold, **keys)


def s3_storage(
    bucket: str,
    endpoint_url: str,
    *,
    region: str | None = REGION,
    threshold: int | None = None,
    **keys: Any,
) -> dict[str, Any]:
    """An S3 bucket behind ``endpoint_url`` (moto, or a relay in front of it)."""
    return _given(
        driver="s3",
        bucket=bucket,
        endpoint_url=endpoint_url,
        region=region,
        threshold=threshold,
        **keys,
    )


def python_storage(factory: str, **keys: Any) -> dict[str, Any]:
    """A driver the server imports as ``module:attr`` (the stubs in ``tests.support.drivers``)."""
    return _given(driver="python", factory=factory, **keys)


def python_codec(factory: str) -> dict[str, str]:
    """A codec the server imports as ``module:attr``."""
    return {"type": "python", "factory": factory}


def remote_codec(url: str, **keys: Any) -> dict[str, Any]:
    """A codec that is another codec server's ``/encode`` and ``/decode``."""
    return _given(type="remote", url=url, **keys)


def aes_gcm_codec(keys: Mapping[str, bytes | str], **extra: Any) -> dict[str, Any]:
    """AES-GCM with these key ids; bytes are written as base64, strings as they are
    (``env:NAME``, ``file:PATH`` or base64 already)."""
    written = {
        key_id: base64.b64encode(key).decode() if isinstance(key, bytes) else key
        for key_id, key in keys.items()
    }
    return _given(type="aes-gcm", keys=written, **extra)
