"""Request bodies with a Content-Encoding, bodies that stop arriving, and the token's bytes.

The server inflates ``gzip`` and ``deflate`` bodies itself, bounded by ``max_body_bytes``
(aiohttp used to inflate them first, without a bound); other codings are a JSON 415 naming
what is accepted. Everything here goes through aiohttp's test server, over a real socket.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from temporalio.api.common.v1 import Payload

from inspector.server import request_body
from tests.support.config import Profiles, config_from, profile
from tests.support.http import ClientFactory, assert_error, post, to_json

LIMIT = 1024 * 1024  # max_body_bytes for these tests
PAYLOADS = [Payload(metadata={"encoding": b"json/plain"}, data=b'{"order": 1}' * 50)]
BODY = json.dumps(to_json(PAYLOADS)).encode()


PLAIN: Profiles = {"plain": profile([], namespaces=["*"])}  # /decode answers what it was sent


@pytest.fixture
async def plain(make_client: ClientFactory, tmp_path: Path) -> TestClient:
    return await make_client(config_from(tmp_path, PLAIN, {"max_body_bytes": LIMIT}))


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


# A JSON document of 1 MiB and a bit more: its padding compresses to almost nothing.
BOMB_DOCUMENT = BODY[:-1] + b"," + b" " * (LIMIT + 4096) + b"}"
ENCODED = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": zlib.compress,
    "deflate (raw)": raw_deflate,
}


@pytest.mark.parametrize("coding", sorted(ENCODED))
async def test_a_compressed_body_decodes_like_the_plain_one(plain: TestClient, coding: str) -> None:
    expected = await post(plain, "/decode", BODY)
    assert expected.status == 200, expected.body
    header = coding.split(" ")[0]
    answer = await post(
        plain, "/decode", ENCODED[coding](BODY), headers={"Content-Encoding": header}
    )
    assert answer.status == 200, answer.body
    assert answer.raw == expected.raw
    identity = await post(plain, "/decode", BODY, headers={"Content-Encoding": "identity"})
    assert identity.raw == expected.raw


@pytest.mark.parametrize("coding", sorted(ENCODED))
async def test_a_body_inflating_past_max_body_bytes_is_a_json_413(
    plain: TestClient, coding: str
) -> None:
    bomb = ENCODED[coding](BOMB_DOCUMENT)
    assert len(bomb) < LIMIT // 100
    answer = await post(plain, "/decode", bomb, headers={"Content-Encoding": coding.split(" ")[0]})
    message = assert_error(answer, 413)
    assert "inflates to more than max_body_bytes" in message and str(LIMIT) in message
    assert (await post(plain, "/decode", BODY)).status == 200  # the same connection pool


async def test_a_compressed_body_over_max_body_bytes_on_the_wire_is_a_413(
    plain: TestClient,
) -> None:
    incompressible = bytes(range(256)) * (LIMIT // 256 + 16)
    answer = await post(plain, "/decode", incompressible, headers={"Content-Encoding": "gzip"})
    assert "larger than max_body_bytes" in assert_error(answer, 413)


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", gzip.compress(BODY)[:-12]),  # cut short
        ("gzip", b"\x1f\x8b" + b"\x00" * 40),
        ("deflate", b"not deflate at all"),
        ("deflate", zlib.compress(BODY)[:40]),
    ],
    ids=["gzip cut short", "gzip header only", "deflate garbage", "deflate cut short"],
)
async def test_a_damaged_compressed_body_is_a_json_400(
    plain: TestClient, coding: str, body: bytes
) -> None:
    answer = await post(plain, "/decode", body, headers={"Content-Encoding": coding})
    assert f"not valid {coding} data" in assert_error(answer, 400)


@pytest.mark.parametrize("coding", ["br", "zstd", "compress", "x-custom", "gzip, gzip"])
async def test_other_codings_are_a_json_415_naming_what_is_accepted(
    plain: TestClient, coding: str
) -> None:
    answer = await post(plain, "/decode", BODY, headers={"Content-Encoding": coding})
    message = assert_error(answer, 415)
    assert coding in message and "gzip or deflate" in message
    assert answer.headers["Accept-Encoding"] == "gzip, deflate"


async def test_a_body_that_stops_arriving_is_a_json_408(
    plain: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(request_body, "BODY_IDLE_SECONDS", 0.5)
    assert plain.server.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", plain.server.port)
    try:
        writer.write(
            b"POST /decode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n" + BODY[:100]
        )
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 408 "), head
        assert b"application/json" in head
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        error = json.loads(await asyncio.wait_for(reader.readexactly(length), 5))
        assert "did not arrive in time (100 bytes received" in error["error"]
    finally:
        writer.close()


async def test_a_token_header_that_is_not_utf8_is_a_401_not_a_500(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    client = await make_client(
        config_from(tmp_path, PLAIN, {"max_body_bytes": LIMIT, "token": "tok-3f9a"})
    )
    assert client.server.port is not None
    for token in (b"\xff", b"tok-3f9a\xff", b"\xc3\x28", b"\xe2\x82"):
        reader, writer = await asyncio.open_connection("127.0.0.1", client.server.port)
        try:
            writer.write(
                b"POST /decode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Authorization: Bearer " + token + b"\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(BODY) + BODY
            )
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(), 10)
        finally:
            writer.close()
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 401 "), (token, answer[:300])
        assert json.loads(body) == {"error": "the token is wrong", "index": None, "stage": None}
    ok = await post(client, "/decode", BODY, headers={"Authorization": "Bearer tok-3f9a"})
    assert ok.status == 200
