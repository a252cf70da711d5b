"""Checking a parsed config file, section by section, into the model.

The names are a contract: users' config files depend on them, so unknown keys are errors
that name the file, the key and what is allowed, never silently ignored. A value in the
wrong place may be a key or a token, so errors name a misplaced value by its kind only.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from inspector.config import model
from inspector.config.errors import ConfigError
from inspector.config.kinds import (
    CODEC_KEYS,
    CODEC_KINDS,
    CODEC_TYPES,
    DRIVER_KEYS,
    DRIVER_KINDS,
    DRIVER_TYPES,
)
from inspector.config.model import CodecSpec, Config, Profile, ServerConfig, StorageSpec
from inspector.redaction import RedactionError, parse_rule
from inspector.secrets import SecretError, resolve_path, resolve_secret

PROFILE_KEYS = {
    "namespaces",
    "codecs",
    "proxy_codecs",
    "mark_references",
    "storage",
    "proto_descriptors",
    "encode_headers",
    "readers",
}
JWT_KEYS = {"jwks_url", "audiences", "issuer", "email_claim", "groups_claim", "leeway_seconds"}
AES_KEY_SIZES = (16, 24, 32)


def read_config(data: Mapping[str, Any], *, label: str, source: Path | None) -> Config:
    """The Config a parsed file says; ``label`` names the file in every error."""
    reader = _Reader(label, source.parent if source else None)
    reader.check_keys(data, "", {"server", "profiles", "redaction"})
    server = _server(reader, data.get("server", {}))
    redaction_rules = _redaction(reader, data.get("redaction", {}))
    profiles_raw = data.get("profiles", {})
    reader.expect(profiles_raw, dict, "profiles", "a table of profiles")
    if not profiles_raw:
        raise ConfigError(f"{label}: no profiles: add at least one [profiles.NAME] table")
    profiles = {name: _profile(reader, name, raw) for name, raw in profiles_raw.items()}
    if server.jwt is None:
        for name, p in profiles.items():
            if p.readers:
                raise reader.error(
                    f"profiles.{name}.readers", "readers need [server.jwt] to verify who asks"
                )
    return Config(source=source, server=server, profiles=profiles, redaction_rules=redaction_rules)


class _Reader:
    """The checks every section uses; holds the file's label and directory (for paths)."""

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

    def path(self, value: Any, key: str, what: str) -> Path:
        return resolve_path(self.expect(value, str, key, what), base_dir=self.base_dir)

    def factory(self, value: Any, key: str) -> str:
        text: str = self.expect(value, str, key, '"module:attr"')
        module, _, attr = text.partition(":")
        if not module or not attr:
            raise self.error(key, f'expected "module:attr", got {_name_or_kind(value)}')
        return text


# --- [server] --------------------------------------------------------------------------------


def _server(r: _Reader, raw: Any) -> ServerConfig:
    r.expect(raw, dict, "server", "a table")
    r.check_keys(raw, "server", {f.name for f in fields(ServerConfig)})
    base = ServerConfig()

    def given(key: str) -> Any:
        value = raw.get(key, getattr(base, key))
        return list(value) if isinstance(value, tuple) else value

    port = _port(r, given("port"))
    tls = _tls(r, raw)
    if raw.get("metrics") == "token" and "token" not in raw and "jwt" not in raw:
        raise r.error("server.metrics", '"token" needs a [server] token or [server.jwt] to check')
    return ServerConfig(
        host=r.expect(given("host"), str, "server.host", "a host name"),
        port=port,
        allowed_origins=r.strings(given("allowed_origins"), "server.allowed_origins"),
        allowed_hosts=r.strings(given("allowed_hosts"), "server.allowed_hosts"),
        max_body_bytes=r.positive(given("max_body_bytes"), "server.max_body_bytes"),
        max_decoded_bytes=r.positive(given("max_decoded_bytes"), "server.max_decoded_bytes"),
        cache_bytes=r.expect(given("cache_bytes"), int, "server.cache_bytes", "a number of bytes"),
        token=r.secret(raw["token"], "server.token") if "token" in raw else None,
        tls_cert=tls.get("tls_cert"),
        tls_key=tls.get("tls_key"),
        jwt=_jwt(r, raw["jwt"]) if "jwt" in raw else None,
        audit_log=r.path(raw["audit_log"], "server.audit_log", "a path")
        if "audit_log" in raw
        else None,
        metrics=_metrics(r, given("metrics")),
    )


def _metrics(r: _Reader, value: Any) -> bool | str:
    if value is True or value is False or value == "token":
        return bool(value) if isinstance(value, bool) else "token"
    raise r.error("server.metrics", f'expected true, false or "token", got {_name_or_kind(value)}')


