"""An existing codec server (``POST /encode`` and ``/decode`` of proto JSON) used as a codec."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit, urlunsplit

import aiohttp
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import PayloadCodec

from inspector.codecs.errors import CodecConfigError, CodecError

ERROR_TEXT_LIMIT = 200
# Connections to codec servers open at once, per event loop, for every RemoteCodec together.
REMOTE_CONNECTIONS = 32


class _SharedConnectors:
    """One connection pool per event loop, shared by every RemoteCodec session on it.

    A server keeps a RemoteCodec per namespace (it forwards ``X-Namespace``); with a pool
    each, every namespace ever seen kept its own keep-alive socket open. Shared, the sockets
    are bounded by ``REMOTE_CONNECTIONS`` whatever the number of codecs. The pool closes
    when the last session holding it does.
    """

    def __init__(self) -> None:
        self._pools: dict[asyncio.AbstractEventLoop, tuple[aiohttp.TCPConnector, int]] = {}

    def acquire(self, loop: asyncio.AbstractEventLoop) -> aiohttp.TCPConnector:
        connector, holders = self._pools.get(loop, (None, 0))
        if connector is None or connector.closed:
            connector, holders = aiohttp.TCPConnector(limit=REMOTE_CONNECTIONS), 0
        self._pools[loop] = (connector, holders + 1)
        return connector

    async def release(self, loop: asyncio.AbstractEventLoop) -> None:
        connector = self.forget(loop)
        if connector is not None and not connector.closed:
            await connector.close()

    def forget(self, loop: asyncio.AbstractEventLoop) -> aiohttp.TCPConnector | None:
        """Drop one hold; returns the pool if that was the last (for the caller to close)."""
        connector, holders = self._pools.get(loop, (None, 0))
        if connector is None:
            return None
        if holders > 1:
            self._pools[loop] = (connector, holders - 1)
            return None
        del self._pools[loop]
        return connector


_CONNECTORS = _SharedConnectors()


def redact_url(url: str) -> str:
    """``url`` without user info, query or fragment: safe for names, logs and errors."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class RemoteCodec(PayloadCodec):
    """Sends payloads to a codec server, like the Go SDK's ``NewRemotePayloadCodec``.

    The request carries ``X-Namespace`` (servers pick their codecs by it) and, when given,
    ``Authorization`` as-is. One ``aiohttp`` session is created lazily on the running loop and
    closed by :meth:`aclose`; its connections come from the loop's shared pool
    (``_SharedConnectors``). Neither ``auth`` nor URL credentials appear in ``name``, ``repr``
    or any error.
    """

    def __init__(
        self,
        url: str,
        auth: str | None = None,
        namespace: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CodecConfigError(
                f"remote codec url must be http:// or https:// with a host, got '{redact_url(url)}'"
            )
        if parts.query or parts.fragment:
            raise CodecConfigError(
                f"remote codec url '{redact_url(url)}' must not have a query or fragment"
            )
        if parts.password is not None and auth:
            raise CodecConfigError(
                f"remote codec url '{redact_url(url)}' has credentials and auth is set too: use one"
            )
        if timeout <= 0:
            raise CodecConfigError(f"remote codec timeout must be positive, got {timeout}")
        self._url = url.rstrip("/")
        self._auth = auth
        self.namespace = namespace
        self.timeout = timeout
        self.url = redact_url(self._url)
        self.name = f"remote({self.url})"
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return (
            f"RemoteCodec(url={self.url!r}, namespace={self.namespace!r}, "
            f"auth={'set' if self._auth else None!r}, timeout={self.timeout})"
        )

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Ask the server's ``/encode`` to encode the payloads."""
        return await self._call("/encode", payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Ask the server's ``/decode`` to decode the payloads."""
        return await self._call("/decode", payloads)

    async def aclose(self) -> None:
        """Close the HTTP session; a later call opens a new one."""
        session, loop = self._session, self._session_loop
        self._session, self._session_loop = None, None
        if session is None or loop is None:
            return
        if not session.closed:
            await session.close()  # not the shared connector: only this session's hold on it
        await _CONNECTORS.release(loop)

    def _get_session(self) -> aiohttp.ClientSession:
        # A session belongs to the loop it was made on: make a new one if the loop changed.
        loop = asyncio.get_running_loop()
        session = self._session
        if session is not None and not session.closed and self._session_loop is loop:
            return session
        if self._session_loop is not None:
            _CONNECTORS.forget(self._session_loop)  # the old session's hold, on another loop
        self._session = aiohttp.ClientSession(
            connector=_CONNECTORS.acquire(loop),
            connector_owner=False,
            timeout=aiohttp.ClientTimeout(total=self.timeout),
        )
        self._session_loop = loop
        return self._session

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.namespace:
            headers["X-Namespace"] = self.namespace
        if self._auth:
            headers["Authorization"] = self._auth
        return headers

    def _scrub(self, text: str) -> str:
        """Remove every form of our credentials from text we did not write: a server may
        echo the header back, or only its token, or the Basic form of URL credentials."""
        for secret in self._secrets():
            text = text.replace(secret, "***")
        return text

    def _secrets(self) -> list[str]:
        parts = urlsplit(self._url)
        found = [self._auth or "", parts.password or ""]
        if self._auth:
            found.append(self._auth.strip().split(" ", 1)[-1].strip())  # the token alone
        if parts.password is not None:
            basic = f"{unquote(parts.username or '')}:{unquote(parts.password)}"
            encoded = base64.b64encode(basic.encode("latin-1", "replace")).decode()
            found += [basic, unquote(parts.password), encoded, encoded.rstrip("=")]
        # Longest first, so a token inside the full header value is replaced as a whole.
        return sorted({s for s in found if len(s) >= 4}, key=len, reverse=True)

    async def _call(self, route: str, payloads: Sequence[Payload]) -> list[Payload]:
        if not payloads:
            return []
        where = f"codec server {self.url}{route}"
        body = json_format.MessageToJson(Payloads(payloads=payloads))
        try:
            async with self._get_session().post(
                self._url + route, data=body.encode(), headers=self._headers()
            ) as response:
                text = await response.text(errors="replace")
                status = response.status
        except TimeoutError:
            raise CodecError(
                f"{where} did not answer within {self.timeout:g}s", self.name
            ) from None
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            # No chaining: aiohttp's exception may carry the request (URL, headers).
            reason = self._scrub(f"{type(exc).__name__}: {exc}")
            raise CodecError(f"cannot reach {where}: {reason}", self.name) from None
        if status != 200:
            detail = self._scrub(text.strip())[:ERROR_TEXT_LIMIT]
            raise CodecError(f"{where} answered HTTP {status}: {detail}", self.name)
        try:
            answer = json_format.Parse(text, Payloads(), ignore_unknown_fields=True)
        except (json_format.ParseError, RecursionError) as exc:
            reason = self._scrub(str(exc))[:ERROR_TEXT_LIMIT]
            raise CodecError(
                f"{where} answered with invalid Payloads JSON: {reason}", self.name
            ) from exc
        if len(answer.payloads) != len(payloads):
            raise CodecError(
                f"{where} answered {len(answer.payloads)} payloads for {len(payloads)}", self.name
            )
        return list(answer.payloads)
