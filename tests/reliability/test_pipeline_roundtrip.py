"""Property tests for the pipeline: encode then decode is the identity.

For every chain of the built-in codecs (pre-storage and post-storage), with no storage, our
filesystem store and S3 (moto, the SDK's own driver), with plain and marked references, any
payload bytes must come back byte-equal — through ``decode``, through ``decode`` with
references preserved followed by ``download``, and through a retrieval from the cache.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec, StorageDriver

from inspector.codecs import AesGcmCodec, CodecChain, GzipCodec, ZlibCodec
from inspector.pipeline import Pipeline
from inspector.references import is_plain_reference, is_reference
from inspector.storage.cache import BlobCache
from inspector.storage.filesystem import FilesystemDriver
from tests.reliability.fuzzing import bounded, payloads
from tests.support.s3 import S3Bucket

KEYS = {"key-2025": bytes(range(16)), "key-2026": bytes(range(100, 132))}
NAMES = ("gzip", "zlib", "aes-gcm")
# Every ordered choice of distinct built-in codecs, from none to all three: 16 chains.
CHAINS: list[tuple[str, ...]] = [
    chain for size in range(len(NAMES) + 1) for chain in itertools.permutations(NAMES, size)
]
PROXY_CHAINS: list[tuple[str, ...]] = [(), ("gzip",), ("aes-gcm",), ("zlib", "gzip")]


def make_codec(names: Sequence[str]) -> PayloadCodec | None:
    """The chain as a profile would list it, outermost first."""
    codecs: list[PayloadCodec] = []
    for name in names:
        if name == "gzip":
            codecs.append(GzipCodec())
        elif name == "zlib":
            codecs.append(ZlibCodec())
        else:
            codecs.append(AesGcmCodec(KEYS, encrypt_with="key-2026"))
    if not codecs:
        return None
    return codecs[0] if len(codecs) == 1 else CodecChain(codecs)


def make_pipeline(
    chain: Sequence[str],
    proxy: Sequence[str],
    drivers: Sequence[StorageDriver],
    threshold: int,
    mark: bool,
    cache: BlobCache | None,
) -> Pipeline:
    return Pipeline(
        codec=make_codec(chain),
        proxy_codec=make_codec(proxy),
        drivers=drivers,
        timeouts={d.name(): 30.0 for d in drivers},
        threshold=threshold,
        mark_references=mark,
        cache=cache,
    )


def values(outcomes: Sequence[object]) -> list[Payload]:
    result = []
    for outcome in outcomes:
        error = getattr(outcome, "error", None)
        assert error is None, error.describe()
        result.append(outcome.payload)  # type: ignore[attr-defined]
    return result


async def check_round_trip(pipeline: Pipeline, items: list[Payload]) -> None:
    encoded = values(await pipeline.encode(items))
    assert len(encoded) == len(items)
    if not pipeline.has_storage:
        assert not any(is_reference(p) for p in encoded)
    assert values(await pipeline.decode(encoded)) == items

    preserved = values(await pipeline.decode(encoded, preserve_refs=True))
    for before, kept in zip(items, preserved, strict=True):
        assert kept == before or is_plain_reference(kept)
    assert values(await pipeline.download(preserved, strict=False)) == items

    references = [i for i, p in enumerate(preserved) if is_plain_reference(p)]
    if references:
        # strict /download of the references alone, and a second time (cache or store again)
        only = [preserved[i] for i in references]
        expected = [items[i] for i in references]
        assert values(await pipeline.download(only)) == expected
        assert values(await pipeline.download(only)) == expected


settings_pipeline = st.tuples(
    st.sampled_from(CHAINS),
    st.sampled_from(PROXY_CHAINS),
    st.sampled_from([1, 64, 700, 10**9]),
    st.booleans(),
    st.booleans(),
)


def test_round_trip_without_storage_and_with_filesystem(tmp_path: Path) -> None:
    store = tmp_path / "store"
    shared_cache = BlobCache(4 * 1024 * 1024)
    with asyncio.Runner() as runner:

        @bounded(400)
        @given(
            settings_pipeline,
            st.sampled_from(["none", "filesystem"]),
            st.lists(payloads(), max_size=4),
        )
        def check(
            setup: tuple[tuple[str, ...], tuple[str, ...], int, bool, bool],
            storage: str,
            items: list[Payload],
        ) -> None:
            chain, proxy, threshold, mark, use_cache = setup
            drivers = [FilesystemDriver(store)] if storage == "filesystem" else []
            pipeline = make_pipeline(
                chain, proxy, drivers, threshold, mark, shared_cache if use_cache else None
            )
            runner.run(check_round_trip(pipeline, items))

        check()


def test_every_chain_with_every_driver_once(tmp_path: Path, s3_store: S3Bucket) -> None:
    """Deterministic coverage: each of the 16 chains × {none, filesystem, S3} × marked or not."""
    sample = [
        Payload(metadata={"encoding": b"json/plain"}, data=b'{"n": 1}'),
        Payload(metadata={"encoding": b"binary/plain"}, data=bytes(range(256)) * 8),
        Payload(metadata={"encoding": b"binary/null"}),
    ]
    with asyncio.Runner() as runner:
        s3 = s3_store.inspector_store(timeout_seconds=10)
        stores: dict[str, list[StorageDriver]] = {
            "none": [],
            "filesystem": [FilesystemDriver(tmp_path / "store")],
            "s3": [s3],
        }
        try:
            for chain, (storage, drivers), mark in itertools.product(
                CHAINS, stores.items(), (False, True)
            ):
                pipeline = make_pipeline(chain, ("gzip",) if mark else (), drivers, 100, mark, None)
                try:
                    runner.run(check_round_trip(pipeline, sample))
                except AssertionError as e:
                    raise AssertionError(
                        f"chain={chain} storage={storage} marked={mark}: {e}"
                    ) from e
        finally:
            runner.run(s3.aclose())


def test_round_trip_with_s3(s3_store: S3Bucket) -> None:
    """Few examples: each one is several S3 round trips to moto."""
    with asyncio.Runner() as runner:
        s3 = s3_store.inspector_store(timeout_seconds=10)

        @bounded(12)
        @given(settings_pipeline, st.lists(payloads(), min_size=1, max_size=3))
        def check(
            setup: tuple[tuple[str, ...], tuple[str, ...], int, bool, bool], items: list[Payload]
        ) -> None:
            chain, proxy, _, mark, use_cache = setup
            pipeline = make_pipeline(
                chain, proxy, [s3], 1, mark, BlobCache(1024 * 1024) if use_cache else None
            )
            runner.run(check_round_trip(pipeline, items))

        try:
            check()
        finally:
            runner.run(s3.aclose())
