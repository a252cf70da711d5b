"""Decompression for the gzip and zlib codecs: ISA-L's inflate, the standard library's answers.

Why: inflating is most of what decoding a large body costs, and ISA-L (``isal``) inflates
the same streams about three times faster than zlib. It is only trusted for the plain case
it cannot get wrong: one complete stream, nothing after it. Anything else — several gzip
members, trailing bytes, any error — is handed to the standard library, so results and
error messages are exactly what ``gzip.decompress`` and ``zlib.decompress`` give.

Both are bounded: a few KB of crafted data can inflate to gigabytes (a decompression bomb),
and a codec server must not let one request take the machine's memory. Past
``MAX_INFLATED_BYTES`` the answer is ``InflateLimitError``, a ``zlib.error``.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable

from isal import isal_zlib

_GZIP_WBITS = 31  # a gzip wrapper
_ZLIB_WBITS = 15  # a zlib wrapper
# Far above any payload Temporal carries (2 MB inline, 50 MiB in the SDK's S3 driver).
MAX_INFLATED_BYTES = 256 * 1024 * 1024
_CHUNK = 16 * 1024 * 1024


class InflateLimitError(zlib.error):
    """The data inflates to more than the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"inflates to more than {limit // (1024 * 1024)} MiB")


def gunzip(data: bytes, limit: int = MAX_INFLATED_BYTES) -> bytes:
    """``gzip.decompress(data)``, bounded by ``limit``."""
    return _inflate(data, _GZIP_WBITS, limit, gzip.decompress)


def unzlib(data: bytes, limit: int = MAX_INFLATED_BYTES) -> bytes:
    """``zlib.decompress(data)``, bounded by ``limit``."""
    return _inflate(data, _ZLIB_WBITS, limit, zlib.decompress)


def _inflate(data: bytes, wbits: int, limit: int, standard: Callable[[bytes], bytes]) -> bytes:
    """ISA-L for one plain stream; else the standard library, once the size is known safe."""
    raw = _inflate_whole(data, wbits, limit)
    if raw is not None:
        return raw
    _check_inflated_size(data, wbits, limit)
    return standard(data)


def _inflate_whole(data: bytes, wbits: int, limit: int) -> bytes | None:
    """The stream's content if ``data`` is exactly one complete, valid stream, else None."""
    inflater = isal_zlib.decompressobj(wbits=wbits)
    try:
        raw = inflater.decompress(data, limit + 1)
    except isal_zlib.error:
        return None
    if len(raw) > limit:
        raise InflateLimitError(limit)
    if inflater.eof and not inflater.unused_data and not inflater.unconsumed_tail:
        return raw
    return None


def _check_inflated_size(data: bytes, wbits: int, limit: int) -> None:
    """Count what the stream(s) inflate to, a chunk at a time, before the standard library
    inflates them whole; damaged data is left for it to report in its own words."""
    inflater = zlib.decompressobj(wbits)
    pending, total = data, 0
    try:
        while pending:
            total += len(inflater.decompress(pending, _CHUNK))
            if total > limit:
                raise InflateLimitError(limit)
            pending = inflater.unconsumed_tail
            if inflater.eof:
                pending = inflater.unused_data if wbits == _GZIP_WBITS else b""
                inflater = zlib.decompressobj(wbits)
    except InflateLimitError:
        raise
    except zlib.error:
        return
