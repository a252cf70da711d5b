"""CPU codecs run their large batches in a worker thread, with the same results and errors.

See ``inspector.codecs.cpu``: the pipeline moves a big batch of a CPU-only codec off the
event loop. Which thread ran it is observed directly; nothing here depends on timing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import pytest
from temporalio.api.common.v1 import Payload

from inspector.codecs import (
    AesGcmCodec,
    CodecChain,
    CodecError,
    GzipCodec,
    RemoteCodec,
    ZlibCodec,
    is_cpu_codec,
)
from inspector.codecs.running import THREAD_MIN_BYTES
from inspector.outcomes import ErrorKind, Stage
from inspector.pipeline import Pipeline

KEY = bytes(range(32))


def plain(size: int, tag: int = 0) -> Payload:
    # Incompressible content, so the encoded batch is as large as the plain one.
    return Payload(
        metadata={"encoding": b"json/plain", "tag": str(tag).encode()}, data=os.urandom(size)
    )


class ThreadRecordingGzip(GzipCodec):
    """Our gzip codec, noting which thread did each batch."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def decode_sync(self, payloads: Sequence[Payload]) -> list[Payload]:
        self.threads.append(threading.get_ident())
        return super().decode_sync(payloads)


def test_which_codecs_are_cpu_codecs() -> None:
    remote = RemoteCodec("http://127.0.0.1:9/codec")
    assert all(is_cpu_codec(c) for c in (GzipCodec(), ZlibCodec(), AesGcmCodec({"k": KEY})))
    assert is_cpu_codec(CodecChain([AesGcmCodec({"k": KEY}), GzipCodec()]))
    assert not is_cpu_codec(remote)
    assert not is_cpu_codec(CodecChain([GzipCodec(), remote]))
    assert not is_cpu_codec(None)


async def test_a_chain_decodes_the_same_with_or_without_a_loop() -> None:
    chain = CodecChain([AesGcmCodec({"k": KEY}), ZlibCodec(always_encode=True), GzipCodec()])
    originals = [plain(100, i) for i in range(5)]
    encoded = await chain.encode(originals)
    assert chain.decode_sync(encoded) == await chain.decode(encoded) == originals
    assert chain.decode_sync(chain.encode_sync(originals)) == originals


async def test_a_chain_fails_the_same_with_or_without_a_loop() -> None:
    chain = CodecChain([AesGcmCodec({"k": KEY}), GzipCodec()])
    wrong = await CodecChain([AesGcmCodec({"k": bytes(32)}), GzipCodec()]).encode([plain(10)])
    with pytest.raises(CodecError) as in_loop:
        await chain.decode(wrong)
    with pytest.raises(CodecError) as in_thread:
        chain.decode_sync(wrong)
    assert (str(in_loop.value), in_loop.value.codec) == (
        str(in_thread.value),
        in_thread.value.codec,
    )


async def test_a_large_batch_is_decoded_in_a_worker_thread() -> None:
    codec = ThreadRecordingGzip()
    pipeline = Pipeline(codec=codec)
    count = 8
    payloads = await GzipCodec().encode(
        [plain(THREAD_MIN_BYTES // count + 1, i) for i in range(count)]
    )
    outcomes = await pipeline.decode(payloads)
    assert [o.payload for o in outcomes] == await GzipCodec().decode(payloads)
    assert codec.threads and threading.get_ident() not in codec.threads

    codec.threads.clear()
    await pipeline.decode(payloads[:1])  # a small batch stays on the loop
    assert codec.threads == [threading.get_ident()]


async def test_one_bad_payload_in_a_large_batch_fails_alone() -> None:
    pipeline = Pipeline(codec=ThreadRecordingGzip())
    payloads = await GzipCodec().encode([plain(THREAD_MIN_BYTES // 4, i) for i in range(6)])
    broken = Payload()
    broken.CopyFrom(payloads[3])
    broken.data = broken.data[:40]  # a truncated gzip stream
    payloads[3] = broken
    outcomes = await pipeline.decode(payloads)
    assert [i for i, o in enumerate(outcomes) if o.error is not None] == [3]
    error = outcomes[3].error
    assert error is not None
    assert (error.kind, error.stage, error.component) == (ErrorKind.CODEC, Stage.PRE_CODEC, "gzip")
    assert "not valid gzip" in error.message
    expected = await GzipCodec().decode([p for i, p in enumerate(payloads) if i != 3])
    assert [o.payload for i, o in enumerate(outcomes) if i != 3] == expected
