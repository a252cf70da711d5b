"""A connection to a Temporal server: what the user gave, and the SDK client's arguments.

Everything goes through ``temporalio.client.Client.connect``, so TLS, mTLS and API keys work
as they do for a worker. A named profile of the ``temporal`` CLI's own client config
(``temporalio.envconfig``: ``temporal.toml`` and the ``TEMPORAL_*`` variables) fills in what
the user did not give, so someone who already uses the CLI configures nothing new.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.envconfig import ClientConfigProfile, ClientConnectConfig
from temporalio.service import TLSConfig

from inspector.errors import InspectorError
from inspector.live.errors import ConnectionTrouble, trouble

DEFAULT_NAMESPACE = "default"
CONNECT_TIMEOUT = 10.0


class ConnectionSettingsError(InspectorError, ValueError):
    """A setting that cannot be used (a missing file, an unset variable, no address)."""


@dataclass(frozen=True)
class Connection:
    """What the user asked to connect to. Secrets are references: ``api_key`` takes
    ``env:VAR`` or ``file:PATH`` (or the bare key); a bare ``tls_*`` value is a path, and
    ``env:VAR`` (the PEM itself) and ``file:PATH`` work too. ``env_profile`` names a CLI
    client-config profile whose values apply where these are not given."""

    address: str | None = None
    namespace: str | None = None
    api_key: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_ca: str | None = None
    tls_server_name: str | None = None
    env_profile: str | None = None
    connect_timeout: float = CONNECT_TIMEOUT

    def resolve(self, env: Mapping[str, str] | None = None) -> ConnectArgs:
        """The client's arguments, reading files and variables (blocking: run it in a
        thread). A bad setting is a ``ConnectionSettingsError`` naming the option."""
        env = os.environ if env is None else env
        # No address and no profile: the CLI's default profile, as `temporal` itself reads it.
        base: ClientConnectConfig = {}
        if self.env_profile is not None:
            base = _env_profile(self.env_profile, env)
        elif not self.address:
            with contextlib.suppress(ConnectionSettingsError):  # none there: say "no address"
                base = _env_profile("default", env)
        address = self.address or base.get("target_host")
        if not address:
            raise ConnectionSettingsError(
                "no server address: give --address HOST:PORT or --env-profile NAME"
            )
        namespace = self.namespace or base.get("namespace") or DEFAULT_NAMESPACE
        api_key = (
            _text(self.api_key, "--api-key", env) if self.api_key is not None else None
        ) or base.get("api_key")
        tls = self._tls(env, base.get("tls"))
        if tls is None and api_key:
            tls = True  # an API key is never sent in the clear (the SDK's rule too)
        metadata = dict(base.get("rpc_metadata") or {})
        return ConnectArgs(address, namespace, api_key, tls, metadata, self.connect_timeout)

    def _tls(self, env: Mapping[str, str], base: object) -> bool | TLSConfig | None:
        given = (self.tls_cert, self.tls_key, self.tls_ca, self.tls_server_name)
        if all(v is None for v in given):
            return base if isinstance(base, (bool, TLSConfig)) else None
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ConnectionSettingsError("--tls-cert and --tls-key go together: give both")
        inherited = base if isinstance(base, TLSConfig) else TLSConfig()
        return TLSConfig(
            server_root_ca_cert=_pem(self.tls_ca, "--tls-ca", env)
            if self.tls_ca is not None
            else inherited.server_root_ca_cert,
            domain=self.tls_server_name or inherited.domain,
            client_cert=_pem(self.tls_cert, "--tls-cert", env)
            if self.tls_cert is not None
            else inherited.client_cert,
            client_private_key=_pem(self.tls_key, "--tls-key", env)
            if self.tls_key is not None
            else inherited.client_private_key,
        )


@dataclass(frozen=True)
class ConnectArgs:
    """``Client.connect``'s arguments, secrets read: never printed, never saved."""

    address: str
    namespace: str
    api_key: str | None = field(default=None, repr=False)
    tls: bool | TLSConfig | None = field(default=None, repr=False)
    rpc_metadata: Mapping[str, str] = field(default_factory=dict, repr=False)
    connect_timeout: float = CONNECT_TIMEOUT

    @property
    def uses_tls(self) -> bool:
        return self.tls is not None and self.tls is not False


async def connect(connection: Connection) -> tuple[Client, ConnectArgs]:
    """A connected client and the arguments it was made with; any trouble is one
    ``ConnectionTrouble`` line saying what to do."""
    args = await asyncio.to_thread(connection.resolve)
    try:
        client = await Client.connect(
            args.address,
            namespace=args.namespace,
            api_key=args.api_key,
            tls=args.tls if args.tls is not None else False,
            rpc_metadata=args.rpc_metadata,
            connect_timeout=timedelta(seconds=args.connect_timeout),
            identity="payload-inspector",
        )
        # Connecting alone does not show a wrong namespace or key: one cheap call does.
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=args.namespace),
            timeout=timedelta(seconds=args.connect_timeout),
        )
    except ConnectionTrouble:
        raise
    except Exception as e:
        raise trouble(e, args) from None
    return client, args


def _env_profile(name: str, env: Mapping[str, str]) -> ClientConnectConfig:
    """The CLI's client-config profile ``name`` (``temporal.toml``, then ``TEMPORAL_*``)."""
    try:
        profile = ClientConfigProfile.load(profile=name, override_env_vars=dict(env))
        return profile.to_client_connect_config()
    except Exception as e:  # the SDK's loader raises plain errors for a bad file or name
        raise ConnectionSettingsError(f"--env-profile {name}: {_first(e)}") from None


def _first(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def _text(value: str, option: str, env: Mapping[str, str]) -> str:
    """A secret's text: ``env:VAR``, ``file:PATH`` or the value itself."""
    if value.startswith("env:"):
        name = value[4:]
        if name not in env:
            raise ConnectionSettingsError(f"{option}: environment variable {name} is not set")
        return env[name].strip()
    if value.startswith("file:"):
        return _read(Path(value[5:]).expanduser(), option).decode("utf-8", "replace").strip()
    return value


def _pem(value: str, option: str, env: Mapping[str, str]) -> bytes:
    """A PEM value: a bare path, ``file:PATH``, or ``env:VAR`` holding the PEM itself."""
    if value.startswith("env:"):
        return _text(value, option, env).encode()
    return _read(Path(value.removeprefix("file:")).expanduser(), option)


def _read(path: Path, option: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise ConnectionSettingsError(f"{option}: cannot read {path}: {e.strerror or e}") from None
