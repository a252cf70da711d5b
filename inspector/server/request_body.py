"""Reading a request body: bounded on the wire, in time, and once its Content-Encoding is undone.

aiohttp would inflate ``gzip`` and ``deflate`` bodies itself, with no bound, before
``max_body_bytes`` was checked (a 1 MB request took ~700 MiB). So the server is told not to
(``auto_decompress=False``, see ``connections.HANDLER_ARGS``) and the body is read here as
sent, then inflated with the project's bounded inflate against the same ``max_body_bytes``.
A body that stops arriving is answered 408 instead of holding its connection forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib

import aiohttp
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from inspector.codecs.inflate import InflateLimitError, gunzip, inflate_raw, unzlib
from inspector.server.errors import ApiError
from inspector.server.request_log import BYTES_IN

# What a client may send; RFC 9110's "deflate" is zlib-wrapped, but raw deflate is accepted too.
CODINGS = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate"}
ACCEPT_ENCODING = "gzip, deflate"
BODY_IDLE_SECONDS = 10.0  # no byte of the body for this long: 408
BODY_TOTAL_SECONDS = 60.0  # the whole body, however it trickles in (64 MiB at ~1 MB/s)
INFLATE_INLINE_MAX_BYTES = 4 * 1024  # inflated on the loop below this (at most ~4 MiB out)
INFLATE_AT_ONCE = 2  # large bodies inflated at once, each up to max_body_bytes in memory


async def read_body(
    request: web.Request, limit: int, inflating: asyncio.Semaphore | None = None
) -> bytes:
    """The body, its Content-Encoding undone, at most ``limit`` bytes on the wire and after.

    ``inflating`` bounds how many large bodies are inflated at once: each may grow to
    ``limit`` before it is known to be too large, from a wire size a thousand times smaller.
    Raises ``ApiError``: 415 for a coding other than gzip or deflate, 413 past ``limit``,
    408 for a body that stops arriving, 400 for one cut short or not valid for its coding.
    """
    coding = content_coding(request.headers.getall("Content-Encoding", ()))
    if request.content_length is not None and request.content_length > limit:
        request[BYTES_IN] = request.content_length
        raise _too_large(limit)
    raw = await _read_raw(request, limit)
    request[BYTES_IN] = len(raw)
    if coding is None:
        return raw
    if len(raw) < INFLATE_INLINE_MAX_BYTES:
        return inflate(raw, coding, limit)
    async with inflating or contextlib.nullcontext():
        return await asyncio.to_thread(inflate, raw, coding, limit)


def content_coding(values: tuple[str, ...] | list[str]) -> str | None:
    """``"gzip"``, ``"deflate"`` or None (identity) for the Content-Encoding header(s).

    Raises ``ApiError(415)`` naming an unsupported coding, or more than one: no client
    stacks codings, and each layer would be another full-size inflate.
    """
    codings = [c.strip().lower() for value in values for c in value.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return None
    if len(codings) > 1:
        raise _unsupported(f"Content-Encoding {_shown(', '.join(codings))} stacks codings")
    coding = CODINGS.get(codings[0])
    if coding is None:
        raise _unsupported(f"Content-Encoding '{_shown(codings[0])}' is not supported")
    return coding


def inflate(raw: bytes, coding: str, limit: int) -> bytes:
    """``raw`` inflated, at most ``limit`` bytes; raises ``ApiError`` (413, or 400 if damaged)."""
    try:
        if coding == "gzip":
            return gunzip(raw, limit=limit)
        if _zlib_wrapped(raw):
            return unzlib(raw, limit=limit)
        return inflate_raw(raw, limit=limit)
    except InflateLimitError:
        raise ApiError(413, f"body inflates to more than max_body_bytes ({limit} bytes)") from None
    except (zlib.error, OSError, EOFError, ValueError):  # gzip's BadGzipFile is an OSError
        raise ApiError(400, f"body is not valid {coding} data (Content-Encoding)") from None


def _zlib_wrapped(data: bytes) -> bool:
    """RFC 1950's two-byte header (method 8, checksum): else the data is raw deflate."""
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


async def _read_raw(request: web.Request, limit: int) -> bytes:
    """The body as sent, refused past ``limit`` bytes and when it stops arriving."""
    content = request.content
    if content.is_eof() and content.exception() is None:
        # The usual small body came with the head: nothing to wait for, no timer to set.
        raw = content.read_nowait(-1)
        if len(raw) > limit:
            request[BYTES_IN] = len(raw)
            raise _too_large(limit)
        return raw
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BODY_TOTAL_SECONDS
    parts: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(min(deadline, loop.time() + BODY_IDLE_SECONDS)) as timer:
            while chunk := await request.content.readany():
                size += len(chunk)
                if size > limit:
                    request[BYTES_IN] = size
                    raise _too_large(limit)
                parts.append(chunk)
                timer.reschedule(min(deadline, loop.time() + BODY_IDLE_SECONDS))
    except TimeoutError:
        request[BYTES_IN] = size
        raise ApiError(
            408,
            f"the body did not arrive in time ({size} bytes received; a body must keep "
            f"arriving and end within {BODY_TOTAL_SECONDS:g}s)",
        ) from None
    except (ConnectionError, asyncio.IncompleteReadError, aiohttp.ClientPayloadError):
        raise ApiError(400, "the body ended early: the connection was closed") from None
    except (web.RequestPayloadError, HttpProcessingError):  # e.g. broken chunked encoding
        raise ApiError(400, "the body is not valid HTTP/1.1 framing") from None
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"body is larger than max_body_bytes ({limit} bytes)")


def _unsupported(what: str) -> ApiError:
    return ApiError(
        415,
        f"{what}: send the body uncompressed or as {ACCEPT_ENCODING.replace(', ', ' or ')}",
        headers={"Accept-Encoding": ACCEPT_ENCODING},  # RFC 9110 15.5.16
    )


def _shown(text: str) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= 40 else text[:40] + "…"
