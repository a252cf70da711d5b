"""Bounds on what a client can make the server hold: memory, descriptors, connections.

Each test runs a real ``payload-inspector serve`` (under a small descriptor limit where
descriptors are the point) and measures the process from outside, in ``/proc``:

- Content-Encoding bombs: eight 1 MB gzip bodies that inflate to 1 GiB each, at once;
- what aiohttp's own HTTP parser refuses, over raw sockets: still the JSON error shape;
- a ``"*"`` profile with a ``remote`` codec asked for hundreds of namespaces;
- hundreds (and 2,000) idle or slow connections, then ``/healthz``.

The figures they print (``pytest -s``) are the ones docs/reliability.md quotes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import struct
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload

from tests.support.config import Profiles, profile, remote_codec, write_config
from tests.support.http import client_session, parse_raw_answer, post, to_json
from tests.support.serve import ServeProcess, serve

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="measures the server in /proc"
)

LOOPBACK = "127.0.0.1"
PAYLOADS = [Payload(metadata={"encoding": b"json/plain"}, data=b'{"n": 1}')]
BODY = json.dumps(to_json(PAYLOADS)).encode()
PLAIN_PROFILE: Profiles = {"plain": profile([], namespaces=["*"])}


def serve_args(directory: Path, profiles: Profiles, name: str = "config.toml") -> tuple[str, ...]:
    return ("--config", str(write_config(directory, profiles, name=name)), "--port", "0")


def descriptors(server: ServeProcess) -> int:
    return len(os.listdir(f"/proc/{server.process.pid}/fd"))


def memory_kib(server: ServeProcess) -> dict[str, int]:
    """``VmRSS`` (now) and ``VmHWM`` (the peak so far), in KiB."""
    found = {}
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


async def exchange(port: int, data: bytes, wait: float = 10.0) -> bytes:
    """Send exactly ``data``; everything the server answers until it closes."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(LOOPBACK, port), 5)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), wait)
    finally:
        writer.close()


async def healthz_status(port: int) -> str:
    """``/healthz``'s status code, or what went wrong trying."""
    try:
        answer = await exchange(
            port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 5
        )
    except (OSError, TimeoutError) as e:
        return type(e).__name__
    return answer.split(b" ", 2)[1].decode() if answer else "closed"


async def wait_for_healthz(port: int, started: float, limit: float) -> float:
    """Seconds from ``started`` until ``/healthz`` answers 200 (fails after ``limit``)."""
    last = ""
    while time.monotonic() - started < limit:
        last = await healthz_status(port)
        if last == "200":
            return time.monotonic() - started
        await asyncio.sleep(0.25)
    raise AssertionError(f"/healthz did not answer 200 within {limit:.0f}s (last: {last})")


# -- Content-Encoding bombs -------------------------------------------------------------------


