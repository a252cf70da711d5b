"""Running a view over a document as it is read, and writing the result as it is decoded.

``decode``'s path for documents of any size: memory is bounded by a window of payloads, not
by the document. Three stages overlap, so both cores work: a worker thread reads and parses
the next batch of elements (``documents.streaming``), the pipeline decodes a few batches at
once (its CPU codecs inflate in threads, without the GIL), and another thread renders the
oldest decoded batch and writes it. Batches are written in document order; the whole
document is one operation for ``max_decoded_bytes``, as it is when read whole.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from inspector import limits
from inspector.documents import parse_document, render_readable, write_document
from inspector.documents.binary_history import to_binary
from inspector.documents.model import FoundPayload, Location
from inspector.documents.redacted import redact_document
from inspector.documents.streaming import Item, NotStreamable, Piece, StreamReader, render_piece
from inspector.left_encoded import left_in
from inspector.views import run_found, transform_document, transformed

if TYPE_CHECKING:
    from temporalio.api.common.v1 import Payload

    from inspector.outcomes import Outcome, PayloadError
    from inspector.pipeline import Pipeline
    from inspector.protobufs import MessageTypes
    from inspector.redaction import Redaction

# A batch closes at this much payload data (or input, for events without payloads) or this
# many payloads, whichever first.
BATCH_BYTES = 1024 * 1024
BATCH_PAYLOADS = 512
WINDOW = 3  # batches decoding at once; with the one being written, what memory holds

# What went wrong where, and the payload as the document has it (to diagnose it).
Failure = tuple[Location, "PayloadError", "Payload"]
LeftEncoded = tuple[Location, str, "Payload"]  # a payload the view left in this encoding


@dataclass
class Findings:
    """What a view found worth naming, in document order: failures, and payloads it left
    in a codec's encoding (``inspector.left_encoded``)."""

    failures: list[Failure] = field(default_factory=list)
    left: list[LeftEncoded] = field(default_factory=list)
    binary: bool = False  # the output is a binary protobuf message, not JSON text

    def extend(self, other: Findings) -> None:
        self.failures += other.failures
        self.left += other.left

    def failed(self, *, strict: bool) -> bool:
        """Whether this makes the exit code 3: a failure, or (``strict``) one left encoded."""
        return bool(self.failures) or (strict and bool(self.left))


@dataclass
class _Batch:
    """Items in document order, and the transformable payloads among their pieces."""

    items: list[Item] = field(default_factory=list)
    slots: list[tuple[Piece, int]] = field(default_factory=list)  # (piece, payload k)
    found: list[FoundPayload] = field(default_factory=list)
    size: int = 0  # payload data in the batch
    read: int = 0  # input in the batch