def _jwt(r: _Reader, raw: Any) -> model.JwtConfig:
    r.expect(raw, dict, "server.jwt", "a table")
    r.check_keys(raw, "server.jwt", JWT_KEYS)
    url = r.expect(raw.get("jwks_url"), str, "server.jwt.jwks_url", "the JWKS URL (https://…)")
    if not re.match(r"^https?://[^\s/]+", url):
        raise r.error("server.jwt.jwks_url", "expected an http(s):// URL")
    audiences = r.strings(raw.get("audiences"), "server.jwt.audiences")
    if not audiences:
        raise r.error("server.jwt.audiences", "name at least one audience the tokens must carry")
    base = model.JwtConfig(jwks_url=url, audiences=audiences)
    leeway = raw.get("leeway_seconds", base.leeway_seconds)
    r.expect(leeway, (int, float), "server.jwt.leeway_seconds", "a number of seconds")
    if isinstance(leeway, bool) or leeway < 0:
        raise r.error("server.jwt.leeway_seconds", "must be zero or more")
    issuer = raw.get("issuer")
    return replace(
        base,
        issuer=None if issuer is None else r.expect(issuer, str, "server.jwt.issuer", "a string"),
        email_claim=r.expect(
            raw.get("email_claim", base.email_claim), str, "server.jwt.email_claim", "a claim name"
        ),
        groups_claim=r.expect(
            raw.get("groups_claim", base.groups_claim),
            str,
            "server.jwt.groups_claim",
            "a claim name",
        ),
        leeway_seconds=float(leeway),
    )


def _port(r: _Reader, port: Any) -> int:
    number: int = r.expect(port, int, "server.port", "a port number")
    if not 0 <= number <= 65535:
        raise r.error("server.port", f"expected 0..65535, got {number}")
    return number


def _tls(r: _Reader, raw: Mapping[str, Any]) -> dict[str, Path]:
    keys = ("tls_cert", "tls_key")
    tls = {k: r.path(raw[k], f"server.{k}", "a path") for k in keys if k in raw}
    if len(tls) == 1:
        raise r.error("server.tls_cert", "tls_cert and tls_key go together")
    return tls


# --- [redaction] -----------------------------------------------------------------------------


def _redaction(r: _Reader, raw: Any) -> tuple[str, ...]:
    """``rules = [...]``, each one checked as ``--redact`` checks it (``inspector.redaction``)."""
    r.expect(raw, dict, "redaction", "a table")
    r.check_keys(raw, "redaction", {"rules"})
    rules = r.strings(raw.get("rules", []), "redaction.rules")
    for i, text in enumerate(rules):
        try:
            parse_rule(text, f"redaction.rules[{i}]")
        except RedactionError as e:
            raise ConfigError(f"{r.label}: {e}") from None
    return rules


# --- [profiles.NAME] -------------------------------------------------------------------------


def _profile(r: _Reader, name: str, raw: Any) -> Profile:
    where = f"profiles.{name}"
    r.expect(raw, dict, where, "a table")
    r.check_keys(raw, where, PROFILE_KEYS)
    return Profile(  # read in this order: the first mistake is the one reported
        name=name,
        namespaces=r.strings(raw.get("namespaces", [name]), f"{where}.namespaces"),
        codecs=_codecs(r, raw.get("codecs", []), f"{where}.codecs"),
        proxy_codecs=_codecs(r, raw.get("proxy_codecs", []), f"{where}.proxy_codecs"),
        mark_references=r.expect(
            raw.get("mark_references", False), bool, f"{where}.mark_references", "true or false"
        ),
        **_storage_list(r, raw.get("storage", []), f"{where}.storage"),
        readers=_readers(r, raw.get("readers", []), f"{where}.readers"),
        proto_descriptors=tuple(
            r.path(p, f"{where}.proto_descriptors", "a list of paths")
            for p in r.strings(raw.get("proto_descriptors", []), f"{where}.proto_descriptors")
        ),
        encode_headers=r.expect(
            raw.get("encode_headers", False), bool, f"{where}.encode_headers", "true or false"
        ),
    )


def _readers(r: _Reader, raw: Any, key: str) -> tuple[str, ...]:
    """Emails (``alice@example.com``), patterns (``*@example.com``) or ``group:NAME``."""
    readers = r.strings(raw, key)
    for reader in readers:
        if reader.startswith("group:"):
            if not reader[6:].strip():
                raise r.error(key, "'group:' needs a group name, e.g. group:payments-readers")
        elif "@" not in reader and reader != "*":
            raise r.error(
                key,
                f"{_name_or_kind(reader)} is not an email, '*@domain' or 'group:NAME'",
            )
    return readers


