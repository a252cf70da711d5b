"""Profiles and the config file: which codecs and storage a namespace uses.

``model`` holds what a config says, ``loading`` where it comes from, ``validation`` how a
file is checked, ``kinds`` every codec and driver kind a config may name. The names a
config file uses are a contract: unknown keys are errors that name the file, the key and
what is allowed, never silently ignored.
"""

from inspector.config.errors import ConfigError
from inspector.config.kinds import (
    CODEC_KINDS,
    CODEC_TYPES,
    DRIVER_KINDS,
    DRIVER_TYPES,
    FILESYSTEM_DRIVER_NAME,
    S3_DRIVER_NAME,
    Kind,
    codec_kind,
    driver_kind,
)
from inspector.config.loading import (
    APP_NAME,
    CONFIG_ENV,
    config_path_in_use,
    default_config_path,
    default_store_path,
    embedded_default,
    load_config,
    parse_config,
)
from inspector.config.model import (
    DEFAULT_ORIGINS,
    DEFAULT_THRESHOLD,
    DEFAULT_TIMEOUT,
    CodecSpec,
    Config,
    JwtConfig,
    Profile,
    ServerConfig,
    StorageSpec,
)

__all__ = [
    "APP_NAME",
    "CODEC_KINDS",
    "CODEC_TYPES",
    "CONFIG_ENV",
    "DEFAULT_ORIGINS",
    "DEFAULT_THRESHOLD",
    "DEFAULT_TIMEOUT",
    "DRIVER_KINDS",
    "DRIVER_TYPES",
    "FILESYSTEM_DRIVER_NAME",
    "S3_DRIVER_NAME",
    "CodecSpec",
    "Config",
    "ConfigError",
    "JwtConfig",
    "Kind",
    "Profile",
    "ServerConfig",
    "StorageSpec",
    "codec_kind",
    "config_path_in_use",
    "default_config_path",
    "default_store_path",
    "driver_kind",
    "embedded_default",
    "load_config",
    "parse_config",
]
