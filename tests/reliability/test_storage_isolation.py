"""What one profile's storage may answer for another (finding 8 of "bounds"): nothing.

- An S3 claim names its bucket, and the SDK's driver reads whatever bucket that is, with
  this profile's credentials. A claim may only name the profile's ``bucket`` or one listed
  in its ``buckets``; any other is a 422 naming both, and no byte reaches S3 for it (a relay
  in front of moto keeps everything clients send).
- One ``BlobCache`` serves every profile's pipeline. A blob profile A fetched must not answer
  profile B's ask for the same claim through a driver of the same name (B's own store
  answers), nor a profile whose store changed (a reload), through the Pipeline and through
  the server.

S3 is moto's server on loopback, through the SDK's own driver; stores are real directories.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from temporalio.api.common.v1 import Payload
from temporalio.converter import StorageDriverStoreContext

from inspector.config import Config, ConfigError, parse_config
from inspector.outcomes import ErrorKind, Outcome
from inspector.pipeline import Pipeline
from inspector.references import Reference, make_reference_payload
from inspector.runtime import build_pipeline
from inspector.server.app import reload_app
from inspector.storage.cache import BlobCache
from inspector.storage.filesystem import FilesystemDriver
from inspector.storage.s3 import S3Store
from tests.reliability.netfaults import _Server
from tests.support.config import Profiles, filesystem_storage, profile, profiles_toml
from tests.support.http import ClientFactory, assert_error, post
from tests.support.ports import LOOPBACK
from tests.support.s3 import MotoS3, S3Bucket, fresh_bucket

BLOB = Payload(metadata={"encoding": b"json/plain"}, data=b'"only profile A may read this"')


class Relay(_Server):
    """A loopback TCP relay to moto that keeps every byte clients send through it."""

    def __init__(self, upstream_port: int) -> None:
        super().__init__()
        self.upstream_port = upstream_port
        self.sent = bytearray()
        self.connections = 0

    def saw(self, text: str) -> bool:
        return text.encode() in self.sent

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        up_reader, up_writer = await asyncio.open_connection(LOOPBACK, self.upstream_port)
        await asyncio.gather(
            self._pipe(reader, up_writer, record=True),
            self._pipe(up_reader, writer, record=False),
            return_exceptions=True,
        )

    async def _pipe(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, record: bool
    ) -> None:
        try:
            while data := await source.read(65536):
                if record:
                    self.sent += data
                sink.write(data)
                await sink.drain()
        finally:
            sink.close()


@pytest.fixture
async def relay(moto_s3: MotoS3) -> AsyncIterator[Relay]:
    if not moto_s3.running:
        moto_s3.start()
    async with Relay(moto_s3.port) as running:
        yield running


async def _put_s3(bucket: S3Bucket, payload: Payload) -> Payload:
    """``payload`` stored by the SDK's own S3 driver; its reference, as a worker writes it."""
    async with bucket.sdk_driver() as driver:
        [claim] = await driver.store(StorageDriverStoreContext(), [payload])
    return make_reference_payload(
        Reference("aws.s3driver", dict(claim.claim_data), payload.ByteSize())
    )


def _put_fs(store: Path, payload: Payload) -> Payload:
    """``payload`` in a filesystem store, and its reference."""
    data = payload.SerializeToString()
    digest = hashlib.sha256(data).hexdigest()
    path = store / "sha256" / digest[:2] / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    claim = {"key": f"sha256/{digest}", "hash_algorithm": "sha256", "hash_value": digest}
    return make_reference_payload(Reference("local.filesystem", claim, len(data)))


def _s3_store(relay: Relay, bucket: S3Bucket, buckets: tuple[str, ...] = ()) -> S3Store:
    """Our store for ``bucket``, reached through the relay."""
    return bucket.inspector_store(endpoint_url=relay.url, buckets=buckets, timeout_seconds=10)


def _s3_profile(name: str, relay: Relay, bucket: S3Bucket, **extra: object) -> Profiles:
    """Profile ``name`` for namespace ``name``: ``bucket`` through the relay."""
    storage = bucket.storage(endpoint_url=relay.url, timeout_seconds=10, **extra)
    return {name: profile(namespaces=[name], storage=storage)}