def _storage_list(r: _Reader, raw: Any, where: str) -> dict[str, Any]:
    """The drivers (one table or an array of them) and the threshold, set on the first one."""
    entries = [raw] if isinstance(raw, dict) else raw
    r.expect(entries, list, where, "a table or an array of tables")
    threshold = model.DEFAULT_THRESHOLD
    storage: list[StorageSpec] = []
    for i, entry in enumerate(entries):
        key = where if len(entries) == 1 else f"{where}[{i}]"
        r.expect(entry, dict, key, "a table")
        if "threshold" in entry:
            if i > 0:
                raise r.error(f"{key}.threshold", "set the threshold on the first entry")
            threshold = _threshold(r, entry["threshold"], f"{key}.threshold")
        storage.append(_storage(r, entry, key))
    names = [s.name for s in storage]
    for n in names:
        if n and names.count(n) > 1:
            raise r.error(where, f"two drivers named '{n}': give each a name")
    return {"storage": tuple(storage), "threshold": threshold}


def _threshold(r: _Reader, value: Any, key: str) -> int:
    threshold: int = r.expect(value, int, key, "a number of bytes")
    if threshold < 0:
        raise r.error(key, "must be zero or more")
    return threshold


# --- codecs ----------------------------------------------------------------------------------


def _codecs(r: _Reader, raw: Any, where: str) -> tuple[CodecSpec, ...]:
    r.expect(raw, list, where, "a list of codecs, outermost first")
    return tuple(_codec(r, item, f"{where}[{i}]") for i, item in enumerate(raw))


def _codec(r: _Reader, raw: Any, key: str) -> CodecSpec:
    named = isinstance(raw, str)
    if named:
        raw = {"type": raw}
    r.expect(raw, dict, key, 'a codec name or a table with "type"')
    name = raw.get("type")
    if name not in CODEC_TYPES:  # a tuple: the value may be a list or a table
        raise r.error(
            key if named or "type" not in raw else f"{key}.type",
            f"unknown codec {_name_or_kind(name)} (allowed: {', '.join(CODEC_TYPES)})",
        )
    r.check_keys(raw, key, {*CODEC_KEYS, *CODEC_KINDS[name].keys})
    read = _CODEC_READERS.get(name)
    return read(r, raw, key) if read is not None else CodecSpec(type=name)


def _aes_gcm(r: _Reader, raw: Mapping[str, Any], key: str) -> CodecSpec:
    keys_raw = r.expect_secret(
        raw.get("keys"), dict, f"{key}.keys", 'a table of key id = "base64 key" (or env:/file:)'
    )
    if not keys_raw:
        raise r.error(f"{key}.keys", "needs at least one key")
    keys = [(key_id, _aes_key(r, ref, f"{key}.keys.{key_id}")) for key_id, ref in keys_raw.items()]
    encrypt_with = raw.get("encrypt_with", keys[0][0])
    r.expect(encrypt_with, str, f"{key}.encrypt_with", "a key id")
    if encrypt_with not in dict(keys):
        raise r.error(
            f"{key}.encrypt_with",
            f"no key {_name_or_kind(encrypt_with)} in keys (known: "
            f"{', '.join(k for k, _ in keys)})",
        )
    return CodecSpec(type="aes-gcm", keys=tuple(keys), encrypt_with=encrypt_with)


