"""A view over one document: the run a chunk at a time, and what its results still stand for.

This is the part of a document tab that decides what gets decoded and whether a result
still holds, kept free of Qt so it can be tested without a QApplication; ``document_tab``
only schedules it on the task runner and shows what comes back.

- ``run_document_view``: ``views.transform_document`` (the CLI's code too) over the whole
  document in chunks, so the loop breathes between them: progress shows, Esc cancels.
- ``DocumentRun``: the shown results and the view and profile generation that made them
  (``shows``: a newer view or profile makes them stale), the few payloads decoded again to
  be shown because the results did not keep them (see results.py), and the downloads.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import deque
from collections.abc import AsyncIterator, Mapping
from typing import Protocol

from inspector.config import ConfigError
from inspector.documents import Document, FoundPayload, render_readable, write_document
from inspector.documents.redacted import redact_document
from inspector.outcomes import Outcome
from inspector.pipeline import Pipeline
from inspector.protobufs import MessageTypes
from inspector.redaction import NO_REDACTION, Redaction
from inspector.views import transform_document

from .results import ViewResults

# Small chunks keep each step's decoded payloads (and the loop's pauses) small: a 100 MB
# history decodes to ~500 MB, of which only a chunk exists at a time (see results.py).
CHUNK_PAYLOADS = 64
CHUNK_BYTES = 1024 * 1024
CHUNKS_IN_FLIGHT = 2
SHOWN_KEPT = 8  # payloads decoded again for the detail pane, most recent kept
BIG_PAYLOAD_COUNT = 5000  # from here on, results are built with the collector paused


class ProgressSink(Protocol):
    """Where a run reports how far it got (``tasks.Progress``)."""

    def update(self, done: int, total: int | None = None, label: str | None = None) -> None: ...


class PipelineSource(Protocol):
    """What builds a tab's pipeline (``profile_choice.ProfileChoice``)."""

    def pipeline(self) -> Pipeline: ...


def pipeline_for(view: str, source: PipelineSource) -> Pipeline:
    """The profile's pipeline; Raw needs no codecs or storage, so it runs even when the
    profile cannot be built. Raises ``ConfigError`` for the other views then."""
    try:
        return source.pipeline()
    except ConfigError:
        if view != "raw":
            raise
        return Pipeline(name="raw")


def payload_size(found: FoundPayload) -> int:
    """About the payload's serialized size. Payloads kept as their JSON (see loading.py)
    tell it from their base64 text with ``encoded_size()``, nothing decoded."""
    encoded_size = getattr(found, "encoded_size", None)
    return encoded_size() if encoded_size is not None else found.payload.ByteSize()


def chunks(doc: Document) -> list[tuple[int, int]]:
    """Index ranges of at most CHUNK_PAYLOADS payloads or about CHUNK_BYTES bytes."""
    ranges = []
    start, size = 0, 0
    for i, found in enumerate(doc.payloads):
        size += payload_size(found)
        if i + 1 - start >= CHUNK_PAYLOADS or size >= CHUNK_BYTES:
            ranges.append((start, i + 1))
            start, size = i + 1, 0
    if start < len(doc.payloads):
        ranges.append((start, len(doc.payloads)))
    return ranges


async def transform_some(
    doc: Document, indexes: range | list[int], pipeline: Pipeline, view: str
) -> Mapping[int, Outcome]:
    """The view over the payloads at ``indexes`` only, keyed by their place in ``indexes``
    (each payload's outcome is its own, so a part decodes as it would in the whole)."""
    part = dataclasses.replace(doc, payloads=[doc.payloads[i] for i in indexes])
    return await transform_document(part, pipeline, view)


async def run_document_view(
    doc: Document,
    pipeline: Pipeline,
    view: str,
    progress: ProgressSink | None = None,
    into: ViewResults | None = None,
) -> Mapping[int, Outcome]:
    """``transform_document`` over the whole document, a chunk at a time.

    Chunking changes nothing in the result (each payload's outcome is its own); it lets the
    loop breathe and the status bar count. With ``into``, outcomes go there as each chunk
    ends (kept within its budget) and it is returned; else every outcome is kept.
    """
    outcomes: dict[int, Outcome] = {}
    total = len(doc.payloads)

    def take(start: int, end: int, result: Mapping[int, Outcome]) -> None:
        for i, outcome in result.items():
            if into is not None:
                into.add(start + i, outcome)
            else:
                outcomes[start + i] = outcome
        if progress is not None:
            progress.update(end, total)

    # Two chunks in flight: one's codecs run in a worker thread while the loop reads the
    # next one's payloads. Results are taken in document order all the same.
    running: deque[tuple[int, int, asyncio.Task[Mapping[int, Outcome]]]] = deque()
    try:
        for start, end in chunks(doc):
            running.append(
                (
                    start,
                    end,
                    asyncio.ensure_future(transform_some(doc, range(start, end), pipeline, view)),
                )
            )
            if len(running) >= CHUNKS_IN_FLIGHT:
                first, last, task = running.popleft()
                take(first, last, await task)
            await asyncio.sleep(0)
        while running:
            first, last, task = running.popleft()
            take(first, last, await task)
    finally:
        for _, _, task in running:
            task.cancel()
    return into if into is not None else outcomes


async def decode_one(doc: Document, index: int, pipeline: Pipeline, view: str) -> Outcome | None:
    """Payload ``index`` alone through the view; None when the view leaves it as it is."""
    return (await transform_some(doc, [index], pipeline, view)).get(0)