def _next_batch(items: Iterator[Item], pipeline: Pipeline) -> _Batch | None:
    """Read on until a batch is full; None when the document has ended. The payloads are
    those a view runs (``views.transformed``), as on the whole-document path."""
    batch = _Batch()
    for item in items:
        batch.items.append(item)
        if isinstance(item, Piece):
            batch.read += item.size
            for k, found in enumerate(item.payloads):
                if transformed(found, pipeline):
                    batch.slots.append((item, k))
                    batch.found.append(found)
                    batch.size += len(found.payload.data)
            if (
                max(batch.size, batch.read // 4) >= BATCH_BYTES
                or len(batch.found) >= BATCH_PAYLOADS
            ):
                return batch
    return batch if batch.items else None


def _write_batch(batch: _Batch, outcomes: list[Outcome], out: BinaryIO, view: str) -> Findings:
    """Render the batch with its payloads replaced, write it, and name what it found."""
    replaced: dict[int, dict[int, Payload]] = {}
    found = Findings()
    for (piece, k), outcome in zip(batch.slots, outcomes, strict=True):
        where = piece.payloads[k]
        if outcome.error is not None:
            found.failures.append((where.location, outcome.error, where.payload))
        elif outcome.payload is not None:
            replaced.setdefault(id(piece), {})[k] = outcome.payload
            encoding = left_in(view, where.payload, outcome.payload)
            if encoding is not None:
                found.left.append((where.location, encoding, where.payload))
    parts: list[bytes] = []
    for item in batch.items:
        if isinstance(item, Piece):
            parts += render_piece(item, replaced.get(id(item), {}))
        else:
            parts.append(item)
    out.writelines(parts)
    return found


async def stream_view(
    read: Callable[[int], bytes],
    out: BinaryIO,
    source: str,
    pipeline: Pipeline,
    view: str,
) -> Findings:
    """Read with ``read(n)``, run ``view``, write the document to ``out``; returns what it
    found, in document order. Raises ``NotStreamable`` for a document to read whole instead
    (nothing useful has been written then)."""
    items = StreamReader(read, source).items()
    pending: deque[tuple[_Batch, asyncio.Task[list[Outcome]]]] = deque()
    writing: asyncio.Task[Findings] | None = None
    failures = Findings()

    async def write_oldest() -> None:
        nonlocal writing
        batch, decoding = pending.popleft()
        outcomes = await decoding
        if writing is not None:
            failures.extend(await writing)
        writing = asyncio.create_task(asyncio.to_thread(_write_batch, batch, outcomes, out, view))

    with limits.operation_budget(pipeline.max_decoded_bytes, shared=True):
        try:
            while (batch := await asyncio.to_thread(_next_batch, items, pipeline)) is not None:
                decoding = asyncio.create_task(run_found(pipeline, view, batch.found))
                pending.append((batch, decoding))
                while len(pending) >= WINDOW or (pending and pending[0][1].done()):
                    await write_oldest()
            while pending:
                await write_oldest()
            if writing is not None:
                failures.extend(await writing)
                writing = None
        finally:
            decodings = [task for _, task in pending]
            for task in decodings:
                task.cancel()
            # A write already in its thread runs to its end: wait for it, whatever it says.
            await asyncio.gather(
                *decodings, *([writing] if writing else []), return_exceptions=True
            )
    return failures


async def transform_file(
    src: BinaryIO,
    source: str,
    out: BinaryIO,
    pipeline: Pipeline,
    view: str,
    readable: bool,
    redaction: Redaction | None = None,
    types: MessageTypes | None = None,
    as_json: bool = False,
) -> Findings:
    """``view`` over the document in ``src`` (from its start), written to ``out`` in its shape
    (``render_readable`` when ``readable``, its values under ``redaction``, protobuf messages
    read with ``types``); returns what it found, in document order. A binary history or
    export is written back in binary, unless ``as_json`` (or ``readable``).

    Both files must be seekable: a document the streamed path does not take is read again
    whole, and ``out`` rewritten from where it was (``--readable`` always takes that path).
    A bad document raises its ``DocumentError``, as ``parse_document`` words it.
    """
    start, out_start = src.tell(), out.tell()
    if not readable:
        try:
            return await stream_view(src.read, out, source, pipeline, view)
        except NotStreamable:
            src.seek(start)
            out.seek(out_start)
            out.truncate()
    data = await asyncio.to_thread(src.read)
    doc = await asyncio.to_thread(parse_document, data, source)
    del data
    outcomes = await transform_document(doc, pipeline, view)
    found = Findings(
        failures=[
            (doc.payloads[i].location, o.error, doc.payloads[i].payload)
            for i, o in outcomes.items()
            if o.error
        ],
        left=[
            (doc.payloads[i].location, encoding, doc.payloads[i].payload)
            for i, o in outcomes.items()
            if o.payload is not None
            and (encoding := left_in(view, doc.payloads[i].payload, o.payload)) is not None
        ],
    )
    replacements = {i: o.payload for i, o in outcomes.items() if o.payload is not None}
    if readable and redaction:  # redacted as shown, never in the pipeline's own work
        replacements, _ = redact_document(doc, replacements, redaction)
    if readable:
        text = await asyncio.to_thread(render_readable, doc, replacements, types)
    else:
        text = await asyncio.to_thread(write_document, doc, replacements)
    if doc.binary is not None and not (readable or as_json):
        found.binary = True
        await asyncio.to_thread(out.write, await asyncio.to_thread(to_binary, doc, text))
    else:
        await asyncio.to_thread(out.write, text.encode("utf-8"))
    return found
