"""The ``snappy`` codec against Google's snappy (the Go samples' format), and its bounds.

Blocks are made and read by ``libsnappy`` (the C++ library, through ``tests.support.libsnappy``),
an implementation independent of the one the codec uses; the first vector is written out by
hand from the format's description, as Go's ``snappy.Encode`` writes it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter

from inspector.codecs import CodecError, SnappyCodec
from inspector.codecs.snappy import uncompressed_length
from inspector.pipeline import Pipeline
from tests.support.libsnappy import SdkSnappyCodec, compress, uncompress

MIB = 1024 * 1024
VALUES: list[Any] = ["héllo", {"a": 1, "list": list(range(50))}, None, b"\x00\x01", "ab" * 40_000]


def _snappy(inner: Payload) -> Payload:
    return Payload(
        metadata={"encoding": b"binary/snappy"}, data=compress(inner.SerializeToString())
    )


def test_a_block_as_go_writes_it() -> None:
    inner = Payload(metadata={"encoding": b"binary/plain"}, data=b"hi")
    raw = inner.SerializeToString()
    # The length as a varint, then one literal: tag (len - 1) << 2, then the bytes.
    block = bytes([len(raw), (len(raw) - 1) << 2]) + raw
    assert uncompress(block) == raw  # Google's library agrees it is a block
    [decoded] = SnappyCodec().decode_sync(
        [Payload(metadata={"encoding": b"binary/snappy"}, data=block)]
    )
    assert decoded == inner


async def test_decodes_what_the_go_samples_codec_writes() -> None:
    conv = dataclasses.replace(DataConverter.default, payload_codec=SdkSnappyCodec())
    encoded = await conv.encode(VALUES)
    assert all(p.metadata["encoding"] == b"binary/snappy" for p in encoded)
    decoded = await SnappyCodec().decode(encoded)
    assert decoded == await SdkSnappyCodec().decode(encoded)
    assert conv.payload_converter.from_payloads(decoded) == VALUES


async def test_google_snappy_reads_what_we_encode() -> None:
    plain = DataConverter.default.payload_converter.to_payloads(VALUES)
    encoded = await SnappyCodec().encode(plain)
    assert [p.metadata["encoding"] for p in encoded] == [b"binary/snappy"] * len(VALUES)
    assert [uncompress(p.data) for p in encoded] == [p.SerializeToString() for p in plain]
    conv = dataclasses.replace(DataConverter.default, payload_codec=SdkSnappyCodec())
    assert await conv.decode(encoded) == VALUES


def test_other_encodings_pass_through() -> None:
    gz = Payload(metadata={"encoding": b"binary/gzip"}, data=b"\x1f\x8b")
    assert SnappyCodec().decode_sync([gz]) == [gz]


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "bad length header"),
        (b"\xff\xff\xff\xff\xff\xff", "bad length header"),
        (b"\x0a\x00", "not a valid snappy block"),
    ],
)
def test_corrupt_blocks_are_codec_errors(data: bytes, why: str) -> None:
    with pytest.raises(CodecError, match=why) as info:
        SnappyCodec().decode_sync([Payload(metadata={"encoding": b"binary/snappy"}, data=data)])
    assert info.value.codec == "snappy"


def test_a_block_that_is_no_payload_is_named() -> None:
    block = compress(b"\xff\xff\xff")
    with pytest.raises(CodecError, match="not a serialized Payload"):
        SnappyCodec().decode_sync([Payload(metadata={"encoding": b"binary/snappy"}, data=block)])


def test_the_length_header_is_checked_before_decompressing() -> None:
    # 300 MiB claimed by six bytes: refused on the header, nothing is allocated for it.
    header = bytearray()
    n = 300 * MIB
    while n >= 0x80:
        header.append(n & 0x7F | 0x80)
        n >>= 7
    header.append(n)
    data = bytes(header) + b"\x00"
    assert uncompressed_length(data) == 300 * MIB
    with pytest.raises(CodecError, match="refused: the data inflates to more than 256 MiB"):
        SnappyCodec().decode_sync([Payload(metadata={"encoding": b"binary/snappy"}, data=data)])


async def test_blocks_count_against_the_operation_budget() -> None:
    inner = Payload(metadata={"encoding": b"binary/plain"}, data=bytes(3 * MIB))
    bomb = _snappy(inner)
    assert len(bomb.data) < 200_000
    pipeline = Pipeline(codec=SnappyCodec(), codec_label="snappy", max_decoded_bytes=8 * MIB)
    outcomes = await pipeline.decode([bomb] * 4)
    kinds = [None if o.error is None else o.error.kind.value for o in outcomes]
    assert kinds == [None, None, "codec", "codec"]
    message = outcomes[2].error.describe()  # type: ignore[union-attr]
    assert "max_decoded_bytes" in message and "snappy" in message
    assert outcomes[0].payload == inner
    assert [o.error for o in await pipeline.decode([bomb] * 2)] == [None, None]
