"""Where the config comes from: ``--config``, the environment, the user's file or the default."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import platformdirs

from inspector.config.errors import ConfigError
from inspector.config.kinds import FILESYSTEM_DRIVER_NAME
from inspector.config.model import Config, Profile, ServerConfig, StorageSpec
from inspector.config.validation import read_config

APP_NAME = "payload-inspector"
CONFIG_ENV = "PAYLOAD_INSPECTOR_CONFIG"


def default_config_path() -> Path:
    """Where the config lives when neither ``--config`` nor the environment says."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_store_path() -> Path:
    """The embedded default's filesystem store, in the platform's user data dir."""
    return Path(platformdirs.user_data_dir(APP_NAME)) / "store"


def embedded_default() -> Config:
    """What the app runs on with no config file at all."""
    profile = Profile(
        name="default",
        namespaces=("*",),
        storage=(
            StorageSpec(
                driver="filesystem", name=FILESYSTEM_DRIVER_NAME, path=default_store_path()
            ),
        ),
    )
    return Config(source=None, server=ServerConfig(), profiles={"default": profile})


def config_path_in_use(explicit: str | os.PathLike[str] | None = None) -> tuple[Path, bool]:
    """The path to read and whether it was asked for (an asked-for file must exist)."""
    if explicit:
        return Path(explicit).expanduser(), True
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser(), True
    return default_config_path(), False


def load_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    """``--config``, else ``$PAYLOAD_INSPECTOR_CONFIG``, else the user file, else the default."""
    path, asked = config_path_in_use(explicit)
    if not path.exists():
        if asked:
            raise ConfigError(f"{path}: config file not found")
        return embedded_default()
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read config: {e}") from None
    return parse_config(text, source=path)


def parse_config(text: str, *, source: Path | None = None) -> Config:
    """Parse and validate TOML text into a Config; every error names the file and key."""
    label = str(source) if source else "<config>"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{label}: not valid TOML: {e}") from None
    return read_config(data, label=label, source=source)