def gzip_bomb(inflated: int, block: int = 64 * 1024 * 1024) -> bytes:
    """A valid gzip member of ``inflated`` zero bytes, in about a thousandth of that: one
    block compressed once (ending in a full flush, so it stands alone) and repeated."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    part = packer.compress(bytes(block)) + packer.flush(zlib.Z_FULL_FLUSH)
    count, crc = inflated // block, 0
    for _ in range(count):
        crc = zlib.crc32(bytes(block), crc)
    last = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS).flush()  # an empty final block
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + part * count + last + struct.pack("<II", crc, (count * block) & 0xFFFFFFFF)


async def test_eight_content_encoding_bombs_at_once_keep_memory_bounded(tmp_path: Path) -> None:
    bomb = gzip_bomb(1024**3)
    assert len(bomb) < 1_100_000
    async with serve(*serve_args(tmp_path, PLAIN_PROFILE)) as server:  # max_body_bytes 64 MiB
        before = memory_kib(server)
        async with client_session() as session:

            async def send() -> tuple[int, dict[str, object]]:
                headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
                async with session.post(
                    f"{server.url}/decode", data=bomb, headers=headers
                ) as answer:
                    return answer.status, await answer.json()

            started = time.monotonic()
            answers = await asyncio.gather(*(send() for _ in range(8)))
            took = time.monotonic() - started
            assert [status for status, _ in answers] == [413] * 8, answers
            assert (await post(session, f"{server.url}/decode", PAYLOADS)).status == 200
        after = memory_kib(server)
        print(
            f"\n[bounds] 8 concurrent 1 MB gzip bombs (1 GiB each): all 413 in {took:.1f}s; "
            f"server RSS {before['VmRSS'] / 1024:.0f} MiB before, peak "
            f"{after['VmHWM'] / 1024:.0f} MiB, {after['VmRSS'] / 1024:.0f} MiB after"
        )
        # Unbounded, aiohttp inflated ~700 MiB a request and kept gigabytes afterwards.
        assert after["VmHWM"] - before["VmRSS"] < 400 * 1024
        assert after["VmRSS"] - before["VmRSS"] < 150 * 1024
        for _, error in answers:
            assert "inflates to more than max_body_bytes" in str(error["error"])


# -- aiohttp's parser errors --------------------------------------------------------------------

MARK = b"do-not-echo-7f3a"
MALFORMED = {
    "not HTTP at all": b"GARBAGE " + MARK + b"\r\n\r\n",
    "a bad method": b"G@T /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "TLS on the HTTP port": b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + MARK,
    "a bad HTTP version": b"GET /healthz HTTP/9." + MARK + b"\r\nHost: 127.0.0.1\r\n\r\n",
    "a header without a colon": b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    + MARK
    + b"\r\n\r\n",
    "a control character in a header": b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"X-Token: " + MARK + b"\x01\r\n\r\n",
    "a header line too long": b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: "
    + MARK * 600
    + b"\r\n\r\n",
    "a request line too long": b"GET /" + MARK * 600 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "two Content-Lengths": b"POST /decode HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    "a bad chunk size": b"POST /decode HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Transfer-Encoding: chunked\r\n\r\nZZ\r\n" + MARK + b"\r\n0\r\n\r\n",
    "no Host in HTTP/1.1": b"GET /healthz HTTP/1.1\r\nX-Mark: " + MARK + b"\r\n\r\n",
}


async def test_what_the_http_parser_refuses_is_answered_in_the_json_shape(tmp_path: Path) -> None:
    async with serve(*serve_args(tmp_path, PLAIN_PROFILE)) as server:
        for what, data in MALFORMED.items():
            answer = parse_raw_answer(await exchange(server.port, data))
            assert answer.status == 400, (what, answer)
            assert answer.headers["content-type"].startswith("application/json"), (what, answer)
            error = json.loads(answer.body)
            assert set(error) == {"error", "index", "stage"}, (what, error)
            assert error["error"].startswith("bad HTTP request: "), (what, error)
            assert MARK.decode() not in error["error"], (what, error)  # never the request's bytes
        assert await healthz_status(server.port) == "200"
    records = [r for r in server.log_records() if r["status"] == 400]
    assert len(records) == len(MALFORMED)
    assert not any(MARK.decode() in line for line in server.stderr_lines)


# -- a remote-codec profile and endless namespaces -------------------------------------------


async def test_hundreds_of_namespaces_through_a_remote_codec_keep_descriptors_bounded(
    tmp_path: Path,
) -> None:
    async with serve(*serve_args(tmp_path, PLAIN_PROFILE, "codec-server.toml")) as codec_server:
        remote = {"any": profile([remote_codec(f"{codec_server.url}/codec")], namespaces=["*"])}
        async with serve(*serve_args(tmp_path, remote), fd_limit=256) as server:
            at_start, peak = descriptors(server), 0
            async with client_session() as session:

                async def decode(namespace: str) -> None:
                    answer = await post(
                        session, f"{server.url}/decode", PAYLOADS, namespace=namespace
                    )
                    assert answer.status == 200, (namespace, answer.body)
                    assert answer.payloads == PAYLOADS

                for i in range(500):  # one after another: the Web UI's way
                    await decode(f"ns-{i}")
                    if i % 50 == 0:
                        peak = max(peak, descriptors(server))
                for batch in range(4):  # and 25 at once
                    await asyncio.gather(*(decode(f"at-once-{batch}-{i}") for i in range(25)))
                    peak = max(peak, descriptors(server))
                await decode("ns-0")  # an evicted namespace comes back
            assert await healthz_status(server.port) == "200"
            at_end = descriptors(server)
            print(
                f"\n[bounds] 600 namespaces through a remote codec, limit 256: descriptors "
                f"{at_start} at start, peak {peak}, {at_end} at the end"
            )
            # One pipeline and one keep-alive socket per namespace used to reach the limit
            # after ~240 namespaces.
            assert peak < 80 and at_end < 80


# -- idle and slow connections -----------------------------------------------------------------


@dataclass
class Held:
    """A connection the test opened and then left alone (or fed slowly)."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    opened: float
    closed_after: float | None = None
    first: bytes = b""


async def watch(held: Held) -> None:
    """Note when (and with what) the server ends the connection."""
    try:
        held.first = (await held.reader.read())[:12]
    except OSError:
        held.first = b"reset"
    held.closed_after = time.monotonic() - held.opened


