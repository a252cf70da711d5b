"""Misbehaving loopback servers for fault tests: one that cuts a body in half, one that stalls.

``EchoCodecServer`` is a broken remote codec server that quotes back the credentials it
was sent. ``BlobServer`` serves store blobs but closes the connection halfway through each body (the
``DroppingDriver`` reads from it). ``FaultyProxy`` sits in front of a real server (moto's S3)
and either forwards everything but cuts ``GET`` bodies in half, or accepts and never answers.
Both run on the test's own event loop, bound to 127.0.0.1, and cancel their connections when
closed, so no test can hang on them.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Literal

LOOPBACK = "127.0.0.1"


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


class _Server:
    """A loopback TCP server whose connection handlers are cancelled on close."""

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0
        self.requests = 0

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    async def __aenter__(self) -> _Server:
        self._server = await asyncio.start_server(self._accept, LOOPBACK, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(task, 5)
        await asyncio.wait_for(self._server.wait_closed(), 5)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        try:
            await self.handle(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass  # our own close(): end quietly (asyncio logs a handler that ends cancelled)
        finally:
            self._tasks.discard(task)  # type: ignore[arg-type]
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 2)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


class BlobServer(_Server):
    """``GET /sha256/<hex>`` answers the blob's full Content-Length, sends half, and hangs up."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.requests += 1
        path = head.split(b" ", 2)[1].decode()
        digest = path.rsplit("/", 1)[-1]
        blob = (self.root / "sha256" / digest[:2] / digest).read_bytes()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            + f"Content-Length: {len(blob)}\r\n\r\n".encode()
            + blob[: len(blob) // 2]
        )
        await writer.drain()


class FaultyProxy(_Server):
    """In front of ``upstream``: ``cut`` halves every GET body, ``stall`` never answers."""

    def __init__(self, upstream_port: int, mode: Literal["cut", "stall"]) -> None:
        super().__init__()
        self.upstream_port = upstream_port
        self.mode = mode

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            body = await reader.readexactly(_content_length(head))
            self.requests += 1
            if self.mode == "stall":
                await asyncio.sleep(3600)  # cancelled when the proxy closes
            method = head.split(b" ", 1)[0]
            up_reader, up_writer = await asyncio.open_connection(LOOPBACK, self.upstream_port)
            try:
                up_writer.write(head + body)
                await up_writer.drain()
                answer_head = await up_reader.readuntil(b"\r\n\r\n")
                size = 0 if method == b"HEAD" else _content_length(answer_head)
                answer = await up_reader.readexactly(size)
            finally:
                up_writer.close()
            if method == b"GET" and size:
                writer.write(answer_head + answer[: size // 2])
                await writer.drain()
                return  # hang up mid-body
            writer.write(answer_head + answer)
            await writer.drain()


class EchoCodecServer(_Server):
    """A broken remote codec server: answers 500 quoting the credentials it was sent."""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.requests += 1
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        # The credentials first (error texts are cut short), bare and as sent, then it all.
        auth = [line for line in head.split(b"\r\n") if line.lower().startswith(b"authorization:")]
        bare = [line.split(b" ")[-1] for line in auth]
        body = b"bad credentials " + b" ".join(bare) + b" in " + b" ".join(auth) + b"\n" + head
        writer.write(
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
