"""Several codecs acting as one, in the order profiles list them (outermost first)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from typing import Protocol, cast

from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from inspector.codecs.cpu import is_cpu_codec
from inspector.codecs.errors import CodecError


class _SyncCodec(Protocol):
    """What a CPU codec (a ``CpuCodec`` or a ``cpu_only`` chain) has beyond ``PayloadCodec``."""

    def encode_sync(self, payloads: Sequence[Payload]) -> list[Payload]: ...

    def decode_sync(self, payloads: Sequence[Payload]) -> list[Payload]: ...


# Told, after each codec of a chain decodes, its position, its name and what it gave; set by
# whoever traces a decode (``inspector.layers``). Context-local, so worker threads that run
# the chain for that decode (``asyncio.to_thread`` copies the context) report to it too.
ChainObserver = Callable[[int, str, list[Payload]], None]
_observer: contextvars.ContextVar[ChainObserver | None] = contextvars.ContextVar(
    "chain_observer", default=None
)


class observing:
    """Report every chain decode run inside the block to ``observer`` (None: no one).

    A plain class rather than a generator: every codec step of every request enters one."""

    def __init__(self, observer: ChainObserver | None) -> None:
        self._observer = observer
        self._token: contextvars.Token[ChainObserver | None] | None = None

    def __enter__(self) -> None:
        if self._observer is None and _observer.get() is None:
            return  # the usual case, no one observing here or outside: nothing to set
        self._token = _observer.set(self._observer)

    def __exit__(self, *_: object) -> None:
        if self._token is not None:
            _observer.reset(self._token)


def _report(position: int, codec: PayloadCodec, payloads: list[Payload]) -> None:
    observer = _observer.get()
    if observer is not None:
        observer(position, codec_name(codec), payloads)


def codec_name(codec: PayloadCodec) -> str:
    """A codec's display name: its ``name`` attribute, else its class name (user codecs)."""
    name = getattr(codec, "name", None)
    return name if isinstance(name, str) and name else type(codec).__name__


class CodecChain(PayloadCodec):
    """Codecs listed outermost first, applied as the Go SDK does.

    Encode runs last-to-first (so the first codec wraps the others) and decode first-to-last,
    as in Go's ``NewCodecDataConverter`` and ``NewPayloadCodecHTTPHandler``; a profile's
    ``codecs = [aes-gcm, gzip]`` thus means "gzip, then encrypt". A failure that is not
    already a ``CodecError`` is wrapped in one naming the codec that raised it.
    """

    def __init__(self, codecs: Sequence[PayloadCodec]) -> None:
        self.codecs: tuple[PayloadCodec, ...] = tuple(codecs)
        self.name = "chain(" + ", ".join(codec_name(c) for c in self.codecs) + ")"

    def __repr__(self) -> str:
        return f"CodecChain({list(self.codecs)!r})"

    @property
    def cpu_only(self) -> bool:
        """A chain of CPU codecs is one too (see ``inspector.codecs.cpu``)."""
        return all(is_cpu_codec(c) for c in self.codecs)

    def encode_sync(self, payloads: Sequence[Payload]) -> list[Payload]:
        """:meth:`encode` for a ``cpu_only`` chain, without an event loop."""
        result = list(payloads)
        for codec in reversed(self.codecs):
            result = _apply_sync(codec, "encode", result)
        return result

    def decode_sync(self, payloads: Sequence[Payload]) -> list[Payload]:
        """:meth:`decode` for a ``cpu_only`` chain, without an event loop."""
        result = list(payloads)
        for position, codec in enumerate(self.codecs):
            result = _apply_sync(codec, "decode", result)
            _report(position, codec, result)
        return result

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Encode innermost codec first, so the first codec's encoding ends up outside."""
        result = list(payloads)
        for codec in reversed(self.codecs):
            result = await _apply(codec, "encode", result)
        return result

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Decode outermost codec first, undoing :meth:`encode`."""
        result = list(payloads)
        for position, codec in enumerate(self.codecs):
            result = await _apply(codec, "decode", result)
            _report(position, codec, result)
        return result

    async def aclose(self) -> None:
        """Close every codec that has an ``aclose``; all are tried, the first error is raised."""
        first_error: BaseException | None = None
        for codec in self.codecs:
            aclose = getattr(codec, "aclose", None)
            if aclose is None:
                continue
            try:
                await aclose()
            except Exception as exc:
                first_error = first_error or exc
        if first_error is not None:
            raise first_error


def _apply_sync(codec: PayloadCodec, op: str, payloads: list[Payload]) -> list[Payload]:
    """``_apply`` for CPU codecs: the same calls in the same order, the same errors."""
    # Only a cpu_only chain runs this, so ``is_cpu_codec`` holds for ``codec``: a CpuCodec or
    # a CodecChain, and both have the sync methods.
    sync = cast(_SyncCodec, codec)
    try:
        if op == "encode":
            return list(sync.encode_sync(payloads))
        return list(sync.decode_sync(payloads))
    except CodecError:
        raise
    except Exception as exc:
        raise CodecError(f"{op} failed: {type(exc).__name__}: {exc}", codec_name(codec)) from exc


async def _apply(codec: PayloadCodec, op: str, payloads: list[Payload]) -> list[Payload]:
    try:
        if op == "encode":
            return list(await codec.encode(payloads))
        return list(await codec.decode(payloads))
    except CodecError:
        raise
    except Exception as exc:
        raise CodecError(f"{op} failed: {type(exc).__name__}: {exc}", codec_name(codec)) from exc
