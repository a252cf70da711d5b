"""Profiles and the config file: which codecs and storage a namespace uses.

The names here are a contract: users' config files depend on them, so unknown
keys are errors that name the file, the key and what is allowed, never silently ignored.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

from inspector.errors import InspectorError
from inspector.limits import DEFAULT_MAX_DECODED_BYTES
from inspector.secrets import SecretError, resolve_path, resolve_secret

APP_NAME = "payload-inspector"
CONFIG_ENV = "PAYLOAD_INSPECTOR_CONFIG"
DEFAULT_THRESHOLD = 256 * 1024
DEFAULT_TIMEOUT = 30.0
DEFAULT_ORIGINS = ("http://localhost:8233", "http://127.0.0.1:8233")
FILESYSTEM_DRIVER_NAME = "local.filesystem"
S3_DRIVER_NAME = "aws.s3driver"

CODEC_TYPES = ("gzip", "zlib", "aes-gcm", "remote", "python")
DRIVER_TYPES = ("filesystem", "s3", "python")


class ConfigError(InspectorError, ValueError):
    """The config is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class ServerConfig:
    """The ``[server]`` table; ``token`` is resolved and never shown."""

    host: str = "127.0.0.1"
    port: int = 8081
    allowed_origins: tuple[str, ...] = DEFAULT_ORIGINS
    allowed_hosts: tuple[str, ...] = ()
    max_body_bytes: int = 64 * 1024 * 1024
    max_decoded_bytes: int = DEFAULT_MAX_DECODED_BYTES  # what one request may decode in all
    cache_bytes: int = 256 * 1024 * 1024
    token: str | None = field(default=None, repr=False)
    tls_cert: Path | None = None
    tls_key: Path | None = None


@dataclass(frozen=True)
class CodecSpec:
    """One codec as configured; ``keys`` holds resolved key bytes and is never shown."""

    type: str
    keys: tuple[tuple[str, bytes], ...] = field(default=(), repr=False)
    encrypt_with: str | None = None
    url: str | None = None
    auth: str | None = field(default=None, repr=False)
    factory: str | None = None

    @property
    def label(self) -> str:
        """How errors and the GUI name this codec (no secrets)."""
        if self.type == "remote":
            return f"remote({self.url})"
        if self.type == "python":
            return f"python({self.factory})"
        return self.type


@dataclass(frozen=True)
class StorageSpec:
    """One storage driver as configured."""

    driver: str
    name: str
    path: Path | None = None
    bucket: str | None = None
    # Other buckets an S3 claim may name; a claim naming any other bucket is refused.
    buckets: tuple[str, ...] = ()
    endpoint_url: str | None = None
    region: str | None = None
    aws_profile: str | None = None
    factory: str | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class Profile:
    """What one set of namespaces uses: codecs outermost first, then storage."""

    name: str
    namespaces: tuple[str, ...]
    codecs: tuple[CodecSpec, ...] = ()
    proxy_codecs: tuple[CodecSpec, ...] = ()
    mark_references: bool = False
    storage: tuple[StorageSpec, ...] = ()
    threshold: int = DEFAULT_THRESHOLD

    @property
    def timeout_seconds(self) -> float:
        """The longest a storage call may take in this profile."""
        return max((s.timeout_seconds for s in self.storage), default=DEFAULT_TIMEOUT)


@dataclass(frozen=True)
class Config:
    """A whole config: where it came from, the server, and the profiles by name."""

    source: Path | None
    server: ServerConfig
    profiles: Mapping[str, Profile]

    @property
    def source_label(self) -> str:
        return str(self.source) if self.source else "embedded default"

    def profile_for_namespace(self, namespace: str) -> Profile | None:
        """The profile listing the namespace, else the one listing ``"*"``, else None."""
        for profile in self.profiles.values():
            if namespace in profile.namespaces:
                return profile
        for profile in self.profiles.values():
            if "*" in profile.namespaces:
                return profile
        return None

    def select(self, *, profile: str | None = None, namespace: str | None = None) -> Profile:
        """``--profile`` by name, else ``--namespace`` (default ``default``)."""
        if profile is not None:
            if profile not in self.profiles:
                known = ", ".join(self.profiles) or "none"
                raise ConfigError(f"{self.source_label}: no profile '{profile}' (known: {known})")
            return self.profiles[profile]
        ns = namespace or "default"
        found = self.profile_for_namespace(ns)
        if found is None:
            raise ConfigError(f"{self.source_label}: no profile serves namespace '{ns}'")
        return found


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
    reader = _Reader(label, source.parent if source else None)
    reader.check_keys(data, "", {"server", "profiles"})
    server = reader.server(data.get("server", {}))
    profiles_raw = data.get("profiles", {})
    reader.expect(profiles_raw, dict, "profiles", "a table of profiles")
    if not profiles_raw:
        raise ConfigError(f"{label}: no profiles: add at least one [profiles.NAME] table")
    profiles = {name: reader.profile(name, raw) for name, raw in profiles_raw.items()}
    return Config(source=source, server=server, profiles=profiles)


