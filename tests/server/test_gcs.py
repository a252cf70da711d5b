"""GCS through the SDK's own driver, against a GCS emulator on loopback: the same fidelity as
S3 — plain and marked references the SDK wrote decode to the SDK's own answer, a missing
object is a 422, a stopped store a 502 (and back to 200), a foreign bucket a 422 before any
call, and what we encode the SDK reads.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, ExternalStorage

from inspector.codecs import GzipCodec
from inspector.config import ConfigError, parse_config
from inspector.pipeline import Pipeline
from inspector.references import is_marked, is_plain_reference
from tests.server.conftest import random_text
from tests.support.config import config_from, profile
from tests.support.gcs import GcsBucket
from tests.support.http import ClientFactory, assert_error, post
from tests.support.sdk_codecs import SdkGzipCodec
from tests.support.sdk_storage import marked_references

THRESHOLD = 1024
VALUES: list[Any] = [
    "small",
    {"report": random_text(5000, seed=1)},
    None,
    {"report": random_text(9000, seed=2)},
]


def _converter(driver: Any) -> DataConverter:
    return dataclasses.replace(
        DataConverter.default,
        payload_codec=SdkGzipCodec(),
        external_storage=ExternalStorage(drivers=[driver], payload_size_threshold=THRESHOLD),
    )


async def _sdk_encode(
    bucket: GcsBucket, values: list[Any], *, marked: bool = False
) -> list[Payload]:
    async with bucket.sdk_driver() as driver:
        with marked_references(marked):
            return await _converter(driver).encode(values)


def _object_name(reference: Payload) -> str:
    return str(json.loads(reference.data)["claimData"]["object_name"])


@pytest.mark.parametrize("marked", [False, True], ids=["plain-refs", "marked-refs"])
async def test_decode_equals_sdk(gcs_store: GcsBucket, marked: bool) -> None:
    encoded = await _sdk_encode(gcs_store, VALUES, marked=marked)
    refs = [p for p in encoded if is_marked(p) or is_plain_reference(p)]
    assert len(refs) == 2 and all(is_marked(p) == marked for p in refs)
    assert len(gcs_store.object_names()) == 2

    ours = gcs_store.inspector_store()
    try:
        pipeline = Pipeline(codec=GzipCodec(), drivers=[ours], threshold=THRESHOLD)
        decoded = await pipeline.decode(encoded)
        assert [o.error for o in decoded] == [None] * len(VALUES)
        mine = [o.payload for o in decoded]
        async with gcs_store.sdk_driver() as driver:
            conv = _converter(driver)
            assert conv.payload_converter.from_payloads(mine) == await conv.decode(encoded)
        assert conv.payload_converter.from_payloads(mine) == VALUES

        kept = await pipeline.decode(encoded, preserve_refs=True)
        assert sum(is_plain_reference(o.payload) for o in kept if o.payload) == 2
    finally:
        await ours.aclose()


async def test_sdk_decodes_what_we_store(gcs_store: GcsBucket) -> None:
    ours = gcs_store.inspector_store()
    try:
        pipeline = Pipeline(codec=GzipCodec(), drivers=[ours], threshold=THRESHOLD)
        plain = DataConverter.default.payload_converter.to_payloads(VALUES)
        encoded = [o.payload for o in await pipeline.encode(plain)]
        assert sum(is_plain_reference(p) for p in encoded if p) == 2
    finally:
        await ours.aclose()
    async with gcs_store.sdk_driver() as driver:
        assert await _converter(driver).decode(encoded) == VALUES  # type: ignore[arg-type]


def _profiles(bucket: GcsBucket, **keys: Any) -> dict[str, Any]:
    storage = bucket.storage(threshold=THRESHOLD, timeout_seconds=10, **keys)
    return {"default": profile(["gzip"], storage=storage)}


async def test_missing_object_is_422(
    make_client: ClientFactory, tmp_path: Path, gcs_store: GcsBucket
) -> None:
    refs = [p for p in await _sdk_encode(gcs_store, VALUES) if is_plain_reference(p)]
    gcs_store.delete(_object_name(refs[1]))
    client = await make_client(config_from(tmp_path, _profiles(gcs_store)))

    answer = await post(client, "/decode", refs)

    message = assert_error(answer, 422, index=1, stage="storage")
    assert "not found" in message and "gcp.gcsdriver" in message


async def test_gcs_down_is_502_and_back_is_200(
    make_client: ClientFactory, tmp_path: Path, gcs_store: GcsBucket
) -> None:
    first, second = VALUES[1], VALUES[3]
    ref_first, ref_second = await _sdk_encode(gcs_store, [first, second])
    client = await make_client(config_from(tmp_path, _profiles(gcs_store)))
    converter = DataConverter.default

    ok = await post(client, "/download", [ref_first])
    assert ok.status == 200, ok.body
    decoded = await SdkGzipCodec().decode(ok.payloads)
    assert converter.payload_converter.from_payloads(decoded) == [first]

    with gcs_store.emulator.stopped():
        down = await post(client, "/download", [ref_second])
        message = assert_error(down, 502, index=0, stage="storage")
        assert "gcp.gcsdriver" in message and "GCS unreachable" in message
        cached = await post(client, "/download", [ref_first])  # the cache answers
        assert cached.status == 200

    back = await post(client, "/decode", [ref_second])
    assert back.status == 200, back.body
    assert converter.payload_converter.from_payloads(back.payloads) == [second]


async def test_claim_naming_another_bucket_is_refused_before_any_call(
    make_client: ClientFactory, tmp_path: Path, gcs_store: GcsBucket
) -> None:
    other = gcs_store.emulator.create_bucket()
    [ref] = [p for p in await _sdk_encode(other, VALUES[1:2]) if is_plain_reference(p)]
    client = await make_client(config_from(tmp_path, _profiles(gcs_store)))
    with gcs_store.emulator.stopped():  # refused on the claim: nothing is asked of GCS
        answer = await post(client, "/decode", [ref])
    message = assert_error(answer, 422, index=0, stage="storage")
    assert f"claim names bucket '{other.name}'" in message

    allowed = await make_client(config_from(tmp_path, _profiles(gcs_store, buckets=[other.name])))
    assert (await post(allowed, "/decode", [ref])).status == 200


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('driver = "gcs"', r"storage\.bucket: expected a bucket name"),
        ('driver = "gcs"\nbucket = "b"\nendpoint_url = "localhost:9023"', "expected an http"),
        ('driver = "gcs"\nbucket = "b"\nregion = "x"', r"storage\.region: unknown key"),
    ],
)
def test_gcs_config_errors(table: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(f"[profiles.p.storage]\n{table}\n")


def test_gcs_config_defaults() -> None:
    config = parse_config('[profiles.p.storage]\ndriver = "gcs"\nbucket = "b"\n')
    [spec] = config.profiles["p"].storage
    assert (spec.name, spec.bucket, spec.endpoint_url, spec.buckets) == (
        "gcp.gcsdriver",
        "b",
        None,
        (),
    )
