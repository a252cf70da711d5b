"""Faults, each with the status it must give: S3 down (502) and back, a deleted object and a
tampered blob (422), a codec that raises (422), storage slower than its timeout (504).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from aiohttp.test_utils import TestClient
from temporalio.api.common.v1 import Payload

from tests.server.conftest import random_text
from tests.support.config import (
    Profiles,
    config_from,
    filesystem_storage,
    profile,
    python_codec,
)
from tests.support.drivers import (
    STALLING_DRIVER_NAME,
    RaisingCodec,
    StallingDriver,
    stub_storage,
)
from tests.support.history import sdk_converter
from tests.support.http import ClientFactory, assert_error, post
from tests.support.s3 import S3Bucket
from tests.support.sdk_codecs import SdkGzipCodec
from tests.support.sdk_storage import SdkFilesystemDriver

THRESHOLD = 1024


def s3_profiles(bucket: S3Bucket) -> Profiles:
    storage = bucket.storage(threshold=THRESHOLD, timeout_seconds=10)
    return {"default": profile(["gzip"], storage=storage)}


async def s3_encode(bucket: S3Bucket, values: list[object]) -> list[Payload]:
    async with bucket.sdk_driver() as driver:
        return await sdk_converter(SdkGzipCodec(), [driver], THRESHOLD).encode(values)


def s3_key(reference: Payload) -> str:
    return json.loads(reference.data)["claimData"]["key"]


async def test_s3_down_is_502_and_back_is_200(
    make_client: ClientFactory, tmp_path: Path, s3_store: S3Bucket
) -> None:
    first = {"report": random_text(5000, seed=1)}
    second = {"report": random_text(5000, seed=2)}
    ref_first, ref_second = await s3_encode(s3_store, [first, second])
    client = await make_client(config_from(tmp_path, s3_profiles(s3_store)))
    converter = sdk_converter(SdkGzipCodec(), None)

    ok = await post(client, "/download", [ref_first])
    assert converter.payload_converter.from_payloads(ok.payloads) == [first]

    with s3_store.moto.stopped():
        down = await post(client, "/download", [ref_second])
        message = assert_error(down, 502, index=0, stage="storage")
        assert "aws.s3driver" in message
        # what was fetched before is answered from the cache, S3 or not
        cached = await post(client, "/download", [ref_first])
        assert cached.status == 200

    # moto keeps its objects across a restart (tests/support/s3.py); put it back anyway
    # in case a future moto does not.
    if s3_key(ref_second) not in s3_store.keys():
        await s3_encode(s3_store, [second])
    back = await post(client, "/decode", [ref_second])
    assert back.status == 200, back.body
    assert converter.payload_converter.from_payloads(back.payloads) == [second]


async def test_deleted_s3_object_is_422(
    make_client: ClientFactory, tmp_path: Path, s3_store: S3Bucket
) -> None:
    values = [{"n": i, "report": random_text(5000, seed=10 + i)} for i in range(2)]
    refs = await s3_encode(s3_store, values)
    s3_store.delete(s3_key(refs[1]))
    client = await make_client(config_from(tmp_path, s3_profiles(s3_store)))

    answer = await post(client, "/decode", refs)

    message = assert_error(answer, 422, index=1, stage="storage")
    assert "not found" in message and "aws.s3driver" in message


async def test_tampered_filesystem_blob_is_422(
    make_client: ClientFactory, tmp_path: Path, fs_store: Path
) -> None:
    converter = sdk_converter(SdkGzipCodec(), [SdkFilesystemDriver(fs_store)], THRESHOLD)
    [reference] = await converter.encode([{"report": random_text(5000)}])
    digest = json.loads(reference.data)["claimData"]["hash_value"]
    blob = fs_store / "sha256" / digest[:2] / digest
    tampered = Payload.FromString(blob.read_bytes())
    tampered.data = tampered.data[:-1] + bytes([tampered.data[-1] ^ 1])
    blob.write_bytes(tampered.SerializeToString())
    config = config_from(
        tmp_path, {"default": profile(["gzip"], storage=filesystem_storage(fs_store))}
    )
    client = await make_client(config)

    answer = await post(client, "/download", [reference])

    message = assert_error(answer, 422, index=0, stage="storage")
    assert "integrity" in message or "sha256" in message


async def test_codec_raising_is_422(make_client: ClientFactory, tmp_path: Path) -> None:
    converter = sdk_converter(RaisingCodec(), None)
    encoded = await converter.encode([{"a": 1}])
    plain = await sdk_converter(None, None).encode([{"b": 2}])
    factory = "tests.support.drivers:raising_codec"
    config = config_from(tmp_path, {"default": profile([python_codec(factory)])})
    client = await make_client(config)

    answer = await post(client, "/decode", [*plain, *encoded])

    message = assert_error(answer, 422, index=1, stage="pre-storage codec")
    assert "exploded" in message and factory in message


async def test_storage_slower_than_timeout_is_504(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    timeout = 0.5
    encoded = await sdk_converter(None, [StallingDriver()], 10).encode([{"big": "x" * 100}])
    storage = stub_storage("StallingDriver", threshold=10, timeout_seconds=timeout)
    config = config_from(tmp_path, {"default": profile(storage=storage)})
    client: TestClient = await make_client(config)

    started = time.monotonic()
    answer = await post(client, "/decode", encoded)
    elapsed = time.monotonic() - started

    message = assert_error(answer, 504, index=0, stage="storage")
    assert STALLING_DRIVER_NAME in message and "0.5 s" in message
    assert timeout <= elapsed < timeout + 2.0, elapsed