async def trickle(held: Held) -> None:
    """Half a request head, then a byte a second: it never completes."""
    with contextlib.suppress(OSError):
        held.writer.write(b"POST /decode HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        while held.closed_after is None:
            await asyncio.sleep(1)
            held.writer.write(b"a")
            await held.writer.drain()


async def open_held(port: int, count: int) -> list[Held]:
    held = []
    for _ in range(count):
        reader, writer = await asyncio.wait_for(asyncio.open_connection(LOOPBACK, port), 10)
        held.append(Held(reader, writer, time.monotonic()))
    return held


@contextlib.contextmanager
def own_descriptor_limit(needed: int) -> Iterator[None]:
    """Raise this process's soft descriptor limit to ``needed`` for a while, if it is lower."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip(f"needs {needed} descriptors, the hard limit is {hard}")
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def hold_and_probe(
    tmp_path: Path, *, limit: int, idle: int, slow: int
) -> tuple[float, int, list[Held], int]:
    """``idle`` silent and ``slow`` trickling connections to a server with ``limit``
    descriptors; returns when ``/healthz`` answered, the descriptors at the peak, the
    connections (each noting when the server closed it), and the descriptors afterwards."""
    async with serve(*serve_args(tmp_path, PLAIN_PROFILE), fd_limit=limit) as server:
        held = await open_held(server.port, slow + idle)
        started = held[0].opened
        watchers = [asyncio.create_task(watch(h)) for h in held]
        tricklers = [asyncio.create_task(trickle(h)) for h in held[:slow]]
        try:
            await asyncio.sleep(0.5)
            peak = descriptors(server)
            healthy_after = await wait_for_healthz(server.port, started, 45)
            await asyncio.wait_for(asyncio.gather(*watchers), 20)  # every one closed by then
            await asyncio.sleep(0.5)
            after = descriptors(server)
            assert (await post_ok(server)) == 200
        finally:
            for task in (*watchers, *tricklers):
                task.cancel()
            await asyncio.gather(*watchers, *tricklers, return_exceptions=True)
            for h in held:
                h.writer.close()
    return healthy_after, peak, held, after


async def post_ok(server: ServeProcess) -> int:
    async with client_session() as session:
        return (await post(session, f"{server.url}/decode", PAYLOADS)).status


def summary(held: list[Held]) -> dict[str, object]:
    refused = [h for h in held if h.first.startswith(b"HTTP/1.1 503")]
    dropped = [h for h in held if not h.first.startswith(b"HTTP/1.1 503")]
    return {
        "refused with a 503": len(refused),
        "closed without an answer": len(dropped),
        "latest close (s)": round(max(h.closed_after or 0.0 for h in held), 1),
        "latest close of a kept one (s)": round(
            max((h.closed_after or 0.0 for h in dropped), default=0.0), 1
        ),
    }


async def test_idle_and_slow_connections_are_closed_and_healthz_comes_back(
    tmp_path: Path,
) -> None:
    healthy_after, peak, held, after = await hold_and_probe(tmp_path, limit=256, idle=400, slow=20)
    figures = summary(held)
    print(
        f"\n[bounds] 400 idle + 20 slow-header sockets, limit 256: /healthz 200 after "
        f"{healthy_after:.1f}s; descriptors peak {peak}, {after} after; {figures}"
    )
    assert healthy_after < 20  # never, before: idle connections were kept an hour
    assert peak < 256 - 32  # a reserve stays free for the server's own use
    slow = held[:20]
    assert all(h.first in (b"", b"reset") for h in slow)  # never answered: cut at the deadline
    assert all(h.closed_after is not None and h.closed_after < 15 for h in held)
    assert after < 40


async def test_two_thousand_idle_connections(tmp_path: Path) -> None:
    with own_descriptor_limit(2600):
        healthy_after, peak, held, after = await hold_and_probe(
            tmp_path, limit=1024, idle=2000, slow=0
        )
    figures = summary(held)
    print(
        f"\n[bounds] 2000 idle sockets, limit 1024: /healthz 200 after {healthy_after:.1f}s; "
        f"descriptors peak {peak}, {after} after; {figures}"
    )
    assert healthy_after < 20
    assert peak < 1024 - 64
    assert figures["refused with a 503"] == sum(h.first.startswith(b"HTTP/1.1 503") for h in held)
    assert 0 < len([h for h in held if h.first == b""]) < 1024 - 64  # kept, up to the cap
    assert all(h.closed_after is not None and h.closed_after < 15 for h in held)
