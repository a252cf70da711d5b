"""Several profiles in one server: X-Namespace picks gzip + S3, aes-gcm + filesystem, or
the ``"*"`` fallback — each request decoded with the right one, one blob cache for all."""

from __future__ import annotations

from pathlib import Path

from temporalio.converter import DataConverter

from inspector.server.app import PIPELINES
from tests.server.conftest import gzip_fs_profiles, random_text
from tests.support.config import Profiles, aes_gcm_codec, config_from, filesystem_storage, profile
from tests.support.history import sdk_converter
from tests.support.http import ClientFactory, post, stored_blobs
from tests.support.s3 import S3Bucket
from tests.support.sdk_codecs import SdkAesGcmCodec, SdkGzipCodec, SdkZlibCodec
from tests.support.sdk_storage import SdkFilesystemDriver

THRESHOLD = 1024
KEY_NEW, KEY_OLD = bytes(range(32)), bytes(range(100, 116))


def three_profiles(bucket: S3Bucket, store: Path) -> Profiles:
    return {
        "orders": profile(
            ["gzip"], namespaces=["orders"], storage=bucket.storage(threshold=THRESHOLD)
        ),
        "payments": profile(
            [aes_gcm_codec({"key-2026": KEY_NEW, "key-2025": KEY_OLD})],
            namespaces=["payments", "payments-staging"],
            storage=filesystem_storage(store, threshold=THRESHOLD),
        ),
        "fallback": profile(["zlib"], namespaces=["*"]),
    }


async def test_each_namespace_gets_its_profile(
    make_client: ClientFactory, tmp_path: Path, fs_store: Path, s3_store: S3Bucket
) -> None:
    client = await make_client(config_from(tmp_path, three_profiles(s3_store, fs_store)))
    small, large = {"who": "ns"}, {"report": random_text(6000)}

    async with s3_store.sdk_driver() as s3:
        orders = sdk_converter(SdkGzipCodec(), [s3], THRESHOLD)
        orders_payloads = await orders.encode([small, large])
        answer = await post(client, "/decode", orders_payloads, namespace="orders")
        assert answer.status == 200, answer.body
        assert orders.payload_converter.from_payloads(answer.payloads) == [small, large]
        assert await orders.decode(orders_payloads) == [small, large]

    fs = SdkFilesystemDriver(fs_store)
    payments_new = sdk_converter(SdkAesGcmCodec("key-2026", KEY_NEW), [fs], THRESHOLD)
    payments_old = sdk_converter(SdkAesGcmCodec("key-2025", KEY_OLD), [fs], THRESHOLD)
    for namespace, converter in (("payments", payments_new), ("payments-staging", payments_old)):
        encoded = await converter.encode([small, large])
        answer = await post(client, "/decode", encoded, namespace=namespace)
        assert answer.status == 200, (namespace, answer.body)
        assert converter.payload_converter.from_payloads(answer.payloads) == [small, large]

    fallback = sdk_converter(SdkZlibCodec(always_encode=True), None)
    encoded = await fallback.encode([small, large])
    for namespace in ("anything-else", None):  # no header = "default" → the "*" profile
        answer = await post(client, "/decode", encoded, namespace=namespace)
        assert answer.status == 200, answer.body
        assert fallback.payload_converter.from_payloads(answer.payloads) == [small, large]
    # the fallback has no storage: /download there is the Web UI's 404
    assert (await post(client, "/download", encoded, namespace="anything-else")).status == 404

    # one pipeline per profile, reused; one cache shared by all of them
    registry = client.app[PIPELINES]
    pipelines = list(registry._pipelines.values())
    assert len(pipelines) == 3
    assert len({id(p.cache) for p in pipelines}) == 1 and pipelines[0].cache is registry.cache


async def test_repeated_downloads_are_answered_from_the_cache(
    make_client: ClientFactory, tmp_path: Path, fs_store: Path, sdk_gzip_fs: DataConverter
) -> None:
    client = await make_client(config_from(tmp_path, gzip_fs_profiles(fs_store)))
    value = {"report": random_text(6000)}
    encoded = await sdk_gzip_fs.encode([value])
    assert (await post(client, "/download", encoded)).status == 200
    for blob in stored_blobs(fs_store):
        blob.unlink()  # a second click must not need the store
    again = await post(client, "/download", encoded)
    assert again.status == 200
    assert sdk_gzip_fs.payload_converter.from_payloads(again.payloads) == [value]
    assert client.app[PIPELINES].cache.hits >= 1
