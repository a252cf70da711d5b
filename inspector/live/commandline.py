"""The connection options shared by ``decode --workflow-id`` and ``workflows``: the parser's
flags and the ``Connection`` they make, in one place so both verbs read them alike."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the parser must not load the SDK's client: `--help` stays quick
    from inspector.live.connection import Connection


def add_connection_options(p: argparse.ArgumentParser) -> None:
    """``--address``, ``--env-profile``, ``--api-key``, ``--tls-*`` (``--namespace`` is the
    verb's own: it also picks the inspector profile)."""
    p.add_argument("--address", metavar="HOST:PORT", help="the Temporal server's gRPC address")
    p.add_argument(
        "--env-profile",
        metavar="NAME",
        help="a profile of the temporal CLI's client config (temporal.toml, TEMPORAL_*)",
    )
    p.add_argument(
        "--api-key", metavar="SECRET", help="API key: env:VAR or file:PATH (a bare key works)"
    )
    p.add_argument("--tls-cert", metavar="S", help="client certificate (mTLS): a PEM path")
    p.add_argument("--tls-key", metavar="S", help="client key (mTLS): a PEM path")
    p.add_argument("--tls-ca", metavar="S", help="the server's CA: a PEM path")
    p.add_argument("--tls-server-name", metavar="NAME", help="the name the certificate must have")


def connection_from(values: Any) -> Connection:
    """The connection a verb's parsed options (or its request) name."""
    from inspector.live.connection import Connection

    return Connection(
        address=values.address,
        namespace=values.namespace,
        api_key=values.api_key,
        tls_cert=values.tls_cert,
        tls_key=values.tls_key,
        tls_ca=values.tls_ca,
        tls_server_name=values.tls_server_name,
        env_profile=values.env_profile,
    )
