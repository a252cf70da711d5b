"""Per-payload outcomes: one bad payload names its stage, component and cause; others decode."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, ExternalStorage

from inspector.codecs import AesGcmCodec, GzipCodec
from inspector.outcomes import ErrorKind, Stage
from inspector.pipeline import Pipeline
from inspector.references import Reference, make_reference_payload, parse_reference
from inspector.storage.cache import BlobCache
from inspector.storage.filesystem import FilesystemDriver
from tests.support.drivers import HashlessDriver, StallingDriver
from tests.support.s3 import S3Bucket

KEY_A = base64.b64decode("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
KEY_B = bytes(range(32))
BIG = "x" * 3000 + "".join(f"{i:x}" for i in range(3000))


def _converter(store: Path, codec: Any = None, threshold: int = 1000) -> DataConverter:
    return dataclasses.replace(
        DataConverter.default,
        payload_codec=codec or GzipCodec(),
        external_storage=ExternalStorage(
            drivers=[FilesystemDriver(store)], payload_size_threshold=threshold
        ),
    )


async def _history(store: Path, values: Sequence[Any], **kw: Any) -> list[Payload]:
    return await _converter(store, **kw).encode(list(values))


async def test_missing_blob_fails_only_that_payload(tmp_path: Path) -> None:
    store = tmp_path / "store"
    encoded = await _history(store, ["small", BIG, {"other": BIG + "2"}])
    missing = parse_reference(encoded[1])
    (store / "sha256" / missing.claim["hash_value"][:2] / missing.claim["hash_value"]).unlink()
    outcomes = await Pipeline(codec=GzipCodec(), drivers=[FilesystemDriver(store)]).decode(encoded)
    assert outcomes[0].ok and outcomes[2].ok
    error = outcomes[1].error
    assert error is not None
    assert (error.kind, error.stage, error.component) == (
        ErrorKind.MISSING,
        Stage.RETRIEVE,
        "local.filesystem",
    )
    assert "blob not found" in error.message and missing.claim["key"] in error.message
    assert error.kind.http_status == 422


async def test_tampered_blob_is_an_integrity_error(tmp_path: Path) -> None:
    store = tmp_path / "store"
    encoded = await _history(store, [BIG])
    ref = parse_reference(encoded[0])
    blob = store / "sha256" / ref.claim["hash_value"][:2] / ref.claim["hash_value"]
    blob.write_bytes(blob.read_bytes()[:-1] + b"!")
    [outcome] = await Pipeline(codec=GzipCodec(), drivers=[FilesystemDriver(store)]).decode(encoded)
    assert outcome.error is not None and outcome.error.kind is ErrorKind.INTEGRITY
    assert "integrity check failed" in outcome.error.message


@pytest.mark.parametrize(
    "key",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "sha256/../../x",
        "sha256/" + "a" * 63,
        "sha256/" + "A" * 64,
        "",
    ],
)
async def test_claims_cannot_escape_the_store(tmp_path: Path, key: str) -> None:
    payload = make_reference_payload(Reference("local.filesystem", {"key": key}))
    [outcome] = await Pipeline(drivers=[FilesystemDriver(tmp_path)]).decode([payload])
    assert outcome.error is not None
    assert outcome.error.kind is ErrorKind.MISSING
    assert "sha256/<64 hex>" in outcome.error.message


async def test_unknown_driver_and_no_storage(tmp_path: Path) -> None:
    store = tmp_path / "store"
    encoded = await _history(store, [BIG])
    other = Pipeline(codec=GzipCodec(), drivers=[FilesystemDriver(store, name="elsewhere")])
    [outcome] = await other.decode(encoded)
    assert outcome.error is not None and outcome.error.kind is ErrorKind.UNKNOWN_DRIVER
    assert "no driver named 'local.filesystem'" in outcome.error.message
    [outcome] = await Pipeline(codec=GzipCodec()).decode(encoded)
    assert outcome.error is not None and outcome.error.kind is ErrorKind.NO_STORAGE
    # preserving references needs no storage at all
    [kept] = await Pipeline(codec=GzipCodec()).decode(encoded, preserve_refs=True)
    assert kept.payload == encoded[0]


async def test_wrong_aes_key_id_names_the_codec(tmp_path: Path) -> None:
    encoded = await _history(tmp_path, ["secret"], codec=AesGcmCodec({"a": KEY_A}))
    ours = Pipeline(codec=AesGcmCodec({"b": KEY_B}), codec_label="aes-gcm")
    [outcome] = await ours.decode(encoded)
    assert outcome.error is not None
    assert (outcome.error.kind, outcome.error.stage) == (ErrorKind.CODEC, Stage.PRE_CODEC)
    assert "unknown encryption key id 'a'" in outcome.error.message
    assert KEY_A.hex() not in outcome.error.describe()


async def test_one_bad_codec_payload_does_not_sink_the_batch(tmp_path: Path) -> None:
    good = await _history(tmp_path, ["a", "b"])
    bad = Payload(metadata={"encoding": b"binary/gzip"}, data=b"not gzip")
    outcomes = await Pipeline(codec=GzipCodec()).decode([good[0], bad, good[1]])
    assert [o.ok for o in outcomes] == [True, False, True]


async def test_download_is_strict_about_references(tmp_path: Path) -> None:
    store = tmp_path / "store"
    encoded = await _history(store, ["inline", BIG])
    ours = Pipeline(codec=GzipCodec(), drivers=[FilesystemDriver(store)])
    strict = await ours.download(encoded)
    assert strict[0].error is not None and strict[0].error.kind is ErrorKind.BAD_INPUT
    assert strict[1].ok
    lenient = await ours.download(encoded, strict=False)
    assert lenient[0].payload == encoded[0]  # left untouched
    assert DataConverter.default.payload_converter.from_payloads([lenient[1].payload]) == [BIG]


async def test_reference_without_external_payloads_is_still_a_reference(tmp_path: Path) -> None:
    store = tmp_path / "store"
    [ref] = await _history(store, [BIG])
    del ref.external_payloads[:]
    [outcome] = await Pipeline(codec=GzipCodec(), drivers=[FilesystemDriver(store)]).download([ref])
    assert outcome.ok


async def test_legacy_reference_encoding(tmp_path: Path) -> None:
    store = tmp_path / "store"
    [ref] = await _history(store, [BIG])
    claim = parse_reference(ref).claim
    legacy = Payload(
        metadata={"encoding": b"json/external-storage-reference"},
        data=(
            b'{"driver_name": "local.filesystem", "driver_claim": {"claim_data": %s}}'
            % str(claim).replace("'", '"').encode()
        ),
    )
    [outcome] = await Pipeline(codec=GzipCodec(), drivers=[FilesystemDriver(store)]).decode(
        [legacy]
    )
    assert outcome.ok
    assert DataConverter.default.payload_converter.from_payloads([outcome.payload]) == [BIG]


async def test_slow_storage_times_out_without_waiting(tmp_path: Path) -> None:
    store = tmp_path / "store"
    encoded = await _history(store, [BIG])
    slow = StallingDriver(FilesystemDriver(store), delay=30)
    ours = Pipeline(codec=GzipCodec(), drivers=[slow], timeouts={"local.filesystem": 0.3})
    loop = asyncio.get_running_loop()
    started = loop.time()
    [outcome] = await ours.decode(encoded)
    assert loop.time() - started < 5
    assert outcome.error is not None and outcome.error.kind is ErrorKind.TIMEOUT
    assert outcome.error.kind.http_status == 504


async def test_cache_and_shared_fetches(tmp_path: Path) -> None:
    store = tmp_path / "store"
    encoded = await _history(store, [BIG])
    slow = StallingDriver(FilesystemDriver(store), delay=0.05)
    ours = Pipeline(codec=GzipCodec(), drivers=[slow], cache=BlobCache(10_000_000))
    results = await asyncio.gather(*(ours.decode(encoded) for _ in range(10)))
    assert all(r[0].ok for r in results)
    assert slow.calls == 1  # concurrent asks share one fetch
    await ours.decode(encoded)
    assert slow.calls == 1  # and later asks are served from the cache
    assert ours.cache is not None and ours.cache.hits >= 1


async def test_plugin_driver_blobs_are_hash_checked() -> None:
    import hashlib

    blob = DataConverter.default.payload_converter.to_payloads(["stored"])[0]
    good = hashlib.sha256(blob.SerializeToString()).hexdigest()
    ours = Pipeline(drivers=[HashlessDriver(blob)])
    for digest, ok in ((good, True), ("0" * 64, False)):
        ref = make_reference_payload(
            Reference("plugin", {"hash_algorithm": "sha256", "hash_value": digest})
        )
        [outcome] = await ours.decode([ref])
        assert outcome.ok is ok
        if not ok:
            assert outcome.error is not None and outcome.error.kind is ErrorKind.INTEGRITY


async def test_s3_missing_object_and_unreachable_store(s3_store: S3Bucket) -> None:
    ours = s3_store.inspector_store(timeout_seconds=5)
    conv = dataclasses.replace(
        DataConverter.default,
        external_storage=ExternalStorage(drivers=[ours], payload_size_threshold=100),
    )
    encoded = await conv.encode([BIG, BIG + "!"])
    pipeline = Pipeline(drivers=[ours], timeouts={"aws.s3driver": 5})
    try:
        s3_store.delete(parse_reference(encoded[0]).claim["key"])
        outcomes = await pipeline.decode(encoded)
        assert outcomes[0].error is not None and outcomes[0].error.kind is ErrorKind.MISSING
        assert "not found" in outcomes[0].error.message
        assert outcomes[1].ok
        with s3_store.moto.stopped():
            [down] = await pipeline.decode(encoded[1:])
        assert down.error is not None and down.error.kind is ErrorKind.UNREACHABLE
        assert down.error.component == "aws.s3driver" and down.error.kind.http_status == 502
        [back] = await pipeline.decode(encoded[1:])
        assert back.ok
    finally:
        await pipeline.aclose()


async def _stored_by_a_worker(s3_store: S3Bucket) -> list[Payload]:
    """A blob stored the way a worker does: the SDK's own driver."""
    async with s3_store.sdk_driver() as sdk:
        conv = dataclasses.replace(
            DataConverter.default,
            external_storage=ExternalStorage(drivers=[sdk], payload_size_threshold=100),
        )
        return list(await conv.encode([BIG]))