def _fs_profile(name: str, store: Path) -> Profiles:
    """Profile ``name`` for namespace ``name``: our filesystem store at ``store``."""
    return {name: profile(namespaces=[name], storage=filesystem_storage(store))}


def _config(tmp_path: Path, *profiles: Profiles) -> Config:
    merged = {name: table for one in profiles for name, table in one.items()}
    return parse_config(profiles_toml(merged), source=tmp_path / "config.toml")


def _refused_bucket(outcome: Outcome, claimed: str, allowed: str) -> str:
    assert outcome.error is not None, "a claim naming another bucket was read"
    error = outcome.error
    assert error.kind.http_status == 422 and error.kind is ErrorKind.MISSING, error
    assert error.component == "aws.s3driver"
    assert f"'{claimed}'" in error.message and f"'{allowed}'" in error.message, error.message
    return error.message


# ------------------------------------------------------------------------- S3 buckets


async def test_claim_naming_another_bucket_is_refused_before_any_s3_call(
    moto_s3: MotoS3, relay: Relay
) -> None:
    mine, theirs = fresh_bucket(moto_s3), fresh_bucket(moto_s3)
    reference = await _put_s3(theirs, BLOB)  # a real object: S3 would answer
    pipeline = Pipeline(drivers=[_s3_store(relay, mine)])
    try:
        [outcome] = await pipeline.download([reference])
    finally:
        await pipeline.aclose()
    _refused_bucket(outcome, theirs.name, mine.name)
    assert relay.connections == 0 and not relay.sent, "a request reached S3"


async def test_buckets_lists_the_other_buckets_a_claim_may_name(
    moto_s3: MotoS3, relay: Relay, tmp_path: Path
) -> None:
    mine, older, elsewhere = (fresh_bucket(moto_s3) for _ in range(3))
    from_older = await _put_s3(older, BLOB)
    from_elsewhere = await _put_s3(elsewhere, BLOB)
    config = _config(tmp_path, _s3_profile("orders", relay, mine, buckets=[older.name]))
    [spec] = config.profiles["orders"].storage
    assert spec.buckets == (older.name,)
    pipeline = build_pipeline(config.profiles["orders"])
    try:
        ok, refused = await pipeline.download([from_older, from_elsewhere])
    finally:
        await pipeline.aclose()
    assert ok.payload == BLOB, ok.error
    assert relay.saw(older.name)
    message = _refused_bucket(refused, elsewhere.name, mine.name)
    assert f"'{older.name}'" in message  # the whole allowed list is named
    assert not relay.saw(elsewhere.name)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('buckets = "one"', r"storage\.buckets: expected a list of strings"),
        ("buckets = [1]", r"storage\.buckets: expected a list of strings"),
        ('bucketz = ["one"]', r"unknown key \(allowed: aws_profile, bucket, buckets, driver, "),
    ],
)
def test_buckets_is_checked_like_every_other_key(line: str, expected: str) -> None:
    text = f'[profiles.p.storage]\ndriver = "s3"\nbucket = "b"\n{line}\n'
    with pytest.raises(ConfigError, match=expected):
        parse_config(text)


def test_buckets_belongs_to_s3_only() -> None:
    text = '[profiles.p.storage]\ndriver = "filesystem"\npath = "/tmp/x"\nbuckets = ["b"]\n'
    with pytest.raises(ConfigError, match=r"storage\.buckets: unknown key"):
        parse_config(text)


# ------------------------------------------------------------------ the shared cache


