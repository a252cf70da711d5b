"""Codecs that are pure CPU work, with a synchronous core the pipeline can run in a thread.

Why: gzip, zlib and AES-GCM on a large batch take milliseconds of CPU. Run inline, that
stalls the event loop (the server's other requests, the GUI's repaints); run in a thread,
the loop stays free, and because the (de)compression libraries release the GIL while they
work, much of it runs on another core. A codec is a ``CpuCodec`` when it never waits
on anything: its ``encode``/``decode`` are ``encode_sync``/``decode_sync`` and nothing more.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence

from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec


class CpuCodec(PayloadCodec):
    """A ``PayloadCodec`` whose async methods only call the thread-safe sync ones."""

    cpu_only = True

    @abstractmethod
    def encode_sync(self, payloads: Sequence[Payload]) -> list[Payload]:
        """``encode``, callable from any thread."""

    @abstractmethod
    def decode_sync(self, payloads: Sequence[Payload]) -> list[Payload]:
        """``decode``, callable from any thread."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return self.encode_sync(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return self.decode_sync(payloads)


def is_cpu_codec(codec: PayloadCodec | None) -> bool:
    """Whether ``codec`` can run in a worker thread: a ``CpuCodec``, or a ``CodecChain`` of
    them (both say so with ``cpu_only``)."""
    return codec is not None and getattr(codec, "cpu_only", False) is True