async def _failure(s3_store: S3Bucket, encoded: list[Payload], **store_keys: Any) -> str:
    """Read the blob back with our store set up as ``store_keys`` say: the failure's message."""
    pipeline = Pipeline(drivers=[s3_store.inspector_store(timeout_seconds=5, **store_keys)])
    try:
        [outcome] = await pipeline.decode(encoded)
    finally:
        await pipeline.aclose()
    assert outcome.error is not None and outcome.error.kind is ErrorKind.UNREACHABLE
    return outcome.error.message


async def test_s3_without_credentials_says_credentials_not_unreachable(
    s3_store: S3Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded = await _stored_by_a_worker(s3_store)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_SECURITY_TOKEN", raising=False)
    message = await _failure(s3_store, encoded)
    assert message.startswith("no AWS credentials found: set AWS_ACCESS_KEY_ID")
    assert "unreachable" not in message


async def test_s3_with_an_unknown_aws_profile_names_it(s3_store: S3Bucket) -> None:
    encoded = await _stored_by_a_worker(s3_store)
    message = await _failure(s3_store, encoded, aws_profile="no-such-profile")
    assert message.startswith("AWS profile 'no-such-profile' is not in the AWS config files")


async def test_s3_endpoint_down_says_where_it_tried(s3_store: S3Bucket) -> None:
    encoded = await _stored_by_a_worker(s3_store)
    with s3_store.moto.stopped():
        message = await _failure(s3_store, encoded)
    assert message.startswith(f"S3 unreachable: no connection to {s3_store.endpoint_url}")
