"""What a config says, as frozen values: the server, the profiles, their codecs and storage.

Nothing here reads a file or checks a value (``validation`` does); secrets resolved from
the file (keys, tokens, codec server credentials) are held but never shown in a ``repr``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from inspector.config.errors import ConfigError
from inspector.config.kinds import CODEC_KINDS
from inspector.limits import DEFAULT_MAX_DECODED_BYTES

DEFAULT_THRESHOLD = 256 * 1024
DEFAULT_TIMEOUT = 30.0
DEFAULT_ORIGINS = ("http://localhost:8233", "http://127.0.0.1:8233")
# Temporal Cloud's "pass access token": who signs it, for whom, and where the email is.
TEMPORAL_CLOUD_JWKS_URL = "https://login.tmprl.cloud/.well-known/jwks.json"
TEMPORAL_CLOUD_AUDIENCE = "https://saas-api.tmprl.cloud"
TEMPORAL_CLOUD_EMAIL_CLAIM = "https://saas-api.tmprl.cloud/user/email"


@dataclass(frozen=True)
class JwtConfig:
    """``[server.jwt]``: bearer tokens verified against a JWKS (the Web UI's SSO token)."""

    jwks_url: str
    audiences: tuple[str, ...]
    issuer: str | None = None
    email_claim: str = "email"
    groups_claim: str = "groups"
    leeway_seconds: float = 30.0


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
    jwt: JwtConfig | None = None
    audit_log: Path | None = None  # None: stderr when tokens are verified, else no audit log
    metrics: bool | str = True  # True: GET /metrics open; "token": it needs one; False: off


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
        kind = CODEC_KINDS.get(self.type)
        return kind.label(self) if kind is not None else self.type


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
    readers: tuple[str, ...] = ()  # with [server.jwt]: emails, "*@domain", "group:NAME"
    # Descriptor sets, .proto files or folders: the protobuf messages shown by field name.
    proto_descriptors: tuple[Path, ...] = ()
    encode_headers: bool = False  # workers run headers through the codecs too

    @property
    def timeout_seconds(self) -> float:
        """The longest a storage call may take in this profile."""
        return max((s.timeout_seconds for s in self.storage), default=DEFAULT_TIMEOUT)

    @functools.cached_property
    def sees_namespace(self) -> bool:
        """Whether a codec is sent the namespace (``remote``): its pipeline is per namespace.

        Worked out once: every request asks."""
        kinds = (CODEC_KINDS.get(c.type) for c in (*self.codecs, *self.proxy_codecs))
        return any(kind is not None and kind.sees_namespace for kind in kinds)


@dataclass(frozen=True)
class Config:
    """A whole config: where it came from, the server, and the profiles by name."""

    source: Path | None
    server: ServerConfig
    profiles: Mapping[str, Profile]
    # ``[redaction] rules``: applied after the command line's (``inspector.redaction``)
    redaction_rules: tuple[str, ...] = ()

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

    def lists_namespace(self, namespace: str) -> bool:
        """Whether a profile names ``namespace`` itself (not through ``"*"``)."""
        return any(namespace in p.namespaces for p in self.profiles.values())

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
