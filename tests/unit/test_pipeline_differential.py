"""Our pipeline against the SDK's own DataConverter, on payloads the SDK made.

The SDK is the oracle: payload level (its decode steps give the bytes ours must equal) and
value level (its ``decode`` of the originals equals its ``from_payloads`` of ours).
"""

from __future__ import annotations

import base64
import dataclasses
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, ExternalStorage, PayloadCodec, StorageDriver

from inspector.codecs import AesGcmCodec, CodecChain, GzipCodec, SnappyCodec, ZlibCodec
from inspector.pipeline import Pipeline
from inspector.references import is_marked, is_plain_reference
from inspector.storage.filesystem import FilesystemDriver
from inspector.storage.s3 import S3Store
from tests.support.libsnappy import SdkSnappyCodec
from tests.support.s3 import MotoS3, sdk_s3_driver
from tests.support.sdk_codecs import SdkAesGcmCodec, SdkChain, SdkGzipCodec, SdkZlibCodec
from tests.support.sdk_storage import SdkFilesystemDriver, marked_references

KEY = base64.b64decode("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")


def _codecs(name: str) -> tuple[PayloadCodec, PayloadCodec]:
    """(the SDK side's reference codec, ours), configured alike."""
    if name == "gzip":
        return SdkGzipCodec(), GzipCodec()
    if name == "zlib":
        return SdkZlibCodec(), ZlibCodec()
    if name == "snappy":
        return SdkSnappyCodec(), SnappyCodec()
    if name == "aes-gcm":
        return SdkAesGcmCodec("k1", KEY), AesGcmCodec({"k1": KEY})
    assert name == "aes-gcm+gzip"
    return (
        SdkChain([SdkAesGcmCodec("k1", KEY), SdkGzipCodec()]),
        CodecChain([AesGcmCodec({"k1": KEY}), GzipCodec()]),
    )


def _values() -> list[Any]:
    """Several sizes (the threshold is set among them), unicode, empty, null, bytes."""
    rnd = os.urandom(0)  # deterministic content below; random bytes would not compress alike
    del rnd
    big = [f"{i:06d}-é-漢字-{(i * 7919) % 104729:x}" for i in range(4000)]
    return [
        "small",
        "",
        None,
        b"\x00\x01\xff",
        {"text": "héllo wörld ✓", "n": 3},
        big[:900],
        big[:1000],
        big[:1100],
        big,
    ]


@asynccontextmanager
async def _storage(
    kind: str, tmp_path: Path, moto: MotoS3 | None, bucket: str | None
) -> AsyncIterator[tuple[StorageDriver, StorageDriver]]:
    """(the SDK's driver, ours) over the same store."""
    if kind == "filesystem":
        yield SdkFilesystemDriver(tmp_path / "store"), FilesystemDriver(tmp_path / "store")
        return
    assert moto is not None and bucket is not None
    ours = S3Store(
        name="aws.s3driver", bucket=bucket, endpoint_url=moto.endpoint_url, region="us-east-1"
    )
    async with sdk_s3_driver(moto.endpoint_url, bucket) as sdk_driver:
        try:
            yield sdk_driver, ours
        finally:
            await ours.aclose()


async def _threshold_among(codec: PayloadCodec, values: list[Any]) -> int:
    """A threshold equal to one payload's encoded size: one just under, one at, some over."""
    plain = DataConverter.default.payload_converter.to_payloads(values)
    sizes = sorted(p.ByteSize() for p in await codec.encode(plain))
    return sizes[-3]


def _bytes(payloads: list[Payload]) -> list[bytes]:
    return [p.SerializeToString(deterministic=True) for p in payloads]


async def _sdk_payload_decode(conv: DataConverter, payloads: list[Payload]) -> list[Payload]:
    """The SDK's own decode steps, at payload level (test-only use of private steps)."""
    step = await conv._decode_reference_payload_sequence(payloads)
    step = await conv._external_retrieve_payload_sequence(step)
    return await conv._decode_payload_sequence(step)


