"""Inflate for the gzip and zlib codecs and for compressed request bodies: one counted loop.

Why: a few KB of crafted data can inflate to gigabytes (a decompression bomb), and a codec
server must not let one request take the machine's memory. So every byte of output, whatever
the framing — gzip members, zero padding, header fields (FEXTRA, FNAME, FCOMMENT, FHCRC),
trailing bytes, zlib streams, raw deflate — comes out of one loop that counts it against
``limit`` (and against the operation's budget, ``inspector.limits``); nothing is ever handed to
an unbounded decompressor (the one shortcut, a small plain member inflated in one call, is
bounded and counted the same way). Past the limit the answer is ``InflateLimitError``, a
``zlib.error``.

The loop reads the gzip framing itself, as ``gzip.decompress`` does, and lets ISA-L
(``isal``, about three times zlib's speed) inflate each deflate stream. Where ISA-L refuses a
stream, the standard library's zlib inflates the same bytes in the same counted loop, so
results and error messages are exactly those of ``gzip.decompress`` and ``zlib.decompress``.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from gzip import BadGzipFile
from types import ModuleType
from typing import cast

from isal import isal_zlib

from inspector import limits
from inspector.limits import InflateLimitError

# Far above any payload Temporal carries (2 MB inline, 50 MiB in the SDK's S3 driver).
MAX_INFLATED_BYTES = 256 * 1024 * 1024
_IN_CHUNK = 1024 * 1024  # input fed per call: bounds the copies of ``unconsumed_tail``
_OUT_CHUNK = 4 * 1024 * 1024  # output per call: the granularity of every bound
_RAW, _ZLIB, _GZIP = -zlib.MAX_WBITS, zlib.MAX_WBITS, 16 + zlib.MAX_WBITS
_FHCRC, _FEXTRA, _FNAME, _FCOMMENT = 2, 4, 8, 16
_GZIP_EOF = "Compressed file ended before the end-of-stream marker was reached"
_ZLIB_TRUNCATED = "Error -5 while decompressing data: incomplete or truncated stream"
__all__ = ["MAX_INFLATED_BYTES", "InflateLimitError", "gunzip", "inflate_raw", "unzlib"]
# isal's stub declares ``error`` as an instance; it is the exception class zlib's ``error`` is.
_ISAL_ERROR = cast(type[Exception], isal_zlib.error)
_ZEROS = re.compile(rb"\x00*")
_NUL = re.compile(rb"\x00")


def gunzip(data: bytes | memoryview, limit: int = MAX_INFLATED_BYTES) -> bytes:
    """``gzip.decompress(data)``, bounded by ``limit``: every member, padding, header field."""
    view = memoryview(data).cast("B")
    whole = _one_call(view, limit)
    if whole is not None:
        return whole
    with _Sink(limit) as sink:  # anything else: member by member, as gzip.decompress reads it
        pos: int | None = 0
        while pos is not None and (pos := _skip_gzip_header(view, pos)) is not None:
            end = _gzip_member(view, pos, sink)
            zeros = _ZEROS.match(view, end)  # always matches: zero or more NULs
            pos = zeros.end() if zeros is not None else end
        return sink.value()


def _gzip_member(view: memoryview, pos: int, sink: _Sink) -> int:
    """Inflate the member whose deflate data starts at ``pos``; returns where it ends.

    ISA-L first. Anything amiss — an error, a cut, a trailer that does not match (ISA-L lets
    through some damage zlib calls invalid) — and zlib inflates the member again, so the
    verdict is the standard library's, in its words.
    """
    start = sink.size
    try:
        end, complete = _counted(isal_zlib, view, pos, _RAW, sink)
        if _trailer_error(view, end, complete, sink, start) is None:
            return end + 8
    except _ISAL_ERROR:
        pass
    sink.rewind(start)
    end, complete = _counted(zlib, view, pos, _RAW, sink)
    error = _trailer_error(view, end, complete, sink, start)
    if error is not None:
        raise error
    return end + 8


def _trailer_error(
    view: memoryview, end: int, complete: bool, sink: _Sink, start: int
) -> Exception | None:
    """What ``gzip.decompress`` says of a member whose deflate data ended at ``end``."""
    trailer = view[end : end + 8]
    if not complete or len(trailer) < 8:
        return EOFError(_GZIP_EOF)
    crc, size = struct.unpack("<II", trailer)
    if crc != sink.crc32(start):
        return BadGzipFile("CRC check failed")
    if size != (sink.size - start) & 0xFFFFFFFF:
        return BadGzipFile("Incorrect length of data produced")
    return None


def _one_call(view: memoryview, limit: int) -> bytes | None:
    """The commonest payload, one small gzip member and nothing after it, in one bounded call
    of ISA-L (it checks the header, CRC and size); None for anything else."""
    inflater = isal_zlib.decompressobj(wbits=_GZIP)
    try:
        out = inflater.decompress(view, min(limit, _OUT_CHUNK) + 1)
    except _ISAL_ERROR:
        return None
    if not inflater.eof or inflater.unused_data or len(out) > limit:
        return None
    limits.charge(len(out))
    return out


def unzlib(data: bytes | memoryview, limit: int = MAX_INFLATED_BYTES) -> bytes:
    """``zlib.decompress(data)``, bounded by ``limit`` (bytes after the stream are ignored)."""
    return _one_stream(data, _ZLIB, limit)


def inflate_raw(data: bytes | memoryview, limit: int = MAX_INFLATED_BYTES) -> bytes:
    """``zlib.decompress(data, -15)`` (a bare deflate stream), bounded by ``limit``."""
    return _one_stream(data, _RAW, limit)


def _one_stream(data: bytes | memoryview, wbits: int, limit: int) -> bytes:
    view = memoryview(data).cast("B")
    with _Sink(limit) as sink:
        _, complete = _inflate_stream(view, 0, wbits, sink)
        if not complete:
            raise zlib.error(_ZLIB_TRUNCATED)
        return sink.value()


class _Sink:
    """Where inflated bytes go: counted against the limit and the operation's budget, which
    gets back what a failed inflate had taken."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._buffer = io.BytesIO()  # its getvalue() hands over the bytes without a copy

    def __enter__(self) -> _Sink:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:
            self.rewind(0)

    def add(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self.size + len(chunk) > self.limit:
            raise InflateLimitError(self.limit)
        limits.charge(len(chunk))
        self._buffer.write(chunk)
        self.size += len(chunk)

    def rewind(self, size: int) -> None:
        """Forget what came after ``size`` (a stream inflated again by the other library)."""
        limits.refund(self.size - size)
        self._buffer.seek(size)
        self._buffer.truncate()
        self.size = size

    def crc32(self, start: int) -> int:
        with self._buffer.getbuffer() as written:
            return isal_zlib.crc32(written[start : self.size])

    def value(self) -> bytes:
        return self._buffer.getvalue()


def _inflate_stream(view: memoryview, start: int, wbits: int, sink: _Sink) -> tuple[int, bool]:
    """Inflate the stream at ``start``; returns where it ended and whether it was complete.

    ISA-L first; if it refuses the stream or finds it cut short, the standard library
    inflates it again, so the error (where damaged data reads as truncated to one library and
    as invalid to the other, or where ISA-L is stricter) is the standard library's.
    """
    mark = sink.size
    try:
        end, complete = _counted(isal_zlib, view, start, wbits, sink)
        if complete:
            return end, True
    except _ISAL_ERROR:
        pass
    sink.rewind(mark)
    return _counted(zlib, view, start, wbits, sink)


def _counted(
    library: ModuleType, view: memoryview, start: int, wbits: int, sink: _Sink
) -> tuple[int, bool]:
    """The loop itself: a bounded amount of input and of output per call."""
    inflater = library.decompressobj(wbits=wbits)
    pos = start
    while pos < len(view):
        pending: bytes | memoryview = view[pos : pos + _IN_CHUNK]
        pos += len(pending)
        while True:
            out = inflater.decompress(pending, _OUT_CHUNK)
            sink.add(out)
            if inflater.eof:
                return pos - len(inflater.unused_data), True
            left = inflater.unconsumed_tail
            if not out and len(left) == len(pending):
                break  # no progress: this input is used up (or the stream wants more)
            pending = left
    while True:  # output still held inside the inflater, with no input left
        out = inflater.decompress(b"", _OUT_CHUNK)
        sink.add(out)
        if inflater.eof:
            return len(view) - len(inflater.unused_data), True
        if not out:
            return len(view), False


def _skip_gzip_header(view: memoryview, pos: int) -> int | None:
    """Where the deflate data of the member at ``pos`` begins; None at the end of the data.

    Read field by field as ``gzip._read_gzip_header`` does, with its errors.
    """
    if pos >= len(view):
        return None
    magic = bytes(view[pos : pos + 2])
    if magic != b"\x1f\x8b":
        raise BadGzipFile(f"Not a gzipped file ({magic!r})")
    fixed = _exact(view, pos + 2, 8)
    method, flags = fixed[0], fixed[1]
    if method != 8:
        raise BadGzipFile("Unknown compression method")
    pos += 10
    if flags & _FEXTRA:
        (extra,) = struct.unpack("<H", _exact(view, pos, 2))
        _exact(view, pos + 2, extra)
        pos += 2 + extra
    for flag in (_FNAME, _FCOMMENT):
        if flags & flag:  # a zero-terminated string; unterminated runs to the end
            end = _NUL.search(view, pos)
            pos = len(view) if end is None else end.end()
    if flags & _FHCRC:
        _exact(view, pos, 2)  # present, as gzip.decompress requires; not checked, as it does
        pos += 2
    return pos


def _exact(view: memoryview, pos: int, size: int) -> bytes:
    chunk = bytes(view[pos : pos + size])
    if len(chunk) < size:
        raise EOFError(_GZIP_EOF)
    return chunk
