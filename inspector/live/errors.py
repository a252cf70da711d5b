"""Connection trouble as one line that says what to do.

The SDK reports a failed connect as a ``RuntimeError`` carrying the transport's words and a
failed call as an ``RPCError`` with a gRPC status; both are turned here into the few cases a
user can act on: unreachable, TLS mismatch, permission denied, unknown namespace, workflow
not found.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from temporalio.service import RPCError, RPCStatusCode

from inspector.errors import InspectorError
from inspector.outcomes import one_line

if TYPE_CHECKING:
    from inspector.live.connection import ConnectArgs


class ConnectionTrouble(InspectorError):
    """The server could not be reached or refused what was asked: one line, exit 2."""


_TLS_WORDS = (
    "tls",
    "ssl",
    "certificate",
    "handshake",
    "invalidcontenttype",
    "corrupt message",
    "unknownissuer",
    "alert",
    "h2 protocol error",
    "http2",
    "frame with invalid size",
)
_UNREACHABLE_WORDS = (
    "connection refused",
    "dns error",
    "failed to lookup",
    "name or service not known",
    "no route to host",
    "network is unreachable",
    "timed out",
    "deadline",
    "connection reset",
    "broken pipe",
)


# A failed connect carries the first call's gRPC status in the core's words.
_CORE_STATUS = re.compile(r'Status \{ code: (\w+), message: "((?:[^"\\]|\\.)*)"')


# Statuses that are the server's answer; any other at connect time is the transport's.
_ANSWERS = (
    RPCStatusCode.PERMISSION_DENIED,
    RPCStatusCode.UNAUTHENTICATED,
    RPCStatusCode.NOT_FOUND,
    RPCStatusCode.INVALID_ARGUMENT,
    RPCStatusCode.FAILED_PRECONDITION,
)


def _core_status(text: str) -> tuple[RPCStatusCode, str] | None:
    """``Status { code: PermissionDenied, message: "…" …`` → the status and its message."""
    match = _CORE_STATUS.search(text)
    if match is None:
        return None
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", match.group(1)).upper()
    status = RPCStatusCode.__members__.get(name)
    return None if status is None else (status, match.group(2))


def trouble(
    error: BaseException, args: ConnectArgs, workflow_id: str | None = None
) -> ConnectionTrouble:
    """The one line for ``error`` met while talking to ``args.address``."""
    where = args.address
    ns = args.namespace
    core = None if isinstance(error, RPCError) else _core_status(str(error))
    if core is not None and core[0] in _ANSWERS:
        error = RPCError(core[1], core[0], b"")
    if isinstance(error, RPCError):
        message = one_line(error.message or str(error))
        status = error.status
        if status in (RPCStatusCode.PERMISSION_DENIED, RPCStatusCode.UNAUTHENTICATED):
            return ConnectionTrouble(
                f"{where}: permission denied for namespace '{ns}': {message} — check the API "
                "key or client certificate, and that it may read this namespace"
            )
        if status == RPCStatusCode.NOT_FOUND:
            if "namespace" in message.lower() and (
                workflow_id is None or "workflow" not in message.lower()
            ):
                return ConnectionTrouble(
                    f"{where}: unknown namespace '{ns}': {message} — check --namespace "
                    "(`temporal operator namespace list` shows them)"
                )
            what = f"workflow '{workflow_id}'" if workflow_id else "it"
            return ConnectionTrouble(
                f"{where}: {what} not found in namespace '{ns}': {message} — check the "
                "workflow id, the run id and the namespace"
            )
        if status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            return _transport(where, message, args.uses_tls)
        return ConnectionTrouble(f"{where}: the server refused: {status.name}: {message}")
    return _transport(where, one_line(str(error) or type(error).__name__), args.uses_tls)


_CAUSES = (  # the transport's words → the short cause shown
    ("connectionrefused", "connection refused"),
    ("connection refused", "connection refused"),
    ("invalidcontenttype", "the server did not answer in TLS"),
    ("unknownissuer", "the server's certificate is not signed by a trusted CA"),
    ("notvalidforname", "the server's certificate is not valid for this name"),
    ("certificaterequired", "the server requires a client certificate"),
    ("handshakefailure", "the TLS handshake failed"),
    ("dns error", "the host name does not resolve"),
    ("timed out", "no answer in time"),
)


def _short(message: str) -> str:
    """The transport's cause, without the client library's wrapping."""
    low = message.lower().replace("_", "")
    for words, cause in _CAUSES:
        if words in low:
            return cause
    for prefix in ("Failed client connect: ", "Server connection error: "):
        message = message.removeprefix(prefix)
    return message


def _transport(where: str, message: str, tls: bool) -> ConnectionTrouble:
    """A connection that did not come up: TLS on one side only, or nobody there."""
    low = message.lower()
    if not tls and "after connection" in low:
        # Plain gRPC to a TLS port: the TCP connection comes up, the first call is cut off.
        message = "the connection closed at the first call"
        low = "tls"
    elif tls and "after connection" in low and ("close_notify" in low or "transport" in low):
        # With mTLS demanded and no client certificate, the server hangs up after the hello.
        return ConnectionTrouble(
            f"{where}: TLS mismatch: the server closed the connection at the first call — it "
            "may demand a client certificate (mTLS): add --tls-cert and --tls-key; else check "
            "--tls-ca and --tls-server-name"
        )
    message = _short(message)
    if any(w in low for w in _TLS_WORDS) and not any(w in low for w in ("connection refused",)):
        if tls:
            hint = (
                "check --tls-ca and --tls-server-name (the server's certificate must match), "
                "or drop the TLS options if the server speaks plain gRPC"
            )
        else:
            hint = "the server may want TLS: add --tls-ca (and --tls-cert/--tls-key for mTLS)"
        return ConnectionTrouble(f"{where}: TLS mismatch: {message} — {hint}")
    if any(w in low for w in _UNREACHABLE_WORDS) or not message:
        return ConnectionTrouble(
            f"{where}: unreachable: {message} — is the server running, and is the address "
            "HOST:PORT right?"
        )
    return ConnectionTrouble(
        f"{where}: cannot connect: {message} — check the address, and TLS on both sides"
    )