async def test_one_profiles_cached_blob_never_answers_another(tmp_path: Path) -> None:
    """Profiles A and B: filesystem stores of the same driver name, one shared cache."""
    store_a, store_b = tmp_path / "a", tmp_path / "b"
    store_b.mkdir()
    reference = _put_fs(store_a, BLOB)
    config = _config(tmp_path, _fs_profile("a", store_a), _fs_profile("b", store_b))
    cache = BlobCache(1024 * 1024)
    pipeline_a = build_pipeline(config.profiles["a"], cache=cache)
    pipeline_b = build_pipeline(config.profiles["b"], cache=cache)

    [first] = await pipeline_a.download([reference])
    assert first.payload == BLOB and cache.size > 0
    [other] = await pipeline_b.download([reference])
    assert other.error is not None, "profile B was answered from profile A's cache"
    assert other.error.kind is ErrorKind.MISSING and "not found" in other.error.message
    hits = cache.hits
    [again] = await pipeline_a.download([reference])
    assert again.payload == BLOB and cache.hits == hits + 1  # A's own entry still serves A


async def test_a_profile_pointed_elsewhere_gets_no_stale_blob(tmp_path: Path) -> None:
    """Same profile name, same driver name, a new store (what a reload makes), same cache."""
    before, after = tmp_path / "before", tmp_path / "after"
    after.mkdir()
    reference = _put_fs(before, BLOB)
    cache = BlobCache(1024 * 1024)
    old = Pipeline(name="orders", drivers=[FilesystemDriver(before)], cache=cache)
    assert (await old.download([reference]))[0].payload == BLOB
    new = Pipeline(name="orders", drivers=[FilesystemDriver(after)], cache=cache)
    [outcome] = await new.download([reference])
    assert outcome.error is not None and outcome.error.kind is ErrorKind.MISSING, outcome


async def test_s3_profiles_share_no_cached_blob(moto_s3: MotoS3, relay: Relay) -> None:
    """B's driver is asked (and refuses A's bucket) instead of A's cache answering."""
    bucket_a, bucket_b = fresh_bucket(moto_s3), fresh_bucket(moto_s3)
    reference = await _put_s3(bucket_a, BLOB)
    cache = BlobCache(1024 * 1024)
    pipeline_a = Pipeline(name="a", drivers=[_s3_store(relay, bucket_a)], cache=cache)
    pipeline_b = Pipeline(name="b", drivers=[_s3_store(relay, bucket_b)], cache=cache)
    try:
        assert (await pipeline_a.download([reference]))[0].payload == BLOB
        [outcome] = await pipeline_b.download([reference])
    finally:
        await pipeline_a.aclose()
        await pipeline_b.aclose()
    _refused_bucket(outcome, bucket_a.name, bucket_b.name)


# ----------------------------------------------------------------------- the server


async def test_server_keeps_profiles_apart_across_requests_and_reloads(
    tmp_path: Path, make_client: ClientFactory, moto_s3: MotoS3, relay: Relay
) -> None:
    store_a, store_b, store_c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    store_b.mkdir()
    store_c.mkdir()
    reference = _put_fs(store_a, BLOB)
    mine, theirs = fresh_bucket(moto_s3), fresh_bucket(moto_s3)
    foreign = await _put_s3(theirs, BLOB)
    config = _config(
        tmp_path,
        _fs_profile("a", store_a),
        _fs_profile("b", store_b),
        _s3_profile("s", relay, mine),
    )
    client: TestClient = await make_client(config)
    app = client.app

    ok = await post(client, "/download", [reference], namespace="a")
    assert ok.status == 200 and ok.payloads == [BLOB], ok.body
    crossed = await post(client, "/download", [reference], namespace="b")
    message = assert_error(crossed, 422, index=0, stage="storage")
    assert "not found" in message and "local.filesystem" in message

    refused = await post(client, "/download", [foreign], namespace="s")
    message = assert_error(refused, 422, index=0, stage="storage")
    assert f"'{theirs.name}'" in message and f"'{mine.name}'" in message
    assert "aws.s3driver" in message
    assert not relay.saw(theirs.name)

    # Profile a now reads store c: what it fetched from store a must not come back.
    await reload_app(app, _config(tmp_path, _fs_profile("a", store_c), _fs_profile("b", store_b)))
    stale = await post(client, "/download", [reference], namespace="a")
    message = assert_error(stale, 422, index=0, stage="storage")
    assert "not found" in message
