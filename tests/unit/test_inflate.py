"""``inspector.codecs.inflate`` answers exactly as the standard library does.

ISA-L is only a faster way to the same bytes: for any input, the result (or the exception
type and message) must be what ``gzip.decompress`` / ``zlib.decompress`` give.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.codecs.inflate import (
    MAX_INFLATED_BYTES,
    InflateLimitError,
    gunzip,
    inflate_raw,
    unzlib,
)


def outcome(fn: Callable[[bytes], bytes], data: bytes) -> tuple[str, object]:
    try:
        return "ok", fn(data)
    except Exception as e:
        return "error", (type(e), str(e))


def flipped(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


TEXT = b'{"orders": [1, 2, 3], "note": "alpha bravo"}' * 50
ONE = gzip.compress(TEXT, mtime=0)
ZONE = zlib.compress(TEXT)
# FHCRC + FNAME + FCOMMENT + FEXTRA: a header zlib parses field by field.
FANCY = (
    b"\x1f\x8b\x08\x1e"
    + struct.pack("<I", 0)
    + b"\x00\xff"
    + struct.pack("<H", 3)
    + b"abc"
    + b"name\x00"
    + b"comment\x00"
)
FANCY += struct.pack("<H", zlib.crc32(FANCY) & 0xFFFF) + ONE[10:]

GZIP_CASES = {
    "one member": ONE,
    "empty content": gzip.compress(b"", mtime=0),
    "two members": ONE + gzip.compress(b"more", mtime=0),
    "zero padding": ONE + b"\x00" * 7,
    "trailing garbage": ONE + b"garbage",
    "truncated": ONE[:-5],
    "bad crc": flipped(ONE, len(ONE) - 6),
    "bad length": flipped(ONE, len(ONE) - 2),
    "bad magic": flipped(ONE, 0),
    "bad method": flipped(ONE, 2),
    "reserved flag": ONE[:3] + b"\x20" + ONE[4:],
    "corrupt deflate": flipped(ONE, 20),
    "header fields": FANCY,
    "header crc wrong": FANCY[: FANCY.index(b"comment\x00") + 8] + b"\x00\x00" + ONE[10:],
    "empty": b"",
    "zlib, not gzip": ZONE,
}

ZLIB_CASES = {
    "one stream": ZONE,
    "empty content": zlib.compress(b""),
    "trailing data": ZONE + b"more",
    "truncated": ZONE[:-3],
    "bad adler": flipped(ZONE, len(ZONE) - 1),
    "bad header check": flipped(ZONE, 1),
    "preset dictionary": zlib.compressobj(zdict=b"alpha bravo").compress(TEXT)
    + zlib.compressobj(zdict=b"alpha bravo").flush(),
    "corrupt deflate": flipped(ZONE, 12),
    "empty": b"",
    "gzip, not zlib": ONE,
}


@pytest.mark.parametrize("name", GZIP_CASES)
def test_gunzip_is_gzip_decompress(name: str) -> None:
    data = GZIP_CASES[name]
    assert outcome(gunzip, data) == outcome(gzip.decompress, data)


@pytest.mark.parametrize("name", ZLIB_CASES)
def test_unzlib_is_zlib_decompress(name: str) -> None:
    data = ZLIB_CASES[name]
    assert outcome(unzlib, data) == outcome(zlib.decompress, data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000), st.integers(0, 200), st.integers(0, 255))
def test_any_damage_gets_the_standard_answer(content: bytes, where: int, value: int) -> None:
    for good, ours, reference in (
        (gzip.compress(content, mtime=0), gunzip, gzip.decompress),
        (zlib.compress(content), unzlib, zlib.decompress),
    ):
        damaged = bytearray(good)
        damaged[where % len(damaged)] = value
        for data in (good, bytes(damaged), good[: where % len(good)]):
            assert outcome(ours, data) == outcome(reference, data)


@pytest.mark.parametrize("members", [1, 2])
def test_decompression_bombs_are_refused(members: int) -> None:
    bomb = b"".join(gzip.compress(b"\0" * (3 * 1024 * 1024)) for _ in range(members))
    assert len(bomb) < 10_000
    with pytest.raises(InflateLimitError, match="inflates to more than 2 MiB"):
        gunzip(bomb, limit=2 * 1024 * 1024)
    with pytest.raises(InflateLimitError):
        unzlib(zlib.compress(b"\0" * (3 * 1024 * 1024)), limit=2 * 1024 * 1024)
    assert gunzip(bomb, limit=8 * 1024 * 1024) == b"\0" * (3 * 1024 * 1024) * members


async def test_a_bomb_is_a_codec_error_naming_the_limit() -> None:
    from temporalio.api.common.v1 import Payload

    from inspector.codecs import CodecError, GzipCodec

    bomb = Payload(
        metadata={"encoding": b"binary/gzip"}, data=gzip.compress(b"\0" * (MAX_INFLATED_BYTES + 1))
    )
    with pytest.raises(CodecError, match="inflates to more than 256 MiB"):
        await GzipCodec().decode([bomb])


# -- No framing reaches an unbounded decompressor (F13) ---------------------------------

MIB = 1024 * 1024
BOMB = gzip.compress(b"\0" * (3 * MIB), mtime=0)  # 3 MiB of zeros in about 3 KB
EMPTY_MEMBER = gzip.compress(b"", mtime=0)


def with_header(flags: int, fields: bytes, member: bytes) -> bytes:
    """``member`` with its 10-byte header replaced by one carrying ``flags`` and ``fields``."""
    header = member[:3] + bytes([flags]) + member[4:10]
    return header + fields + member[10:]


FRAMINGS = {
    "empty member, a zero byte, then the bomb": EMPTY_MEMBER + b"\x00" + BOMB,
    "header crc (FHCRC)": with_header(0x02, b"\x00\x00", BOMB),
    "extra field (FEXTRA)": with_header(0x04, struct.pack("<H", 3) + b"abc", BOMB),
    "name and comment": with_header(0x18, b"name\x00comment\x00", BOMB),
    "all four fields": with_header(0x1E, struct.pack("<H", 1) + b"x" + b"n\x00c\x00\x00\x00", BOMB),
    "padding around it": EMPTY_MEMBER + b"\x00" * 5 + BOMB + b"\x00" * 9,
    "trailing garbage": BOMB + b"garbage",
    "two halves": gzip.compress(b"\0" * (3 * MIB // 2), mtime=0) * 2,
    "many empty members first": EMPTY_MEMBER * 200 + BOMB,
}


@pytest.mark.parametrize("name", FRAMINGS)
def test_every_gzip_framing_is_bounded(name: str) -> None:
    data = FRAMINGS[name]
    assert len(data) < 20_000
    with pytest.raises(InflateLimitError, match="inflates to more than 2 MiB"):
        gunzip(data, limit=2 * MIB)
    # Under a limit it fits, the answer is still exactly the standard library's.
    assert outcome(lambda d: gunzip(d, limit=4 * MIB), data) == outcome(gzip.decompress, data)


def test_zlib_and_raw_deflate_are_bounded_too() -> None:
    stream = zlib.compress(b"\0" * (3 * MIB))
    raw = zlib.compressobj(wbits=-15)
    bare = raw.compress(b"\0" * (3 * MIB)) + raw.flush()
    for data, inflate in ((stream + b"more", unzlib), (bare, inflate_raw)):
        with pytest.raises(InflateLimitError):
            inflate(data, limit=2 * MIB)
        assert inflate(data, limit=4 * MIB) == b"\0" * (3 * MIB)
    assert outcome(inflate_raw, bare[:-4]) == outcome(lambda d: zlib.decompress(d, -15), bare[:-4])