def _aes_key(r: _Reader, ref: Any, where: str) -> bytes:
    secret = r.secret(ref, where)
    try:
        material = base64.b64decode(secret.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise r.error(where, "not valid base64") from None
    if len(material) not in AES_KEY_SIZES:
        raise r.error(where, f"an AES key is 16, 24 or 32 bytes, this one is {len(material)}")
    return material


def _remote(r: _Reader, raw: Mapping[str, Any], key: str) -> CodecSpec:
    url = r.expect(raw.get("url"), str, f"{key}.url", "the codec server's URL")
    if not url.startswith(("http://", "https://")):
        shown = _without_credentials(url)
        raise r.error(f"{key}.url", f"expected an http(s) URL, got {shown!r}")
    auth = r.secret(raw["auth"], f"{key}.auth") if "auth" in raw else None
    return CodecSpec(type="remote", url=url.rstrip("/"), auth=auth)


def _python_codec(r: _Reader, raw: Mapping[str, Any], key: str) -> CodecSpec:
    return CodecSpec(type="python", factory=r.factory(raw.get("factory"), f"{key}.factory"))


_CODEC_READERS: Mapping[str, Callable[[_Reader, Mapping[str, Any], str], CodecSpec]] = {
    "aes-gcm": _aes_gcm,
    "remote": _remote,
    "python": _python_codec,
}  # a kind missing here has no keys of its own


# --- storage ---------------------------------------------------------------------------------


def _storage(r: _Reader, raw: Mapping[str, Any], key: str) -> StorageSpec:
    driver = raw.get("driver")
    if driver not in DRIVER_TYPES:  # a tuple: the value may be a list or a table
        raise r.error(
            f"{key}.driver",
            f"unknown driver {_name_or_kind(driver)} (allowed: {', '.join(DRIVER_TYPES)})",
        )
    kind = DRIVER_KINDS[driver]
    r.check_keys(raw, key, {*DRIVER_KEYS, *kind.keys})
    # A python driver's name comes from the driver itself unless the config pins it.
    name = r.expect(raw.get("name", kind.default_name), str, f"{key}.name", "a driver name")
    timeout = r.positive(
        raw.get("timeout_seconds", model.DEFAULT_TIMEOUT), f"{key}.timeout_seconds", float
    )
    spec = StorageSpec(driver=driver, name=name, timeout_seconds=float(timeout))
    return _DRIVER_READERS[driver](r, raw, key, spec)


def _filesystem(r: _Reader, raw: Mapping[str, Any], key: str, spec: StorageSpec) -> StorageSpec:
    return replace(spec, path=r.path(raw.get("path"), f"{key}.path", "the store's directory"))


def _python_driver(r: _Reader, raw: Mapping[str, Any], key: str, spec: StorageSpec) -> StorageSpec:
    return replace(spec, factory=r.factory(raw.get("factory"), f"{key}.factory"))


def _s3(r: _Reader, raw: Mapping[str, Any], key: str, spec: StorageSpec) -> StorageSpec:
    bucket = r.expect(raw.get("bucket"), str, f"{key}.bucket", "a bucket name")
    buckets = r.strings(raw.get("buckets", []), f"{key}.buckets")
    opts = {
        k: r.expect(raw[k], str, f"{key}.{k}", "a string")
        for k in ("endpoint_url", "region", "aws_profile")
        if k in raw
    }
    return replace(spec, bucket=bucket, buckets=buckets, **opts)


def _gcs(r: _Reader, raw: Mapping[str, Any], key: str, spec: StorageSpec) -> StorageSpec:
    bucket = r.expect(raw.get("bucket"), str, f"{key}.bucket", "a bucket name")
    buckets = r.strings(raw.get("buckets", []), f"{key}.buckets")
    endpoint = raw.get("endpoint_url")
    if endpoint is not None:
        r.expect(endpoint, str, f"{key}.endpoint_url", "a string")
        if not endpoint.startswith(("http://", "https://")):
            shown = _without_credentials(endpoint)
            raise r.error(f"{key}.endpoint_url", f"expected an http(s) URL, got {shown!r}")
    return replace(spec, bucket=bucket, buckets=buckets, endpoint_url=endpoint)


_DRIVER_READERS: Mapping[
    str, Callable[[_Reader, Mapping[str, Any], str, StorageSpec], StorageSpec]
] = {
    "filesystem": _filesystem,
    "s3": _s3,
    "gcs": _gcs,
    "python": _python_driver,
}  # every driver kind has keys of its own


# --- what errors may show --------------------------------------------------------------------

_NAME = re.compile(r"[a-z][a-z0-9_.-]{0,19}")
# What a TOML value is, in words, in the order to ask (a bool is an int too).
_KINDS_IN_WORDS: tuple[tuple[type | Any, str], ...] = (
    (bool, "true or false"),
    (int | float, "a number"),
    (str, "a string"),
    (dict, "a table"),
    (list, "a list"),
)


def _name_or_kind(value: Any) -> str:
    """A mistyped name quoted (``'gzipp'``), anything else only by its kind: a value in the
    wrong place may be a key or a token (``"aes-gcm:<key>"``), and errors are shown and logged.
    Keys and tokens are longer than a name, or not lower-case words, so they never match."""
    if isinstance(value, str) and _NAME.fullmatch(value):
        return repr(value)
    return f"(not shown: {_kind_of(value)} that does not look like a name)"


def _kind_of(value: Any) -> str:
    """What a TOML value is, in words, without showing it (it may be a secret)."""
    if value is None:
        return "nothing"
    words = (words for kind, words in _KINDS_IN_WORDS if isinstance(value, kind))
    return next(words, "a date or time")


def _without_credentials(url: str) -> str:
    """A URL as it may be shown: no ``user:password@`` (a typo in the scheme must not leak it)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url.rpartition("@")[2]
    netloc, slash, path = rest.partition("/")
    return f"{scheme}://{netloc.rpartition('@')[2]}{slash}{path}"