StorageFactory = Callable[[], AbstractAsyncContextManager[tuple[StorageDriver, StorageDriver]]]


@pytest.mark.parametrize("marked", [False, True], ids=["plain-refs", "marked-refs"])
@pytest.mark.parametrize("storage", ["filesystem", "s3"])
@pytest.mark.parametrize("codec_name", ["gzip", "zlib", "snappy", "aes-gcm", "aes-gcm+gzip"])
async def test_decode_equals_sdk(
    codec_name: str, storage: str, marked: bool, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    moto = request.getfixturevalue("moto_s3") if storage == "s3" else None
    bucket = moto.create_bucket() if moto else None
    sdk_codec, our_codec = _codecs(codec_name)
    values = _values()
    threshold = await _threshold_among(sdk_codec, values)
    async with _storage(storage, tmp_path, moto, bucket) as (sdk_driver, our_driver):
        conv = dataclasses.replace(
            DataConverter.default,
            payload_codec=sdk_codec,
            external_storage=ExternalStorage(
                drivers=[sdk_driver], payload_size_threshold=threshold
            ),
        )
        with marked_references(marked):
            encoded = await conv.encode(values)
        refs = [p for p in encoded if is_marked(p) or is_plain_reference(p)]
        assert len(refs) == 3, "one payload at the threshold and two over it are stored"
        assert all(is_marked(p) == marked for p in refs)

        ours = Pipeline(codec=our_codec, drivers=[our_driver], threshold=threshold)
        decoded = await ours.decode(encoded)
        assert [o.error for o in decoded] == [None] * len(values)
        mine = [o.payload for o in decoded]
        assert _bytes(mine) == _bytes(await _sdk_payload_decode(conv, encoded))
        assert conv.payload_converter.from_payloads(mine) == await conv.decode(encoded)
        assert conv.payload_converter.from_payloads(mine) == values

        kept = await ours.decode(encoded, preserve_refs=True)
        sdk_refs = await conv._decode_reference_payload_sequence(encoded)
        for got, original, sdk_ref, full in zip(kept, encoded, sdk_refs, mine, strict=True):
            assert got.payload is not None
            if is_marked(original) or is_plain_reference(original):
                assert is_plain_reference(got.payload)
                assert got.payload.SerializeToString() == sdk_ref.SerializeToString()
                assert got.payload.external_payloads
            else:
                assert got.payload == full

        downloaded = await ours.download(refs)
        expected = await conv.decode(refs)
        assert conv.payload_converter.from_payloads([o.payload for o in downloaded]) == expected


@pytest.mark.parametrize("mark", [False, True], ids=["plain", "marked"])
@pytest.mark.parametrize("codec_name", ["gzip", "zlib", "snappy", "aes-gcm", "aes-gcm+gzip"])
async def test_sdk_decodes_what_we_encode(codec_name: str, mark: bool, tmp_path: Path) -> None:
    sdk_codec, our_codec = _codecs(codec_name)
    values = _values()
    threshold = await _threshold_among(sdk_codec, values)
    store = tmp_path / "store"
    ours = Pipeline(
        codec=our_codec,
        drivers=[FilesystemDriver(store)],
        threshold=threshold,
        mark_references=mark,
    )
    plain = DataConverter.default.payload_converter.to_payloads(values)
    encoded = await ours.encode(plain)
    assert all(o.ok for o in encoded)
    payloads = [o.payload for o in encoded if o.payload is not None]
    assert sum(is_marked(p) for p in payloads) == (3 if mark else 0)
    assert sum(is_marked(p) or is_plain_reference(p) for p in payloads) == 3
    conv = dataclasses.replace(
        DataConverter.default,
        payload_codec=sdk_codec,
        external_storage=ExternalStorage(
            drivers=[SdkFilesystemDriver(store)], payload_size_threshold=threshold
        ),
    )
    assert await conv.decode(payloads) == values
    # deterministic codecs and the same store: byte-equal to the SDK's own encode
    if codec_name in ("gzip", "zlib"):
        with marked_references(mark):
            assert _bytes(payloads) == _bytes(await conv.encode(values))
