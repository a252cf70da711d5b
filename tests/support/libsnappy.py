"""Google's own snappy (the C++ library, ``libsnappy.so.1``) through its C API, by ctypes.

The yardstick for the ``snappy`` codec: an implementation independent of the Rust one
``cramjam`` binds, writing the same block format as Go's ``snappy.Encode`` (length varint,
then literals and copies). Debian's ``libsnappy1v5`` provides it (``scripts/system-deps.sh``);
without it the tests skip naming that package, or fail under ``CI=true``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Sequence
from functools import cache

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

INSTALL_HINT = "install it with: sudo apt-get install -y libsnappy1v5 (or run `make test` as root)"
SNAPPY_ENCODING = b"binary/snappy"


@cache
def _library() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("snappy") or "libsnappy.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    size_p = ctypes.POINTER(ctypes.c_size_t)
    lib.snappy_compress.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, size_p]
    lib.snappy_uncompress.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, size_p]
    lib.snappy_uncompressed_length.argtypes = [ctypes.c_char_p, ctypes.c_size_t, size_p]
    lib.snappy_max_compressed_length.argtypes = [ctypes.c_size_t]
    lib.snappy_max_compressed_length.restype = ctypes.c_size_t
    return lib


def libsnappy() -> ctypes.CDLL:
    """The library; skips (or fails in CI) naming the package when it is missing."""
    lib = _library()
    if lib is None:
        message = f"Google's libsnappy is not installed: {INSTALL_HINT}"
        if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
            pytest.fail(f"{message} (CI=true: the snappy tests must run)", pytrace=False)
        pytest.skip(message)
    return lib


def compress(data: bytes) -> bytes:
    """``snappy::RawCompress``: one block, as Go's ``snappy.Encode`` writes it."""
    lib = libsnappy()
    size = ctypes.c_size_t(lib.snappy_max_compressed_length(len(data)))
    out = ctypes.create_string_buffer(size.value)
    assert lib.snappy_compress(data, len(data), out, ctypes.byref(size)) == 0
    return out.raw[: size.value]


def uncompress(block: bytes) -> bytes:
    lib = libsnappy()
    size = ctypes.c_size_t()
    assert lib.snappy_uncompressed_length(block, len(block), ctypes.byref(size)) == 0
    out = ctypes.create_string_buffer(max(size.value, 1))
    assert lib.snappy_uncompress(block, len(block), out, ctypes.byref(size)) == 0, "corrupt"
    return out.raw[: size.value]


class SdkSnappyCodec(PayloadCodec):
    """The Go samples' ``snappycompress`` codec, on Google's snappy: every payload encoded,
    only ``binary/snappy`` decoded."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload(metadata={"encoding": SNAPPY_ENCODING}, data=compress(p.SerializeToString()))
            for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload.FromString(uncompress(p.data))
            if p.metadata.get("encoding") == SNAPPY_ENCODING
            else p
            for p in payloads
        ]