def export_text(
    doc: Document,
    outcomes: Mapping[int, Outcome],
    redaction: Redaction = NO_REDACTION,
    *,
    readable: bool = False,
    types: MessageTypes | None = None,
) -> tuple[str, int]:
    """The whole document with the outcomes' payloads, shape kept, redacted as shown
    (``readable``: rendered for people, as ``decode --readable`` prints it, protobuf
    messages read with ``types``); and how many failed (those are left as they were)."""
    replacements = {i: o.payload for i, o in outcomes.items() if o.payload is not None}
    failed = sum(1 for o in outcomes.values() if o.error is not None)
    shown, _ = redact_document(doc, replacements, redaction)
    if readable:
        return render_readable(doc, shown, types), failed
    return write_document(doc, shown), failed


class DocumentRun:
    """The results a document shows, what made them, and what was decoded beside them."""

    def __init__(self, generation: int) -> None:
        self.outcomes: Mapping[int, Outcome] | None = None
        self.key: tuple[str, int] | None = None  # (view, profile generation) of the results
        self.error: str | None = None  # why the profile could not run, when it could not
        self.downloads: dict[int, Outcome] = {}  # references fetched on request, by index
        self._downloads_generation = generation
        self._shown: dict[int, Outcome] = {}  # dropped payloads decoded again to be shown

    def shows(self, view: str, generation: int) -> bool:
        """Whether the results were made by ``view`` on this profile generation: if not,
        they are stale (another view or profile was chosen since)."""
        return self.key == (view, generation)

    def current(self, view: str, generation: int) -> bool:
        """Whether there are results and they are those of ``view`` and this profile."""
        return self.shows(view, generation) and self.outcomes is not None

    def reset(self) -> None:
        """A document was loaded: nothing run over it yet."""
        self.outcomes, self.key = None, None
        self.downloads = {}
        self._shown = {}

    def start(self, generation: int) -> None:
        """A run starts: downloads made with an older profile no longer count."""
        if self._downloads_generation != generation:
            self.downloads, self._downloads_generation = {}, generation
        self.error = None

    def fail(self, view: str, generation: int, error: str) -> None:
        """The profile could not run this view: no results, and no point trying again."""
        self.error = error
        self.outcomes, self.key = None, (view, generation)

    def finish(self, view: str, generation: int, outcomes: Mapping[int, Outcome]) -> None:
        self.outcomes, self.key = outcomes, (view, generation)
        self._shown = {}

    def failed(self) -> list[int]:
        """The payloads the view could not show."""
        return [i for i, o in (self.outcomes or {}).items() if o.error is not None]

    def kept_outcome(self, index: int, view: str, generation: int) -> Outcome | None:
        """Payload ``index``'s outcome in the current results, if they kept it."""
        if not self.current(view, generation):
            return None
        return (self.outcomes or {}).get(index)

    def shown_outcome(self, index: int, view: str, generation: int) -> Outcome | None:
        """What to show for payload ``index``: the kept outcome, else the one decoded again.

        None means nothing to show but the raw payload: it passes through (a search
        attribute), the view is still running, or it waits to be decoded again
        (``needs_decoding``).
        """
        outcome = self.kept_outcome(index, view, generation)
        if outcome is None and self.current(view, generation) and self._dropped(index):
            outcome = self._shown.get(index)
        return outcome

    def needs_decoding(self, index: int, view: str, generation: int) -> bool:
        """Whether payload ``index`` decoded fine but the results did not keep it, and it
        was not decoded again since."""
        return (
            self.shown_outcome(index, view, generation) is None
            and self.current(view, generation)
            and self._dropped(index)
        )

    def keep_decoded(self, index: int, outcome: Outcome, view: str, generation: int) -> bool:
        """Keep a payload decoded again (the most recent SHOWN_KEPT), if the results it
        belongs to still stand; says whether it was kept."""
        if not self.shows(view, generation):
            return False
        while len(self._shown) >= SHOWN_KEPT:
            del self._shown[next(iter(self._shown))]
        self._shown[index] = outcome
        return True

    async def complete_outcomes(
        self, doc: Document, view: str, source: PipelineSource
    ) -> Mapping[int, Outcome]:
        """Every outcome of the current results (those they did not keep decoded again);
        raises ``ConfigError`` when that run's profile cannot be built."""
        outcomes: dict[int, Outcome] = {}
        async for _, _, part in self.outcomes_by_chunk(doc, view, source):
            outcomes.update(part)
        return outcomes

    async def outcomes_by_chunk(
        self, doc: Document, view: str, source: PipelineSource
    ) -> AsyncIterator[tuple[int, int, Mapping[int, Outcome]]]:
        """The current results a chunk at a time, ``(start, end, outcomes)``, with those they
        did not keep decoded again: a reader of every value never holds them all at once."""
        outcomes = self.outcomes if self.outcomes is not None else {}
        if not isinstance(outcomes, ViewResults) or outcomes.complete:
            yield 0, len(doc.payloads), outcomes
            return
        pipeline = pipeline_for(view, source)
        for start, end in chunks(doc):
            part = {i: outcomes[i] for i in range(start, end) if i in outcomes}
            again = [i for i in range(start, end) if outcomes.dropped(i) is not None]
            if again:
                result = await transform_some(doc, again, pipeline, view)
                part.update((again[j], outcome) for j, outcome in result.items())
            yield start, end, part

    def decoded_bytes(self) -> int:
        """About how much the current results' decoded payloads take in all."""
        outcomes = self.outcomes or {}
        if isinstance(outcomes, ViewResults):
            return outcomes.decoded_bytes
        return sum(o.payload.ByteSize() for o in outcomes.values() if o.payload is not None)

    def dropped_some(self) -> bool:
        """Whether the current results left out some decoded payloads (a big document)."""
        outcomes = self.outcomes
        return isinstance(outcomes, ViewResults) and not outcomes.complete

    def _dropped(self, index: int) -> bool:
        outcomes = self.outcomes
        return isinstance(outcomes, ViewResults) and outcomes.dropped(index) is not None
