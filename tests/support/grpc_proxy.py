"""A loopback gRPC proxy in front of the dev server: grpcio's generic handlers forward each
unary call's raw bytes and record its metadata, so tests see what a client really sends
(``authorization`` for an API key) and can put TLS or mTLS in front of a plain server.

Bounded: four handler threads, 30 s per forwarded call (``delay`` slows each one, a slow
link), bound to 127.0.0.1 only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc

from tests.support.ports import LOOPBACK

_NOT_FORWARDED = ("user-agent", "grpc-", ":")


@dataclass
class Seen:
    """One call as it arrived: the method and its metadata."""

    method: str
    metadata: dict[str, str | bytes]


@dataclass
class GrpcProxy:
    """``upstream`` (``host:port``, plain gRPC) behind this proxy on ``address``.

    ``tls``: (certificate PEM, key PEM) to serve TLS; ``client_ca``: demand a client
    certificate signed by it (mTLS); ``api_key``: refuse calls whose ``authorization`` is not
    ``Bearer <api_key>`` with PERMISSION_DENIED, as a cloud front end does.
    """

    upstream: str
    tls: tuple[bytes, bytes] | None = None
    client_ca: bytes | None = None
    api_key: str | None = None
    delay: float = 0.0  # seconds each call waits before it is forwarded (a slow link)
    seen: list[Seen] = field(default_factory=list)
    port: int = 0
    _server: Any = None
    _channel: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def start(self) -> GrpcProxy:
        self._channel = grpc.insecure_channel(self.upstream)
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        server.add_generic_rpc_handlers([_Forward(self)])
        where = f"{LOOPBACK}:0"
        if self.tls is None:
            self.port = server.add_insecure_port(where)
        else:
            creds = grpc.ssl_server_credentials(
                [(self.tls[1], self.tls[0])],
                root_certificates=self.client_ca,
                require_client_auth=self.client_ca is not None,
            )
            self.port = server.add_secure_port(where, creds)
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(grace=1).wait(5)
            self._server = None
        if self._channel is not None:
            self._channel.close()
            self._channel = None

    def __enter__(self) -> GrpcProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def authorizations(self) -> list[str | bytes | None]:
        with self._lock:
            return [s.metadata.get("authorization") for s in self.seen]

    def record(self, method: str, metadata: dict[str, str | bytes]) -> None:
        with self._lock:
            self.seen.append(Seen(method, metadata))

    def forward(self, method: str) -> Callable[[bytes, Any], bytes]:
        call = self._channel.unary_unary(method)  # no (de)serializers: raw bytes both ways

        def handle(request: bytes, context: Any) -> bytes:
            metadata = dict(context.invocation_metadata())
            self.record(method, metadata)
            if self.api_key is not None and metadata.get("authorization") != (
                f"Bearer {self.api_key}"
            ):
                context.abort(grpc.StatusCode.PERMISSION_DENIED, "Request unauthorized.")
            if self.delay:
                time.sleep(self.delay)  # a handler thread of the proxy, not the test's loop
            sent = [(k, v) for k, v in metadata.items() if not k.startswith(_NOT_FORWARDED)]
            try:
                response: bytes = call(request, metadata=sent, timeout=30)
            except grpc.RpcError as e:
                context.abort(e.code(), e.details() or "")
            return response

        return handle


class _Forward(grpc.GenericRpcHandler):
    def __init__(self, proxy: GrpcProxy) -> None:
        self.proxy = proxy

    def service(self, handler_call_details: Any) -> Any:
        return grpc.unary_unary_rpc_method_handler(self.proxy.forward(handler_call_details.method))