class _Reader:
    """Validates one config file; holds its label and directory for messages and paths."""

    def __init__(self, label: str, base_dir: Path | None) -> None:
        self.label = label
        self.base_dir = base_dir

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.label}: {key}: {message}")

    def check_keys(self, table: Mapping[str, Any], where: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                full = f"{where}.{key}" if where else key
                raise self.error(full, f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def expect(self, value: Any, kind: type | tuple[type, ...], key: str, what: str) -> Any:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(key, f"expected {what}, got {_kind_of(value)}")
        return value

    def expect_secret(self, value: Any, kind: type, key: str, what: str) -> Any:
        """``expect`` for values that may hold a key or token: the error shows only its type."""
        if not isinstance(value, kind):
            raise self.error(key, f"expected {what}, got {_kind_of(value)}")
        return value

    def strings(self, value: Any, key: str) -> tuple[str, ...]:
        self.expect(value, list, key, "a list of strings")
        for item in value:
            self.expect(item, str, key, "a list of strings")
        return tuple(value)

    def secret(self, value: Any, key: str) -> str:
        self.expect_secret(value, str, key, "a string (literal, env:VAR or file:PATH)")
        try:
            return resolve_secret(value, base_dir=self.base_dir, what=key)
        except SecretError as e:
            raise ConfigError(f"{self.label}: {e}") from None

    def positive(self, value: Any, key: str, kind: type = int) -> Any:
        kinds = (int, float) if kind is float else int
        self.expect(value, kinds, key, "a positive number")
        if isinstance(value, bool) or value <= 0:
            raise self.error(key, f"expected a positive number, got {value!r}")
        return value

    def server(self, raw: Any) -> ServerConfig:
        self.expect(raw, dict, "server", "a table")
        allowed = {
            "host",
            "port",
            "allowed_origins",
            "allowed_hosts",
            "max_body_bytes",
            "max_decoded_bytes",
            "cache_bytes",
            "token",
            "tls_cert",
            "tls_key",
        }
        self.check_keys(raw, "server", allowed)
        base = ServerConfig()
        port = raw.get("port", base.port)
        self.expect(port, int, "server.port", "a port number")
        if not 0 <= port <= 65535:
            raise self.error("server.port", f"expected 0..65535, got {port}")
        tls = {
            k: resolve_path(
                self.expect(raw[k], str, f"server.{k}", "a path"), base_dir=self.base_dir
            )
            for k in ("tls_cert", "tls_key")
            if k in raw
        }
        if len(tls) == 1:
            raise self.error("server.tls_cert", "tls_cert and tls_key go together")
        return ServerConfig(
            host=self.expect(raw.get("host", base.host), str, "server.host", "a host name"),
            port=port,
            allowed_origins=self.strings(
                raw.get("allowed_origins", list(base.allowed_origins)), "server.allowed_origins"
            ),
            allowed_hosts=self.strings(raw.get("allowed_hosts", []), "server.allowed_hosts"),
            max_body_bytes=self.positive(
                raw.get("max_body_bytes", base.max_body_bytes), "server.max_body_bytes"
            ),
            max_decoded_bytes=self.positive(
                raw.get("max_decoded_bytes", base.max_decoded_bytes), "server.max_decoded_bytes"
            ),
            cache_bytes=self.expect(
                raw.get("cache_bytes", base.cache_bytes),
                int,
                "server.cache_bytes",
                "a number of bytes",
            ),
            token=self.secret(raw["token"], "server.token") if "token" in raw else None,
            tls_cert=tls.get("tls_cert"),
            tls_key=tls.get("tls_key"),
        )

    def profile(self, name: str, raw: Any) -> Profile:
        where = f"profiles.{name}"
        self.expect(raw, dict, where, "a table")
        self.check_keys(
            raw, where, {"namespaces", "codecs", "proxy_codecs", "mark_references", "storage"}
        )
        namespaces = self.strings(raw.get("namespaces", [name]), f"{where}.namespaces")
        codecs = self.codecs(raw.get("codecs", []), f"{where}.codecs")
        proxy = self.codecs(raw.get("proxy_codecs", []), f"{where}.proxy_codecs")
        mark = self.expect(
            raw.get("mark_references", False), bool, f"{where}.mark_references", "true or false"
        )
        storage_raw = raw.get("storage", [])
        if isinstance(storage_raw, dict):
            storage_raw = [storage_raw]
        self.expect(storage_raw, list, f"{where}.storage", "a table or an array of tables")
        threshold = DEFAULT_THRESHOLD
        storage: list[StorageSpec] = []
        for i, entry in enumerate(storage_raw):
            key = f"{where}.storage" if len(storage_raw) == 1 else f"{where}.storage[{i}]"
            self.expect(entry, dict, key, "a table")
            if "threshold" in entry:
                if i > 0:
                    raise self.error(f"{key}.threshold", "set the threshold on the first entry")
                threshold = self.expect(
                    entry["threshold"], int, f"{key}.threshold", "a number of bytes"
                )
                if threshold < 0:
                    raise self.error(f"{key}.threshold", "must be zero or more")
            storage.append(self.storage(entry, key))
        names = [s.name for s in storage]
        for n in names:
            if n and names.count(n) > 1:
                raise self.error(f"{where}.storage", f"two drivers named '{n}': give each a name")
        return Profile(
            name=name,
            namespaces=namespaces,
            codecs=codecs,
            proxy_codecs=proxy,
            mark_references=mark,
            storage=tuple(storage),
            threshold=threshold,
        )

    def codecs(self, raw: Any, where: str) -> tuple[CodecSpec, ...]:
        self.expect(raw, list, where, "a list of codecs, outermost first")
        return tuple(self.codec(item, f"{where}[{i}]") for i, item in enumerate(raw))

    def codec(self, raw: Any, key: str) -> CodecSpec:
        named = isinstance(raw, str)
        if named:
            raw = {"type": raw}
        self.expect(raw, dict, key, 'a codec name or a table with "type"')
        kind = raw.get("type")
        if kind not in CODEC_TYPES:
            raise self.error(
                key if named or "type" not in raw else f"{key}.type",
                f"unknown codec {_name_or_kind(kind)} (allowed: {', '.join(CODEC_TYPES)})",
            )
        allowed = {"type"} | {
            "aes-gcm": {"keys", "encrypt_with"},
            "remote": {"url", "auth"},
            "python": {"factory"},
        }.get(kind, set())
        self.check_keys(raw, key, allowed)
        if kind == "aes-gcm":
            return self.aes_gcm(raw, key)
        if kind == "remote":
            url = self.expect(raw.get("url"), str, f"{key}.url", "the codec server's URL")
            if not url.startswith(("http://", "https://")):
                shown = _without_credentials(url)
                raise self.error(f"{key}.url", f"expected an http(s) URL, got {shown!r}")
            auth = self.secret(raw["auth"], f"{key}.auth") if "auth" in raw else None
            return CodecSpec(type=kind, url=url.rstrip("/"), auth=auth)
        if kind == "python":
            return CodecSpec(type=kind, factory=self.factory(raw.get("factory"), f"{key}.factory"))
        return CodecSpec(type=kind)

    def aes_gcm(self, raw: Mapping[str, Any], key: str) -> CodecSpec:
        keys_raw = self.expect_secret(
            raw.get("keys"), dict, f"{key}.keys", 'a table of key id = "base64 key" (or env:/file:)'
        )
        if not keys_raw:
            raise self.error(f"{key}.keys", "needs at least one key")
        keys: list[tuple[str, bytes]] = []
        for key_id, ref in keys_raw.items():
            where = f"{key}.keys.{key_id}"
            secret = self.secret(ref, where)
            try:
                material = base64.b64decode(secret.strip(), validate=True)
            except (binascii.Error, ValueError):
                raise self.error(where, "not valid base64") from None
            if len(material) not in (16, 24, 32):
                raise self.error(
                    where, f"an AES key is 16, 24 or 32 bytes, this one is {len(material)}"
                )
            keys.append((key_id, material))
        encrypt_with = raw.get("encrypt_with", keys[0][0])
        self.expect(encrypt_with, str, f"{key}.encrypt_with", "a key id")
        if encrypt_with not in dict(keys):
            raise self.error(
                f"{key}.encrypt_with",
                f"no key {_name_or_kind(encrypt_with)} in keys (known: "
                f"{', '.join(k for k, _ in keys)})",
            )
        return CodecSpec(type="aes-gcm", keys=tuple(keys), encrypt_with=encrypt_with)

    def factory(self, value: Any, key: str) -> str:
        self.expect(value, str, key, '"module:attr"')
        module, _, attr = value.partition(":")
        if not module or not attr:
            raise self.error(key, f'expected "module:attr", got {_name_or_kind(value)}')
        return value

    def storage(self, raw: Mapping[str, Any], key: str) -> StorageSpec:
        driver = raw.get("driver")
        if driver not in DRIVER_TYPES:
            raise self.error(
                f"{key}.driver",
                f"unknown driver {_name_or_kind(driver)} (allowed: {', '.join(DRIVER_TYPES)})",
            )
        common = {"driver", "name", "threshold", "timeout_seconds"}
        extra = {
            "filesystem": {"path"},
            "python": {"factory"},
            "s3": {"bucket", "buckets", "endpoint_url", "region", "aws_profile"},
        }[driver]
        self.check_keys(raw, key, common | extra)
        default_name = {"filesystem": FILESYSTEM_DRIVER_NAME, "s3": S3_DRIVER_NAME}.get(driver)
        # A python driver's name comes from the driver itself unless the config pins it.
        name = raw.get("name", default_name or "")
        self.expect(name, str, f"{key}.name", "a driver name")
        timeout = float(
            self.positive(
                raw.get("timeout_seconds", DEFAULT_TIMEOUT), f"{key}.timeout_seconds", float
            )
        )
        spec = StorageSpec(driver=driver, name=name, timeout_seconds=timeout)
        if driver == "filesystem":
            path = self.expect(raw.get("path"), str, f"{key}.path", "the store's directory")
            return replace(spec, path=resolve_path(path, base_dir=self.base_dir))
        if driver == "python":
            return replace(spec, factory=self.factory(raw.get("factory"), f"{key}.factory"))
        bucket = self.expect(raw.get("bucket"), str, f"{key}.bucket", "a bucket name")
        buckets = self.strings(raw.get("buckets", []), f"{key}.buckets")
        opts = {
            k: self.expect(raw[k], str, f"{key}.{k}", "a string")
            for k in ("endpoint_url", "region", "aws_profile")
            if k in raw
        }
        return replace(spec, bucket=bucket, buckets=buckets, **opts)


_NAME = re.compile(r"[a-z][a-z0-9_.-]{0,19}")


def _name_or_kind(value: Any) -> str:
    """A mistyped name quoted (``'gzipp'``), anything else only by its kind: a value in the
    wrong place may be a key or a token (``"aes-gcm:<key>"``), and errors are shown and logged.
    Keys and tokens are longer than a name, or not lower-case words, so they never match."""
    if isinstance(value, str) and _NAME.fullmatch(value):
        return repr(value)
    return f"(not shown: {_kind_of(value)} that does not look like a name)"


def _kind_of(value: Any) -> str:
    """What a TOML value is, in words, without showing it (it may be a secret)."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return "a date or time" if value is not None else "nothing"


def _without_credentials(url: str) -> str:
    """A URL as it may be shown: no ``user:password@`` (a typo in the scheme must not leak it)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url.rpartition("@")[2]
    netloc, slash, path = rest.partition("/")
    return f"{scheme}://{netloc.rpartition('@')[2]}{slash}{path}"
